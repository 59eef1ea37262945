"""reStructuredText changelogs (``CHANGES.rst``) in the two common shapes:

- ``pallets``: a ``Version 1.2.0`` title, then a line ``Unreleased`` or ``Released 2026-12-01``
  (the shape of the Pallets projects' CHANGES.rst, e.g. github.com/pallets/click before it
  moved to Markdown). Several pending sections for different versions are allowed there
  (a stable branch's fix release and main's next one).
- ``dated``: a ``1.2.0 (2026-12-01)`` title, the pending one ``1.2.0 (unreleased)``.

A file in neither shape (or in both) is refused by :func:`shape_of`, naming the format.
Titles keep the file's underline character and habit (exactly as long as the title, or longer).

The titles are read and written by a :class:`Markup`: reStructuredText's (:data:`RST`, a title and
its underline) here; the same shape in Markdown (``## Version 1.2.0``, click's CHANGES.md) is the
``pallets`` format of :mod:`.pallets`, this engine with a Markdown markup.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from packaging.version import InvalidVersion, Version

from releasekit.core import changelog as engine
from releasekit.core.changelog import Problem
from releasekit.core.conventions.changelogs import _text as t
from releasekit.core.conventions.changelogs.base import Change, Date
from releasekit.core.errors import ChangelogError

_PALLETS = re.compile(r"Version\s+(?P<version>\S+)\s*")
_DATED = re.compile(r"(?P<version>[^\s()]+)\s+\((?P<note>[^()]*)\)\s*")
_RELEASED = re.compile(r"Released\s+(?P<date>\S+?)[,.]?(?:\s.*)?")
_BULLET = re.compile(r"(?P<bullet>[-*+]\s+)\S")
SHAPES = ("pallets", "dated")


class Markup(Protocol):
    """How release titles look in the file's markup."""

    @property
    def head(self) -> int:
        """How many lines a title takes (a title and its underline: 2)."""
        ...

    @property
    def default_key(self) -> str:
        """The title level a file without titles gets (rst: the underline character)."""
        ...

    def titles(self, lines: Sequence[str]) -> list[tuple[int, str]]:
        """(index, level) of every title: the level is what titles of one rank share."""
        ...

    def title(self, line: str) -> str:
        """The text of the title on ``line`` (its first line)."""
        ...

    def make(self, title: str, key: str, nl: str) -> str:
        """A new title of level ``key``."""
        ...

    def retitle(self, head: Sequence[str], title: str) -> list[str]:
        """The title lines ``head`` saying ``title`` instead, in the same habit."""
        ...


@dataclass(frozen=True)
class _RstMarkup:
    head: int = 2
    default_key: str = "-"

    def titles(self, lines: Sequence[str]) -> list[tuple[int, str]]:
        return t.rst_titles(lines)

    def title(self, line: str) -> str:
        return t.content(line).removeprefix("\ufeff").strip()

    def make(self, title: str, key: str, nl: str) -> str:
        return f"{title}{nl}{key * len(title)}{nl}"

    def retitle(self, head: Sequence[str], title: str) -> list[str]:
        return [title + t.ending(head[0]),
                t.underline_for(t.content(head[0]), t.content(head[1]), title) + t.ending(head[1])]


RST: Markup = _RstMarkup()


@dataclass
class Section:
    lines: list[str]  # title, underline, body lines
    line: int  # 1-based line of the title
    version: str  # as written; "" for a pending section without one
    pending: bool
    date: str | None

    @property
    def text(self) -> str:
        return "".join(self.lines)

    @property
    def parsed(self) -> Version | None:
        try:
            return Version(self.version)
        except InvalidVersion:
            return None


@dataclass
class RstChangelog:
    preamble: str
    sections: list[Section] = field(default_factory=list)
    char: str = "-"

    def render(self) -> str:
        return self.preamble + "".join(s.text for s in self.sections)

    @property
    def pending(self) -> list[Section]:
        return [s for s in self.sections if s.pending]

    @property
    def releases(self) -> list[Section]:
        return [s for s in self.sections if not s.pending]


def _read_title(title: str, shape: str, body: Sequence[str]) -> tuple[str, bool, str | None] | None:
    """(version, pending, date) of a release title in ``shape``, None if it is not one."""
    if shape == "pallets":
        match = _PALLETS.fullmatch(title)
        if not match:
            return None
        first = next((t.content(line).strip() for line in body if not t.is_blank(line)), "")
        released = _RELEASED.fullmatch(first)
        return match["version"], first.lower() == "unreleased", released["date"] if released else None
    match = _DATED.fullmatch(title)
    if match:
        note = match["note"].strip()
        return match["version"], note.lower() == "unreleased", note if note.lower() != "unreleased" else None
    if title.strip().lower() == "unreleased":
        return "", True, None
    return None


def shape_of(text: str, path: str = "CHANGES.rst") -> str:
    """Which shape the file is in; a ChangelogError naming the format when neither or both."""
    lines = t.split_lines(text)
    found = set()
    for i, _ in t.rst_titles(lines):
        title = t.content(lines[i]).removeprefix("\ufeff").strip()
        if _PALLETS.fullmatch(title):
            found.add("pallets")
        elif _DATED.fullmatch(title):
            found.add("dated")
    if len(found) == 1:
        return found.pop()
    raise ChangelogError(
        f"{path} is a reStructuredText changelog in {'mixed shapes' if found else 'a shape releasekit cannot edit'}"
        " (it edits `Version 1.2.0` + `Released DATE` or `1.2.0 (DATE)` titles)",
        "set `changelog_format` to 'none' to release without editing it, or rewrite it in one shape",
    )


def parse(text: str, shape: str, markup: Markup = RST) -> RstChangelog:
    """Split at the release titles; never fails, keeps every byte."""
    lines = t.split_lines(text)
    titles = markup.titles(lines)
    head = markup.head
    char = next((c for i, c in titles if _read_title(markup.title(lines[i]), shape, lines[i + head:])), None)
    starts = [i for i, c in titles if c == char]
    if char is None or not starts:
        return RstChangelog(text, char=markup.default_key)
    log = RstChangelog("".join(lines[: starts[0]]), char=char)
    for n, start in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else len(lines)
        chunk = lines[start:end]
        read = _read_title(markup.title(chunk[0]), shape, chunk[head:])
        version, pending, date = read if read else (markup.title(chunk[0]), False, None)
        log.sections.append(Section(chunk, start + 1, version, pending, date))
    return log


def _same(section: Section, version: str) -> bool:
    if section.version.strip() == version.strip():
        return True
    try:
        return section.parsed == Version(version)
    except InvalidVersion:
        return False


def _gap(log: RstChangelog, nl: str, head: int = 2) -> str:
    """The blank lines the file puts between releases (at least one)."""
    if not log.sections:
        return nl
    lines = log.sections[0].lines
    count = 0
    while count < len(lines) - head and t.is_blank(lines[-1 - count]):
        count += 1
    return nl * max(count, 1)


@dataclass(frozen=True)
class Rst:
    path: str = "CHANGES.rst"
    shape: str = "pallets"
    name: str = "rst"
    fragment_dir: str | None = None
    needs_subjects: bool = False
    markup: Markup = RST

    def parse(self, text: str) -> RstChangelog:
        return parse(text, self.shape, self.markup)

    def _title(self, version: str, note: str) -> str:
        return f"Version {version}" if self.shape == "pallets" else f"{version} ({note})"

    def problems(self, text: str, version: str | None = None, *, release_branch: bool = False,
                 fragments: Sequence[str] = ()) -> list[Problem]:
        log = self.parse(text)
        problems = []
        pending = log.pending
        if not pending and not release_branch:
            where = log.sections[0].line if log.sections else len(t.split_lines(text)) + 1
            problems.append(Problem(where, "no Unreleased section; run changelog.dev-cycle"))
        if len(pending) > 1 and len({s.version for s in pending}) < len(pending):
            problems.append(Problem(pending[1].line, "another Unreleased section for the same version; keep one"))
        if version is not None and len(pending) > 1 and not self._pending_for(log, version, strict=True):
            problems.append(Problem(pending[0].line, f"none of the Unreleased sections is for {version}"))
        seen: dict[Version, Section] = {}
        previous: Section | None = None
        for s in log.sections:
            if s.pending and not s.version:
                continue
            parsed = s.parsed
            if parsed is None:
                problems.append(Problem(s.line, f"title version '{s.version}' is not a PEP 440 version"))
                continue
            if not s.pending:
                try:
                    engine.release_date(s.date or "")
                except ChangelogError:
                    problems.append(Problem(s.line, f"{s.version} has no real release date (YYYY-MM-DD)"))
            if parsed in seen:
                problems.append(Problem(s.line, f"duplicate section for {s.version} (first at line {seen[parsed].line})"))
                continue
            seen[parsed] = s
            if previous is not None and previous.parsed is not None and parsed > previous.parsed:
                problems.append(Problem(s.line, f"{s.version} is newer than {previous.version} above it; "
                                        "releases go newest first"))
            previous = s
        return sorted(problems, key=lambda p: p.line)

    def check_commands(self, main_branch: str) -> tuple[tuple[str, ...], ...]:
        return ()

    def pending(self, text: str, fragments: Sequence[str] = ()) -> bool:
        return bool(self.parse(text).pending)

    def has_release(self, text: str, version: str) -> bool:
        return any(_same(s, version) and s.date for s in self.parse(text).releases)

    def release_date(self, text: str, version: str) -> str | None:
        return next((s.date for s in self.parse(text).releases if _same(s, version) and s.date), None)

    def _pending_for(self, log: RstChangelog, version: str, strict: bool = False) -> Section | None:
        pending = log.pending
        if not pending:
            return None
        try:
            base = Version(Version(version).base_version)
        except InvalidVersion:
            base = None
        matching = [s for s in pending if _same(s, version) or (base is not None and s.parsed == base)]
        if matching:
            return matching[0]
        return pending[0] if len(pending) == 1 and not strict else None

    def _single_pending(self, log: RstChangelog, version: str) -> Section:
        found = self._pending_for(log, version)
        if found is None:
            raise ChangelogError(
                f"no Unreleased section for {version} in {self.path}" if log.pending
                else f"no Unreleased section in {self.path}", "run changelog.dev-cycle, or add one by hand")
        return found

    def finalize(self, text: str, version: str, date: Date, *, from_version: str | None = None) -> Change:
        log = self.parse(text)
        section = self._single_pending(log, version)
        release = _release(version)
        when = engine.release_date(date)
        for s in log.releases:
            if s.parsed is not None and s.parsed >= release:
                raise ChangelogError(f"line {s.line}: {s.version} is {'already released' if s.parsed == release else 'newer'}"
                                     f" than release {release}", "bump to a version newer than every release")
        lines = list(section.lines)
        title = self._title(version.strip(), when)
        head = self.markup.head
        if self.markup.title(lines[0]) != title:
            lines[:head] = self.markup.retitle(lines[:head], title)
        if self.shape == "pallets":
            at = next(i for i in range(head, len(lines)) if not t.is_blank(lines[i]))
            indent = lines[at][: len(lines[at]) - len(lines[at].lstrip())]
            lines[at] = f"{indent}Released {when}{t.ending(lines[at])}"
        section.lines = lines
        return Change(log.render())

    def _next_version(self, log: RstChangelog, version: str) -> str:
        target = Version(Version(version).base_version)
        if any(s.parsed is not None and s.parsed >= target for s in log.releases):
            major, minor, patch = (list(target.release) + [0, 0, 0])[:3]
            target = Version(f"{major}.{minor}.{patch + 1}")
        return str(target)

    def open_next(self, text: str, version: str, *, strict: bool = False) -> Change:
        log = self.parse(text)
        target = self._next_version(log, version)
        if any(_same(s, target) or (not s.version) for s in log.pending):
            return Change()
        nl = t.newline(text)
        title = self._title(target, "unreleased")
        block = self.markup.make(title, log.char, nl)
        if self.shape == "pallets":
            block += f"{nl}Unreleased{nl}"
        block += _gap(log, nl, self.markup.head)
        return Change(_insert(log, 0, block, nl))

    def add_entry(self, text: str, entry: str, section: str | None = None) -> Change:
        log = self.parse(text)
        if not log.pending:
            raise ChangelogError(f"no Unreleased section in {self.path}", "run changelog.dev-cycle, or add one by hand")
        target = log.pending[0]
        if section is not None:
            raise ChangelogError(f"{self.path} has no subsections to put '{section}' under",
                                 "add the entry without a section")
        nl = t.newline(text)
        bullet = next((m["bullet"] for line in t.split_lines(text) if (m := _BULLET.match(line))), "- ")
        lines = target.lines
        head = self.markup.head
        last = max(i for i, line in enumerate(lines) if i < head or not t.is_blank(line))
        new = t.entry_lines(entry, nl, bullet)
        has_entries = any(_BULLET.match(lines[i]) for i in range(head, last + 1))
        if not has_entries:
            new = [nl, *new]
        target.lines = t.join_after(lines, last + 1, new, nl)
        if target is not log.sections[-1] and not t.is_blank(target.lines[-1]):
            target.lines.append(nl)
        return Change(log.render())

    def add_release(self, text: str, version: str, date: Date, entries: Sequence[str]) -> Change:
        log = self.parse(text)
        new = _release(version)
        when = engine.release_date(date)
        if any(s.parsed == new for s in log.sections):
            raise ChangelogError(f"{version} already has a section in {self.path}", "add the entries to it instead")
        nl = t.newline(text)
        bullet = next((m["bullet"] for line in t.split_lines(text) if (m := _BULLET.match(line))), "- ")
        title = self._title(version.strip(), when)
        block = self.markup.make(title, log.char, nl) + nl
        if self.shape == "pallets":
            block += f"Released {when}{nl}{nl}"
        block += "".join(line for e in entries for line in t.entry_lines(e, nl, bullet))
        block += _gap(log, nl, self.markup.head) if entries else ""
        index = next((i for i, s in enumerate(log.sections) if s.parsed is not None and s.parsed < new),
                     len(log.sections))
        return Change(_insert(log, index, block, nl))

    def show(self, text: str, version: str | None = None, *, subjects: Sequence[str] = ()) -> str:
        log = self.parse(text)
        if not log.sections:
            raise ChangelogError(f"{self.path} has no release sections", "run changelog.dev-cycle")
        if version is None:
            return t.strip_trailing_blank(log.sections[0].text)
        for s in log.sections:
            if _same(s, version):
                return t.strip_trailing_blank(s.text)
        raise ChangelogError(f"no section for {version} in {self.path}",
                             f"known versions: {', '.join(s.version or 'Unreleased' for s in log.sections)}")

    def describe_finalize(self, version: str, date: str, *, from_version: str,
                          fragments: Sequence[str] = ()) -> str:
        before = self._title(version.strip(), "unreleased")
        if self.shape == "pallets":
            return f"write {self.path}: {before} / Unreleased => {before} / Released {date}"
        return f"write {self.path}: {before} => {self._title(version.strip(), date)}"

    def describe_open(self, released: str, version: str) -> str:
        pending = self._title(Version(version).base_version, "unreleased")
        return f"write {self.path}: date {released.strip()} unless done, open {pending}" + (
            " / Unreleased" if self.shape == "pallets" else "")


def _release(version: str) -> Version:
    try:
        release = Version(version.strip())
    except InvalidVersion:
        raise ChangelogError(f"version '{version}' is not a PEP 440 version", "use a version like 1.2.3") from None
    if release.is_devrelease:
        raise ChangelogError(f"release version {release} is a dev version", "pass the version being released")
    return release


def _insert(log: RstChangelog, index: int, block: str, nl: str) -> str:
    if index < len(log.sections):
        return log.preamble + "".join(s.text for s in log.sections[:index]) + block \
            + "".join(s.text for s in log.sections[index:])
    before = log.render()
    if before and not t.ending(before):
        before += nl
    if before and not t.is_blank(t.split_lines(before)[-1]):
        before += nl
    return before + block
