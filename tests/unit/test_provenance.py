"""Which file was installed, from pip's installation report, and whether it is the released one;
also where dependencies come from by default (pypi.deps_index_url)."""

from __future__ import annotations

import json
import subprocess
import sys
from urllib.parse import urlsplit

import pytest
from twine import utils as twine_utils

from releasekit.adapters import index, pypi
from releasekit.core import provenance
from releasekit.core.hostscripts import parse_results
from releasekit.core.provenance import InstalledFile, from_report, from_results, mismatch

WHEEL, SDIST = "my_pkg-1.0-py3-none-any.whl", "my_pkg-1.0.tar.gz"
A, B, C = "a" * 64, "b" * 64, "c" * 64
RELEASED = {WHEEL: A, SDIST: B}


def report(name: str = "My.Pkg", url: str = f"http://u:secret@idx.example/packages/{WHEEL}", **archive) -> dict:
    """The shape of pip's installation report (pip 23: archive_info.hashes; before: .hash)."""
    archive = archive or {"hash": f"sha256={A}", "hashes": {"sha256": A}}
    return {"version": "1", "install": [
        {"metadata": {"name": "other-dep", "version": "2.0"},
         "download_info": {"url": "http://idx.example/packages/other_dep-2.0-py3-none-any.whl",
                           "archive_info": {"hashes": {"sha256": C}}}},
        {"metadata": {"name": name, "version": "1.0"}, "download_info": {"url": url, "archive_info": archive}},
    ]}


def test_the_report_names_the_file_its_origin_and_sha256_without_the_password():
    got = from_report(report(), "my-pkg")
    assert got == InstalledFile(WHEEL, f"http://idx.example/packages/{WHEEL}", A)


def test_older_pip_reports_carry_the_hash_as_one_string():
    assert from_report(report(hash=f"sha256={B}"), "my_pkg").sha256 == B


def test_a_package_absent_from_the_report_is_none():
    assert from_report(report(), "not-there") is None


def test_the_script_line_prints_what_from_report_reads(tmp_path):
    path = tmp_path / "report.json"
    path.write_text(json.dumps(report()), encoding="utf-8")
    out = subprocess.run([sys.executable, "-c", provenance.REPORT_PRINTER, str(path), "my-pkg"],
                         capture_output=True, text=True, check=True).stdout
    assert from_results(parse_results(out)) == from_report(report(), "my-pkg")
    assert "secret" not in out


@pytest.mark.parametrize("installed", [InstalledFile(WHEEL, "", A), InstalledFile(SDIST, "", B),
                                       InstalledFile("renamed.whl", "", A)], ids=["wheel", "sdist", "same-bytes"])
def test_a_released_file_passes(installed):
    assert mismatch("my-pkg==1.0", installed, RELEASED) is None


def test_the_same_filename_with_other_bytes_names_both_hashes():
    problem = mismatch("my-pkg==1.0", InstalledFile(WHEEL, f"http://deps/{WHEEL}", C), RELEASED)
    assert problem == (f"my-pkg==1.0 was installed from {WHEEL} with sha256 {C} (http://deps/{WHEEL}), "
                       f"not from the released {WHEEL} with sha256 {A}")


def test_another_wheel_of_the_version_is_compared_with_the_released_wheel():
    planted = "my_pkg-1.0-1-py3-none-any.whl"
    problem = mismatch("my-pkg==1.0", InstalledFile(planted, "", C), RELEASED)
    assert problem == f"my-pkg==1.0 was installed from {planted} with sha256 {C}, not from the released {WHEEL} with sha256 {A}"


def test_no_hash_reported_is_a_failure_too():
    assert mismatch("my-pkg==1.0", None, RELEASED).startswith("cannot tell which file my-pkg==1.0 was installed from")
    assert mismatch("my-pkg==1.0", InstalledFile("x.whl"), RELEASED).endswith("reported no sha256 for x.whl")


def test_nothing_expected_checks_nothing():
    assert mismatch("my-pkg==1.0", None, {}) is None


# --- the default deps index: from twine's own repository URLs -------------------------------------


def root(upload_url: str) -> str:
    return index.simple_url(upload_url, "x").rsplit("/", 2)[0] + "/"


@pytest.mark.parametrize("upload_url", [twine_utils.TEST_REPOSITORY, twine_utils.TEST_REPOSITORY.rstrip("/")])
def test_testpypi_gets_pypi_for_its_dependencies(upload_url):
    got = pypi.default_deps_index(upload_url, root(upload_url))
    assert got == root(twine_utils.DEFAULT_REPOSITORY)
    assert urlsplit(got).hostname == urlsplit(twine_utils.DEFAULT_REPOSITORY).hostname.removeprefix("upload.")


def test_an_index_url_pointing_at_testpypi_counts_too():
    assert pypi.default_deps_index("http://127.0.0.1:1/", root(twine_utils.TEST_REPOSITORY)) == \
        root(twine_utils.DEFAULT_REPOSITORY)


@pytest.mark.parametrize("upload_url", [twine_utils.DEFAULT_REPOSITORY, "http://127.0.0.1:8080/",
                                        "https://nexus.example/repository/py/"])
def test_any_other_target_gets_no_deps_index(upload_url):
    assert pypi.default_deps_index(upload_url, root(upload_url)) is None
