"""changelog: finalize, dev-cycle, check, show, add — over releasekit.operations.changelog_edits."""

from __future__ import annotations

from typing import TYPE_CHECKING

from invoke import Collection

from releasekit.core import ui
from releasekit.core.errors import ChangelogError
from releasekit.tasks.base import task
from releasekit.tasks.context import git_for, load_project, shell

if TYPE_CHECKING:  # type hints only: importing them here would slow `releasekit --list`
    pass

# --- plain functions -------------------------------------------------------------------------


# --- tasks --------------------------------------------------------------------------------------


@task(help={"date": "release date YYYY-MM-DD (default today)", "dry_run": "show the diff, write nothing"})
def finalize(c, date=None, dry_run=False):
    """Date the Work-In-Progress section for the release; drop its empty subsections."""
    from releasekit.core import changelog, versioning
    from releasekit.operations.changelog_edits import finalize_changelog

    project = load_project(c)
    version = project.version()
    release = str(versioning.release_of(versioning.parse(version)))
    wip = changelog.wip_section(project.changelog_text())
    when = finalize_changelog(project, shell(c, dry_run), version, release, date)
    ui.info(f"{project.changelog_rel}: {wip.version if wip else version} (Work In Progress) => {release} ({when})")


@task(name="dev-cycle", help={"dry_run": "show the diff, write nothing"})
def dev_cycle(c, dry_run=False):
    """Open a Work-In-Progress section for the current dev version (dating the released one before it)."""
    from releasekit.operations.changelog_edits import open_cycle_dating_the_last

    project = load_project(c)
    open_cycle_dating_the_last(project, shell(c, dry_run), git_for(c, project))


@task(name="check", help={"release": "the file is on a release branch: no WIP section needed"})
def check_(c, release=False):
    """Report every structural problem of the changelog, with line numbers."""
    from releasekit.operations.changelog_edits import changelog_problems
    from releasekit.operations.repository import current_branch_or_none, main_branch_name

    project = load_project(c)
    branch = current_branch_or_none(git_for(c, project))
    on_main = not release and (branch is None or branch == main_branch_name(project, git_for(c, project)))
    problems = changelog_problems(project, require_wip=on_main)
    if problems:
        for p in problems:
            ui.info(p)
        raise ChangelogError(f"{project.changelog_rel} has {len(problems)} problem(s) (listed above)",
                             "fix them by hand; `changelog.dev-cycle` opens a missing WIP section")
    ui.info(f"{project.changelog_rel} ok")


@task(help={"version": "the release to show (default the newest)"})
def show(c, version=None):
    """Print one release's section: for release notes and announcements."""
    from releasekit.core import changelog

    print(changelog.show(load_project(c).changelog_text(), version))


@task(help={"text": "the entry", "section": "subsection of the WIP section (default: the first of changelog_template)",
            "dry_run": "show the diff, write nothing"})
def add(c, text, section=None, dry_run=False):
    """Add an entry to the Work-In-Progress section."""
    from releasekit.core import changelog

    project = load_project(c)
    template = tuple(project.settings["changelog_template"])
    section = section or (template[0] if template else "New")
    new = changelog.add_entry(project.changelog_text(), text, section, template)
    shell(c, dry_run).write_file(project.changelog_path, new, label=project.changelog_rel)
    ui.info(f"{project.changelog_rel}: added to {section}: {text}")


ns = Collection("changelog")
for t in (finalize, dev_cycle, check_, show, add):
    ns.add_task(t)
