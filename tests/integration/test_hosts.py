"""Verify installs on real hosts: the sh script run locally, then over SSH on
sshd hosts in network namespaces (or on loopback ports where namespaces are
not available), against a real pypiserver serving a freshly built wheel."""

from __future__ import annotations

import hashlib
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from releasekit.adapters.hosts import (
    HostSpec,
    connect,
    raise_for_failures,
    report_rows,
    run_on_hosts,
    run_with_input,
    verify_on_host,
)
from releasekit.core.errors import CommandFailed, HostError
from releasekit.core.hostscripts import VerifySpec, parse_results, render
from releasekit.testing.hosts import NEEDS_NETNS, make_pool, netns_available, ssh_hosts
from releasekit.testing.sample import write_wheel
from releasekit.testing.servers import PypiServer
from releasekit.testing.wheels import rewrite_wheel

pytestmark = pytest.mark.integration
__all__ = ["ssh_hosts"]  # a fixture, imported on purpose

PACKAGE = "rkhostcheck"


# --- a tiny package on a real index ------------------------------------------------------------


def _build_wheel(src: Path, out: Path, version: str) -> Path:
    project = src / version
    (project / PACKAGE).mkdir(parents=True)
    (project / "setup.py").write_text(
        f"from setuptools import setup\nsetup(name={PACKAGE!r}, version={version!r}, packages=[{PACKAGE!r}])\n"
    )
    (project / PACKAGE / "__init__.py").write_text(f"__version__ = {version!r}\n")
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out), str(project)],
        check=True,
        capture_output=True,
    )
    return next(out.glob(f"{PACKAGE}-{version}-*.whl"))


def _rewrite_version(wheel: Path, out: Path, version: str) -> Path:
    """A copy of ``wheel`` claiming another version (cheaper than a second build)."""
    old = wheel.name.split("-")[1]
    return rewrite_wheel(
        wheel,
        out / wheel.name.replace(f"-{old}-", f"-{version}-"),
        rename=lambda name: name.replace(f"{PACKAGE}-{old}.dist-info", f"{PACKAGE}-{version}.dist-info"),
        edit=lambda name, data: data.replace(f"Version: {old}\n".encode(), f"Version: {version}\n".encode())
        if name.endswith("/METADATA") else data,
    )


@dataclass
class Index:
    """A pypiserver bound to every address, so namespaced hosts reach it via their gateway."""

    port: int
    packages: Path
    leaked_wheels: Path  # version 2.0, served by no index: only a leaking pip setting finds it

    def url(self, address: str = "127.0.0.1") -> str:
        return f"http://{address}:{self.port}/simple/"

    def spec(self, address: str = "127.0.0.1", **kw) -> VerifySpec:
        values = dict(package=PACKAGE, version="1.0", index_url=self.url(address), trusted_hosts=[address], backoff=0)
        values.update(kw)
        return VerifySpec(**values)


# pypiserver's passlib import crashes on bcrypt >= 5; hiding bcrypt lets it start.
_PYPISERVER = "import sys; sys.modules['bcrypt'] = None; from pypiserver.__main__ import main; sys.exit(main())"


@pytest.fixture(scope="module")
def index(tmp_path_factory) -> Index:
    root = tmp_path_factory.mktemp("host-index")
    packages, leaked = root / "packages", root / "leaked"
    packages.mkdir()
    leaked.mkdir()
    _rewrite_version(_build_wheel(root / "src", packages, "1.0"), leaked, "2.0")
    with socket.socket() as sock:
        sock.bind(("0.0.0.0", 0))
        port = sock.getsockname()[1]
    argv = [sys.executable, "-c", _PYPISERVER, "run", "-p", str(port), "-i", "0.0.0.0"]
    argv += ["-a", ".", "-P", ".", "--disable-fallback", str(packages)]
    with open(root / "pypiserver.log", "wb") as log:
        proc = subprocess.Popen(argv, stdout=log, stderr=log, stdin=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/simple/", timeout=2).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("pypiserver did not start: " + (root / "pypiserver.log").read_text()) from None
                time.sleep(0.05)
        yield Index(port, packages, leaked)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


# --- the sh script, run locally ---------------------------------------------------------------


def run_sh(script: str, tmp_path: Path, **env_overrides: str) -> tuple[int, dict[str, str], str]:
    """Run a rendered sh script with its own TMPDIR; return exit code, results, output."""
    (tmp_path / "tmp").mkdir(exist_ok=True)
    path = tmp_path / "verify.sh"
    path.write_text(script)
    env = dict(os.environ, TMPDIR=str(tmp_path / "tmp"), **env_overrides)
    proc = subprocess.run(["sh", str(path)], env=env, capture_output=True, text=True, timeout=300)
    return proc.returncode, parse_results(proc.stdout), proc.stdout + proc.stderr


def test_sh_script_installs_checks_and_cleans_up(index, tmp_path):
    smoke = (
        "python -c 'import rkhostcheck, sys; print(sys.prefix); assert rkhostcheck.__version__ == \"1.0\"'\n"
        "env | grep -E '^(PIP|UV)_' | sed 's/^/ENV /'"
    )
    leaks = dict(PIP_FIND_LINKS=str(index.leaked_wheels), PIP_INDEX_URL="http://127.0.0.1:9/", PIP_DEFAULT_TIMEOUT="33")
    code, results, output = run_sh(render(index.spec(python=sys.executable, smoke=smoke), "sh"), tmp_path, **leaks)
    assert code == 0, output
    assert results["result"] == "ok"
    assert results["install"] == "ok" and results["install_attempts"] == "1"
    assert results["import"] == "ok" and results["version"] == "1.0" and results["version_match"] == "yes"
    assert results["smoke"] == "ok"
    assert results["os"].startswith("Linux") and results["python"] == "{}.{}.{}".format(*sys.version_info[:3])
    assert float(results["install_seconds"]) >= 0
    # The smoke command ran with the new env first on PATH, and the env lived in the temp dir.
    assert f"{results['tmp']}/env" in output
    # What pip saw: no leaked sources, config off, plumbing kept.
    seen = sorted(line[4:] for line in output.splitlines() if line.startswith("ENV "))
    assert "PIP_CONFIG_FILE=/dev/null" in seen and "PIP_DEFAULT_TIMEOUT=33" in seen
    assert not [v for v in seen if v.startswith(("PIP_FIND_LINKS", "PIP_INDEX_URL"))]
    assert not Path(results["tmp"]).exists()
    assert list((tmp_path / "tmp").iterdir()) == []


def test_sh_script_ignores_leaked_pip_settings(index, tmp_path):
    conf = tmp_path / "pip.conf"
    conf.write_text(f"[global]\nfind-links = {index.leaked_wheels}\n")
    leaks = dict(PIP_FIND_LINKS=str(index.leaked_wheels), PIP_CONFIG_FILE=str(conf))
    # The leak is real: plain pip with these settings would find version 2.0.
    plain = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--dry-run", "--no-deps", "--index-url", index.url(), f"{PACKAGE}==2.0"],
        env=dict(os.environ, **leaks),
        capture_output=True,
        text=True,
    )
    assert plain.returncode == 0, plain.stderr
    code, results, output = run_sh(
        render(index.spec(version="2.0", python=sys.executable, attempts=2), "sh"), tmp_path, **leaks
    )
    assert code != 0, output
    assert results["install"] == "fail" and results["install_attempts"] == "2" and results["retry"] == "1 wait=0"
    assert results["result"] == "fail"
    assert "import" not in results
    assert list((tmp_path / "tmp").iterdir()) == []


def test_sh_script_propagates_the_failing_exit_code_and_cleans_up(index, tmp_path):
    code, results, output = run_sh(render(index.spec(python=sys.executable, smoke="exit 7"), "sh"), tmp_path)
    assert code == 7, output
    assert results["import"] == "ok" and results["smoke"] == "fail" and results["result"] == "fail"
    assert list((tmp_path / "tmp").iterdir()) == []


def test_sh_script_falls_back_to_a_venv_with_pip(index, tmp_path):
    # A base interpreter without pip cannot fill a pip-less env, so the script
    # makes a full venv and uses its own pip; the smoke command proves pip is in it.
    base = tmp_path / "base"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(base)], check=True)
    spec = index.spec(python=str(base / "bin" / "python"), smoke="python -m pip --version")
    code, results, output = run_sh(render(spec, "sh"), tmp_path)
    assert code == 0, output
    assert results["install"] == "ok" and results["smoke"] == "ok" and results["version"] == "1.0"
    assert f"{results['tmp']}/env" in output  # pip X from <env>/lib/... (python 3.x)
    assert list((tmp_path / "tmp").iterdir()) == []


def test_sh_script_with_uv_reports_a_failed_import(index, tmp_path):
    uv = Path(sys.executable).with_name("uv")
    if not uv.exists():
        pytest.skip(f"needs uv next to {sys.executable}")
    spec = index.spec(python=sys.executable, installer="uv", uv_command=str(uv), import_name="no_such_module")
    code, results, output = run_sh(render(spec, "sh"), tmp_path, UV_FIND_LINKS="/nonexistent/wheels")
    assert code == 1, output
    assert results["install"] == "ok", output
    assert results["import"] == "fail" and results["version"] == "1.0" and results["result"] == "fail"
    assert list((tmp_path / "tmp").iterdir()) == []


# --- real hosts over SSH --------------------------------------------------------------------------


def verifier(index: Index, hosts):
    """fn for run_on_hosts: verify against the index at the address each host reaches us by."""
    gateways = {h.name: h.gateway for h in hosts}

    def fn(conn, spec):
        return verify_on_host(conn, spec, index.spec(gateways[spec.name]))

    return fn


def options(host) -> dict:
    return dict(known_hosts=host.known_hosts, key_filename=host.key_path, system_known_hosts=False)


def leftovers(results) -> list[str]:
    """Temp dirs the scripts reported that still exist (all hosts share this machine's disk)."""
    return [r.data["tmp"] for r in results if "tmp" in r.data and Path(r.data["tmp"]).exists()]


def test_verify_on_three_hosts_in_parallel(ssh_hosts, index):
    hosts = ssh_hosts(3)
    specs = [hosts[0].spec(shell="auto"), hosts[1].spec(), hosts[2].spec()]
    results = run_on_hosts(specs, verifier(index, hosts), max_parallel=3, **options(hosts[0]))
    assert [r.name for r in results] == [h.name for h in hosts]
    assert [r.ok for r in results] == [True, True, True], [r.error for r in results]
    for r in results:
        assert r.data["version"] == "1.0" and r.data["import"] == "ok" and r.data["shell"] == "sh"
        assert r.data["os"].startswith("Linux")
    raise_for_failures(results)
    rows = report_rows(results)
    assert [row[:2] for row in rows] == [[h.name, "ok"] for h in hosts]
    assert leftovers(results) == []
    # No verify script is left in the (shared) home directory either.
    assert sorted(Path.home().glob(".releasekit-verify-*")) == []


def test_a_verify_is_one_login_and_one_session_whether_the_shell_is_detected_or_configured(ssh_hosts, index):
    hosts = ssh_hosts(2)
    specs = [hosts[0].spec(shell="auto"), hosts[1].spec(shell="sh")]
    marks = [h.log_size() for h in hosts]
    results = run_on_hosts(specs, verifier(index, hosts), max_parallel=2, **options(hosts[0]))
    assert [r.ok for r in results] == [True, True], [r.error for r in results]
    assert [r.data["shell"] for r in results] == ["sh", "sh"]
    assert [h.logins_and_sessions(mark) for h, mark in zip(hosts, marks, strict=True)] == [(1, 1), (1, 1)]


def test_run_with_input_hands_over_the_whole_input_and_keeps_both_outputs_and_the_exit_code(ssh_hosts):
    host = ssh_hosts(1)[0]
    data = b"".join(b"line %d of the input\n" % i for i in range(20000))  # ~500 KB: many packets and windows
    conn = host.connect()
    try:
        result = run_with_input(conn, "sha256sum; echo to-stderr >&2; exit 5", data)
        assert result.exited == 5
        assert result.stdout.split()[0] == hashlib.sha256(data).hexdigest()
        assert result.stderr.strip() == "to-stderr"
        with pytest.raises(CommandFailed, match="timed out after 1s"):
            run_with_input(conn, "sleep 5", b"", timeout=1)
    finally:
        conn.close()


def test_one_host_down_does_not_stop_the_others(ssh_hosts, index):
    hosts = ssh_hosts(3)
    hosts[1].stop()
    results = run_on_hosts([h.spec() for h in hosts], verifier(index, hosts), **options(hosts[0]))
    assert [r.ok for r in results] == [True, False, True], [r.error for r in results]
    assert f"cannot reach {hosts[1].name}" in results[1].error
    with pytest.raises(HostError, match=rf"1 of 3 host\(s\) failed: {hosts[1].name}: cannot reach"):
        raise_for_failures(results)
    assert report_rows(results)[1][1] == "FAILED"


def test_a_failing_check_is_reported_with_what_the_host_said(ssh_hosts, index):
    host = ssh_hosts(1)[0]

    def fn(conn, spec):
        return verify_on_host(conn, spec, index.spec(host.gateway, import_name="no_such_module"))

    [result] = run_on_hosts([host.spec()], fn, **options(host))
    assert not result.ok
    assert result.error == "`import no_such_module` failed: ModuleNotFoundError: No module named 'no_such_module'"
    assert result.data["install"] == "ok" and result.data["version"] == "1.0" and result.data["exit_code"] == "1"
    assert leftovers([result]) == []


def test_unknown_host_key_is_refused(ssh_hosts, tmp_path):
    known, unknown = ssh_hosts(2)
    only_first = tmp_path / "known_hosts"
    only_first.write_text(known.known_hosts_line + "\n")
    with pytest.raises(HostError) as info:
        unknown.connect(known_hosts=only_first)
    assert info.value.message == f"host key of {unknown.host} is not known"
    assert f"ssh-keyscan -p {unknown.port} {unknown.host} >> {only_first}" in info.value.hint
    assert "releasekit.verify.trust_unknown_hosts" in info.value.hint

    results = run_on_hosts(
        [known.spec(), unknown.spec()],
        lambda conn, spec: {"echo": conn.run("echo hi", hide=True, in_stream=False).stdout.strip()},
        known_hosts=only_first,
        key_filename=known.key_path,
        system_known_hosts=False,
    )
    assert results[0].ok and results[0].data == {"echo": "hi"}
    assert not results[1].ok and "is not known" in results[1].error

    # Trusting unknown hosts is an explicit choice, and it works.
    conn = unknown.connect(known_hosts=only_first, trust_unknown=True)
    try:
        assert conn.run("echo trusted", hide=True, in_stream=False).stdout.strip() == "trusted"
    finally:
        conn.close()


def test_changed_host_key_is_refused_even_when_trusting_unknown_hosts(ssh_hosts, tmp_path):
    a, b = ssh_hosts(2)
    wrong = tmp_path / "known_hosts"
    # b's address with a's key: what a reinstalled (or impersonated) host looks like.
    wrong.write_text(b.known_hosts_line.split()[0] + " " + " ".join(a.known_hosts_line.split()[1:]) + "\n")
    with pytest.raises(HostError, match=f"host key of {b.host} does not match known_hosts"):
        b.connect(known_hosts=wrong, trust_unknown=True)


def test_per_host_timeout_fails_only_that_host(ssh_hosts):
    slow, fast = ssh_hosts(2)

    def fn(conn, spec):
        command = "sleep 120" if spec.name == slow.name else "echo done"
        return {"out": conn.run(command, hide=True, in_stream=False).stdout.strip()}

    # 15 s holds the fast host's connect and login on a busy machine; the slow one never makes it.
    results = run_on_hosts([slow.spec(), fast.spec()], fn, timeout=15, **options(slow))
    assert not results[0].ok and results[0].error == "did not finish within 15s"
    assert results[1].ok and results[1].data == {"out": "done"}


def test_max_parallel_caps_concurrency(ssh_hosts):
    hosts = ssh_hosts(3)
    lock = threading.Lock()
    active, peak = [0], [0]

    def fn(conn, spec):
        with lock:
            active[0] += 1
            peak[0] = max(peak[0], active[0])
        try:
            conn.run("sleep 0.1", hide=True, in_stream=False)
        finally:
            with lock:
                active[0] -= 1

    results = run_on_hosts([h.spec() for h in hosts], fn, max_parallel=1, **options(hosts[0]))
    assert all(r.ok for r in results) and peak[0] == 1

    # And with room for all three, all three really run at once.
    barrier = threading.Barrier(3, timeout=30)
    results = run_on_hosts([h.spec() for h in hosts], lambda c, s: {"slot": barrier.wait()}, max_parallel=3, **options(hosts[0]))
    assert sorted(r.data["slot"] for r in results) == [0, 1, 2]


def test_loopback_hosts_work_without_namespaces(tmp_path):
    pool = make_pool(tmp_path, netns=False)
    try:
        [host] = pool.get(1)
        assert host.host == "127.0.0.1" and host.netns is None
        conn = host.connect()
        try:
            assert conn.run("echo hi", hide=True, in_stream=False).stdout.strip() == "hi"
        finally:
            conn.close()
        pid = host.pid
    finally:
        pool.close()
    assert not _alive(pid)


def test_namespace_hosts_are_separate_machines_and_vanish_on_close(tmp_path):
    if not netns_available():
        pytest.skip(NEEDS_NETNS)
    pool = make_pool(tmp_path, netns=True)
    try:
        a, b = pool.get(2)
        assert a.host != b.host and a.port == b.port == 22
        conn = a.connect()
        try:
            addresses = conn.run("ip -o -4 addr show", hide=True, in_stream=False).stdout
        finally:
            conn.close()
        assert a.host in addresses and b.host not in addresses and a.gateway not in addresses
        names = [a.netns, b.netns]
        pids = [a.pid, b.pid]
    finally:
        pool.close()
    listed = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    assert not any(name in listed for name in names)
    assert not any(_alive(pid) for pid in pids)
    links = subprocess.run(["ip", "-o", "link"], capture_output=True, text=True).stdout
    assert f"rk{pool.tag}" not in links


def _alive(pid: int | None) -> bool:
    if pid is None:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_unreachable_hosts_are_host_errors_and_reported_per_host(tmp_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again when the block ends: connections are refused
    spec = HostSpec("down", "127.0.0.1", "nobody", port, shell="sh")
    with pytest.raises(HostError, match=rf"cannot reach down \(127.0.0.1:{port}\)"):
        connect(spec, system_known_hosts=False, connect_timeout=5)
    missing = tmp_path / "no_known_hosts"
    with pytest.raises(HostError, match="cannot read known_hosts file"):
        connect(spec, known_hosts=missing, system_known_hosts=False)

    results = run_on_hosts([spec, HostSpec("bad-known-hosts", "127.0.0.1", port=port)], lambda c, s: {}, known_hosts=missing)
    assert [r.ok for r in results] == [False, False]
    assert "cannot read known_hosts file" in results[0].error
    with pytest.raises(HostError, match=r"2 of 2 host\(s\) failed"):
        raise_for_failures(results)


# --- the release from the target index, its dependencies also from a second one -------------------


@dataclass
class TwoIndexes:
    """A target index with only the released wheels and a deps index with their dependency, both
    bound to every address; ``planted`` is a same-version wheel of rkprovbad on the deps index."""

    target: PypiServer
    deps: PypiServer
    released: dict[str, dict[str, str]]  # package -> {filename: sha256}
    planted: Path

    def spec(self, package: str, address: str = "127.0.0.1", **kw) -> VerifySpec:
        def url(server: PypiServer) -> str:
            return f"http://{address}:{server.port}/simple/"

        return VerifySpec(package=package, version="1.0", index_url=url(self.target), extra_index_urls=[url(self.deps)],
                          trusted_hosts=[address], backoff=0, attempts=1, expected_files=self.released[package], **kw)


@pytest.fixture(scope="module")
def two_indexes(tmp_path_factory) -> TwoIndexes:
    root = tmp_path_factory.mktemp("two-indexes")
    target = PypiServer(root / "target", bind="0.0.0.0").start()
    deps = PypiServer(root / "deps", bind="0.0.0.0").start()
    try:
        released = {}
        for package in ("rkprov", "rkprovbad"):
            wheel = write_wheel(target.dir, package, "1.0", requires=["rkprovdep>=1"])
            released[package] = {wheel.name: hashlib.sha256(wheel.read_bytes()).hexdigest()}
        write_wheel(deps.dir, "rkprovdep", "1.0")
        # rkprovbad 1.0 again, with a build tag: pip prefers it to the released wheel
        made = write_wheel(root / "planted", "rkprovbad", "1.0", files={"rkprovbad/planted.py": ""})
        planted = made.replace(deps.dir / "rkprovbad-1.0-1-py3-none-any.whl")
        yield TwoIndexes(target, deps, released, planted)
    finally:
        target.stop()
        deps.stop()


def test_sh_script_reports_the_released_file_with_dependencies_from_the_deps_index(two_indexes, tmp_path):
    [(name, sha)] = two_indexes.released["rkprov"].items()
    script = render(two_indexes.spec("rkprov", python=sys.executable, smoke="python -c 'import rkprovdep'"), "sh")
    code, results, output = run_sh(script, tmp_path)
    assert code == 0, output
    assert results["install"] == "ok" and results["smoke"] == "ok"  # the dependency came from the deps index
    assert results["installed_file"] == name and results["installed_sha256"] == sha
    assert results["installed_url"] == f"http://127.0.0.1:{two_indexes.target.port}/packages/{name}"
    assert list((tmp_path / "tmp").iterdir()) == []


def test_a_host_given_the_planted_file_by_the_deps_index_fails_naming_both_hashes(ssh_hosts, two_indexes):
    host = ssh_hosts(1)[0]
    [(name, sha)] = two_indexes.released["rkprovbad"].items()
    planted = two_indexes.planted
    planted_sha = hashlib.sha256(planted.read_bytes()).hexdigest()

    def fn(conn, spec):
        return verify_on_host(conn, spec, two_indexes.spec(spec.name.split("|")[0], host.gateway))

    good, bad = run_on_hosts([host.spec(name="rkprov|ok"), host.spec(name="rkprovbad|planted")], fn,
                             **options(host))
    assert good.ok, good.error
    assert good.data["installed_sha256"] == two_indexes.released["rkprov"][good.data["installed_file"]]
    assert not bad.ok and bad.data["install"] == "ok" and bad.data["installed_sha256"] == planted_sha
    assert bad.error.startswith(
        f"rkprovbad==1.0 was installed from {planted.name} with sha256 "  # the table names the host
        f"{planted_sha} (http://{host.gateway}:{two_indexes.deps.port}/packages/{planted.name}), "
        f"not from the released {name} with sha256 {sha}")
    assert leftovers([good, bad]) == []
