"""Table tests for the CHANGES.md engine: every rule and every error, on real-file oddities."""

from __future__ import annotations

import datetime

import pytest

from releasekit.core import changelog
from releasekit.core.changelog import DEFAULT_TEMPLATE, Problem
from releasekit.core.errors import ChangelogError

# A file shaped like fastai's, with the oddities maintainers added by hand.
FASTAI = """\
# Changes

Some intro paragraph.
More intro, with a link: <https://example.invalid/docs>.

## 1.0.51.dev0 (Work In Progress)

### Breaking changes:

- renamed `Learner.fit_one` to `Learner.fit_one_cycle`

### New:

- added a thing
- added another thing

### Changed:

### Fixed:



## 1.0.50 (2019-03-19)

### New:

- something new

### Fixed:

- a bug\twith a tab

## 1.0.47.post1 (2019-03-07)

### Fixed:

- hotfix for a missing file in the sdist

## 1.0.45

Not Released

## 1.0.44 (2019-02-13)

### New:

- the first entry
"""

# What finalize must make of it: header rewritten, empty Changed/Fixed gone, the rest intact.
FASTAI_FINAL = FASTAI.replace(
    """## 1.0.51.dev0 (Work In Progress)

### Breaking changes:

- renamed `Learner.fit_one` to `Learner.fit_one_cycle`

### New:

- added a thing
- added another thing

### Changed:

### Fixed:



""",
    """## 1.0.51 (2019-03-20)

### Breaking changes:

- renamed `Learner.fit_one` to `Learner.fit_one_cycle`

### New:

- added a thing
- added another thing



""",
)

NEW_CYCLE = """\
## 1.0.52.dev0 (Work In Progress)

### New:

### Changed:

### Fixed:



"""

# Everything from the first released section on: the bytes no edit may touch.
FASTAI_RELEASED = FASTAI[FASTAI.index("## 1.0.50") :]


def crlf(text: str) -> str:
    return text.replace("\n", "\r\n")


def chomp(text: str) -> str:
    """The same file without its final newline."""
    return text[:-1]


def raises(func, *args, match: str, **kwargs) -> ChangelogError:
    with pytest.raises(ChangelogError) as info:
        func(*args, **kwargs)
    err = info.value
    assert match in str(err)
    assert "\n" not in str(err), "a user error is one line"
    return err


# --- parse / render ----------------------------------------------------------------------------

ROUND_TRIP = {
    "empty": "",
    "only-newline": "\n",
    "preamble-only": "# Changes\n\nNothing released yet.\n",
    "fastai": FASTAI,
    "fastai-crlf": crlf(FASTAI),
    "fastai-no-final-newline": chomp(FASTAI),
    "fastai-crlf-no-final-newline": chomp(crlf(FASTAI)),
    "finalized": FASTAI_FINAL,
    "mixed-endings": "# C\r\n\n## 1.0 (2019-01-01)\r\n- a\n\r\n",
    "lone-cr": "# C\r## 1.0\r- a\r",
    "tabs-and-trailing-space": "# C \t\n\n## 1.0\t(2019-01-01)  \n\n\t- x \n",
    "odd-headers": "##no-space\n## \n##\n###  Fixed\n## not a version (whenever)\n#### deep\n",
    "header-first-line": "## 1.0 (2019-01-01)\n- a",
    "bom": "\ufeff## 1.0 (2019-01-01)\n- a\n",
    "unicode-line-separators": "# C\u2028x\x0c\n## 1.0 (2019-01-01)\x1c\n- a\u2029b\x0b\n",
    "fenced-header": "# C\n\n## 1.0 (2019-01-01)\n\n```md\n## not a header\n```\n",
    "unclosed-fence": "# C\n\n~~~\n## 1.0 (2019-01-01)\n",
    "keep-a-changelog": "# Changelog\n\n## [Unreleased]\n\n## [1.0.0] - 2017-06-20\n### Added\n",
}


@pytest.mark.parametrize("text", ROUND_TRIP.values(), ids=ROUND_TRIP.keys())
def test_parse_then_render_is_the_identity(text):
    log = changelog.parse(text)
    assert changelog.render(log) == text
    assert log.render() == text


def test_parse_splits_preamble_and_sections():
    log = changelog.parse(FASTAI)
    assert log.preamble == "# Changes\n\nSome intro paragraph.\nMore intro, with a link: <https://example.invalid/docs>.\n\n"
    assert [s.version for s in log.sections] == ["1.0.51.dev0", "1.0.50", "1.0.47.post1", "1.0.45", "1.0.44"]
    assert [s.line for s in log.sections] == [6, 23, 33, 39, 43]
    wip, _, hotfix, unreleased, _ = log.sections
    assert wip.header == "## 1.0.51.dev0 (Work In Progress)\n"
    assert (wip.wip, wip.date) == (True, None)
    assert (hotfix.wip, hotfix.date) == (False, "2019-03-07")
    assert hotfix.body == "\n### Fixed:\n\n- hotfix for a missing file in the sdist\n\n"
    assert (unreleased.header, unreleased.body, unreleased.date) == ("## 1.0.45\n", "\nNot Released\n\n", None)


def test_parse_keeps_crlf_in_header_and_body():
    section = changelog.parse(crlf(FASTAI)).sections[2]
    assert section.header == "## 1.0.47.post1 (2019-03-07)\r\n"
    assert section.body == "\r\n### Fixed:\r\n\r\n- hotfix for a missing file in the sdist\r\n\r\n"


HEADERS = {
    "wip": ("## 1.0.51.dev0 (Work In Progress)", "1.0.51.dev0", True, None),
    "wip-lowercase": ("## 1.0.51.dev0 (work in progress)", "1.0.51.dev0", True, None),
    "wip-shouting-dashes": ("## 1.0.51.dev0 (WORK-IN-PROGRESS)", "1.0.51.dev0", True, None),
    "wip-extra-spaces": ("##  2.0.dev3   ( Work  In Progress )", "2.0.dev3", True, None),
    "dated": ("## 1.0.50 (2019-03-19)", "1.0.50", False, "2019-03-19"),
    "dated-hotfix": ("## 1.0.47.post1 (2019-03-07)", "1.0.47.post1", False, "2019-03-07"),
    "dated-trailing-text": ("## 1.0.50 (2019-03-19) - the big one", "1.0.50", False, "2019-03-19"),
    "bare-version": ("## 1.0.45", "1.0.45", False, None),
    "short-date": ("## 1.0.46 (2019-3-7)", "1.0.46", False, None),
    "other-note": ("## 1.0.46 (yanked)", "1.0.46", False, None),
    "words": ("## Older releases", "Older", False, None),
    "nothing": ("## ", "", False, None),
}


@pytest.mark.parametrize("line,version,wip,date", HEADERS.values(), ids=HEADERS.keys())
def test_header_shapes(line, version, wip, date):
    (section,) = changelog.parse(f"# C\n\n{line}\nbody\n").sections
    assert (section.version, section.wip, section.date, section.line) == (version, wip, date, 3)
    assert section.header == line + "\n"


NOT_HEADERS = {
    "one-hash": "# 1.0 (2019-01-01)",
    "three-hashes": "### 1.0 (2019-01-01)",
    "no-space": "##1.0 (2019-01-01)",
    "tab": "##\t1.0 (2019-01-01)",
    "indented": " ## 1.0 (2019-01-01)",
    "in-backtick-fence": "```\n## 1.0 (2019-01-01)\n```",
    "in-tilde-fence": "~~~~ text\n## 1.0 (2019-01-01)\n~~~~",
    "in-long-fence": "````\n```\n## 1.0 (2019-01-01)\n````",
}


@pytest.mark.parametrize("lines", NOT_HEADERS.values(), ids=NOT_HEADERS.keys())
def test_lines_that_are_not_release_headers(lines):
    text = f"# C\n\n## 2.0 (2020-01-01)\n\n{lines}\n"
    log = changelog.parse(text)
    assert [s.version for s in log.sections] == ["2.0"]
    assert log.sections[0].body == f"\n{lines}\n"


def test_byte_order_mark_before_the_first_header():
    text = "\ufeff## 1.0 (2019-01-01)\n- a\n"
    (section,) = changelog.parse(text).sections
    assert (section.header, section.version, section.date) == ("\ufeff## 1.0 (2019-01-01)\n", "1.0", "2019-01-01")
    assert changelog.dev_cycle(text, "1.1.dev0") == "\ufeff" + NEW_CYCLE.replace("1.0.52.dev0", "1.1.dev0") + text[1:]
    assert changelog.versions("\ufeff\ufeff## 1.0\n") == []


def test_only_newline_ends_a_line():
    """str.splitlines() would also split at these and see a header that is not at a line start."""
    text = "# C\n\n## 1.0 (2019-01-01)\n- a\u2028## 0.9\x0c## 0.8\r## 0.7\x1c## 0.6\n"
    assert changelog.versions(text) == ["1.0"]


def test_header_after_a_closed_fence_is_seen():
    text = "# C\n\n```\n## 0.9\n```\n\n## 1.0 (2020-01-01)\n"
    assert changelog.versions(text) == ["1.0"]


def test_versions_and_wip_section():
    assert changelog.versions(FASTAI) == ["1.0.51.dev0", "1.0.50", "1.0.47.post1", "1.0.45", "1.0.44"]
    assert changelog.versions("# Changes\n") == []
    wip = changelog.wip_section(FASTAI)
    assert wip is not None and (wip.version, wip.line) == ("1.0.51.dev0", 6)
    assert changelog.wip_section(FASTAI_FINAL) is None


def test_wip_section_refuses_two():
    two = FASTAI.replace("## 1.0.50 (2019-03-19)", "## 1.0.50.dev0 (Work In Progress)")
    raises(changelog.wip_section, two, match="lines 6, 23")


# --- finalize ------------------------------------------------------------------------------------

FINALIZE = {
    "lf": (FASTAI, FASTAI_FINAL),
    "crlf": (crlf(FASTAI), crlf(FASTAI_FINAL)),
    "no-final-newline": (chomp(FASTAI), chomp(FASTAI_FINAL)),
    "crlf-no-final-newline": (chomp(crlf(FASTAI)), chomp(crlf(FASTAI_FINAL))),
    "nothing-empty": (
        "## 1.0.dev0 (Work In Progress)\n\n### New:\n\n- a\n\n## 0.9 (2019-01-01)\n",
        "## 1.0 (2019-03-20)\n\n### New:\n\n- a\n\n## 0.9 (2019-01-01)\n",
    ),
    "all-empty": (
        "# C\n\n" + NEW_CYCLE.replace("1.0.52.dev0", "1.0.dev0") + "## 0.9 (2019-01-01)\n",
        "# C\n\n## 1.0 (2019-03-20)\n\n\n\n## 0.9 (2019-01-01)\n",
    ),
    "whitespace-only-subsection": (
        "## 1.0.dev0 (Work In Progress)\n\n### New:\n \t\n\n### Fixed:\n\n- b\n",
        "## 1.0 (2019-03-20)\n\n### Fixed:\n\n- b\n",
    ),
    "empty-hand-added-subsection": (
        "## 1.0.dev0 (Work In Progress)\n\n### Breaking changes:\n\n### New:\n\n- a\n\n\n",
        "## 1.0 (2019-03-20)\n\n### New:\n\n- a\n\n\n",
    ),
    "wip-last-no-final-newline": (
        "# C\n\n## 1.0.dev0 (Work In Progress)\n\n### New:\n\n- a\n\n### Fixed:",
        "# C\n\n## 1.0 (2019-03-20)\n\n### New:\n\n- a",
    ),
    "wip-emptied-at-end-of-file": ("# C\n\n## 1.0.dev0 (Work In Progress)\n\n### New:", "# C\n\n## 1.0 (2019-03-20)"),
    "wip-header-is-last-line": ("# C\n\n## 1.0.dev0 (Work In Progress)", "# C\n\n## 1.0 (2019-03-20)"),
    "subsection-text-not-an-entry": (
        "## 1.0.dev0 (Work In Progress)\n\n### New:\n\nSee the docs.\n\n### Fixed:\n\n",
        "## 1.0 (2019-03-20)\n\n### New:\n\nSee the docs.\n\n",
    ),
    "deeper-heading-is-content": (
        "## 1.0.dev0 (Work In Progress)\n\n### New:\n\n#### Vision\n\n### Fixed:\n\n",
        "## 1.0 (2019-03-20)\n\n### New:\n\n#### Vision\n\n",
    ),
    "fenced-subsection-header-is-content": (
        "## 1.0.dev0 (Work In Progress)\n\n### New:\n\n```\n### Fixed:\n\n```\n",
        "## 1.0 (2019-03-20)\n\n### New:\n\n```\n### Fixed:\n\n```\n",
    ),
    "wip-below-a-hotfix": (
        "## 0.9.post1 (2019-03-01)\n\n## 1.0.dev0 (WIP)\n\n## 1.0.dev0 (Work In Progress)\n\n### New:\n\n",
        "## 0.9.post1 (2019-03-01)\n\n## 1.0.dev0 (WIP)\n\n## 1.0 (2019-03-20)\n\n",
    ),
}


@pytest.mark.parametrize("before,after", FINALIZE.values(), ids=FINALIZE.keys())
def test_finalize(before, after):
    wip = changelog.wip_section(before)
    assert wip is not None
    assert changelog.finalize(before, wip.version, "2019-03-20") == after


def test_finalize_keeps_every_byte_outside_the_wip_section():
    for text in (FASTAI, crlf(FASTAI), chomp(crlf(FASTAI))):
        out = changelog.finalize(text, "1.0.51.dev0", "2019-03-20")
        start = text.index("## 1.0.51.dev0")
        assert out[:start] == text[:start]
        released = text[text.index("## 1.0.50") :]
        assert out.endswith(released)


VERSIONS = {
    "dev-version": ("1.0.51.dev0", "1.0.51.dev0", None, "## 1.0.51 (2019-03-20)"),
    "release-version-as-version": ("1.0.51.dev0", "1.0.51", None, "## 1.0.51 (2019-03-20)"),
    "unnormalized-spelling": ("1.0.51.dev0", "1.0.51dev0", None, "## 1.0.51 (2019-03-20)"),
    "explicit-release": ("1.0.51.dev0", "1.0.51.dev0", "1.0.51", "## 1.0.51 (2019-03-20)"),
    "explicit-rc": ("1.1.0.dev0", "1.1.0.dev0", "1.1.0rc1", "## 1.1.0rc1 (2019-03-20)"),
    "epoch-kept": ("1!2.0.dev0", "1!2.0.dev0", None, "## 1!2.0 (2019-03-20)"),
    "rc-dev": ("1.1.0rc1.dev0", "1.1.0rc1.dev0", None, "## 1.1.0rc1 (2019-03-20)"),
    "post-dev": ("1.0.50.post1.dev0", "1.0.50.post1.dev0", None, "## 1.0.50.post1 (2019-03-20)"),
}


@pytest.mark.parametrize("wip,version,release,header", VERSIONS.values(), ids=VERSIONS.keys())
def test_finalize_release_version(wip, version, release, header):
    text = f"# C\n\n## {wip} (Work In Progress)\n\n### New:\n\n- a\n\n## 1.0.50 (2019-03-19)\n"
    out = changelog.finalize(text, version, "2019-03-20", release_version=release)
    assert out == text.replace(f"## {wip} (Work In Progress)", header)


def test_finalize_takes_a_date_object():
    out = changelog.finalize(FASTAI, "1.0.51.dev0", datetime.date(2019, 3, 20))
    assert out == FASTAI_FINAL


TWO_WIPS = FASTAI.replace("## 1.0.50 (2019-03-19)", "## 1.0.50.dev0 (Work In Progress)")

FINALIZE_ERRORS = {
    "no-wip": (FASTAI_FINAL, "1.0.52.dev0", "2019-03-21", None, "no Work-In-Progress section"),
    "no-wip-hint": (FASTAI_FINAL, "1.0.52.dev0", "2019-03-21", None, "run changelog.dev-cycle"),
    "two-wips-the-fastai-bug": (TWO_WIPS, "1.0.51.dev0", "2019-03-20", None, "lines 6, 23"),
    "wip-for-another-version": (FASTAI, "1.0.52.dev0", "2019-03-20", None,
                                "line 6: the Work-In-Progress section is for 1.0.51.dev0 but the version is 1.0.52.dev0"),
    "base-of-another-version": (FASTAI, "1.0.52", "2019-03-20", None, "is for 1.0.51.dev0"),
    "bad-version": (FASTAI, "one-point-oh", "2019-03-20", None, "'one-point-oh' is not a PEP 440 version"),
    "not-a-real-date": (FASTAI, "1.0.51.dev0", "2019-02-30", None, "'2019-02-30' is not a real date"),
    "compact-date": (FASTAI, "1.0.51.dev0", "20190320", None, "is not a real date"),
    "word-date": (FASTAI, "1.0.51.dev0", "today", None, "is not a real date"),
    "release-is-dev": (FASTAI, "1.0.51.dev0", "2019-03-20", "1.0.51.dev1", "is a dev version"),
    "release-exists": (FASTAI, "1.0.51.dev0", "2019-03-20", "1.0.50", "line 23: 1.0.50 already has a section"),
    "release-older": (FASTAI, "1.0.51.dev0", "2019-03-20", "1.0.49", "line 23: 1.0.50 is newer than release 1.0.49"),
    "bad-release-version": (FASTAI, "1.0.51.dev0", "2019-03-20", "soon", "'soon' is not a PEP 440 version"),
    "wip-header-not-a-version": (FASTAI.replace("1.0.51.dev0 (", "next ("), "1.0.51.dev0", "2019-03-20", None,
                                 "line 6: the Work-In-Progress header's version 'next'"),
}


@pytest.mark.parametrize("text,version,date,release,message", FINALIZE_ERRORS.values(), ids=FINALIZE_ERRORS.keys())
def test_finalize_errors(text, version, date, release, message):
    raises(changelog.finalize, text, version, date, release_version=release, match=message)


def test_finalize_refuses_the_fastai_bug_and_leaves_the_text_alone():
    """fastai's sed rewrote both WIP headers into two `## 1.0.62` sections; this refuses instead."""
    before = TWO_WIPS
    raises(changelog.finalize, before, "1.0.51.dev0", "2019-03-20", match="2 Work-In-Progress sections")
    assert before == TWO_WIPS


# --- dev_cycle ---------------------------------------------------------------------------------

DEV_CYCLE = {
    "after-finalize": (FASTAI_FINAL, FASTAI_FINAL.replace("## 1.0.51 (", NEW_CYCLE + "## 1.0.51 (")),
    "crlf": (crlf(FASTAI_FINAL), crlf(FASTAI_FINAL.replace("## 1.0.51 (", NEW_CYCLE + "## 1.0.51 ("))),
    "no-final-newline": (chomp(FASTAI_FINAL), chomp(FASTAI_FINAL.replace("## 1.0.51 (", NEW_CYCLE + "## 1.0.51 ("))),
    "no-preamble": ("## 1.0.51 (2019-03-20)\n", NEW_CYCLE + "## 1.0.51 (2019-03-20)\n"),
    "no-sections": ("# Changes\n\nIntro.\n", "# Changes\n\nIntro.\n\n" + NEW_CYCLE),
    "no-sections-blank-line": ("# Changes\n\n", "# Changes\n\n" + NEW_CYCLE),
    "no-sections-no-newline": ("# Changes", "# Changes\n\n" + NEW_CYCLE),
    "no-sections-crlf": ("# Changes\r\n", "# Changes\r\n\r\n" + crlf(NEW_CYCLE)),
    "empty-file": ("", NEW_CYCLE),
    "unparsable-header-below": ("## Older releases\n", NEW_CYCLE + "## Older releases\n"),
}


@pytest.mark.parametrize("before,after", DEV_CYCLE.values(), ids=DEV_CYCLE.keys())
def test_dev_cycle(before, after):
    assert changelog.dev_cycle(before, "1.0.52.dev0") == after


def test_dev_cycle_with_a_template():
    out = changelog.dev_cycle("## 1.0 (2019-01-01)\n", "1.1.dev0", ("Added", "Removed"))
    assert out == "## 1.1.dev0 (Work In Progress)\n\n### Added:\n\n### Removed:\n\n\n\n## 1.0 (2019-01-01)\n"
    assert DEFAULT_TEMPLATE == ("New", "Changed", "Fixed")


DEV_CYCLE_ERRORS = {
    "wip-exists": (FASTAI, "1.0.52.dev0", "line 6: a Work-In-Progress section for 1.0.51.dev0 already exists"),
    "two-wips": (TWO_WIPS, "1.0.52.dev0", "2 Work-In-Progress sections"),
    "version-released": (FASTAI_FINAL, "1.0.51", "line 6: 1.0.51 already has a section"),
    "version-older": (FASTAI_FINAL, "1.0.51.dev0", "line 6: 1.0.51 is newer than new cycle 1.0.51.dev0"),
    "bad-version": (FASTAI_FINAL, "next", "'next' is not a PEP 440 version"),
}


@pytest.mark.parametrize("text,version,message", DEV_CYCLE_ERRORS.values(), ids=DEV_CYCLE_ERRORS.keys())
def test_dev_cycle_errors(text, version, message):
    raises(changelog.dev_cycle, text, version, match=message)


def test_finalize_then_dev_cycle_keeps_released_sections_and_checks_clean():
    for text in (FASTAI, crlf(FASTAI), chomp(FASTAI)):
        out = changelog.dev_cycle(changelog.finalize(text, "1.0.51.dev0", "2019-03-20"), "1.0.52.dev0")
        assert out.endswith(text[text.index("## 1.0.50") :])
        assert changelog.check(out, "1.0.52.dev0") == []


# --- check ---------------------------------------------------------------------------------------

CHECK = {
    "fastai-fine": (FASTAI, "1.0.51.dev0", True, []),
    "no-version-given": (FASTAI, None, True, []),
    "crlf-fine": (crlf(FASTAI), "1.0.51.dev0", True, []),
    "release-branch-fine": (FASTAI_FINAL, "1.0.51", False, []),
    "no-wip": (FASTAI_FINAL, None, True, [(6, "no Work-In-Progress section")]),
    "no-wip-no-sections": ("# C\n\n", None, True, [(3, "no Work-In-Progress section")]),
    "two-wips-even-if-not-required": (TWO_WIPS, None, False, [(23, "another Work-In-Progress section (the first is at line 6)")]),
    "wip-mismatch": (FASTAI, "1.0.52.dev0", True, [(6, "is for 1.0.51.dev0 but the version is 1.0.52.dev0")]),
    "wip-base-is-a-mismatch": (FASTAI, "1.0.51", True, [(6, "is for 1.0.51.dev0 but the version is 1.0.51")]),
    "duplicate": (FASTAI.replace("## 1.0.45", "## 1.0.50"), None, True, [(39, "duplicate section for 1.0.50 (first at line 23)")]),
    "duplicate-normalized": (FASTAI.replace("## 1.0.45", "## 1.0.50.0"), None, True, [(39, "duplicate section for 1.0.50.0")]),
    "impossible-date": (FASTAI.replace("2019-03-07", "2019-02-30"), None, True, [(33, "'2019-02-30' is not a real date")]),
    "short-date": (FASTAI.replace("2019-03-07", "2019-3-7"), None, True, [(33, "'2019-3-7' is not a real date")]),
    "slashed-date": (FASTAI.replace("2019-03-07", "07/03/2019"), None, True, [(33, "'07/03/2019' is not a real date")]),
    "other-note-is-fine": (FASTAI.replace("(2019-03-07)", "(yanked)"), None, True, []),
    "relative-day": (FASTAI.replace("(2019-03-07)", "(yesterday)"), None, True, [(33, "'yesterday' is not a real date")]),
    "relative-day-capitalised": (FASTAI.replace("(2019-03-07)", "(Today)"), None, True, [(33, "'Today' is not a real date")]),
    "weekday": (FASTAI.replace("(2019-03-07)", "(last Friday)"), None, True, [(33, "'last Friday' is not a real date")]),
    "days-ago": (FASTAI.replace("(2019-03-07)", "(3 days ago)"), None, True, [(33, "'3 days ago' is not a real date")]),
    "month-in-words": (FASTAI.replace("(2019-03-07)", "(March 7, 2019)"), None, True, [(33, "'March 7, 2019' is not a real date")]),
    "month-abbreviated": (FASTAI.replace("(2019-03-07)", "(7 Mar 2019)"), None, True, [(33, "'7 Mar 2019' is not a real date")]),
    "month-word-without-number-is-a-remark": (FASTAI.replace("(2019-03-07)", "(may break plugins)"), None, True, []),
    "day-inside-a-word-is-a-remark": (FASTAI.replace("(2019-03-07)", "(todays-fixes)"), None, True, []),
    "yesterday-in-the-wip-header-is-no-date": (FASTAI.replace("## 1.0.51.dev0 (Work In Progress)", "## 1.0.51.dev0 (yesterday)"),
                                               None, False, [(6, "'yesterday' is not a real date")]),
    "out-of-order": (FASTAI.replace("## 1.0.45", "## 1.0.48"), None, True,
                     [(39, "1.0.48 is newer than 1.0.47.post1 above it (line 33)")]),
    "wip-below-release": ("## 1.0 (2019-01-01)\n\n## 1.1.dev0 (Work In Progress)\n", "1.1.dev0", True,
                          [(3, "1.1.dev0 is newer than 1.0 above it (line 1)")]),
    "bad-header-version": (FASTAI.replace("## 1.0.45", "## Older releases"), None, True,
                           [(39, "header version 'Older' is not a PEP 440 version")]),
    "unclosed-fence": ("## 1.0.dev0 (Work In Progress)\n\n```\n## 0.9 (2019-01-01)\n", None, True,
                       [(3, "code fence is never closed")]),
}


@pytest.mark.parametrize("text,version,require_wip,expected", CHECK.values(), ids=CHECK.keys())
def test_check(text, version, require_wip, expected):
    problems = changelog.check(text, version, require_wip=require_wip)
    assert [p.line for p in problems] == [line for line, _ in expected]
    for problem, (_, message) in zip(problems, expected, strict=True):
        assert message in problem.message


def test_check_reports_every_problem_at_once_in_line_order():
    text = (
        "# C\n\n"
        "## 1.0.dev0 (Work In Progress)\n\n"   # 3: wip for the wrong version
        "## 1.1.dev0 (Work In Progress)\n\n"   # 5: second wip, and newer than the one above
        "## 0.9 (2019-13-01)\n\n"              # 7: bad month
        "## 0.9 (2019-01-01)\n\n"              # 9: duplicate
        "## bogus\n\n"                         # 11: not a version
    )
    problems = changelog.check(text, "2.0.dev0")
    assert [p.line for p in problems] == [3, 5, 5, 7, 9, 11]
    assert str(problems[0]).startswith("line 3: Work-In-Progress section is for 1.0.dev0")
    assert problems[0] == Problem(3, "Work-In-Progress section is for 1.0.dev0 but the version is 2.0.dev0")


def test_check_refuses_a_bad_version_argument():
    raises(changelog.check, FASTAI, "next", match="'next' is not a PEP 440 version")


# --- show ------------------------------------------------------------------------------------------

SHOW = {
    "default-is-first-section-wip-included": (FASTAI, None, FASTAI[FASTAI.index("## 1.0.51.dev0") : FASTAI.index("### Fixed:") + 10]),
    "default-on-release-branch": (FASTAI_FINAL, None, FASTAI_FINAL[FASTAI_FINAL.index("## 1.0.51 ") : FASTAI_FINAL.index("another thing") + 13]),
    "by-version": (FASTAI, "1.0.47.post1", "## 1.0.47.post1 (2019-03-07)\n\n### Fixed:\n\n- hotfix for a missing file in the sdist"),
    "by-normalized-version": (FASTAI, "1.0.047.post01", "## 1.0.47.post1 (2019-03-07)\n\n### Fixed:\n\n- hotfix for a missing file in the sdist"),
    "not-released": (FASTAI, "1.0.45", "## 1.0.45\n\nNot Released"),
    "last-section": (FASTAI, "1.0.44", "## 1.0.44 (2019-02-13)\n\n### New:\n\n- the first entry"),
    "crlf": (crlf(FASTAI), "1.0.45", "## 1.0.45\r\n\r\nNot Released"),
    "odd-header-by-token": ("## Older releases\n\nstuff\n", "Older", "## Older releases\n\nstuff"),
    "header-only": ("## 1.0", None, "## 1.0"),
}


@pytest.mark.parametrize("text,version,expected", SHOW.values(), ids=SHOW.keys())
def test_show(text, version, expected):
    assert changelog.show(text, version) == expected


def test_show_errors():
    err = raises(changelog.show, FASTAI, "9.9", match="no section for 9.9")
    assert "1.0.51.dev0, 1.0.50, 1.0.47.post1, 1.0.45, 1.0.44" in err.hint
    raises(changelog.show, "# Changes\n", match="no release sections")


# --- add_entry -----------------------------------------------------------------------------------

WIP = "# C\n\n## 1.1.dev0 (Work In Progress)\n\n{}\n\n## 1.0 (2019-01-01)\n\n- old\n"
EMPTY = "### New:\n\n### Changed:\n\n### Fixed:\n\n"

ADD_ENTRY = {
    "to-empty-new": (EMPTY, "x", "new", "### New:\n\n- x\n\n### Changed:\n\n### Fixed:\n\n"),
    "to-empty-fixed-keeps-separator": (EMPTY, "x", "fixed", "### New:\n\n### Changed:\n\n### Fixed:\n\n- x\n\n"),
    "after-last-entry": ("### New:\n\n- a\n- b\n\n### Fixed:\n\n", "x", "new", "### New:\n\n- a\n- b\n- x\n\n### Fixed:\n\n"),
    "case-insensitive": ("### Changed:\n\n- a\n", "x", "CHANGED:", "### Changed:\n\n- a\n- x\n"),
    "empty-without-blank-lines": ("### New:\n### Fixed:\n", "x", "new", "### New:\n\n- x\n\n### Fixed:\n"),
    "create-between": ("### New:\n\n- a\n\n### Fixed:\n\n- b\n", "x", "changed",
                       "### New:\n\n- a\n\n### Changed:\n\n- x\n\n### Fixed:\n\n- b\n"),
    "create-first": ("### Fixed:\n\n- b\n", "x", "new", "### New:\n\n- x\n\n### Fixed:\n\n- b\n"),
    "create-last": ("### New:\n\n- a\n", "x", "fixed", "### New:\n\n- a\n\n### Fixed:\n\n- x\n"),
    "hand-added-subsection": ("### Breaking changes:\n\n- a\n\n### New:\n\n", "x", "breaking changes",
                              "### Breaking changes:\n\n- a\n- x\n\n### New:\n\n"),
    "create-skips-hand-added": ("### Breaking changes:\n\n- a\n", "x", "new", "### Breaking changes:\n\n- a\n\n### New:\n\n- x\n"),
    "multi-line-entry": ("### New:\n\n", "first\nsecond\n\nthird", "new", "### New:\n\n- first\n  second\n\n  third\n\n"),
    "bullet-not-doubled": ("### New:\n\n", "- already a bullet", "new", "### New:\n\n- already a bullet\n\n"),
    "header-like-entry-stays-an-entry": ("### New:\n\n", "x\n## 9.9 (2020-01-01)", "new",
                                         "### New:\n\n- x\n  ## 9.9 (2020-01-01)\n\n"),
}


@pytest.mark.parametrize("body,entry,section,expected", ADD_ENTRY.values(), ids=ADD_ENTRY.keys())
def test_add_entry(body, entry, section, expected):
    before = WIP.format(body.rstrip("\n"))
    out = changelog.add_entry(before, entry, section)
    assert out == WIP.format(expected.rstrip("\n"))
    assert changelog.versions(out) == ["1.1.dev0", "1.0"]


ADD_ENTRY_EOF = {
    "crlf": (crlf(WIP.format(EMPTY.rstrip())), "fixed", crlf(WIP.format("### New:\n\n### Changed:\n\n### Fixed:\n\n- x"))),
    "wip-last-no-newline": ("## 1.1.dev0 (Work In Progress)\n\n### New:\n\n- a", "new",
                            "## 1.1.dev0 (Work In Progress)\n\n### New:\n\n- a\n- x"),
    "wip-last-empty-sub-no-newline": ("## 1.1.dev0 (Work In Progress)\n\n### New:", "new",
                                      "## 1.1.dev0 (Work In Progress)\n\n### New:\n\n- x"),
    "wip-header-only-no-newline": ("## 1.1.dev0 (Work In Progress)", "fixed",
                                   "## 1.1.dev0 (Work In Progress)\n\n### Fixed:\n\n- x"),
    "wip-last-crlf-no-newline": ("## 1.1.dev0 (Work In Progress)\r\n\r\n### New:\r\n\r\n- a", "new",
                                 "## 1.1.dev0 (Work In Progress)\r\n\r\n### New:\r\n\r\n- a\r\n- x"),
}


@pytest.mark.parametrize("before,section,expected", ADD_ENTRY_EOF.values(), ids=ADD_ENTRY_EOF.keys())
def test_add_entry_keeps_line_endings(before, section, expected):
    assert changelog.add_entry(before, "x", section) == expected


def test_add_entry_creates_a_subsection_in_an_empty_wip_section():
    before = "## 1.1.dev0 (Work In Progress)\n\n\n\n## 1.0 (2019-01-01)\n"
    out = changelog.add_entry(before, "x", "changed")
    assert out == "## 1.1.dev0 (Work In Progress)\n\n### Changed:\n\n- x\n\n\n\n## 1.0 (2019-01-01)\n"


def test_add_entry_leaves_other_sections_alone():
    out = changelog.add_entry(FASTAI, "yet another thing", "new")
    assert out == FASTAI.replace("- added another thing\n", "- added another thing\n- yet another thing\n")


ADD_ENTRY_ERRORS = {
    "unknown-subsection": (FASTAI, "x", "bugs", "unknown changelog subsection 'bugs'"),
    "no-wip": (FASTAI_FINAL, "x", "new", "no Work-In-Progress section"),
    "two-wips": (TWO_WIPS, "x", "new", "2 Work-In-Progress sections"),
    "empty-entry": (FASTAI, "  \n", "new", "entry is empty"),
}


@pytest.mark.parametrize("text,entry,section,message", ADD_ENTRY_ERRORS.values(), ids=ADD_ENTRY_ERRORS.keys())
def test_add_entry_errors(text, entry, section, message):
    raises(changelog.add_entry, text, entry, section, match=message)


def test_add_entry_unknown_subsection_lists_the_valid_ones():
    err = raises(changelog.add_entry, FASTAI, "x", "bugs", match="unknown")
    assert err.hint == "use one of: New, Changed, Fixed, Breaking changes"


# --- add_release_section -------------------------------------------------------------------------

HOTFIX = "## 1.0.50.post1 (2019-03-21)\n\n### Fixed:\n\n- oops\n- and more\n\n\n\n"

ADD_RELEASE = {
    "below-the-wip": (FASTAI, FASTAI.replace("## 1.0.50 (", HOTFIX + "## 1.0.50 (")),
    "top-on-release-branch": (FASTAI_RELEASED, HOTFIX + FASTAI_RELEASED),
    "crlf": (crlf(FASTAI_RELEASED), crlf(HOTFIX + FASTAI_RELEASED)),
    "no-sections": ("# Changes\n", "# Changes\n\n" + HOTFIX),
    "all-sections-newer": ("## 2.0 (2020-01-01)\n- a", "## 2.0 (2020-01-01)\n- a\n\n" + HOTFIX),
}


@pytest.mark.parametrize("before,after", ADD_RELEASE.values(), ids=ADD_RELEASE.keys())
def test_add_release_section(before, after):
    assert changelog.add_release_section(before, "1.0.50.post1", "2019-03-21", ["oops", "and more"]) == after


def test_add_release_section_subsection_and_no_entries():
    out = changelog.add_release_section("## 1.0 (2019-01-01)\n", "1.0.post1", "2019-01-02", ["x"], subsection="Security")
    assert out == "## 1.0.post1 (2019-01-02)\n\n### Security:\n\n- x\n\n\n\n## 1.0 (2019-01-01)\n"
    out = changelog.add_release_section("## 1.0 (2019-01-01)\n", "1.0.post1", "2019-01-02", [])
    assert out == "## 1.0.post1 (2019-01-02)\n\n\n\n## 1.0 (2019-01-01)\n"


def test_add_release_section_checks_clean():
    out = changelog.add_release_section(FASTAI, "1.0.50.post1", "2019-03-21", ["oops"])
    assert changelog.check(out, "1.0.51.dev0") == []


ADD_RELEASE_ERRORS = {
    "exists": ("1.0.47.post1", "2019-03-21", "line 33: 1.0.47.post1 already has a section"),
    "exists-normalized": ("1.0.47-post1", "2019-03-21", "line 33: 1.0.47.post1 already has a section"),
    "bad-version": ("hotfix", "2019-03-21", "'hotfix' is not a PEP 440 version"),
    "bad-date": ("1.0.50.post1", "2019-03-32", "is not a real date"),
}


@pytest.mark.parametrize("version,date,message", ADD_RELEASE_ERRORS.values(), ids=ADD_RELEASE_ERRORS.keys())
def test_add_release_section_errors(version, date, message):
    raises(changelog.add_release_section, FASTAI, version, date, ["x"], match=message)
