"""condarecipe: meta.yaml rendering and conversion, recipe generation, drift and lint, as tables."""

from __future__ import annotations

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from releasekit.core import condarecipe as cr
from releasekit.core import metayaml
from releasekit.core.errors import RecipeError, RecipeUntranslatable

SETUP = {
    "name": "fastai",
    "version": "1.0.61",
    "description": "fastai makes deep learning easier",
    "license": "Apache Software License 2.0",
    "url": "http://example.invalid/fastai",
    "install_requires": ["torch>=1.0.0", "numpy>=1.15", "pyyaml", "requests"],
}

FASTAI_META = """\
{% set data = load_setup_py_data(setup_file='../setup.py', from_recipe_dir=True) %}
package:
  name: {{ data.name }}
  version: "{{ data.version }}"
source:
  url: ../dist/{{ data.name }}-{{ data.version }}.tar.gz
build:
  number: 1
  noarch: python
  script: {{ PYTHON }} setup.py install --single-version-externally-managed --record=record.txt
requirements:
  build:
    - python
    - setuptools
  run:
    - python
    - pytorch >=1.0.0
    - numpy >=1.15
    - pyyaml
    - requests
    - pywin32  # [win]
    - dataclasses  # [py<37]
test:
  imports:
    - fastai
about:
  home: {{ data.get('url') }}
  license: {{ data.get('license') }}
  summary: {{ data.get('description') }}
"""


def render(text: str = FASTAI_META, **selectors) -> dict:
    sel = cr.default_selectors("linux-64", "3.11")
    sel.update(selectors)
    return cr.render_meta_yaml(text, setup_data=SETUP, environ={"HOME": "/h"}, recipe_dir="/r/conda", selectors=sel)


# --- rendering ----------------------------------------------------------------------------------


def test_render_fills_setup_data_and_drops_false_selector_lines():
    meta = render()
    assert meta["package"] == {"name": "fastai", "version": "1.0.61"}
    assert meta["source"]["url"] == "../dist/fastai-1.0.61.tar.gz"
    assert meta["build"]["script"].startswith("${{ PYTHON }} setup.py install")
    assert meta["requirements"]["run"] == ["python", "pytorch >=1.0.0", "numpy >=1.15", "pyyaml", "requests"]
    assert meta["about"]["summary"] == "fastai makes deep learning easier"


@pytest.mark.parametrize(
    ("platform", "python", "expect_win", "expect_py36"),
    [
        ("linux-64", "3.11", False, False),
        ("win-64", "3.11", True, False),
        ("osx-arm64", "3.6", False, True),
        ("win-64", "3.6", True, True),
    ],
    ids=["linux-py311", "win-py311", "osx-py36", "win-py36"],
)
def test_selectors_follow_platform_and_python(platform, python, expect_win, expect_py36):
    sel = cr.default_selectors(platform, python)
    meta = cr.render_meta_yaml(FASTAI_META, setup_data=SETUP, environ={}, recipe_dir="/r", selectors=sel)
    run = meta["requirements"]["run"]
    assert ("pywin32" in run) is expect_win
    assert ("dataclasses" in run) is expect_py36


@pytest.mark.parametrize(
    ("expr", "selectors", "kept"),
    [
        ("not win", {"win": False}, True),
        ("linux and x86_64", {"linux": True, "x86_64": False}, False),
        ("py>=38 or win", {"py": 37, "win": False}, False),
        ("py>=38 or win", {"py": 311, "win": False}, True),
        ("35 < py < 312", {"py": 311}, True),
        ("target_platform == 'linux-64'", {"target_platform": "linux-64"}, True),
    ],
    ids=["not", "and", "or-false", "or-true", "chained", "string"],
)
def test_selector_expressions(expr, selectors, kept):
    text = f"a: 1\nb: 2  # [{expr}]\n"
    assert ("b: 2" in cr.apply_selectors(text, selectors)) is kept


@pytest.mark.parametrize(
    ("template", "fragment"),
    [
        ("x: {{ resolved_packages('host') }}\n", "resolved_packages"),
        ("x: {{ installed['x'] }}\n", "installed"),
        ("x: {% if %}\n", "jinja syntax error"),
        ("x: 1  # [winn]\n", "unknown name `winn`"),
        ("x: 1  # [win +]\n", "not a valid expression"),
        ("x: [1\n", "not valid YAML"),
        ("- a\n- b\n", "does not render to a mapping"),
    ],
    ids=["resolved_packages", "installed", "jinja-syntax", "unknown-selector", "bad-selector", "bad-yaml", "not-mapping"],
)
def test_bad_meta_yaml_is_a_one_line_recipe_error(template, fragment):
    with pytest.raises(RecipeError) as err:
        render(template)
    assert fragment in err.value.message
    assert "\n" not in err.value.message


def test_unknown_jinja_name_suggests_conda_build():
    with pytest.raises(RecipeError) as err:
        render("x: {{ resolved_packages('host') }}\n")
    assert "builder: conda-build" in err.value.hint


def test_environ_and_os_are_the_given_environment():
    meta = render("a: {{ environ['HOME'] }}\nb: {{ os.environ.get('HOME') }}\nc: {{ RECIPE_DIR }}\n")
    assert meta == {"a": "/h", "b": "/h", "c": "/r/conda"}


# --- meta.yaml -> v1 ---------------------------------------------------------------------------


def test_fastai_meta_converts_to_v1():
    v1 = cr.meta_to_v1(render(), sdist_path="/p/dist/fastai-1.0.61.tar.gz")
    assert v1 == {
        "package": {"name": "fastai", "version": "1.0.61"},
        "source": {"path": "/p/dist/fastai-1.0.61.tar.gz"},
        "build": {
            "number": 1,
            "noarch": "python",
            "script": "${{ PYTHON }} setup.py install --single-version-externally-managed --record=record.txt",
        },
        # no host section in meta.yaml: conda-build's build env was the host env
        "requirements": {
            "host": ["python", "setuptools"],
            "run": ["python", "pytorch >=1.0.0", "numpy >=1.15", "pyyaml", "requests"],
        },
        "tests": [{"python": {"imports": ["fastai"], "pip_check": False}}],
        "about": {
            "homepage": "http://example.invalid/fastai",
            "license": "Apache-2.0",  # setup.py's classifier-style name, as SPDX
            "summary": "fastai makes deep learning easier",
        },
    }


def test_full_subset_converts():
    meta = {
        "package": {"name": "Pkg", "version": 2},
        "source": {"url": "http://x/p.tar.gz", "sha256": "00"},
        "build": {"number": "3", "noarch": "python", "script": ["a", "b"], "entry_points": ["p = p:main"]},
        "requirements": {"build": ["git"], "host": ["python", "pip"], "run": ["python", None], "run_constrained": ["x <2"]},
        "test": {"imports": ["p"], "commands": ["p --help"], "requires": ["pytest"], "source_files": ["tests/"], "files": ["t.py"]},
        "about": {"home": "h", "license": "MIT", "license_file": ["LICENSE"], "doc_url": "d", "dev_url": "r", "description": ""},
        "extra": {"recipe-maintainers": ["me"]},
    }
    v1 = cr.meta_to_v1(meta, sdist_path="/s.tar.gz", recipe_files=["meta.yaml", "run_test.py"])
    assert v1["package"] == {"name": "pkg", "version": "2"}
    assert v1["build"] == {"number": 3, "noarch": "python", "script": ["a", "b"], "python": {"entry_points": ["p = p:main"]}}
    assert v1["requirements"] == {"build": ["git"], "host": ["python", "pip"], "run": ["python"], "run_constraints": ["x <2"]}
    assert v1["tests"] == [
        {"python": {"imports": ["p"], "pip_check": False}},
        {
            "script": ["p --help", "python run_test.py"],
            "requirements": {"run": ["pytest"]},
            "files": {"source": ["tests/"], "recipe": ["t.py", "run_test.py"]},
        },
    ]
    assert v1["about"] == {"homepage": "h", "license": "MIT", "license_file": ["LICENSE"], "documentation": "d", "repository": "r"}
    assert v1["extra"] == {"recipe-maintainers": ["me"]}


def test_test_requires_without_commands_become_import_commands():
    v1 = cr.meta_to_v1(
        {"package": {"name": "p", "version": "1"}, "test": {"imports": ["p", "p.sub"], "requires": ["numpy"]}},
        sdist_path="/s",
    )
    assert v1["tests"] == [
        {"script": ['python -c "import p"', 'python -c "import p.sub"'], "requirements": {"run": ["numpy"]}}
    ]


def test_converted_recipe_is_accepted_by_rattler_build(tmp_path):
    rattler_build = pytest.importorskip("rattler_build", reason="py-rattler-build is not installed")
    v1 = cr.meta_to_v1(render(), sdist_path="/p/dist/fastai-1.0.61.tar.gz")
    parsed = rattler_build.Stage0Recipe.from_dict(v1, recipe_dir=tmp_path)
    assert parsed.to_dict()["package"] == {"name": "fastai", "version": "1.0.61"}


@pytest.mark.parametrize(
    ("meta", "key"),
    [
        ({"outputs": []}, "outputs"),
        ({"package": {"name": "p", "version": "1", "epoch": 1}}, "package.epoch"),
        ({"source": {"url": "u", "svn_ignore_externals": True}}, "source.svn_ignore_externals"),
        ({"build": {"osx_is_app": True}}, "build.osx_is_app"),
        ({"build": {"script_env": ["A"]}}, "build.script_env"),
        ({"requirements": {"test": ["x"]}}, "requirements.test"),
        ({"test": {"downstreams": ["x"]}}, "test.downstreams"),
        ({"about": {"prelink_message": "u"}}, "about.prelink_message"),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_keys_outside_the_subset_are_named(meta, key):
    full = {"package": {"name": "p", "version": "1"}}
    full.update(meta)
    with pytest.raises(RecipeError) as err:
        cr.meta_to_v1(full, sdist_path="/s")
    assert f"`{key}`" in err.value.message
    assert "conda-build" in err.value.hint


@pytest.mark.parametrize(
    ("meta", "fragment"),
    [
        ({"package": {"version": "1"}}, "package.name"),
        ({"package": {"name": "p"}}, "package.version"),
        ({"package": {"name": "p", "version": "1"}, "build": {"number": "x"}}, "build.number"),
        ({"package": {"name": "p", "version": "1"}, "build": {"noarch": "java"}}, "build.noarch"),
        ({"package": {"name": "p", "version": "1"}, "requirements": {"run": [{"a": 1}]}}, "requirements.run"),
        ({"package": {"name": "p", "version": "1"}, "source": [{"url": "a"}, {"url": "b"}]}, "several sources"),
        ({"package": "p"}, "`package`"),
    ],
    ids=["no-name", "no-version", "bad-number", "bad-noarch", "bad-req", "two-sources", "package-not-mapping"],
)
def test_malformed_recipe_gets_a_clear_error(meta, fragment):
    with pytest.raises(RecipeError) as err:
        cr.meta_to_v1(meta, sdist_path="/s")
    assert fragment in err.value.message


@pytest.mark.parametrize(
    ("name", "spdx"),
    [("Apache Software License 2.0", "Apache-2.0"), ("MIT  License", "MIT"), ("BSD", "BSD-3-Clause"), ("GPL-3.0-only", "GPL-3.0-only")],
    ids=["apache", "mit", "bsd", "already-spdx"],
)
def test_license_names_become_spdx(name, spdx):
    assert cr.spdx_license(name) == spdx


# --- pip -> conda names and specs ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("req", "mapping", "expected"),
    [
        ("torch>=1.0", None, "pytorch >=1.0"),
        ("opencv-python", None, "opencv"),
        ("PyYAML>=5.1", None, "pyyaml >=5.1"),
        ("Typing_Extensions", None, "typing_extensions"),
        ("numpy>=1.15,<2", None, "numpy <2,>=1.15"),
        ("torch>=1.0", {"torch": "pytorch-cpu"}, "pytorch-cpu >=1.0"),
        ("mylib", {"MyLib": "my-conda-lib"}, "my-conda-lib"),
        ("pytest; extra == 'dev'", None, None),
        ("dataclasses; python_version < '3.7'", None, None),
        ("requests[socks]>=2", None, "requests >=2"),
    ],
    ids=["torch", "opencv", "pyyaml", "typing-ext", "range", "custom", "custom-case", "extra", "marker", "pip-extras"],
)
def test_to_conda_spec(req, mapping, expected):
    assert cr.to_conda_spec(req, mapping, environment={"python_version": "3.11"}) == expected


# --- generation ---------------------------------------------------------------------------------


def generate(fmt: str = "v1", **kw) -> str:
    args = {
        "summary": "s",
        "license": "MIT",
        "homepage": "http://h.invalid",
        "import_name": "my_pkg",
        "mapping": {"special": "conda-special"},
        "sdist_path": "/d/My-Pkg-1.0.tar.gz",
    }
    args.update(kw)
    return cr.generate_recipe("My-Pkg", "1.0", ["torch>=1.0", "special", "pytest; extra == 'dev'"], fmt=fmt, **args)


def test_generated_v1_recipe():
    recipe = yaml.safe_load(generate())
    assert recipe["package"] == {"name": "my-pkg", "version": "1.0"}
    assert recipe["source"] == {"path": "/d/My-Pkg-1.0.tar.gz"}
    assert recipe["build"]["noarch"] == "python"
    assert recipe["requirements"]["run"] == ["python", "pytorch >=1.0", "conda-special"]
    assert recipe["tests"] == [{"python": {"imports": ["my_pkg"], "pip_check": False}}]
    assert recipe["about"] == {"homepage": "http://h.invalid", "summary": "s", "license": "MIT"}
    assert cr.lint_recipe(recipe, "1.0") == []


def test_generated_meta_yaml_renders_and_converts_to_the_same_recipe():
    meta_text = generate("meta.yaml", python_requires=">=3.8", entry_points=["p = my_pkg:main"])
    meta = cr.render_meta_yaml(meta_text, setup_data={}, environ={}, recipe_dir="/r")
    assert cr.lint_recipe(meta, "1.0", template_text=meta_text) == []
    converted = cr.meta_to_v1(meta, sdist_path="/d/My-Pkg-1.0.tar.gz")
    direct = yaml.safe_load(generate(python_requires=">=3.8", entry_points=["p = my_pkg:main"]))
    assert converted["requirements"] == direct["requirements"]
    assert converted["tests"] == direct["tests"]
    assert converted["build"]["python"] == direct["build"]["python"]
    assert converted["build"]["script"].replace("${{ PYTHON }}", "python") == direct["build"]["script"]


def test_generate_rejects_unknown_format():
    with pytest.raises(RecipeError, match="unknown recipe format"):
        generate("setup.cfg")


# --- drift --------------------------------------------------------------------------------------


def test_no_drift_when_names_and_specs_match_after_normalizing():
    drift = cr.compare_requirements(
        ["torch>=1.0", "numpy>=1.15,<2", "PyYAML", "typing-extensions==4.*", "pytest; extra == 'test'"],
        ["python >=3.8", "pytorch >=1.0.0", "numpy <2.0,>=1.15", "pyyaml", "typing_extensions =4"],
    )
    assert drift.ok, drift.lines()


@pytest.mark.parametrize(
    ("pip", "conda", "missing", "extra", "different"),
    [
        (["requests"], ["python"], ["requests"], [], []),
        ([], ["python", "scipy"], [], ["scipy"], []),
        (["torch>=1.1"], ["pytorch >=1.0"], [], [], [("pytorch", ">=1.1", "pytorch >=1.0")]),
        (["numpy"], ["numpy >=1.15"], [], [], [("numpy", "(any version)", "numpy >=1.15")]),
        (["six==1.16"], ["six 1.16.0 py_0"], [], [], []),
        (["torch"], ["torch"], ["pytorch"], ["torch"], []),
    ],
    ids=["missing", "extra", "different-bound", "pinned-only-in-conda", "build-string-ignored", "pip-name-in-recipe"],
)
def test_each_kind_of_drift(pip, conda, missing, extra, different):
    drift = cr.compare_requirements(pip, conda)
    assert (drift.missing, drift.extra, drift.different) == (missing, extra, different)
    assert drift.ok is (not (missing or extra or different))
    assert len(drift.lines()) == len(missing) + len(extra) + len(different)


def test_configured_mapping_is_used_for_drift():
    drift = cr.compare_requirements(["torch"], ["pytorch-cpu"], {"torch": "pytorch-cpu"})
    assert drift.ok


_names = st.from_regex(r"[a-z][a-z0-9]{0,8}", fullmatch=True)
_versions = st.tuples(st.integers(0, 30), st.integers(0, 30)).map(lambda t: f"{t[0]}.{t[1]}")
_specs = st.lists(st.tuples(st.sampled_from([">=", "<", "==", "!=", "<="]), _versions), max_size=2)


@given(st.dictionaries(_names, _specs, max_size=5))
def test_a_recipe_made_from_install_requires_never_drifts(reqs):
    pip = [name + ",".join(op + v for op, v in spec) for name, spec in reqs.items()]
    conda = ["python"] + [cr.to_conda_spec(r) for r in pip]
    assert cr.compare_requirements(pip, conda).ok


# --- lint ---------------------------------------------------------------------------------------

GOOD_V1 = {
    "package": {"name": "p", "version": "1.0"},
    "source": {"path": "/s"},
    "build": {"noarch": "python"},
    "requirements": {"host": ["python"], "run": ["python"]},
    "tests": [{"python": {"imports": ["p"]}}],
    "about": {"license": "MIT", "summary": "s"},
}


def test_good_recipes_lint_clean():
    assert cr.lint_recipe(GOOD_V1, "1.0") == []
    assert cr.lint_recipe(render(), "1.0.61", template_text=None) == []


def test_v1_context_version_resolves():
    recipe = dict(GOOD_V1, context={"version": "2.0"}, package={"name": "p", "version": "${{ version }}"})
    assert cr.lint_recipe(recipe, "2.0") == []
    assert cr.lint_recipe(recipe, "2.1") == ["the recipe's version 2.0 is not the release version 2.1"]


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"package": {"name": "p"}}, "no `package.version`"),
        ({"package": {"version": "1.0"}}, "no `package.name`"),
        ({"package": {"name": "p", "version": "1.1"}}, "not the release version 1.0"),
        ({"package": {"name": "p", "version": 1.0}}, "quote it"),
        ({"source": None}, "no `source`"),
        ({"tests": []}, "no tests"),
        ({"about": {"summary": "s"}}, "no `about.license`"),
        ({"requirements": {"host": ["python"], "run": ["numpy"]}}, "must list `python`"),
        ({"requirements": {"host": ["python"], "run": ["python", {"if": "win", "then": "pywin32"}]}}, "`if:` conditionals"),
    ],
    ids=["no-version", "no-name", "version-mismatch", "float-version", "no-source", "no-tests", "no-license", "no-python", "conditionals"],
)
def test_lint_finds_each_problem(change, fragment):
    recipe = dict(GOOD_V1, **change)
    problems = cr.lint_recipe(recipe, "1.0")
    assert any(fragment in p for p in problems), problems


def test_lint_flags_selectors_in_a_noarch_python_meta_yaml():
    problems = cr.lint_recipe(render(), "1.0.61", template_text=FASTAI_META)
    assert len(problems) == 2
    assert "[win]" in problems[0] and "[py<37]" in problems[1]


# --- every untranslatable key at once, with its line ---------------------------------------------


def test_every_untranslatable_key_is_reported_at_once_with_its_template_line():
    text = FASTAI_META.replace("  number: 1\n", "  number: 1\n  osx_is_app: true\n  script_env:\n    - TOKEN\n") + (
        "app:\n  entry: fastai\n"
    )
    lines = text.splitlines()
    rendered = metayaml.render(text, setup_data=SETUP, environ={}, recipe_dir="/r",
                                  selectors=cr.default_selectors("linux-64", "3.11"))
    with pytest.raises(RecipeUntranslatable) as err:
        cr.meta_to_v1(rendered, sdist_path="/s")
    keys = dict(err.value.keys)
    assert sorted(keys) == ["app", "build.osx_is_app", "build.script_env"]
    for key, line in keys.items():
        assert lines[line - 1].strip().startswith(key.rpartition(".")[2] + ":")
    assert err.value.message.startswith("meta.yaml has 3 things the converter cannot translate: ")
    assert "\n" not in err.value.message


def test_lines_survive_a_description_that_jinja_expands():
    text = FASTAI_META.replace("about:\n", "about:\n  description: |\n    {{ data['long_description'] | replace('\\n', '\\n    ') }}\n") + "  prelink_message: hi\n"
    setup = dict(SETUP, long_description="one\ntwo\nthree\nfour")
    rendered = metayaml.render(text, setup_data=setup, environ={}, recipe_dir="/r",
                                  selectors=cr.default_selectors("linux-64", "3.11"))
    with pytest.raises(RecipeUntranslatable) as err:
        cr.meta_to_v1(rendered, sdist_path="/s")
    [(key, line)] = err.value.keys
    assert key == "about.prelink_message"
    assert text.splitlines()[line - 1] == "  prelink_message: hi"


@pytest.mark.parametrize(
    ("builder", "installed", "fragment", "never"),
    [
        ("rattler-build", True, "set `releasekit.conda.builder: conda-build`", None),
        ("auto", False, "set `releasekit.conda.builder: conda-build`", None),
        ("conda-build", True, "conda-build builds it as it is", "set `releasekit.conda.builder: conda-build`"),
        ("conda-build", False, cr.CONDA_BUILD_MISSING, "set `releasekit.conda.builder: conda-build`"),
    ],
    ids=["rattler", "auto", "conda-build-present", "conda-build-absent"],
)
def test_the_hint_never_says_to_set_what_is_set(builder, installed, fragment, never):
    hint = cr.conversion_hint(builder, installed)
    assert fragment in hint
    if never:
        assert never not in hint
    meta = {"package": {"name": "p", "version": "1"}, "build": {"osx_is_app": True}}
    with pytest.raises(RecipeUntranslatable) as err:
        cr.meta_to_v1(meta, sdist_path="/s", hint=hint)
    assert err.value.hint == hint


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("- {{ pin_compatible('numpy') }}", "${{ pin_compatible('numpy') }}"),
        ("- {{ pin_compatible('numpy', max_pin='x.x') }}", "${{ pin_compatible('numpy', upper_bound='x.x') }}"),
        ("- {{ pin_subpackage('p', exact=True) }}", "${{ pin_subpackage('p', exact=True) }}"),
        ("- {{ pin_compatible('n', lower_bound='1.2', upper_bound='2') }}",
         "${{ pin_compatible('n', lower_bound='1.2', upper_bound='2') }}"),
        ("- {{ compiler('c') }}", "${{ compiler('c') }}"),
        ("- fastprogress 0.2.1", "fastprogress 0.2.1.*"),
        ("- python {{ python_min }}", "python 3.10.*"),
        ("- python >={{ python_min }}", "python >=3.10"),
    ],
    ids=["pin", "pin-max", "subpackage-exact", "pin-bounds", "compiler", "bare-version", "python-min", "python-min-floor"],
)
def test_build_time_functions_become_v1_jinja_and_bare_versions_prefix_matches(template, expected):
    text = f"package:\n  name: p\n  version: 1\nrequirements:\n  run:\n    {template}\n"
    v1 = cr.meta_to_v1(metayaml.render(text, setup_data={}, environ={}, recipe_dir="/r"), sdist_path="/s")
    assert v1["requirements"]["run"] == [expected]


def test_load_file_data_and_regex_read_through_the_callback():
    files = {"pyproject.toml": '[project]\nname = "pkg"\n', "pkg/version.py": '__version__ = "2.5"\n'}
    seen = []

    def read(path, from_recipe_dir):
        seen.append((path, from_recipe_dir))
        return files[path]

    text = ("{% set py = load_file_data('pyproject.toml') %}\n"
            "{% set v = load_file_regex(load_file='pkg/version.py', regex_pattern='\"(.+)\"').group(1) %}\n"
            "package:\n  name: {{ py['project']['name'] }}\n  version: {{ v }}\n")
    meta = cr.render_meta_yaml(text, setup_data={}, environ={}, recipe_dir="/r", read_file=read)
    assert meta["package"] == {"name": "pkg", "version": 2.5}  # unquoted in the template: YAML reads a number
    assert seen == [("pyproject.toml", False), ("pkg/version.py", False)]


@pytest.mark.parametrize(
    ("selector", "platform", "python", "kept"),
    [
        ("py36", "linux-64", "3.6", True), ("py36", "linux-64", "3.11", False), ("py>=37", "linux-64", "3.11", True),
        ("py3k", "linux-64", "3.11", True), ("py2k", "linux-64", "3.11", False), ("linux", "linux-aarch64", "3.11", True),
        ("aarch64", "linux-aarch64", "3.11", True), ("arm64", "osx-arm64", "3.11", True), ("osx", "osx-arm64", "3.11", True),
        ("unix", "osx-64", "3.11", True), ("win", "win-64", "3.11", True), ("win64", "win-64", "3.11", True),
        ("linux64", "linux-64", "3.11", True), ("x86_64", "osx-64", "3.11", True), ("x86", "win-32", "3.11", True),
        ("ppc64le", "linux-ppc64le", "3.11", True), ("s390x", "linux-64", "3.11", False), ("np >= 122", "linux-64", "3.11", True),
        ("python_impl == 'pypy'", "linux-64", "3.11", False), ("build_platform != target_platform", "linux-64", "3.11", False),
    ],
)
def test_conda_builds_selector_names(selector, platform, python, kept):
    text = f"a: 1\nb: 2  # [{selector}]\n"
    assert ("b: 2" in cr.apply_selectors(text, cr.default_selectors(platform, python, environ={}))) is kept
