"""Each changelog format on small files shaped like real ones (the source of each shape is named)."""

from __future__ import annotations

import pytest

from releasekit.core import changelog as engine
from releasekit.core.conventions.changelogs import keepachangelog
from releasekit.core.conventions.changelogs.keepachangelog import KeepAChangelogFormat
from releasekit.core.conventions.changelogs.none import NoChangelog
from releasekit.core.conventions.changelogs.pallets import PalletsMarkdown
from releasekit.core.conventions.changelogs.rst import Rst, shape_of
from releasekit.core.conventions.changelogs.towncrier import Towncrier, settings_from
from releasekit.core.conventions.changelogs.wip import Wip
from releasekit.core.errors import ChangelogError

# --- keepachangelog ------------------------------------------------------------------------------
# Shape of github.com/olivierlacan/keep-a-changelog's own CHANGELOG.md (2.0.0): preamble, an empty
# [Unreleased], dated releases with the standard subsections, lower-case [unreleased] link first.
KAC = """\
# Changelog

All notable changes to this project will be documented in this file.

The format is based on [Keep a Changelog](https://keepachangelog.com/en/1.1.0/).

## [Unreleased]

### Added

- Shiny new option.

## [1.1.0] - 2026-06-07

### Changed

- Faster start.

## [1.0.1] - 2026-03-01 [YANKED]

### Fixed

- A crash.

## [1.0.0] - 2026-01-15

### Added

- First release.

[unreleased]: https://github.com/acme/widget/compare/v1.1.0...HEAD
[1.1.0]: https://github.com/acme/widget/compare/v1.0.1...v1.1.0
[1.0.1]: https://github.com/acme/widget/compare/v1.0.0...v1.0.1
[1.0.0]: https://github.com/acme/widget/releases/tag/v1.0.0
"""
KAC_FMT = KeepAChangelogFormat("CHANGELOG.md", tag="v{version}")


def test_kac_finalize_dates_unreleased_opens_a_new_one_and_carries_the_links():
    new = KAC_FMT.finalize(KAC, "1.2.0", "2026-12-01").text
    assert new is not None
    assert "## [Unreleased]\n\n## [1.2.0] - 2026-12-01\n\n### Added\n\n- Shiny new option.\n\n## [1.1.0]" in new
    assert new.endswith(
        "[unreleased]: https://github.com/acme/widget/compare/v1.2.0...HEAD\n"
        "[1.2.0]: https://github.com/acme/widget/compare/v1.1.0...v1.2.0\n"
        "[1.1.0]: https://github.com/acme/widget/compare/v1.0.1...v1.1.0\n"
        "[1.0.1]: https://github.com/acme/widget/compare/v1.0.0...v1.0.1\n"
        "[1.0.0]: https://github.com/acme/widget/releases/tag/v1.0.0\n")
    assert KAC_FMT.problems(new) == []
    assert KAC_FMT.has_release(new, "1.2.0") and KAC_FMT.release_date(new, "1.2.0") == "2026-12-01"
    assert KAC_FMT.open_next(new, "1.2.1.dev0").empty  # the new [Unreleased] is open already


def test_kac_gitlab_links_keep_their_shape_and_bare_unreleased_header_is_kept():
    # GitLab's compare URLs have /-/compare/; `## Unreleased` without brackets (both seen in the wild)
    text = ("# Changelog\n\n## Unreleased\n\n### Fixed\n\n- x\n\n## [0.3.0] - 2025-05-05\n\n- y\n\n"
            "[Unreleased]: https://gitlab.com/acme/widget/-/compare/0.3.0...HEAD\n"
            "[0.3.0]: https://gitlab.com/acme/widget/-/compare/0.2.0...0.3.0\n")
    new = KeepAChangelogFormat(tag="{version}").finalize(text, "0.4.0", "2026-01-02").text
    assert new is not None
    assert "## Unreleased\n\n## [0.4.0] - 2026-01-02\n\n### Fixed\n\n- x\n\n## [0.3.0]" in new
    assert "[Unreleased]: https://gitlab.com/acme/widget/-/compare/0.4.0...HEAD\n" \
           "[0.4.0]: https://gitlab.com/acme/widget/-/compare/0.3.0...0.4.0\n" in new


def test_kac_link_for_another_tag_style_is_refused_before_anything_changes():
    with pytest.raises(ChangelogError, match=r"does not compare 1\.1\.0 with HEAD.*set `tag`"):
        KeepAChangelogFormat(tag="{version}").finalize(KAC, "1.2.0", "2026-12-01")


def test_kac_without_links_is_left_without_links():
    text = "## [Unreleased]\n\n- a\n\n## [1.0.0] - 2020-01-01\n\n- b\n"
    assert KAC_FMT.finalize(text, "1.1.0", "2026-12-01").text == \
        "## [Unreleased]\n\n## [1.1.0] - 2026-12-01\n\n- a\n\n## [1.0.0] - 2020-01-01\n\n- b\n"


def test_kac_yanked_release_is_a_release_and_its_version_cannot_come_back():
    assert KAC_FMT.has_release(KAC, "1.0.1")
    assert KAC_FMT.problems(KAC) == []
    newest_yanked = "## [Unreleased]\n\n- a\n\n## [1.0.1] - 2026-03-01 [YANKED]\n\n- b\n"
    assert KAC_FMT.show(newest_yanked, "1.0.1") == "## [1.0.1] - 2026-03-01 [YANKED]\n\n- b"
    with pytest.raises(ChangelogError, match="1.0.1 already has a section"):
        KAC_FMT.finalize(newest_yanked, "1.0.1", "2026-12-01")


def test_kac_empty_subsections_are_dropped_on_finalize():
    text = "## [Unreleased]\n\n### Added\n\n### Fixed\n\n- f\n\n## [1.0.0] - 2020-01-01\n"
    new = KAC_FMT.finalize(text, "1.0.1", "2026-12-01").text
    assert new == "## [Unreleased]\n\n## [1.0.1] - 2026-12-01\n\n### Fixed\n\n- f\n\n## [1.0.0] - 2020-01-01\n"


@pytest.mark.parametrize("section, expected", [
    ("added", "### Added\n\n- Shiny new option.\n- entry\n\n## [1.1.0]"),
    ("Security", "### Added\n\n- Shiny new option.\n\n### Security\n\n- entry\n\n## [1.1.0]"),
    ("changed", "### Added\n\n- Shiny new option.\n\n### Changed\n\n- entry\n\n## [1.1.0]"),
], ids=["existing", "created-last", "created-in-order"])
def test_kac_add_entry_uses_the_standard_subsections(section, expected):
    new = KAC_FMT.add_entry(KAC, "entry", section).text
    assert new is not None and "## [Unreleased]\n\n" + expected in new


def test_kac_add_entry_creates_subsections_in_standard_order_and_refuses_unknown_ones():
    text = "## [Unreleased]\n\n### Fixed\n\n- f\n\n## [1.0.0] - 2020-01-01\n"
    assert KAC_FMT.add_entry(text, "d", "deprecated").text == \
        "## [Unreleased]\n\n### Deprecated\n\n- d\n\n### Fixed\n\n- f\n\n## [1.0.0] - 2020-01-01\n"
    with pytest.raises(ChangelogError, match="unknown changelog subsection 'Bugfixes'.*Added, Changed"):
        KAC_FMT.add_entry(text, "d", "Bugfixes")


@pytest.mark.parametrize("text, message", [
    ("## [1.0.0] - 2020-01-01\n", "no `## [Unreleased]` section"),
    ("## [Unreleased]\n\n## [Unreleased]\n", "another Unreleased section"),
    ("## [Unreleased]\n\n## [1.0.0]\n", "1.0.0 has no release date"),
    ("## [Unreleased]\n\n## [1.0.0] - 2020-02-31\n", "'2020-02-31' is not a real date"),
    ("## [Unreleased]\n\n## [1.0.0] - 2020-01-01\n\n## [1.1.0] - 2020-02-01\n", "newest first"),
    ("## [Unreleased]\n\n## [1.0.0] - 2020-01-01\n\n## [1.0.0] - 2020-01-01\n", "duplicate section"),
], ids=["no-unreleased", "two-unreleased", "no-date", "bad-date", "order", "duplicate"])
def test_kac_problems(text, message):
    assert any(message in p.message for p in KAC_FMT.problems(text)), KAC_FMT.problems(text)


def test_kac_release_branch_needs_no_unreleased_and_show_prints_one_release():
    text = "## [1.0.0] - 2020-01-01\n\n### Added\n\n- b\n\n[1.0.0]: https://x/releases/tag/v1.0.0\n"
    assert KAC_FMT.problems(text, release_branch=True) == []
    assert KAC_FMT.show(KAC, "1.1.0") == "## [1.1.0] - 2026-06-07\n\n### Changed\n\n- Faster start."
    assert KAC_FMT.show(text) == "## [1.0.0] - 2020-01-01\n\n### Added\n\n- b"


def test_kac_hotfix_section_goes_in_place_with_a_link_in_the_same_shape():
    new = KAC_FMT.add_release(KAC, "1.1.1", "2026-07-01", ["Fix the fix"]).text
    assert new is not None
    assert "- Shiny new option.\n\n## [1.1.1] - 2026-07-01\n\n### Fixed\n\n- Fix the fix\n\n## [1.1.0]" in new
    assert "[1.1.1]: https://github.com/acme/widget/compare/v1.1.0...v1.1.1\n" \
           "[1.1.0]: https://github.com/acme/widget/compare/v1.0.1...v1.1.0\n" in new


@pytest.mark.parametrize("bullet", ["* ", "+ ", "- "], ids=["star", "plus", "dash"])
def test_kac_written_entries_follow_the_files_own_bullet(bullet):
    text = KAC.replace("\n- ", f"\n{bullet}")
    hotfix = KAC_FMT.add_release(text, "1.1.1", "2026-07-01", ["Fix the fix", "And\nmore"]).text
    assert hotfix is not None and \
        f"## [1.1.1] - 2026-07-01\n\n### Fixed\n\n{bullet}Fix the fix\n{bullet}And\n  more\n\n## [1.1.0]" in hotfix
    added = KAC_FMT.add_entry(text, "entry", "added").text
    assert added is not None and f"### Added\n\n{bullet}Shiny new option.\n{bullet}entry\n\n## [1.1.0]" in added


def test_kac_the_bullet_is_the_newest_list_items_and_a_dash_without_any():
    mixed = "## [Unreleased]\n\n```\n- not an entry\n```\n\n## [1.0.0] - 2020-01-01\n\n* a\n\n## [0.9.0] - 2019-01-01\n\n- b\n"
    assert "### Fixed\n\n* f\n" in str(KAC_FMT.add_release(mixed, "1.0.1", "2026-07-01", ["f"]).text)
    bare = "## [Unreleased]\n\n## [1.0.0] - 2020-01-01\n\nFirst release, no list.\n"
    assert "### Fixed\n\n- f\n" in str(KAC_FMT.add_release(bare, "1.0.1", "2026-07-01", ["f"]).text)


def test_kac_an_entry_typed_with_a_bullet_gets_the_files_and_a_rule_is_no_bullet():
    """`- x` typed for a `* ` file becomes `* x`, `+ x` for a `+ ` file stays one bullet, and a
    thematic break (`* * *`) between releases does not decide the bullet."""
    star = KAC.replace("\n- ", "\n* ")
    added = KAC_FMT.add_entry(star, "- typed with a dash", "added").text
    assert added is not None and "* Shiny new option.\n* typed with a dash\n" in added
    plus = KAC.replace("\n- ", "\n+ ")
    added = KAC_FMT.add_entry(plus, "+ typed with a plus", "added").text
    assert added is not None and "+ Shiny new option.\n+ typed with a plus\n" in added
    ruled = "## [Unreleased]\n\n* * *\n\n## [1.0.0] - 2020-01-01\n\n- a\n"
    assert "### Fixed\n\n- f\n" in str(KAC_FMT.add_release(ruled, "1.0.1", "2026-07-01", ["f"]).text)


def test_kac_open_next_restores_a_missing_unreleased_with_its_link():
    text = KAC.replace("## [Unreleased]\n\n### Added\n\n- Shiny new option.\n\n", "").replace(
        "[unreleased]: https://github.com/acme/widget/compare/v1.1.0...HEAD\n", "")
    new = KAC_FMT.open_next(text, "1.1.1.dev0").text
    assert new is not None and "\n## [Unreleased]\n\n## [1.1.0] - 2026-06-07\n" in new
    assert "\n[unreleased]: https://github.com/acme/widget/compare/v1.1.0...HEAD\n[1.1.0]:" in new


# The link shapes real Keep a Changelog files use, each finalized: the [Unreleased] line and the new
# release's line in the file's own shape, every other line of the block byte for byte.
# - python-poetry/poetry: [Unreleased] compares with the branch (`...main`), each release links its tag page;
# - GitLab-hosted projects: `/-/compare/A...master`, tag pages at `/-/tags/X`;
# - olivierlacan/keep-a-changelog: compare links, the first release its tag page (or no link at all).
KAC_BODY = "## [Unreleased]\n\n- new\n\n## [1.1.0] - 2026-06-07\n\n- b\n\n## [1.0.0] - 2026-01-15\n\n- a\n\n"


@pytest.mark.parametrize("links, unreleased, release", [
    ("[Unreleased]: https://github.com/o/r/compare/v1.1.0...main\n"
     "[1.1.0]: https://github.com/o/r/releases/tag/v1.1.0\n[1.0.0]: https://github.com/o/r/releases/tag/v1.0.0\n",
     "https://github.com/o/r/compare/v1.2.0...main", "https://github.com/o/r/releases/tag/v1.2.0"),
    ("[Unreleased]: https://gitlab.com/o/r/-/compare/v1.1.0...master\n"
     "[1.1.0]: https://gitlab.com/o/r/-/tags/v1.1.0\n[1.0.0]: https://gitlab.com/o/r/-/tags/v1.0.0\n",
     "https://gitlab.com/o/r/-/compare/v1.2.0...master", "https://gitlab.com/o/r/-/tags/v1.2.0"),
    ("[Unreleased]: https://github.com/o/r/compare/v1.1.0...HEAD\n"
     "[1.1.0]: https://github.com/o/r/compare/v1.0.0...v1.1.0\n[1.0.0]: https://github.com/o/r/releases/tag/v1.0.0\n",
     "https://github.com/o/r/compare/v1.2.0...HEAD", "https://github.com/o/r/compare/v1.1.0...v1.2.0"),
    ("[unreleased]: https://github.com/o/r/compare/v1.1.0...HEAD\n[1.1.0]: https://github.com/o/r/compare/v1.0.0...v1.1.0\n",
     "https://github.com/o/r/compare/v1.2.0...HEAD", "https://github.com/o/r/compare/v1.1.0...v1.2.0"),
    ("[Unreleased]: https://github.com/o/r/compare/v1.1.0..develop\n",  # no release links: the compare shape
     "https://github.com/o/r/compare/v1.2.0..develop", "https://github.com/o/r/compare/v1.1.0..v1.2.0"),
    ("[1.1.0]: https://github.com/o/r/releases/tag/v1.1.0\n[1.0.0]: https://github.com/o/r/releases/tag/v1.0.0\n",
     None, "https://github.com/o/r/releases/tag/v1.2.0"),  # no [Unreleased] link: none is made up
    ("[Unreleased]: https://github.com/o/r/tree/main\n[1.1.0]: https://github.com/o/r/releases/tag/v1.1.0\n",
     "https://github.com/o/r/tree/main", "https://github.com/o/r/releases/tag/v1.2.0"),
    ("[Unreleased]: https://github.com/o/r/compare/v1.1.0...HEAD\n"  # only the first release has a link
     "[1.0.0]: https://github.com/o/r/releases/tag/v1.0.0\n",
     "https://github.com/o/r/compare/v1.2.0...HEAD", "https://github.com/o/r/compare/v1.1.0...v1.2.0"),
    ("[Unreleased]: https://pypi.example/compare/v1.1.0...HEAD\n"  # versions, not tags, in release links
     "[1.1.0]: https://pypi.example/project/r/1.1.0/\n[1.0.0]: https://pypi.example/project/r/1.0.0/\n",
     "https://pypi.example/compare/v1.2.0...HEAD", "https://pypi.example/project/r/1.2.0/"),
], ids=["github-main-tag-pages", "gitlab-master-tags", "compare-head", "no-first-release-link", "branch-only",
        "tag-pages-without-unreleased", "unreleased-tree", "first-release-page-only", "version-pages"])
def test_kac_finalize_carries_links_in_the_files_shape(links, unreleased, release):
    text = KAC_BODY + links
    new = KeepAChangelogFormat(tag="v{version}").finalize(text, "1.2.0", "2026-12-01").text
    assert new is not None and new.startswith("## [Unreleased]\n\n## [1.2.0] - 2026-12-01\n\n- new\n\n## [1.1.0]")
    block = new[new.index("\n\n[") + 2:]
    old_lines = links.splitlines(keepends=True)
    new_lines = block.splitlines(keepends=True)
    added = [line for line in new_lines if line.startswith("[1.2.0]: ")]
    assert added == [f"[1.2.0]: {release}\n"]
    if unreleased is None:
        assert not any(line.lower().startswith("[unreleased]") for line in new_lines)
        assert new_lines == [*added, *old_lines]  # above the newest release's link
    else:
        assert new_lines[0] == old_lines[0][:14] + f"{unreleased}\n" and new_lines[1] == added[0]
        assert new_lines[2:] == old_lines[1:]  # every earlier line byte for byte


def test_kac_first_release_compares_from_its_start_with_the_branch():
    text = "## [Unreleased]\n\n- a\n\n[Unreleased]: https://github.com/o/r/compare/abc1234...main\n"
    new = KeepAChangelogFormat(tag="v{version}").finalize(text, "0.1.0", "2026-12-01").text
    assert new is not None and new.endswith("[Unreleased]: https://github.com/o/r/compare/v0.1.0...main\n"
                                            "[0.1.0]: https://github.com/o/r/compare/abc1234...v0.1.0\n")


def test_kac_a_link_for_the_new_version_is_not_written_twice():
    text = KAC_BODY + ("[Unreleased]: https://github.com/o/r/compare/v1.1.0...HEAD\n"
                       "[1.2.0]: https://github.com/o/r/compare/v1.1.0...v1.2.0\n")
    new = KAC_FMT.finalize(text, "1.2.0", "2026-12-01").text
    assert new is not None and new.count("[1.2.0]: ") == 1
    assert "[Unreleased]: https://github.com/o/r/compare/v1.2.0...HEAD\n" in new


def test_kac_release_links_naming_neither_tag_nor_version_are_refused():
    text = KAC_BODY + "[1.1.0]: https://github.com/o/r/releases/tag/latest\n"
    with pytest.raises(ChangelogError, match=r"\[1\.1\.0\] link .* names neither v1\.1\.0 nor 1\.1\.0.*set `tag`"):
        KAC_FMT.finalize(text, "1.2.0", "2026-12-01")


def test_kac_hotfix_link_follows_tag_pages_too():
    text = KAC_BODY + ("[Unreleased]: https://github.com/o/r/compare/v1.1.0...main\n"
                       "[1.1.0]: https://github.com/o/r/releases/tag/v1.1.0\n"
                       "[1.0.0]: https://github.com/o/r/releases/tag/v1.0.0\n")
    new = KAC_FMT.add_release(text, "1.0.1", "2026-07-01", ["Fix"]).text
    assert new is not None and ("[1.1.0]: https://github.com/o/r/releases/tag/v1.1.0\n"
                                "[1.0.1]: https://github.com/o/r/releases/tag/v1.0.1\n"
                                "[1.0.0]: https://github.com/o/r/releases/tag/v1.0.0\n") in new
    single = "## [1.0.0] - 2026-01-15\n\n- a\n\n[Unreleased]: https://github.com/o/r/compare/v1.0.0...HEAD\n" \
             "[1.0.0]: https://github.com/o/r/releases/tag/v1.0.0\n"
    new = KAC_FMT.add_release(single, "1.0.1", "2026-07-01", ["Fix"]).text
    assert new is not None and "[1.0.1]: https://github.com/o/r/compare/v1.0.0...v1.0.1\n[1.0.0]:" in new


# --- wip: the engine, unchanged ------------------------------------------------------------------

WIP = "# Release notes\n\n## 1.1.0.dev0 (Work In Progress)\n\n### New:\n\n- n\n\n### Fixed:\n\n\n## 1.0.0 (2020-01-01)\n\n- a\n"


def test_wip_is_the_engine_byte_for_byte():
    fmt = Wip()
    assert fmt.finalize(WIP, "1.1.0", "2026-12-01").text == engine.finalize(WIP, "1.1.0.dev0", "2026-12-01", "1.1.0")
    done = fmt.finalize(WIP, "1.1.0", "2026-12-01").text
    assert done is not None
    assert fmt.open_next(done, "1.1.1.dev0").text == engine.dev_cycle(done, "1.1.1.dev0")
    assert fmt.add_entry(WIP, "x").text == engine.add_entry(WIP, "x", "New")
    assert fmt.add_release(done, "1.1.0.post1", "2026-12-02", ["h"]).text == \
        engine.add_release_section(done, "1.1.0.post1", "2026-12-02", ["h"])
    assert fmt.problems(WIP, "1.1.0.dev0") == engine.check(WIP, "1.1.0.dev0")
    assert fmt.show(WIP) == engine.show(WIP)
    assert fmt.pending(WIP) and not fmt.pending(done)
    assert fmt.has_release(done, "1.1.0") and not fmt.has_release(WIP, "1.1.0")
    assert fmt.release_date(done, "1.1.0") == "2026-12-01"


def test_wip_open_next_is_a_no_op_when_the_cycle_is_open_already():
    assert Wip().open_next(WIP, "1.1.0.dev0").empty
    with pytest.raises(ChangelogError, match="already exists"):
        Wip().open_next(WIP, "1.2.0.dev0")


# --- rst ----------------------------------------------------------------------------------------
# Shape of github.com/pallets/click's CHANGES.rst before it moved to Markdown (8.4/8.5): a
# currentmodule directive, `Version X` titles underlined with '-', `Unreleased`/`Released DATE`,
# bullets written `-   ` and two blank lines between releases.
PALLETS = """\
.. currentmodule:: click

Version 8.5.0
-------------

Unreleased

-   Windows enables ANSI styles by default. :issue:`2986`


Version 8.4.1
-------------

Released 2026-05-21

-   Zsh completion works on Windows. :issue:`3277`
"""
# The "1.2.0 (date)" shape with an "(unreleased)" title, as many projects keep it.
DATED = """\
Changelog
=========

0.9.0 (unreleased)
------------------

- New parser.

0.8.0 (2026-02-03)
------------------

- Old parser.
"""


def test_rst_shapes_are_recognised_and_a_foreign_one_is_refused_naming_the_format():
    assert shape_of(PALLETS) == "pallets" and shape_of(DATED) == "dated"
    with pytest.raises(ChangelogError, match="CHANGES.rst is a reStructuredText changelog in a shape"):
        shape_of("Changes\n=======\n\nv1 was good\n-----------\n")


def test_pallets_finalize_writes_released_and_keeps_the_rest():
    fmt = Rst(shape="pallets")
    new = fmt.finalize(PALLETS, "8.5.0", "2026-12-01").text
    assert new == PALLETS.replace("Unreleased\n", "Released 2026-12-01\n")
    assert fmt.has_release(new, "8.5.0") and fmt.problems(new, release_branch=True) == []
    opened = fmt.open_next(new, "8.5.1.dev0").text
    assert opened is not None
    assert opened.startswith(".. currentmodule:: click\n\nVersion 8.5.1\n-------------\n\nUnreleased\n\n\nVersion 8.5.0\n")
    assert fmt.add_entry(opened, "A fix.").text == opened.replace(
        "Unreleased\n\n\nVersion 8.5.0", "Unreleased\n\n-   A fix.\n\n\nVersion 8.5.0")


def test_pallets_release_of_another_version_rewrites_the_title_and_its_underline():
    new = Rst(shape="pallets").finalize(PALLETS, "8.5.0rc1", "2026-11-01").text
    assert new is not None and "Version 8.5.0rc1\n----------------\n\nReleased 2026-11-01\n" in new


def test_dated_finalize_open_next_and_show():
    fmt = Rst(shape="dated")
    new = fmt.finalize(DATED, "0.9.0", "2026-12-01").text
    assert new == DATED.replace("0.9.0 (unreleased)\n------------------", "0.9.0 (2026-12-01)\n------------------")
    assert fmt.show(new, "0.9.0") == "0.9.0 (2026-12-01)\n------------------\n\n- New parser."
    opened = fmt.open_next(new, "0.9.1.dev0").text
    assert opened == new.replace("0.9.0 (2026-12-01)", "0.9.1 (unreleased)\n------------------\n\n0.9.0 (2026-12-01)", 1)


def test_rst_problems_and_refusals():
    fmt = Rst(shape="dated")
    assert [p.message for p in fmt.problems(DATED.replace("0.9.0 (unreleased)", "0.9.0 (2026-13-01)"))] == [
        "no Unreleased section; run changelog.dev-cycle", "0.9.0 has no real release date (YYYY-MM-DD)"]
    with pytest.raises(ChangelogError, match="no subsections"):
        fmt.add_entry(DATED, "x", "Features")
    with pytest.raises(ChangelogError, match="0.8.0 is already released"):
        Rst(shape="dated").finalize(DATED.replace("0.9.0 (unreleased)", "0.7.0 (unreleased)"), "0.8.0", "2026-01-01")


# --- towncrier ----------------------------------------------------------------------------------


def test_towncrier_settings_as_towncrier_reads_them():
    assert settings_from('[project]\nname = "widget"\n[tool.towncrier]\n').fragment_dir == "widget/newsfragments"
    s = settings_from('[tool.towncrier]\ndirectory = "changelog.d"\nfilename = "CHANGES.md"\n'
                      '[[tool.towncrier.type]]\ndirectory = "added"\nname = "Added"\nshowcontent = true\n')
    assert s is not None and (s.fragment_dir, s.filename, s.types) == ("changelog.d", "CHANGES.md", ("added",))
    assert s.start_string == "<!-- towncrier release notes start -->\n"
    assert settings_from('[tool.black]\n') is None


def test_towncrier_custom_types_without_a_directory_are_named_as_towncrier_names_them():
    # towncrier: a [[tool.towncrier.type]] without `directory` takes its lower-cased `name`
    s = settings_from('[tool.towncrier]\ndirectory = "changelog.d"\n[[tool.towncrier.type]]\nname = "Security"\n'
                      '[[tool.towncrier.type]]\ndirectory = "change"\nname = "Changes"\n')
    assert s is not None and s.types == ("security", "change")
    fmt = Towncrier(s)
    assert fmt.fragments(["1.security.md", "2.change.md", "3.feature.md"]) == ["1.security.md", "2.change.md"]
    assert [p.message for p in fmt.problems("", fragments=["1.security.md", "3.feature.md"])] == [
        "changelog.d/3.feature.md is not a news fragment towncrier builds (name it ISSUE.TYPE.md, TYPE one of "
        "security, change)"]
    assert list(fmt.add_entry("", "Fix a leak", "Security").files)[0].endswith(".security.rst")


# towncrier's default Markdown title shape: `# name version (date)`, categories one level down.
NEWS_MD = """\
# Changes

<!-- towncrier release notes start -->

# widget 1.2.0 (2026-12-01)

## Features

- Frobs.


# widget 1.1.0 (2026-06-01)

## Bugfixes

- Unfrobbed.
"""
NEWS_RST = """\
.. towncrier release notes start

widget 1.2.0 (2026-12-01)
=========================

Features
--------

- Frobs.


widget 11.2.0 (2020-01-01)
==========================

- Not this one.
"""


def test_towncrier_reads_built_sections_in_both_title_shapes():
    md = Towncrier(settings_from('[tool.towncrier]\nfilename = "NEWS.md"\ndirectory = "changelog.d"\n'))
    assert md.show(NEWS_MD, "1.1.0") == "# widget 1.1.0 (2026-06-01)\n\n## Bugfixes\n\n- Unfrobbed."
    assert md.show(NEWS_MD).startswith("# widget 1.2.0 (2026-12-01)\n\n## Features\n\n- Frobs.")
    assert md.parse(NEWS_MD).render() == NEWS_MD
    rst = Towncrier()
    assert rst.show(NEWS_RST, "1.2.0").endswith("- Frobs.") and rst.release_date(NEWS_RST, "11.2.0") == "2020-01-01"
    assert not rst.has_release(NEWS_RST, "1.1.0")


def test_towncrier_commands_checks_and_fragments():
    fmt = Towncrier(settings_from('[tool.towncrier]\ndirectory = "changelog.d"\n'))
    assert fmt.finalize("", "1.3.0", "2026-12-01").commands == (
        ("towncrier", "build", "--version", "1.3.0", "--date", "2026-12-01", "--yes"),)
    assert fmt.check_commands("main") == (("towncrier", "check", "--compare-with", "main"),)
    assert [p.message for p in fmt.problems("", fragments=[".gitignore"])] == [
        "no news fragments in changelog.d/: a release would have no notes (add one, e.g. with `changelog.add`)"]
    assert fmt.problems("", fragments=["12.feature.rst", "+x.bugfix.1.rst"]) == []
    assert "12.frob.rst is not a news fragment" in fmt.problems("", fragments=["12.feature", "12.frob.rst"])[0].message
    change = fmt.add_entry("", "Frobs now.", "added")
    (name, body), = change.files.items()
    assert name.startswith("changelog.d/+") and name.endswith(".feature.rst") and body == "Frobs now.\n"
    with pytest.raises(ChangelogError, match="already has a section for 1.2.0"):
        fmt.finalize(NEWS_RST, "1.2.0", "2026-12-01")


# --- none ---------------------------------------------------------------------------------------


def test_none_notes_are_the_commit_subjects_without_releasekits_own():
    fmt = NoChangelog()
    subjects = ["Fix the frobnicator", "new dev cycle: 1.2.1.dev0", "Add --fast", "version 1.2.0 release",
                "release 1.2.0", "open the next cycle after 1.2.0"]  # the last two: a release without a branch
    assert fmt.show("", "1.3.0", subjects=subjects) == "- Fix the frobnicator\n- Add --fast"
    assert fmt.finalize("", "1.3.0", "2026-12-01").empty and fmt.open_next("", "1.3.1.dev0").empty
    assert fmt.problems("") == [] and fmt.has_release("", "1.3.0") and fmt.needs_subjects
    with pytest.raises(ChangelogError, match="keeps no changelog"):
        fmt.add_entry("", "x")


# --- the plan's lines: each format says what it does ------------------------------------------------


@pytest.mark.parametrize("fmt, finalize, opened", [
    (Wip(), "write CHANGES.md: 1.2.0.dev0 (Work In Progress) => 1.2.0 (2026-12-01)",
     "write CHANGES.md: date 1.2.0, open 1.2.1.dev0 (Work In Progress)"),  # today's lines, byte for byte
    (KeepAChangelogFormat(), "write CHANGELOG.md: [Unreleased] => [1.2.0] - 2026-12-01, a new empty [Unreleased] "
     "above it (and its links, where the file has them)",
     "write CHANGELOG.md: [Unreleased] => [1.2.0] unless done, an [Unreleased] open on top"),
    (Towncrier(settings_from('[tool.towncrier]\nfilename = "CHANGELOG.md"\ndirectory = "changelog.d"\n')),
     "towncrier build --version 1.2.0 --date 2026-12-01 --yes: build 2 news fragments in changelog.d/ into "
     "CHANGELOG.md (towncrier removes them)",
     "CHANGELOG.md: 1.2.0 built unless done (towncrier build); the next release's fragments gather in changelog.d/"),
    (Rst(shape="pallets"), "write CHANGES.rst: Version 1.2.0 / Unreleased => Version 1.2.0 / Released 2026-12-01",
     "write CHANGES.rst: date 1.2.0 unless done, open Version 1.2.1 / Unreleased"),
    (Rst(shape="dated"), "write CHANGES.rst: 1.2.0 (unreleased) => 1.2.0 (2026-12-01)",
     "write CHANGES.rst: date 1.2.0 unless done, open 1.2.1 (unreleased)"),
    (NoChangelog(), "no changelog (changelog_format: none): 1.2.0's notes are the commit subjects since the previous tag",
     "no changelog (changelog_format: none): no next cycle to open"),
], ids=["wip", "keepachangelog", "towncrier", "rst-pallets", "rst-dated", "none"])
def test_each_format_describes_its_own_finalize_and_next_cycle(fmt, finalize, opened):
    fragments = ["1.feature.md", "2.bugfix.md", ".gitkeep"]
    assert fmt.describe_finalize("1.2.0", "2026-12-01", from_version="1.2.0.dev0", fragments=fragments) == finalize
    assert fmt.describe_open("1.2.0", "1.2.1.dev0") == opened


# --- keepachangelog in the file's own heading style ------------------------------------------------
# Shape of github.com/encode/httpx's CHANGELOG.md (BSD-3-Clause): Keep a Changelog's preamble and
# `## [UNRELEASED]`, past releases as `## 0.28.1 (6th December, 2024)` (dates in words, in three
# spellings over the years, `23nd` included), `*` bullets, a blank line holding a space.
HTTPX = """\
# Changelog

All notable changes to this project will be documented in this file.

The format is based on [Keep a Changelog](https://keepachangelog.com/en/1.0.0/).

## [UNRELEASED]

### Removed

* Drop support for Python 3.8

### Added

* Expose `FunctionAuth` from the public API. (#3699)

## 0.28.1 (6th December, 2024)

* Fix SSL case where `verify=False` together with client side certificates.
\x20
## 0.28.0 (28th November, 2024)

* The deprecated `proxies` argument has now been removed.

## 0.17.1 (March 15th, 2021)

### Fixed

* Type annotation on `CertTypes` allows `keyfile` and `password` to be optional. (#1503)

## 0.15.2 (September 23nd, 2020)

### Fixed

* Fixed `response.elapsed` property. (#1313)

## 0.8.0 (November 27, 2019)

### Removed

- The synchronous API has been removed, in order to allow us to fundamentally change how we approach the HTTP/2 implementation.
"""
HTTPX_FMT = KeepAChangelogFormat("CHANGELOG.md", tag="{version}")


def test_kac_past_releases_dated_the_files_own_way_are_no_problems():
    assert HTTPX_FMT.problems(HTTPX, "0.28.1") == []
    assert HTTPX_FMT.has_release(HTTPX, "0.28.1") and HTTPX_FMT.has_release(HTTPX, "0.15.2")
    assert [HTTPX_FMT.release_date(HTTPX, v) for v in ("0.28.1", "0.17.1", "0.15.2", "0.8.0")] == \
        ["2024-12-06", "2021-03-15", "2020-09-23", "2019-11-27"]  # YYYY-MM-DD for the rite (dev-cycle dates with it)


@pytest.mark.parametrize("heading, message", [
    ("## 0.28.0 (30th February, 2024)", "'30th February, 2024' is not a real date; write YYYY-MM-DD"),
    ("## 0.28.0 (soon)", "'soon' is not a real date; write YYYY-MM-DD"),
    ("## 0.28.0", "0.28.0 has no release date; write `## [0.28.0] - YYYY-MM-DD`"),
], ids=["no-such-day", "no-date-in-parentheses", "no-date"])
def test_kac_a_past_release_without_a_real_date_is_still_a_problem(heading, message):
    text = HTTPX.replace("## 0.28.0 (28th November, 2024)", heading)
    assert [(p.line, p.message) for p in HTTPX_FMT.problems(text, "0.28.1")] == [(21, message)]
    assert not HTTPX_FMT.has_release(text, "0.28.0")


def test_kac_finalize_writes_the_heading_the_file_writes_and_keeps_the_rest():
    new = HTTPX_FMT.finalize(HTTPX, "0.28.2", "2026-12-01").text
    assert new == HTTPX.replace("## [UNRELEASED]\n", "## [UNRELEASED]\n\n## 0.28.2 (1st December, 2026)\n", 1)
    assert HTTPX_FMT.problems(new, "0.28.2") == [] and HTTPX_FMT.release_date(new, "0.28.2") == "2026-12-01"
    assert HTTPX_FMT.show(new, "0.28.2").startswith("## 0.28.2 (1st December, 2026)\n\n### Removed\n")
    assert HTTPX_FMT.open_next(new, "0.28.2").empty  # [UNRELEASED] is open again
    hotfix = HTTPX_FMT.add_release(new, "0.28.1.post1", "2026-12-02", ["A fix."]).text
    assert hotfix is not None and "\n## 0.28.1.post1 (2nd December, 2026)\n\n### Fixed\n\n* A fix.\n\n## 0.28.1 (" in hotfix


@pytest.mark.parametrize("newest, written", [
    ("## 0.28.1 (6th December, 2024)", "## 0.28.2 (22nd December, 2026)"),
    ("## 0.28.1 (March 15th, 2021)", "## 0.28.2 (December 22nd, 2026)"),
    ("## 0.28.1 (November 27, 2019)", "## 0.28.2 (December 22, 2026)"),
    ("## 0.28.1 (7 Mar 2019)", "## 0.28.2 (22 Dec 2026)"),
    ("## 0.28.1 (2024-12-06)", "## 0.28.2 (2026-12-22)"),
    ("## [0.28.1] - 6th December, 2024", "## [0.28.2] - 22nd December, 2026"),
    ("## 0.28.1 - 2024-12-06", "## 0.28.2 - 2026-12-22"),
    ("## 0.28.1", "## 0.28.2 (22nd December, 2026)"),  # undated: the newest dated one (0.28.0) is followed
], ids=["day-first", "month-first-ordinal", "month-first", "short-month", "iso-in-parentheses", "dash-in-words",
        "dash-iso-bare", "undated"])
def test_kac_a_new_heading_follows_the_newest_release(newest, written):
    text = HTTPX.replace("## 0.28.1 (6th December, 2024)", newest)
    assert f"## [UNRELEASED]\n\n{written}\n\n### Removed" in str(HTTPX_FMT.finalize(text, "0.28.2", "2026-12-22").text)


def test_kac_without_any_dated_release_writes_keep_a_changelogs_own_heading():
    text = "## Unreleased\n\n- a\n\n## 0.1.0\n\n- b\n"
    assert HTTPX_FMT.finalize(text, "0.2.0", "2026-12-01").text == "## Unreleased\n\n## 0.2.0 - 2026-12-01\n\n- a\n\n" \
        "## 0.1.0\n\n- b\n"


def test_kac_plan_lines_follow_the_files_headings():
    fmt = KeepAChangelogFormat("CHANGELOG.md", heading=keepachangelog.heading_of(HTTPX))
    assert fmt.describe_finalize("0.28.2", "2026-12-01", from_version="0.28.1") == (
        "write CHANGELOG.md: [UNRELEASED] => 0.28.2 (1st December, 2026), a new empty [UNRELEASED] above it"
        " (and its links, where the file has them)")
    assert fmt.describe_open("0.28.2", "0.28.2") == \
        "write CHANGELOG.md: [UNRELEASED] => 0.28.2 unless done, an [UNRELEASED] open on top"


# --- pallets (Markdown) ---------------------------------------------------------------------------
# Shape of github.com/pallets/click's CHANGES.md (BSD-3-Clause): `## Version X`, then `Unreleased` or
# `Released DATE` (once with a codename), `- ` entries continued two spaces in, `{pr}` roles.
CLICK = """\
## Version 8.5.0

Unreleased

- Add built-in shell completion support for PowerShell (Windows PowerShell
  5.1+ and pwsh 7+) alongside the existing `bash`, `zsh`, and `fish`
  completers. {issue}`2672` {pr}`3637`
- Fix test failures when using pytest >= 9.1. {pr}`3656`

## Version 8.4.2

Released 2026-06-24

- Fix Fish shell completion broken in `8.4.0` by {pr}`3126`.

## Version 7.1

Released 2020-03-09

- Fix PyPI package name, "click" is lowercase again.

## Version 5.0

Released 2015-08-16, codename "tok tok"

- Removed various deprecated functionality.
"""
CLICK_FMT = PalletsMarkdown("CHANGES.md")


def test_pallets_markdown_reads_click_as_it_is():
    assert CLICK_FMT.parse(CLICK).render() == CLICK
    assert CLICK_FMT.problems(CLICK, "8.5.0.dev0") == [] and CLICK_FMT.pending(CLICK)
    assert CLICK_FMT.release_date(CLICK, "5.0") == "2015-08-16" and not CLICK_FMT.has_release(CLICK, "8.5.0")
    assert CLICK_FMT.show(CLICK, "7.1") == '## Version 7.1\n\nReleased 2020-03-09\n\n- Fix PyPI package name, "click" ' \
        "is lowercase again."
    assert CLICK_FMT.show(CLICK).startswith("## Version 8.5.0\n\nUnreleased\n\n- Add built-in")


def test_pallets_markdown_finalize_open_next_and_add_entry():
    new = CLICK_FMT.finalize(CLICK, "8.5.0", "2026-12-01", from_version="8.5.0.dev0").text
    assert new == CLICK.replace("Unreleased\n", "Released 2026-12-01\n", 1)
    assert CLICK_FMT.has_release(new, "8.5.0") and CLICK_FMT.problems(new, release_branch=True) == []
    opened = CLICK_FMT.open_next(new, "8.5.1.dev0").text
    assert opened == "## Version 8.5.1\n\nUnreleased\n\n" + new
    assert CLICK_FMT.problems(opened, "8.5.1.dev0") == [] and CLICK_FMT.open_next(opened, "8.5.1.dev0").empty
    added = CLICK_FMT.add_entry(opened, "Fix a thing.\nOn two lines.").text
    assert added == opened.replace("Unreleased\n\n", "Unreleased\n\n- Fix a thing.\n  On two lines.\n\n", 1)
    assert CLICK_FMT.add_entry(CLICK, "Last.").text == CLICK.replace("{pr}`3656`\n", "{pr}`3656`\n- Last.\n", 1)


def test_pallets_markdown_hotfix_rename_and_refusals():
    hotfix = CLICK_FMT.add_release(CLICK, "8.4.3", "2026-12-01", ["A fix."]).text
    assert hotfix == CLICK.replace("## Version 8.4.2", "## Version 8.4.3\n\nReleased 2026-12-01\n\n- A fix.\n\n"
                                   "## Version 8.4.2")
    renamed = CLICK_FMT.finalize(CLICK, "8.5.0rc1", "2026-11-01").text
    assert renamed is not None and renamed.startswith("## Version 8.5.0rc1\n\nReleased 2026-11-01\n\n- Add")
    with pytest.raises(ChangelogError, match="8.4.2 is already released"):
        CLICK_FMT.finalize(CLICK.replace("Version 8.5.0", "Version 8.4.2", 1), "8.4.2", "2026-01-01")
    with pytest.raises(ChangelogError, match="no subsections"):
        CLICK_FMT.add_entry(CLICK, "x", "Features")
    assert [p.message for p in CLICK_FMT.problems(CLICK.replace("Released 2026-06-24", "Released June 2026"))] == \
        ["8.4.2 has no real release date (YYYY-MM-DD)"]


def test_pallets_markdown_describes_its_own_finalize_and_next_cycle():
    assert CLICK_FMT.describe_finalize("8.5.0", "2026-12-01", from_version="8.5.0.dev0") == \
        "write CHANGES.md: Version 8.5.0 / Unreleased => Version 8.5.0 / Released 2026-12-01"
    assert CLICK_FMT.describe_open("8.5.0", "8.5.1.dev0") == \
        "write CHANGES.md: date 8.5.0 unless done, open Version 8.5.1 / Unreleased"
