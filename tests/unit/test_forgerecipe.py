"""Release metadata as text -> ProjectMetadata -> a staged-recipes shaped v1 recipe (pure parts)."""

from __future__ import annotations

import pytest

from releasekit.core import forgerecipe, pymetadata
from releasekit.core.errors import MetadataMissing, RecipeError

METADATA = """\
Metadata-Version: 2.4
Name: Demo-Pkg
Version: 1.2.0
Summary: A demo package
License-Expression: MIT
License-File: LICENSE
Project-URL: Homepage, https://demo.invalid
Project-URL: Source Code, https://git.invalid/demo
Project-URL: Docs, https://docs.invalid/demo
Requires-Python: >=3.9
Requires-Dist: torch>=1.0
Requires-Dist: dataclasses; python_version < "3.7"
Requires-Dist: pytest; extra == "test"
Provides-Extra: test

Long text.
"""
ENTRY_POINTS = "[console_scripts]\ndemo = demo_pkg.cli:main\n\n[demo.plugins]\nx = demo_pkg.x\n"


def meta(text: str = METADATA, eps: str = ENTRY_POINTS) -> pymetadata.ProjectMetadata:
    return pymetadata.from_metadata_text(text, entry_points_text=eps, origin="METADATA of demo.whl")


def test_metadata_text_is_read_field_by_field():
    m = meta()
    assert (m.name, m.version, m.summary, m.license) == ("Demo-Pkg", "1.2.0", "A demo package", "MIT")
    assert m.license_files == ("LICENSE",)
    assert m.requires_python == ">=3.9"
    assert m.dependencies[0] == "torch>=1.0" and len(m.dependencies) == 3
    assert m.console_scripts == ["demo = demo_pkg.cli:main"]
    assert (m.url("homepage"), m.url("repository"), m.url("documentation")) == (
        "https://demo.invalid", "https://git.invalid/demo", "https://docs.invalid/demo")


@pytest.mark.parametrize(
    ("header", "dynamic"),
    [("Metadata-Version: 2.1\n", {"*"}), ("Metadata-Version: 2.2\nDynamic: Requires-Dist\n", {"requires-dist"}),
     ("Metadata-Version: 2.4\n", set())],
    ids=["old-says-nothing", "dynamic-requires", "static"],
)
def test_which_pkg_info_fields_are_not_known(header, dynamic):
    assert pymetadata.dynamic_fields(header + "Name: p\nVersion: 1\n") == dynamic


@pytest.mark.parametrize(
    ("project", "static"),
    [({"name": "p", "version": "1", "dependencies": ["a"]}, True),
     ({"name": "p", "dynamic": ["version"]}, False),
     ({"name": "p", "version": "1", "dynamic": ["dependencies"]}, False)],
    ids=["static", "dynamic-version", "dynamic-deps"],
)
def test_pyproject_is_only_trusted_when_static(project, static):
    found = pymetadata.from_pyproject({"project": {**project, "scripts": {"p": "p:main"}}})
    assert (found is not None) is static
    if found:
        assert found.console_scripts == ["p = p:main"]


def test_v1_recipe_has_staged_recipes_shape():
    recipe = forgerecipe.v1_recipe(
        meta(), source_url="https://files.invalid/demo_pkg-1.2.0.tar.gz", sha256="ab" * 32,
        mapping={"torch": "pytorch"},
    )
    assert recipe["context"] == {"name": "demo-pkg", "version": "1.2.0", "python_min": "3.9"}
    assert recipe["package"] == {"name": "${{ name|lower }}", "version": "${{ version }}"}
    assert recipe["source"] == {"url": "https://files.invalid/demo_pkg-${{ version }}.tar.gz", "sha256": "ab" * 32}
    assert recipe["build"] == {"number": 0, "noarch": "python", "script": forgerecipe.BUILD_SCRIPT,
                               "python": {"entry_points": ["demo = demo_pkg.cli:main"]}}
    # dataclasses' marker is false from 3.9 on, the test extra is not a run requirement
    assert recipe["requirements"] == {"host": ["python ${{ python_min }}.*", "setuptools", "wheel", "pip"],
                                      "run": ["python >=${{ python_min }}", "pytorch >=1.0"]}
    assert recipe["tests"] == [{"python": {"imports": ["demo_pkg"], "pip_check": True,
                                           "python_version": "${{ python_min }}.*"}}]
    assert recipe["about"] == {"homepage": "https://demo.invalid", "summary": "A demo package", "license": "MIT",
                               "license_file": ["LICENSE"], "repository": "https://git.invalid/demo",
                               "documentation": "https://docs.invalid/demo"}


@pytest.mark.parametrize(
    ("drop", "named"),
    [("Summary: A demo package\n", "no Summary"), ("License-Expression: MIT\n", "no License"),
     ("Requires-Python: >=3.9\n", "no Requires-Python")],
    ids=["summary", "license", "requires-python"],
)
def test_missing_metadata_is_refused_by_name(drop, named):
    with pytest.raises(MetadataMissing) as err:
        forgerecipe.v1_recipe(meta(METADATA.replace(drop, "")), source_url="u", sha256="0")
    assert named in err.value.message and "METADATA of demo.whl" in err.value.message
    assert "summary: ''" not in err.value.render()


def test_platform_markers_cannot_be_noarch():
    text = METADATA.replace("Requires-Dist: torch>=1.0\n", 'Requires-Dist: pywin32; sys_platform == "win32"\n')
    with pytest.raises(RecipeError, match="pywin32"):
        forgerecipe.v1_recipe(meta(text), source_url="u", sha256="0")


def test_non_spdx_license_is_refused():
    text = METADATA.replace("License-Expression: MIT\n", "License: MPLv2.0, MIT\n")
    with pytest.raises(MetadataMissing, match="not an SPDX"):
        forgerecipe.v1_recipe(meta(text), source_url="u", sha256="0")


@pytest.mark.parametrize(("spec", "floor"), [(">=3.8", "3.8"), (">=3.9.2,<4", "3.9"), ("~=3.10", "3.10"), ("<4", None), (None, None)])
def test_python_min_is_requires_pythons_floor(spec, floor):
    assert forgerecipe.python_min(spec) == floor


def test_a_content_addressed_warehouse_url_becomes_the_index_hosts_source_address():
    """The main index serves each file from a folder named by its hash, which no other version has;
    the recipe names the index host's /packages/source/ address instead, with the version templated."""
    page = "https://index.example/simple/my-pkg/"
    hashed = ("https://files.example/packages/3f/4a/" + "0123456789abcdef" * 3 + "0123456789ab/my_pkg-1.2.0.tar.gz")
    assert forgerecipe.source_url_template(page, hashed, "1.2.0") == \
        "https://index.example/packages/source/m/my-pkg/my_pkg-${{ version }}.tar.gz"


def test_only_the_file_names_version_is_templated():
    """A host or folder that holds the version's digits stays as it is (a private index at 10.0.1.5)."""
    page = "http://10.0.1.5/simple/rk/"
    served = "http://10.0.1.5/packages/1.5/rk-1.5.tar.gz"
    assert forgerecipe.source_url_template(page, served, "1.5") == "http://10.0.1.5/packages/1.5/rk-${{ version }}.tar.gz"
    assert forgerecipe.version_templated("file:///srv/dist/rk-0.1.5.tar.gz", "0.1.5") == \
        "file:///srv/dist/rk-${{ version }}.tar.gz"
