"""Truthful metadata from real builds of the sample project: the wheel's METADATA, the sdist's
PKG-INFO (or, for an old PKG-INFO, the build backend), the project's build backend with nothing
built, all agree; the recipe generated from them passes rattler-build's parser and renderer."""

from __future__ import annotations

import hashlib
import io
import tarfile
from pathlib import Path

import pytest

from releasekit.adapters import pymeta
from releasekit.adapters.pypi import build
from releasekit.adapters.shell import Shell
from releasekit.core import forgerecipe
from releasekit.testing.sample import PYTHON_FLOOR, make_sample_project

pytestmark = pytest.mark.integration

SETUP_CFG = """[options]
install_requires =
    requests>=2
    dataclasses; python_version < "3.7"

[options.entry_points]
console_scripts =
    rk-hello = rk_meta:main
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("rk-meta")
    project = make_sample_project(root, "rk-meta", "0.3.0", extra_files={"setup.cfg": SETUP_CFG}, with_git=False)
    paths = build(Shell(), project.path, root / "dist", isolation=False)
    wheel = next(p for p in paths if p.name.endswith(".whl"))
    sdist = next(p for p in paths if p.name.endswith(".tar.gz"))
    return project, wheel, sdist


def _facts(meta):
    return (meta.name, meta.version, meta.summary, meta.license, meta.url("homepage"), meta.requires_python,
            sorted(meta.dependencies), meta.console_scripts)


EXPECTED = ("rk-meta", "0.3.0", "A sample project for releasekit's tests.", "Apache-2.0",
            "https://example.invalid/rk-meta", f">={PYTHON_FLOOR}", ['dataclasses; python_version < "3.7"', "requests>=2"],
            ["rk-hello = rk_meta:main"])


@pytest.mark.parametrize("state", ["wheel-only", "sdist-only", "nothing-built"])
def test_every_build_state_reads_the_same_metadata(built, state):
    project, wheel, sdist = built
    artifacts = {"wheel-only": [wheel], "sdist-only": [sdist], "nothing-built": []}[state]
    meta = pymeta.release_metadata(artifacts, project.path, isolated=False)
    assert _facts(meta) == EXPECTED
    assert meta.origin  # says where it was read from


def _old_style_sdist(sdist: Path, out: Path) -> Path:
    """The sdist as older setuptools wrote it: Metadata-Version 2.1, no Requires-Dist in PKG-INFO
    (the requirements lived only in egg-info's requires.txt, which is what fooled verify.deps)."""
    target = out / sdist.name
    with tarfile.open(sdist) as src, tarfile.open(target, "w:gz") as dst:
        for member in src.getmembers():
            data = src.extractfile(member).read() if member.isfile() else None
            if member.name.count("/") == 1 and member.name.endswith("/PKG-INFO"):
                lines = [ln for ln in data.decode().splitlines(keepends=True) if not ln.startswith("Requires-Dist")]
                data = "".join("Metadata-Version: 2.1\n" if ln.startswith("Metadata-Version") else ln
                               for ln in lines).encode()
                member.size = len(data)
            dst.addfile(member, io.BytesIO(data) if data is not None else None)
    return target


def test_an_old_pkg_info_is_not_taken_for_no_requirements(built, tmp_path):
    _, _, sdist = built
    old = _old_style_sdist(sdist, tmp_path)
    meta = pymeta.sdist_metadata(old, isolated=False)
    assert sorted(meta.dependencies) == EXPECTED[6]
    assert "build backend" in meta.origin


def test_generated_recipe_is_read_by_rattler_build(built, tmp_path):
    rattler_build = pytest.importorskip("rattler_build", reason="py-rattler-build is not installed")
    project, wheel, sdist = built
    meta = pymeta.release_metadata([wheel], project.path)
    sha = hashlib.sha256(sdist.read_bytes()).hexdigest()
    text = forgerecipe.v1_recipe_yaml(meta, source_url=sdist.resolve().as_uri(), sha256=sha)
    (tmp_path / "recipe.yaml").write_text(text)
    stage0 = rattler_build.Stage0Recipe.from_file(tmp_path / "recipe.yaml")
    [variant] = stage0.render(rattler_build.VariantConfig())
    stage1 = variant.recipe
    assert (stage1.package.name, str(stage1.package.version)) == ("rk-meta", "0.3.0")
    rendered = stage1.to_dict()
    assert rendered["requirements"]["run"][0] == f"python >={PYTHON_FLOOR}"
    assert "requests >=2" in rendered["requirements"]["run"]
    assert "dataclasses" not in str(rendered["requirements"]["run"])
    assert rendered["about"]["summary"] == "A sample project for releasekit's tests."
    assert rendered["build"]["python"]["entry_points"] == ["rk-hello = rk_meta:main"]
