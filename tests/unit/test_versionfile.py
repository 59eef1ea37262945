"""Finding and replacing the version literal: only the literal changes, every other byte stays."""

from __future__ import annotations

import pytest

from releasekit.core import versionfile
from releasekit.core.errors import VersionFileError

PY_FILES = [
    pytest.param("__version__ = '1.0.6.dev0'\n", id="single quotes"),
    pytest.param('__version__ = "1.0.6.dev0"\n', id="double quotes"),
    pytest.param("__version__: str = '1.0.6.dev0'\n", id="annotated"),
    pytest.param('__version__:str="1.0.6.dev0"\n', id="annotated, no spaces"),
    pytest.param("__version__ = '1.0.6.dev0'", id="no final newline"),
    pytest.param(
        '"""The package."""\r\n\r\n__all__ = ["__version__"]\r\n__version__ = "1.0.6.dev0"  # keep in sync\r\n'
        "VERSION_INFO = tuple(__version__.split('.'))\r\n",
        id="CRLF, comment and later uses",
    ),
    pytest.param(
        "# __version__ = '0.0.1' was the first\nimport os\n\n__version__ = '1.0.6.dev0'\n__author__ = 'x'\n",
        id="commented-out mention",
    ),
]


@pytest.mark.parametrize("text", PY_FILES)
def test_python_file_only_the_literal_changes(text):
    assert versionfile.read_version(text, "pkg/version.py") == "1.0.6.dev0"
    new = versionfile.replace_version(text, "pkg/version.py", "1.0.6")
    assert new == text.replace("1.0.6.dev0", "1.0.6")
    assert versionfile.read_version(new, "pkg/version.py") == "1.0.6"


def test_literal_offsets_point_at_the_value():
    text = "x = 1\n__version__ = '2.0'\n"
    lit = versionfile.find(text, "pkg/__init__.py")
    assert (lit.value, text[lit.start:lit.end]) == ("2.0", "2.0")


PYPROJECT = """\
[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "sample"   # the distribution
version = "1.0.6.dev0"
description = "version = '9.9' in a string"
dependencies = ["packaging"]

[tool.other]
version = "7.7.7"
"""


@pytest.mark.parametrize("text", [
    pytest.param(PYPROJECT, id="LF"),
    pytest.param(PYPROJECT.replace("\n", "\r\n"), id="CRLF"),
    pytest.param(PYPROJECT.replace('version = "1.0.6.dev0"', "version='1.0.6.dev0'"), id="single quotes, no spaces"),
    pytest.param(PYPROJECT.replace("[project]\n", "[tool.pre]\nversion = '3.3'\n\n[project]\n"),
                 id="another table's version before [project]"),
])
def test_pyproject_only_project_version_changes(text):
    assert versionfile.read_version(text, "pyproject.toml") == "1.0.6.dev0"
    new = versionfile.replace_version(text, "pyproject.toml", "1.0.6")
    assert new == text.replace("1.0.6.dev0", "1.0.6")
    assert "7.7.7" in new and "9.9" in new


@pytest.mark.parametrize(("text", "filename", "message"), [
    pytest.param("VERSION = '1.0'\n", "pkg/version.py", "no `__version__", id="py: missing"),
    pytest.param("", "pkg/version.py", "no `__version__", id="py: empty file"),
    pytest.param("from ._v import version as __version__\n", "pkg/__init__.py", "no `__version__",
                 id="py: imported, not a literal"),
    pytest.param("__version__ = get_version()\n", "pkg/version.py", "no `__version__", id="py: computed"),
    pytest.param("__version__ = '''1.0'''\n", "pkg/version.py", "no `__version__", id="py: triple-quoted"),
    pytest.param("__version__ = '1.0' + SUFFIX\n", "pkg/version.py", "no `__version__", id="py: expression"),
    pytest.param("__version__ = '1.0'\nif X:\n    pass\n__version__ = '1.1'\n", "pkg/version.py",
                 r"assigns __version__ 2 times \(lines 1, 4\)", id="py: duplicated"),
    pytest.param('[project]\nname = "x"\ndynamic = ["version"]\n', "pyproject.toml", "dynamic",
                 id="toml: dynamic"),
    pytest.param('[project]\nname = "x"\n', "pyproject.toml", r"no \[project\]\.version", id="toml: missing"),
    pytest.param('[build-system]\nrequires = []\n', "pyproject.toml", r"no \[project\]\.version",
                 id="toml: no [project]"),
    pytest.param('[project]\nname = "x"\nversion = "1.0"\nversion = "1.1"\n', "pyproject.toml",
                 "not valid TOML", id="toml: duplicated"),
    pytest.param('project = {name = "x", version = "1.0"}\n', "pyproject.toml", "not a plain table header",
                 id="toml: inline table"),
    pytest.param('[project]\nname = "x"\nversion = """1.0"""\n', "pyproject.toml",
                 "not a simple", id="toml: multi-line string"),
])
def test_errors_name_the_file_and_the_problem(text, filename, message):
    with pytest.raises(VersionFileError, match=message) as info:
        versionfile.replace_version(text, filename, "2.0")
    assert filename in info.value.message
    assert info.value.hint


def test_kind_of():
    assert versionfile.kind_of("pyproject.toml") == "pyproject"
    assert versionfile.kind_of("src/pkg/_version.py") == "python"
