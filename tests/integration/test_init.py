"""`releasekit init` and the detected column of `releasekit config`, through the CLI, on real projects.

Every sample style (releasekit.testing.styles) records the conventions detection should find; init
must report them and propose a block that, once written, pins exactly them: reading the project
again gives the same answers, with nothing left to pin. `--write` appends the block and changes no
other byte of pyproject.toml; a second `--write` is refused (the table exists); an ambiguous project
is one line that names the setting to pin, and nothing is written.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tomllib

import pytest

from releasekit.testing.sample import make_sample_project
from releasekit.testing.styles import STYLES, Style, StyleProject
from tests.conftest import Cli

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")

KAC = """# Changelog

The format is based on [Keep a Changelog](https://keepachangelog.com/en/1.1.0/).

## [Unreleased]

## [0.0.9] - 2026-01-01

- An earlier release.
"""


@pytest.fixture(scope="module", params=list(STYLES), ids=list(STYLES))
def styled(request, tmp_path_factory) -> tuple[Style, StyleProject]:
    """One project per style, shared by this module's tests of the style (each writer works on a copy)."""
    style = STYLES[request.param]
    return style, style.make(tmp_path_factory.mktemp(request.param))


def run(cli: Cli, *args: str) -> subprocess.CompletedProcess:
    result = cli(*args)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def init_json(cli: Cli) -> dict:
    return json.loads(run(cli, "init", "--json").stdout)


def copy_of(project: StyleProject, tmp_path) -> Cli:
    """A copy of the style's checkout (its origin stays the style's bare remote, only read)."""
    dest = tmp_path / project.path.name
    shutil.copytree(project.path, dest, symlinks=True)
    from tests.conftest import clean_cli_env

    return Cli(dest, clean_cli_env())


def expected(style: Style, project: StyleProject) -> dict[str, object]:
    """The report's values for the style's conventions (the settings that would pin them)."""
    c = style.conventions_for(project)
    found = [f for f in c.version_files if ":" not in f]  # a file with a pattern is the user's to list
    return {
        "changelog_format": c.changelog_format, "changelog": c.changelog or "(none)",
        "version_file": c.version_files[0] if c.version_source == "file" else "(none)",
        "version_files": ", ".join(found) if c.version_source == "files" else "(none)",
        "version_policy": c.version_policy, "tag": c.tag, "main_branch": c.main_branch,
        "release_branch": c.release_branch or "none (release from main, tag only)",
        "forge": "none",  # a file:// remote lives on no forge
        "conda.recipe": "(none: the conda steps are skipped)",
    }


def test_init_reports_the_conventions_each_style_keeps(styled, cli_env):
    style, project = styled
    cli = Cli(project.path, cli_env)
    before = project.git("status", "--porcelain", "--untracked-files=all")
    report = init_json(cli)
    shown = {k: v["value"] for k, v in report["detected"].items()}
    assert {k: shown[k] for k in expected(style, project)} == expected(style, project)
    assert shown["version_source"].split(":")[0] == style.conventions.version_source
    assert all(v["from"] == "detected" for v in report["detected"].values())  # nothing configured
    c = style.conventions_for(project)
    for entry in c.version_files:  # files detection cannot find are named, with the hint to list them
        if ":" in entry:
            assert any(n.startswith(entry.split(":")[0] + ":") and "version_files" in n for n in report["notes"])
    # The block pins what differs from the defaults, and what a later detection could get wrong.
    block = report["block"]
    assert block.get("tag") == (c.tag if c.tag != "{version}" else None)
    assert block.get("release_branch") == (False if c.release_branch is None else None)
    assert block.get("version_source") == ("scm" if c.version_source == "scm" else None)
    assert block.get("version_policy") == (None if c.version_source == "scm" else c.version_policy)
    assert block.get("changelog_format") == (None if c.changelog_format == "wip" else c.changelog_format)
    assert tomllib.loads(report["block_text"]) == {"tool": {"releasekit": block}}
    # The text report says the same, and init changes nothing.
    text = run(cli, "init").stdout
    assert report["block_text"].rstrip("\n") in text and "init --write" in text
    assert project.git("status", "--porcelain", "--untracked-files=all") == before


def test_config_json_carries_the_detected_conventions(styled, cli_env):
    style, project = styled
    c = style.conventions_for(project)
    data = json.loads(run(Cli(project.path, cli_env), "config", "--json").stdout)
    detected = {k: v.get("detected") for k, v in data.items()}
    assert detected["changelog_format"] == c.changelog_format
    assert detected["version_source"] == c.version_source
    assert detected["version_policy"] == c.version_policy
    assert detected["forge"] == "none"
    # A setting whose default is a value shows a detected one only where it differs from the default.
    assert detected["tag"] == (c.tag if c.tag != "{version}" else None)
    # (towncrier's own configuration names its file: the `changelog` setting is not what finds it)
    unset = c.changelog in ("CHANGES.md", None) or c.changelog_format == "towncrier"
    assert detected["changelog"] == (None if unset else c.changelog)
    assert detected["release_branch"] == (None if c.release_branch else "none (release from main, tag only)")
    assert data["tag"]["from"] == data["changelog_format"]["from"] == "default"


def test_changelog_check_and_config_read_the_version_where_the_source_keeps_it(styled, cli_env):
    """With nothing configured, `changelog.check` checks the changelog against the version the project's
    source gives (the tags, a file the backend reads) and `config` names the version file detection found
    (session 6's trial: attrs and tox (hatch-vcs), httpx (hatchling reading httpx/__version__.py) stopped at
    "no version file found", and config said the file was not found while init had found it)."""
    style, project = styled
    c = style.conventions_for(project)
    cli = Cli(project.path, cli_env)
    check = cli("changelog.check")
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stdout.strip().endswith(" ok")
    detected = {k: v.get("detected") for k, v in json.loads(run(cli, "config", "--json").stdout).items()}
    assert detected["version_file"] == (c.version_files[0] if c.version_source == "file"
                                        else f"(none: the version source is {c.version_source})")


def test_init_write_appends_exactly_the_block_and_a_second_write_is_refused(styled, tmp_path):
    style, project = styled
    cli = copy_of(project, tmp_path)
    pyproject = cli.cwd / "pyproject.toml"
    old = pyproject.read_bytes()
    report = init_json(cli)
    out = run(cli, "init", "--write").stdout
    assert "Appended it to pyproject.toml" in out
    new = pyproject.read_bytes()
    assert new == old + separator(old, "\n") + report["block_text"].encode()  # every other byte kept, in place
    # Read back, the block pins the same conventions: same values, now from pyproject.toml, nothing left to pin.
    again = init_json(cli)
    assert {k: v["value"] for k, v in again["detected"].items() if k != "version_source"} == \
        {k: v["value"] for k, v in report["detected"].items() if k != "version_source"}
    assert again["block"] == {}
    assert {k for k, v in again["detected"].items() if v["from"] == "pyproject.toml"} == set(report["block"])
    # A second --write: refused in one line, the file as it was.
    second = cli("init", "--write")
    assert second.returncode == 1
    assert second.stderr.strip().count("\n") == 0 and "already has a [tool.releasekit] table" in second.stderr
    assert "Traceback" not in second.stderr and "full output" not in second.stderr
    assert pyproject.read_bytes() == new


ODD = """# top comment: kept
[build-system]   # trailing comment
requires = [ "hatchling" ,]
build-backend="hatchling.build"

[tool.ruff]   # a tool table before [project]
line-length=120
[tool.ruff.lint]
select = [
    "E",  # errors
    'F',
]

[project]
name = 'NAME'
version = "1.1.0"   # the release
description = '''multi
line'''
  # indented comment
dynamic = []
"""


@pytest.fixture(scope="module")
def hatch_project(tmp_path_factory) -> StyleProject:
    """The hatchling style's project, for the formatting cases (each works on a copy)."""
    return STYLES["hatchling-keepachangelog"].make(tmp_path_factory.mktemp("odd"))


def separator(old: bytes, newline: str) -> bytes:
    """What init puts between the old text and the block: enough newlines for one blank line."""
    nl = newline.encode()
    return b"" if old.endswith(nl + nl) else nl if old.endswith(nl) else nl + nl


@pytest.mark.parametrize("newline,ending", [("\n", ""), ("\r\n", "\r\n"), ("\n", "\n\n\n")],
                         ids=["no-final-newline", "crlf", "blank-lines-at-end"])
def test_init_write_keeps_every_byte_of_an_oddly_formatted_pyproject(hatch_project, tmp_path, newline, ending):
    cli = copy_of(hatch_project, tmp_path)
    pyproject = cli.cwd / "pyproject.toml"
    odd = ODD.replace("NAME", hatch_project.name).rstrip("\n").replace("\n", newline) + ending
    pyproject.write_bytes(odd.encode())
    old = pyproject.read_bytes()
    dry = run(cli, "init", "--write", "--dry-run")  # shows the diff, writes nothing
    assert "[dry-run] would write pyproject.toml" in dry.stdout and "+[tool.releasekit]" in dry.stdout
    assert "+tag = \"v{version}\"" in dry.stdout and "[dry-run] pyproject.toml was not changed" in dry.stdout
    assert pyproject.read_bytes() == old
    run(cli, "init", "--write")
    new = pyproject.read_bytes()
    assert new.startswith(old + separator(old, newline) + b"[tool.releasekit]" + newline.encode())
    block = new[len(old):].decode()
    assert block.count("\n") == block.count(newline) if newline == "\r\n" else "\r" not in block
    data = tomllib.loads(new.decode())
    assert data["tool"]["releasekit"] == {"changelog_format": "keepachangelog", "changelog": "CHANGELOG.md",
                                          "version_file": "pyproject.toml", "version_policy": "release",
                                          "tag": "v{version}", "release_branch": False}
    assert data["tool"]["ruff"] == {"line-length": 120, "lint": {"select": ["E", "F"]}}
    assert data["project"]["description"] == "multi\nline"


def test_two_managed_changelogs_are_one_line_naming_the_setting_and_nothing_is_written(tmp_path, cli_env):
    project = make_sample_project(tmp_path, "twologs")
    (project.path / "CHANGELOG.md").write_text(KAC, encoding="utf-8")
    project.git("add", "CHANGELOG.md")
    project.git("commit", "-q", "-m", "a second changelog")
    pyproject = project.path / "pyproject.toml"
    old = pyproject.read_bytes()
    cli = Cli(project.path, cli_env)
    result = cli("init", "--write")
    assert result.returncode == 1
    line = result.stderr.strip()
    assert "\n" not in line and "Traceback" not in line
    assert "more than one changelog looks managed" in line and "changelog_format" in line
    assert "CHANGES.md (wip)" in line and "CHANGELOG.md (keepachangelog)" in line
    assert result.stdout.strip() == ""  # no half report, no block
    assert pyproject.read_bytes() == old
    assert project.git("status", "--porcelain", "--untracked-files=all") == ""
    # config says why, in the same words, for the conventions it could not detect
    data = json.loads(run(cli, "config", "--json").stdout)
    assert data["changelog_format"]["detected"].startswith("(not found: more than one changelog looks managed")
    # ... and only for those: the version and the release branch are found as without the second changelog
    # (session 6's trial: click's changelog of an unknown shape made config say the version source was not found)
    assert data["version_source"]["detected"] == "file"
    assert data["version_file"]["detected"] == "twologs/version.py"
    assert data["version_policy"]["detected"] == "dev"


def test_init_write_refuses_a_project_without_pyproject(tmp_path, cli_env):
    project = make_sample_project(tmp_path, "nopyproject")
    project.git("rm", "-q", "pyproject.toml")
    project.git("commit", "-q", "-m", "setup.py only")
    result = Cli(project.path, cli_env)("init", "--write")
    assert result.returncode == 1 and "no pyproject.toml" in result.stderr and "invoke.yaml" in result.stderr
    assert not (project.path / "pyproject.toml").exists()


def test_init_reports_the_forge_from_the_remote_url_and_a_guessed_main_branch_is_pinned(tmp_path, cli_env):
    project = make_sample_project(tmp_path, "forged")
    project.git("remote", "set-head", "origin", "main")  # the remote's HEAD, known locally
    project.git("remote", "set-url", "origin", "git@github.com:example/forged.git")  # never contacted
    report = init_json(Cli(project.path, cli_env))
    assert report["detected"]["forge"]["value"] == "github (example/forged)"
    assert report["detected"]["forge_url"]["value"] == "https://api.github.com"
    assert report["detected"]["main_branch"] == {"value": "main", "from": "detected", "pinned": False,
                                                 "why": "the remote's HEAD (origin)"}
    project.git("remote", "set-head", "origin", "--delete")
    project.git("remote", "set-url", "origin", "https://gitlab.example.com/group/forged.git")
    # no remote HEAD now, and asking the remote would need the network: the local main is a guess, pinned
    env = dict(cli_env, GIT_ALLOW_PROTOCOL="file")  # git refuses https here, so nothing is contacted
    report = json.loads(Cli(project.path, env)("init", "--json").stdout)
    assert report["detected"]["forge"]["value"] == "gitlab (group/forged)"
    assert report["detected"]["forge_url"]["value"] == "https://gitlab.example.com/api/v4"
    assert report["detected"]["main_branch"]["pinned"] is True and report["block"]["main_branch"] == "main"
