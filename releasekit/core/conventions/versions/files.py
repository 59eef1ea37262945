"""Several files that each carry the version (``version_files``), written together: all or none.

An entry is a path, ``path:regex`` or ``{path = ..., pattern = ...}``; without a pattern the file's
kind decides (``__version__`` in a .py file, the static version in a .toml file, a file holding only
the version). The check reports every place that disagrees with the first file's version.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from packaging.version import InvalidVersion, Version

from releasekit.core import versioning
from releasekit.core.conventions.versions import locate
from releasekit.core.conventions.versions.base import Tree
from releasekit.core.errors import ConfigError, VersionFileError


@dataclass(frozen=True)
class FileEntry:
    path: str
    pattern: str | None = None

    @classmethod
    def parse(cls, item: object) -> FileEntry:
        """One ``version_files`` item: ``"path"``, ``"path:regex"`` or a table with ``path`` and ``pattern``."""
        if isinstance(item, str):
            path, sep, pattern = item.partition(":")
            if path.strip():
                return cls(path.strip(), pattern if sep else None)
        elif isinstance(item, Mapping) and isinstance(item.get("path"), str) and set(item) <= {"path", "pattern"}:
            given = item.get("pattern")
            if given is None or isinstance(given, str):
                return cls(item["path"], given)
        raise ConfigError(f"`releasekit.version_files` has the item {item!r}",
                          "write each item as 'path', 'path:regex' or {path = '...', pattern = '...'}")

    def describe(self) -> str:
        return f"{self.path} (pattern {self.pattern!r})" if self.pattern else self.path


def release_text(version: str) -> str:
    """A version fit to write: PEP 440, normalized (or ``X.Y.Z.dev`` as given), no local part
    (versioning.parse says why not)."""
    parsed = versioning.parse(version)
    return version.strip() if versioning.implicit_dev(version.strip(), parsed) else str(parsed)


def _same(a: str, b: str) -> bool:
    """The same version, however spelled (``3.2.0.dev`` and ``3.2.0.dev0``)."""
    try:
        return Version(a) == Version(b)
    except InvalidVersion:
        return a == b


class FilesSource:
    """The version written in several files at once."""

    def __init__(self, entries: Sequence[FileEntry]) -> None:
        if not entries:
            raise ConfigError("`releasekit.version_files` is empty", "list the files that carry the version")
        self.entries = tuple(entries)

    @property
    def kind(self) -> str:
        return "files"

    @property
    def paths(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(e.path for e in self.entries))

    def _text(self, tree: Tree, entry: FileEntry) -> str:
        text = tree.read(entry.path)
        if text is None:
            raise VersionFileError(f"version file {entry.path} does not exist",
                                   "create it or fix `releasekit.version_files`")
        return text

    def _spans(self, tree: Tree, entry: FileEntry) -> list[locate.Span]:
        return locate.find(self._text(tree, entry), entry.path, entry.pattern)

    def read(self, tree: Tree) -> str:
        """The version, normalized (``3.2.0.dev`` reads as ``3.2.0.dev0``; writing keeps the file's spelling)."""
        raw = self._spans(tree, self.entries[0])[0].value
        return str(versioning.parse(raw))

    def spelling(self, tree: Tree) -> str | None:
        return self._spans(tree, self.entries[0])[0].value

    def write(self, tree: Tree, version: str) -> dict[str, str]:
        new = release_text(version)
        edits: dict[str, str] = {}
        for entry in self.entries:  # one path may appear twice, with two patterns: edit the edited text
            text = edits.get(entry.path)
            text = self._text(tree, entry) if text is None else text
            spelled = versioning.spelled_like(new, locate.find(text, entry.path, entry.pattern)[0].value)
            edits[entry.path] = locate.replace(text, entry.path, spelled, entry.pattern)
        return edits

    def check(self, tree: Tree) -> list[str]:
        problems: list[str] = []
        first: tuple[str, str] | None = None  # (where, value)
        for entry in self.entries:
            try:
                text = self._text(tree, entry)
                spans = locate.find(text, entry.path, entry.pattern)
            except VersionFileError as exc:
                problems.append(exc.message)
                continue
            for span in spans:
                where = f"{entry.path}:{span.line(text)}"
                if first is None:
                    first = (where, span.value)
                elif not _same(span.value, first[1]):
                    problems.append(f"{where} has version {span.value}, but {first[0]} has {first[1]}")
        return problems

    def build_env(self, version: str) -> dict[str, str]:
        return {}

    def describe(self) -> str:
        return f"{len(self.entries)} files written together: " + ", ".join(e.describe() for e in self.entries)
