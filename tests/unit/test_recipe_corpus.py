"""The meta.yaml converter on real recipes (tests/data/recipes, see its README): every file
converts, or is refused for exactly the keys expected.yaml names, each with its true line;
none crashes. Converted recipes must also pass rattler-build's own parsing and rendering."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from releasekit.core import condarecipe as cr
from releasekit.core import metayaml
from releasekit.core.errors import RecipeUntranslatable

CORPUS = Path(__file__).parents[1] / "data" / "recipes"
EXPECTED: dict[str, object] = yaml.safe_load((CORPUS / "expected.yaml").read_text())
FILES = sorted(p.relative_to(CORPUS).as_posix() for p in CORPUS.glob("*/*.yaml"))

# What fastai's setup.py gave load_setup_py_data (1.0.51's values; the long description has
# the '#' and newlines that the recipe's jinja filters exist for).
FASTAI_SETUP = {
    "name": "fastai",
    "version": "1.0.51",
    "description": "fastai makes deep learning with PyTorch faster, more accurate, and easier",
    "long_description": "# fastai\n\nThe fastai library simplifies training fast and accurate neural nets.\n",
    "license": "Apache Software License 2.0",
    "url": "https://github.com/fastai/fastai",
}


def render(rel: str, platform: str = "linux-64", python: str = "3.11") -> metayaml.RenderedMeta:
    return metayaml.render(
        (CORPUS / rel).read_text(),
        setup_data=FASTAI_SETUP,
        environ={},
        recipe_dir="/recipe",
        selectors=metayaml.default_selectors(platform, python, environ={}),
    )


def test_the_corpus_is_big_enough_and_fully_described():
    assert len(FILES) >= 20
    assert sum(f.startswith("fastai/") for f in FILES) >= 40  # every version of fastai's recipe
    assert sorted(EXPECTED) == FILES


def _expected_name_and_version(rel: str, text: str) -> tuple[str, str]:
    if rel.startswith("fastai/"):
        return "fastai", FASTAI_SETUP["version"]
    name = re.match(r"conda-forge/([a-z]+)-\d", rel)
    version = re.search(r"""{%\s*set\s+version\s*=\s*["']([^"']+)["']""", text)
    assert name and version, rel
    return name[1], version[1]


@pytest.mark.parametrize("rel", [f for f in FILES if EXPECTED.get(f) == "converts"])
def test_real_recipe_converts(rel, tmp_path):
    text = (CORPUS / rel).read_text()
    rendered = render(rel)
    v1 = cr.meta_to_v1(rendered, sdist_path=str(tmp_path / "release.tar.gz"))
    name, version = _expected_name_and_version(rel, text)
    assert v1["package"] == {"name": name, "version": version}
    assert v1["source"]["path"] == str(tmp_path / "release.tar.gz")  # whatever the recipe said: the sdist
    run = v1["requirements"]["run"]
    assert run
    for entry in run:  # each comes from a `- name ...` line of the recipe (none invented, none mangled)
        name_ = re.split(r"[\s<>=!]", entry)[0]
        assert re.search(rf"^\s*- {re.escape(name_)}\b", text, re.M), (entry, rel)
    tested = yaml.safe_dump(v1.get("tests", []))
    for module in (rendered.meta.get("test") or {}).get("imports") or []:
        assert module in tested, (module, v1.get("tests"))  # as an import test or a `python -c` script
    if "license_url:" in text:
        assert v1["extra"]["license_url"].startswith("http")  # kept, v1 has no field for it
    rattler_build = pytest.importorskip("rattler_build", reason="py-rattler-build is not installed")
    stage0 = rattler_build.Stage0Recipe.from_dict(v1, recipe_dir=tmp_path)
    variants = stage0.render(rattler_build.VariantConfig())
    assert variants, "rattler-build rendered no variant"
    stage1 = variants[0].recipe
    assert (stage1.package.name, str(stage1.package.version)) == (name, version)


@pytest.mark.parametrize("rel", [f for f in FILES if EXPECTED.get(f) != "converts"])
def test_real_recipe_is_refused_naming_each_key_at_its_line(rel):
    lines = (CORPUS / rel).read_text().splitlines()
    with pytest.raises(RecipeUntranslatable) as err:
        cr.meta_to_v1(render(rel), sdist_path="/s.tar.gz")
    assert [key for key, _ in err.value.keys] == EXPECTED[rel]
    for key, line in err.value.keys:
        assert line is not None
        leaf = key.rpartition(".")[2]
        assert re.match(rf"\s*{re.escape(leaf)}\s*:", lines[line - 1]), (key, line, lines[line - 1])
        assert f"line {line}" in err.value.message and f"`{key}`" in err.value.message
    assert "\n" not in err.value.message


FASTAI_PY36 = [f for f in FILES if f.startswith("fastai/")
               and re.search(r"^\s+- dataclasses\s*# \[py36\]", (CORPUS / f).read_text(), re.M)]


@pytest.mark.parametrize("rel", FASTAI_PY36)
def test_fastais_py36_selector_is_conda_builds_own(rel):
    """fastai's `- dataclasses # [py36]`: a name conda-build defines, true on 3.6 only."""
    assert "dataclasses" in render(rel, python="3.6").meta["requirements"]["run"]
    assert "dataclasses" not in render(rel, python="3.11").meta["requirements"]["run"]


def test_the_corpus_has_the_py36_shape():
    assert len(FASTAI_PY36) >= 5
