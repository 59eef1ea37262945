"""Failures that say their cause in one line: a real pypiserver, real pip/uv installs, the CLI as a user runs it.

A failed install names the installer's root-cause line; only index lag (the release is not served yet) is
retried; the full output is in a log under the state dir that the hint names, and only a failed task
leaves one.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from releasekit.testing.sample import make_sample_project, write_wheel
from releasekit.testing.servers import PypiServer
from tests.conftest import RELEASEKIT, Cli, configure

PACKAGE = "rk-causes"


@pytest.fixture
def index(tmp_path):
    server = PypiServer(tmp_path / "index").start()
    yield server
    server.stop()


@pytest.fixture
def project(tmp_path, index, cli_env):
    project = make_sample_project(tmp_path, PACKAGE)
    configure(project, pypi__repository=index.url, wait__interval=0.2, wait__max_interval=0.5, wait__timeout=300)
    return project, Cli(project.path, cli_env)


def error_line(result: subprocess.CompletedProcess) -> str:
    lines = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(lines) == 1, result.stdout + result.stderr
    return lines[0]


def named_log(line: str) -> Path:
    found = re.search(r"the full output is in (\S+?\.log)\)", line)
    assert found, line
    return Path(found[1])


def assert_named_logs_exist(text: str) -> int:
    named = re.findall(r"the full output is in (\S+?\.log)\)", text)
    assert all(Path(p).is_file() for p in named), named
    return len(named)


def logs_of(project) -> list[Path]:
    return sorted((project.path / ".git" / "releasekit" / "logs").glob("*.log"))


def test_a_missing_dependency_fails_at_once_naming_it_and_the_log(project, index):
    project, cli = project
    write_wheel(index.dir, PACKAGE, "0.2.0", requires=["rk-absent-dep>=1.0"])
    result = cli("verify.install", "--version", "0.2.0", "--no-wait")
    assert result.returncode == 1
    line = error_line(result)
    cause = "No matching distribution found for rk-absent-dep>=1.0 (from rk-causes)"  # pip: its report is read
    assert line.startswith(f"error: installing rk-causes==0.2.0 into a clean environment failed: {cause} (hint: ")
    assert "See above" not in line
    assert "retrying" not in result.stdout  # not index lag: no second attempt
    log = named_log(line)
    assert logs_of(project) == [log] and log.name.startswith("verify.install.")
    text = log.read_text()
    assert "--python" in text and " install " in text and "rk-absent-dep" in text  # the command and its output
    row = next(r for r in result.stdout.splitlines() if r.split()[:1] == ["local"])
    assert "FAILED" in row and cause[:60] in row


def test_a_failed_import_fails_at_once_with_the_python_error(project, index):
    project, cli = project
    write_wheel(index.dir, PACKAGE, "0.2.0", files={"rk_causes/__init__.py": "import rk_helper_missing\n"})
    result = cli("verify.install", "--version", "0.2.0", "--no-wait")
    assert result.returncode == 1
    line = error_line(result)
    assert line.startswith("error: `import rk_causes` failed in a clean environment: "
                           "ModuleNotFoundError: No module named 'rk_helper_missing' (hint: the full output is in ")
    assert "retrying" not in result.stdout
    assert "Traceback" in named_log(line).read_text()


def test_a_wrong_version_fails_at_once(project, index):
    project, cli = project
    wheel = write_wheel(index.dir, PACKAGE, "0.2.1")  # its metadata says 0.2.1, its file name says 0.2.0
    wheel.rename(index.dir / wheel.name.replace("0.2.1", "0.2.0"))
    result = cli("verify.install", "--version", "0.2.0", "--no-wait")
    assert result.returncode == 1
    line = error_line(result)
    assert "retrying" not in result.stdout
    assert re.match(r"error: installing rk-causes==0\.2\.0 into a clean environment failed: .*0\.2\.1", line), line
    assert named_log(line).is_file()


def test_index_lag_is_retried_until_the_release_is_served(tmp_path, index):
    """A real install from a real index that serves the release only after the first failed attempt."""
    from releasekit.adapters.envs import clean_env
    from releasekit.adapters.shell import Shell
    from releasekit.core.config import pyproject_layer, resolve
    from releasekit.core.project import Project
    from releasekit.operations.published import install_with_retries

    sample = make_sample_project(tmp_path, PACKAGE)
    configure(sample, pypi__repository=index.url, wait__interval=0.1, wait__max_interval=0.2, wait__timeout=300)
    project = Project(resolve(sample.path, [("pyproject.toml", pyproject_layer(sample.path))]))
    staged = write_wheel(tmp_path / "staged", PACKAGE, "0.2.0")
    attempts = []
    with clean_env(Shell()) as env:
        def install():
            attempts.append(len(attempts) + 1)
            try:
                env.install([f"{PACKAGE}==0.2.0"], index_url=index.simple_url)
            finally:
                if len(attempts) == 1:
                    shutil.copy(staged, index.dir / staged.name)  # the index catches up after the first look
        assert install_with_retries(project, "0.2.0", install, "the index") == 2
        assert env.check_import("rk_causes", PACKAGE) == "0.2.0"
    assert attempts == [1, 2]


def test_no_wait_tries_once_and_says_the_release_may_not_be_served_yet(project, index):
    project, cli = project
    result = cli("verify.install", "--version", "0.2.0", "--no-wait")
    line = error_line(result)
    cause = "No matching distribution found for rk-causes==0.2.0"  # pip: its report is read
    assert re.match(re.escape(f"error: the index {index.simple_url} still lacks an installable rk-causes==0.2.0 "
                              f"({cause}) after ") + r"\d+s \(1 polls\) " + re.escape(
                              "(hint: it may not be served yet: run the same command without --no-wait to wait for "
                              "it; the full output is in "), line), line
    assert "retrying" not in result.stdout
    assert named_log(line).is_file()


def test_no_hint_names_a_log_outside_a_project(tmp_path, cli_env):
    folder = tmp_path / "not-a-project"
    folder.mkdir()
    result = subprocess.run([*RELEASEKIT, "verify.local"], cwd=folder, env=cli_env, text=True, capture_output=True)
    assert result.returncode != 0
    assert "full output" not in result.stderr and not (folder / ".git").exists()
    assert list(folder.iterdir()) == []


def test_a_refusal_that_ran_nothing_names_no_log_and_leaves_none(project):
    """A step run out of order says what to run first; there is no output to keep (errors.names_log)."""
    project, cli = project
    result = cli("verify.local", "--version", "9.9.9")
    line = error_line(result)
    assert line.startswith("error: no artifacts of 9.9.9 in ") and "full output" not in line
    assert logs_of(project) == []
    assert project.git("status", "--porcelain") == ""


if sys.platform == "win32":  # pragma: no cover - the sample's shell commands are POSIX
    pytestmark = pytest.mark.skip("POSIX only")


def test_the_sdist_check_counts_the_missing_files_logs_all_and_suggests_globs(tmp_path, index, cli_env):
    extra = {"notebooks/a.ipynb": "{}", "notebooks/b.ipynb": "{}", "docs/index.md": "# x", "docs/api/x.md": "# y",
             "Makefile": "all:\n", "environment.yml": "name: x\n"}
    project = make_sample_project(tmp_path, PACKAGE, extra_files=extra)
    configure(project, pypi__repository=index.url, dist__isolation=False)
    cli = Cli(project.path, cli_env)
    cli("dist.pypi", check=True)
    result = cli("dist.check")
    assert result.returncode == 1
    line = error_line(result)
    log = named_log(line)
    assert line == (f"error: {PACKAGE}-0.1.0.dev0.tar.gz lacks 6 tracked file(s): Makefile, "
                    "docs/api/x.md, docs/index.md and 3 more (all listed in the log) (hint: ship them (MANIFEST.in or "
                    "package data) or, if they need not ship, set `dist.check_ignore` to "
                    '["docs/*", "notebooks/*", "Makefile", "environment.yml"]; then rebuild '
                    f"(`releasekit dist.clean dist.pypi`); nothing was uploaded; the full output is in {log})")
    text = log.read_text()
    assert all(f"  {name}\n" in text for name in extra)
    # The globs the hint suggests do cover them: with them set, the check passes.
    (project.path / "invoke.yaml").write_text(
        'releasekit: {dist: {check_ignore: ["docs/*", "notebooks/*", "Makefile", "environment.yml"]}}\n')
    cli("dist.clean", check=True)
    cli("dist.pypi", check=True)
    assert cli("dist.check").returncode == 0


def test_a_failed_build_run_alone_names_its_cause_and_keeps_the_full_output(tmp_path, index, cli_env):
    project = make_sample_project(tmp_path, PACKAGE, extra_files={
        "setup.py": "import sys\nprint('compiling the extension', file=sys.stderr)\n"
                    "raise RuntimeError('the C compiler is missing')\n"})
    configure(project, package=PACKAGE, pypi__repository=index.url, dist__isolation=False)
    result = Cli(project.path, cli_env)("dist.pypi")
    assert result.returncode == 1
    line = error_line(result)
    assert re.match(r"error: building \S+ failed: RuntimeError: the C compiler is missing "
                    r"\(hint: the full output is in \S+/\.git/releasekit/logs/dist\.pypi\.[\d-]+\.log\)$", line), line
    text = named_log(line).read_text()
    assert "compiling the extension" in text and "Traceback" in text and "-m build" in text


CONDA_BUILD_MISSING = ("conda-build is not installed: install it (it is not on PyPI; conda or mamba installs it), "
                       "or set conda.builder: rattler-build")


@pytest.fixture
def conda_build_project(tmp_path, index, cli_env):
    """A meta.yaml project with `conda.builder: conda-build` on a PATH without conda-build."""
    meta = ("{% set data = load_setup_py_data() %}\npackage:\n  name: rk-causes\n  version: {{ data.get('version') }}\n"
            "source:\n  path: ..\nbuild:\n  noarch: python\n  script: python -m pip install .\n"
            "requirements:\n  host: [python, pip]\n  run: [python]\n")
    project = make_sample_project(tmp_path, PACKAGE, extra_files={"conda/meta.yaml": meta})
    configure(project, package=PACKAGE, pypi__repository=index.url, dist__isolation=False,
              conda__builder="conda-build", conda__channel_dir=str(tmp_path / "channel"))
    path = ":".join(p for p in cli_env["PATH"].split(":") if not (Path(p) / "conda-build").exists())
    return project, Cli(project.path, dict(cli_env, PATH=path, TWINE_USERNAME="u", TWINE_PASSWORD="p"))


def test_conda_build_set_but_absent_says_to_install_it_not_to_set_it(conda_build_project):
    project, cli = conda_build_project
    cli("dist.pypi", check=True)
    result = cli("dist.conda")
    line = error_line(result)
    assert line == f"error: {CONDA_BUILD_MISSING} (hint: the full output is in {named_log(line)})"
    plan = cli("release", "--yes")
    assert plan.returncode == 1
    assert f"error: {CONDA_BUILD_MISSING} (hint: " in plan.stdout  # preflight, before anything changed
    assert "set `releasekit.conda.builder: conda-build`" not in plan.stdout + result.stderr
    assert assert_named_logs_exist(plan.stdout) >= 1
    assert project.git("tag") == ""


def test_a_recipe_the_converter_cannot_read_does_not_suggest_the_builder_already_set(conda_build_project):
    project, cli = conda_build_project
    meta = project.path / "conda" / "meta.yaml"
    meta.write_text(meta.read_text().replace("source:\n  path: ..\n", "source:\n  - path: ..\n  - path: ../x\n"))
    project.git("commit", "-qam", "two sources")
    cli("dist.pypi", check=True)
    result = cli("verify.recipe")
    line = error_line(result)
    # the converter names the template line of `source:` (line 5 of the meta.yaml above)
    assert line.startswith("error: meta.yaml line 5: the recipe has several sources; the converter builds from "
                           f"the one sdist (hint: {CONDA_BUILD_MISSING}; the full output is in ")


def test_a_dry_run_names_no_log_it_does_not_keep(project):
    project, cli = project
    result = cli("release", "--dry-run", env={"TWINE_USERNAME": "", "TWINE_PASSWORD": ""})
    assert result.returncode == 1 and "error: no upload credentials" in result.stdout
    assert "the full output is in" not in result.stdout + result.stderr  # a dry run keeps no log
    assert logs_of(project) == []
