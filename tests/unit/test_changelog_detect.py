"""Detection of the changelog format: the setting wins; else the files decide; ambiguity is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from releasekit.core import config
from releasekit.core.conventions.changelogs import FORMATS, AmbiguousChangelog, detect
from releasekit.core.errors import ChangelogError, ConfigError

KAC = "# Changelog\n\n## [Unreleased]\n\n## [1.0.0] - 2020-01-01\n\n- a\n"
WIP = "## 1.1.0.dev0 (Work In Progress)\n\n### New:\n\n## 1.0.0 (2020-01-01)\n\n- a\n"
PALLETS = "Version 1.1.0\n-------------\n\nUnreleased\n\n-   x\n"
TOWNCRIER = '[project]\nname = "widget"\n\n[tool.towncrier]\ndirectory = "changelog.d"\nfilename = "CHANGELOG.md"\n'


def settings(root: Path, **values) -> config.Settings:
    return config.resolve(root, [("pyproject.toml", values)])


def project(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("files, name, path", [
    ({"CHANGES.md": WIP}, "wip", "CHANGES.md"),
    ({"CHANGELOG.md": KAC}, "keepachangelog", "CHANGELOG.md"),
    ({"CHANGES.md": "# Changes\n"}, "wip", "CHANGES.md"),
    ({"CHANGES.rst": PALLETS}, "rst", "CHANGES.rst"),
    ({"pyproject.toml": TOWNCRIER, "CHANGELOG.md": KAC}, "towncrier", "CHANGELOG.md"),
    ({"README.md": "# widget\n"}, "none", None),
], ids=["wip", "keepachangelog", "fresh-md-is-wip", "rst", "towncrier-owns-its-file", "nothing"])
def test_detected_from_the_files(tmp_path, files, name, path):
    fmt = detect(project(tmp_path, files), settings(tmp_path))
    assert (fmt.name, fmt.path) == (name, path)


def test_towncrier_detected_from_towncrier_toml_with_its_fragment_folder(tmp_path):
    root = project(tmp_path, {"pyproject.toml": '[project]\nname = "widget"\n', "towncrier.toml": "[tool.towncrier]\n"})
    fmt = detect(root, settings(root))
    assert (fmt.name, fmt.path, fmt.fragment_dir) == ("towncrier", "NEWS.rst", "widget/newsfragments")


def test_the_setting_wins_and_takes_the_tag_template(tmp_path):
    root = project(tmp_path, {"CHANGES.md": WIP, "CHANGELOG.md": KAC})
    fmt = detect(root, settings(root, changelog_format="keepachangelog", changelog="CHANGELOG.md", tag="v{version}"))
    assert (fmt.name, fmt.path, fmt.tag) == ("keepachangelog", "CHANGELOG.md", "v{version}")
    assert detect(root, settings(root, changelog_format="none")).name == "none"


def test_a_pinned_changelog_file_is_the_only_one_looked_at(tmp_path):
    root = project(tmp_path, {"CHANGES.md": WIP, "CHANGELOG.md": KAC})
    fmt = detect(root, settings(root, changelog="CHANGELOG.md"))
    assert (fmt.name, fmt.path) == ("keepachangelog", "CHANGELOG.md")


@pytest.mark.parametrize("files, message", [
    ({"CHANGES.md": WIP, "CHANGELOG.md": KAC},
     "more than one changelog looks managed: CHANGES.md (wip), CHANGELOG.md (keepachangelog)"),
    ({"pyproject.toml": TOWNCRIER, "CHANGES.rst": PALLETS},
     "more than one changelog looks managed: CHANGELOG.md (towncrier), CHANGES.rst (rst)"),
    ({"CHANGES.md": WIP + "\n## [Unreleased]\n"}, "CHANGES.md has both Work-In-Progress and Keep a Changelog headers"),
    # (`## Version 1.0` / `Unreleased` was this case until it became the `pallets` format: click's shape)
    ({"CHANGES.md": "## Version 1.0\n\nComing soon\n"}, "CHANGES.md has release headers of no format releasekit knows"),
], ids=["two-files", "towncrier-and-rst", "both-shapes-in-one-file", "unknown-headers"])
def test_ambiguity_is_one_line_naming_the_setting_and_changes_nothing(tmp_path, files, message):
    root = project(tmp_path, files)
    before = snapshot(root)
    with pytest.raises(AmbiguousChangelog) as caught:
        detect(root, settings(root))
    line = caught.value.render()
    assert line == f"error: {message} (hint: pin it: set `changelog_format` (wip, keepachangelog, towncrier, rst, " \
                   "pallets, none) and `changelog` in [tool.releasekit])"
    assert "\n" not in line
    assert snapshot(root) == before


def test_the_pin_hint_names_every_format_there_is(tmp_path):
    root = project(tmp_path, {"CHANGES.md": WIP, "CHANGELOG.md": KAC})
    with pytest.raises(AmbiguousChangelog) as caught:
        detect(root, settings(root))
    named = caught.value.render().split("`changelog_format` (", 1)[1].split(")", 1)[0].split(", ")
    assert named == list(FORMATS) and set(named) == set(config.CHOICES["changelog_format"])


# click's CHANGES.md (pallets/click, BSD-3-Clause) and httpx's CHANGELOG.md (encode/httpx, BSD-3-Clause), cut short
CLICK = "## Version 8.5.0\n\nUnreleased\n\n- Add a thing.\n\n## Version 8.4.2\n\nReleased 2026-06-24\n\n- Fix.\n"
HTTPX = ("# Changelog\n\nThe format is based on [Keep a Changelog](https://keepachangelog.com/en/1.0.0/).\n\n"
         "## [UNRELEASED]\n\n### Added\n\n* Expose `FunctionAuth`.\n\n## 0.28.1 (6th December, 2024)\n\n* Fix SSL.\n")


@pytest.mark.parametrize("files, name, path", [
    ({"CHANGES.md": CLICK}, "pallets", "CHANGES.md"),
    ({"CHANGES.md": CLICK.replace("Unreleased", "Released 2026-12-01")}, "pallets", "CHANGES.md"),  # a release branch
    ({"CHANGELOG.md": HTTPX}, "keepachangelog", "CHANGELOG.md"),
    # a Keep a Changelog file whose releases are `## X (YYYY-MM-DD)` is not the wip format's too
    ({"CHANGELOG.md": HTTPX.replace("6th December, 2024", "2024-12-06")}, "keepachangelog", "CHANGELOG.md"),
], ids=["click", "click-released", "httpx", "kac-with-iso-dates-in-parentheses"])
def test_real_projects_shapes_are_detected(tmp_path, files, name, path):
    fmt = detect(project(tmp_path, files), settings(tmp_path))
    assert (fmt.name, fmt.path) == (name, path)


def test_pallets_can_be_pinned_and_httpx_headings_reach_the_plan(tmp_path):
    root = project(tmp_path, {"CHANGES.md": CLICK, "CHANGELOG.md": HTTPX})
    fmt = detect(root, settings(root, changelog_format="pallets", changelog="CHANGES.md"))
    assert (fmt.name, fmt.path, fmt.pending(CLICK)) == ("pallets", "CHANGES.md", True)
    kac = detect(root, settings(root, changelog="CHANGELOG.md"))
    assert kac.describe_finalize("0.28.2", "2026-12-01", from_version="0.28.1").startswith(
        "write CHANGELOG.md: [UNRELEASED] => 0.28.2 (1st December, 2026), a new empty [UNRELEASED] above it")


def test_pallets_and_wip_headers_in_one_file_are_refused_and_nothing_changes(tmp_path):
    root = project(tmp_path, {"CHANGES.md": WIP + "\n" + CLICK})
    before = snapshot(root)
    with pytest.raises(AmbiguousChangelog, match=r"error: CHANGES.md has both Work-In-Progress and Pallets "
                                                 r"\(`## Version X`\) headers \(hint: pin it"):
        detect(root, settings(root))
    assert snapshot(root) == before


def test_an_rst_changelog_in_a_foreign_shape_is_refused_naming_the_format(tmp_path):
    root = project(tmp_path, {"CHANGES.rst": "Changes\n=======\n\nThe good one\n------------\n"})
    with pytest.raises(ChangelogError, match="CHANGES.rst is a reStructuredText changelog in a shape releasekit "
                                             "cannot edit.*`changelog_format` to 'none'"):
        detect(root, settings(root))


def test_towncrier_pinned_without_a_configuration_is_refused(tmp_path):
    with pytest.raises(ChangelogError, match="no towncrier configuration"):
        detect(tmp_path, settings(tmp_path, changelog_format="towncrier"))


def test_an_unknown_format_name_is_refused_when_the_settings_load(tmp_path):
    with pytest.raises(ConfigError, match="changelog_format.*did you mean 'keepachangelog'"):
        settings(tmp_path, changelog_format="keepachangelg")


@pytest.mark.parametrize("pinned", [{}, {"changelog_format": "towncrier"}], ids=["detected", "pinned"])
def test_towncrier_with_a_news_file_per_release_is_refused_naming_the_setting(tmp_path, pinned):
    # towncrier's `single_file = false`: each release into its own file (`filename` a template, e.g. {version}.md)
    root = project(tmp_path, {"pyproject.toml": TOWNCRIER.replace('"CHANGELOG.md"', '"news/{version}.md"')
                              + "single_file = false\n"})
    before = snapshot(root)
    with pytest.raises(ChangelogError) as caught:
        detect(root, settings(root, **pinned))
    line = caught.value.render()
    assert line == ("error: towncrier's `single_file = false` in pyproject.toml (a news file per release) is not "
                    "supported (hint: set `single_file = true` (the default) so every release goes into one file, "
                    "or pin another `changelog_format`)")
    assert snapshot(root) == before
    assert detect(root, settings(root, changelog_format="none")).name == "none"  # the way out the hint names
