"""Finding the version in one file's text, and replacing it there. Pure: text in, text out.

Four shapes: a ``__version__ = '...'`` line in a ``.py`` file (``releasekit.core.versionfile``, today's
rule), ``[project].version`` and ``[tool.poetry].version`` in a ``.toml`` file, a file that holds
nothing but the version (``VERSION``), and any file with a regular expression whose group ``version``
(or only group) captures it (a README badge, ``release = "..."`` in docs/conf.py). Only the version's
characters change; every other byte of the file stays.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from releasekit.core import versionfile
from releasekit.core.errors import VersionFileError

# The literal must end its line (a comment may follow), as in versionfile.
_LINE_END = r"(?=[ \t]*(?:#[^\r\n]*)?\r?$)"
_TOML_VERSION = re.compile(r"""^(?P<lead>version\s*=\s*)(?P<q>["'])(?P<value>[^"'\r\n]*)(?P=q)""" + _LINE_END, re.M)
_TABLE_HEADER = re.compile(r"^\s*\[", re.M)
# The pyproject tables that can hold a static version, with the key path tomllib reads.
_TOML_TABLES = (("project", ("project",)), ("tool.poetry", ("tool", "poetry")))


@dataclass(frozen=True)
class Span:
    """One occurrence of the version: its text, where it is, and what to call it in messages."""

    value: str
    start: int
    end: int
    label: str

    def line(self, text: str) -> int:
        return text.count("\n", 0, self.start) + 1


def find(text: str, rel: str, pattern: str | None = None) -> list[Span]:
    """Every occurrence of the version in ``rel`` (at least one), or a VersionFileError saying why none."""
    if pattern is not None:
        return _find_pattern(text, rel, pattern)
    if rel.endswith(".toml"):
        return _find_toml(text, rel)
    if rel.endswith(".py"):
        lit = versionfile.find(text, rel)
        return [Span(lit.value, lit.start, lit.end, f"`__version__` in {rel}")]
    return _find_whole(text, rel)


def replace(text: str, rel: str, new: str, pattern: str | None = None) -> str:
    """``text`` with every occurrence of the version replaced by ``new``."""
    for span in sorted(find(text, rel, pattern), key=lambda s: s.start, reverse=True):
        text = text[: span.start] + new + text[span.end :]
    return text


def assignment_pattern(name: str) -> str:
    """The pattern of a ``NAME = '...'`` line (setuptools' ``attr`` may name something else than __version__)."""
    return rf"""^{re.escape(name)}\s*(?::\s*str\s*)?=\s*(['"])(?P<version>[^'"\r\n]*)\1""" + _LINE_END


def _find_pattern(text: str, rel: str, pattern: str) -> list[Span]:
    try:
        regex = re.compile(pattern, re.M)
    except re.error as exc:
        raise VersionFileError(f"the version pattern for {rel} is not a regular expression: {exc}",
                               "fix its entry in `releasekit.version_files`") from None
    if "version" in regex.groupindex:
        group: int | str = "version"
    elif regex.groups == 1:
        group = 1
    else:
        raise VersionFileError(f"the version pattern for {rel} has {regex.groups} groups and none named `version`",
                               "name the group that captures the version: (?P<version>...)")
    spans = [Span(m[group], m.start(group), m.end(group), f"{rel} (pattern {pattern!r})")
             for m in regex.finditer(text) if m.start(group) >= 0]
    if not spans:
        raise VersionFileError(f"{rel} has nothing matching the version pattern {pattern!r}",
                               "fix the pattern in `releasekit.version_files` or the file")
    return spans


def _find_toml(text: str, rel: str) -> list[Span]:
    import tomllib  # only TOML version files need it

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise VersionFileError(f"{rel} is not valid TOML: {exc}") from None
    spans = []
    for header, keys in _TOML_TABLES:
        table: object = data
        for key in keys:
            table = table.get(key, {}) if isinstance(table, dict) else {}
        if not isinstance(table, dict) or "version" not in table:
            continue
        spans.append(_toml_span(text, rel, header, table["version"]))
    if not spans:
        raise VersionFileError(f"{rel} has no static [project].version or [tool.poetry].version")
    return spans


def _toml_span(text: str, rel: str, header: str, value: object) -> Span:
    label = f"[{header}].version in {rel}"
    start_table = re.search(rf"^\s*\[{re.escape(header)}\]\s*(?:#[^\r\n]*)?$", text, re.M)
    if start_table is None:
        raise VersionFileError(f"{rel}: [{header}] is not a plain table header; cannot edit its version safely")
    nxt = _TABLE_HEADER.search(text, start_table.end())
    m = _TOML_VERSION.search(text, start_table.end(), nxt.start() if nxt else len(text))
    if m is None or m["value"] != value:  # the line we would edit must be the one TOML reads
        raise VersionFileError(f"{rel}: [{header}].version is not a simple `version = \"...\"` line")
    return Span(m["value"], m.start("value"), m.end("value"), label)


def _find_whole(text: str, rel: str) -> list[Span]:
    value = text.strip()
    if not value or "\n" in value:
        raise VersionFileError(f"{rel} does not hold just a version",
                               "give its entry in `releasekit.version_files` a pattern: 'path:regex'")
    start = text.index(value)
    return [Span(value, start, start + len(value), rel)]
