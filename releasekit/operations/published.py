"""Proving the published release: wait until the index and channel serve every file, then install
it in clean environments here and on the verify hosts."""

from __future__ import annotations

import sys
import time

from releasekit.adapters import conda, hosts, index, pypi
from releasekit.adapters.envs import clean_env
from releasekit.adapters.hosts import (
    REPORT_HEADERS,
    HostResult,
    HostSpec,
    parse_hosts,
    raise_for_failures,
    report_rows,
)
from releasekit.adapters.shell import Shell
from releasekit.core import hostscripts, ui
from releasekit.core.errors import (
    ConfigError,
    FilenameTaken,
    IndexUnavailable,
    InstallFailed,
    VerifyFailed,
    WaitTimeout,
)
from releasekit.core.installcause import install_cause, is_index_lag
from releasekit.core.project import Project
from releasekit.core.waiting import Poll, progress_reporter, wait_until
from releasekit.operations.artifact_checks import check_installed, check_provenance, deps_index_url
from releasekit.operations.building import release_artifacts
from releasekit.operations.conda_packages import conda_artifacts, conda_recipe, sdist_of
from releasekit.operations.publishing import index_root, pypi_target


def expected_files(project: Project, version: str) -> dict[str, str]:
    """filename -> sha256 of the local artifacts of ``version`` (what the index must serve)."""
    return {p.name: pypi.sha256(p) for p in release_artifacts(project, version)}


def released_files(project: Project, version: str, page: str) -> dict[str, str]:
    """filename -> sha256 of the release: the local artifacts, else (verifying from another machine)
    the hashes the target index's page carries for the version."""
    local = expected_files(project, version)
    if local:
        return local
    try:
        served = index.files_for_version(index.fetch_files(page), project.package, version)
    except IndexUnavailable as exc:
        raise VerifyFailed(f"cannot read the released files' sha256 from {page}: {exc.message}") from None
    hashed = {name: sha for name, sha in served.items() if sha}
    if not hashed:
        ui.warn(f"no artifacts of {version} here and no sha256 on {page}: the installed file cannot be "
                "compared with the released one")
    return hashed


def index_probe(project: Project, version: str, expected: dict[str, str], page: str):
    """A probe that reads the simple page fresh and reports what is missing or differs."""
    def probe() -> Poll:
        try:
            files = index.files_for_version(index.fetch_files(page), project.package, version)
        except Exception as exc:  # noqa: BLE001 - an unreachable index is just "not yet"
            return Poll(False, [f"the index ({getattr(exc, 'message', exc)})"], unreachable=True)
        if not expected:
            return Poll(bool(files), [] if files else [f"{project.package} {version}"])
        other = [name for name, sha in expected.items() if files.get(name) not in (sha, None)]
        if other:  # a filename is never served with new content later: waiting cannot help
            raise FilenameTaken(f"the index serves {', '.join(other)} with other content than the built file(s)")
        missing = [name for name in expected if name not in files]
        return Poll(not missing, missing)

    return probe


def wait_for_index(project: Project, version: str, *, timeout: float | None = None) -> int:
    s = project.settings
    _repo, _url, page = pypi_target(project)
    expected = expected_files(project, version)
    progress = progress_reporter(f"{project.package} {version}", live=sys.stdout.isatty(), show=ui.info)

    polls = wait_until(index_probe(project, version, expected, page), what=f"the index page {page}",
                       timeout=s["wait.timeout"] if timeout is None else timeout, interval=s["wait.interval"],
                       max_interval=s["wait.max_interval"], on_progress=progress)
    ui.info(f"the index serves {project.package} {version} ({len(expected) or 'some'} file(s), {polls} poll(s))")
    return polls


def conda_channel(project: Project) -> str:
    """The channel conda clients install the release from: the channel directory's label, or user/label/L."""
    s = project.settings
    if s["conda.channel_dir"]:
        root = s.path("conda.channel_dir")
        return str(root if s["conda.label"] == "main" else root / "label" / s["conda.label"])
    return f"{s['conda.user']}/label/{s['conda.label']}"


def conda_probe(project: Project, version: str, expected: dict[str, str]):
    """A probe that reads the channel's repodata fresh and reports the packages still missing."""
    names = {conda.package_info(p).name for p in conda_artifacts(project, version)} or {project.package}
    channel = conda_channel(project)

    def probe() -> Poll:
        try:
            files: dict[str, str | None] = {}
            for name in names:
                files.update(conda.channel_files(channel, name))
        except Exception as exc:  # noqa: BLE001 - an unreadable channel is just "not yet"
            return Poll(False, [f"the channel ({getattr(exc, 'message', exc)})"], unreachable=True)
        missing = [n for n, sha in expected.items() if n not in files or files[n] not in (sha, None)]
        return Poll(not missing, missing)

    return probe


def wait_for_conda(project: Project, version: str, *, timeout: float | None = None) -> int:
    s = project.settings
    expected = {p.name: pypi.sha256(p) for p in conda_artifacts(project, version)}
    polls = wait_until(conda_probe(project, version, expected), what=f"the conda channel {conda_channel(project)}",
                       timeout=s["wait.timeout"] if timeout is None else timeout, interval=s["wait.interval"],
                       max_interval=s["wait.max_interval"])
    ui.info(f"the conda channel serves {project.package} {version} ({len(expected)} file(s), {polls} poll(s))")
    return polls


def install_published(project: Project, sh: Shell, version: str, *, retry: bool = True) -> tuple[str, float]:
    """pip install PKG==VERSION from the index into a fresh hermetic env; import; compare the version;
    smoke-test. The install is retried with backoff only while the index does not serve the release yet
    (caches behind an index disagree for a while); any other failure is final at once. ``retry=False``
    (``verify.install --no-wait``) tries once."""
    _repo, _url, page = pypi_target(project)
    root = index_root(page)
    deps = [url for url in [deps_index_url(project)] if url]
    spec = f"{project.package}=={version}"
    with clean_env(sh) as env:
        start = time.monotonic()
        install_with_retries(project, version,
                             lambda: env.install([spec], index_url=root, extra_index_urls=deps, report=True),
                             f"the index {root}", retry=retry)
        seconds = time.monotonic() - start
        installed = check_provenance(env, project.package, spec, released_files(project, version, page))
        if installed:
            ui.info(f"{spec} came from {installed.name}, sha256 {installed.sha256}: the released file")
        got = check_installed(project, env, version, f"{spec} from the index")
    return got, seconds


def install_with_retries(project: Project, version: str, install, where: str, *, retry: bool = True) -> int:
    """Call ``install`` until it succeeds; retry (waiting.wait_until's backoff, the wait settings) only
    while its failure is index lag of ``package==version``, and not at all without ``retry`` (lag then
    fails at once, as a WaitTimeout). Returns the number of attempts."""
    s = project.settings
    spec = f"{project.package}=={version}"

    def attempt() -> Poll:
        try:
            install()
        except InstallFailed as exc:
            if not is_index_lag(exc.output, project.package, version):
                raise
            return Poll(False, [f"an installable {spec} ({install_cause(exc.output)})"])
        return Poll(True, [])

    def progress(elapsed: float, polls: int, missing: list[str]) -> None:
        if missing:
            ui.info(f"{where} does not serve {spec} yet ({elapsed:.0f}s, {polls} attempt(s)); retrying")

    return wait_until(attempt, what=where, timeout=s["wait.timeout"] if retry else 0.0, interval=s["wait.interval"],
                      max_interval=s["wait.max_interval"], on_progress=progress if retry else None,
                      hint=None if retry else "it may not be served yet: run the same command without --no-wait "
                                              "to wait for it")


def host_verify_spec(project: Project, version: str, index_url: str, python: str | None, dialect: str,
                     deps_index: str | None = None, expected: dict[str, str] | None = None):
    """What to install and check on one host, in that host's shell dialect: the release from the target
    index, its dependencies also from ``deps_index``, the installed file's sha256 among ``expected``."""
    import urllib.parse

    def insecure(url: str) -> list[str]:
        host = urllib.parse.urlsplit(url).hostname or ""
        return [host] if url.startswith("http://") and host not in ("localhost", "127.0.0.1", "::1") else []

    extra = [deps_index] if deps_index else []
    trusted = list(dict.fromkeys(h for url in (index_url, *extra) for h in insecure(url)))
    code = project.settings["smoke_command"]
    smoke = f"python -c {hostscripts.quote(code, dialect)}" if code else None
    return hostscripts.VerifySpec(package=project.package, version=version, import_name=project.import_name,
                                  index_url=index_url, extra_index_urls=extra, python=python, smoke=smoke,
                                  trusted_hosts=trusted, expected_files=expected or {},
                                  attempts=1)  # retried from here, and only on index lag (verify_hosts)


PREFLIGHT_CONNECT_TIMEOUT = 5.0  # seconds: a host that takes longer to accept a TCP connection is down


def hosts_preflight(project: Project, host_args: list[str], reach: bool = True) -> list[str]:
    """Every ``--host`` parsed, resolved and answering on its SSH port (when ``reach``), one line per
    problem naming the host and what to do: a bad host is refused before the first change, not at
    verify after the push, the tag and the upload."""
    problems, specs = [], []
    for arg in host_args:
        try:
            specs += hosts.parse_host(arg, project.settings["hosts"])
        except ConfigError as exc:
            problems.append(exc.message + (f"; {exc.hint}" if exc.hint else ""))
    if reach:
        for spec, why in hosts.unreachable_hosts(specs, PREFLIGHT_CONNECT_TIMEOUT):
            named = spec.name if spec.name == spec.address else f"{spec.name} ({spec.address})"
            problems.append(f"--host {named}: {why}; check that the host is up and its name and port, "
                            "or leave it out")
    return problems


def verify_hosts(project: Project, version: str, host_args: list[str], *, retry: bool = True):
    """Install the published version on every named host in parallel; (results, all ok)."""
    s = project.settings
    specs = hosts.parse_hosts(host_args, s["hosts"])
    page = pypi_target(project)[2]
    index_url = index_root(page)
    deps_index = deps_index_url(project)
    expected = released_files(project, version, page)

    def check(conn, spec):
        def verify(dialect):  # the host's dialect is known only once it answered
            return host_verify_spec(project, version, index_url, spec.python, dialect, deps_index, expected)

        report: dict = {}

        def attempt() -> None:
            report.update(hosts.verify_on_host(conn, spec, verify, timeout=s["verify.host_timeout"]))

        install_with_retries(project, version, attempt, f"the index as {spec.name} sees it", retry=retry)
        return report

    return hosts.run_on_hosts(specs, check, max_parallel=s["verify.max_parallel"], timeout=s["verify.host_timeout"],
                              known_hosts=s["verify.known_hosts"], trust_unknown=s["verify.trust_unknown_hosts"],
                              key_filename=s["verify.ssh_key"])


def verify_published(project: Project, sh: Shell, version: str, hosts: list[str] | None = None,
                     wait: bool = True) -> None:
    """Wait for the index, then install locally and on every host; one table with one short problem per
    failed install; fail naming every failed one, the local install counted with the hosts."""
    if hosts:
        parse_hosts(hosts, project.settings["hosts"])  # a misspelt host fails now, not after the wait
    if wait:
        wait_for_index(project, version)
    results = []
    local_error = None
    local = HostResult(HostSpec("local", "localhost"), True)
    try:
        got, seconds = install_published(project, sh, version, retry=wait)
        local.data = {"os": sys.platform, "python": f"{sys.version_info.major}.{sys.version_info.minor}",
                      "install_seconds": f"{seconds:.1f}", "import": "ok", "version": got}
    except (VerifyFailed, WaitTimeout) as exc:  # the hosts are still tried: one table says it all
        local_error = exc
        local = HostResult(local.spec, False, getattr(exc, "cause", exc.message), exc.hint, {"os": sys.platform})
    if hosts:
        results = verify_hosts(project, version, hosts, retry=wait)
    everyone = [local, *results]
    ui.table(REPORT_HEADERS, report_rows(everyone), title=f"{project.package} {version} from the index")
    if local_error and not results:
        raise local_error
    raise_for_failures(everyone, what=f"installs of {project.package}=={version} (local and {len(results)} host(s))")
    ui.info(f"{project.package} {version} installed from the index: " +
            (f"locally and on {len(results)} host(s)" if results else "locally"))


def verify_conda_published(project: Project, version: str, hosts: list[str] | None = None) -> str:
    """Solve and install the package from the channel into a fresh prefix (rattler), import it there;
    then on every host in ``hosts`` (import and version)."""
    s = project.settings
    name = conda_recipe(project, version, sdist_of(project, version))["package"]["name"]
    channels = [conda_channel(project), *(str(c) for c in s["conda.channels"])]
    return conda_everywhere(project, version, lambda: _conda_install_here(project, version, name), host_args=hosts,
                            name=name, channels=channels)


def _conda_install_here(project: Project, version: str, name: str) -> str:
    import shutil
    import subprocess
    import tempfile
    from pathlib import Path

    s = project.settings
    channel = conda_channel(project)
    prefix = Path(tempfile.mkdtemp(prefix="releasekit-conda-verify-"))
    try:
        conda.install_from_channel(channel, f"{name}=={version}", prefix / "env", extra_channels=s["conda.channels"])
        python = conda.prefix_python(prefix / "env")
        code = f"import {project.import_name}"
        out = subprocess.run([str(python), "-I", "-c", code], capture_output=True, text=True, cwd=prefix)
        if out.returncode != 0:
            raise VerifyFailed(f"`{code}` failed in a fresh conda environment: {out.stderr.strip().splitlines()[-1:]}")
    finally:
        shutil.rmtree(prefix, ignore_errors=True)
    ui.info(f"conda: {name} {version} installed from {channel} into a fresh prefix and imported")
    return channel



# --- conda installs on the hosts -------------------------------------------------------------------------


def rattler_requirement() -> str:
    """The py-rattler a host without it installs for the verify: this machine's version, whose API the
    host's program is written against."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as dist_version

    try:
        return f"py-rattler=={dist_version('py-rattler')}"
    except PackageNotFoundError:  # pragma: no cover - releasekit's conda support needs it installed
        return "py-rattler"


def conda_host_spec(project: Project, version: str, name: str, channels: list[str], python: str | None):
    """What a host installs for a conda verify: ``name==version`` from ``channels`` into a clean prefix
    (py-rattler), then import and version, reported as the pip verify reports."""
    source = hostscripts.CondaSource(name=name, channels=[conda.channel_url(c) for c in channels],
                                     rattler=rattler_requirement(), rattler_index_url=deps_index_url(project))
    return hostscripts.VerifySpec(package=project.package, version=version, import_name=project.import_name,
                                  python=python, conda=source, attempts=1)


def verify_conda_hosts(project: Project, version: str, host_args: list[str], name: str,
                       channels: list[str]) -> list[HostResult]:
    """The conda install of ``name==version`` from ``channels`` on every named host, in parallel. A
    channel folder must be at the same path on the host (a shared disk); a URL or name reaches it as is."""
    s = project.settings
    specs = hosts.parse_hosts(host_args, s["hosts"])

    def check(conn, spec):
        verify = conda_host_spec(project, version, name, channels, spec.python)
        return hosts.verify_on_host(conn, spec, verify, timeout=s["verify.host_timeout"])

    return hosts.run_on_hosts(specs, check, max_parallel=s["verify.max_parallel"], timeout=s["verify.host_timeout"],
                              known_hosts=s["verify.known_hosts"], trust_unknown=s["verify.trust_unknown_hosts"],
                              key_filename=s["verify.ssh_key"])


def conda_everywhere(project: Project, version: str, local, *, host_args: list[str] | None, name: str,
                     channels: list[str]):
    """``local()`` (the conda install here), then the same install on every host: one table, one error
    naming every failed install. Without hosts it is ``local()`` alone, its error as it raises it."""
    if not host_args:
        return local()
    parse_hosts(host_args, project.settings["hosts"])  # a misspelt host fails before the local install
    spec = f"{name}=={version}"
    here = HostResult(HostSpec("local", "localhost"), True,
                      data={"os": sys.platform, "python": f"{sys.version_info.major}.{sys.version_info.minor}"})
    value = None
    try:
        start = time.monotonic()
        value = local()
        here.data.update({"install_seconds": f"{time.monotonic() - start:.1f}", "import": "ok"})
    except (VerifyFailed, IndexUnavailable) as exc:  # the hosts are still tried: one table says it all
        here = HostResult(here.spec, False, getattr(exc, "cause", exc.message), exc.hint or "", here.data)
    results = verify_conda_hosts(project, version, host_args, name, channels)
    everyone = [here, *results]
    ui.table(REPORT_HEADERS, report_rows(everyone), title=f"conda {spec} from {channels[0]}")
    raise_for_failures(everyone, what=f"conda installs of {spec} (local and {len(results)} host(s))")
    ui.info(f"conda: {spec} installed from {channels[0]} locally and on {len(results)} host(s)")
    return value
