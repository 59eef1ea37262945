"""Shared fixtures. Real parts only: git with bare remotes, pypiserver, build, twine, clean venvs."""

from __future__ import annotations

import fcntl
import os
import pickle
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

from releasekit.testing.sample import SampleProject, make_sample_project

# Property tests time nothing: a loaded machine (pytest -n 2 next to builds) must not fail them.
# On CI hypothesis loads its own "ci" profile, which has no deadline either.
settings.register_profile("releasekit", deadline=None)
if os.environ.get("CI") != "true":
    settings.load_profile("releasekit")

# Bytecode for every Python the tests start, the CLI's and the builds' and clean installs' alike, is
# cached once outside the project trees (which must stay clean) and shared by the whole run. A
# machine-wide PYTHONDONTWRITEBYTECODE (this image sets one) would make each of them compile its
# imports again from source: a build backend's import takes twice as long then.
PYCACHE = Path(tempfile.gettempdir()) / "releasekit-test-pycache"
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
os.environ.setdefault("PYTHONPYCACHEPREFIX", str(PYCACHE))
sys.pycache_prefix = str(PYCACHE)  # this process too: nothing lands beside a source file
sys.dont_write_bytecode = False

RELEASEKIT = [sys.executable, "-m", "releasekit"]
INV = [str(Path(sys.executable).with_name("inv"))]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """On CI nothing skips: a skip there means CI lacks something the tests need, which is a failure."""
    outcome = yield
    report = outcome.get_result()
    if os.environ.get("CI") == "true" and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[-1] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"skipped on CI, where nothing may skip: {reason}"


@dataclass
class Cli:
    """Runs `releasekit` (or `inv`) as a user would, in a project folder."""

    cwd: Path
    env: dict

    def __call__(self, *args: str, program: list[str] | None = None, check: bool | None = None,
                 env: dict | None = None, input: str | None = None) -> subprocess.CompletedProcess:
        run_env = dict(self.env, **(env or {}))
        # Never the runner's own terminal: a user's `pytest` must behave as CI, where there is none.
        stdin = {"input": input} if input is not None else {"stdin": subprocess.DEVNULL}
        result = subprocess.run([*(program or RELEASEKIT), *args], cwd=self.cwd, env=run_env, text=True,
                                capture_output=True, timeout=600, **stdin)
        if check is True and result.returncode != 0:
            raise AssertionError(f"{args} exited {result.returncode}:\n{result.stdout}\n{result.stderr}")
        return result


def shared_once(tmp_path_factory: pytest.TempPathFactory, key: str, compute: Callable[[], Any]) -> Any:
    """``compute()`` once per test run, however many xdist workers ask: the first computes it and
    stores it (pickled) in the run's shared temp folder, the others wait for it and read it. For the
    reference states that a whole release makes; without xdist it is simply computed."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return compute()
    root = tmp_path_factory.getbasetemp().parent  # pytest-N/, the workers' common parent, new per run
    stored = root / f"shared-{key}.pickle"
    with (root / f"shared-{key}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not stored.exists():
            stored.write_bytes(pickle.dumps(compute()))
        return pickle.loads(stored.read_bytes())


def clean_cli_env() -> dict:
    # The runner's own settings stay out: releasekit's, twine's, git's, a GPU's, extra warnings on stderr.
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("INVOKE_", "TWINE_", "GIT_", "CUDA_")) and k != "PYTHONWARNINGS"}
    env.update(GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=os.devnull, GIT_AUTHOR_NAME="Test",
               GIT_AUTHOR_EMAIL="test@example.invalid", GIT_COMMITTER_NAME="Test",
               GIT_COMMITTER_EMAIL="test@example.invalid",
               PYTHONPYCACHEPREFIX=str(PYCACHE))  # see PYCACHE
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


@pytest.fixture
def cli_env() -> dict:
    return clean_cli_env()


@pytest.fixture
def plain_project(tmp_path) -> SampleProject:
    """A sample project with git and a bare remote, nothing configured."""
    return make_sample_project(tmp_path)


@pytest.fixture(scope="session")
def index_server(tmp_path_factory):
    """A pypiserver seeded with every build backend the sample styles use (wheelhouse.BACKENDS) and their
    dependencies, shared by the session (package names differ per test)."""
    from releasekit.testing import wheelhouse
    from releasekit.testing.servers import PypiServer

    server = PypiServer(tmp_path_factory.mktemp("pypiserver")).start()
    wheelhouse.seed(server.dir, every=True)
    yield server
    server.stop()


def configure(project: SampleProject, **settings) -> None:
    """Append [tool.releasekit] settings to the project's pyproject.toml and commit + push them."""
    lines = ["", "[tool.releasekit]"]
    for key, value in settings.items():
        key = key.replace("__", ".")
        if isinstance(value, bool):
            lines.append(f"{key} = {'true' if value else 'false'}")
        elif isinstance(value, (int, float)):
            lines.append(f"{key} = {value}")
        elif isinstance(value, list):
            lines.append(f"{key} = {value!r}".replace("'", '"'))
        else:
            lines.append(f'{key} = "{value}"')
    path = project.path / "pyproject.toml"
    path.write_text(path.read_text(encoding="utf-8") + "\n".join(lines) + "\n", encoding="utf-8")
    project.git("add", "-A")
    project.git("commit", "-q", "-m", "configure releasekit")
    if project.remote:
        project.git("push", "-q", "origin", project.main_branch)


@pytest.fixture
def release_project(tmp_path, index_server) -> SampleProject:
    """A sample project configured to release to the session's pypiserver, with fast offline builds.
    Each test gets its own package name so the shared index never sees the same file twice."""
    name = "rk-" + Path(tmp_path).name.lower().replace("_", "-")[:40].strip("-")
    project = make_sample_project(tmp_path, name)
    configure(project, pypi__repository=index_server.url, dist__isolation=False,
              test_command=f"{sys.executable} -m pytest -q -p no:cacheprovider")
    return project


@pytest.fixture
def cli(plain_project, cli_env) -> Cli:
    return Cli(plain_project.path, cli_env)


@pytest.fixture
def release_cli(release_project, cli_env) -> Cli:
    return Cli(release_project.path, dict(cli_env, TWINE_USERNAME="tester", TWINE_PASSWORD="s3cret-twine-pass"))


@pytest.fixture(scope="session")
def forge_server():
    """One fake GitHub/GitLab release API (a thread) for the session; each test adds its own repository."""
    from releasekit.testing.fake_forge import FakeForge

    with FakeForge() as fake:
        yield fake


def on_forge(project: SampleProject, repo: str) -> str:
    """Name the project by a github.com URL, as a real clone is, while fetches and pushes still go to its
    bare remote (git's url.<base>.insteadOf): the forge is detected from the URL as configured."""
    url = f"https://github.com/{repo}.git"
    assert project.remote is not None
    project.git("config", f"url.{project.remote.as_uri()}.insteadOf", url)
    project.git("remote", "set-url", "origin", url)
    return url
