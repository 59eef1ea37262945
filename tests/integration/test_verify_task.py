"""`releasekit verify.install --host ...` end to end: real sshd hosts (network namespaces as root),
a real index they reach, the published version installed on each in parallel, one table."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
import yaml

from releasekit.testing.hosts import ssh_hosts
from releasekit.testing.sample import make_sample_project, write_wheel
from releasekit.testing.servers import PypiServer
from tests.conftest import Cli

__all__ = ["ssh_hosts"]  # a fixture, imported on purpose


@pytest.fixture
def published(tmp_path, ssh_hosts, cli_env):
    """A sample project built and 'published' on an index every host can reach, hosts configured."""
    hosts = ssh_hosts(3)
    gateway = hosts[0].gateway
    server = PypiServer(tmp_path / "index", bind="0.0.0.0", address=gateway).start()
    index_dir, url = server.dir, server.url
    project = make_sample_project(tmp_path, "rk-hosts-verify")
    settings = {"releasekit": {
        "pypi": {"repository": url}, "dist": {"isolation": False},
        "hosts": {f"h{i}": {"host": h.host, "port": h.port, "user": h.user, "python": sys.executable}
                  for i, h in enumerate(hosts)},
        "verify": {"known_hosts": str(hosts[0].known_hosts), "ssh_key": str(hosts[0].key_path)},
        "wait": {"timeout": 30, "interval": 0.2},
    }}
    (project.path / "invoke.yaml").write_text(yaml.safe_dump(settings))
    cli = Cli(project.path, cli_env)
    cli("dist.pypi", check=True)
    for artifact in (project.path / "dist").iterdir():
        shutil.copy(artifact, index_dir / artifact.name)
    yield project, cli, hosts, index_dir
    server.stop()


def test_verify_install_on_three_hosts_in_parallel(published):
    project, cli, hosts, _index = published
    result = cli("verify.install", "--host", "all", "--version", "0.1.0.dev0")
    assert result.returncode == 0, result.stdout + result.stderr
    rows = [line.split() for line in result.stdout.splitlines() if line.split()[:1] in (["local"], ["h0"], ["h1"], ["h2"])]
    assert [r[0] for r in rows] == ["local", "h0", "h1", "h2"]
    assert all(r[1] == "ok" and "0.1.0.dev0" in r for r in rows)


def test_one_host_down_the_others_pass_and_the_exit_is_non_zero(published):
    project, cli, hosts, _index = published
    hosts[1].stop()
    result = cli("verify.install", "--host", "h0", "--host", "h1", "--host", "h2", "--version", "0.1.0.dev0")
    assert result.returncode != 0
    table = {line.split()[0]: line for line in result.stdout.splitlines() if line.split()[:1] in (["h0"], ["h1"], ["h2"])}
    assert " ok " in table["h0"] and " ok " in table["h2"]
    assert "FAILED" in table["h1"]
    assert "error: 1 of 4 installs of rk-hosts-verify==0.1.0.dev0 (local and 3 host(s)) failed: h1: cannot reach h1 " \
        in result.stderr and "Traceback" not in result.stderr
    assert "installed from the index" not in result.stdout


def test_an_unknown_host_key_is_refused(published, tmp_path):
    project, cli, hosts, _index = published
    empty = tmp_path / "known_hosts_empty"
    empty.write_text("")
    config = yaml.safe_load((project.path / "invoke.yaml").read_text())
    config["releasekit"]["verify"]["known_hosts"] = str(empty)
    (project.path / "invoke.yaml").write_text(yaml.safe_dump(config))
    result = cli("verify.install", "--host", "h0", "--version", "0.1.0.dev0", "--no-wait", env={"HOME": str(tmp_path)})
    assert result.returncode != 0
    assert "is not known" in result.stdout + result.stderr


def test_hosts_take_dependencies_from_the_deps_index_and_refuse_a_planted_release(tmp_path, ssh_hosts, cli_env):
    import hashlib

    from releasekit.testing.sample import SETUP_PY, write_wheel

    [host] = ssh_hosts(1)
    target = PypiServer(tmp_path / "target", bind="0.0.0.0", address=host.gateway).start()
    deps = PypiServer(tmp_path / "deps", bind="0.0.0.0", address=host.gateway).start()
    try:
        write_wheel(deps.dir, "rk-hosts-dep", "1.0")
        setup = SETUP_PY.format(name="rk-hosts-deps", package="rk_hosts_deps", readme_file="README.md",
                                readme_type="text/markdown")
        setup = setup.replace("    packages=", '    install_requires=["rk-hosts-dep"],\n    packages=', 1)
        project = make_sample_project(tmp_path, "rk-hosts-deps", extra_files={"setup.py": setup})
        settings = {"releasekit": {
            "pypi": {"repository": target.url, "deps_index_url": deps.simple_url}, "dist": {"isolation": False},
            "hosts": {"h0": {"host": host.host, "port": host.port, "user": host.user, "python": sys.executable}},
            "verify": {"known_hosts": str(host.known_hosts), "ssh_key": str(host.key_path)},
        }}
        (project.path / "invoke.yaml").write_text(yaml.safe_dump(settings))
        cli = Cli(project.path, cli_env)
        cli("dist.pypi", check=True)
        wheel = next((project.path / "dist").glob("*.whl"))
        for artifact in (project.path / "dist").iterdir():
            shutil.copy(artifact, target.dir / artifact.name)
        ok = cli("verify.install", "--host", "h0", "--version", "0.1.0.dev0", "--no-wait")
        assert ok.returncode == 0, ok.stdout + ok.stderr
        assert [line.split()[1] for line in ok.stdout.splitlines() if line.split()[:1] == ["h0"]] == ["ok"]
        # the same version with a build tag on the deps index: pip prefers it, the hashes tell
        planted = write_wheel(tmp_path / "planted", "rk-hosts-deps", "0.1.0.dev0", requires=["rk-hosts-dep"])
        planted = shutil.copy(planted, deps.dir / "rk_hosts_deps-0.1.0.dev0-1-py3-none-any.whl")
        planted_sha = hashlib.sha256(Path(planted).read_bytes()).hexdigest()
        wheel_sha = hashlib.sha256(wheel.read_bytes()).hexdigest()
        bad = cli("verify.install", "--host", "h0", "--version", "0.1.0.dev0", "--no-wait")
        assert bad.returncode != 0
        row = next(line for line in bad.stdout.splitlines() if line.split()[:1] == ["h0"])
        assert row.split()[1] == "FAILED"
        assert bad.stderr.startswith("error: 2 of 2 installs of rk-hosts-deps==0.1.0.dev0 (local and 1 host(s)) "
                                     "failed: local: rk-hosts-deps==0.1.0.dev0 was installed from"), bad.stderr
        log = bad.stderr.rsplit("the full output is in ", 1)[1].strip().rstrip(")")
        logged = Path(log).read_text()
        assert planted_sha in logged and wheel_sha in logged  # the whole message, with both hashes
        # the table's problem cell is the host's cause, cut short (tests/integration/test_hosts.py asserts it whole)
        assert "rk-hosts-deps==0.1.0.dev0 was installed from" in row
    finally:
        target.stop()
        deps.stop()
def test_a_missing_dependency_is_one_short_problem_per_host_and_fails_at_once(published):
    project, cli, hosts, index_dir = published
    write_wheel(index_dir, "rk-hosts-verify", "0.3.0", requires=["rk-absent-dep>=1.0"])
    result = cli("verify.install", "--host", "h0", "--host", "h1", "--version", "0.3.0", "--no-wait")
    assert result.returncode == 1
    table = {line.split()[0]: line for line in result.stdout.splitlines() if line.split()[:1] in (["h0"], ["h1"])}
    pip_cause = "No matching distribution found for rk-absent-dep>=1.0 (from rk-hosts-verify)"
    for name in ("h0", "h1"):
        assert "FAILED" in table[name] and table[name].rstrip().endswith(pip_cause), table[name]
    assert "retrying" not in result.stdout and "installed from the index" not in result.stdout
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, result.stderr
    assert errors[0].startswith("error: 3 of 3 installs of rk-hosts-verify==0.3.0 (local and 2 host(s)) failed: local: ")
    assert f"; h0: {pip_cause}; h1: {pip_cause} (hint: " in errors[0]
    log = errors[0].rsplit("the full output is in ", 1)[1].rstrip(")")
    assert "Looking in indexes" in open(log).read()  # each host's pip output is in the log


def test_a_host_that_cannot_import_the_release_says_why(published):
    project, cli, hosts, index_dir = published
    write_wheel(index_dir, "rk-hosts-verify", "0.4.0", files={"rk_hosts_verify/__init__.py": "import rk_gone\n"})
    result = cli("verify.install", "--host", "h0", "--version", "0.4.0", "--no-wait")
    assert result.returncode == 1
    row = next(line for line in result.stdout.splitlines() if line.split()[:1] == ["h0"])
    assert row.rstrip().endswith("`import rk_hosts_verify` failed: ModuleNotFoundError: No module named 'rk_gone'")
    assert "retrying" not in result.stdout


def test_a_verify_logs_in_once_per_host_and_runs_one_session_there(published):
    # Round trips are what a far-away host makes slow: one SSH login and one session (the probe,
    # the script and its report together) per host, counted by the hosts' own sshd logs.
    project, cli, hosts, _index_dir = published
    marks = [h.log_size() for h in hosts]
    result = cli("verify.install", "--host", "all", "--version", "0.1.0.dev0", "--no-wait")
    assert result.returncode == 0, result.stdout + result.stderr
    assert [h.logins_and_sessions(mark) for h, mark in zip(hosts, marks, strict=True)] == [(1, 1)] * 3
