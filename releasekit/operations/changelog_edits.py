"""The project's changelog edited for a release, in the project's own format: finalize, open the next
cycle, add an entry, check, show. The format (wip, keepachangelog, towncrier, rst, pallets, none) is the one
``changelog_format`` pins or detection finds (``Project.changelog_format``, detected once); every
function here asks it through the ChangelogFormat interface and never tests which one it is."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date as _date
from typing import TYPE_CHECKING

from releasekit.adapters import towncrier  # the only tool a format hands commands to so far
from releasekit.adapters.git import Git
from releasekit.core import ui, versioning
from releasekit.core.conventions.changelogs import Change, ChangelogFormat
from releasekit.core.errors import ChangelogError, ReleasekitError
from releasekit.core.project import Project
from releasekit.operations.repository import (
    changelog_files,
    changelog_problems,
    fragments,
    released_versions,
)
from releasekit.operations.version_edits import current_version, tag_name, version_conventions

__all__ = ["changelog_files", "changelog_problems", "fragments"]  # the repository's, used with these

if TYPE_CHECKING:  # type hints only: importing them here would slow `releasekit --list`
    from releasekit.adapters.shell import Shell


def changelog_format(project: Project) -> ChangelogFormat:
    return project.changelog_format


def is_changelog_file(project: Project, rel: str) -> bool:
    """Whether a path (relative to the root) is the changelog or lies in its fragment folder."""
    fmt = project.changelog_format
    folder = (fmt.fragment_dir or "").strip("/")
    return rel == fmt.path or bool(folder) and (rel == folder or rel.startswith(folder + "/"))


def apply_change(project: Project, sh: Shell, change: Change) -> bool:
    """Write a format's edit: the changelog's new text, its other files, then its tool's commands
    (towncrier's build) in the project root. A dry run prints them all. Returns whether it changed anything."""
    if change.text is not None:
        sh.write_file(project.changelog_path, change.text, label=project.changelog_rel)
    for rel, text in change.files.items():
        path = project.root / rel
        if not sh.dry_run:
            path.parent.mkdir(parents=True, exist_ok=True)
        sh.write_file(path, text, label=rel)
    if change.commands:
        towncrier.run_all(sh, project.root, change.commands)
    return not change.empty


def _title(fmt: ChangelogFormat, text: str, version: str | None = None) -> str | None:
    """The first line of a section as the format shows it, without Markdown's '#'s; None if it has none."""
    try:
        shown = fmt.show(text, version)
    except ReleasekitError:
        return None
    first = shown.lstrip("\ufeff").splitlines()[0] if shown.strip() else ""
    return first.lstrip("#").strip() or None


def _say(project: Project, sh: Shell, change: Change, before: str | None, version: str | None,
         extra: str = "") -> None:
    """One line on what an edit did: `CHANGES.md: <old title> => <new title>`, or the commands run."""
    fmt = project.changelog_format
    if change.commands:
        for argv in change.commands:
            ui.info(f"{project.changelog_rel}: {'would run' if sh.dry_run else 'ran'} {' '.join(argv)}")
        return
    if change.text is None:
        return
    after = _title(fmt, change.text, version)
    ui.info(f"{project.changelog_rel}: {before} => {after}{extra}" if before else f"{project.changelog_rel}: {after}{extra}")


# --- finalize and the next cycle ------------------------------------------------------------------


def release_change(project: Project, sh: Shell, version: str, date: str) -> Change | None:
    """The edit that records the pending cycle as the release ``version`` of ``date`` (worked out, not
    written), or None when nothing is pending. A bad changelog is refused here, before any file is written."""
    fmt = project.changelog_format
    text = project.changelog_text(sh)
    if not fmt.pending(text, fragments(project)):
        return None
    return fmt.finalize(text, version, date)


def pending_is_empty(project: Project, text: str, version: str, date: str) -> bool:
    """Whether recording the pending cycle would give ``version`` a section with no entries (an empty
    Unreleased section left open after the last release): what an entry-less new section shows."""
    fmt = project.changelog_format
    try:
        finalized = fmt.finalize(text, version, date)
        blank = fmt.add_release(text, version, date, ())
        if finalized.text is None or blank.text is None:
            return False
        return fmt.show(finalized.text, version) == fmt.show(blank.text, version)
    except ReleasekitError:
        return False


def finalize_changelog(project: Project, sh: Shell, release_version: str, date: str | None = None, *,
                       from_version: str | None = None) -> str:
    """`changelog.finalize`: the pending cycle dated as ``release_version``'s; returns the date.
    ``from_version``: the version the cycle was for (a WIP header must agree with it)."""
    fmt = project.changelog_format
    when = date or _date.today().isoformat()
    text = project.changelog_text(sh)
    change = fmt.finalize(text, release_version, when, from_version=from_version)
    before = _title(fmt, text)
    apply_change(project, sh, change)
    _say(project, sh, change, before, release_version)
    return when


def open_next_cycle(project: Project, sh: Shell, version: str, *, strict: bool = False) -> bool:
    """The next cycle opened for ``version`` (the project's version after the release), where the
    format has one to open; returns whether the changelog changed."""
    fmt = project.changelog_format
    change = fmt.open_next(project.changelog_text(sh), version, strict=strict)
    if change.empty:
        return False
    apply_change(project, sh, change)
    if change.text is not None:
        ui.info(f"{project.changelog_rel}: opened {_title(fmt, change.text)}")
    return True


def date_release_and_open_next(project: Project, sh: Shell, released: str, date: str, next_version: str) -> None:
    """On main after a release (the rite's dev-cycle step): the release recorded as it was (unless the
    changelog has it already), then the next cycle opened."""
    fmt = project.changelog_format
    if not fmt.has_release(project.changelog_text(sh), released):
        change = fmt.finalize(project.changelog_text(sh), released, date)
        apply_change(project, sh, change)
    open_next_cycle(project, sh, next_version)


def has_release_at(project: Project, git: Git, ref: str, version: str) -> bool:
    """Whether the changelog at ``ref`` records ``version`` as released (always, for a project with none)."""
    fmt = project.changelog_format
    if fmt.path is None:
        return fmt.has_release("", version)
    text = git.show_file(ref, fmt.path)
    if text is None:
        return False
    try:
        return fmt.has_release(text, version)
    except ReleasekitError:
        return False


def released_cycle(project: Project, git: Git, text: str, dev_version: str) -> tuple[str, str, str] | None:
    """(version, date, ref) of the newest release before ``dev_version`` that the changelog ``text`` does
    not record yet, with the date its release branch or tag gives it: after `version.bump-dev` on main,
    the old cycle is dated as it was on the release. None when the changelog is up to date."""
    fmt = project.changelog_format
    high = versioning.parse(dev_version)
    for parsed, version, ref in released_versions(project, git):  # newest first: 1.0.6 before 1.0.6rc1
        if not parsed < high:
            continue
        if fmt.has_release(text, version):
            return None
        there = git.show_file(ref, fmt.path) if fmt.path else None
        when = fmt.release_date(there, version) if there else None
        if when:
            return version, when, ref
    return None


def open_cycle_dating_the_last(project: Project, sh: Shell, git: Git) -> None:
    """`changelog.dev-cycle`: open the current version's cycle; a pending cycle that was released
    meanwhile is first dated as its release has it."""
    fmt = project.changelog_format
    version = current_version(project, git)
    text = project.changelog_text(sh)
    if fmt.pending(text, fragments(project)):
        released = released_cycle(project, git, text, version)
        if released:
            try:  # the pending cycle must be the released one's (a WIP header names its version)
                change = fmt.finalize(text, released[0], released[1], from_version=released[0])
            except ChangelogError:
                change = None
            if change is not None:
                before = _title(fmt, text)
                apply_change(project, sh, change)
                _say(project, sh, change, before, released[0], f", as on {released[2]}")
    if not open_next_cycle(project, sh, version, strict=True):
        ui.info(f"{project.changelog_rel}: the cycle of {version} is open already" if fmt.path
                else "no changelog: nothing to open")


# --- entries, checks, notes -------------------------------------------------------------------------------


def add_entry(project: Project, sh: Shell, entry: str, section: str | None = None) -> None:
    """`changelog.add`: ``entry`` under ``section`` (the format's first kind when None) of the pending cycle."""
    fmt = project.changelog_format
    change = fmt.add_entry(project.changelog_text(sh), entry, section)
    apply_change(project, sh, change)
    where = ", ".join(change.files) or project.changelog_rel
    ui.info(f"{where}: added{f' to {section}' if section else ''}: {entry}")


def release_notes(project: Project, git: Git, version: str | None = None) -> str:
    """`changelog.show`: one release's notes (the newest when ``version`` is None); for a project
    without a changelog, the commit subjects since the tag before it."""
    fmt = project.changelog_format
    subjects: Sequence[str] = ()
    if fmt.needs_subjects:
        subjects = subjects_for(project, git, version)
    return fmt.show(project.changelog_text(), version, subjects=subjects)


def subjects_for(project: Project, git: Git, version: str | None) -> list[str]:
    """Commit subjects, oldest first, of ``version``'s release (its tag back to the release tag before
    it), or of the work since the newest release tag when ``version`` is None or not tagged yet."""
    conv = version_conventions(project, git)  # the tag template detected from the tags, or the one set
    tags = [(parsed, v, ref) for parsed, v, ref in released_versions(project, git) if ref == tag_name(conv, v)]
    end, start = "HEAD", None
    if version is not None and any(v == version for _, v, _ in tags):
        wanted = versioning.parse(version)
        end = tag_name(conv, version)
        start = next((ref for parsed, _, ref in tags if parsed < wanted), None)
    elif tags:
        start = tags[0][2]
    return git.subjects_oldest_first(f"{start}..{end}" if start else end)
