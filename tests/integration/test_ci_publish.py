"""The publish workflows pass their CI's schema and zizmor's offline audits, as the real tools
judge them, for a project with and without conda; the tasks they call exist; the pin is read
from the project's own files."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from releasekit.adapters import workflowlint
from releasekit.adapters.shell import Shell
from releasekit.core import ciconfig, cipublish
from releasekit.core.ciinstall import read_pin
from releasekit.testing.sample import make_sample_project

BIN = Path(sys.executable).parent
VARIANTS = [("github", False, None), ("github", True, cipublish.FORGE_RELEASE),
            ("gitlab", False, None), ("gitlab", True, cipublish.FORGE_RELEASE)]
IDS = ["github", "github-conda-forge", "gitlab", "gitlab-conda-forge"]


@pytest.fixture(scope="module")
def pin(tmp_path_factory):
    """The pin of a real sample project that lists releasekit in a dependency group."""
    import tomllib

    project = make_sample_project(tmp_path_factory.mktemp("pinned"), "pinned-sample", with_git=False)
    pyproject = project.path / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + '\n[dependency-groups]\nrelease = ["releasekit==0.9.1", "twine"]\n')
    return read_pin(project.path, tomllib.loads(pyproject.read_text()))


def _render(provider: str, conda: bool, forge: str | None, pin) -> str:
    w = cipublish.PublishWorkflow(pin, python="3.12", tag_template="v{version}", conda=conda, forge_release=forge)
    return cipublish.GENERATORS[provider](w)


@pytest.mark.parametrize("provider,conda,forge", VARIANTS, ids=IDS)
def test_publish_workflows_pass_their_schema_and_zizmor(provider, conda, forge, pin, tmp_path):
    """Independent of releasekit's wrapper: the real tools, run as a user would."""
    path = tmp_path / Path(cipublish.PATHS[provider]).name
    text = _render(provider, conda, forge, pin)
    path.write_text(text)
    schema = subprocess.run([str(BIN / "check-jsonschema"), "--builtin-schema", workflowlint.SCHEMAS[provider],
                             str(path)], capture_output=True, text=True)
    assert schema.returncode == 0, schema.stdout + schema.stderr
    if provider == "github":
        audit = subprocess.run([str(BIN / "zizmor"), "--offline", "--no-config", "--min-severity", "low", str(path)],
                               capture_output=True, text=True)
        assert audit.returncode == 0, audit.stdout + audit.stderr
    # ...and the wrapper a writer checks a text with before writing it agrees.
    assert workflowlint.text_problems(Shell(), text, provider, cipublish.PATHS[provider]) == []
    assert "python -m pip install releasekit==0.9.1" in text
    assert ("conda" in ciconfig.jobs_of(yaml.safe_load(text), provider)) is conda


def _task_flags(task: str) -> dict[str, bool] | None:
    """{--flag: takes_value} as `releasekit TASK --help` lists them (None: no such task)."""
    result = subprocess.run([str(BIN / "releasekit"), task, "--help"], capture_output=True, text=True, cwd="/")
    if result.returncode != 0:
        return None
    flags = {}
    for short, long, value in re.findall(r"^\s+(?:(-\w), )?(--[\w-]+)(=\S+)?", result.stdout, flags=re.M):
        flags[long] = bool(value)
        if short:
            flags[short] = bool(value)
    return flags


def test_the_publish_jobs_call_tasks_that_exist_with_options_they_have(pin):
    seen: dict[str, dict[str, bool] | None] = {}

    def lookup(task: str) -> dict[str, bool] | None:
        if task not in seen:
            seen[task] = _task_flags(task)
        return seen[task]

    for provider in ("github", "gitlab"):
        text = _render(provider, True, None, pin)
        assert ciconfig.check(text, provider, lookup, cipublish.REQUIRED_JOBS) == [], provider
    assert set(seen) == {"dist.pypi", "dist.check", "dist.conda", "upload.conda"}
    assert _task_flags("dist.pypii") is None  # the lookup can tell a task that does not exist


def test_a_failing_publish_text_is_reported_before_anything_is_written(pin):
    good = _render("github", False, None, pin)
    unpinned = re.sub(r"pypa/gh-action-pypi-publish@[0-9a-f]{40}( # \S+)?", "pypa/gh-action-pypi-publish@release/v1", good)
    unpinned = unpinned.replace("    permissions:\n      id-token: write\n", "")
    problems = workflowlint.text_problems(Shell(), unpinned, "github", cipublish.PATHS["github"])
    assert any(p.startswith("zizmor unpinned-uses") for p in problems), problems
    gitlab = _render("gitlab", False, None, pin).replace("  id_tokens:", "  id_token:")  # a misspelt keyword
    problems = workflowlint.text_problems(Shell(), gitlab, "gitlab", cipublish.PATHS["gitlab"])
    assert problems == ["schema: $.pypi: Additional properties are not allowed ('id_token' was unexpected)"]


@pytest.mark.parametrize("provider", ["github", "gitlab"])
def test_ci_config_release_writes_the_checked_publish_workflow_once(provider, tmp_path, cli_env):
    """The task: written only when it passes the checks, with the forge job for a project on a forge;
    an existing file is refused without --force; --dry-run shows the diff; ci.check passes it."""
    from tests.conftest import Cli, on_forge

    project = make_sample_project(tmp_path, "pinned-task")
    pyproject = project.path / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + '\n[dependency-groups]\nrelease = ["releasekit==0.9.1"]\n')
    on_forge(project, "octo-org/pinned-task")
    cli = Cli(project.path, cli_env)
    path = project.path / cipublish.PATHS[provider]
    dry = cli("ci.config", "--release", "--provider", provider, "--dry-run")
    assert dry.returncode == 0, dry.stdout + dry.stderr
    assert f"+++ b/{cipublish.PATHS[provider]}" in dry.stdout and not path.exists()
    wrote = cli("ci.config", "--release", "--provider", provider)
    assert wrote.returncode == 0, wrote.stdout + wrote.stderr
    jobs = ciconfig.jobs_of(yaml.safe_load(path.read_text()), provider)
    assert {"build", "pypi", "forge_release"} <= set(jobs) and "conda" not in jobs
    assert "releasekit forge.release --version" in path.read_text()
    again = cli("ci.config", "--release", "--provider", provider)
    assert again.returncode == 1 and "exists" in again.stderr and "--force" in again.stderr
    assert cli("ci.config", "--release", "--provider", provider, "--force").returncode == 0
    checked = cli("ci.check", "--provider", provider)
    assert checked.returncode == 0, checked.stdout + checked.stderr


@pytest.mark.parametrize("provider", ["github", "gitlab"])
def test_ci_config_release_for_a_conda_project_writes_a_checked_workflow_with_the_conda_job(provider, tmp_path,
                                                                                          cli_env):
    """The task path for a project with conda enabled: the written file has the conda job, passes its
    CI's schema and (GitHub) zizmor's offline audits as the real tools judge it, and ci.check passes it."""
    from tests.conftest import Cli, configure

    project = make_sample_project(tmp_path, "conda-task")
    pyproject = project.path / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + '\n[dependency-groups]\nrelease = ["releasekit==0.9.1"]\n')
    configure(project, conda__enabled=True)
    cli = Cli(project.path, cli_env)
    wrote = cli("ci.config", "--release", "--provider", provider)
    assert wrote.returncode == 0, wrote.stdout + wrote.stderr
    path = project.path / cipublish.PATHS[provider]
    text = path.read_text()
    jobs = ciconfig.jobs_of(yaml.safe_load(text), provider)
    assert {"build", "pypi", "conda"} <= set(jobs), jobs
    assert "releasekit dist.conda" in text and "releasekit upload.conda" in text
    data = yaml.safe_load(text)
    conda_job = data["jobs"]["conda"] if provider == "github" else data["conda"]
    if provider == "github":  # the upload token from the environment's secrets, never in the file
        assert conda_job["environment"] == "anaconda" or conda_job["environment"]["name"] == "anaconda"
        assert "${{ secrets.ANACONDA_API_TOKEN }}" in yaml.safe_dump(conda_job)
    else:  # GitLab hands the environment's protected variables (ANACONDA_API_TOKEN) to the job
        assert conda_job["environment"]["name"] == "anaconda" and conda_job["needs"] == ["build"]
    assert "python -m pip install releasekit==0.9.1" in text
    schema = subprocess.run([str(BIN / "check-jsonschema"), "--builtin-schema", workflowlint.SCHEMAS[provider],
                             str(path)], capture_output=True, text=True)
    assert schema.returncode == 0, schema.stdout + schema.stderr
    if provider == "github":
        audit = subprocess.run([str(BIN / "zizmor"), "--offline", "--no-config", "--min-severity", "low", str(path)],
                               capture_output=True, text=True)
        assert audit.returncode == 0, audit.stdout + audit.stderr
    checked = cli("ci.check", "--provider", provider)
    assert checked.returncode == 0, checked.stdout + checked.stderr
