"""ci namespace: test modes observed in a sample project, workflows generated and checked, logs cleaned."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml

from releasekit.core import ciconfig, cilogs
from releasekit.tasks.base import task_flags
from tests.conftest import Cli, configure

RECORDER = """
import json, os, sys
def test_record():
    with open(os.environ["RECORD_TO"], "w") as fh:
        json.dump({"argv": sys.argv, "cuda": os.environ.get("CUDA_VISIBLE_DEVICES"),
                   "faulthandler": os.environ.get("PYTHONFAULTHANDLER")}, fh)
"""


@pytest.fixture
def recording_project(plain_project, cli_env, tmp_path):
    (plain_project.path / "tests" / "test_record.py").write_text(RECORDER)
    configure(plain_project, test_command=f"{sys.executable} -m pytest -q -p no:cacheprovider tests/test_record.py",
              ci__full_args="--runslow-marker-check")
    conftest = plain_project.path / "tests" / "conftest.py"
    conftest.write_text("def pytest_addoption(parser):\n    parser.addoption('--runslow-marker-check', action='store_true')\n")
    record = tmp_path / "record.json"
    return plain_project, Cli(plain_project.path, dict(cli_env, RECORD_TO=str(record))), record


def test_ci_test_passes_cpu_and_full_through(recording_project):
    project, cli, record = recording_project
    assert cli("ci.test").returncode == 0
    plain = json.loads(record.read_text())
    assert plain["cuda"] is None and plain["faulthandler"] == "1"
    assert "--runslow-marker-check" not in plain["argv"]
    result = cli("ci.test", "--cpu", "--full")
    assert result.returncode == 0, result.stdout + result.stderr
    seen = json.loads(record.read_text())
    assert seen["cuda"] == "" and "--runslow-marker-check" in seen["argv"]


def test_ci_test_fast_without_xdist_says_what_to_install(plain_project):
    from releasekit.core.config import resolve
    from releasekit.core.errors import ToolMissing
    from releasekit.core.project import Project
    from releasekit.operations.ci_setup import test_command

    project = Project(resolve(plain_project.path, []))
    with pytest.raises(ToolMissing, match="pip install pytest-xdist"):
        test_command(project, fast=True, xdist_available=False)
    assert test_command(project, fast=True, xdist_available=True)[0].endswith("-n auto")


def test_ci_test_failure_exits_non_zero(plain_project, cli_env):
    configure(plain_project, test_command="false")
    result = Cli(plain_project.path, cli_env)("ci.test")
    assert result.returncode != 0 and "Traceback" not in result.stderr


def test_ci_test_masks_secrets_in_the_streamed_test_output(plain_project, cli_env):
    (plain_project.path / "leak.py").write_text("import os\nprint('token is', os.environ['PYPI_TOKEN'])\n")
    configure(plain_project, test_command=f"{sys.executable} leak.py")
    result = Cli(plain_project.path, dict(cli_env, PYPI_TOKEN="s3cret-in-the-tests"))("ci.test")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "token is ********" in result.stdout and "s3cret-in-the-tests" not in result.stdout + result.stderr


@pytest.mark.parametrize("provider", ["github", "azure"])
def test_generated_workflow_parses_has_matrix_and_tag_job_and_calls_real_tasks(provider, plain_project, cli_env):
    cli = Cli(plain_project.path, cli_env)
    result = cli("ci.config", "--provider", provider)
    assert result.returncode == 0, result.stderr
    path = plain_project.path / ciconfig.PROVIDERS[provider]
    doc = yaml.safe_load(path.read_text())
    jobs = ciconfig.jobs_of(doc, provider)
    assert set(ciconfig.REQUIRED_JOBS) <= set(jobs)
    text = path.read_text()
    for os_name in ("ubuntu-latest", "windows-latest"):
        assert os_name in text
    assert "macos-latest" in text.lower()
    for version in ("3.11", "3.12", "3.13"):
        assert f"'{version}'" in text
    assert "docs/**" in text  # documentation-only changes are skipped
    # Independent of ci.check: every releasekit call names a task that exists, with options it has.
    calls = [call for job in jobs.values() for cmd in ciconfig.commands_of(job) for call in ciconfig.releasekit_calls(cmd)]
    assert {c[0] for c in calls} == {"ci.test", "verify.install"}
    for call in calls:
        flags = task_flags(call[0])
        assert flags is not None
        assert all(w in flags for w in call[1:] if w.startswith("--"))
    assert cli("ci.check", "--provider", provider).returncode == 0
    # Refuses to overwrite; --dry-run shows a diff and writes nothing.
    path.write_text(text + "# local edit\n")
    refused = cli("ci.config", "--provider", provider)
    assert refused.returncode != 0 and "--force" in refused.stderr
    dry = cli("ci.config", "--provider", provider, "--dry-run")
    assert dry.returncode == 0 and "-# local edit" in dry.stdout
    assert path.read_text().endswith("# local edit\n")


def test_ci_check_reports_unknown_tasks_options_and_missing_jobs(plain_project, cli_env):
    cli = Cli(plain_project.path, cli_env)
    cli("ci.config", "--provider", "github", check=True)
    path = plain_project.path / ciconfig.PROVIDERS["github"]
    broken = path.read_text().replace("releasekit ci.test", "releasekit ci.tset && releasekit verify.install --hots x")
    broken = broken.replace("verify_release:", "verify_rel:")
    path.write_text(broken)
    result = cli("ci.check")
    assert result.returncode != 0
    assert "no task `ci.tset`" in result.stdout
    assert "has no option --hots" in result.stdout
    assert "job `verify_release` is missing" in result.stdout
    path.write_text("jobs: [unclosed")
    assert "not valid YAML" in cli("ci.check").stdout


def test_tag_prefix_is_stripped_in_the_tag_job():
    w = ciconfig.Workflow(main_branch="main", python_versions=["3.12"], tag_template="v{version}")
    text = ciconfig.github(w)
    assert 'verify.install --version "${GITHUB_REF_NAME#v}"' in text


GITHUB_LOG = ("2024-03-01T12:34:56.1234567Z ##[group]Run pytest\n2024-03-01T12:34:56.2000000Z collected 3 items\n"
              "2024-03-01T12:34:57.0000000Z \n2024-03-01T12:34:57.0000001Z \n2024-03-01T12:34:57.0000002Z \n"
              "2024-03-01T12:34:58.0000000Z 3 passed\n")
AZURE_LOG = "\ufeff2024-03-01T12:34:56.1234567Z ##[section]Starting: tests\r\n2024-03-01T12:34:56.1234567Z ok\r\n\r\n\r\n" \
    "2024-03-01T12:34:56.1234567Z done\r\n"


@pytest.mark.parametrize("raw,clean", [
    (GITHUB_LOG, "##[group]Run pytest\ncollected 3 items\n\n3 passed\n"),
    (AZURE_LOG, "##[section]Starting: tests\r\nok\r\n\r\ndone\r\n"),
    ("no stamps\n\n\n\nhere", "no stamps\n\nhere"),
], ids=["github", "azure-crlf-bom", "plain-no-trailing-newline"])
def test_logs_clean_text(raw, clean):
    assert cilogs.clean_text(raw) == clean


def test_logs_clean_file_folder_and_zip(tmp_path, plain_project, cli_env):
    cli = Cli(plain_project.path, cli_env)
    single = tmp_path / "job.log"
    single.write_text(GITHUB_LOG)
    dry = cli("ci.logs-clean", str(single), "--dry-run")
    assert dry.returncode == 0 and f"would clean {single}" in dry.stdout and single.read_text() == GITHUB_LOG
    assert cli("ci.logs-clean", str(single)).returncode == 0
    assert single.read_text().startswith("##[group]Run pytest\n")
    folder = tmp_path / "logs"
    (folder / "sub").mkdir(parents=True)
    (folder / "sub" / "1_test.txt").write_text(GITHUB_LOG)
    assert cli("ci.logs-clean", str(folder), "--dry-run").returncode == 0
    assert (folder / "sub" / "1_test.txt").read_text() == GITHUB_LOG
    assert cli("ci.logs-clean", str(folder)).returncode == 0
    assert "2024-03-01T" not in (folder / "sub" / "1_test.txt").read_text()
    archive = tmp_path / "logs.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("test/1_run.txt", GITHUB_LOG)
        z.writestr("azure/2_job.log", AZURE_LOG)
    zipped = archive.read_bytes()
    assert cli("ci.logs-clean", str(archive), "--dry-run").returncode == 0 and archive.read_bytes() == zipped
    assert cli("ci.logs-clean", str(archive)).returncode == 0
    with zipfile.ZipFile(archive) as z:
        assert z.read("test/1_run.txt").decode() == "##[group]Run pytest\ncollected 3 items\n\n3 passed\n"
        assert "2024" not in z.read("azure/2_job.log").decode()
    missing = cli("ci.logs-clean", str(tmp_path / "nope.zip"))
    assert missing.returncode != 0 and "does not exist" in missing.stderr


def test_verify_tools_lists_versions_and_what_is_missing(plain_project, cli_env):
    result = Cli(plain_project.path, cli_env)("verify.tools")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "git version" in result.stdout and "twine" in result.stdout
    dry = Cli(plain_project.path, cli_env)("verify.tools", "--update", "--dry-run")
    assert dry.returncode == 0 and re.search(r"\[dry-run\] would run: \S+ -m pip install --upgrade .*twine", dry.stdout)
    # With a recipe and the conda-build builder, the missing conda-build is named with its step.
    recipe = plain_project.path / "conda"
    recipe.mkdir()
    (recipe / "meta.yaml").write_text("package: {name: x, version: 1}\n")
    configure(plain_project, conda__builder="conda-build")
    result = Cli(plain_project.path, dict(cli_env, PATH="/usr/bin:/bin"))("verify.tools")
    assert result.returncode != 0
    assert "missing — needed for dist.conda (conda-build)" in result.stdout


def test_the_github_workflow_is_hardened_and_every_action_pinned_to_a_commit():
    from releasekit.core import ciactions

    text = ciconfig.github(ciconfig.Workflow("main", ["3.12"]))
    doc = yaml.safe_load(text)
    assert doc["permissions"] == {}  # nothing by default...
    for job in doc["jobs"].values():
        assert job["permissions"] == {"contents": "read"}  # ...and each job only reads the code
        checkout = [s for s in job["steps"] if s.get("uses", "").startswith("actions/checkout@")]
        assert checkout and checkout[0]["with"]["persist-credentials"] is False
    uses = re.findall(r"uses: (\S+)@(\S+)(?: # (\S+))?", text)
    assert uses
    for action, ref, tag in uses:
        assert re.fullmatch(r"[0-9a-f]{40}", ref), (action, ref)
        assert (ref, tag) == ciactions.PINS[action], action  # the comment names the pinned release


@pytest.mark.parametrize("provider", ["github", "azure"])
def test_generated_workflows_pass_their_schema_and_zizmor(provider, tmp_path):
    """Independent of releasekit's own wrapper: the real tools, run as a user would."""
    from releasekit.adapters.workflowlint import REGEX_VARIANT, SCHEMAS

    w = ciconfig.Workflow("main", ["3.11", "3.12"])
    path = tmp_path / Path(ciconfig.PROVIDERS[provider]).name
    path.write_text(ciconfig.GENERATORS[provider](w))
    bin_dir = Path(sys.executable).parent
    schema = subprocess.run([str(bin_dir / "check-jsonschema"), "--builtin-schema", SCHEMAS[provider],
                             "--regex-variant", REGEX_VARIANT.get(provider, "default"), str(path)],
                            capture_output=True, text=True)
    assert schema.returncode == 0, schema.stdout + schema.stderr
    if provider == "github":
        audit = subprocess.run([str(bin_dir / "zizmor"), "--offline", "--no-config", "--min-severity", "low",
                                str(path)], capture_output=True, text=True)
        assert audit.returncode == 0, audit.stdout + audit.stderr


def test_ci_check_reports_schema_and_security_problems_with_their_lines(plain_project, cli_env):
    cli = Cli(plain_project.path, cli_env)
    cli("ci.config", "--provider", "github", check=True)
    path = plain_project.path / ciconfig.PROVIDERS["github"]
    text = path.read_text()
    unpinned = re.sub(r"actions/checkout@[0-9a-f]{40}( # \S+)?", "actions/checkout@v4", text)
    unpinned = unpinned.replace("permissions: {}\n", "").replace("persist-credentials: false", "fetch-depth: 0")
    path.write_text(unpinned)
    result = cli("ci.check")
    assert result.returncode == 1
    assert re.search(r"zizmor unpinned-uses \(\w+\): line \d+: unpinned action reference", result.stdout), result.stdout
    assert re.search(r"zizmor artipacked \(medium\): line \d+: credential persistence", result.stdout), result.stdout
    path.write_text(text.replace("runs-on: ${{ matrix.os }}", "runs-on: 17", 1))
    result = cli("ci.check")
    assert result.returncode == 1
    assert re.fullmatch(re.escape("error: the CI workflow: releasekit.yml: schema: $.jobs.test['runs-on']: 17 is not "
                                  "of type 'string' (hint: regenerate it with `releasekit ci.config --force` or fix "
                                  "it by hand; the full output is in ") + r"\S+/ci\.check\.[\d-]+\.log\)",
                        result.stderr.strip()), result.stdout + result.stderr


def test_ci_config_never_writes_a_workflow_that_fails_its_checks(plain_project):
    """The one function ci.config writes through refuses a failing text, whatever produced it."""
    from releasekit.adapters.shell import Shell
    from releasekit.core.errors import ReleasekitError
    from releasekit.operations.ci_setup import raise_problems, workflow_problems

    good = ciconfig.github(ciconfig.Workflow("main", ["3.12"]))
    assert workflow_problems(Shell(), good, "github", task_flags) == []
    bad = re.sub(r"actions/setup-python@[0-9a-f]{40}( # \S+)?", "actions/setup-python@main", good)
    problems = workflow_problems(Shell(), bad, "github", task_flags)
    assert any("unpinned-uses" in p for p in problems), problems
    with pytest.raises(ReleasekitError, match="nothing was written"):
        raise_problems(problems, "the github workflow releasekit made, so nothing was written", "report it")
