"""Preflight and tests: everything checked before anything changes."""

from __future__ import annotations

import importlib.util

from releasekit.operations import changelog_edits, forge_releases, repository
from releasekit.operations.artifact_checks import deps_index_problems
from releasekit.operations.conda_packages import conda_enabled, conda_preflight
from releasekit.operations.published import hosts_preflight
from releasekit.operations.publishing import pypi_preflight
from releasekit.rite.model import Rite, Step, commands_from
from releasekit.rite.steps.hotfix import hotfix_commit_done
from releasekit.rite.steps.prepare import prepare_done


def preflight(rite: Rite) -> None:
    """Every reason not to start, reported at once: the repository, tools, credentials, the index.
    A release starts on main at a dev version; a hotfix on its release branch at a release version."""
    r, p = rite.release, rite.project
    if r.kind == "release":
        problems = repository.sanity_problems(p, rite.git, main=r.main, release=r.version)
    else:
        assert r.branch is not None  # a hotfix is made on its branch
        problems = repository.sanity_problems(p, rite.git, main=r.main, release=r.version, on_branch=r.branch,
                                            expect="release", unpushed_ok=True)
    problems += preflight_problems(rite)
    repository.raise_if(problems, f"fix these, then run `{'release' if r.kind == 'release' else 'release-hotfix'}` again")


def before_changes(rite: Rite) -> bool:
    """The truth of the steps before the first change (tests, preview): done once that change exists.
    Until then they run again on resume, as the code they vouch for may have changed since."""
    r = rite.release
    return hotfix_commit_done(rite) if r.kind == "hotfix" else prepare_done(rite)


def preflight_done(rite: Rite) -> bool:
    """Preflight holds only before anything changed, so on resume it is re-run until the rite's first
    change exists: the version bumped on main, or, for a hotfix, the hotfix commit on the remote.
    A crash inside prepare leaves only its two files changed; that counts only when this release's
    journal says preflight passed, since a maintainer's own uncommitted edit looks the same."""
    if before_changes(rite):
        return True
    if rite.journal is None or rite.journal.step_status("preflight") != "done":
        return False
    r, p = rite.release, rite.project
    dirty = {line[3:] for line in rite.git.status()}
    home = r.branch if r.kind == "hotfix" else r.main
    own = set(repository.release_files(p, rite.git))
    return bool(dirty) and all(path in own or changelog_edits.is_changelog_file(p, path) for path in dirty) \
        and rite.git.current_branch() == home


def run_tests(rite: Rite) -> None:
    cmd = rite.settings["test_command"]
    if cmd:
        rite.shell.run(cmd, cwd=rite.project.root, hint="the project's tests fail: fix them before releasing")


def preflight_problems(rite) -> list[str]:
    """Tools, credentials, the version's absence from the target index, the verify hosts: every input
    checked before anything changes."""
    problems = []
    for module, why in (("build", "building"), ("twine", "checking and uploading")):
        if importlib.util.find_spec(module) is None:
            problems.append(f"python package '{module}' is missing (needed for {why}): pip install {module}")
    skip = set(rite.settings["skip_steps"])
    ci = rite.settings["publish"] == "ci"
    if "upload" not in skip:  # with publish: ci the workflow uploads: no credentials needed here
        problems += pypi_preflight(rite.project, rite.release.version, credentials=not ci)
    if "forge-release" not in skip:  # the token is needed with publish: ci too, to check the release
        problems += forge_releases.preflight_problems(rite.project, rite.git)
    problems += deps_index_problems(rite.project, rite.release.version)
    if conda_enabled(rite.project) and "build" not in skip:
        problems += conda_preflight(rite.project, uploads_here=not ci)
    if rite.hosts:
        problems += hosts_preflight(rite.project, rite.hosts, reach="verify" not in skip)
    return problems


RELEASE_PREFLIGHT = Step(
    "preflight", "preflight checks", "git.sanity-check", preflight,
    commands_from("git fetch --prune --tags {r.remote}", "git status --porcelain",
                  "git ls-remote --tags {r.remote} refs/tags/{r.tag}"),
    preflight_done, read_only=True)
HOTFIX_PREFLIGHT = Step(
    "preflight", "hotfix preflight checks", "git.sanity-check", preflight,
    commands_from("git fetch --prune --tags {r.remote}", "git status --porcelain"), preflight_done, read_only=True)
TESTS = Step("tests", "run the project's tests", "ci.test", run_tests, commands_from("{s[test_command]}"),
             before_changes, optional=True, read_only=True)
