"""Today's source: one literal in one file (``__version__`` in a .py file, ``[project].version`` or
``[tool.poetry].version`` in pyproject.toml, or a file the build backend reads the version from)."""

from __future__ import annotations

from releasekit.core.conventions.versions.files import FileEntry, FilesSource


class LiteralSource(FilesSource):
    """The version as a literal in one file; the file's other bytes never change."""

    def __init__(self, path: str, pattern: str | None = None, what: str | None = None) -> None:
        super().__init__([FileEntry(path, pattern)])
        self.what = what  # how detection found it, for describe ("[project].version in pyproject.toml")

    @property
    def kind(self) -> str:
        return "file"

    @property
    def path(self) -> str:
        return self.entries[0].path

    def describe(self) -> str:
        return self.what or f"the version literal in {self.entries[0].describe()}"
