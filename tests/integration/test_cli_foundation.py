"""The version, changelog and config tasks as a user runs them: `releasekit` (python -m releasekit,
no tasks.py) and `inv` (a project whose tasks.py configures the namespace), as subprocesses.

Several tasks run in one command line where that is natural (invoke runs them in order), to keep
the number of subprocesses down; each error case runs alone, because an error ends the run.
"""

from __future__ import annotations

import dataclasses
import inspect
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from releasekit.core.config import SCHEMA
from releasekit.testing.sample import SampleProject, make_sample_project
from tests.conftest import INV, RELEASEKIT, configure

pytestmark = pytest.mark.integration

NAMESPACES = ("version", "git", "changelog", "dist", "upload", "verify", "ci", "forge")
VERSION_TASKS = ("show", "bump", "bump-dev", "set", "check", "bump-major", "bump-minor", "bump-patch",
                 "bump-post-release", "bump-major-dev", "bump-minor-dev", "bump-patch-dev")
CHANGELOG_TASKS = ("finalize", "dev-cycle", "check", "show", "add")
VERSION_FILE = "sampleproj/version.py"
TASKS_PY = 'from releasekit.tasks import namespace\nns = namespace()\nns.configure({config!r})\n'


@pytest.fixture(scope="module")
def template_project(tmp_path_factory) -> SampleProject:
    return make_sample_project(tmp_path_factory.mktemp("template"))


@pytest.fixture
def plain_project(template_project, tmp_path) -> SampleProject:
    """conftest's plain_project (which `cli` runs in), copied from one made per module: the same
    files, history and bare remote, without a dozen git runs per test."""
    old = template_project
    path, remote = tmp_path / old.path.name, tmp_path / "remote.git"
    shutil.copytree(old.path, path, symlinks=True)
    shutil.copytree(old.remote, remote, symlinks=True)
    git_config = path / ".git" / "config"
    git_config.write_text(git_config.read_text(encoding="utf-8").replace(old.remote.as_uri(), remote.as_uri()),
                          encoding="utf-8")
    moved = {name: path / getattr(old, name).relative_to(old.path) for name in ("version_file", "changelog", "readme")}
    return dataclasses.replace(old, path=path, remote=remote, **moved)


def use_inv(project: SampleProject, settings: dict | None = None) -> None:
    """Give the project the tasks.py a user of the library writes."""
    (project.path / "tasks.py").write_text(TASKS_PY.format(config={"releasekit": settings or {}}), encoding="utf-8")


@pytest.fixture(params=["releasekit", "inv"])
def program(request, plain_project) -> list[str]:
    """Each test runs under both programs; under `inv` the project gets a tasks.py."""
    if request.param == "inv":
        use_inv(plain_project)
        return INV
    return RELEASEKIT


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file of the project outside .git, byte for byte (a leftover temp file shows too)."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and ".git" not in p.relative_to(root).parts}


def ok(result) -> str:
    assert result.returncode == 0, f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"
    assert "Traceback" not in result.stdout + result.stderr
    return result.stdout


def transitions(stdout: str) -> list[str]:
    """The `old => new` lines a run printed, in order."""
    return [line for line in stdout.splitlines() if " => " in line and not line.startswith(("+", "-", " "))]


def version_in(project: SampleProject) -> str:
    return re.search(r"__version__ = '([^']*)'", project.version_file.read_text(encoding="utf-8"))[1]


# --- listing ---------------------------------------------------------------------------------------------


def test_list_shows_every_namespace_with_help_for_each_task(cli, program):
    out = ok(cli("--list", program=program))
    entries = {}
    for line in out.splitlines():
        m = re.match(r"^  (?P<name>[\w.-]+)(?: \((?P<aliases>[^)]*)\))?(?:\s+(?P<help>\S.*))?$", line)
        if m:
            entries[m["name"]] = m["help"]
    assert {name.split(".")[0] for name in entries if "." in name} == set(NAMESPACES)
    for name in [f"version.{t}" for t in VERSION_TASKS] + [f"changelog.{t}" for t in CHANGELOG_TASKS]:
        assert name in entries, f"{name} missing from --list"
    assert "config" in entries and "release" in entries
    missing_help = sorted(name for name, help_text in entries.items() if not help_text)
    assert not missing_help, f"tasks without a help line: {missing_help}"


def all_tasks(coll, prefix=""):
    for name, t in coll.tasks.items():
        yield prefix + name, t
    for name, sub in coll.collections.items():
        yield from all_tasks(sub, f"{prefix}{name}.")


# Tasks that change nothing a user keeps (they read, check, or work in throwaway places).
READ_ONLY_TASKS = {
    "config", "demo", "version.show", "version.check", "git.sanity-check", "git.clean-check", "git.backport-check",
    "changelog.check", "changelog.show", "dist.check", "verify.local", "verify.wait", "verify.install",
    "verify.deps", "verify.recipe", "verify.forge", "ci.test", "ci.check", "forge.notes",
}


def test_every_task_that_changes_something_has_a_dry_run():
    from releasekit.tasks import namespace

    found = dict(all_tasks(namespace()))
    assert set(found) >= READ_ONLY_TASKS
    lacking = sorted(name for name, t in found.items()
                     if name not in READ_ONLY_TASKS and "dry_run" not in inspect.signature(t.body).parameters)
    assert lacking == []


def test_every_task_is_distinct_to_invoke():
    """invoke dedupes equal calls in one run; tasks sharing a name (dist.pypi, upload.pypi) must not
    compare equal just because releasekit wraps every body in the same error-rendering function."""
    from releasekit.tasks import namespace

    found = list(all_tasks(namespace()))
    assert len(found) > 40
    equal = [(a, b) for i, (a, ta) in enumerate(found) for b, tb in found[i + 1:] if ta == tb]
    assert equal == []
    assert all(t == t for _, t in found)  # noqa: PLR0124  (equality stays reflexive: a task equals itself)


# --- version tasks -----------------------------------------------------------------------------------------


def test_version_show_and_check(cli, program, plain_project):
    out = ok(cli("version.show", "version.check", "version.show", "--json", program=program))
    text_line, check_line, json_text = out.split("\n", 2)
    assert text_line == f"sampleproj 0.1.0.dev0  ({VERSION_FILE})"
    assert check_line == "version 0.1.0.dev0 ok"
    assert json.loads(json_text) == {
        "package": "sampleproj", "version": "0.1.0.dev0", "file": VERSION_FILE, "release": "0.1.0",
        "is_dev": True, "is_prerelease": True, "next_patch": "0.1.0", "next_dev": "0.1.1.dev0",
    }


def test_dry_runs_print_the_diff_and_write_nothing(cli, program, plain_project):
    before = snapshot(plain_project.path)
    out = ok(cli("version.bump", "--dry-run", "version.bump-dev", "--part", "minor", "--dry-run",
                 "version.set", "0.3.0rc1", "--dry-run", "version.bump-major", "--dry-run",
                 "changelog.add", "a dry entry", "--dry-run", "changelog.finalize", "--date", "2024-05-06", "--dry-run",
                 program=program))
    assert snapshot(plain_project.path) == before
    assert transitions(out) == ["0.1.0.dev0 => 0.1.0", "0.1.0.dev0 => 0.2.0.dev0", "0.1.0.dev0 => 0.3.0rc1",
                                "0.1.0.dev0 => 1.0.0",
                                "CHANGES.md: 0.1.0.dev0 (Work In Progress) => 0.1.0 (2024-05-06)"]
    assert out.count(f"--- a/{VERSION_FILE}\n+++ b/{VERSION_FILE}\n") == 4
    for new in ("0.1.0", "0.2.0.dev0", "0.3.0rc1", "1.0.0"):
        assert f"-__version__ = '0.1.0.dev0'\n+__version__ = '{new}'\n" in out
    assert "+- a dry entry" in out
    assert "-## 0.1.0.dev0 (Work In Progress)\n" in out and "+## 0.1.0 (2024-05-06)\n" in out


def test_bumps_with_each_part_and_pre_kind(cli, program, plain_project):
    original = plain_project.version_file.read_text(encoding="utf-8")
    out = ok(cli("version.bump", "version.bump", "--part", "post", "version.bump-dev",
                 "version.bump", "--pre", "a", "version.bump", "--pre", "b", "version.bump", "--pre", "rc",
                 "version.bump", "--part", "minor", "version.bump", "--part", "major",
                 "version.bump-dev", "--part", "minor", "version.bump-dev", "--part", "major",
                 "version.bump", "--part", "major", "--pre", "rc", "version.set", "2.0.0", program=program))
    assert transitions(out) == [
        "0.1.0.dev0 => 0.1.0",  # a dev version is finalized
        "0.1.0 => 0.1.0.post1",
        "0.1.0.post1 => 0.1.1.dev0",
        "0.1.1.dev0 => 0.1.1a1",
        "0.1.1a1 => 0.1.1b1",
        "0.1.1b1 => 0.1.1rc1",
        "0.1.1rc1 => 0.2.0",
        "0.2.0 => 1.0.0",
        "1.0.0 => 1.1.0.dev0",
        "1.1.0.dev0 => 2.0.0.dev0",
        "2.0.0.dev0 => 2.0.0rc1",
        "2.0.0rc1 => 2.0.0",
    ]
    assert plain_project.version_file.read_text(encoding="utf-8") == original.replace("0.1.0.dev0", "2.0.0")


def test_makefile_aliases(cli, program, plain_project):
    out = ok(cli("version.bump-patch", "version.bump-post-release", "version.bump-patch-dev", "version.bump-minor",
                 "version.bump-minor-dev", "version.bump-major", "version.bump-major-dev", program=program))
    assert transitions(out) == [
        "0.1.0.dev0 => 0.1.0",
        "0.1.0 => 0.1.0.post1",
        "0.1.0.post1 => 0.1.1.dev0",
        "0.1.1.dev0 => 0.2.0",
        "0.2.0 => 0.3.0.dev0",
        "0.3.0.dev0 => 1.0.0",
        "1.0.0 => 2.0.0.dev0",
    ]
    assert version_in(plain_project) == "2.0.0.dev0"


def test_version_set_never_goes_backwards_unless_forced(cli, plain_project):
    before = snapshot(plain_project.path)
    refused = cli("version.set", "0.0.9")
    assert_one_line_error(refused, "0.0.9 is lower than the current 0.1.0.dev0")
    assert snapshot(plain_project.path) == before
    assert transitions(ok(cli("version.set", "0.0.9", "--force"))) == ["0.1.0.dev0 => 0.0.9"]
    assert version_in(plain_project) == "0.0.9"


def test_pyproject_version_is_edited_in_place(cli, plain_project):
    """A project whose version is pyproject.toml's [project].version: only the literal changes."""
    pyproject = plain_project.path / "pyproject.toml"
    text = pyproject.read_text(encoding="utf-8") + '\n[project]\nname = "sampleproj"\nversion = "0.1.0.dev0"\n'
    pyproject.write_bytes(text.replace("\n", "\r\n").encode())
    plain_project.version_file.unlink()
    out = ok(cli("version.bump", "version.show"))
    assert transitions(out) == ["0.1.0.dev0 => 0.1.0"]
    assert "sampleproj 0.1.0  (pyproject.toml)" in out
    assert pyproject.read_bytes() == text.replace("0.1.0.dev0", "0.1.0").replace("\n", "\r\n").encode()


# --- changelog tasks ------------------------------------------------------------------------------------------


def test_changelog_cycle(cli, program, plain_project):
    """add -> bump -> finalize --date -> show -> bump-dev -> dev-cycle -> check, as in a release."""
    preamble = "# Changes\n\nNotable changes to sampleproj, newest first.\n\n"
    out = ok(cli("changelog.check", "changelog.add", "Faster start-up", "changelog.add", "A crash on empty input",
                 "--section", "fixed", "version.bump", "changelog.finalize", "--date", "2024-05-06",
                 "changelog.show", "--version", "0.1.0", program=program))
    release = "## 0.1.0 (2024-05-06)\n\n### New:\n\n- Faster start-up\n\n### Fixed:\n\n- A crash on empty input"
    assert "CHANGES.md ok" in out
    assert "CHANGES.md: 0.1.0.dev0 (Work In Progress) => 0.1.0 (2024-05-06)" in out
    assert out.rstrip().endswith(release)  # show --version prints the section as written
    text = plain_project.changelog.read_text(encoding="utf-8")
    assert text.startswith(preamble + release + "\n")
    assert "Work In Progress" not in text and "### Changed:" not in text  # empty subsections dropped

    out = ok(cli("version.bump-dev", "changelog.dev-cycle", "changelog.check", "changelog.show", program=program))
    assert "CHANGES.md: opened 0.1.1.dev0 (Work In Progress)" in out
    assert "CHANGES.md ok" in out
    assert out.rstrip().endswith("## 0.1.1.dev0 (Work In Progress)\n\n### New:\n\n### Changed:\n\n### Fixed:")
    new_text = plain_project.changelog.read_text(encoding="utf-8")
    assert new_text.startswith(preamble + "## 0.1.1.dev0 (Work In Progress)\n")
    assert new_text.endswith(text[len(preamble):])  # the released section is kept byte for byte


def test_tasks_py_configuration_reaches_the_tasks(cli, plain_project):
    """Under `inv`, what tasks.py sets with ns.configure is what the tasks use."""
    use_inv(plain_project, {"changelog_template": ["Added", "Fixed"], "release_branch": "rel/{version}"})
    out = ok(cli("version.bump", "changelog.finalize", "version.bump-dev", "changelog.dev-cycle",
                 "changelog.add", "first entry", "config", program=INV))
    text = plain_project.changelog.read_text(encoding="utf-8")
    assert "## 0.1.1.dev0 (Work In Progress)\n\n### Added:\n\n- first entry\n\n### Fixed:\n" in text
    assert re.search(r"^release_branch\s+rel/\{version\}\s+tasks\.py$", out, re.M)


# --- error cases: a non-zero exit, one `error: ...` line, no traceback, nothing written ------------------------


def assert_one_line_error(result, *fragments: str) -> None:
    assert result.returncode != 0
    assert "Traceback" not in result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), f"stderr: {result.stderr!r}"
    for fragment in fragments:
        assert fragment in lines[0]


TWO_WIPS = """# Changes

## 0.1.0.dev0 (Work In Progress)

- one

## 0.1.0.dev0 (Work In Progress)

- two
"""
NO_WIP = "# Changes\n\n## 0.0.9 (2024-01-02)\n\n- released\n"


def write(project: SampleProject, rel: str, text: str) -> None:
    (project.path / rel).write_text(text, encoding="utf-8")


def add_to_pyproject(project: SampleProject, text: str) -> None:
    path = project.path / "pyproject.toml"
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


ERROR_CASES = [
    pytest.param(lambda p: write(p, VERSION_FILE, "__version__ = '0.1.0.DEV0'\n"), ["version.bump"],
                 ["'0.1.0.DEV0' is not in normalized form", "write '0.1.0.dev0'"], id="malformed version in the file"),
    pytest.param(lambda p: write(p, VERSION_FILE, "__version__ = '0.1.0+local'\n"), ["version.show"],
                 ["local part", "use '0.1.0'"], id="local version in the file"),
    pytest.param(lambda p: write(p, VERSION_FILE, "__version__ = '1'\n__version__ = '2'\n"), ["version.bump"],
                 ["assigns __version__ 2 times"], id="duplicated assignment"),
    pytest.param(None, ["version.bump", "--part", "micro"], ["unknown part 'micro'"], id="unknown --part"),
    pytest.param(None, ["version.bump", "--part", "post"], ["0.1.0.dev0 is not released yet"], id="post of a dev"),
    pytest.param(lambda p: write(p, VERSION_FILE, "__version__ = '0.1.1rc1'\n"), ["version.bump", "--pre", "b"],
                 ["already at 'rc'"], id="beta after an rc"),
    pytest.param(None, ["version.set", "https://user:hunter22@index.example.invalid/"],
                 ["not a PEP 440 version", "user:********@"], id="secret in the message is masked"),
    pytest.param(lambda p: write(p, VERSION_FILE, "__version__ = '0.1.0'\n"), ["version.check"],
                 ["version 0.1.0 on the main branch should be a development version like 0.1.0.dev0"],
                 id="check on main without .dev0"),
    pytest.param(lambda p: write(p, "CHANGES.md", NO_WIP), ["changelog.finalize"],
                 ["no Work-In-Progress section"], id="finalize without a WIP section"),
    pytest.param(lambda p: write(p, "CHANGES.md", TWO_WIPS), ["changelog.finalize"],
                 ["2 Work-In-Progress sections (lines 3, 7)"], id="finalize with two WIP sections"),
    pytest.param(lambda p: write(p, VERSION_FILE, "__version__ = '0.2.0.dev0'\n"), ["changelog.finalize"],
                 ["is for 0.1.0.dev0 but the version is 0.2.0.dev0"], id="WIP version mismatch"),
    pytest.param(None, ["changelog.finalize", "--date", "2024-02-30"], ["'2024-02-30' is not a real date"],
                 id="finalize with an impossible date"),
    pytest.param(None, ["changelog.dev-cycle"], ["a Work-In-Progress section for 0.1.0.dev0 already exists"],
                 id="dev-cycle when a WIP exists"),
    pytest.param(None, ["changelog.add", "x", "--section", "bogus"], ["unknown changelog subsection 'bogus'"],
                 id="add to an unknown subsection"),
    pytest.param(None, ["changelog.show", "--version", "9.9"], ["no section for 9.9"], id="show an unknown version"),
    pytest.param(lambda p: add_to_pyproject(p, '\n[tool.releasekit]\nmain_brach = "trunk"\n'), ["version.bump"],
                 ["unknown setting `releasekit.main_brach` (from pyproject.toml)", "did you mean `main_branch`?"],
                 id="unknown config key in pyproject.toml"),
    pytest.param(lambda p: add_to_pyproject(p, '\n[tool.releasekit.dist]\nisolation = "yes"\n'), ["config"],
                 ["`releasekit.dist.isolation` (from pyproject.toml) should be a bool"],
                 id="wrong type in pyproject.toml"),
    pytest.param(lambda p: write(p, "invoke.yaml", "releasekit:\n  remtoe: upstream\n"), ["version.bump"],
                 ["unknown setting `releasekit.remtoe` (from invoke.yaml)", "did you mean `remote`?"],
                 id="unknown config key in invoke.yaml"),
    pytest.param(lambda p: add_to_pyproject(p, '\n[tool.releasekit]\nversion_file = "nowhere.py"\n'),
                 ["version.show"], ["version file nowhere.py does not exist"], id="configured version file missing"),
]


@pytest.mark.parametrize(("setup", "argv", "fragments"), ERROR_CASES)
def test_error_is_one_line_and_changes_nothing(cli, plain_project, setup, argv, fragments):
    if setup:
        setup(plain_project)
    before = snapshot(plain_project.path)
    assert_one_line_error(cli(*argv), *fragments)
    assert snapshot(plain_project.path) == before


@pytest.mark.parametrize(("settings", "argv", "fragments"), [
    pytest.param({}, ["version.bump", "--part", "post"], ["0.1.0.dev0 is not released yet"], id="post of a dev"),
    pytest.param({}, ["changelog.dev-cycle"], ["already exists"], id="dev-cycle when a WIP exists"),
    pytest.param({"remtoe": "upstream"}, ["version.show"],
                 ["unknown setting `releasekit.remtoe` (from tasks.py)", "did you mean `remote`?"],
                 id="unknown key in ns.configure"),
])
def test_errors_under_inv(cli, plain_project, settings, argv, fragments):
    use_inv(plain_project, settings)
    before = snapshot(plain_project.path)
    assert_one_line_error(cli(*argv, program=INV), *fragments)
    assert snapshot(plain_project.path) == before


def test_hints_name_the_program_the_user_typed(cli, program):
    typed = "inv" if program == INV else "releasekit"
    result = cli("verify.local", program=program)
    assert_one_line_error(result, f"run `{typed} dist.pypi` first")
    other = "releasekit" if typed == "inv" else "inv"
    assert f"`{other} " not in result.stdout + result.stderr


@pytest.mark.parametrize(("env", "fragment"), [
    pytest.param({"INVOKE_RELEASEKIT_WAIT_TIMEOUT": "soon"},
                 "INVOKE_RELEASEKIT_WAIT_TIMEOUT='soon': `releasekit.wait.timeout` should be a number",
                 id="not a number"),
    pytest.param({"INVOKE_RELEASEKIT_SKIP_STEPS": "tests"}, "`releasekit.skip_steps` is a list", id="a list"),
])
def test_bad_environment_variable_is_one_line(cli, plain_project, env, fragment):
    assert_one_line_error(cli("version.show", env=env), fragment)
    use_inv(plain_project, {})  # invoke itself would crash on the variable: tasks.py's namespace() refuses it first
    assert_one_line_error(cli("version.show", env=env, program=INV), fragment)


def test_invalid_invoke_yaml_is_one_line(cli, plain_project):
    write(plain_project, "invoke.yaml", "releasekit: [\n")
    assert_one_line_error(cli("version.show"), "not valid YAML")


# --- config: every key, its value and where it came from --------------------------------------------------------


def config_rows(stdout: str) -> dict[str, tuple[str, str]]:
    rows = {}
    for line in stdout.splitlines():
        cells = re.split(r"\s{2,}", line.strip())
        if len(cells) == 3 and not cells[0].startswith("-"):
            rows[cells[0]] = (cells[1], cells[2])
    return rows


def test_config_shows_values_and_origins(cli, plain_project, tmp_path):
    configure(plain_project, tag="v{version}", dist__isolation=False)
    write(plain_project, "invoke.yaml", "releasekit:\n  remote: upstream\n  wait:\n    interval: 2\n")
    runtime = tmp_path / "runtime.yaml"
    runtime.write_text("releasekit:\n  conda:\n    label: nightly\n", encoding="utf-8")
    env = {"INVOKE_RELEASEKIT_TEST_COMMAND": "make test", "INVOKE_RELEASEKIT_WAIT_TIMEOUT": "60"}
    out = ok(cli("-f", str(runtime), "config", env=env))
    rows = config_rows(out)
    assert rows["tag"] == ("v{version}", "pyproject.toml")
    assert rows["dist.isolation"] == ("False", "pyproject.toml")
    assert rows["remote"] == ("upstream", "invoke.yaml")
    assert rows["wait.interval"] == ("2", "invoke.yaml")
    assert rows["test_command"] == ("make test", "environment")
    assert rows["wait.timeout"] == ("60.0", "environment")
    assert rows["conda.label"] == ("nightly", "config file")
    assert rows["changelog"] == ("CHANGES.md", "default")
    # unset settings show what this project makes of them
    assert rows["main_branch"] == (plain_project.main_branch, "detected")
    assert rows["package"] == (plain_project.name, "detected")
    assert rows["version_file"] == (plain_project.version_file.relative_to(plain_project.path).as_posix(), "detected")
    assert rows["state_dir"] == (str(plain_project.path / ".git" / "releasekit"), "detected")
    assert rows["pypi.index_url"][0].endswith("/simple/")  # the index, as the setting takes it, not a project page
    assert set(rows) == {"setting", *SCHEMA}  # every key, plus the header row


def test_config_shows_where_dependencies_of_clean_installs_come_from(cli, plain_project):
    from twine import utils as twine_utils

    from releasekit.adapters import index

    rows = config_rows(ok(cli("config")))  # the target is PyPI: nothing else
    assert rows["pypi.deps_index_url"] == ("(none: only the target index)", "detected")
    # TestPyPI lacks most dependencies: PyPI's simple index, known by twine's own URL for it
    pypi_root = index.simple_url(twine_utils.DEFAULT_REPOSITORY, "x").rsplit("/", 2)[0] + "/"
    env = {"INVOKE_RELEASEKIT_PYPI_REPOSITORY": "testpypi"}
    assert config_rows(ok(cli("config", env=env)))["pypi.deps_index_url"] == (pypi_root, "detected")
    data = json.loads(ok(cli("config", "--json", env=env)))
    assert data["pypi.deps_index_url"] == {"value": None, "from": "default", "detected": pypi_root}
    configure(plain_project, pypi__deps_index_url="http://127.0.0.1:9/simple/")
    assert config_rows(ok(cli("config", env=env)))["pypi.deps_index_url"] == ("http://127.0.0.1:9/simple/",
                                                                                "pyproject.toml")


def test_config_says_why_an_automatic_value_cannot_be_found(cli, plain_project):
    subprocess.run(["git", "remote", "remove", "origin"], cwd=plain_project.path, check=True)
    subprocess.run(["git", "branch", "-m", plain_project.main_branch, "trunk"], cwd=plain_project.path, check=True)
    rows = config_rows(ok(cli("config")))
    assert rows["main_branch"] == ("(not found: cannot tell the main branch)", "detected")
    data = json.loads(ok(cli("config", "--json")))
    assert data["main_branch"] == {"value": None, "from": "default", "detected": "(not found: cannot tell the main branch)"}


def test_config_under_inv_shows_tasks_py_origin(cli, plain_project):
    configure(plain_project, tag="v{version}")
    use_inv(plain_project, {"main_branch": "trunk", "remote": "from-tasks"})
    write(plain_project, "invoke.yaml", "releasekit:\n  remote: upstream\n")
    out = ok(cli("config", "config", "--json", program=INV, env={"INVOKE_RELEASEKIT_TEST_COMMAND": "make test"}))
    table, _, json_text = out.partition("\n{")
    rows = config_rows(table)
    assert rows["main_branch"] == ("trunk", "tasks.py")
    assert rows["remote"] == ("upstream", "invoke.yaml")  # invoke.yaml overrides tasks.py
    assert rows["tag"] == ("v{version}", "pyproject.toml")
    assert rows["test_command"] == ("make test", "environment")
    assert rows["release_branch"] == ("release-{version}", "default")
    data = json.loads("{" + json_text)
    assert data["main_branch"] == {"value": "trunk", "from": "tasks.py"}  # set: nothing to detect
    assert data["wait.timeout"] == {"value": 1800, "from": "default"}
