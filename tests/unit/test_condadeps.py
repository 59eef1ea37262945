"""The pure parts of the conda chores: what the index offers, the decision per requirement, the
recipe line the advice names, and the build-number literal."""

from __future__ import annotations

import pytest

from releasekit.core import condadeps as cd
from releasekit.core.errors import RecipeError

META = """\
{% set data = load_setup_py_data() %}
package:
  name: x
build:
  number: 1  # bump for a recipe fix
  noarch: python
requirements:
  run:
    - python
    - numpy >=1.20
"""
V1 = "package:\n  name: x\nbuild:\n  noarch: python\n  script: pip install .\nrequirements:\n  run: [python]\n"


@pytest.mark.parametrize(("filename", "platforms"), [
    pytest.param("a-1.0-py3-none-any.whl", {"noarch"}, id="pure"),
    pytest.param("a-1.0-cp311-cp311-manylinux_2_17_x86_64.whl", {"linux-64"}, id="manylinux"),
    pytest.param("a-1.0-cp311-cp311-macosx_11_0_universal2.whl", {"osx-64", "osx-arm64"}, id="universal2"),
    pytest.param("a-1.0-cp311-cp311-win_amd64.whl", {"win-64"}, id="windows"),
    pytest.param("a-1.0-cp311-abi3-any.whl", set(), id="abi-bound"),
])
def test_wheel_platforms(filename, platforms):
    assert cd.wheel_platforms(filename) == platforms


def test_offer_takes_the_newest_allowed_version_and_sorts_files_by_kind():
    files = ["a-2.0-py3-none-any.whl", "a-1.5.tar.gz", "a-1.5-cp311-cp311-win_amd64.whl", "a-3.0rc1-py3-none-any.whl",
             "other-9.0-py3-none-any.whl"]
    assert cd.offer("a", files).version == "2.0"
    got = cd.offer("a", files, cd.pip_specifier("a <2"))
    assert (got.version, got.pure_wheel, got.platform_wheels, got.sdist) == \
        ("1.5", None, ("a-1.5-cp311-cp311-win_amd64.whl",), "a-1.5.tar.gz")


@pytest.mark.parametrize(("spec", "allowed", "refused"), [
    ("a >=1.2", "1.3", "1.1"), ("a 1.2", "1.2.5", "1.3"), ("a 1.2.*", "1.2.0", "2.0"), ("a", "0.1", None),
    ("a >=1,<2", "1.9", "2.0"),
])
def test_pip_specifier(spec, allowed, refused):
    specifier = cd.pip_specifier(spec)
    assert specifier.contains(allowed) and (refused is None or not specifier.contains(refused))


def test_decide_builds_pure_wheels_and_reports_the_rest_per_platform():
    pure = cd.decide("a", cd.offer("a", ["a-1.0-py3-none-any.whl"]))
    assert pure.buildable and pure.wheel == "a-1.0-py3-none-any.whl"
    plat = cd.decide("b", cd.offer("b", ["b-1.0-cp311-cp311-manylinux_2_17_x86_64.whl"]), ("linux-64", "win-64"))
    assert not plat.buildable and "only platform wheels" in plat.reason
    assert plat.platforms == {"linux-64": "platform wheel b-1.0-cp311-cp311-manylinux_2_17_x86_64.whl",
                              "win-64": "nothing"}
    assert "only an sdist" in cd.decide("c", cd.offer("c", ["c-1.0.tar.gz"])).reason
    assert "not on the package index" in cd.decide("d", cd.offer("d", [])).reason


def test_advice_names_the_recipe_line():
    missing = cd.decide("numpy >=1.20", cd.offer("numpy", ["numpy-2.0-cp311-cp311-win_amd64.whl"]))
    assert cd.advice(missing, META, "conda/meta.yaml") == (
        "drop line 10 of conda/meta.yaml (`- numpy >=1.20`) from the conda requirements, and document "
        "`pip install numpy` for conda users")


def test_checked_requirements_leave_out_python_virtual_and_templated_entries():
    assert cd.checked_requirements(["python >=3.8", "__unix", "${{ pin }}", "pip", "packaging >=20", 3]) == \
        ["packaging >=20"]
    assert cd.pip_name("pytorch") == "torch" and cd.pip_name("rk-x", {"rk_x": "rk-x"}) == "rk_x"


def test_the_build_number_literal_alone_changes():
    assert cd.build_number(META) == 1
    bumped = cd.set_build_number(META, 2)
    assert bumped == META.replace("number: 1  #", "number: 2  #")
    assert cd.build_number(bumped) == 2
    added = cd.set_build_number(V1, 1)  # none yet: one line under build:, in the block's indentation
    assert added == V1.replace("build:\n", "build:\n  number: 1\n") and cd.build_number(V1) == 0
    assert cd.set_build_number(META.replace("\n", "\r\n"), 2) == bumped.replace("\n", "\r\n")


@pytest.mark.parametrize(("text", "says"), [
    ("package:\n  name: x\n", "no top-level `build:`"),
    ("build:\n  number: {{ n }}\n", "not a literal number"),
])
def test_build_number_refusals(text, says):
    with pytest.raises(RecipeError, match=says):
        cd.set_build_number(text, 2)


@pytest.mark.parametrize(("current", "requested", "expected"), [(1, None, 2), (1, "+1", 2), (1, "5", 5), (0, 3, 3)])
def test_next_build_number(current, requested, expected):
    assert cd.next_build_number(current, requested) == expected


def test_taken_builds():
    records = [("x-1.0-py_1.conda", "1.0", 1), ("x-1.0-py_2.conda", "1.0", 2), ("x-1.1-py_1.conda", "1.1", 1)]
    assert cd.taken_builds(records, "1.0", 1) == ["x-1.0-py_1.conda"]
    assert cd.taken_builds(records, "1.0", 3) == []


def test_an_sdist_only_requirement_is_decided_by_the_wheel_built_from_it():
    choice = cd.decide("c", cd.offer("c", ["c-1.0.tar.gz"]))
    assert choice.action == cd.FROM_SDIST and choice.buildable and choice.sdist == "c-1.0.tar.gz"
    pure = cd.from_sdist(choice, "c-1.0-py3-none-any.whl")
    assert pure.action == cd.BUILD and pure.wheel == "c-1.0-py3-none-any.whl" and "built from its sdist" in pure.reason
    compiled = cd.from_sdist(choice, "c-1.0-cp311-cp311-linux_x86_64.whl")
    assert not compiled.buildable and "with compiled code" in compiled.reason
