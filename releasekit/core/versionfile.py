"""Finding and replacing the version literal in a version file. Pure: text in, text out.

Two kinds of file: a Python module with ``__version__ = '...'`` (either quote
style) and pyproject.toml with a static ``[project].version``. Only the literal
changes; every other byte of the file stays.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from releasekit.core.errors import VersionFileError

# The literal must end its line (a comment may follow): a triple-quoted string or
# `'1.0' + suffix` is not a literal we can replace without changing its meaning.
_LINE_END = r"(?=[ \t]*(?:#[^\r\n]*)?\r?$)"
_PY_VERSION = re.compile(
    r"""^(?P<lead>__version__\s*(?::\s*str\s*)?=\s*)(?P<q>['"])(?P<value>[^'"\r\n]*)(?P=q)""" + _LINE_END,
    re.M,
)
_TABLE_HEADER = re.compile(r"^\s*\[", re.M)
_TOML_VERSION = re.compile(
    r"""^(?P<lead>version\s*=\s*)(?P<q>["'])(?P<value>[^"'\r\n]*)(?P=q)""" + _LINE_END, re.M
)


@dataclass(frozen=True)
class Literal:
    value: str
    start: int  # offset of the first character of the value
    end: int


def kind_of(filename: str) -> str:
    return "pyproject" if filename.endswith(".toml") else "python"


def find(text: str, filename: str) -> Literal:
    """Locate the single version literal, or explain why there is not exactly one."""
    if kind_of(filename) == "pyproject":
        return _find_pyproject(text, filename)
    matches = list(_PY_VERSION.finditer(text))
    if not matches:
        raise VersionFileError(f"{filename} has no `__version__ = '...'` line")
    if len(matches) > 1:
        lines = ", ".join(str(text.count("\n", 0, m.start()) + 1) for m in matches)
        raise VersionFileError(
            f"{filename} assigns __version__ {len(matches)} times (lines {lines})",
            "keep exactly one `__version__ = '...'` line",
        )
    m = matches[0]
    return Literal(m["value"], m.start("value"), m.end("value"))


def _find_pyproject(text: str, filename: str) -> Literal:
    import tomllib  # only pyproject.toml version files need it

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise VersionFileError(f"{filename} is not valid TOML: {exc}") from None
    project = data.get("project", {})
    if "version" in project.get("dynamic", []):
        raise VersionFileError(
            f"{filename} declares the version dynamic, so it does not hold it",
            "set `releasekit.version_file` to the module that holds `__version__`",
        )
    if "version" not in project:
        raise VersionFileError(f"{filename} has no [project].version")
    start_table = re.search(r"^\s*\[project\]\s*$", text, re.M)
    if start_table is None:
        raise VersionFileError(f"{filename}: [project] is not a plain table header; cannot edit its version safely")
    nxt = _TABLE_HEADER.search(text, start_table.end())
    body_end = nxt.start() if nxt else len(text)
    m = _TOML_VERSION.search(text, start_table.end(), body_end)
    if m is None or m["value"] != project["version"]:  # the line we would edit must be the one TOML reads
        raise VersionFileError(f"{filename}: [project].version is not a simple `version = \"...\"` line")
    return Literal(m["value"], m.start("value"), m.end("value"))


def read_version(text: str, filename: str) -> str:
    return find(text, filename).value


def replace_version(text: str, filename: str, new: str) -> str:
    lit = find(text, filename)
    return text[: lit.start] + new + text[lit.end :]
