"""Clean environments: installs see only the sources named on the command line."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

from releasekit.adapters.envs import clean_env, hermetic_env, uv_binary
from releasekit.adapters.shell import Shell
from releasekit.core.errors import VerifyFailed
from releasekit.testing.sample import SampleDists, sample_dists, write_wheel
from releasekit.testing.servers import PypiServer, pypiserver

pytestmark = pytest.mark.integration
__all__ = ["pypiserver", "sample_dists"]  # fixtures, imported on purpose

INSTALLERS = [
    pytest.param(
        True, id="uv", marks=pytest.mark.skipif(uv_binary() is None, reason="uv is not installed")
    ),
    pytest.param(False, id="pip"),
]


def test_hermetic_env_drops_package_sources_and_keeps_plumbing():
    leaky = {
        "PATH": "/usr/bin",
        "HOME": "/root",
        "PIP_FIND_LINKS": "/opt/wheels",
        "PIP_INDEX_URL": "http://127.0.0.1:1/simple/",
        "PIP_EXTRA_INDEX_URL": "file:///opt/pypi/simple",
        "PIP_NO_INDEX": "1",
        "PIP_CONFIG_FILE": "/etc/pip.conf",
        "PIP_PRE": "1",
        "UV_INDEX_URL": "http://127.0.0.1:1/simple/",
        "UV_EXTRA_INDEX_URL": "http://127.0.0.1:2/simple/",
        "UV_FIND_LINKS": "/opt/wheels",
        "UV_INDEX": "http://127.0.0.1:3/simple/",
        "PYTHONPATH": "/somewhere",
        "VIRTUAL_ENV": "/other/venv",
        "PIP_CERT": "/etc/ssl/certs/ca-certificates.crt",
        "PIP_DEFAULT_TIMEOUT": "60",
    }
    env = hermetic_env(leaky)
    for gone in ("PIP_FIND_LINKS", "PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_NO_INDEX", "PIP_PRE",
                 "UV_INDEX_URL", "UV_EXTRA_INDEX_URL", "UV_FIND_LINKS", "UV_INDEX", "PYTHONPATH", "VIRTUAL_ENV"):  # fmt: skip
        assert gone not in env, gone
    assert env["PIP_CONFIG_FILE"] == os.devnull
    assert (
        env["UV_NO_CONFIG"] == "1"
        and env["PIP_NO_CACHE_DIR"] == "1"
        and env["PYTHONNOUSERSITE"] == "1"
    )
    assert env["PIP_DISABLE_PIP_VERSION_CHECK"] == "1"
    assert env["PIP_CERT"] == leaky["PIP_CERT"] and env["PIP_DEFAULT_TIMEOUT"] == "60"
    assert env["PATH"] == "/usr/bin" and env["HOME"] == "/root"
    assert leaky["PIP_FIND_LINKS"] == "/opt/wheels"  # the input is not modified


@pytest.mark.parametrize("use_uv", INSTALLERS)
def test_install_local_wheel_and_import_it(sample_dists: SampleDists, use_uv):
    with clean_env(Shell(), use_uv=use_uv) as env:
        assert env.python_path.exists()
        env.install([sample_dists.wheel])
        assert env.check_import("rk_sample", "rk-sample") == "0.1.0"
        with pytest.raises(VerifyFailed, match="import no_such_module"):
            env.check_import("no_such_module")


def test_install_from_an_index(pypiserver: PypiServer, sample_dists: SampleDists):
    shutil.copy(sample_dists.wheel, pypiserver.dir)
    with clean_env(Shell()) as env:
        env.install(["rk-sample==0.1.0"], index_url=pypiserver.simple_url)
        assert env.check_import("rk_sample", "rk-sample") == "0.1.0"


@pytest.mark.parametrize("use_uv", INSTALLERS)
def test_find_links_in_the_environment_do_not_leak_into_installs(
    pypiserver: PypiServer, tmp_path, monkeypatch, use_uv
):
    """The index lacks the package; find-links in the environment and in pip.conf have it."""
    links = tmp_path / "links"
    write_wheel(links, "rk-hidden", "0.1.0")
    monkeypatch.setenv("PIP_FIND_LINKS", str(links))
    monkeypatch.setenv("UV_FIND_LINKS", str(links))
    pip_conf = tmp_path / "pip.conf"
    pip_conf.write_text(f"[global]\nfind-links = {links}\n")
    monkeypatch.setenv("PIP_CONFIG_FILE", str(pip_conf))
    # The premise: the installer, left to this environment, does take the hidden file.
    requirements = tmp_path / "requirements.in"
    requirements.write_text("rk-hidden==0.1.0\n")
    if use_uv:
        premise = [
            uv_binary(),
            "pip",
            "compile",
            "--no-cache",
            "--index-url",
            pypiserver.simple_url,
            str(requirements),
        ]
    else:
        premise = [sys.executable, "-m", "pip", "download", "--no-deps", "-d", str(tmp_path / "dl"),
                   "--index-url", pypiserver.simple_url, "-r", str(requirements)]  # fmt: skip
    assert Shell().run(premise, check=False).ok
    with clean_env(Shell(), use_uv=use_uv) as env:
        with pytest.raises(VerifyFailed, match="rk-hidden"):
            env.install(["rk-hidden==0.1.0"], index_url=pypiserver.simple_url)


def test_pythonpath_does_not_leak_into_imports(sample_dists: SampleDists, tmp_path, monkeypatch):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "rk_outside.py").write_text("X = 1\n")
    monkeypatch.setenv("PYTHONPATH", str(outside))
    with clean_env(Shell()) as env:
        with pytest.raises(VerifyFailed, match="import rk_outside"):
            env.check_import("rk_outside")


def test_local_files_install_with_no_index(tmp_path):
    """Local files given without an index: nothing may come from anywhere else, so a
    dependency that is not among the files fails (online it would have been fetched)."""
    wheel = write_wheel(tmp_path, "rk-needs-dep", "1.0", requires=["packaging"])
    with clean_env(Shell()) as env:
        with pytest.raises(VerifyFailed, match="rk_needs_dep"):
            env.install([wheel])
        env.install([wheel], no_deps=True)
        assert env.check_import("rk_needs_dep", "rk-needs-dep") == "1.0"


def test_clean_env_is_removed_after_an_exception(tmp_path):
    with pytest.raises(RuntimeError, match="boom"):
        with clean_env(Shell(), tmp_root=tmp_path) as env:
            created = env.path
            assert (created / "pyvenv.cfg").exists()
            raise RuntimeError("boom")
    assert not created.exists()
    assert list(tmp_path.iterdir()) == []


def test_clean_env_works_in_a_dry_run(sample_dists: SampleDists):
    """A throwaway env changes nothing outside itself, so checks run for real in a dry run."""
    with clean_env(Shell(dry_run=True)) as env:
        env.install([sample_dists.wheel])
        assert env.check_import("rk_sample", "rk-sample") == "0.1.0"


@pytest.mark.parametrize("use_uv", INSTALLERS)
def test_a_reported_install_tells_the_file_and_sha256_it_came_from(tmp_path, use_uv):
    """uv writes no installation report, so a reported install is pip's even in a uv-made env."""
    import hashlib

    target, deps = PypiServer(tmp_path / "target").start(), PypiServer(tmp_path / "deps").start()
    try:
        wheel = write_wheel(target.dir, "rk-reported", "1.0", requires=["rk-reported-dep"])
        write_wheel(deps.dir, "rk-reported-dep", "2.0")
        with clean_env(Shell(), use_uv=use_uv) as env:
            env.install(["rk-reported==1.0"], index_url=target.simple_url, extra_index_urls=[deps.simple_url],
                        report=True)
            got = env.installed_from("rk_reported")
            assert env.check_import("rk_reported_dep", "rk-reported-dep") == "2.0"
        assert got is not None and got.name == wheel.name
        assert got.sha256 == hashlib.sha256(wheel.read_bytes()).hexdigest()
        assert got.url == f"{target.url}packages/{wheel.name}"
    finally:
        target.stop()
        deps.stop()


@pytest.mark.parametrize("use_uv", INSTALLERS)
def test_a_local_file_install_tells_the_file_it_came_from_without_a_report(sample_dists: SampleDists, tmp_path,
                                                                           use_uv):
    """The check step installs each artifact with uv where it can: the file comes from the installer's
    direct_url.json (PEP 610), hashed here; a file other than the one named there is told apart."""
    import hashlib

    wheel = Path(shutil.copy(sample_dists.wheel, tmp_path / sample_dists.wheel.name))
    with clean_env(Shell(), use_uv=use_uv) as env:
        env.install([wheel])
        got = env.installed_from("rk_sample")
        wheel.write_bytes(wheel.read_bytes() + b"changed after the install")
        changed = env.installed_from("rk-sample")
    assert got is not None and got.name == wheel.name and got.url.startswith("file://")
    assert got.sha256 == hashlib.sha256(sample_dists.wheel.read_bytes()).hexdigest()
    assert changed is not None and changed.sha256 != got.sha256  # the hash is the file's, not remembered


def test_extra_indexes_need_an_index_url(sample_dists: SampleDists):
    with clean_env(Shell()) as env, pytest.raises(ValueError, match="extra indexes need an index_url"):
        env.install([sample_dists.wheel], extra_index_urls=["http://127.0.0.1:1/simple/"])
