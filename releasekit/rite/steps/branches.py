"""The branch steps: the release branch, the next dev cycle on main, the release branch pushed."""

from __future__ import annotations

from releasekit.core import versioning
from releasekit.core.errors import PreconditionFailed
from releasekit.operations import changelog_edits, repository
from releasekit.operations.version_edits import write_release_version
from releasekit.rite.model import Rite, Step, commands_from
from releasekit.rite.steps import facts


def release_branch(rite: Rite) -> None:
    r = rite.release
    assert r.branch is not None  # the step is in the plan only with a release branch
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
    assert r.branch is not None  # the step is in the plan only with a release branch
    return (rite.git.branch_exists(r.branch) and facts.version_is(rite, r.branch, r.version)
            and facts.has_release_section(rite, r.branch, r.version))


def main_after(rite: Rite) -> str:
    """Main's version after the release: the next .dev0 (dev policy), or the release (release policy)."""
    return rite.release.next_dev or rite.release.version


def cycle_label(rite: Rite) -> str:
    """The version the changelog's next section is opened for: the next .dev0 (dev policy); under the
    release policy, whose next version is not known yet, the next patch's .dev0."""
    r = rite.release
    return r.next_dev or str(versioning.bump_dev(r.version, "patch"))


def dev_cycle(rite: Rite) -> None:
    """On main: the version after the release (the next .dev0; under the release policy the release
    itself, no dev version), the release's section dated and the next one opened; integrate; push."""
    r, p = rite.release, rite.project
    facts.checkout(rite, r.main)
    if not facts.version_is(rite, None, main_after(rite)):
        write_release_version(p, rite.shell, versioning.spelled_like(main_after(rite), r.spelling or ""), git=rite.git)
    changelog_edits.date_release_and_open_next(p, rite.shell, r.version, r.date, cycle_label(rite))
    repository.commit_release_files(p, rite.git, dev_cycle_subject(r))
    repository.push_main_with_integration(p, rite.git, r.main)


def dev_cycle_subject(r) -> str:
    return f"new dev cycle: {r.next_dev}" if r.next_dev else f"open the next cycle after {r.version}"


def dev_cycle_done(rite: Rite) -> bool:
    r = rite.release
    rite.git.fetch(r.remote)
    upstream = f"{r.remote}/{r.main}"
    if facts.conventions(rite).source.paths:
        remote_version = facts.version_at(rite, upstream)
        if remote_version is None or versioning.parse(remote_version) < versioning.parse(main_after(rite)):
            return False
    if not facts.has_release_section(rite, upstream, r.version):
        return False
    # the release policy without a release branch: the release commit alone is no proof the next cycle opened
    return r.next_dev is not None or r.branch is not None or facts.next_cycle_open(rite, upstream)


def release_commit(rite: Rite) -> None:
    """No release branch: the release's files committed on main and pushed (the tag goes on this commit)."""
    r, p = rite.release, rite.project
    facts.checkout(rite, r.main)
    repository.commit_release_files(p, rite.git, f"release {r.version}")
    repository.push_main_with_integration(p, rite.git, r.main)
    if rite.journal is not None and not rite.dry_run:
        rite.journal.remember("release_commit", rite.git.rev("HEAD"))


def publish_branch(rite: Rite) -> None:
    r = rite.release
    assert r.branch is not None
    facts.checkout(rite, r.branch)
    files = changelog_edits.changelog_files(rite.project, rite.git)
    if files:  # any changelog edits made on the branch since it was cut
        rite.git.commit(files, f"version {r.version} release")
    rite.git.push(r.remote, r.branch, set_upstream=True)


def publish_branch_done(rite: Rite) -> bool:
    r = rite.release
    if r.branch is None:
        return False
    local = rite.git.rev(f"refs/heads/{r.branch}")
    return local is not None and rite.git.remote_branch_head(r.remote, r.branch) == local


RELEASE_COMMIT = Step(
    "release-commit", "commit the release on main and push it", "git.commit-release-push", release_commit,
    commands_from("git checkout {r.main}", "git commit -m 'release {r.version}' -- (the version files and the changelog)",
                  "git fetch {r.remote}; git rebase {r.remote}/{r.main} if it moved",
                  "git push {r.remote} HEAD:refs/heads/{r.main}"),
    facts.release_commit_pushed, changes_outside=True)
RELEASE_BRANCH = Step(
    "release-branch", "create the release branch and commit both files", "git.release-branch-create",
    release_branch, lambda rite: [f"git checkout -b {rite.release.branch}",
                                  f"git commit -m 'starting release branch: {rite.release.version}' -- "
                                  + " ".join(repository.release_files(rite.project, rite.git))],
    release_branch_done)
DEV_CYCLE = Step(
    "dev-cycle", "open the next dev cycle on main and push it", "git.commit-dev-cycle-push", dev_cycle,
    lambda rite: [f"git checkout {rite.release.main}",
                  *(facts.version_commands(rite, rite.release.from_version, main_after(rite))
                    if rite.release.next_dev or rite.release.branch else []),  # no release branch: main has it
                  changelog_edits.changelog_format(rite.project).describe_open(rite.release.version, cycle_label(rite)),
                  f"git commit -m '{dev_cycle_subject(rite.release)}'",
                  *commands_from("git fetch {r.remote}; git rebase {r.remote}/{r.main} if it moved",
                                 "git push {r.remote} HEAD:refs/heads/{r.main}")(rite)],
    dev_cycle_done, changes_outside=True)
PUSH_RELEASE_BRANCH = Step(
    "push-release-branch", "push the release branch", "git.commit-release-push", publish_branch,
    commands_from("git checkout {r.branch}", "git push --set-upstream {r.remote} {r.branch}"),
    publish_branch_done, changes_outside=True)
