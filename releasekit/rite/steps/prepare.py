"""Prepare: the release version and the finalized changelog written on main."""

from __future__ import annotations

from releasekit.core import changelog
from releasekit.core.errors import ChangelogError
from releasekit.operations.version_edits import write_release_version
from releasekit.rite.model import Rite, Step, commands_from
from releasekit.rite.steps import facts


def set_release_files(rite: Rite) -> str | None:
    """Version file at the release version; a WIP section, if any, dated as the release.
    Returns the changelog text when it still lacks a section for the release (the caller decides).
    The new changelog is made before either file is written, so a bad one leaves both untouched."""
    r, p = rite.release, rite.project
    text = p.changelog_text(rite.shell)
    wip = changelog.wip_section(text)
    finalized = None if wip is None else changelog.finalize(text, wip.version, r.date, release_version=r.version)
    if not facts.version_is(rite, None, r.version):
        write_release_version(p, rite.shell, r.version, git=rite.git)
    if finalized is not None:
        rite.shell.write_file(p.changelog_path, finalized, label=p.changelog_rel)
        return None
    return None if facts.has_release_section(text, r.version) else text


def prepare(rite: Rite) -> None:
    """Version file at the release version, changelog's WIP section dated (on main's working tree)."""
    p, r = rite.project, rite.release
    text = p.changelog_text(rite.shell)
    if changelog.wip_section(text) is None and not facts.has_release_section(text, r.version):
        raise ChangelogError(f"{p.changelog_rel} has neither a Work-In-Progress section nor one for {r.version}")
    set_release_files(rite)


def prepare_done(rite: Rite) -> bool:
    r, p = rite.release, rite.project
    if r.branch is not None and rite.git.branch_exists(r.branch) and facts.version_at(rite, r.branch) == r.version:
        return True
    if r.branch is None and facts.release_commit_pushed(rite):
        return True
    return facts.version_is(rite, None, r.version) and facts.has_release_section(p.changelog_text(), r.version) \
        and changelog.wip_section(p.changelog_text()) is None


PREPARE = Step(
    "prepare", "bump the version and finalize the changelog", "version.bump", prepare,
    lambda rite: [*facts.version_commands(rite, rite.release.from_version, rite.release.version), *commands_from(
                  "write {p.changelog_rel}: {r.from_version} (Work In Progress) => {r.version} ({r.date})")(rite)],
    prepare_done)
