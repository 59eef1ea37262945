"""CHANGES.md parsing and editing — pure: text in, text out.

The file is a preamble followed by release sections, newest first. A release
section starts at a line beginning with ``## `` (exactly two hashes) outside a
fenced code block and runs to the next one. ``parse`` keeps every byte, so
``parse(text).render() == text`` for any text; the editing functions rewrite
only the lines they own and leave the rest of the file byte for byte as it was
(fastai's Makefile once rewrote two WIP headers and lost a release's notes).
New lines use the file's own line-ending style.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from packaging.version import InvalidVersion, Version

from releasekit.core.errors import ChangelogError
from releasekit.core.textlines import content as _content
from releasekit.core.textlines import ending as _ending
from releasekit.core.textlines import is_blank as _is_blank
from releasekit.core.textlines import newline as _newline
from releasekit.core.textlines import split_lines as _split_lines
from releasekit.core.versioning import same_version

DEFAULT_TEMPLATE: tuple[str, ...] = ("New", "Changed", "Fixed")

_WIP_NOTE = re.compile(r"\s*work[\s_-]*in[\s_-]*progress\s*", re.IGNORECASE)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATE_LIKE = re.compile(r"[\d\s./-]*\d[\d\s./-]*")
# A note that names a day in words is a date written the wrong way, not a remark like "yanked":
# a relative day or a weekday alone, a month only next to a number ("March 7, 2019").
_DAY_WORDS = re.compile(r"\b(?:today|yesterday|tomorrow|tonight|ago|(?:mon|tues|wednes|thurs|fri|satur|sun)day)\b",
                        re.IGNORECASE)
_MONTH_WORDS = re.compile(r"\b(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
                         r"|sep(?:t|tember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b", re.IGNORECASE)
_HEADER_REST = re.compile(r"\s*(?P<version>\S*)\s*(?:\((?P<note>[^()]*)\))?")
_FENCE = re.compile(r" {0,3}(?P<fence>`{3,}|~{3,})")
_NEW_CYCLE_HINT = "add `## X.Y.Z.dev0 (Work In Progress)` or run changelog.dev-cycle"


# --- the data ---------------------------------------------------------------------------------


@dataclass
class Section:
    """One release section: its raw header line (with line ending) and the raw text below it."""

    header: str
    version: str
    wip: bool
    date: str | None
    line: int
    body: str

    @property
    def text(self) -> str:
        return self.header + self.body

    @property
    def note(self) -> str | None:
        """What the header says in parentheses after the version, e.g. the date."""
        return _parse_header(_content(self.header))[1]

    @property
    def parsed_version(self) -> Version | None:
        try:
            return Version(self.version)
        except InvalidVersion:
            return None


@dataclass
class Changelog:
    """A parsed CHANGES.md; ``render()`` gives back the exact text it came from."""

    preamble: str
    sections: list[Section] = field(default_factory=list)

    def render(self) -> str:
        return self.preamble + "".join(s.text for s in self.sections)

    @property
    def wip_sections(self) -> list[Section]:
        return [s for s in self.sections if s.wip]


@dataclass(frozen=True)
class Problem:
    """A structural problem ``check`` found; ``line`` is 1-based."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


# --- lines ------------------------------------------------------------------------------------


def _heading_kinds(lines: Sequence[str]) -> tuple[list[int], int | None]:
    """Heading level (2 or 3, else 0) of each line, skipping fenced code; and an unclosed fence's index."""
    kinds: list[int] = []
    fence: str | None = None
    opened: int | None = None
    for i, line in enumerate(lines):
        text = _content(line).removeprefix("\ufeff") if i == 0 else _content(line)
        kind = 0
        mark = _FENCE.match(text)
        if fence is not None:
            if mark and mark["fence"][0] == fence[0] and len(mark["fence"]) >= len(fence) \
                    and not text[mark.end():].strip():
                fence = None
        elif mark:
            fence, opened = mark["fence"], i
        elif text.startswith("## "):
            kind = 2
        elif text.startswith("### "):
            kind = 3
        kinds.append(kind)
    return kinds, (opened if fence is not None else None)


def _parse_header(content: str) -> tuple[str, str | None]:
    """The version token and the parenthesised note of a ``## `` header line."""
    rest = content.removeprefix("\ufeff")[3:]
    match = _HEADER_REST.match(rest)
    assert match is not None  # the pattern matches any string
    return match["version"], match["note"]


def _join_after(lines: list[str], index: int, new: list[str], nl: str) -> list[str]:
    """Insert ``new`` (each ending in ``nl``) before ``lines[index]``, keeping a missing final newline missing."""
    if not new:
        return list(lines)
    new = list(new)
    if index == len(lines) and lines and not _ending(lines[-1]):
        lines = [*lines[:-1], lines[-1] + nl]
        new[-1] = _content(new[-1])
    return [*lines[:index], *new, *lines[index:]]


# --- parsing ----------------------------------------------------------------------------------


def parse(text: str) -> Changelog:
    """Split CHANGES.md into its preamble and release sections; never fails, keeps every byte."""
    lines = _split_lines(text)
    kinds, _ = _heading_kinds(lines)
    starts = [i for i, kind in enumerate(kinds) if kind == 2]
    if not starts:
        return Changelog(preamble=text)
    sections = []
    for n, start in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else len(lines)
        header = lines[start]
        version, note = _parse_header(_content(header))
        wip = note is not None and _WIP_NOTE.fullmatch(note) is not None
        date = note.strip() if note is not None and _DATE.fullmatch(note.strip()) else None
        sections.append(Section(header, version, wip, date, start + 1, "".join(lines[start + 1:end])))
    return Changelog(preamble="".join(lines[: starts[0]]), sections=sections)


def render(changelog: Changelog) -> str:
    """The text of a parsed changelog; ``render(parse(t)) == t`` for every ``t``."""
    return changelog.render()


def versions(text: str) -> list[str]:
    """The version of every section as written in its header, in file order (WIP included)."""
    return [s.version for s in parse(text).sections]


def wip_section(text: str) -> Section | None:
    """The Work-In-Progress section, None if there is none; several are an error."""
    return _wip_or_none(parse(text))


def _wip_or_none(log: Changelog) -> Section | None:
    wips = log.wip_sections
    if len(wips) > 1:
        lines = ", ".join(str(s.line) for s in wips)
        raise ChangelogError(
            f"{len(wips)} Work-In-Progress sections (lines {lines}); there must be exactly one",
            "merge their entries into the newest one and delete the other headers",
        )
    return wips[0] if wips else None


def _single_wip(log: Changelog) -> Section:
    wip = _wip_or_none(log)
    if wip is None:
        raise ChangelogError("no Work-In-Progress section in the changelog", _NEW_CYCLE_HINT)
    return wip


# --- values the caller passes -------------------------------------------------------------


def _version(text: str, what: str) -> Version:
    try:
        return Version(text.strip())
    except InvalidVersion:
        raise ChangelogError(f"{what} '{text}' is not a PEP 440 version", "use a version like 1.2.3") from None


def release_date(date: str | datetime.date) -> str:
    """``date`` as YYYY-MM-DD, or a ChangelogError naming what is wrong with it."""
    if isinstance(date, datetime.date):
        return date.isoformat()
    value = date.strip()
    try:
        if not _DATE.fullmatch(value):
            raise ValueError(value)
        datetime.date.fromisoformat(value)
    except ValueError:
        raise ChangelogError(f"release date '{date}' is not a real date", "write it as YYYY-MM-DD") from None
    return value


def _without_dev(version: Version) -> Version:
    """The release a dev version leads to: 1.0.6 for 1.0.6.dev0, 1.0.6.post1 for 1.0.6.post1.dev0."""
    text = (f"{version.epoch}!" if version.epoch else "") + ".".join(map(str, version.release))
    if version.pre:
        text += f"{version.pre[0]}{version.pre[1]}"
    if version.post is not None:
        text += f".post{version.post}"
    return Version(text)




def _require_newest(sections: Iterable[Section], version: Version, label: str) -> None:
    """Refuse a new section that would duplicate or sit above a newer release."""
    for s in sections:
        other = s.parsed_version
        if other is None:
            continue
        if other == version:
            raise ChangelogError(
                f"line {s.line}: {s.version} already has a section; {label} {version} would duplicate it",
                "a released version cannot be released again: bump to the next version",
            )
        if other > version:
            raise ChangelogError(
                f"line {s.line}: {s.version} is newer than {label} {version}",
                "bump to a version newer than every release in the changelog",
            )


def _entry_lines(entry: str, nl: str) -> list[str]:
    """``- entry`` (continuation lines indented under the bullet), so an entry never forms a header."""
    text = entry.strip()
    if not text:
        raise ChangelogError("the changelog entry is empty", "pass the text of the entry")
    first, *rest = text.splitlines()
    bullet = first if first.startswith(("- ", "* ")) else f"- {first}"
    return [bullet + nl] + [(f"  {line}" if line.strip() else "") + nl for line in rest]


# --- finalize ------------------------------------------------------------------------------


def finalize(
    text: str,
    wip_version: str,
    date: str | datetime.date,
    release_version: str | None = None,
) -> str:
    """Date the single WIP section as a release and drop its empty subsections.

    ``wip_version`` is the version file's version: the WIP header's version
    (``1.0.51.dev0``) or the release it leads to (``1.0.51``). The header becomes
    ``## {release_version} ({date})``; ``release_version`` defaults to ``wip_version``
    without its dev segment (``Version.base_version`` for ``X.Y.Z.devN``, epoch kept,
    pre/post kept). Every other byte of the file stays as it was.
    """
    log = parse(text)
    wip = _single_wip(log)
    given = _version(wip_version, "version")
    when = release_date(date)
    wip_v = wip.parsed_version
    if wip_v is None:
        raise ChangelogError(
            f"line {wip.line}: the Work-In-Progress header's version '{wip.version}' is not a PEP 440 version",
            "fix the header to `## X.Y.Z.devN (Work In Progress)`",
        )
    if given not in (wip_v, _without_dev(wip_v), Version(wip_v.base_version)):
        raise ChangelogError(
            f"line {wip.line}: the Work-In-Progress section is for {wip.version} but the version is {wip_version}",
            "make the header and the version file agree before finalizing"
            + ("; once its release is cut, `releasekit changelog.dev-cycle` dates it and opens the next cycle"
               if given > wip_v else ""),
        )
    release = _version(release_version, "release version") if release_version else _without_dev(given)
    if release.is_devrelease:
        raise ChangelogError(f"release version {release} is a dev version", "pass the version being released")
    _require_newest((s for s in log.sections if s is not wip), release, "release")

    ended = bool(_ending(wip.text))
    wip.header = f"## {release} ({when}){_ending(wip.header)}"
    wip.body = _drop_empty_subsections(wip.body)
    if not ended:  # the file's last line had no line ending: it still has none
        if wip.body:
            wip.body = wip.body.removesuffix(_ending(wip.body))
        else:
            wip.header = _content(wip.header)
    return log.render()


def _drop_empty_subsections(body: str) -> str:
    """Remove ``### X:`` blocks holding only blank lines; keep the section's trailing blank lines."""
    lines = _split_lines(body)
    kinds, _ = _heading_kinds(lines)
    last = max((i for i, line in enumerate(lines) if not _is_blank(line)), default=-1)
    content, tail = lines[: last + 1], lines[last + 1:]
    starts = [i for i in range(len(content)) if kinds[i] == 3]
    dropped: set[int] = set()
    for n, start in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else len(content)
        if all(_is_blank(line) for line in content[start + 1:end]):
            dropped.update(range(start, end))
    if not dropped:
        return body
    kept = [line for i, line in enumerate(content) if i not in dropped]
    while kept and _is_blank(kept[-1]):
        kept.pop()
    return "".join(kept + tail)


# --- new sections ----------------------------------------------------------------------------


def dev_cycle(text: str, version: str, template: Sequence[str] = DEFAULT_TEMPLATE) -> str:
    """Open ``## {version} (Work In Progress)`` with empty ``template`` subsections above the newest release."""
    log = parse(text)
    wip = _wip_or_none(log)
    if wip is not None:
        raise ChangelogError(
            f"line {wip.line}: a Work-In-Progress section for {wip.version} already exists",
            "finalize it first (changelog.finalize) or add entries to it",
        )
    new = _version(version, "version")
    _require_newest(log.sections, new, "new cycle")
    nl = _newline(text)
    block = f"## {version.strip()} (Work In Progress){nl}{nl}"
    block += "".join(f"### {name}:{nl}{nl}" for name in template) + nl * 2
    return _insert_section(log, 0, block, nl)


def add_release_section(
    text: str,
    version: str,
    date: str | datetime.date,
    entries: Sequence[str],
    subsection: str = "Fixed",
) -> str:
    """Add a dated section (a hotfix's ``## 1.0.6.post1 (date)``) with ``entries`` under ``### {subsection}:``.

    It goes where its version belongs among the releases (below a WIP section for a
    newer version), so the file stays newest first. No entries: a bare header.
    """
    log = parse(text)
    new = _version(version, "version")
    when = release_date(date)
    for s in log.sections:
        if s.parsed_version == new:
            raise ChangelogError(
                f"line {s.line}: {s.version} already has a section",
                "add the entries to that section instead",
            )
    nl = _newline(text)
    block = f"## {version.strip()} ({when}){nl}"
    if entries:
        block += f"{nl}### {subsection.strip().rstrip(':')}:{nl}{nl}"
        block += "".join(line for entry in entries for line in _entry_lines(entry, nl))
    block += nl * 3
    index = next(
        (i for i, s in enumerate(log.sections) if (v := s.parsed_version) is not None and v < new),
        len(log.sections),
    )
    return _insert_section(log, index, block, nl)


def _insert_section(log: Changelog, index: int, block: str, nl: str) -> str:
    """Insert ``block`` before section ``index``, or at the end after a blank line."""
    if index < len(log.sections):
        before = log.preamble + "".join(s.text for s in log.sections[:index])
        after = "".join(s.text for s in log.sections[index:])
        if not before and after.startswith("\ufeff"):  # a byte-order mark stays first
            before, after = "\ufeff", after[1:]
        return before + block + after
    before = log.render()
    if before and not _ending(before):
        before += nl
    if before and not _is_blank(_split_lines(before)[-1]):
        before += nl
    return before + block


# --- entries ---------------------------------------------------------------------------------


def _subsection_name(line: str) -> str:
    return _content(line)[4:].strip().rstrip(":").strip()


def add_entry(
    text: str,
    entry: str,
    section: str = "new",
    template: Sequence[str] = DEFAULT_TEMPLATE,
) -> str:
    """Append ``- entry`` to a subsection of the WIP section, creating it in template order if missing.

    ``section`` names a template subsection or one already in the WIP section
    (e.g. a hand-added ``### Breaking changes:``), case-insensitively.
    """
    log = parse(text)
    wip = _single_wip(log)
    nl = _newline(text)
    lines = _split_lines(wip.text)  # line 0 is the header
    kinds, _ = _heading_kinds(lines)
    kinds[0] = 2
    heads = [i for i, kind in enumerate(kinds) if kind == 3]
    names = {_subsection_name(lines[i]).lower(): i for i in reversed(heads)}
    wanted = section.strip().rstrip(":").strip().lower()
    valid = list(dict.fromkeys([*template, *(_subsection_name(lines[i]) for i in heads)]))
    if wanted not in {name.lower() for name in valid}:
        raise ChangelogError(
            f"unknown changelog subsection '{section}'",
            f"use one of: {', '.join(valid)}",
        )
    new = _entry_lines(entry, nl)
    if wanted in names:
        lines = _append_to_subsection(lines, kinds, names[wanted], new, nl)
    else:
        title = next((name for name in template if name.lower() == wanted), section.strip())
        lines = _create_subsection(lines, heads, title, template, new, nl)
    wip.header, wip.body = lines[0], "".join(lines[1:])
    return log.render()


def _append_to_subsection(lines: list[str], kinds: list[int], head: int, new: list[str], nl: str) -> list[str]:
    end = next((i for i in range(head + 1, len(lines)) if kinds[i]), len(lines))
    last = max(i for i in range(head, end) if not _is_blank(lines[i]))
    if last > head:
        return _join_after(lines, last + 1, new, nl)
    # an empty subsection: one blank line under its header, one before whatever follows
    gap = [nl] if last + 1 < len(lines) and not _is_blank(lines[last + 1]) else []
    return _join_after(lines, head + 1, [nl, *new, *gap], nl)


def _create_subsection(
    lines: list[str], heads: list[int], title: str, template: Sequence[str], new: list[str], nl: str
) -> list[str]:
    order = {name.lower(): n for n, name in enumerate(template)}
    rank = order.get(title.lower(), len(order))
    block = [f"### {title}:{nl}", nl, *new]
    for i in heads:
        if order.get(_subsection_name(lines[i]).lower(), -1) > rank:
            return _join_after(lines, i, [*block, nl], nl)
    last = max(i for i, line in enumerate(lines) if i == 0 or not _is_blank(line))
    return _join_after(lines, last + 1, [nl, *block], nl)


# --- reading ---------------------------------------------------------------------------------


def show(text: str, version: str | None = None) -> str:
    """One section's text (header and body, trailing blank lines and final line ending stripped).

    By default the first section of the file, which is the newest, WIP included
    (on a release branch that is the release just made). ``version`` selects
    a section by the header's exact version or an equal PEP 440 version.
    """
    log = parse(text)
    if not log.sections:
        raise ChangelogError("the changelog has no release sections", _NEW_CYCLE_HINT)
    found = log.sections[0] if version is None else _find(log, version)
    lines = _split_lines(found.text)
    while len(lines) > 1 and _is_blank(lines[-1]):
        lines.pop()
    return "".join(lines[:-1]) + _content(lines[-1])


def _find(log: Changelog, version: str) -> Section:
    for s in log.sections:
        if s.version == version.strip():
            return s
    for s in log.sections:
        if same_version(s.version, version):
            return s
    known = ", ".join(s.version for s in log.sections)
    raise ChangelogError(f"no section for {version} in the changelog", f"known versions: {known}")


# --- checking --------------------------------------------------------------------------------


def check(text: str, version: str | None = None, require_wip: bool = True) -> list[Problem]:
    """Every structural problem of the file, sorted by line; an empty list means it is fine.

    Problems: not exactly one WIP section (none is fine when ``require_wip`` is
    false; several never are), a WIP version other than ``version``, duplicate
    versions, dates that are not a real YYYY-MM-DD, versions that do not parse,
    versions not in descending PEP 440 order, and a code fence never closed
    (it hides every header below it).
    """
    wanted = _version(version, "version") if version is not None else None
    lines = _split_lines(text)
    _, unclosed = _heading_kinds(lines)
    log = parse(text)
    problems: list[Problem] = []
    if unclosed is not None:
        problems.append(Problem(unclosed + 1, "code fence is never closed; headers below it are not seen"))
    wips = log.wip_sections
    if require_wip and not wips:
        where = log.sections[0].line if log.sections else len(lines) + 1
        problems.append(Problem(where, f"no Work-In-Progress section; {_NEW_CYCLE_HINT}"))
    for extra in wips[1:]:
        problems.append(Problem(
            extra.line, f"another Work-In-Progress section (the first is at line {wips[0].line}); keep exactly one"
        ))
    if wanted is not None and wips and wips[0].parsed_version is not None and wips[0].parsed_version != wanted:
        problems.append(Problem(
            wips[0].line, f"Work-In-Progress section is for {wips[0].version} but the version is {version}"
        ))
    seen: dict[Version, Section] = {}
    previous: Section | None = None
    for s in log.sections:
        problems.extend(_date_problems(s))
        parsed = s.parsed_version
        if parsed is None:
            problems.append(Problem(s.line, f"header version '{s.version}' is not a PEP 440 version"))
            continue
        if parsed in seen:
            problems.append(Problem(s.line, f"duplicate section for {s.version} (first at line {seen[parsed].line})"))
            continue
        seen[parsed] = s
        if previous is not None and previous.parsed_version is not None and parsed > previous.parsed_version:
            problems.append(Problem(
                s.line, f"{s.version} is newer than {previous.version} above it (line {previous.line}); "
                "releases go newest first",
            ))
        previous = s
    return sorted(problems, key=lambda p: p.line)


def _looks_like_a_date(note: str) -> bool:
    return bool(_DATE_LIKE.fullmatch(note) or _DAY_WORDS.search(note)
                or (_MONTH_WORDS.search(note) and re.search(r"\d", note)))


def _date_problems(section: Section) -> list[Problem]:
    note = section.note
    if note is None or section.wip or not _looks_like_a_date(note):
        return []
    value = note.strip()
    try:
        if _DATE.fullmatch(value):
            datetime.date.fromisoformat(value)
            return []
    except ValueError:
        pass
    return [Problem(section.line, f"'{value}' is not a real date; write YYYY-MM-DD")]
