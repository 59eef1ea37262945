"""Keep a Changelog (keepachangelog.com): ``## [Unreleased]`` on top, ``## [1.2.0] - 2026-12-01`` below.

The shape follows the format's own CHANGELOG.md (github.com/olivierlacan/keep-a-changelog):
standard subsections ``### Added`` ... ``### Security``, ``[YANKED]`` after a yanked release's
date, and link definitions at the bottom, ``[unreleased]: .../compare/v2.0.0...HEAD`` and one
``[X]: .../compare/PREV...X`` per release. Finalizing dates the Unreleased section and opens
a new empty one above it; the links are carried on in whatever shape the file's links have:
[Unreleased] compares the new tag with what it compared with (``HEAD``, or a branch such as
``main``/``master``: python-poetry/poetry's CHANGELOG.md), and the new release's line is the
newest release's shape, a compare link (GitHub's and GitLab's ``compare/A...B``, or any URL that
names the tags) or the tag's page (``releases/tag/X``, GitLab's ``-/tags/X``). The first release's
lone tag page (or its missing link) gives no shape when [Unreleased] compares.

Files kept before they met releasekit often date releases their own way: ``## 0.28.1 (6th December,
2024)`` (encode/httpx's CHANGELOG.md). A past release dated in words or in parentheses is read as
dated (``changelog.check`` takes it as it is), and a release releasekit records follows the file's
newest heading: its brackets, its ``- DATE`` or ``(DATE)``, and its date style (:mod:`._dates`).
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from packaging.version import InvalidVersion, Version

from releasekit.core import changelog as engine
from releasekit.core.changelog import Problem
from releasekit.core.conventions.changelogs import _dates
from releasekit.core.conventions.changelogs import _text as t
from releasekit.core.conventions.changelogs.base import Change, Date
from releasekit.core.errors import ChangelogError

STANDARD = ("Added", "Changed", "Deprecated", "Removed", "Fixed", "Security")
_HEADER = re.compile(r"\ufeff?## +(?:\[(?P<bracketed>[^\]]*)\]|(?P<bare>\S*))(?P<rest>.*)")
# after the label: `- 2020-01-01`, or a date in words (`- 6th December, 2024`) or in parentheses, then [YANKED]
_REST = re.compile(r"\s*(?:[-–—]\s*(?P<date>[^\s\[]+)|[-–—]\s*(?P<words>[^\[]*?)|\((?P<paren>[^()]*)\))?"
                   r"\s*(?P<yanked>\[YANKED\])?\s*", re.IGNORECASE)
_LINK = re.compile(r"\[(?P<label>[^\]]+)\]:\s*(?P<url>\S+)\s*")
_BULLET = re.compile(r"(?P<char>[-*+]) +\S")  # a list item at the start of a line: `- x`, `* x`, `+ x`
_THEMATIC_BREAK = re.compile(r" {0,3}([-*_])( *\1){2,} *$")  # `* * *`, `---`: a rule, not a list item
_UNRELEASED = "unreleased"
_NO_SECTION_HINT = "add `## [Unreleased]` above the newest release, or run changelog.dev-cycle"


@dataclass
class Section:
    header: str  # the raw header line, with its line ending
    body: str
    line: int  # 1-based
    label: str  # "Unreleased" or the version as written
    bracketed: bool
    date: str | None  # as written: a single word after a dash, or a date in words the file's own way
    yanked: bool
    note: str | None = None  # what stands where the date goes when it is no date (`(soon)`)
    paren: bool = False  # `## 1.0 (DATE)` rather than `## 1.0 - DATE`

    @property
    def text(self) -> str:
        return self.header + self.body

    @property
    def day(self) -> datetime.date | None:
        """The release date, read in the file's style (None: none, or no date)."""
        read = _dates.read(self.date) if self.date else None
        return read[0] if read else None

    @property
    def unreleased(self) -> bool:
        return self.label.strip().lower() == _UNRELEASED

    @property
    def version(self) -> Version | None:
        try:
            return None if self.unreleased else Version(self.label)
        except InvalidVersion:
            return None


@dataclass
class KeepAChangelog:
    """A parsed file: preamble, sections, and the link definitions at the bottom."""

    preamble: str
    sections: list[Section] = field(default_factory=list)
    links: str = ""

    def render(self) -> str:
        return self.preamble + "".join(s.text for s in self.sections) + self.links

    @property
    def unreleased(self) -> list[Section]:
        return [s for s in self.sections if s.unreleased]

    @property
    def releases(self) -> list[Section]:
        return [s for s in self.sections if not s.unreleased]


def parse(text: str) -> KeepAChangelog:
    """Never fails; keeps every byte (``parse(t).render() == t``)."""
    base = engine.parse(text)
    sections = []
    for s in base.sections:
        match = _HEADER.match(t.content(s.header))
        assert match is not None  # engine sections start with "## "
        rest = _REST.fullmatch(match["rest"])
        label = match["bracketed"] if match["bracketed"] is not None else match["bare"]
        date, note = rest["date"] if rest else None, None
        free = next((v.strip() for v in (rest["words"], rest["paren"]) if v and v.strip()), None) if rest else None
        if free:  # a date the file's own way, or a note where the date would be
            date, note = (free, None) if _dates.read(free) else (None, free)
        sections.append(Section(s.header, s.body, s.line, label, match["bracketed"] is not None, date,
                                bool(rest and rest["yanked"]), note, bool(rest and rest["paren"] is not None)))
    log = KeepAChangelog(base.preamble, sections)
    last = log.sections[-1].body if log.sections else log.preamble
    body, links = _split_links(last)
    if log.sections:
        log.sections[-1].body = body
    else:
        log.preamble = body
    log.links = links
    return log


def _split_links(text: str) -> tuple[str, str]:
    """The trailing run of link definitions (blank lines among them allowed) split off ``text``."""
    lines = t.split_lines(text)
    start = len(lines)
    while start and (t.is_blank(lines[start - 1]) or _LINK.fullmatch(t.content(lines[start - 1]))):
        start -= 1
    while start < len(lines) and t.is_blank(lines[start]):
        start += 1
    if start == len(lines):
        return text, ""
    return "".join(lines[:start]), "".join(lines[start:])


def _same(section: Section, version: str) -> bool:
    if section.label.strip() == version.strip():
        return True
    try:
        return section.version == Version(version)
    except InvalidVersion:
        return False


def bullet_of(log: KeepAChangelog) -> str:
    """The bullet the file's own list items start with (``* `` in encode/httpx's CHANGELOG.md), from its
    newest item outside code fences; ``- `` when it has none. Only the character follows the file."""
    for s in log.sections:
        lines = t.split_lines(s.body)
        for line, inside in zip(lines, t.in_fences(lines), strict=True):
            text = t.content(line)
            match = _BULLET.match(text)
            if match and not inside and not _THEMATIC_BREAK.match(text):
                return f"{match['char']} "
    return "- "


# --- headings ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Heading:
    """How the file writes a release's heading, as its newest dated release does (Keep a Changelog's own
    ``## [1.2.0] - 2026-12-01`` when it has none): brackets or not, ``- DATE`` or ``(DATE)``, the date's
    style; and how the pending section is titled."""

    bracketed: bool = True
    paren: bool = False
    dates: _dates.DateStyle = _dates.ISO
    pending: str = "[Unreleased]"

    def release(self, version: str, date: str) -> str:
        """The heading's text (no ``## ``) for ``version`` released on the ISO ``date``."""
        label = f"[{version}]" if self.bracketed else version
        try:
            when = self.dates.render(datetime.date.fromisoformat(date))
        except ValueError:  # not a date to restyle (a plan's placeholder): as given
            when = date
        return f"{label} ({when})" if self.paren else f"{label} - {when}"


def heading_of(text: str) -> Heading:
    """The heading style of the Keep a Changelog file ``text``."""
    log = parse(text)
    pending = next((f"[{s.label}]" if s.bracketed else s.label for s in log.unreleased), "[Unreleased]")
    dated = next(((s, read[1]) for s in log.releases if s.date and (read := _dates.read(s.date))), None)
    if dated is not None:
        return Heading(dated[0].bracketed, dated[0].paren, dated[1], pending)
    return Heading(log.releases[0].bracketed, pending=pending) if log.releases else Heading(pending=pending)


# --- links --------------------------------------------------------------------------------


def _links(log: KeepAChangelog) -> list[tuple[str, str]]:
    """(label, url) of each link definition line (blank lines give ("", ""))."""
    out = []
    for line in t.split_lines(log.links):
        match = _LINK.fullmatch(t.content(line))
        out.append((match["label"], match["url"]) if match else ("", ""))
    return out


def _token(url: str, token: str) -> re.Match[str] | None:
    """The last place ``token`` stands alone in ``url`` (not part of a longer tag or name)."""
    found = list(re.finditer(rf"(?<![\w-])(?<!\w\.){re.escape(token)}(?![\w-]|\.\w)", url))
    return found[-1] if found else None


def _put(url: str, match: re.Match[str], value: str) -> str:
    return url[: match.start()] + value + url[match.end():]


_COMPARE_END = re.compile(r"\.{2,3}(?P<head>[^\s?#]+)")  # `...HEAD`, `...main` after the from-tag
_FIRST_COMPARE = re.compile(r"(?P<start>[^/?#]+?)\.{2,3}(?P<head>[^/\s?#]+)(?=[?#]|$)")
_COMPARE_FROM = re.compile(r"(?P<start>[^/?#]*?)\.{2,3}$")


def _relink(url: str, own: str, start: str, to: str) -> str | None:
    """``url``, the link of the release tagged ``own``, made over for the release tagged ``to`` whose
    predecessor is tagged ``start``: a compare link (``A...own``) becomes ``start...to``, a tag page
    (``releases/tag/own``, ``-/tags/own``) ``to``'s page. None when ``own`` is not in ``url``."""
    at = _token(url, own)
    if at is None:
        return None
    before, after = url[: at.start()], url[at.end():]
    compare = _COMPARE_FROM.search(before)
    if compare and compare["start"]:
        before = before[: compare.start("start")] + start + before[compare.end("start"):]
    return before + to + after


def _unreleased_after(url: str, prev_tag: str | None, new_tag: str) -> tuple[str, str | None]:
    """The [Unreleased] link after releasing ``new_tag``, and the compare link it gives the release (None:
    it gives none). ``PREV...HEAD`` (or ``...main``, any branch: the word is kept) becomes ``NEW...HEAD`` and
    gives ``PREV...NEW``; a link that compares nothing (``tree/main``) stays as it is."""
    if prev_tag is not None:
        old = _token(url, prev_tag)
        end = _COMPARE_END.match(url, old.end()) if old else None
        if old is None or end is None:
            if re.search(r"\.{2,3}", url) is None and _token(url, "HEAD") is None:
                return url, None
            raise ChangelogError(
                f"the [Unreleased] link {url} does not compare {prev_tag} with HEAD or a branch",
                "fix the link, or set `tag` to the template the project's tags follow (e.g. 'v{version}')",
            )
        return _put(url, old, new_tag), url[: end.start("head")] + new_tag + url[end.end("head"):]
    first = _FIRST_COMPARE.search(url)
    if first is not None:  # the first release: whatever it compared from stays its start
        unreleased = url[: first.start("start")] + new_tag + url[first.end("start"):]
        return unreleased, url[: first.start("head")] + new_tag + url[first.end("head"):]
    head = _token(url, "HEAD")
    return url, None if head is None else _put(url, head, new_tag)


def _is_compare(url: str, own: str) -> bool:
    at = _token(url, own)
    found = _COMPARE_FROM.search(url[: at.start()]) if at else None
    return bool(found and found["start"])


def _model(log: KeepAChangelog, tag: str, *, first_page: bool) -> tuple[Section, int, str] | None:
    """The release link that gives a new release's link its shape, as (release, line index, url): the
    newest release's that has one. When only the oldest release has a link and it is its tag page (it
    had nothing to compare with), it decides only with ``first_page`` (there is no [Unreleased] compare
    link to follow instead)."""
    links = _links(log)
    index = {label.lower(): i for i, (label, _) in reversed(list(enumerate(links))) if label}
    releases = [s for s in log.releases if s.version is not None]
    found = [(s, index[s.label.strip().lower()]) for s in releases if s.label.strip().lower() in index]
    if not found:
        return None
    s, at = found[0]
    url = links[at][1]
    own = tag.format(version=s.label.strip())
    if s is releases[-1] and not first_page and not _is_compare(url, own):
        return None
    return s, at, url


def _made_over(model: tuple[Section, int, str], tag: str, start: str, version: str) -> str:
    """The model link made over for ``version`` whose predecessor is the release ``start``."""
    s, _, url = model
    own = s.label.strip()
    made = _relink(url, tag.format(version=own), tag.format(version=start), tag.format(version=version))
    if made is None:  # the links name versions, not tags (e.g. a package index's pages)
        made = _relink(url, own, start, version)
    if made is None:
        raise ChangelogError(f"the [{s.label}] link {url} names neither {tag.format(version=own)} nor {own}",
                             "fix the link, or set `tag` to the template the project's tags follow (e.g. 'v{version}')")
    return made


def _carried_links(log: KeepAChangelog, version: str, tag: str, nl: str) -> str:
    """The link block after releasing ``version``, in the shape the file's links have: [Unreleased]
    compares from the new tag (with HEAD or the branch it named), and a new [version] line, a compare
    with the previous tag or a tag page as the newest release's link is. Every other line is kept."""
    links = _links(log)
    if not any(label for label, _ in links):
        return log.links
    new_tag = tag.format(version=version)
    previous = next((s for s in log.releases if s.version is not None), None)
    prev_tag = tag.format(version=previous.label.strip()) if previous else None
    lines = t.split_lines(log.links)
    unreleased = next((i for i, (label, _) in enumerate(links) if label.lower() == _UNRELEASED), None)
    release_url = None
    if unreleased is not None:
        url = links[unreleased][1]
        unreleased_url, release_url = _unreleased_after(url, prev_tag, new_tag)
        line = lines[unreleased]
        url_at = t.content(line).index(url, t.content(line).index("]:"))
        lines[unreleased] = line[:url_at] + unreleased_url + line[url_at + len(url):]
    model = _model(log, tag, first_page=release_url is None)
    if model is not None and previous is not None:
        release_url = _made_over(model, tag, previous.label.strip(), version)
    if release_url is None or any(label.lower() == version.lower() for label, _ in links):
        return "".join(lines)
    at = unreleased + 1 if unreleased is not None else model[1] if model is not None else 0
    return "".join(t.join_after(lines, at, [f"[{version}]: {release_url}{nl}"], nl))


def _derived_link(log: KeepAChangelog, older: Section, version: str, tag: str) -> str | None:
    """A link for the hotfix ``version`` right above ``older``, in the shape the file's links have
    (``PREV...OLDER`` becomes ``OLDER...VERSION``; ``releases/tag/OLDER`` becomes ``releases/tag/VERSION``)."""
    unreleased = next((url for label, url in _links(log) if label.lower() == _UNRELEASED), None)
    head = _FIRST_COMPARE.search(unreleased) if unreleased else None
    model = _model(log, tag, first_page=head is None)
    if model is not None:
        return _made_over(model, tag, older.label.strip(), version)
    if unreleased is None or head is None:
        return None
    return _relink(unreleased, head["head"], tag.format(version=older.label.strip()), tag.format(version=version))


# --- the format -------------------------------------------------------------------------------


@dataclass(frozen=True)
class KeepAChangelogFormat:
    path: str = "CHANGELOG.md"
    tag: str = "{version}"  # the release tag template, for the compare links
    name: str = "keepachangelog"
    fragment_dir: str | None = None
    needs_subjects: bool = False
    heading: Heading | None = None  # the file's heading style, for the plan's lines (None: the standard one)

    def parse(self, text: str) -> KeepAChangelog:
        return parse(text)

    def problems(self, text: str, version: str | None = None, *, release_branch: bool = False,
                 fragments: Sequence[str] = ()) -> list[Problem]:
        log = parse(text)
        problems: list[Problem] = []
        pending = log.unreleased
        if not pending and not release_branch:
            where = log.sections[0].line if log.sections else len(t.split_lines(text)) + 1
            problems.append(Problem(where, f"no `## [Unreleased]` section; {_NO_SECTION_HINT}"))
        for extra in pending[1:]:
            problems.append(Problem(extra.line, f"another Unreleased section (the first is at line {pending[0].line});"
                                    " keep exactly one"))
        if pending and log.sections[0] is not pending[0]:
            problems.append(Problem(pending[0].line, "the Unreleased section should come first, above every release"))
        current = Version(version) if version else None
        seen: dict[Version, Section] = {}
        previous: Section | None = None
        for s in log.releases:
            problems.extend(_date_problems(s))
            parsed = s.version
            if parsed is None:
                problems.append(Problem(s.line, f"header version '{s.label}' is not a PEP 440 version"))
                continue
            if parsed in seen:
                problems.append(Problem(s.line, f"duplicate section for {s.label} (first at line {seen[parsed].line})"))
                continue
            seen[parsed] = s
            if previous is not None and previous.version is not None and parsed > previous.version:
                problems.append(Problem(s.line, f"{s.label} is newer than {previous.label} above it (line "
                                        f"{previous.line}); releases go newest first"))
            if current is not None and parsed > current:
                problems.append(Problem(s.line, f"{s.label} is newer than the project's version {version}"))
            previous = s
        return sorted(problems, key=lambda p: p.line)

    def check_commands(self, main_branch: str) -> tuple[tuple[str, ...], ...]:
        return ()

    def pending(self, text: str, fragments: Sequence[str] = ()) -> bool:
        return bool(parse(text).unreleased)

    def has_release(self, text: str, version: str) -> bool:
        return any(_same(s, version) and s.date for s in parse(text).releases)

    def release_date(self, text: str, version: str) -> str | None:
        """As YYYY-MM-DD when the file's date is one (``6th December, 2024`` too); else as written."""
        found = next((s for s in parse(text).releases if _same(s, version) and s.date), None)
        if found is None:
            return None
        return found.day.isoformat() if found.day else found.date

    def finalize(self, text: str, version: str, date: Date, *, from_version: str | None = None) -> Change:
        log = parse(text)
        unreleased = _single_unreleased(log)
        release = _release_version(version)
        _require_newest(log.releases, release)
        when = engine.release_date(date)
        nl = t.newline(text)
        header = f"## {heading_of(text).release(version.strip(), when)}{t.ending(unreleased.header)}"
        opened = Section(t.content(unreleased.header) + nl, nl, unreleased.line, unreleased.label,
                         unreleased.bracketed, None, False)
        links = _carried_links(log, version.strip(), self.tag, nl)  # may refuse: before any change
        unreleased.header, unreleased.body = header, _drop_empty_subsections(unreleased.body)
        log.sections.insert(log.sections.index(unreleased), opened)
        log.links = links
        return Change(log.render())

    def open_next(self, text: str, version: str, *, strict: bool = False) -> Change:
        log = parse(text)
        if log.unreleased:
            return Change()
        nl = t.newline(text)
        bracketed = log.releases[0].bracketed if log.releases else True
        block = f"## {'[Unreleased]' if bracketed else 'Unreleased'}{nl}{nl}"
        links = log.links
        if log.releases:
            newest = log.releases[0]
            url = dict((label.lower(), url) for label, url in _links(log) if label).get(newest.label.strip().lower())
            newest_tag = self.tag.format(version=newest.label.strip())
            to = _token(url, newest_tag) if url else None
            if url and to is not None:
                start = _token(url[: to.start()], self.tag.format(version=log.releases[1].label.strip())) \
                    if len(log.releases) > 1 else None
                if start is not None:
                    unreleased_url = _put(url[: to.start()], start, newest_tag) + "HEAD" + url[to.end():]
                    links = f"[unreleased]: {unreleased_url}{nl}" + links
        log.links = links
        return Change(_insert_before(log, 0, block, nl))

    def add_entry(self, text: str, entry: str, section: str | None = None) -> Change:
        log = parse(text)
        unreleased = _single_unreleased(log)
        nl = t.newline(text)
        lines = t.split_lines(unreleased.text)
        levels = t.heading_levels(lines)
        heads = [i for i, level in enumerate(levels) if level == 3 and i > 0]
        names = {_subsection(lines[i]).lower(): i for i in reversed(heads)}
        wanted = (section or STANDARD[0]).strip().rstrip(":").strip()
        valid = list(dict.fromkeys([*STANDARD, *(_subsection(lines[i]) for i in heads)]))
        if wanted.lower() not in {name.lower() for name in valid}:
            raise ChangelogError(f"unknown changelog subsection '{section}'", f"use one of: {', '.join(valid)}")
        new = t.entry_lines(entry, nl, bullet_of(log))
        if wanted.lower() in names:
            head = names[wanted.lower()]
            end = next((i for i in range(head + 1, len(lines)) if levels[i]), len(lines))
            last = max(i for i in range(head, end) if not t.is_blank(lines[i]))
            if last > head:
                lines = t.join_after(lines, last + 1, new, nl)
            else:
                gap = [nl] if last + 1 < len(lines) and not t.is_blank(lines[last + 1]) else []
                lines = t.join_after(lines, head + 1, [nl, *new, *gap], nl)
        else:
            title = next((name for name in STANDARD if name.lower() == wanted.lower()), wanted)
            lines = _create_subsection(lines, heads, title, new, nl)
        if unreleased is not log.sections[-1] and not t.is_blank(lines[-1]):
            lines.append(nl)  # a blank line before the next release's header
        unreleased.header, unreleased.body = lines[0], "".join(lines[1:])
        return Change(log.render())

    def add_release(self, text: str, version: str, date: Date, entries: Sequence[str]) -> Change:
        log = parse(text)
        new = _release_version(version)
        when = engine.release_date(date)
        for s in log.releases:
            if s.version == new:
                raise ChangelogError(f"line {s.line}: {s.label} already has a section",
                                     "add the entries to that section instead")
        nl = t.newline(text)
        block = f"## {heading_of(text).release(version.strip(), when)}{nl}"
        if entries:
            bullet = bullet_of(log)
            block += f"{nl}### Fixed{nl}{nl}" + "".join(line for e in entries for line in t.entry_lines(e, nl, bullet))
        block += nl
        index = next((i for i, s in enumerate(log.sections) if s.version is not None and s.version < new),
                     len(log.sections))
        older = log.sections[index] if index < len(log.sections) else None
        url = _derived_link(log, older, version.strip(), self.tag) if older else None
        if url is not None and older is not None:
            links = t.split_lines(log.links)
            at = next(i for i, (label, _) in enumerate(_links(log)) if label.lower() == older.label.strip().lower())
            log.links = "".join(t.join_after(links, at, [f"[{version.strip()}]: {url}{nl}"], nl))
        return Change(_insert_before(log, index, block, nl))

    def show(self, text: str, version: str | None = None, *, subjects: Sequence[str] = ()) -> str:
        log = parse(text)
        if not log.sections:
            raise ChangelogError("the changelog has no sections", _NO_SECTION_HINT)
        if version is None:
            return t.strip_trailing_blank(log.sections[0].text)
        for s in log.sections:
            if _same(s, version) or (s.unreleased and version.strip().lower() == _UNRELEASED):
                return t.strip_trailing_blank(s.text)
        known = ", ".join(s.label for s in log.sections)
        raise ChangelogError(f"no section for {version} in the changelog", f"known versions: {known}")

    def describe_finalize(self, version: str, date: str, *, from_version: str,
                          fragments: Sequence[str] = ()) -> str:
        heading = self.heading or Heading()
        release = heading.release(version.strip(), date)
        return (f"write {self.path}: {heading.pending} => {release}, a new empty {heading.pending} above it"
                " (and its links, where the file has them)")

    def describe_open(self, released: str, version: str) -> str:
        heading = self.heading or Heading()
        label = f"[{released.strip()}]" if heading.bracketed else released.strip()
        return f"write {self.path}: {heading.pending} => {label} unless done, an {heading.pending} open on top"


# --- helpers -------------------------------------------------------------------------------------


def _single_unreleased(log: KeepAChangelog) -> Section:
    pending = log.unreleased
    if not pending:
        raise ChangelogError("no `## [Unreleased]` section in the changelog", _NO_SECTION_HINT)
    if len(pending) > 1:
        lines = ", ".join(str(s.line) for s in pending)
        raise ChangelogError(f"{len(pending)} Unreleased sections (lines {lines}); there must be exactly one",
                             "merge their entries into the first one and delete the other headers")
    return pending[0]


def _release_version(version: str) -> Version:
    try:
        release = Version(version.strip())
    except InvalidVersion:
        raise ChangelogError(f"version '{version}' is not a PEP 440 version", "use a version like 1.2.3") from None
    if release.is_devrelease:
        raise ChangelogError(f"release version {release} is a dev version", "pass the version being released")
    return release


def _require_newest(releases: Sequence[Section], version: Version) -> None:
    for s in releases:
        if s.version is None:
            continue
        if s.version == version:
            raise ChangelogError(f"line {s.line}: {s.label} already has a section; releasing {version} would "
                                 "duplicate it", "a released version cannot be released again: bump to the next version")
        if s.version > version:
            raise ChangelogError(f"line {s.line}: {s.label} is newer than release {version}",
                                 "bump to a version newer than every release in the changelog")


def _date_problems(section: Section) -> list[Problem]:
    """A past release's date is taken in the file's own style (``(6th December, 2024)``); only a missing
    date, or one that names no real day, is a problem."""
    if section.date is None and section.note is None:
        return [Problem(section.line, f"{section.label} has no release date; write `## [{section.label}] - YYYY-MM-DD`")]
    if section.day is None:
        return [Problem(section.line, f"'{section.date or section.note}' is not a real date; write YYYY-MM-DD")]
    return []


def _subsection(line: str) -> str:
    return t.content(line)[4:].strip().rstrip(":").strip()


def _drop_empty_subsections(body: str) -> str:
    """Remove ``### X`` blocks holding only blank lines; keep the section's trailing blank lines."""
    lines = t.split_lines(body)
    levels = t.heading_levels(lines)
    last = max((i for i, line in enumerate(lines) if not t.is_blank(line)), default=-1)
    content, tail = lines[: last + 1], lines[last + 1:]
    starts = [i for i in range(len(content)) if levels[i] == 3]
    dropped: set[int] = set()
    for n, start in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else len(content)
        if all(t.is_blank(line) for line in content[start + 1:end]):
            dropped.update(range(start, end))
    if not dropped:
        return body
    kept = [line for i, line in enumerate(content) if i not in dropped]
    while kept and t.is_blank(kept[-1]):
        kept.pop()
    return "".join(kept + tail)


def _create_subsection(lines: list[str], heads: list[int], title: str, new: list[str], nl: str) -> list[str]:
    order = {name.lower(): n for n, name in enumerate(STANDARD)}
    rank = order.get(title.lower(), len(order))
    block = [f"### {title}{nl}", nl, *new]
    for i in heads:
        if order.get(_subsection(lines[i]).lower(), -1) > rank:
            return t.join_after(lines, i, [*block, nl], nl)
    last = max(i for i, line in enumerate(lines) if i == 0 or not t.is_blank(line))
    return t.join_after(lines, last + 1, [nl, *block], nl)


def _insert_before(log: KeepAChangelog, index: int, block: str, nl: str) -> str:
    """``block`` before section ``index``, or after the last section (ahead of the links)."""
    if index < len(log.sections):
        before = log.preamble + "".join(s.text for s in log.sections[:index])
        after = "".join(s.text for s in log.sections[index:]) + log.links
        if not before and after.startswith("\ufeff"):  # a byte-order mark stays first
            before, after = "\ufeff", after[1:]
        return before + block + after
    before = log.preamble + "".join(s.text for s in log.sections)
    if before and not t.ending(before):
        before += nl
    if before and not t.is_blank(t.split_lines(before)[-1]):
        before += nl
    return before + block + (nl if log.links else "") + log.links
