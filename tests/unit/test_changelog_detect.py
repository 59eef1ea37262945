"""Detection of the changelog format: the setting wins; else the files decide; ambiguity is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from releasekit.core import config
from releasekit.core.conventions.changelogs import AmbiguousChangelog, detect
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
    ({"CHANGES.md": "## Version 1.0\n\nUnreleased\n"}, "CHANGES.md has release headers of no format releasekit knows"),
], ids=["two-files", "towncrier-and-rst", "both-shapes-in-one-file", "unknown-headers"])
def test_ambiguity_is_one_line_naming_the_setting_and_changes_nothing(tmp_path, files, message):
    root = project(tmp_path, files)
    before = snapshot(root)
    with pytest.raises(AmbiguousChangelog) as caught:
        detect(root, settings(root))
    line = caught.value.render()
    assert line == f"error: {message} (hint: pin it: set `changelog_format` (wip, keepachangelog, towncrier, rst, " \
                   "none) and `changelog` in [tool.releasekit])"
    assert "\n" not in line
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
