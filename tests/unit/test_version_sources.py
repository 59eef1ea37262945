"""Version sources and their detection, on pyproject.toml files shaped as their backends' users write them.

The shapes follow each backend's documented configuration (hatchling, hatch-vcs, setuptools-scm,
pdm-backend, poetry-core, poetry-dynamic-versioning, flit-core, uv_build, setuptools' dynamic attr).
"""

from __future__ import annotations

import textwrap

import pytest

from releasekit.core.config import resolve as resolve_settings
from releasekit.core.conventions.versions import DirTree, MemoryTree, detect, resolve
from releasekit.core.conventions.versions.files import FileEntry, FilesSource
from releasekit.core.conventions.versions.literal import LiteralSource
from releasekit.core.conventions.versions.scm import ScmSource
from releasekit.core.errors import ConfigError, ConventionAmbiguous, VersionError, VersionFileError


def toml(text: str) -> str:
    return textwrap.dedent(text).lstrip()


HATCHLING_STATIC = toml('''
    [build-system]
    requires = ["hatchling"]
    build-backend = "hatchling.build"

    [project]
    name = "spam-eggs"
    # bumped by the release tool, keep it on one line
    version = "1.1.0"  # released 2026-11-02
    description = "Spam and eggs"
    dependencies = ["requests>=2"]

    [tool.hatch.build.targets.wheel]
    packages = ["src/spam_eggs"]
''')

HATCHLING_PATH = toml('''
    [build-system]
    requires = ["hatchling"]
    build-backend = "hatchling.build"

    [project]
    name = "spam-eggs"
    dynamic = ["version"]

    [tool.hatch.version]
    path = "src/spam_eggs/__about__.py"
''')

HATCH_VCS = toml('''
    [build-system]
    requires = ["hatchling", "hatch-vcs"]
    build-backend = "hatchling.build"

    [project]
    name = "spam-eggs"
    dynamic = ["version"]

    [tool.hatch.version]
    source = "vcs"

    [tool.hatch.build.hooks.vcs]
    version-file = "src/spam_eggs/_version.py"
''')

SETUPTOOLS_SCM = toml('''
    [build-system]
    requires = ["setuptools>=64", "setuptools-scm>=8"]
    build-backend = "setuptools.build_meta"

    [project]
    name = "Spam.Eggs"
    dynamic = ["version"]

    [tool.setuptools_scm]
    version_file = "src/spam_eggs/_version.py"
''')

PDM_SCM = toml('''
    [build-system]
    requires = ["pdm-backend"]
    build-backend = "pdm.backend"

    [project]
    name = "spam-eggs"
    dynamic = ["version"]

    [tool.pdm.version]
    source = "scm"
    write_to = "spam_eggs/_version.py"
    write_template = "__version__ = '{}'"
''')

PDM_FILE = toml('''
    [build-system]
    requires = ["pdm-backend"]
    build-backend = "pdm.backend"

    [project]
    name = "spam-eggs"
    dynamic = ["version"]

    [tool.pdm.version]
    source = "file"
    path = "src/spam_eggs/__init__.py"
''')

POETRY_CLASSIC = toml('''
    [tool.poetry]
    name = "spam-eggs"
    version = "0.4.2"
    description = ""
    authors = ["A. Maintainer <am@example.org>"]

    [tool.poetry.dependencies]
    python = "^3.11"

    [build-system]
    requires = ["poetry-core"]
    build-backend = "poetry.core.masonry.api"
''')

POETRY_PROJECT = toml('''
    [project]
    name = "spam-eggs"
    version = "0.4.2"
    requires-python = ">=3.11"

    [tool.poetry]
    packages = [{include = "spam_eggs", from = "src"}]

    [build-system]
    requires = ["poetry-core>=2.0.0,<3.0.0"]
    build-backend = "poetry.core.masonry.api"
''')

POETRY_DYNAMIC_VERSIONING = toml('''
    [tool.poetry]
    name = "spam-eggs"
    version = "0.0.0"

    [tool.poetry-dynamic-versioning]
    enable = true

    [build-system]
    requires = ["poetry-core>=1.0.0", "poetry-dynamic-versioning>=1.0.0,<2.0.0"]
    build-backend = "poetry_dynamic_versioning.backend"
''')

FLIT = toml('''
    [build-system]
    requires = ["flit_core >=3.2,<4"]
    build-backend = "flit_core.buildapi"

    [project]
    name = "spam_eggs"
    authors = [{name = "A. Maintainer", email = "am@example.org"}]
    dynamic = ["version", "description"]
''')

UV_BUILD = toml('''
    [project]
    name = "spam-eggs"
    version = "2.0.1"
    requires-python = ">=3.11"

    [build-system]
    requires = ["uv_build>=0.8.0,<0.9"]
    build-backend = "uv_build"
''')

SETUPTOOLS_ATTR = toml('''
    [build-system]
    requires = ["setuptools>=61"]
    build-backend = "setuptools.build_meta"

    [project]
    name = "spam-eggs"
    dynamic = ["version"]

    [tool.setuptools.dynamic]
    version = {attr = "spam_eggs.VERSION"}
''')

INIT = '"""Spam and eggs."""\n\n__version__ = "0.3.1"\n'


@pytest.mark.parametrize(("files", "kind", "version", "described"), [
    ({"pyproject.toml": HATCHLING_STATIC}, "file", "1.1.0", "[project].version in pyproject.toml"),
    ({"pyproject.toml": HATCHLING_PATH, "src/spam_eggs/__about__.py": '__version__ = "3.0.0"\n'}, "file", "3.0.0",
     "`__version__` in src/spam_eggs/__about__.py (read by hatchling)"),
    ({"pyproject.toml": PDM_FILE, "src/spam_eggs/__init__.py": INIT}, "file", "0.3.1",
     "`__version__` in src/spam_eggs/__init__.py (read by pdm-backend)"),
    ({"pyproject.toml": POETRY_CLASSIC}, "file", "0.4.2", "[tool.poetry].version in pyproject.toml"),
    ({"pyproject.toml": POETRY_PROJECT}, "file", "0.4.2", "[project].version in pyproject.toml"),
    ({"pyproject.toml": FLIT, "spam_eggs/__init__.py": INIT}, "file", "0.3.1",
     "`__version__` in spam_eggs/__init__.py (read by flit-core)"),
    ({"pyproject.toml": UV_BUILD}, "file", "2.0.1", "[project].version in pyproject.toml"),
    ({"pyproject.toml": SETUPTOOLS_ATTR, "src/spam_eggs/__init__.py": 'VERSION = "5.1"\n'}, "file", "5.1",
     "src/spam_eggs/__init__.py"),
    ({"setup.py": "from setuptools import setup\nsetup(name='fastai')\n", "fastai/version.py": "__version__ = '1.0.6.dev0'\n"},
     "file", "1.0.6.dev0", "`__version__` in fastai/version.py"),
], ids=["hatchling-static", "hatchling-path", "pdm-file", "poetry-classic", "poetry-project", "flit-core",
        "uv_build", "setuptools-attr", "setup.py-version.py"])
def test_a_literal_source_is_detected_where_the_backend_keeps_it(files, kind, version, described):
    tree = MemoryTree(files)
    package = "fastai" if "setup.py" in files else None
    source = detect(tree, package=package)
    assert source.kind == kind
    assert source.read(tree) == version
    assert described in source.describe()
    assert source.check(tree) == []
    assert source.build_env("9.9.9") == {}


@pytest.mark.parametrize(("pyproject", "tool", "env"), [
    (HATCH_VCS, "hatch-vcs", {"SETUPTOOLS_SCM_PRETEND_VERSION": "1.3.0"}),
    (SETUPTOOLS_SCM, "setuptools-scm", {"SETUPTOOLS_SCM_PRETEND_VERSION_FOR_SPAM_EGGS": "1.3.0"}),
    (PDM_SCM, "pdm-backend", {"PDM_BUILD_SCM_VERSION": "1.3.0"}),
    (POETRY_DYNAMIC_VERSIONING, "poetry-dynamic-versioning", {"POETRY_DYNAMIC_VERSIONING_BYPASS": "1.3.0"}),
], ids=["hatch-vcs", "setuptools-scm", "pdm-backend-scm", "poetry-dynamic-versioning"])
def test_a_version_from_git_tags_is_detected_from_the_backends_config(pyproject, tool, env):
    tree = MemoryTree({"pyproject.toml": pyproject})
    tags = ["v1.0.0", "v1.2.0", "v1.10.0rc1", "docs-2024", "v1.1.0"]
    source = detect(tree, tag_template="v{version}", tags=tags)
    assert (source.kind, source.paths) == ("scm", ())
    assert source.read(tree) == "1.10.0rc1"  # the highest release tag, by PEP 440 not by text
    assert source.write(tree, "1.10.0") == {}  # no file is edited: the tag is the version
    assert source.build_env("1.3.0") == env
    assert source.describe() == f"git tags 'v{{version}}' ({tool}); latest release tag: v1.10.0rc1"


def test_a_version_from_tags_before_the_first_tag_says_how_to_start():
    tree = MemoryTree({"pyproject.toml": HATCH_VCS})
    source = detect(tree, tag_template="v{version}", tags=["1.0.0"])  # bare tags are not v-tags
    with pytest.raises(VersionError) as info:
        source.read(tree)
    assert "no release tag follows the template 'v{version}'" in info.value.render()
    assert "version.set" in info.value.render()


def test_a_local_version_is_refused_as_a_release_version():
    source = ScmSource("setuptools-scm", "spam", "{version}", ["1.0.0"])
    with pytest.raises(VersionError) as info:
        source.build_env("1.0.1.dev3+g1234abc")
    line = info.value.render()
    assert "1.0.1.dev3+g1234abc is a local version (+g1234abc)" in line and "\n" not in line
    with pytest.raises(VersionError):
        source.write(MemoryTree({}), "1.0.1+g1234abc")


def test_pyproject_edits_keep_every_other_byte():
    tree = MemoryTree({"pyproject.toml": HATCHLING_STATIC.replace("\n", "\r\n")})
    source = detect(tree)
    edits = source.write(tree, "1.2.0")
    assert edits == {"pyproject.toml": HATCHLING_STATIC.replace('"1.1.0"', '"1.2.0"').replace("\n", "\r\n")}


def test_a_poetry_version_is_edited_in_its_own_table():
    tree = MemoryTree({"pyproject.toml": POETRY_CLASSIC})
    new = detect(tree).write(tree, "0.5.0")["pyproject.toml"]
    assert new == POETRY_CLASSIC.replace('version = "0.4.2"', 'version = "0.5.0"')
    assert 'python = "^3.11"' in new


def test_a_dev_version_is_written_normalized_and_a_bad_one_refused():
    tree = MemoryTree({"pyproject.toml": UV_BUILD})
    source = detect(tree)
    with pytest.raises(VersionError, match="not in normalized form"):
        source.write(tree, "2.1.0-dev0")
    assert '"2.1.1.dev0"' in source.write(tree, "2.1.1.dev0")["pyproject.toml"]


# --- several files ------------------------------------------------------------------------------


def three_files(conf_version: str = "1.4.0") -> MemoryTree:
    return MemoryTree({
        "pyproject.toml": UV_BUILD.replace("2.0.1", "1.4.0"),
        "src/spam_eggs/__init__.py": '__version__ = "1.4.0"\n',
        "docs/conf.py": f'project = "spam"\nrelease = "{conf_version}"\nversion = "1.4"\n',
        "README.md": "# spam\n\n![version](https://img.shields.io/badge/version-1.4.0-blue)\n",
    })


FILES = ["pyproject.toml", "src/spam_eggs/__init__.py", 'docs/conf.py:^release = "(?P<version>[^"]+)"',
         {"path": "README.md", "pattern": r"badge/version-(?P<version>[^-]+)-blue"}]


def test_several_files_are_written_together():
    tree = three_files()
    source = detect(tree, version_files=FILES)
    assert source.kind == "files"
    assert source.paths == ("pyproject.toml", "src/spam_eggs/__init__.py", "docs/conf.py", "README.md")
    assert source.read(tree) == "1.4.0" and source.check(tree) == []
    edits = source.write(tree, "1.5.0")
    assert set(edits) == set(source.paths)
    assert edits["docs/conf.py"] == 'project = "spam"\nrelease = "1.5.0"\nversion = "1.4"\n'  # short version untouched
    assert "badge/version-1.5.0-blue" in edits["README.md"]
    assert '__version__ = "1.5.0"' in edits["src/spam_eggs/__init__.py"]
    assert 'version = "1.5.0"' in edits["pyproject.toml"]


def test_the_check_reports_each_file_that_disagrees_with_the_first():
    tree = three_files(conf_version="1.3.9")
    source = detect(tree, version_files=FILES)
    assert source.check(tree) == ["docs/conf.py:2 has version 1.3.9, but pyproject.toml:3 has 1.4.0"]


def test_a_file_that_cannot_take_the_version_stops_the_write_before_any_text_is_returned():
    tree = three_files()
    tree.files["README.md"] = "# spam\n"  # the badge is gone
    source = detect(tree, version_files=FILES)
    with pytest.raises(VersionFileError) as info:
        source.write(tree, "1.5.0")
    assert "README.md has nothing matching the version pattern" in info.value.render()
    assert "README.md has nothing matching" in source.check(tree)[0]


def test_a_version_files_item_is_a_path_a_path_and_pattern_or_a_table():
    assert FileEntry.parse("a.py") == FileEntry("a.py")
    assert FileEntry.parse("conf.py:release = '(.*)'") == FileEntry("conf.py", "release = '(.*)'")
    assert FileEntry.parse({"path": "R.md", "pattern": "v(?P<version>.*)"}) == FileEntry("R.md", "v(?P<version>.*)")
    with pytest.raises(ConfigError, match="has the item"):
        FileEntry.parse({"file": "R.md"})
    with pytest.raises(ConfigError, match="is empty"):
        FilesSource([])


# --- refusals: one line naming the setting to pin, nothing changed --------------------------------


def test_a_dynamic_version_no_backend_provides_is_refused_naming_the_setting(tmp_path):
    text = HATCHLING_PATH.replace('[tool.hatch.version]\npath = "src/spam_eggs/__about__.py"\n', "")
    (tmp_path / "pyproject.toml").write_text(text)
    with pytest.raises(ConventionAmbiguous) as info:
        detect(DirTree(tmp_path))
    line = info.value.render()
    assert line == ("error: pyproject.toml declares the version dynamic, but hatchling is configured with no version "
                    "source releasekit knows (git tags or a file) (hint: set `releasekit.version_source` to scm, "
                    "or to file with `releasekit.version_file`)")
    assert (tmp_path / "pyproject.toml").read_text() == text and [p.name for p in tmp_path.iterdir()] == ["pyproject.toml"]


def test_two_literals_that_disagree_are_refused_naming_the_settings():
    tree = MemoryTree({"pyproject.toml": UV_BUILD, "src/spam_eggs/__init__.py": '__version__ = "2.0.0"\n'})
    with pytest.raises(ConventionAmbiguous) as info:
        detect(tree)
    line = info.value.render()
    assert ("the version literals disagree: [project].version in pyproject.toml has 2.0.1, "
            "`__version__` in src/spam_eggs/__init__.py has 2.0.0") in line
    assert "`releasekit.version_file`" in line and "`releasekit.version_files`" in line and "\n" not in line


def test_two_literals_that_agree_are_both_written():
    tree = MemoryTree({"pyproject.toml": UV_BUILD, "src/spam_eggs/__init__.py": '__version__ = "2.0.1"\n'})
    source = detect(tree)
    assert source.kind == "files" and source.paths == ("pyproject.toml", "src/spam_eggs/__init__.py")
    assert set(source.write(tree, "2.0.2")) == set(source.paths)


def test_pinned_settings_win_over_detection():
    tree = MemoryTree({"pyproject.toml": UV_BUILD, "src/spam_eggs/__init__.py": '__version__ = "2.0.0"\n'})
    source = detect(tree, version_file="src/spam_eggs/__init__.py")
    assert isinstance(source, LiteralSource) and source.read(tree) == "2.0.0"
    scm = detect(MemoryTree({"pyproject.toml": UV_BUILD}), version_source="scm", tags=["2.0.1"])
    assert scm.kind == "scm" and scm.build_env("2.0.2") == {}  # a backend releasekit does not know: no variable
    with pytest.raises(ConfigError, match="version_files` is empty"):
        detect(tree, version_source="files")
    with pytest.raises(ConventionAmbiguous, match="version_source` is file, but 2 files"):
        detect(MemoryTree({"pyproject.toml": UV_BUILD, "src/spam_eggs/__init__.py": '__version__ = "2.0.1"\n'}),
               version_source="file")


def test_a_module_that_assigns_the_version_twice_is_named():
    tree = MemoryTree({"setup.py": "", "spam/__init__.py": "__version__ = '1.0'\n__version__ = '1.1'\n"})
    with pytest.raises(VersionFileError, match="assigns __version__ 2 times"):
        detect(tree, package="spam")


# --- the conventions of a project's settings ---------------------------------------------------------


def test_resolve_detects_the_tag_template_and_the_policy(tmp_path):
    (tmp_path / "pyproject.toml").write_text(SETUPTOOLS_SCM)
    settings = resolve_settings(tmp_path, [])
    found = resolve(settings, DirTree(tmp_path), tags=["v0.9.0", "v1.0.0"])
    assert (found.tag, found.policy, found.source.read(DirTree(tmp_path))) == ("v{version}", "release", "1.0.0")


def test_resolve_refuses_the_dev_policy_for_a_version_from_tags(tmp_path):
    (tmp_path / "pyproject.toml").write_text(PDM_SCM)
    settings = resolve_settings(tmp_path, [("pyproject.toml", {"version_policy": "dev"})])
    with pytest.raises(ConventionAmbiguous) as info:
        resolve(settings, DirTree(tmp_path), tags=["1.0.0"])
    assert "set `releasekit.version_policy` to release" in info.value.render()


def test_resolve_keeps_a_pinned_tag_template_and_policy(tmp_path):
    (tmp_path / "pyproject.toml").write_text(UV_BUILD)
    settings = resolve_settings(tmp_path, [("pyproject.toml", {"tag": "release/{version}", "version_policy": "dev"})])
    found = resolve(settings, DirTree(tmp_path), tags=["v1.0.0", "2.0.0"])  # mixed, but pinned: not looked at
    assert (found.tag, found.policy) == ("release/{version}", "dev")


def test_a_dry_runs_unwritten_edit_is_what_the_source_reads(tmp_path):
    (tmp_path / "pyproject.toml").write_text(UV_BUILD)
    tree = DirTree(tmp_path, overlay={(tmp_path / "pyproject.toml").resolve(): UV_BUILD.replace("2.0.1", "2.1.0")})
    assert detect(tree).read(tree) == "2.1.0"
    assert DirTree(tmp_path).paths({"pyproject.toml": "x"}) == {tmp_path / "pyproject.toml": "x"}


def test_a_dev_version_without_its_number_reads_normalized_and_is_written_in_the_files_spelling():
    # flask's pyproject.toml keeps `version = "3.2.0.dev"` (pallets/flask, BSD-3-Clause)
    tree = MemoryTree({"pyproject.toml": UV_BUILD.replace('"2.0.1"', '"3.2.0.dev"')})
    source = detect(tree)
    assert source.read(tree) == "3.2.0.dev0"
    released = source.write(tree, "3.2.0")["pyproject.toml"]
    assert 'version = "3.2.0"' in released
    after = MemoryTree({"pyproject.toml": released})
    assert 'version = "3.2.1.dev"' not in source.write(after, "3.2.1.dev0")["pyproject.toml"]  # a release has no spelling
    assert 'version = "3.3.0.dev"' in source.write(tree, "3.3.0.dev0")["pyproject.toml"]
