"""Property tests per changelog format: parse -> render is the identity, and finalize then
open-next keeps every earlier section byte for byte (and passes the format's own check)."""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import given, settings
from hypothesis import strategies as st
from packaging.version import Version

from releasekit.core import changelog as engine
from releasekit.core.conventions.changelogs import _dates, keepachangelog
from releasekit.core.conventions.changelogs.keepachangelog import KeepAChangelogFormat
from releasekit.core.conventions.changelogs.none import NoChangelog
from releasekit.core.conventions.changelogs.pallets import PalletsMarkdown
from releasekit.core.conventions.changelogs.rst import Rst
from releasekit.core.conventions.changelogs.towncrier import Towncrier
from releasekit.core.conventions.changelogs.wip import Wip
from tests.unit.test_changelog_properties import WORDS, changelogs, dates, versions_desc

UNTIMED = settings(deadline=None)  # these tests are not about time
NEWLINES = st.sampled_from(["\n", "\r\n"])
ANY_TEXT = st.text(alphabet=st.sampled_from(list("#[]()-.:=~ \n\r\tUnreleasedVrsion0123456789`")), max_size=300)


def _entries(draw, nl: str, bullet: str = "- ") -> str:
    return "".join(f"{bullet}{w}{nl}" for w in draw(st.lists(WORDS, min_size=1, max_size=3)))


def _next_dev(release: str) -> str:
    v = Version(release)
    return f"{v.major}.{v.minor}.{v.micro + 1}.dev0"


def _release_after(versions: list[Version]) -> str:
    return _next_dev(str(versions[0])).removesuffix(".dev0") if versions else "0.1.0"


# --- keepachangelog ---------------------------------------------------------------------------


@dataclass(frozen=True)
class KacLinks:
    """The link block's shape: a forge's URLs, the word [Unreleased] compares with, the release links'
    kind (a compare with the previous tag, or the tag's page), the first release's link (its page or
    none), whether there is an [Unreleased] link, and the tag template."""

    base: str  # https://github.com/o/r or https://gitlab.com/o/r/-
    head: str  # HEAD, main, master
    release: str  # compare | page
    first: str  # page | none
    unreleased: bool
    tag: str

    def page(self, tag: str) -> str:
        return f"{self.base}/{'tags' if 'gitlab' in self.base else 'releases/tag'}/{tag}"

    def link(self, versions: list[Version], n: int) -> str | None:
        """The link of versions[n] (newest first)."""
        tag = self.tag.format(version=versions[n])
        if n == len(versions) - 1:
            return self.page(tag) if self.first == "page" else None
        if self.release == "page":
            return self.page(tag)
        return f"{self.base}/compare/{self.tag.format(version=versions[n + 1])}...{tag}"

    def expected(self, versions: list[Version], release: str) -> tuple[str | None, str | None]:
        """(the [Unreleased] URL, the new release's URL) after releasing ``release``."""
        new, prev = self.tag.format(version=release), self.tag.format(version=versions[0])
        compare = f"{self.base}/compare/{prev}...{new}"
        unreleased = f"{self.base}/compare/{new}...{self.head}" if self.unreleased else None
        if len(versions) > 1:
            return unreleased, compare if self.release == "compare" else self.page(new)
        if self.unreleased:
            return unreleased, compare
        return None, self.page(new) if self.first == "page" else None


kac_links = st.builds(KacLinks, st.sampled_from(["https://github.com/o/r", "https://gitlab.com/o/r/-"]),
                      st.sampled_from(["HEAD", "main", "master"]), st.sampled_from(["compare", "page"]),
                      st.sampled_from(["page", "none"]), st.booleans(), st.sampled_from(["v{version}", "{version}"]))


@st.composite
def kac_files(draw) -> tuple[str, list[Version], KacLinks | None]:
    nl = draw(NEWLINES)
    versions = draw(versions_desc())
    text = f"# Changelog{nl}{nl}Notes follow [Keep a Changelog].{nl}{nl}## [Unreleased]{nl}{nl}"
    for name in draw(st.lists(st.sampled_from(keepachangelog.STANDARD), unique=True, max_size=3)):
        text += f"### {name}{nl}{nl}" + (_entries(draw, nl) + nl if draw(st.booleans()) else "")
    for v in versions:
        yanked = " [YANKED]" if draw(st.integers(0, 5)) == 0 else ""
        text += f"## [{v}] - {draw(dates())}{yanked}{nl}{nl}### Fixed{nl}{nl}" + _entries(draw, nl) + nl
    links = draw(kac_links) if versions and draw(st.booleans()) else None
    if links is not None:
        label = draw(st.sampled_from(["Unreleased", "unreleased"]))
        if links.unreleased:
            text += f"[{label}]: {links.base}/compare/{links.tag.format(version=versions[0])}...{links.head}{nl}"
        for n, v in enumerate(versions):
            url = links.link(versions, n)
            text += f"[{v}]: {url}{nl}" if url else ""
        if text.endswith(f"{nl}{nl}"):  # no link line at all
            links = None
    return text, versions, links


@given(kac_files())
@UNTIMED
def test_kac_parse_render_identity(gen):
    assert keepachangelog.parse(gen[0]).render() == gen[0]


@given(ANY_TEXT)
@UNTIMED
def test_kac_parse_render_identity_on_any_text(text):
    assert keepachangelog.parse(text).render() == text


@given(kac_files(), dates())
@UNTIMED
def test_kac_finalize_then_open_next_keeps_earlier_sections(gen, date):
    text, versions, links = gen
    fmt = KeepAChangelogFormat(tag=links.tag if links else "v{version}")
    release = _release_after(versions)
    done = fmt.finalize(text, release, date).text
    assert done is not None
    after = fmt.open_next(done, _next_dev(release))
    final = done if after.text is None else after.text
    before, now = keepachangelog.parse(text), keepachangelog.parse(final)
    assert [s.text for s in now.releases[1:]] == [s.text for s in before.releases]
    assert now.releases[0].label == release and now.releases[0].date == date
    assert now.sections[0].unreleased and fmt.problems(final, _next_dev(release)) == []
    old_links = [line for line in before.links.splitlines(True) if not line.lower().startswith("[unreleased]")]
    assert [line for line in now.links.splitlines(True) if line in old_links] == old_links
    unreleased, link = links.expected(versions, release) if links else (None, None)
    nl = "\r\n" if "\r\n" in text else "\n"
    added = [line.split("]: ", 1) for line in now.links.splitlines(True) if line not in old_links]
    assert [(label.lower(), url) for label, url in added] == \
        [(label, f"{url}{nl}") for label, url in (("[unreleased", unreleased), (f"[{release}", link)) if url]


# Keep a Changelog files kept in their own heading style (encode/httpx's `## 0.28.1 (6th December, 2024)`):
# brackets or none, `- DATE` or `(DATE)`, dates in words in the spellings _dates reads.
date_styles = st.builds(_dates.DateStyle, st.sampled_from(["iso", "day-first", "month-first"]), st.booleans(),
                        st.booleans(), st.booleans(), st.booleans())
headings = st.builds(keepachangelog.Heading, st.booleans(), st.booleans(), date_styles,
                     st.sampled_from(["[Unreleased]", "[UNRELEASED]", "Unreleased"]))


@st.composite
def kac_own_style_files(draw) -> tuple[str, list[Version], keepachangelog.Heading]:
    nl, heading = draw(NEWLINES), draw(headings)
    versions = [v for v in draw(versions_desc()) if not v.is_devrelease] or [Version("1.0.0")]
    text = f"# Changelog{nl}{nl}Based on Keep a Changelog.{nl}{nl}## {heading.pending}{nl}{nl}"
    text += _entries(draw, nl, "* ") + nl if draw(st.booleans()) else ""
    for v in versions:
        when = draw(dates().filter(lambda d: d[5:7] != "05"))  # "May" cannot tell a short month from a long one
        text += f"## {heading.release(str(v), when)}{nl}{nl}" + _entries(draw, nl, "* ") + \
            draw(st.sampled_from([nl, f" {nl}"]))
    return text, versions, heading


@given(kac_own_style_files(), dates())
@UNTIMED
def test_kac_own_heading_style_is_read_kept_and_followed(gen, date):
    text, versions, heading = gen
    fmt = KeepAChangelogFormat()
    assert keepachangelog.parse(text).render() == text
    assert fmt.problems(text, str(versions[0])) == []
    release = _release_after(versions)
    done = fmt.finalize(text, release, date).text
    assert done is not None
    before, now = keepachangelog.parse(text), keepachangelog.parse(done)
    assert [s.text for s in now.releases[1:]] == [s.text for s in before.releases]
    assert now.releases[0].header.rstrip("\r\n") == f"## {heading.release(release, date)}"
    assert fmt.release_date(done, release) == date and fmt.problems(done, release) == []
    assert now.sections[0].unreleased and fmt.open_next(done, _next_dev(release)).empty


# --- wip ------------------------------------------------------------------------------------------


@given(changelogs(), dates())
@UNTIMED
def test_wip_format_writes_what_the_engine_writes(gen, date):
    fmt = Wip()
    release = str(engine._without_dev(Version(gen.wip_version)))  # what the rite releases it as
    done = fmt.finalize(gen.text, release, date).text
    assert done == engine.finalize(gen.text, gen.wip_version, date, release_version=release)
    nxt = _next_dev(release)
    assert fmt.open_next(done, nxt).text == engine.dev_cycle(done, nxt)
    assert fmt.parse(gen.text).render() == gen.text


# --- rst ------------------------------------------------------------------------------------------


@st.composite
def rst_files(draw) -> tuple[str, str, list[Version]]:
    nl, shape = draw(NEWLINES), draw(st.sampled_from(["pallets", "dated"]))
    versions = [v for v in draw(versions_desc()) if not v.is_prerelease] or [Version("1.0.0")]
    char = draw(st.sampled_from(["-", "="]))
    gap = nl * draw(st.integers(1, 2))
    text = f"Changes{nl}{'#' * 7}{nl}{nl}" if draw(st.booleans()) else ""
    pending = _release_after(versions)
    for n, v in enumerate([pending, *map(str, versions)]):
        date = draw(dates())
        title = f"Version {v}" if shape == "pallets" else f"{v} ({'unreleased' if n == 0 else date})"
        text += f"{title}{nl}{char * (len(title) + draw(st.integers(0, 2)))}{nl}{nl}"
        if shape == "pallets":
            text += ("Unreleased" if n == 0 else f"Released {date}") + nl + nl
        text += _entries(draw, nl, draw(st.sampled_from(["- ", "-   "]))) + gap
    return text, shape, versions


def _released_then_reopened(fmt, text: str, versions, date: str):
    """Finalize the next release, then open the cycle after it; the sections before it stay as they were.
    Returns the release, the final text and the parses before and after (for sectioned formats)."""
    release = _release_after(versions)
    done = fmt.finalize(text, release, date).text
    assert done is not None
    final = fmt.open_next(done, _next_dev(release)).text
    assert final is not None
    before, now = fmt.parse(text), fmt.parse(final)
    assert [s.text for s in now.sections[2:]] == [s.text for s in before.sections[1:]]
    return release, final, before, now


@given(rst_files(), dates())
@UNTIMED
def test_rst_parse_identity_and_finalize_then_open_next_keeps_earlier_sections(gen, date):
    text, shape, versions = gen
    fmt = Rst(shape=shape)
    assert fmt.parse(text).render() == text
    release, final, before, now = _released_then_reopened(fmt, text, versions, date)
    assert now.sections[0].pending and fmt.release_date(final, release) == date
    assert fmt.problems(final) == []


@given(ANY_TEXT)
@UNTIMED
def test_rst_parse_render_identity_on_any_text(text):
    assert Rst(shape="pallets").parse(text).render() == text and Rst(shape="dated").parse(text).render() == text


# --- pallets (Markdown: click's CHANGES.md) --------------------------------------------------------


@st.composite
def pallets_md_files(draw) -> tuple[str, list[Version]]:
    nl = draw(NEWLINES)
    versions = [v for v in draw(versions_desc()) if not v.is_prerelease] or [Version("1.0.0")]
    gap = nl * draw(st.integers(1, 2))
    text = f"# Changes{nl}{nl}" if draw(st.booleans()) else ""
    pending = _release_after(versions)
    for n, v in enumerate([pending, *map(str, versions)]):
        text += f"## Version {v}{nl}{nl}" + ("Unreleased" if n == 0 else f"Released {draw(dates())}") + nl + nl
        text += (f"### {draw(WORDS)}{nl}{nl}" if draw(st.integers(0, 4)) == 0 else "")
        text += _entries(draw, nl, draw(st.sampled_from(["- ", "-   "]))) + gap
    return text, versions


@given(pallets_md_files(), dates())
@UNTIMED
def test_pallets_md_parse_identity_and_finalize_then_open_next_keeps_earlier_sections(gen, date):
    text, versions = gen
    fmt = PalletsMarkdown()
    assert fmt.parse(text).render() == text and fmt.problems(text, _next_dev(str(versions[0]))) == []
    release, final, before, now = _released_then_reopened(fmt, text, versions, date)
    assert now.sections[1].text == before.sections[0].text.replace("Unreleased", f"Released {date}", 1)
    assert now.sections[0].pending and fmt.release_date(final, release) == date
    assert fmt.problems(final) == [] and fmt.open_next(final, _next_dev(release)).empty


@given(ANY_TEXT)
@UNTIMED
def test_pallets_md_parse_render_identity_on_any_text(text):
    assert PalletsMarkdown().parse(text).render() == text


# --- towncrier ------------------------------------------------------------------------------------


@given(ANY_TEXT, st.sampled_from(["1.2.0", "2.0.0rc1"]), dates())
@UNTIMED
def test_towncrier_never_edits_the_news_file_itself(text, version, date):
    fmt = Towncrier()
    assert fmt.parse(text).render() == text
    if not fmt.has_release(text, version):
        change = fmt.finalize(text, version, date)
        assert change.text is None and not change.files
        assert change.commands == (("towncrier", "build", "--version", version, "--date", date, "--yes"),)
    assert fmt.open_next(text, version).empty


# --- none -----------------------------------------------------------------------------------------


@given(st.lists(WORDS, max_size=6))
@UNTIMED
def test_none_notes_list_every_subject_in_order(subjects):
    fmt = NoChangelog()
    notes = fmt.show("", "1.0.0", subjects=subjects)
    assert notes.splitlines() == [f"- {s}" for s in subjects]
    assert fmt.parse("x").render() == "x" and fmt.finalize("", "1.0.0", "2020-01-01").empty
