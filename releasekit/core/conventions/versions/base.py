"""The interface every version source offers, and the tree of files it reads.

A source never writes: ``write`` returns the new text of each file it edits, and the caller writes
them together (``releasekit.core.fileio.atomic_write_many``), so a dry run can show them as diffs and
a failure never leaves half of them changed.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Protocol

from releasekit.core import fileio


class Tree(Protocol):
    """The project's files as a source sees them, by path relative to the project root."""

    def read(self, rel: str) -> str | None:
        """The file's text with its line endings, or None when there is no such file."""
        ...


class VersionSource(Protocol):
    """Where a project keeps its version: read it, write a new one, check it, say what it is."""

    @property
    def kind(self) -> str:
        """The ``version_source`` setting that pins this source: file, files or scm."""
        ...

    @property
    def paths(self) -> tuple[str, ...]:
        """The files a new version is written to (and committed with); none when tags hold it."""
        ...

    def read(self, tree: Tree) -> str:
        """The current version, validated as PEP 440 without a local part."""
        ...

    def spelling(self, tree: Tree) -> str | None:
        """The version as the files write it (``3.2.0.dev`` where :meth:`read` says ``3.2.0.dev0``);
        None when no file holds it."""
        ...

    def write(self, tree: Tree, version: str) -> dict[str, str]:
        """The new text of every file in ``paths``; raises before returning when any of them cannot
        take the version, so the caller writes all of them or none."""
        ...

    def check(self, tree: Tree) -> list[str]:
        """Problems to report (a file that disagrees with the first, a file gone); empty when fine."""
        ...

    def build_env(self, version: str) -> dict[str, str]:
        """Environment variables that make a build of a clean export come out at ``version``."""
        ...

    def describe(self) -> str:
        """One line for `releasekit config` and `version.show`."""
        ...


class DirTree:
    """The files under ``root``; ``overlay`` (resolved path -> text) shows a dry run's unwritten edits."""

    def __init__(self, root: Path, overlay: Mapping[Path, str] | None = None) -> None:
        self.root = Path(root)
        self.overlay = overlay if overlay is not None else {}

    def read(self, rel: str) -> str | None:
        path = (self.root / rel).resolve()
        if path in self.overlay:
            return self.overlay[path]
        return fileio.read_text(path) if path.is_file() else None

    def paths(self, edits: Mapping[str, str]) -> dict[Path, str]:
        """A source's edits keyed by absolute path, as ``fileio.atomic_write_many`` takes them."""
        return {self.root / rel: text for rel, text in edits.items()}


class MemoryTree:
    """Files held in a dict: for tests and for reading a commit's files (``git show``)."""

    def __init__(self, files: Mapping[str, str]) -> None:
        self.files = dict(files)

    def read(self, rel: str) -> str | None:
        return self.files.get(rel)
