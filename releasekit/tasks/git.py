"""git: the branch-and-tag dance of the rite, each step a task of its own.

Preconditions are invoke ``pre`` tasks (``require_main``, ``require_release_branch``),
so a step run out of order stops with an error naming the step to run first.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from invoke import Collection

from releasekit.core import ui
from releasekit.core.errors import GitError, PreconditionFailed
from releasekit.tasks.base import YES_HELP, agree, task
from releasekit.tasks.context import git_for, load_project

if TYPE_CHECKING:
    pass

# --- plain functions ---------------------------------------------------------------------------



# --- precondition tasks (pre=...) ------------------------------------------------------------------


@task
def require_main(c):
    """Precondition: on the main branch."""
    from releasekit.operations.repository import current_branch_or_none, detect_main_branch

    project = load_project(c)
    main = detect_main_branch(project, git_for(c, project))
    branch = current_branch_or_none(git_for(c, project))
    if branch is None or branch != main:
        raise PreconditionFailed(f"this step runs on '{main}', but you are on '{branch}'",
                                 "run `releasekit git.main-branch-switch` first")


@task
def require_release_branch(c):
    """Precondition: on a release branch (release-X.Y.Z)."""
    from releasekit.operations.repository import current_branch_or_none, version_of_release_branch

    project = load_project(c)
    branch = current_branch_or_none(git_for(c, project))
    if not branch or version_of_release_branch(project, branch) is None:
        raise PreconditionFailed(
            f"this step runs on a release branch ({project.settings['release_branch'] or 'release-{version}'}), "
            f"but you are on '{branch}'",
            "run `releasekit git.release-branch-create` (or `git.release-branch-switch`) first",
        )


# --- tasks -----------------------------------------------------------------------------------------------


@task(name="sanity-check")
def sanity_check(c):
    """Check everything a release needs of the repository; report every problem at once."""
    from releasekit.core import versioning
    from releasekit.operations.repository import detect_main_branch, raise_if, sanity_problems

    project = load_project(c)
    git = git_for(c, project)
    from releasekit.operations.version_edits import current_version

    main = detect_main_branch(project, git)
    version = current_version(project, git)
    release = str(versioning.release_of(versioning.parse(version)))
    raise_if(sanity_problems(project, git, main=main, release=release))
    ui.info("sanity check passed")


@task(name="clean-check")
def clean_check(c):
    """Check that the working tree is clean (untracked files included)."""
    project = load_project(c)
    dirty = git_for(c, project).status()
    if dirty:
        raise GitError(f"the working tree is not clean: {', '.join(line[3:] for line in dirty[:5])}",
                       "commit, stash or remove these files")
    ui.info("working tree clean")


@task(help={"dry_run": "print the commands, change nothing"})
def pull(c, dry_run=False):
    """Fetch and fast-forward the current branch from the remote."""
    project = load_project(c)
    git = git_for(c, project, dry_run)
    git._run("pull", "--ff-only", project.settings["remote"], git.current_branch())


@task(name="main-branch-switch", aliases=["master-branch-switch"], help={"dry_run": "print, change nothing"})
def main_branch_switch(c, dry_run=False):
    """Check out the main branch."""
    from releasekit.operations.repository import detect_main_branch

    project = load_project(c)
    git = git_for(c, project, dry_run)
    git.checkout(detect_main_branch(project, git))


@task(name="release-branch-create", help={"from_tag": "make the branch from this release's tag (a version or "
                                                      "a tag name), e.g. for a hotfix when releases are tags on main",
                                          "dry_run": "print, change nothing"})
def release_branch_create(c, from_tag=None, dry_run=False):
    """Create release-X.Y.Z from main (after `version.bump`), carrying the bumped files; or, with
    --from-tag, from a release's tag."""
    from releasekit.operations.repository import create_release_branch

    project = load_project(c)
    if from_tag is None:
        require_main(c)
    branch = create_release_branch(project, git_for(c, project, dry_run), from_tag)
    ui.info(f"created {branch}" + (f" from the tag of {from_tag}" if from_tag else ""))


@task(name="release-branch-switch", help={"version": "release version (default: from the version file)",
                                          "dry_run": "print, change nothing"})
def release_branch_switch(c, version=None, dry_run=False):
    """Check out the release branch of a version."""
    from releasekit.operations.repository import release_branch_for

    project = load_project(c)
    git = git_for(c, project, dry_run)
    git.checkout(release_branch_for(project, git_for(c, project), version))


@task(name="prev-branch-switch", help={"dry_run": "print, change nothing"})
def prev_branch_switch(c, dry_run=False):
    """Check out the previous branch (git checkout -)."""
    project = load_project(c)
    git_for(c, project, dry_run).checkout("-")


@task(name="commit-version", pre=[require_release_branch], help={"dry_run": "print, change nothing"})
def commit_version(c, dry_run=False):
    """Commit the version file and the changelog on the release branch."""
    from releasekit.operations.repository import commit_release_files

    project = load_project(c)
    git = git_for(c, project, dry_run)
    from releasekit.operations.version_edits import current_version

    if not commit_release_files(project, git, f"starting release branch: {current_version(project, git)}"):
        ui.info("nothing to commit")


@task(name="commit-dev-cycle-push", pre=[require_main], help={"dry_run": "print, change nothing", "yes": YES_HELP})
def commit_dev_cycle_push(c, dry_run=False, yes=False):
    """Commit the new dev cycle on main, integrate what landed on the remote meanwhile, push."""
    from releasekit.operations.repository import commit_dev_cycle_and_push

    project = load_project(c)
    commit_dev_cycle_and_push(project, git_for(c, project, dry_run), yes=yes)


@task(name="commit-release-push", pre=[require_release_branch], help={"dry_run": "print, change nothing", "yes": YES_HELP})
def commit_release_push(c, dry_run=False, yes=False):
    """Commit any changelog edits on the release branch and push the branch."""
    from releasekit.operations.changelog_edits import changelog_files
    from releasekit.operations.version_edits import current_version

    project = load_project(c)
    git = git_for(c, project, dry_run)
    version = current_version(project, git)
    agree(f"Push {git.current_branch()} to {project.settings['remote']}?", yes=yes, dry_run=dry_run, action="push")
    files = changelog_files(project, git)
    if files:
        git.commit(files, f"version {version} release")
    git.push(project.settings["remote"], git.current_branch(), set_upstream=True)


@task(name="tag-version-push", pre=[require_release_branch], help={"dry_run": "print, change nothing", "yes": YES_HELP})
def tag_version_push(c, dry_run=False, yes=False):
    """Tag the release commit (annotated), push the tag by name, check it on the remote."""
    from releasekit.operations.repository import tag_and_push
    from releasekit.operations.version_edits import current_version, tag_name, version_conventions

    project = load_project(c)
    version = current_version(project, git_for(c, project))
    agree(f"Tag {tag_name(version_conventions(project, git_for(c, project)), version)} and push it to "
          f"{project.settings['remote']}?", yes=yes, dry_run=dry_run, action="push")
    tag = tag_and_push(project, git_for(c, project, dry_run), version)
    ui.info(f"tag {tag} is on {project.settings['remote']}")


@task(name="backport-check", help={"version": "release version (default: current release branch)"})
def backport_check(c, version=None):
    """List commits on the release branch that may need backporting to main."""
    from releasekit.operations.repository import (
        backport_candidates,
        detect_main_branch,
        release_branch_for,
        report_backport,
    )

    project = load_project(c)
    git = git_for(c, project)
    branch = release_branch_for(project, git_for(c, project), version)
    report_backport(backport_candidates(project, git, detect_main_branch(project, git), branch))


@task(pre=[require_main], help={"version": "release version", "commit": "commits to pick (default: all reported)",
                                "dry_run": "print, change nothing"}, iterable=["commit"])
def backport(c, version=None, commit=None, dry_run=False):
    """Cherry-pick release-branch fixes onto main; stops cleanly on a conflict."""
    from releasekit.operations.repository import (
        backport_candidates,
        detect_main_branch,
        release_branch_for,
    )

    project = load_project(c)
    git = git_for(c, project, dry_run)
    main = detect_main_branch(project, git)
    commits = list(commit or []) or [line.split()[0] for line in
                                     backport_candidates(project, git, main, release_branch_for(project, git_for(c, project), version))]
    if not commits:
        ui.info("Nothing to backport")
        return
    git.cherry_pick(commits)
    ui.info(f"backported {len(commits)} commit(s) onto {main}; review, then push")


ns = Collection("git")
for t in (sanity_check, clean_check, pull, main_branch_switch, release_branch_create, release_branch_switch,
          prev_branch_switch, commit_version, commit_dev_cycle_push, commit_release_push, tag_version_push,
          backport_check, backport):
    ns.add_task(t)
