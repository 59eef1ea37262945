"""The corpus of sample styles (releasekit.testing.styles) released end to end (issue 11, Tests 1).

Each style's project, with only what detection cannot know configured (the index to release to, a
quick test command, a version file that needs its pattern), is released by ``releasekit release
--yes --part P --date D`` as a user runs it: real isolated builds with the style's own backend from
the session's pypiserver, a real upload there and a real clean install of the release from it. The
end state on the remote is the style's :class:`~releasekit.testing.styles.ReleaseEnd`: tags, branches,
main's version and changelog, the files the release changes and removes. Then the released version's
notes, the next release's plan from that end state, a hotfix branch from the tag where the release was
made from main, and a second release on top of the first where one is cheap (no changelog to fill).

One test per style, so xdist spreads the builds; the index is the session's (names differ per test).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from packaging.version import Version

from releasekit.adapters.envs import uv_binary
from releasekit.core import versioning
from releasekit.testing.styles import STYLES, Style, StyleProject
from tests.conftest import Cli, clean_cli_env

pytestmark = [pytest.mark.integration,
              pytest.mark.skipif(shutil.which("git") is None or uv_binary() is None, reason="needs git and uv")]

DATE = "2026-12-01"


# What the plan's prepare step says the release does to the changelog, per format (Keep a Changelog's
# headings as the file writes them: `## [Unreleased]` and `## [X] - date`, or without the brackets).
PLAN_FINALIZE = {
    "wip": ("(Work In Progress) => {version} (",),
    "keepachangelog": ("[Unreleased] => [{version}] - ", "Unreleased => {version} - "),
    "towncrier": ("towncrier build --version {version} ",),
    "rst": ("Version {version} / Unreleased => Version {version} / Released ",),
    "none": ("no changelog (changelog_format: none): {version}'s notes are the commit subjects",),
}


def remote_git(project: StyleProject, *args: str, check: bool = True) -> str:
    return subprocess.run(["git", "--git-dir", str(project.remote), *args], text=True, capture_output=True,
                          check=check).stdout.strip()


def on_main(project: StyleProject, rel: str) -> str:
    return remote_git(project, "show", f"main:{rel}")


# What each backend leaves out of its sdist, as the artifact check's hint names it: the maintainer's
# `dist.check_ignore` (they ship no docs, tests or changelog in the sdist, and that is their choice).
NOT_SHIPPED = {
    "setuptools-scm-keepachangelog": ["CHANGELOG.md"],
    "poetry-changelog": ["tests/*", "CHANGELOG.md"],
    "flit-rst": ["tests/*", "CHANGES.rst"],
    "uv-three-files": ["docs/*", "tests/*", "CHANGELOG.md", "LICENSE", "uv.lock"],
}


def toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return json.dumps(value)  # a TOML basic string: JSON's escapes are TOML's


def configure_release(project: StyleProject, cli: Cli, index_url: str) -> dict:
    """The block `releasekit init` proposes, plus what detection cannot know, as a maintainer writes it:
    where to release, how to test, what the sdist leaves out, a version line that needs its pattern."""
    report = json.loads(cli("init", "--json", check=True).stdout)
    block = dict(report["block"])
    if project.extra_version_files:  # docs/conf.py's `release = "X"`: init names it for the user to list
        block["version_files"] = [*block["version_files"], 'docs/conf.py:^release = "(?P<version>[^"]+)"']
    block.update({"pypi.repository": index_url, "test_command": "true"})
    if project.style_key in NOT_SHIPPED:
        block["dist.check_ignore"] = NOT_SHIPPED[project.style_key]
    lines = ["", "[tool.releasekit]", *(f"{key} = {toml_value(value)}" for key, value in block.items())]
    pyproject = project.path / "pyproject.toml"
    pyproject.write_text(pyproject.read_text(encoding="utf-8") + "\n".join(lines) + "\n", encoding="utf-8")
    project.git("add", "-A")
    project.git("commit", "-q", "-m", "configure releasekit")
    project.git("push", "-q", "origin", "main")
    return block


def release_cli(project: StyleProject, index_server) -> Cli:
    env = dict(clean_cli_env(), TWINE_USERNAME="tester", TWINE_PASSWORD="s3cret-twine-pass",
               PIP_INDEX_URL=index_server.simple_url, UV_DEFAULT_INDEX=index_server.simple_url)
    return Cli(project.path, env)


def assert_release_end(style: Style, project: StyleProject, main_before: str, index_server) -> None:
    end = style.release_end(project, DATE)
    # The tag: annotated, on the branch the style releases from.
    assert remote_git(project, "cat-file", "-t", f"refs/tags/{end.tag}") == "tag"
    tagged = remote_git(project, "rev-parse", f"{end.tag}^{{commit}}")
    subprocess.run(["git", "--git-dir", str(project.remote), "merge-base", "--is-ancestor", tagged,
                    f"refs/heads/{end.tag_on}"], check=True)
    branches = remote_git(project, "for-each-ref", "--format=%(refname:short)", "refs/heads").split()
    assert sorted(branches) == sorted(end.branches)
    assert int(remote_git(project, "rev-list", "--count", f"{main_before}..main")) == end.new_commits_on_main
    # The artifacts are the release's version, and the index serves them.
    from releasekit.adapters import pypi

    built = sorted((project.path / "dist").iterdir())
    assert len(built) == 2 and {pypi.built_version(p) for p in built} == {end.version}
    served = {p.name for p in Path(index_server.dir).iterdir()}
    assert {p.name for p in built} <= served
    # Main's files.
    if end.main_version is not None:
        for path in (project.version_file, *project.extra_version_files):
            assert path is not None and end.main_version in on_main(project, path.relative_to(project.path).as_posix())
    for rel, snippets in end.files.items():
        text = on_main(project, rel)
        for snippet in snippets:
            assert snippet in text, (rel, snippet)
    for rel, snippets in end.absent.items():
        text = on_main(project, rel)
        for snippet in snippets:
            assert snippet not in text, (rel, snippet)
    for rel in end.gone:
        assert subprocess.run(["git", "--git-dir", str(project.remote), "cat-file", "-e", f"main:{rel}"],
                              capture_output=True).returncode != 0, rel
    if project.changelog is not None:
        changelog = on_main(project, project.changelog.relative_to(project.path).as_posix())
        positions = [changelog.find(s) for s in end.changelog_order]
        assert -1 not in positions and positions == sorted(positions), list(zip(end.changelog_order, positions, strict=True))
        for kept in end.changelog_kept:
            assert kept.strip("\n") in changelog
    # The checkout is clean and on main as the remote has it.
    assert project.git("status", "--porcelain").strip() == ""
    assert project.git("rev-parse", "HEAD").strip() == remote_git(project, "rev-parse", "refs/heads/main")


@pytest.mark.parametrize("key", list(STYLES))
def test_style_releases_end_to_end(key, tmp_path, index_server):
    style = STYLES[key]
    project = style.make(tmp_path, "rk-e2e-" + key)
    cli = release_cli(project, index_server)
    configure_release(project, cli, index_server.url)
    main_before = remote_git(project, "rev-parse", "refs/heads/main")

    result = cli("release", "--yes", "--part", style.release.part, "--date", DATE)
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"^verify +done ", result.stdout, re.M), result.stdout  # installed from the index, clean
    assert_release_end(style, project, main_before, index_server)
    end = style.release_end(project, DATE)
    notes = cli("changelog.show", "--version", end.version, check=True).stdout
    for note in end.notes:
        assert note in notes, note

    # The next release, as the plan has it from the end state: the version, its tag, its branch.
    c = style.conventions_for(project)
    planned = json.loads(cli("release", "--plan", "--json", "--part", "patch", check=True).stdout)
    plan, steps = planned["release"], planned["steps"]
    after = versioning.release_of(Version(end.main_version)) if c.version_policy == "dev" else \
        versioning.bump(end.version, "patch")
    assert (plan["version"], plan["tag"], plan["branch"]) == (
        str(after), c.tag.format(version=after), c.release_branch and c.release_branch.format(version=after))
    prepare = next(s["commands"] for s in steps if s["name"] == "prepare")
    assert any(said.format(version=after) in line for line in prepare for said in PLAN_FINALIZE[c.changelog_format]), \
        prepare
    assert any("(Work In Progress)" in line for s in steps for line in s["commands"]) == (c.changelog_format == "wip")
    if end.tag_on == "main":  # a hotfix of a release made from main starts from its tag
        out = cli("git.release-branch-create", "--from-tag", end.version, check=True).stdout
        assert f"created release-{end.version}" in out
        assert project.git("rev-parse", f"release-{end.version}").strip() == remote_git(
            project, "rev-parse", f"{end.tag}^{{commit}}")
        assert "Nothing to backport" in cli("git.backport-check", check=True).stdout
        project.git("checkout", "-q", "main")
    if c.changelog_format == "none":  # a second release needs only a commit: the plan's is made
        readme = project.path / "README.md"
        readme.write_text(readme.read_text(encoding="utf-8") + "\nMore.\n", encoding="utf-8")
        project.git("commit", "-q", "-am", "README: more")
        project.git("push", "-q", "origin", "main")
        second = cli("release", "--yes", "--part", "patch", "--date", DATE)
        assert second.returncode == 0, second.stdout + second.stderr
        tagged = remote_git(project, "rev-parse", f"{plan['tag']}^{{commit}}")
        assert tagged == remote_git(project, "rev-parse", "refs/heads/main")
        from releasekit.adapters import pypi

        built = [p for p in (project.path / "dist").iterdir() if pypi.built_version(p) == plan["version"]]
        assert len(built) == 2 and {p.name for p in built} <= {p.name for p in Path(index_server.dir).iterdir()}
        assert "README: more" in cli("changelog.show", "--version", plan["version"], check=True).stdout
