"""Property tests for the CHANGES.md engine: round trip, and what finalize/dev-cycle may not touch."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from hypothesis import given, settings
from hypothesis import strategies as st
from packaging.version import Version

from releasekit.core import changelog

# No deadline: these tests are not about time, and a slow machine must not flake them.
UNTIMED = settings(deadline=None)


@dataclass
class Generated:
    text: str
    wip_version: str
    nl: str


# Entry and paragraph text; never opens a code fence, never starts a heading.
WORDS = (
    st.text(alphabet="abcdefghij klmnop_XYZ`()*.,:0123", min_size=1, max_size=20)
    .map(str.strip)
    .filter(lambda w: w and not w.startswith("`"))
)
SUBSECTIONS = st.sampled_from(["New", "Changed", "Fixed", "Breaking changes", "Deprecated"])


@st.composite
def versions_desc(draw) -> list[Version]:
    """Distinct release versions (finals, pre-, post-releases), newest first."""
    raw = draw(st.lists(
        st.tuples(
            st.integers(0, 3), st.integers(0, 12), st.integers(0, 60),
            st.sampled_from(["", "rc1", "a2", ".post1", ".post2"]),
        ),
        max_size=6,
    ))
    found = {Version(f"{a}.{b}.{c}{suffix}") for a, b, c, suffix in raw}
    return sorted(found, reverse=True)


@st.composite
def dates(draw) -> str:
    return draw(st.dates(datetime.date(2010, 1, 1), datetime.date(2030, 12, 31))).isoformat()


@st.composite
def subsection(draw, nl: str, allow_empty: bool) -> str:
    name = draw(SUBSECTIONS)
    entries = draw(st.lists(WORDS, min_size=0 if allow_empty else 1, max_size=3))
    text = f"### {name}:{nl}" + nl * draw(st.integers(0, 2))
    text += "".join(f"- {e}{nl}" for e in entries)
    if draw(st.integers(0, 4)) == 0:
        text += f"{nl}Note: {draw(WORDS)}{nl}"
    if entries and draw(st.booleans()):
        text += f"{nl}```{nl}## not a header{nl}### nor this{nl}```{nl}"
    return text + nl * draw(st.integers(0 if not entries else 1, 2))


@st.composite
def section_body(draw, nl: str, allow_empty: bool) -> str:
    if not allow_empty and draw(st.integers(0, 5)) == 0:
        return f"{nl}Not Released{nl}{nl}"
    subs = draw(st.lists(subsection(nl, allow_empty), max_size=4))
    return nl + "".join(subs) + nl * draw(st.integers(1, 3))


@st.composite
def changelogs(draw) -> Generated:
    """A well-formed CHANGES.md: preamble, one WIP section on top, dated releases newest first."""
    nl = draw(st.sampled_from(["\n", "\r\n"]))
    preamble = f"# Changes{nl}{nl}"
    preamble += "".join(f"{p}{nl}{nl}" for p in draw(st.lists(WORDS, max_size=2)))
    released = draw(versions_desc())
    top = released[0] if released else Version("0.0.0")
    wip = f"{top.major}.{top.minor}.{top.micro + 1}.dev{draw(st.integers(0, 3))}"
    text = preamble + f"## {wip} (Work In Progress){nl}" + draw(section_body(nl, allow_empty=True))
    for v in released:
        if draw(st.integers(0, 6)) == 0:
            text += f"## {v}{nl}"
        else:
            text += f"## {v} ({draw(dates())}){nl}"
        text += draw(section_body(nl, allow_empty=False))
    if draw(st.booleans()):
        text = text.rstrip("\r\n")
    return Generated(text, wip, nl)


def _next_dev(release: str) -> str:
    v = Version(release)
    return f"{v.major}.{v.minor}.{v.micro + 1}.dev0"


@UNTIMED
@given(changelogs())
def test_parse_render_identity_on_changelogs(gen):
    assert changelog.parse(gen.text).render() == gen.text


@UNTIMED
@given(
    st.lists(st.sampled_from(["#", "## ", "### ", "```", "~~~", " ", "\t", "\n", "\r", "\r\n",
                              "a", "1.0", "(", ")", "\u2028", "\ufeff"])).map("".join)
    | st.text()
)
def test_parse_render_identity_on_any_text(text):
    log = changelog.parse(text)
    assert log.render() == text
    assert all(s.header.startswith(("## ", "\ufeff## ")) for s in log.sections)


@UNTIMED
@given(changelogs(), dates())
def test_finalize_then_dev_cycle_keeps_earlier_sections(gen, date):
    before = changelog.parse(gen.text)
    release = str(Version(gen.wip_version).base_version)
    after = changelog.parse(changelog.dev_cycle(changelog.finalize(gen.text, gen.wip_version, date),
                                                _next_dev(release)))
    assert after.preamble == before.preamble
    assert [s.text for s in after.sections[2:]] == [s.text for s in before.sections[1:]]
    assert after.sections[0].wip and after.sections[0].version == _next_dev(release)
    assert after.sections[1].header.rstrip("\r\n") == f"## {release} ({date})"


@UNTIMED
@given(changelogs(), dates())
def test_finalize_drops_only_empty_subsections(gen, date):
    def entries(text: str) -> list[str]:
        """Every line that says something: all but blank lines and subsection headers."""
        return [line for line in text.splitlines() if line.strip() and not line.startswith("### ")]

    wip = changelog.wip_section(gen.text)
    assert wip is not None
    done = changelog.parse(changelog.finalize(gen.text, gen.wip_version, date)).sections[0]
    assert entries(done.body) == entries(wip.body)
    lines = done.body.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("### "):
            rest = lines[i + 1:]
            following = rest[: next((j for j, x in enumerate(rest) if x.startswith("### ")), len(rest))]
            assert any(x.strip() for x in following), f"empty subsection left: {line!r}"


@UNTIMED
@given(changelogs(), dates())
def test_check_stays_clean_through_a_release(gen, date):
    assert changelog.check(gen.text, gen.wip_version) == [], "the generator makes well-formed files"
    release = str(Version(gen.wip_version).base_version)
    out = changelog.dev_cycle(changelog.finalize(gen.text, gen.wip_version, date), _next_dev(release))
    assert changelog.check(out, _next_dev(release)) == []


@UNTIMED
@given(changelogs(), dates())
def test_edits_keep_the_line_ending_style(gen, date):
    release = str(Version(gen.wip_version).base_version)
    out = changelog.finalize(gen.text, gen.wip_version, date)
    out = changelog.dev_cycle(out, _next_dev(release))
    out = changelog.add_entry(out, "an entry\nover two lines", "fixed")
    if gen.nl == "\r\n":
        assert out.count("\n") == out.count("\r\n")
    else:
        assert "\r" not in out
    assert out.endswith(gen.nl) == gen.text.endswith(gen.nl)


@UNTIMED
@given(changelogs(), WORDS, st.sampled_from(["new", "Changed", "FIXED"]))
def test_add_entry_touches_only_the_wip_section(gen, entry, name):
    before = changelog.parse(gen.text)
    after = changelog.parse(changelog.add_entry(gen.text, entry, name))
    assert after.preamble == before.preamble
    assert [s.text for s in after.sections[1:]] == [s.text for s in before.sections[1:]]
    assert f"- {entry}" in changelog.show(changelog.render(after)).splitlines()
