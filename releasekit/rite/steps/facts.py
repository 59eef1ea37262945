"""What git and the files say about a release, shared by the steps' runs and truth checks."""

from __future__ import annotations

from releasekit.core import changelog, versionfile
from releasekit.core.errors import ChangelogError, ReleasekitError
from releasekit.rite.model import Rite


def version_at(rite: Rite, ref: str) -> str | None:
    text = rite.git.show_file(ref, rite.project.version_file_rel)
    if text is None:
        return None
    try:
        return versionfile.read_version(text, rite.project.version_file_rel)
    except ReleasekitError:
        return None


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
