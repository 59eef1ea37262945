"""The branch steps: the release branch, the next dev cycle on main, the release branch pushed."""

from __future__ import annotations

from releasekit.core import versioning
from releasekit.core.errors import PreconditionFailed
from releasekit.operations import changelog_edits, repository
from releasekit.operations.version_edits import write_version
from releasekit.rite.model import Rite, Step, commands_from
from releasekit.rite.steps import facts


def release_branch(rite: Rite) -> None:
    r = rite.release
    if rite.git.branch_exists(r.branch):
        facts.checkout(rite, r.branch)
    else:
        here = rite.git.current_branch()
        if here != r.main and not rite.shell.dry_run:
            raise PreconditionFailed(f"the release branch is cut from '{r.main}', but you are on '{here}'",
                                     f"run `git checkout {r.main}` (the bumped files come along), then resume")
        rite.git.create_branch(r.branch)
    repository.commit_release_files(rite.project, rite.git, f"starting release branch: {r.version}")


def release_branch_done(rite: Rite) -> bool:
    r = rite.release
    return (rite.git.branch_exists(r.branch) and facts.version_at(rite, r.branch) == r.version
            and facts.has_release_section(rite, r.branch, r.version))


def dev_cycle(rite: Rite) -> None:
    """On main: next .dev0, the release's section dated and a new WIP section; integrate; push."""
    r, p = rite.release, rite.project
    assert r.next_dev is not None  # a release (not a hotfix) always has one
    facts.checkout(rite, r.main)
    if p.version(rite.shell) != r.next_dev:
        write_version(p, rite.shell, r.next_dev)
    changelog_edits.date_release_and_open_next(p, rite.shell, r.version, r.date, r.next_dev)
    repository.commit_release_files(p, rite.git, f"new dev cycle: {r.next_dev}")
    repository.push_main_with_integration(p, rite.git, r.main)


def dev_cycle_done(rite: Rite) -> bool:
    r = rite.release
    rite.git.fetch(r.remote)
    remote_version = facts.version_at(rite, f"{r.remote}/{r.main}")
    return (remote_version is not None and r.next_dev is not None
            and versioning.parse(remote_version) >= versioning.parse(r.next_dev)
            and facts.has_release_section(rite, f"{r.remote}/{r.main}", r.version))


def publish_branch(rite: Rite) -> None:
    r = rite.release
    facts.checkout(rite, r.branch)
    files = changelog_edits.changelog_files(rite.project, rite.git)
    if files:  # any changelog edits made on the branch since it was cut
        rite.git.commit(files, f"version {r.version} release")
    rite.git.push(r.remote, r.branch, set_upstream=True)


def publish_branch_done(rite: Rite) -> bool:
    r = rite.release
    local = rite.git.rev(f"refs/heads/{r.branch}")
    return local is not None and rite.git.remote_branch_head(r.remote, r.branch) == local


RELEASE_BRANCH = Step(
    "release-branch", "create the release branch and commit both files", "git.release-branch-create",
    release_branch, commands_from("git checkout -b {r.branch}",
                                  "git commit -m 'starting release branch: {r.version}' -- {p.version_file_rel} {p.changelog_rel}"),
    release_branch_done)
DEV_CYCLE = Step(
    "dev-cycle", "open the next dev cycle on main and push it", "git.commit-dev-cycle-push", dev_cycle,
    commands_from("git checkout {r.main}", "write {p.version_file_rel}: {r.from_version} => {r.next_dev}",
                  "write {p.changelog_rel}: date {r.version}, open {r.next_dev} (Work In Progress)",
                  "git commit -m 'new dev cycle: {r.next_dev}'", "git fetch {r.remote}; git rebase {r.remote}/{r.main} if it moved",
                  "git push {r.remote} HEAD:refs/heads/{r.main}"),
    dev_cycle_done, changes_outside=True)
PUSH_RELEASE_BRANCH = Step(
    "push-release-branch", "push the release branch", "git.commit-release-push", publish_branch,
    commands_from("git checkout {r.branch}", "git push --set-upstream {r.remote} {r.branch}"),
    publish_branch_done, changes_outside=True)
