"""The project's changelog file edited for a release: finalize, open the next cycle, check."""

from __future__ import annotations

from datetime import date as _date
from typing import TYPE_CHECKING

from releasekit.adapters.git import Git
from releasekit.core import changelog, ui, versioning
from releasekit.core.project import Project
from releasekit.operations.repository import released_versions

if TYPE_CHECKING:  # type hints only: importing them here would slow `releasekit --list`
    from releasekit.adapters.shell import Shell

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


def open_cycle_dating_the_last(project: Project, sh: Shell, git: Git) -> None:
    """`changelog.dev-cycle`: open the current dev version's section; a WIP section of a cycle that was
    released meanwhile is first dated as its release has it."""
    version = project.version()
    wip = changelog.wip_section(project.changelog_text())
    if wip is not None and wip.version != version:  # the old cycle: dated as its release has it
        released = released_cycle(project, git, wip.version, version)
        if released:
            finalize_changelog(project, sh, wip.version, released[0], released[1])
            ui.info(f"{project.changelog_rel}: {wip.version} (Work In Progress) => {released[0]} ({released[1]}),"
                    f" as on {released[2]}")
    open_dev_cycle(project, sh, version)
    ui.info(f"{project.changelog_rel}: opened {version} (Work In Progress)")
