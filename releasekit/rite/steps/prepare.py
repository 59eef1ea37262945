"""Prepare: the release version and the finalized changelog written on main."""

from __future__ import annotations

from releasekit.core.errors import ChangelogError
from releasekit.operations import changelog_edits
from releasekit.operations.version_edits import write_release_version
from releasekit.rite import rollback
from releasekit.rite.model import Rite, Step
from releasekit.rite.steps import facts


def set_release_files(rite: Rite) -> str | None:
    """Version file at the release version; the changelog's pending cycle, if any, recorded as the release.
    Returns the changelog text when it still lacks a section for the release (the caller decides).
    The changelog's edit is worked out before either file is written, so a bad one leaves both untouched;
    a tool's build (towncrier) runs after the version file is written."""
    r, p = rite.release, rite.project
    fmt = changelog_edits.changelog_format(p)
    text = p.changelog_text(rite.shell)
    change = changelog_edits.release_change(p, rite.shell, r.version, r.date)
    if change is not None and r.kind == "hotfix" and changelog_edits.pending_is_empty(p, text, r.version, r.date):
        change = None  # a hotfix's notes (--note, or its commits), not an empty pending section
    if not facts.version_is(rite, None, r.version):
        write_release_version(p, rite.shell, r.version, git=rite.git)
    if change is not None:
        changelog_edits.apply_change(p, rite.shell, change)
        return None
    return None if fmt.has_release(text, r.version) else text


def prepare(rite: Rite) -> None:
    """Version file at the release version, the changelog's pending cycle recorded (on main's working tree)."""
    p, r = rite.project, rite.release
    fmt = changelog_edits.changelog_format(p)
    text = p.changelog_text(rite.shell)
    if not fmt.pending(text, changelog_edits.fragments(p)) and not fmt.has_release(text, r.version):
        raise ChangelogError(f"{p.changelog_rel} has nothing pending to release and no section for {r.version}",
                             "add the release's notes first (`releasekit changelog.add`)")
    set_release_files(rite)
    if rite.journal is not None and not rite.dry_run:  # for a rollback to know them as the release's own
        rite.journal.remember(rollback.PREPARED, rollback.edits(p, rite.git))


def prepare_done(rite: Rite) -> bool:
    r, p = rite.release, rite.project
    if r.branch is not None and rite.git.branch_exists(r.branch) and facts.version_at(rite, r.branch) == r.version:
        return True
    if r.branch is None and facts.release_commit_pushed(rite):
        return True
    fmt = changelog_edits.changelog_format(p)
    return facts.version_is(rite, None, r.version) and fmt.has_release(p.changelog_text(), r.version)


def prepare_commands(rite: Rite) -> list[str]:
    r, p = rite.release, rite.project
    fmt = changelog_edits.changelog_format(p)
    return [*facts.version_commands(rite, r.from_version, r.version),
            fmt.describe_finalize(r.version, r.date, from_version=r.from_version, fragments=changelog_edits.fragments(p))]


PREPARE = Step(
    "prepare", "bump the version and finalize the changelog", "version.bump", prepare, prepare_commands,
    prepare_done)
