"""Shapes found by trying releasekit on real projects (session 6's trial): each case's test data is a
small excerpt of the real file, cut down to the lines that matter, and says where it came from."""

from __future__ import annotations

from releasekit.core.conventions.changelogs.towncrier import Towncrier, settings_from

# --- towncrier: a template kept in the fragment folder, and an `ignore` list ---------------------------

# From python-attrs/attrs, pyproject.toml (MIT): the template lives in the fragment folder.
ATTRS_TOWNCRIER = """\
[tool.towncrier]
name = "attrs"
directory = "changelog.d"
filename = "CHANGELOG.md"
start_string = "<!-- towncrier release notes start -->\\n"
template = "changelog.d/towncrier_template.md.jinja"
title_format = ""
issue_format = "[#{issue}](https://github.com/python-attrs/attrs/issues/{issue})"
underlines = ["", "", ""]

[[tool.towncrier.section]]
path = ""

[[tool.towncrier.type]]
directory = "breaking"
name = "Backwards-incompatible Changes"
showcontent = true

[[tool.towncrier.type]]
directory = "change"
name = "Changes"
showcontent = true
"""


def test_the_template_in_the_fragment_folder_is_no_fragment_and_no_problem():
    fmt = Towncrier(settings_from(ATTRS_TOWNCRIER))
    names = ["towncrier_template.md.jinja", "1509.breaking.md", ".gitignore"]
    assert fmt.fragments(names) == ["1509.breaking.md"]
    assert fmt.problems("", "26.1.1", fragments=names) == []
    # a name towncrier would refuse is still reported
    assert [p.message for p in fmt.problems("", "26.1.1", fragments=[*names, "notes.txt"])] == [
        "changelog.d/notes.txt is not a news fragment towncrier builds (name it ISSUE.TYPE.md, TYPE one of "
        "breaking, change)"]


def test_towncriers_ignore_patterns_are_skipped_as_towncrier_skips_them():
    fmt = Towncrier(settings_from('[tool.towncrier]\ndirectory = "news"\nignore = ["*.TXT", "keep-me"]\n'
                                  'template = "mypkg:templates/news.j2"\n'))  # a package resource: no file name
    assert fmt.settings.ignore == ("*.TXT", "keep-me")
    assert fmt.problems("", None, fragments=["notes.txt", "Keep-Me", "1.feature.rst"]) == []


# --- towncrier: reStructuredText release titles between an overline and an underline ---------------------

# From tox-dev/tox, docs/changelog.rst (MIT), shortened: its template overlines each release title and
# underlines the categories with `=`, and the file's own title sits above the start string.
TOX_NEWS = """\
#################
 Release History
#################

.. towncrier-draft-entries::

.. towncrier release notes start

**********************
 v4.58.0 (2026-07-21)
**********************

Miscellaneous internal changes - 4.58.0
=======================================

- Test against Python 3.15 (beta) in CI and declare its classifier - by :user:`gaborbernat`. (:issue:`4001`)

**********************
 v4.57.2 (2026-07-21)
**********************

Bug fixes - 4.57.2
==================

- Fix package environment creation failures being misreported. (:issue:`3987`)
"""
TOX_TOWNCRIER = '[tool.towncrier]\nname = "tox"\ndirectory = "docs/changelog"\nfilename = "docs/changelog.rst"\n'


def test_overlined_release_titles_are_the_releases_and_their_categories_stay_inside():
    fmt = Towncrier(settings_from(TOX_TOWNCRIER))
    releases = fmt.parse(TOX_NEWS).releases
    assert [r.title for r in releases] == ["v4.58.0 (2026-07-21)", "v4.57.2 (2026-07-21)"]
    assert fmt.show(TOX_NEWS) == (
        "**********************\n v4.58.0 (2026-07-21)\n**********************\n\n"
        "Miscellaneous internal changes - 4.58.0\n=======================================\n\n"
        "- Test against Python 3.15 (beta) in CI and declare its classifier - by :user:`gaborbernat`. (:issue:`4001`)")
    assert fmt.show(TOX_NEWS, "4.57.2").endswith("(:issue:`3987`)")
    assert fmt.has_release(TOX_NEWS, "4.57.2") and not fmt.has_release(TOX_NEWS, "4.58.1")
    assert fmt.release_date(TOX_NEWS, "4.58.0") == "2026-07-21"
    assert fmt.parse(TOX_NEWS).render() == TOX_NEWS


def test_underlined_titles_keep_working_next_to_the_overlined_shape():
    news = ".. towncrier release notes start\n\nwidget 1.2.0 (2026-12-01)\n=========================\n\n" \
           "Features\n--------\n\n- a thing\n"
    fmt = Towncrier(settings_from('[tool.towncrier]\nfilename = "NEWS.rst"\n'))
    assert [r.title for r in fmt.parse(news).releases] == ["widget 1.2.0 (2026-12-01)"]


# --- tags: `name-v{version}` ------------------------------------------------------------------------------

def test_name_v_tags_are_a_template_and_old_bare_tags_beside_them_are_refused_naming_the_setting():
    import pytest

    from releasekit.core.conventions.versions.tags import detect_template
    from releasekit.core.errors import ConventionAmbiguous

    # pypa/hatch's tags (a few of them): the hatch package is tagged hatch-v..., hatchling hatchling-v...
    hatch = ["hatch-v1.16.0", "hatch-v1.18.0", "hatchling-v1.27.0", "hatchling-v1.28.0"]
    assert detect_template(hatch, package="hatch", default="{version}") == "hatch-v{version}"
    assert detect_template(hatch, package="hatchling", default="{version}") == "hatchling-v{version}"
    # ...and two bare tags of its early days: before, these alone were "the" template (0.23.0 the latest
    # release, so the next would have been 0.23.1); now the two templates are one line naming `tag`
    with pytest.raises(ConventionAmbiguous, match=r"hatch-v\{version\}.*releasekit\.tag"):
        detect_template(["0.11.0", "0.23.0", *hatch], package="hatch", default="{version}")
