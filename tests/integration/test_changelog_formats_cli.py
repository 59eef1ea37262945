"""Changelog formats end to end through the CLI: the changelog tasks and the rite on real git with a
bare remote, for Keep a Changelog, towncrier (real towncrier builds and deletes the fragments), Pallets'
shape (rst, and pallets in Markdown) and no changelog at all; and a full `release --yes` of a Keep a
Changelog project built with hatchling from the session's local index and uploaded to its pypiserver."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from releasekit.testing.sample import SampleProject, make_sample_project
from releasekit.testing.styles import HATCH_EARLIER, make_hatchling_keepachangelog
from tests.conftest import Cli, configure

DATE = "2026-12-01"
GIT_ONLY = {"skip_steps": ["build", "check", "upload", "verify"], "test_command": "true"}

KAC = """# Changelog

All notable changes to this project will be documented in this file.

The format is based on [Keep a Changelog](https://keepachangelog.com/en/1.1.0/).

## [Unreleased]

### Fixed

- A crash on empty input.

## [1.1.0] - 2026-02-10

### Added

- `greet()`.

[Unreleased]: https://github.com/example/kacproj/compare/v1.1.0...HEAD
[1.1.0]: https://github.com/example/kacproj/compare/v1.0.0...v1.1.0
"""
RST = """Version 0.1.0
-------------

Unreleased

-   First release.
"""
TOWNCRIER = """
[tool.towncrier]
directory = "changelog.d"
filename = "NEWS.md"
"""
NEWS = "# News\n\n<!-- towncrier release notes start -->\n"


def remote_git(project: SampleProject, *args: str) -> str:
    return subprocess.run(["git", "--git-dir", str(project.remote), *args], text=True, capture_output=True,
                          check=True).stdout


def ok(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    return result.stdout


def project_with(root: Path, name: str, version: str, files: dict[str, str], *, remove_changes: bool = True,
                 pyproject: str = "", **settings) -> SampleProject:
    """The sample project with its CHANGES.md replaced by ``files`` (committed and pushed)."""
    project = make_sample_project(root, name, version)
    if remove_changes:
        project.git("rm", "-q", "CHANGES.md")
    for rel, text in files.items():
        (project.path / rel).parent.mkdir(parents=True, exist_ok=True)
        (project.path / rel).write_text(text, encoding="utf-8")
    if pyproject:
        path = project.path / "pyproject.toml"
        path.write_text(path.read_text(encoding="utf-8") + pyproject, encoding="utf-8")
    project.git("add", "-A")
    project.git("commit", "-q", "-m", "the project's own changelog")
    project.git("push", "-q", "origin", "main")
    configure(project, **{**GIT_ONLY, **settings})
    return project


# --- Keep a Changelog -----------------------------------------------------------------------------------


def test_keepachangelog_tasks_finalize_open_unreleased_and_carry_the_compare_links(tmp_path, cli_env):
    project = project_with(tmp_path, "kacproj", "1.2.0.dev0", {"CHANGELOG.md": KAC}, tag="v{version}")
    cli = Cli(project.path, cli_env)
    assert "CHANGELOG.md ok" in ok(cli("changelog.check"))
    ok(cli("changelog.add", "`greet()` takes a `name`.", "--section", "added"))
    text = (project.path / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "## [Unreleased]\n\n### Added\n\n- `greet()` takes a `name`.\n\n### Fixed\n\n- A crash on empty input.\n" in text
    bad = cli("changelog.add", "x", "--section", "New")
    assert bad.returncode != 0 and "unknown changelog subsection 'New'" in bad.stderr and "Added" in bad.stderr

    out = ok(cli("version.bump", "changelog.finalize", "--date", DATE))
    assert f"CHANGELOG.md: [Unreleased] => [1.2.0] - {DATE}" in out
    text = (project.path / "CHANGELOG.md").read_text(encoding="utf-8")
    assert f"## [Unreleased]\n\n## [1.2.0] - {DATE}\n\n### Added\n\n- `greet()` takes a `name`.\n" in text
    assert text.endswith("[Unreleased]: https://github.com/example/kacproj/compare/v1.2.0...HEAD\n"
                         "[1.2.0]: https://github.com/example/kacproj/compare/v1.1.0...v1.2.0\n"
                         "[1.1.0]: https://github.com/example/kacproj/compare/v1.0.0...v1.1.0\n")
    assert "## [1.1.0] - 2026-02-10\n\n### Added\n\n- `greet()`.\n\n" in text  # the earlier release as it was
    shown = ok(cli("changelog.show", "--version", "1.2.0"))
    assert shown.rstrip() == (f"## [1.2.0] - {DATE}\n\n### Added\n\n- `greet()` takes a `name`.\n\n"
                              "### Fixed\n\n- A crash on empty input.")
    # The next cycle is open already (finalize opened [Unreleased]): dev-cycle changes nothing.
    out = ok(cli("version.bump-dev", "changelog.dev-cycle", "changelog.check"))
    assert "the cycle of 1.2.1.dev0 is open already" in out and "CHANGELOG.md ok" in out
    assert (project.path / "CHANGELOG.md").read_text(encoding="utf-8") == text


def test_a_release_of_a_keepachangelog_project_dates_it_on_the_branch_and_main(tmp_path, cli_env):
    project = project_with(tmp_path, "kacrite", "1.2.0.dev0", {"CHANGELOG.md": KAC.replace("kacproj", "kacrite")},
                           tag="v{version}")
    cli = Cli(project.path, cli_env)
    ok(cli("release", "--yes", "--date", DATE))
    for ref in ("release-1.2.0", "main"):
        text = remote_git(project, "show", f"{ref}:CHANGELOG.md")
        assert f"## [Unreleased]\n\n## [1.2.0] - {DATE}\n\n### Fixed\n\n- A crash on empty input.\n" in text, ref
        assert "[1.2.0]: https://github.com/example/kacrite/compare/v1.1.0...v1.2.0\n" in text, ref
    assert remote_git(project, "rev-parse", "refs/tags/v1.2.0^{commit}") == remote_git(project, "rev-parse",
                                                                                       "release-1.2.0")
    assert "__version__ = '1.2.1.dev0'" in remote_git(project, "show", "main:kacrite/version.py")
    # A hotfix on the release branch: its empty [Unreleased] gets the --note as the post-release's notes.
    project.git("checkout", "-q", "release-1.2.0")
    project.git("pull", "-q", "origin", "release-1.2.0")
    ok(cli("release-hotfix", "--yes", "--note", "The crash on start is fixed", "--date", "2026-12-05"))
    text = remote_git(project, "show", "release-1.2.0:CHANGELOG.md")
    assert "## [1.2.0.post1] - 2026-12-05\n\n### Fixed\n\n- The crash on start is fixed\n" in text
    assert text.index("## [Unreleased]") < text.index("## [1.2.0.post1]") < text.index("## [1.2.0] -")


# --- towncrier -------------------------------------------------------------------------------------------------


def test_towncrier_fragments_are_checked_built_at_release_and_deleted_in_the_release_commit(tmp_path, cli_env):
    project = project_with(tmp_path, "crierproj", "0.4.0.dev0",
                           {"NEWS.md": NEWS, "changelog.d/12.feature.md": "`greet()` takes a `name`.\n"},
                           pyproject=TOWNCRIER)
    cli = Cli(project.path, cli_env)
    assert "NEWS.md ok" in ok(cli("changelog.check"))
    out = ok(cli("changelog.add", "The README example runs.", "--section", "fixed"))
    added = [p.name for p in (project.path / "changelog.d").iterdir() if p.name.endswith(".bugfix.md")]
    assert len(added) == 1 and f"changelog.d/{added[0]}: added to fixed" in out
    project.git("add", "-A")
    project.git("commit", "-q", "-m", "a fragment for the README fix")
    project.git("push", "-q", "origin", "main")

    ok(cli("release", "--yes", "--date", DATE))
    for ref in ("release-0.4.0", "main"):
        news = remote_git(project, "show", f"{ref}:NEWS.md")
        assert f"# 0.4.0 ({DATE})\n\n## Features\n\n- `greet()` takes a `name`. (#12)" in news, ref
        assert "`greet()` takes a `name`." in news and "The README example runs." in news, ref
        tree = remote_git(project, "ls-tree", "-r", "--name-only", ref).split()
        assert not [f for f in tree if f.startswith("changelog.d/")], (ref, tree)  # built, so gone
    release_commit = remote_git(project, "show", "--name-status", "--format=%s", "release-0.4.0").split("\n")
    assert release_commit[0] == "starting release branch: 0.4.0"
    assert "D\tchangelog.d/12.feature.md" in release_commit and "M\tNEWS.md" in release_commit
    assert project.git("status", "--porcelain").strip() == ""
    shown = ok(cli("changelog.show", "--version", "0.4.0"))
    assert f"# 0.4.0 ({DATE})" in shown and "`greet()` takes a `name`." in shown
    # On main after the release no fragments are left: the check says a release would have no notes.
    check = cli("changelog.check")
    assert check.returncode != 0 and "no news fragments in changelog.d/" in check.stdout


def test_towncrier_check_runs_towncrier_itself_on_a_branch(tmp_path, cli_env):
    """`changelog.check` on a topic branch is `towncrier check --compare-with main`: a change without a
    fragment fails it, in towncrier's own words."""
    project = project_with(tmp_path, "crierchk", "0.4.0.dev0",
                           {"NEWS.md": NEWS, "changelog.d/1.feature.md": "First.\n"}, pyproject=TOWNCRIER)
    cli = Cli(project.path, cli_env)
    project.git("checkout", "-q", "-b", "topic")
    (project.path / "crierchk" / "more.py").write_text("X = 1\n")
    project.git("add", "-A")
    project.git("commit", "-q", "-m", "more, without a fragment")
    result = cli("changelog.check", "--release")
    assert result.returncode != 0 and "towncrier check --compare-with main" in result.stdout
    assert "Traceback" not in result.stderr


# --- no changelog ------------------------------------------------------------------------------------


def test_no_changelog_shows_the_commit_subjects_since_the_previous_tag(tmp_path, cli_env):
    project = project_with(tmp_path, "plainproj", "0.2.0.dev0", {})
    cli = Cli(project.path, cli_env)
    project.git("tag", "-a", "0.1.0", "-m", "0.1.0", "HEAD~1")
    for subject in ("Add greet()", "Fix the README example"):
        (project.path / "plainproj" / "extra.py").write_text(f"# {subject}\n")
        project.git("add", "-A")
        project.git("commit", "-q", "-m", subject)
    project.git("push", "-q", "origin", "main", "--tags")
    assert ok(cli("changelog.show")).splitlines() == ["- configure releasekit", "- Add greet()",
                                                      "- Fix the README example"]
    add = cli("changelog.add", "x")
    assert add.returncode != 0 and "keeps no changelog" in add.stderr
    ok(cli("release", "--yes", "--date", DATE))
    # 0.1.0 was tagged on main without a release branch: so is 0.2.0 (the project's habit, detected)
    assert "__version__ = '0.2.0'" in remote_git(project, "show", "0.2.0:plainproj/version.py")
    assert "release-0.2.0" not in remote_git(project, "branch")
    assert "__version__ = '0.2.1.dev0'" in remote_git(project, "show", "main:plainproj/version.py")
    # The release's notes: its own commits, not releasekit's bookkeeping ones.
    assert ok(cli("changelog.show", "--version", "0.2.0")).splitlines()[-2:] == ["- Add greet()",
                                                                                "- Fix the README example"]


# --- reStructuredText -----------------------------------------------------------------------------------


# The same shape in Markdown, as pallets/click's CHANGES.md has it (BSD-3-Clause): `## Version X`, `- ` entries.
PALLETS_MD = "## Version 0.1.0\n\nUnreleased\n\n- First release.\n"


@pytest.mark.parametrize("name, text, title", [
    ("CHANGES.rst", RST, "Version {v}\n-------------\n"),
    ("CHANGES.md", PALLETS_MD, "## Version {v}\n"),
], ids=["rst", "pallets-markdown"])
def test_an_rst_changelog_is_released_in_its_own_shape(tmp_path, cli_env, name, text, title):
    project = project_with(tmp_path, "rstproj", "0.1.0.dev0", {name: text})
    cli = Cli(project.path, cli_env)
    assert f"{name} ok" in ok(cli("changelog.check"))
    ok(cli("changelog.add", "``greet()`` takes a name."))
    project.git("commit", "-q", "-am", "an entry")
    project.git("push", "-q", "origin", "main")
    ok(cli("release", "--yes", "--date", DATE))
    bullet = "-   " if name.endswith(".rst") else "- "
    branch = remote_git(project, "show", f"release-0.1.0:{name}")
    assert branch == (f"{title.format(v='0.1.0')}\nReleased {DATE}\n\n{bullet}First release.\n"
                      f"{bullet}``greet()`` takes a name.\n")
    main = remote_git(project, "show", f"main:{name}")
    assert main == f"{title.format(v='0.1.1')}\nUnreleased\n\n" + branch
    assert ok(cli("changelog.show", "--version", "0.1.0")).rstrip() == branch.rstrip()


# --- a full release of the Keep a Changelog sample style ------------------------------------------------


def test_full_release_of_the_hatchling_keepachangelog_style(tmp_path, cli_env, index_server):
    """The hatchling + Keep a Changelog sample, released with build, check, upload and verify against the
    session's pypiserver. Its own release policy and branch-less tags are not wired yet (issue 11 items
    3 and 5): main is put at 1.2.0.dev0 and the release cut on release-1.2.0, with its `v` tags."""
    project = make_hatchling_keepachangelog(tmp_path, "rk-hatchkeep-" + tmp_path.name[-8:].lower().strip("_-"))
    pyproject = project.path / "pyproject.toml"
    pyproject.write_text(pyproject.read_text(encoding="utf-8").replace('version = "1.1.0"', 'version = "1.2.0.dev0"'),
                         encoding="utf-8")
    project.git("commit", "-q", "-am", "main at the next dev version")
    project.git("push", "-q", "origin", "main")
    configure(project, tag="v{version}", pypi__repository=index_server.url, test_command="true")
    simple = f"{index_server.url.rstrip('/')}/simple/"  # hatchling for the isolated builds: the local index's
    env = {k: v for k, v in cli_env.items() if not k.startswith(("PIP_", "UV_"))}
    env.update(TWINE_USERNAME="tester", TWINE_PASSWORD="s3cret-twine-pass", UV_INDEX_URL=simple, PIP_INDEX_URL=simple)
    out = ok(Cli(project.path, env)("release", "--yes", "--part", "minor", "--date", DATE))
    assert "release 1.2.0 done" in out
    text = remote_git(project, "show", "main:CHANGELOG.md")
    name = project.name
    assert f"## [Unreleased]\n\n## [1.2.0] - {DATE}\n\n### Added\n\n- `{project.package}.greet()` takes a `punctuation`" in text
    assert f"[Unreleased]: https://github.com/example/{name}/compare/v1.2.0...HEAD\n" in text
    assert f"[1.2.0]: https://github.com/example/{name}/compare/v1.1.0...v1.2.0\n" in text
    assert HATCH_EARLIER.format(name=name, package=project.package) in text  # earlier releases byte for byte
    assert 'version = "1.2.0"' in remote_git(project, "show", "v1.2.0:pyproject.toml")
    assert 'version = "1.2.1.dev0"' in remote_git(project, "show", "main:pyproject.toml")
    served = sorted(p.name for p in Path(index_server.dir).rglob(f"{project.package}-1.2.0*"))
    assert len(served) == 2, served
