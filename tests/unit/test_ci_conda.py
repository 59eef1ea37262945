"""publish: ci's conda check: a served conda package is the tag's recipe's package, by name, version
and run requirements (names), or each difference is named."""

from __future__ import annotations

import pytest

from releasekit.adapters.conda import ChannelRecord
from releasekit.core.errors import PublishedMismatch
from releasekit.operations import ci_conda

RECIPE = {"package": {"name": "demo", "version": "1.2.0"},
          "requirements": {"host": ["python >=3.9", "pip"], "run": ["python >=3.9", "packaging >=21"]}}


def record(name="demo", version="1.2.0", depends=("python >=3.9", "packaging >=21")) -> ChannelRecord:
    return ChannelRecord(f"{name}-{version}-pyh1_0.tar.bz2", name, version, "pyh1_0", "noarch", "ab" * 32,
                         tuple(depends))


def test_the_recipes_package_passes_whatever_the_pins_and_virtual_packages():
    served = record(depends=("python >=3.9", "packaging >=22", "__unix"))
    assert ci_conda.problems(RECIPE, "1.2.0", [served]) == []


@pytest.mark.parametrize("served,said", [
    (record(depends=("python >=3.9",)), "depends on python; the tag's recipe on packaging, python"),
    (record(depends=("python >=3.9", "packaging", "numpy")), "depends on numpy, packaging, python"),
    (record(name="other"), "is other 1.2.0, not demo 1.2.0"),
])
def test_another_package_is_named_with_what_differs(served, said):
    (problem,) = ci_conda.problems(RECIPE, "1.2.0", [served])
    assert said in problem and served.file_name in problem
    with pytest.raises(PublishedMismatch, match="another conda package of 1.2.0 than the tag's recipe makes"):
        ci_conda.check(RECIPE, "1.2.0", [served])
