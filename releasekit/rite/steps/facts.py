"""What git and the files say about a release, shared by the steps' runs and truth checks."""

from __future__ import annotations

from releasekit.core.conventions.versions import VersionConventions
from releasekit.core.errors import ReleasekitError
from releasekit.operations import changelog_edits
from releasekit.operations.version_edits import (
    UV_LOCK,
    tree_of,
    version_at_ref,
    version_conventions,
    version_paths,
)
from releasekit.operations.version_edits import current_version as current
from releasekit.rite.model import Rite


def conventions(rite: Rite) -> VersionConventions:
    return version_conventions(rite.project, rite.git, rite.shell)


def version_at(rite: Rite, ref: str) -> str | None:
    """The version the source's files carry at ``ref``; None when unreadable or when git tags hold it."""
    return version_at_ref(rite.project, rite.git, ref, conventions(rite))


def version_is(rite: Rite, ref: str | None, version: str) -> bool:
    """Whether ``ref``'s files (the working tree's when None) carry ``version``; always, when git tags
    hold the version (no file carries it: the tag step makes it)."""
    conv = conventions(rite)
    if not conv.source.paths:
        return True
    if ref is not None:
        return version_at(rite, ref) == version
    try:
        return conv.source.read(tree_of(rite.project, rite.shell)) == version
    except ReleasekitError:
        return False


def current_version(rite: Rite) -> str:
    return current(rite.project, rite.git, rite.shell)


def release_commit(rite: Rite) -> str:
    """The commit a release without a release branch tags: the release commit on main."""
    r = rite.release
    recorded = rite.journal.recall("release_commit") if rite.journal is not None else None
    return recorded or rite.git.rev(f"refs/heads/{r.main}") or "HEAD"


def has_release_section(rite: Rite, ref: str, version: str) -> bool:
    """Whether the changelog at ``ref`` records ``version`` as released (in the project's format)."""
    return changelog_edits.has_release_at(rite.project, rite.git, ref, version)


def next_cycle_open(rite: Rite, ref: str) -> bool:
    """Whether the changelog at ``ref`` has its next section open (or fragments waiting)."""
    p = rite.project
    text = rite.git.show_file(ref, p.changelog_rel) if p.changelog_rel else None
    return p.changelog_format.pending(text or "")


def checkout(rite: Rite, branch: str) -> None:
    if rite.shell.dry_run or rite.git.current_branch() != branch:
        rite.git.checkout(branch)


def version_commands(rite: Rite, old: str, new: str) -> list[str]:
    """What --plan shows for a version change: the files written (uv.lock refreshed), or the tag alone."""
    conv = conventions(rite)
    if not conv.source.paths:
        return [f"no file: the tag {conv.tag.format(version=new)} holds the version ({old} => {new})"]
    paths = version_paths(rite.project, conv)
    cmds = [f"write {', '.join(p for p in paths if p != UV_LOCK)}: {old} => {new}"]
    return [*cmds, "uv lock"] if UV_LOCK in paths else cmds


def release_commit_pushed(rite: Rite) -> bool:
    """The release commit (no release branch) is on the remote's main."""
    r = rite.release
    recorded = rite.journal.recall("release_commit") if rite.journal is not None else None
    if not recorded:
        return False
    rite.git.fetch(r.remote)
    return rite.git.rev(f"refs/remotes/{r.remote}/{r.main}") is not None \
        and rite.git.is_ancestor(recorded, f"refs/remotes/{r.remote}/{r.main}")
