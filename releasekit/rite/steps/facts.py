"""What git and the files say about a release, shared by the steps' runs and truth checks."""

from __future__ import annotations

from releasekit.core import versionfile
from releasekit.core.errors import ReleasekitError
from releasekit.operations import changelog_edits
from releasekit.rite.model import Rite


def version_at(rite: Rite, ref: str) -> str | None:
    text = rite.git.show_file(ref, rite.project.version_file_rel)
    if text is None:
        return None
    try:
        return versionfile.read_version(text, rite.project.version_file_rel)
    except ReleasekitError:
        return None


def has_release_section(rite: Rite, ref: str, version: str) -> bool:
    """Whether the changelog at ``ref`` records ``version`` as released (in the project's format)."""
    return changelog_edits.has_release_at(rite.project, rite.git, ref, version)


def checkout(rite: Rite, branch: str) -> None:
    if rite.shell.dry_run or rite.git.current_branch() != branch:
        rite.git.checkout(branch)
