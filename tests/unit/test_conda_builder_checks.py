"""conda-build absent: one error, one message; a meta.yaml the converter cannot translate gets a
hint that fits the configured builder (the adapter's side of the issue-13 converter work)."""

from __future__ import annotations

import os
import stat

import pytest

from releasekit.adapters import conda
from releasekit.core.errors import RecipeUntranslatable, ToolMissing

MESSAGE = ("conda-build is not installed: install it (it is not on PyPI; conda or mamba installs it), "
           "or set conda.builder: rattler-build")


@pytest.fixture
def empty_path(tmp_path):
    folder = tmp_path / "bin"
    folder.mkdir()
    return {"PATH": str(folder)}


@pytest.fixture
def path_with_conda_build(tmp_path):
    folder = tmp_path / "cbbin"
    folder.mkdir()
    exe = folder / "conda-build"
    exe.write_text("#!/bin/sh\nexit 0\n")
    exe.chmod(exe.stat().st_mode | stat.S_IXUSR)
    return {"PATH": str(folder)}


def test_absent_conda_build_is_one_error_with_the_one_message(empty_path):
    with pytest.raises(conda.CondaBuildMissing) as err:
        conda.check_conda_build("conda-build", empty_path)
    assert isinstance(err.value, ToolMissing)
    assert err.value.message == MESSAGE
    assert not err.value.hint  # the message says both ways out; nothing is said twice
    assert err.value.render().count("conda-build is not installed") == 1


def test_present_conda_build_or_another_builder_passes(empty_path, path_with_conda_build):
    conda.check_conda_build("conda-build", path_with_conda_build)
    conda.check_conda_build("rattler-build", empty_path)
    assert conda.conda_build_missing(path_with_conda_build) is None
    assert isinstance(conda.conda_build_missing(empty_path), conda.CondaBuildMissing)


RECIPE = """package:
  name: p
  version: "1.0"
build:
  noarch: python
  osx_is_app: true
about:
  license: MIT
  summary: s
  prelink_message: hello
"""


@pytest.mark.parametrize(
    ("builder", "env", "expected", "never"),
    [
        ("rattler-build", "empty", "set `releasekit.conda.builder: conda-build`", None),
        ("conda-build", "empty", MESSAGE, "set `releasekit.conda.builder: conda-build`"),
        ("conda-build", "present", "conda-build builds it as it is", "set `releasekit.conda.builder: conda-build`"),
    ],
    ids=["rattler", "conda-build-absent", "conda-build-present"],
)
def test_untranslatable_meta_yaml_hint_fits_the_builder(tmp_path, request, builder, env, expected, never):
    environ = request.getfixturevalue("empty_path" if env == "empty" else "path_with_conda_build")
    recipe = tmp_path / "conda"
    recipe.mkdir()
    (recipe / "meta.yaml").write_text(RECIPE)
    sdist = tmp_path / "p-1.0.tar.gz"
    sdist.write_bytes(b"")
    with pytest.raises(RecipeUntranslatable) as err:
        conda.load_recipe(recipe, sdist=sdist, setup_data={}, environ=environ, builder=builder)
    assert [k for k, _ in err.value.keys] == ["build.osx_is_app", "about.prelink_message"]
    assert [line for _, line in err.value.keys] == [6, 10]
    assert expected in err.value.hint
    if never:
        assert never not in err.value.render()


def test_load_file_data_reads_the_sdists_member(tmp_path):
    import tarfile

    src = tmp_path / "src" / "p-2.0"
    src.mkdir(parents=True)
    (src / "pyproject.toml").write_text('[project]\nname = "p"\nversion = "2.0"\n')
    sdist = tmp_path / "p-2.0.tar.gz"
    with tarfile.open(sdist, "w:gz") as tar:
        tar.add(src, arcname="p-2.0")
    recipe = tmp_path / "conda"
    recipe.mkdir()
    (recipe / "meta.yaml").write_text(
        "{% set pp = load_file_data('pyproject.toml') %}\npackage:\n  name: {{ pp.project.name }}\n"
        "  version: \"{{ pp.project.version }}\"\nabout:\n  license: MIT\n")
    v1 = conda.load_recipe(recipe, sdist=sdist, setup_data={}, environ=dict(os.environ))
    assert v1["package"] == {"name": "p", "version": "2.0"}
