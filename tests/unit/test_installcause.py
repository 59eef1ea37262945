"""The root-cause line of real pip and uv failures, and which of them waiting could cure.

The samples in tests/data/installer/ are real output of pip 26 and uv 0.13 against a local pypiserver
(and a plain HTTP server for a file the page lists but cannot serve), made by
tests/data/installer/make_samples.py; only ports and temp paths are replaced. python-import-fails.txt is
`python -I -c "import rk_imp"` in a clean env holding a wheel whose __init__ imports a missing module, and
build-systemexit.txt is `python -m build --no-isolation` of a project whose setup.py raises SystemExit.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from releasekit.core.installcause import SHORT, install_cause, is_index_lag, short

SAMPLES = Path(__file__).parent.parent / "data" / "installer"

# sample, released package and version, the line the user must see, can waiting help
CASES = [
    ("pip-lag-version", "rk-lag", "0.2.0", "No matching distribution found for rk-lag==0.2.0", True),
    ("uv-lag-version", "rk-lag", "0.2.0", "Because there is no version of rk-lag==0.2.0 and you require rk-lag==0.2.0",
     True),
    ("pip-lag-unknown", "rk-new", "0.2.0", "No matching distribution found for rk-new==0.2.0", True),
    ("uv-lag-unknown", "rk-new", "0.2.0",
     "Because rk-new was not found in the package registry and you require rk-new==0.2.0", True),
    # the same, as uv prints it on a 60-column terminal (COLUMNS=60): a cause wraps onto more lines
    ("uv-lag-unknown-wrapped", "rk-new", "0.2.0",
     "Because rk-new was not found in the package registry and you require rk-new==0.2.0", True),
    ("pip-lag-file-404", "rk-lag", "0.2.0",
     "HTTP error 404 while getting http://127.0.0.1:PORT/files/rk_lag-0.2.0-py3-none-any.whl", True),
    ("uv-lag-file-404", "rk-lag", "0.2.0", "Failed to fetch http://127.0.0.1:PORT/files/rk_lag-0.2.0-py3-none-any.whl: "
     "HTTP status client error (404 File not found)", True),
    ("pip-missing-dep", "rk-needs", "0.2.0", "No matching distribution found for rk-missing>=1.0 (from rk-needs)", False),
    ("uv-missing-dep", "rk-needs", "0.2.0", "Because rk-missing was not found in the package registry and all versions "
     "of rk-needs depend on rk-missing>=1.0", False),
    ("pip-dep-too-old", "rk-needs-newer", "0.2.0", "No matching distribution found for rk-dep>=2 (from rk-needs-newer)",
     False),
    ("uv-dep-too-old", "rk-needs-newer", "0.2.0", "Because only rk-dep==1.0 is available and all versions of "
     "rk-needs-newer depend on rk-dep>=2", False),
    ("pip-conflict", "rk-conflict", "0.2.0",
     "ResolutionImpossible: rk-conflict 0.2.0 depends on rk-b==1.0; rk-c 1.0 depends on rk-b==2.0", False),
    ("uv-conflict", "rk-conflict", "0.2.0", "Because all versions of rk-c depend on rk-b==2.0 and all versions of "
     "rk-conflict depend on rk-b==1.0", False),
    ("pip-build-backend-missing", "rk-hatch", "0.2.0", "No matching distribution found for hatchling>=1.18", False),
    ("uv-build-backend-missing", "rk-hatch", "0.2.0",
     "Because hatchling was not found in the package registry and you require hatchling>=1.18", False),
    ("pip-build-fails", "rk-broken", "0.2.0", "RuntimeError: rk-broken cannot be built: the C compiler is missing", False),
    ("uv-build-fails", "rk-broken", "0.2.0", "RuntimeError: rk-broken cannot be built: the C compiler is missing", False),
    ("pip-index-down", "rk-lag", "0.1.0",
     "cannot reach the index: Failed to establish a new connection: [Errno 111] Connection refused", False),
    ("uv-index-down", "rk-lag", "0.1.0",
     "Failed to fetch http://127.0.0.1:9/simple/rk-lag/: Connection refused (os error 111)", False),
    ("python-import-fails", "rk-imp", "0.2.0", "ModuleNotFoundError: No module named 'rk_helper_missing'", False),
    ("build-systemexit", "rk-broken", "1.0", "setup.py is broken on purpose", False),
    # a file named 0.2.0 whose metadata says 0.2.1 (pip 26.3, made by hand as make_samples.py would)
    ("pip-inconsistent-version", "rk-causes", "0.2.0",
     "the file has an inconsistent version: expected '0.2.0', but metadata has '0.2.1'", False),
]


@pytest.mark.parametrize(("sample", "package", "version", "cause", "lag"), CASES, ids=[c[0] for c in CASES])
def test_the_cause_line_and_whether_waiting_helps(sample, package, version, cause, lag):
    output = (SAMPLES / f"{sample}.txt").read_text(encoding="utf-8")
    assert install_cause(output) == cause
    assert "See above" not in install_cause(output)
    assert is_index_lag(output, package, version) is lag


def test_every_sample_is_in_the_table():
    assert sorted(p.stem for p in SAMPLES.glob("*.txt")) == sorted(c[0] for c in CASES)


@pytest.mark.parametrize("sample", ["pip-lag-version", "uv-lag-version"])
def test_lag_is_about_this_version_of_this_package_only(sample):
    output = (SAMPLES / f"{sample}.txt").read_text(encoding="utf-8")
    assert is_index_lag(output, "RK_Lag", "0.2.0")  # names compare canonicalized
    assert not is_index_lag(output, "rk-lag", "0.3.0")
    assert not is_index_lag(output, "rk-other", "0.2.0")


def test_colours_progress_redraws_and_verify_script_lines_are_ignored():
    output = ("RK install=fail\n\x1b[2mResolving dependencies...\x1b[0m\r\x1b[2K\x1b[1m\x1b[31merror\x1b[39m\x1b[0m"
              "\x1b[1m:\x1b[0m No solution found when resolving dependencies\n"
              "  \x1b[1m\x1b[31mcause\x1b[39m\x1b[0m\x1b[1m:\x1b[0m Because there is no version of rk-lag==0.2.0 and "
              "you require rk-lag==0.2.0, we can conclude that your requirements are unsatisfiable.\n")
    assert install_cause(output) == "Because there is no version of rk-lag==0.2.0 and you require rk-lag==0.2.0"
    assert is_index_lag(output, "rk-lag", "0.2.0")


def test_output_without_a_known_pattern_gives_its_last_telling_line():
    assert install_cause("Collecting x\nsomething odd happened\n") == "something odd happened"
    assert install_cause("") == ""


@pytest.mark.parametrize(("text", "expected"), [
    ("short enough", "short enough"),
    ("two\n  lines", "two lines"),
    ("x" * 200, "x" * (SHORT - 1) + "…"),
])
def test_short_is_one_line_of_at_most_120_characters(text, expected):
    assert short(text) == expected
    assert len(short(text)) <= SHORT
