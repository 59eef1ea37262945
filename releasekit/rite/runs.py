"""The two rites as plain functions, `release` and `release-hotfix` with their options: a rollback,
or the ordered steps for a release made from main or a hotfix made on a release branch."""

from __future__ import annotations

from releasekit.adapters.git import Git
from releasekit.adapters.shell import Shell
from releasekit.core.errors import PreconditionFailed
from releasekit.core.project import Project
from releasekit.operations.repository import (
    current_branch_or_none,
    detect_main_branch,
    version_of_release_branch,
)
from releasekit.rite import executor, order, rollback
from releasekit.rite.release import new_hotfix, new_release


def run_release(project: Project, sh: Shell, git: Git, *, part: str | None = "patch", plan: bool = False,
                as_json: bool = False, yes: bool = False, restart: bool = False, force: bool = False,
                hosts: list[str] | None = None, date: str | None = None, roll_back: bool = False,
                stash: bool = False, pre: str | None = None) -> int:
    """A release from main (or its rollback); the exit code. ``pre`` (a, b, rc) makes a pre-release;
    ``part`` None means none was given (patch, and after a pre-release main opens the next one)."""
    given_part = part
    part = part or "patch"
    if roll_back:
        return rollback.run(project, git, kind="release", yes=yes, stash=stash, force=force)

    def make():
        main, branch = detect_main_branch(project, git), current_branch_or_none(git)  # reads run in dry runs too
        executor.refuse_release_branch(branch, main, version_of_release_branch(project, branch) if branch else None)
        return new_release(project, git, main, part, date, pre=pre, next_part=given_part if pre else None)

    return executor.run(project, sh, git, kind="release", steps=lambda r: order.release_steps(project, git, r), make_release=make,
                        plan_only=plan, as_json=as_json, yes=yes, restart=restart, force=force, hosts=hosts,
                        part=part, describe=order.consent_summary)


def run_hotfix(project: Project, sh: Shell, git: Git, *, plan: bool = False, as_json: bool = False,
               yes: bool = False, restart: bool = False, force: bool = False, hosts: list[str] | None = None,
               date: str | None = None, notes: list[str] | None = None, roll_back: bool = False,
               stash: bool = False) -> int:
    """A hotfix on the current release branch (or its rollback); the exit code."""
    if roll_back:
        return rollback.run(project, git, kind="hotfix", yes=yes, stash=stash, force=force)

    def make():
        branch = git.current_branch()
        if version_of_release_branch(project, branch) is None:
            raise PreconditionFailed(f"a hotfix is made on a release branch, not on '{branch}'",
                                     "run `releasekit git.release-branch-switch --version X.Y.Z` first")
        return new_hotfix(project, git, branch, detect_main_branch(project, git), date, notes)

    return executor.run(project, sh, git, kind="hotfix", steps=lambda r: order.hotfix_steps(project, git, r), make_release=make,
                        plan_only=plan, as_json=as_json, yes=yes, restart=restart, force=force, hosts=hosts,
                        describe=order.consent_summary)
