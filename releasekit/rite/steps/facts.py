"""What git and the files say about a release, shared by the steps' runs and truth checks."""

from __future__ import annotations

from releasekit.core import changelog
from releasekit.core.conventions.versions import VersionConventions
from releasekit.core.errors import ChangelogError, ReleasekitError
from releasekit.rite.model import Rite


def conventions(rite: Rite) -> VersionConventions:
    from releasekit.operations.version_edits import version_conventions

    return version_conventions(rite.project, rite.git, rite.shell)


def version_at(rite: Rite, ref: str) -> str | None:
    """The version the source's files carry at ``ref``; None when unreadable or when git tags hold it."""
    from releasekit.operations.version_edits import version_at_ref

    return version_at_ref(rite.project, rite.git, ref, conventions(rite))


def version_is(rite: Rite, ref: str | None, version: str) -> bool:
    """Whether ``ref``'s files (the working tree's when None) carry ``version``; always, when git tags
    hold the version (no file carries it: the tag step makes it)."""
    from releasekit.operations.version_edits import tree_of

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
    from releasekit.operations.version_edits import current_version as current

    return current(rite.project, rite.git, rite.shell)


def release_commit(rite: Rite) -> str:
    """The commit a release without a release branch tags: the release commit on main."""
    r = rite.release
    recorded = rite.journal.recall("release_commit") if rite.journal is not None else None
    return recorded or rite.git.rev(f"refs/heads/{r.main}") or "HEAD"


def has_release_section(text: str | None, version: str) -> bool:
    if text is None:
        return False
    try:
        cl = changelog.parse(text)
    except ChangelogError:
        return False
    return any(not s.wip and s.version == version for s in cl.sections)


def checkout(rite: Rite, branch: str) -> None:
    if rite.shell.dry_run or rite.git.current_branch() != branch:
        rite.git.checkout(branch)


def version_commands(rite: Rite, old: str, new: str) -> list[str]:
    """What --plan shows for a version change: the files written (uv.lock refreshed), or the tag alone."""
    from releasekit.operations.version_edits import UV_LOCK, version_paths

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
