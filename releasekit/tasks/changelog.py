"""changelog: finalize, dev-cycle, check, show, add — over releasekit.operations.changelog_edits."""

from __future__ import annotations

from invoke import Collection

from releasekit.core import ui
from releasekit.core.errors import ChangelogError
from releasekit.tasks.base import task
from releasekit.tasks.context import git_for, load_project, shell

# --- plain functions -------------------------------------------------------------------------


# --- tasks --------------------------------------------------------------------------------------


@task(help={"date": "release date YYYY-MM-DD (default today)", "dry_run": "show the diff, write nothing"})
def finalize(c, date=None, dry_run=False):
    """Record the pending changes as the release (WIP section dated, Unreleased released, towncrier built)."""
    from releasekit.core import versioning
    from releasekit.operations.changelog_edits import finalize_changelog
    from releasekit.operations.version_edits import current_version

    project = load_project(c)
    version = current_version(project, git_for(c, project))
    release = str(versioning.release_of(versioning.parse(version)))
    finalize_changelog(project, shell(c, dry_run), release, date, from_version=version)


@task(name="dev-cycle", help={"dry_run": "show the diff, write nothing"})
def dev_cycle(c, dry_run=False):
    """Open the next cycle for the current version (dating the released one before it)."""
    from releasekit.operations.changelog_edits import open_cycle_dating_the_last

    project = load_project(c)
    open_cycle_dating_the_last(project, shell(c, dry_run), git_for(c, project))


@task(name="check", help={"release": "the file is on a release branch: no pending section needed"})
def check_(c, release=False):
    """Report every structural problem of the changelog, with line numbers (and its tool's own check)."""
    from releasekit.operations.changelog_edits import changelog_problems
    from releasekit.operations.repository import current_branch_or_none, main_branch_name

    project = load_project(c)
    git = git_for(c, project)
    branch = current_branch_or_none(git)
    main = main_branch_name(project, git) if not release and branch is not None else None
    on_main = not release and (branch is None or branch == main)
    if main is None and git.is_repo() and project.changelog_format.check_commands("main"):
        main = main_branch_name(project, git)  # the tool's own check compares with it
    problems = changelog_problems(project, release_branch=not on_main, main=main, sh=shell(c))
    if problems:
        for p in problems:
            ui.info(p)
        raise ChangelogError(f"{project.changelog_rel} has {len(problems)} problem(s) (listed above)",
                             "fix them by hand; `changelog.dev-cycle` opens a missing pending section")
    ui.info(f"{project.changelog_rel} ok" if project.changelog_format.path else "no changelog (changelog_format: none) ok")


@task(help={"version": "the release to show (default the newest)"})
def show(c, version=None):
    """Print one release's notes: for release notes and announcements."""
    from releasekit.operations.changelog_edits import release_notes

    project = load_project(c)
    print(release_notes(project, git_for(c, project), version))


@task(help={"text": "the entry", "section": "subsection of the pending cycle (default: the format's first kind)",
            "dry_run": "show the diff, write nothing"})
def add(c, text, section=None, dry_run=False):
    """Add an entry to the pending cycle (a news fragment for towncrier)."""
    from releasekit.operations.changelog_edits import add_entry

    add_entry(load_project(c), shell(c, dry_run), text, section)


ns = Collection("changelog")
for t in (finalize, dev_cycle, check_, show, add):
    ns.add_task(t)
