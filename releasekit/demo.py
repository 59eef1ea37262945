"""`releasekit demo`: a whole release of a sample project against local servers.

It makes a sample project with a bare git remote in a temp folder, starts a
pypiserver on a free loopback port (seeded with the build backend, so installing
the sdist works offline), a local conda channel directory when conda support is
installed, runs `releasekit release --yes` in the project exactly as a user
would, prints where the log and the sandbox are, and stops its servers by pid.

With ``--keep`` the sandbox stays, and ``releasekit demo --resume DIR`` starts
its pypiserver again (on the same port when it is free) and releases the next
version there: the kept project is a project that can release again.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from releasekit.core import ui
from releasekit.core.errors import PreconditionFailed

STATE_FILE = "demo.json"  # in the sandbox: what --resume needs to start the servers again
PROJECT_NAME = "demo-project"
SETTINGS_HEADER = "[tool.releasekit]"
SECOND_ENTRY = "a second release, made by `releasekit demo --resume`"
FORGE_REPO = "demo-org/demo-project"  # the sample's project on the demo's fake GitHub
FORGE_URL = f"https://github.com/{FORGE_REPO}.git"  # its remote's name; pushes still go to the bare remote


@dataclass
class DemoState:
    """What a kept sandbox holds, written by the first run and read by --resume."""

    project: str
    port: int


def _conda_available() -> bool:
    return all(importlib.util.find_spec(m) for m in ("rattler", "rattler_build"))


def run_demo(keep: bool = False, root: Path | None = None) -> int:
    """Run the demo in a new sandbox; returns the release's exit status."""
    from releasekit.testing.sample import make_sample_project

    sandbox = Path(root) if root else Path(tempfile.mkdtemp(prefix="releasekit-demo-"))
    sandbox.mkdir(parents=True, exist_ok=True)
    server = forge = None
    status, log = 1, None
    try:
        ui.step(f"sample project and its bare git remote in {sandbox}")
        project = make_sample_project(sandbox, PROJECT_NAME)
        _name_on_forge(project.path, project.remote)
        if _conda_available():
            _write_conda_recipe(project)
        server = _start_index(sandbox)
        forge = _start_forge()
        _save_state(sandbox, DemoState(project.name, server.port))
        _configure(project.path, _settings(server, sandbox, forge), "configure releasekit for the demo")
        status, log = _release(project.path, f"releasing {project.name} {project.version}")
    finally:
        if server is not None:
            server.stop()
        _stop_forge(forge)
        _report(status, log, sandbox / PROJECT_NAME, keep, server.port if server else None)
        if not keep:
            shutil.rmtree(sandbox, ignore_errors=True)
    return status


def resume_demo(sandbox: Path) -> int:
    """Start a kept sandbox's servers again and release its project's next version there (or finish
    its unfinished release); returns the release's exit status. The sandbox is kept."""
    sandbox = Path(sandbox).resolve()
    state = _load_state(sandbox)
    path = sandbox / state.project
    server = forge = None
    status, log = 1, None
    try:
        server = _start_index(sandbox, state.port)
        forge = _start_forge()
        if server.port != state.port:
            ui.info(f"port {state.port} is taken: the index moves to port {server.port}")
            _save_state(sandbox, DemoState(state.project, server.port))
        _configure(path, _settings(server, sandbox, forge), "the demo's index and channels as they are now")
        if _release_pending(path):
            headline = f"finishing the unfinished release of {state.project}"
        else:
            _add_changelog_entry(path)
            headline = f"releasing the next version of {state.project}"
        status, log = _release(path, headline)
    finally:
        if server is not None:
            server.stop()
        _stop_forge(forge)
        _report(status, log, path, True, server.port if server else state.port)
    return status


# --- the sandbox's state ---------------------------------------------------------------------------


def _save_state(sandbox: Path, state: DemoState) -> None:
    (sandbox / STATE_FILE).write_text(json.dumps(asdict(state), indent=2) + "\n", encoding="utf-8")


def _load_state(sandbox: Path) -> DemoState:
    try:
        data = json.loads((sandbox / STATE_FILE).read_text(encoding="utf-8"))
        state = DemoState(project=str(data["project"]), port=int(data["port"]))
    except (OSError, ValueError, KeyError, TypeError):
        raise PreconditionFailed(f"{sandbox} is not a sandbox kept by `releasekit demo --keep` (no {STATE_FILE})",
                                 "pass the folder that `releasekit demo --keep` printed after 'sandbox:'") from None
    if not (sandbox / state.project / ".git").is_dir():
        raise PreconditionFailed(f"the demo project {sandbox / state.project} is missing",
                                 "run `releasekit demo --keep` for a new sandbox")
    return state


# --- servers and settings --------------------------------------------------------------------------


def _start_index(sandbox: Path, port: int | None = None):
    """The sandbox's pypiserver (its packages stay in ``sandbox/index``), seeded with the build backend."""
    from releasekit.testing import wheelhouse
    from releasekit.testing.servers import PypiServer

    server = PypiServer(sandbox / "index", port=port).start()
    wheelhouse.seed(server.dir)
    ui.step(f"pypiserver at {server.url} (pid {server.pid})")
    return server


def _name_on_forge(path: Path, remote: Path | None) -> None:
    """The sample goes by a github.com URL, as a real clone does (so its forge is detected), while git's
    ``url.<bare remote>.insteadOf`` keeps its fetches and pushes on the sandbox's bare remote."""
    from releasekit.testing.sample import git

    assert remote is not None
    git(path, "config", f"url.{remote.as_uri()}.insteadOf", FORGE_URL)
    git(path, "remote", "set-url", "origin", FORGE_URL)


@dataclass
class DemoForge:
    process: subprocess.Popen
    port: int

    @property
    def api(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v3"


def _start_forge() -> DemoForge:
    """The fake GitHub release API (releasekit.testing.fake_forge) in a process of its own."""
    proc = subprocess.Popen([sys.executable, "-m", "releasekit.testing.fake_forge", "--github-repo", FORGE_REPO],
                            stdout=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL)
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()
    if not line.startswith("PORT="):
        proc.terminate()
        raise PreconditionFailed("the demo's fake GitHub did not start", "run `releasekit demo` again")
    forge = DemoForge(proc, int(line.split("=", 1)[1]))
    ui.step(f"fake GitHub for {FORGE_REPO} at {forge.api} (pid {proc.pid})")
    return forge


def _stop_forge(forge: DemoForge | None) -> None:
    if forge is not None:
        forge.process.terminate()  # SIGTERM to its own pid
        try:
            forge.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            forge.process.kill()
            forge.process.wait()
        if forge.process.stdout is not None:
            forge.process.stdout.close()


def _settings(server, sandbox: Path, forge: DemoForge | None = None) -> list[str]:
    """The [tool.releasekit] lines that point the release at the sandbox's servers."""
    lines = [
        SETTINGS_HEADER,
        f'pypi.repository = "{server.url}"',
        *([f'forge_url = "{forge.api}"'] if forge else []),
        # tests/ only: rattler-build leaves an extracted copy of the sdist (tests too) under conda-dist/;
        # hypothesis's plugin (in releasekit's environment, unused by the sample) costs more than the tests
        f'test_command = "{sys.executable} -m pytest -q -p no:hypothesispytest tests"',
        "dist.isolation = false",
    ]
    if _conda_available():
        from releasekit.testing.conda import cached_local_channel

        build_channel = cached_local_channel(Path(tempfile.gettempdir()) / "releasekit-demo-cache")
        ui.step(f"conda build channel {build_channel.path}; uploads go to {sandbox / 'conda-channel'}")
        lines += [
            f'conda.channels = ["{build_channel.path}"]',
            f'conda.channel_dir = "{sandbox / "conda-channel"}"',
            'conda.package_format = "tar.bz2"',
        ]
    return lines


def _configure(path: Path, lines: list[str], message: str) -> None:
    """Write the settings as the last table of pyproject.toml; commit and push them when they changed,
    so the release starts from a clean tree in sync with its remote."""
    from releasekit.testing.sample import git

    pyproject = path / "pyproject.toml"
    text = pyproject.read_text(encoding="utf-8")
    base = text.split("\n" + SETTINGS_HEADER + "\n", 1)[0].rstrip("\n") + "\n"
    new = base + "\n" + "\n".join(lines) + "\n"
    if new == text:
        return
    pyproject.write_text(new, encoding="utf-8")
    # only the demo's own files: whatever else a user changed in a kept project stays theirs
    git(path, "add", "pyproject.toml", *(["conda"] if (path / "conda").is_dir() else []))
    git(path, "commit", "-q", "-m", message)
    git(path, "push", "-q", "origin", "HEAD")


def _write_conda_recipe(project) -> None:
    """A conda recipe for the sample project; the release sets its version and sdist."""
    from releasekit.core import condarecipe

    recipe = condarecipe.generate_recipe(
        project.name, project.version, [], summary="releasekit demo project", license="MIT",
        homepage="https://example.invalid/demo", import_name=project.package, mapping=None,
        sdist_path=f"../dist/{project.name}-{project.version}.tar.gz")
    (project.path / "conda").mkdir(exist_ok=True)
    (project.path / "conda" / "recipe.yaml").write_text(recipe, encoding="utf-8")


# --- the release --------------------------------------------------------------------------------


def _releasekit(path: Path, *args: str, **kw) -> subprocess.CompletedProcess:
    from releasekit.testing.fake_forge import WRITER_TOKEN

    env = dict(os.environ, TWINE_USERNAME="demo", TWINE_PASSWORD="demo-password", GITHUB_TOKEN=WRITER_TOKEN)
    return subprocess.run([sys.executable, "-m", "releasekit", *args], cwd=path, env=env, **kw)


def _release(path: Path, headline: str) -> tuple[int, Path | None]:
    """`releasekit release --yes` in the project, as a user would type it; its status and newest log."""
    ui.step(f"{headline} with `releasekit release --yes`")
    status = _releasekit(path, "release", "--yes").returncode
    logs = sorted((path / ".git" / "releasekit" / "logs").glob("release-*.log"))
    return status, (logs[-1] if logs else None)


def _release_pending(path: Path) -> bool:
    """Whether `release` would resume rather than start (the demo keeps the default state dir)."""
    from releasekit.rite.journal import Journal

    journal = Journal(path / ".git" / "releasekit")
    return journal.release is not None and not journal.finished


def _add_changelog_entry(path: Path) -> None:
    """Something to release: an entry in the new Work-In-Progress section, committed and pushed."""
    from releasekit.testing.sample import git

    _releasekit(path, "changelog.add", SECOND_ENTRY, check=True)
    git(path, "commit", "-q", "-m", "CHANGES.md: an entry for the next release", "--", "CHANGES.md")
    git(path, "push", "-q", "origin", "HEAD")


def _report(status: int, log: Path | None, project: Path, keep: bool, port: int | None) -> None:
    """The closing lines: the outcome, the log, the sandbox, and how to go on from a kept sandbox."""
    sandbox = project.parent
    ui.info("")
    ui.info(f"release {'succeeded' if status == 0 else 'FAILED'}")
    if not keep:
        if log is not None:
            ui.info("release log: removed with the sandbox (pass --keep to keep both)")
        ui.info(f"sandbox: {sandbox} (removed; pass --keep to keep it)")
        return
    if log is not None:
        ui.info(f"release log: {log}")
    ui.info(f"sandbox: {sandbox}")
    ui.info(f"release it again: releasekit demo --resume {shlex.quote(str(sandbox))}")
    if port is not None:
        from releasekit.testing.servers import pypiserver_program

        serve = [*pypiserver_program(), "run", "--port", str(port), "-i", "127.0.0.1", "-a", ".", "-P", ".",
                 "--disable-fallback", str(sandbox / "index" / "packages")]
        ui.info(f"or serve its index by hand: {shlex.join(serve)}")
        ui.info(f"  and run releasekit in {project} (any user name and password upload)")
