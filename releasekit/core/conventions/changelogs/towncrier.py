"""towncrier: entries wait as news fragments in a folder; ``towncrier build`` writes the section.

This module knows the project's towncrier settings (``[tool.towncrier]`` in pyproject.toml or
towncrier.toml, read as towncrier reads them: the fragment folder is ``directory`` when set,
else ``{package_dir}/{package}/newsfragments``), the commands that build and check, and how
to read a built section back out of the news file (towncrier's default Markdown title
``# name 1.2.0 (2026-12-01)`` and reStructuredText title ``name 1.2.0 (2026-12-01)`` over
``====``). It runs nothing: :mod:`releasekit.adapters.towncrier` does.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatch
from pathlib import PurePosixPath
from typing import Any

from packaging.version import InvalidVersion, Version

from releasekit.core import changelog as engine
from releasekit.core.changelog import Problem
from releasekit.core.conventions.changelogs import _text as t
from releasekit.core.conventions.changelogs.base import Change, Date
from releasekit.core.errors import ChangelogError

# towncrier's own default fragment types (towncrier/_settings/fragment_types.py), in its order
DEFAULT_TYPES = ("feature", "bugfix", "doc", "removal", "misc")
_ALIASES = {"added": "feature", "new": "feature", "fixed": "bugfix", "removed": "removal",
            "deprecated": "removal", "docs": "doc", "changed": "misc"}
_IGNORED = {".gitignore", ".gitkeep", ".keep", "readme", "readme.md", "readme.rst"}
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class TowncrierSettings:
    """The part of towncrier's configuration releasekit needs."""

    filename: str = "NEWS.rst"
    fragment_dir: str = "newsfragments"
    types: tuple[str, ...] = DEFAULT_TYPES
    start_string: str = ".. towncrier release notes start\n"
    config_file: str = "pyproject.toml"
    # What towncrier skips in the fragment folder besides its own list: the template's file name (a
    # template kept there, as attrs' changelog.d/towncrier_template.md.jinja) and the `ignore` patterns.
    ignore: tuple[str, ...] = ()
    single_file: bool = True  # false: towncrier writes each release to a file of its own

    def ignores(self, name: str) -> bool:
        """Whether towncrier skips ``name`` in the fragment folder (towncrier's find_fragments: lower-cased
        fnmatch against its own names, the template's base name and ``ignore``)."""
        lowered = name.lower()
        return lowered in _IGNORED or any(fnmatch(lowered, pattern.lower()) for pattern in self.ignore)

    @property
    def markdown(self) -> bool:
        return PurePosixPath(self.filename).suffix == ".md"


def settings_from(toml_text: str, config_file: str = "pyproject.toml", project_name: str = "") -> TowncrierSettings | None:
    """towncrier's settings from a pyproject.toml or towncrier.toml text; None without ``[tool.towncrier]``."""
    data = tomllib.loads(toml_text)
    block = data.get("tool", {}).get("towncrier")
    if not isinstance(block, Mapping):
        return None
    name = project_name or str(data.get("project", {}).get("name", ""))
    filename = str(block.get("filename", "NEWS.rst"))
    if block.get("directory"):
        directory = PurePosixPath(str(block["directory"]))
    else:  # towncrier: fragments live in the package, {package_dir}/{package}/newsfragments
        directory = PurePosixPath(str(block.get("package_dir", "."))) / str(block.get("package") or name) / "newsfragments"
    markdown = PurePosixPath(filename).suffix == ".md"
    start = str(block.get("start_string") or ("<!-- {} -->\n" if markdown else ".. {}\n").format(
        "towncrier release notes start"))
    ignore = [str(p) for p in block.get("ignore") or () if isinstance(p, str)]
    template = block.get("template")
    if isinstance(template, str) and ":" not in template:  # "package:resource" names no file in the folder
        ignore.append(PurePosixPath(template).name)
    return TowncrierSettings(filename, str(directory), _types(block), start, config_file, tuple(ignore),
                             block.get("single_file", True) is not False)


def _types(block: Mapping[str, Any]) -> tuple[str, ...]:
    if isinstance(block.get("type"), list):  # [[tool.towncrier.type]] directory = "..."
        # towncrier: `directory` defaults to the lower-cased `name`
        return tuple(str(entry.get("directory") or str(entry["name"]).lower()) for entry in block["type"]
                     if isinstance(entry, Mapping) and (entry.get("directory") or entry.get("name"))) or DEFAULT_TYPES
    if isinstance(block.get("fragment"), Mapping):  # [tool.towncrier.fragment.NAME]
        return tuple(str(k) for k in block["fragment"]) or DEFAULT_TYPES
    return DEFAULT_TYPES


# --- the news file ---------------------------------------------------------------------------


@dataclass
class Release:
    title: str  # the title line's text
    line: int  # 1-based
    text: str


@dataclass
class News:
    """The news file: everything before the first built section, then the sections, newest first."""

    preamble: str
    releases: list[Release] = field(default_factory=list)

    def render(self) -> str:
        return self.preamble + "".join(r.text for r in self.releases)


def parse_news(text: str, markdown: bool, start_string: str = "") -> News:
    """Split at the top-level titles towncrier writes below its start string (when the file has
    it, the title above it is the file's own); never fails, keeps every byte."""
    marker = start_string.strip()
    at = text.find(marker) if marker else -1
    if at >= 0:
        head_end = text.find("\n", at)
        head_end = len(text) if head_end < 0 else head_end + 1
        news = parse_news(text[head_end:], markdown)
        offset = text[:head_end].count("\n")
        for release in news.releases:
            release.line += offset
        return News(text[:head_end] + news.preamble, news.releases)
    lines = t.split_lines(text)
    if markdown:
        levels = t.heading_levels(lines)
        top = min((level for level in levels if level), default=0)
        starts = [i for i, level in enumerate(levels) if level and level == top]
    else:
        titles = _rst_title_starts(lines)
        style = titles[0][1] if titles else ""
        starts = [i for i, c in titles if c == style]
    if not starts:
        return News(text)
    releases = []
    for n, start in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else len(lines)
        at = start + 1 if not markdown and _overlined(lines, start + 1) else start  # the title under its overline
        title = t.content(lines[at]).lstrip("\ufeff#").strip()
        releases.append(Release(title, start + 1, "".join(lines[start:end])))
    return News("".join(lines[: starts[0]]), releases)


_ADORNMENT = re.compile(r"([=\-~^\"'`*+#:.])\1*")


def _overlined(lines: Sequence[str], i: int) -> bool:
    """Whether ``lines[i]`` is a title between an overline and an underline of the same adornment
    (``****`` / `` v4.58.0 (2026-07-21)`` / ``****``, as tox's towncrier template writes them)."""
    if i < 1 or i + 1 >= len(lines):
        return False
    over, under = t.content(lines[i - 1]).rstrip(), t.content(lines[i + 1]).rstrip()
    title = t.content(lines[i]).strip()
    return bool(title) and over == under and bool(_ADORNMENT.fullmatch(over)) and len(over) >= len(title) \
        and not _ADORNMENT.fullmatch(title)


def _rst_title_starts(lines: Sequence[str]) -> list[tuple[int, str]]:
    """(first line, style) of each reStructuredText title: an overlined title starts at its overline
    and is a style of its own (``over*``), as reStructuredText tells them apart."""
    over = [(i - 1, "over" + t.content(lines[i + 1])[0]) for i in range(1, len(lines) - 1) if _overlined(lines, i)]
    taken = {i + 1 for i, _ in over} | {i for i, _ in over}  # neither the title nor the overline is a title itself
    return sorted(over + [(i, c) for i, c in t.rst_titles(lines) if i not in taken])


def _names(title: str, version: str) -> bool:
    """Whether a title names ``version`` as a whole word (``1.2.0`` is not in ``11.2.0``)."""
    if re.search(rf"(?<![\w.]){re.escape(version.strip())}(?![\w]|\.\w)", title):
        return True
    try:
        wanted = Version(version)
    except InvalidVersion:
        return False
    for token in re.findall(r"\d[\w.!+-]*\w|\d", title):
        try:
            if Version(token) == wanted:
                return True
        except InvalidVersion:
            continue
    return False


# --- the format ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Towncrier:
    settings: TowncrierSettings = TowncrierSettings()
    name: str = "towncrier"
    needs_subjects: bool = False

    @property
    def path(self) -> str:
        return self.settings.filename

    @property
    def fragment_dir(self) -> str:
        return self.settings.fragment_dir

    def fragments(self, names: Sequence[str]) -> list[str]:
        """The names in the fragment folder towncrier would build (a known type among their parts)."""
        return [n for n in names if not self.settings.ignores(n) and _fragment_type(n, self.settings.types)]

    def parse(self, text: str) -> News:
        return parse_news(text, self.settings.markdown, self.settings.start_string)

    def problems(self, text: str, version: str | None = None, *, release_branch: bool = False,
                 fragments: Sequence[str] = ()) -> list[Problem]:
        problems = []
        for name in fragments:
            if not self.settings.ignores(name) and not _fragment_type(name, self.settings.types):
                problems.append(Problem(0, f"{self.fragment_dir}/{name} is not a news fragment towncrier builds "
                                        f"(name it ISSUE.TYPE.md, TYPE one of {', '.join(self.settings.types)})"))
        if not release_branch and not self.fragments(fragments):
            problems.append(Problem(0, f"no news fragments in {self.fragment_dir}/: a release would have no notes"
                                    " (add one, e.g. with `changelog.add`)"))
        if release_branch and version is not None and not self.has_release(text, version):
            problems.append(Problem(0, f"{self.path} has no section for {version}; `towncrier build` writes it"))
        return problems

    def check_commands(self, main_branch: str) -> tuple[tuple[str, ...], ...]:
        return (("towncrier", "check", "--compare-with", main_branch),)

    def pending(self, text: str, fragments: Sequence[str] = ()) -> bool:
        return bool(self.fragments(fragments))

    def has_release(self, text: str, version: str) -> bool:
        return any(_names(r.title, version) for r in self.parse(text).releases)

    def release_date(self, text: str, version: str) -> str | None:
        for r in self.parse(text).releases:
            if _names(r.title, version):
                found = _DATE.search(r.title)
                return found.group(0) if found else None
        return None

    def build_command(self, version: str, date: Date) -> tuple[str, ...]:
        return ("towncrier", "build", "--version", version.strip(), "--date", engine.release_date(date), "--yes")

    def finalize(self, text: str, version: str, date: Date, *, from_version: str | None = None) -> Change:
        if self.has_release(text, version):
            raise ChangelogError(f"{self.path} already has a section for {version}",
                                 "a released version cannot be released again: bump to the next version")
        return Change(commands=(self.build_command(version, date),))

    def open_next(self, text: str, version: str, *, strict: bool = False) -> Change:
        return Change()  # fragments simply gather again

    def add_entry(self, text: str, entry: str, section: str | None = None) -> Change:
        kind = self._type(section)
        body = entry.strip()
        if not body:
            raise ChangelogError("the changelog entry is empty", "pass the text of the entry")
        digest = hashlib.sha256(body.encode("utf-8")).hexdigest()[:8]
        ext = ".md" if self.settings.markdown else ".rst"
        return Change(files={f"{self.fragment_dir}/+{digest}.{kind}{ext}": body + "\n"})

    def add_release(self, text: str, version: str, date: Date, entries: Sequence[str]) -> Change:
        files: dict[str, str] = {}
        for entry in entries:
            files.update(self.add_entry(text, entry, self._hotfix_type()).files)
        return Change(files=files, commands=(self.build_command(version, date),))

    def show(self, text: str, version: str | None = None, *, subjects: Sequence[str] = ()) -> str:
        releases = self.parse(text).releases
        if not releases:
            raise ChangelogError(f"{self.path} has no built release sections", "`towncrier build` writes them")
        if version is None:
            return t.strip_trailing_blank(releases[0].text)
        for r in releases:
            if _names(r.title, version):
                return t.strip_trailing_blank(r.text)
        raise ChangelogError(f"no section for {version} in {self.path}",
                             "known: " + "; ".join(r.title for r in releases))

    def describe_finalize(self, version: str, date: str, *, from_version: str,
                          fragments: Sequence[str] = ()) -> str:
        count = len(self.fragments(fragments))
        what = f"{count} news fragment{'' if count == 1 else 's'}" if count else "the news fragments"
        return (f"{' '.join(self.build_command(version, date))}: build {what} in {self.fragment_dir}/ into "
                f"{self.path} (towncrier removes them)")

    def describe_open(self, released: str, version: str) -> str:
        return (f"{self.path}: {released.strip()} built unless done (towncrier build); the next release's "
                f"fragments gather in {self.fragment_dir}/")

    def _type(self, section: str | None) -> str:
        types = self.settings.types
        if section is None:
            return types[0]
        wanted = section.strip().lower()
        if wanted in types:
            return wanted
        if _ALIASES.get(wanted) in types:
            return _ALIASES[wanted]
        raise ChangelogError(f"unknown news fragment type '{section}'", f"use one of: {', '.join(types)}")

    def _hotfix_type(self) -> str:
        return "bugfix" if "bugfix" in self.settings.types else self.settings.types[0]


def _fragment_type(name: str, types: Sequence[str]) -> str | None:
    """The type towncrier reads from a fragment name (``123.feature.md``, ``+x.bugfix.1.rst``)."""
    parts = name.split(".")
    return next((part for part in parts[1:] if part in types), None)
