"""changelog: finalize, dev-cycle, check, show, add — over the pure engine in releasekit.changelog."""

from __future__ import annotations

from datetime import date as _date
from typing import TYPE_CHECKING

from invoke import Collection

from releasekit.core import changelog, ui
from releasekit.core.errors import ChangelogError
from releasekit.tasks.base import load_project, shell, task

if TYPE_CHECKING:  # type hints only: importing them here would slow `releasekit --list`
    from releasekit.adapters.shell import Shell
    from releasekit.core.project import Project

# --- plain functions -------------------------------------------------------------------------


def finalize_changelog(project: Project, sh: Shell, wip_version: str, release_version: str | None = None,
                       date: str | None = None) -> str:
    """Turn the single WIP section into the dated release section; returns the release header date."""
    when = date or _date.today().isoformat()
    text = project.changelog_text(sh)
    new = changelog.finalize(text, wip_version, when, release_version=release_version)
    sh.write_file(project.changelog_path, new, label=project.changelog_rel)
    return when


def open_dev_cycle(project: Project, sh: Shell, dev_version: str) -> None:
    text = project.changelog_text(sh)
    new = changelog.dev_cycle(text, dev_version, tuple(project.settings["changelog_template"]))
    sh.write_file(project.changelog_path, new, label=project.changelog_rel)


def released_cycle(project: Project, git, wip_version: str, dev_version: str) -> tuple[str, str, str] | None:
    """(version, date, ref) of the release the WIP cycle became, read from that release's branch or
    tag: after `version.bump-dev` on main, the old WIP section is dated as it was on the release."""
    from releasekit.core import versioning
    from releasekit.tasks.git import released_versions

    low, high = versioning.parse(wip_version), versioning.parse(dev_version)
    for parsed, version, ref in released_versions(project, git):  # newest first: 1.0.6 before 1.0.6rc1
        if not low < parsed < high:
            continue
        text = git.show_file(ref, project.changelog_rel)
        dates = [sec.date for sec in changelog.parse(text).sections if sec.version == version and sec.date] if text else []
        if dates:
            return version, dates[0], ref
    return None


def changelog_problems(project: Project, require_wip: bool = True) -> list[str]:
    problems = changelog.check(project.changelog_text(), project.version(), require_wip=require_wip)
    return [f"{project.changelog_rel}:{p.line}: {p.message}" for p in problems]


# --- tasks --------------------------------------------------------------------------------------


@task(help={"date": "release date YYYY-MM-DD (default today)", "dry_run": "show the diff, write nothing"})
def finalize(c, date=None, dry_run=False):
    """Date the Work-In-Progress section for the release; drop its empty subsections."""
    from releasekit.core import versioning

    project = load_project(c)
    version = project.version()
    release = str(versioning.release_of(versioning.parse(version)))
    wip = changelog.wip_section(project.changelog_text())
    when = finalize_changelog(project, shell(c, dry_run), version, release, date)
    ui.info(f"{project.changelog_rel}: {wip.version if wip else version} (Work In Progress) => {release} ({when})")


@task(name="dev-cycle", help={"dry_run": "show the diff, write nothing"})
def dev_cycle(c, dry_run=False):
    """Open a Work-In-Progress section for the current dev version (dating the released one before it)."""
    from releasekit.tasks.git import git_for

    project = load_project(c)
    sh = shell(c, dry_run)
    version = project.version()
    wip = changelog.wip_section(project.changelog_text())
    if wip is not None and wip.version != version:  # the old cycle: dated as its release has it
        released = released_cycle(project, git_for(c, project), wip.version, version)
        if released:
            finalize_changelog(project, sh, wip.version, released[0], released[1])
            ui.info(f"{project.changelog_rel}: {wip.version} (Work In Progress) => {released[0]} ({released[1]}),"
                    f" as on {released[2]}")
    open_dev_cycle(project, sh, version)
    ui.info(f"{project.changelog_rel}: opened {version} (Work In Progress)")


@task(name="check", help={"release": "the file is on a release branch: no WIP section needed"})
def check_(c, release=False):
    """Report every structural problem of the changelog, with line numbers."""
    from releasekit.tasks.git import current_branch_or_none, main_branch_name

    project = load_project(c)
    branch = current_branch_or_none(c, project)
    on_main = not release and (branch is None or branch == main_branch_name(c, project))
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
    print(changelog.show(load_project(c).changelog_text(), version))


@task(help={"text": "the entry", "section": "subsection of the WIP section (default: the first of changelog_template)",
            "dry_run": "show the diff, write nothing"})
def add(c, text, section=None, dry_run=False):
    """Add an entry to the Work-In-Progress section."""
    project = load_project(c)
    template = tuple(project.settings["changelog_template"])
    section = section or (template[0] if template else "New")
    new = changelog.add_entry(project.changelog_text(), text, section, template)
    shell(c, dry_run).write_file(project.changelog_path, new, label=project.changelog_rel)
    ui.info(f"{project.changelog_rel}: added to {section}: {text}")


ns = Collection("changelog")
for t in (finalize, dev_cycle, check_, show, add):
    ns.add_task(t)
