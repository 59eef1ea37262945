"""A TestPyPI-like setup: the target index holds only what releasekit uploads, and a second index
(``pypi.deps_index_url``) holds the dependencies and build backends. The release installs in clean
environments anyway, and a file of the released package planted on the second index never passes
for the release: the installed file's sha256 is compared with the built one's."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from releasekit.testing import wheelhouse
from releasekit.testing.sample import SETUP_PY, make_sample_project, write_wheel
from releasekit.testing.servers import PypiServer
from tests.conftest import Cli, configure

pytestmark = pytest.mark.integration

DEP = "rk-deps-lib"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def indexes(tmp_path_factory):
    """(target, deps): an empty target index, and one with the build backends and the dependency."""
    root = tmp_path_factory.mktemp("indexes")
    target = PypiServer(root / "target").start()
    deps = PypiServer(root / "deps").start()
    wheelhouse.seed(deps.dir)
    write_wheel(deps.dir, DEP, "1.0")
    yield target, deps
    target.stop()
    deps.stop()


@pytest.fixture(scope="module")
def released(tmp_path_factory, indexes):
    """A project depending on rk-deps-lib, released end to end to the target index (once: tests that
    plant files on the deps index remove them again)."""
    from tests.conftest import clean_cli_env

    tmp_path, cli_env = tmp_path_factory.mktemp("released"), clean_cli_env()
    target, deps = indexes
    name = "rk-with-deps"
    setup = SETUP_PY.format(name=name, package="rk_with_deps", readme_file="README.md", readme_type="text/markdown")
    setup = setup.replace("    packages=", f'    install_requires=["{DEP}>=1.0"],\n    packages=', 1)
    project = make_sample_project(tmp_path, name, extra_files={"setup.py": setup})
    configure(project, pypi__repository=target.url, pypi__deps_index_url=deps.simple_url, dist__isolation=False,
              test_command="true", wait__interval=0.2)
    cli = Cli(project.path, dict(cli_env, TWINE_USERNAME="u", TWINE_PASSWORD="p"))
    plan = cli("release", "--plan")
    result = cli("release", "--yes")
    return project, cli, result, target, deps, plan


def released_wheel(project) -> Path:
    return next((project.path / "dist").glob("*-0.1.0-py3-none-any.whl"))


def test_a_project_with_a_dependency_releases_when_dependencies_come_from_the_deps_index(released):
    project, cli, result, target, deps, plan = released
    assert plan.returncode == 0, plan.stdout + plan.stderr
    # the plan says where dependencies come from, for the check step and for verify
    assert plan.stdout.count(f"(dependencies also from {deps.simple_url})") == 2
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "artifacts of 0.1.0 pass the checks" in out and "installed in clean environments" in out
    assert "installed from the index" in out and "release 0.1.0 done" in out
    # The target holds exactly what was uploaded: the dependency and setuptools came from the deps index.
    assert sorted(p.name for p in target.dir.iterdir()) == sorted(p.name for p in (project.path / "dist").iterdir())
    wheel = released_wheel(project)
    assert f"rk-with-deps==0.1.0 came from {wheel.name}, sha256 {sha256(wheel)}: the released file" in out


def test_without_the_deps_index_the_clean_install_finds_no_dependency(released):
    """The control: the setting is what makes the release installable (an empty value switches it off)."""
    project, cli, result, target, deps, _plan = released
    assert result.returncode == 0, result.stdout + result.stderr
    off = {"INVOKE_RELEASEKIT_PYPI_DEPS_INDEX_URL": ""}
    for task in ("verify.local", "verify.install"):  # the check step's clean installs, then verify's
        failed = cli(task, "--version", "0.1.0", *(["--no-wait"] if task == "verify.install" else []), env=off)
        assert failed.returncode != 0, task
        line = failed.stderr.strip().splitlines()[-1]
        # the installer's own cause, naming the requirement it could not find (pip's words, or uv's)
        assert line.startswith("error: ") and (f"No matching distribution found for {DEP}>=1.0" in line or (
            f"{DEP} was not found in the package registry" in line and f"depends on {DEP}>=1.0" in line)), task
        assert "Traceback" not in failed.stderr


def test_a_higher_version_planted_on_the_deps_index_is_not_installed(released):
    project, cli, result, target, deps, _plan = released
    assert result.returncode == 0, result.stdout + result.stderr
    planted = write_wheel(deps.dir, "rk-with-deps", "0.2.0", files={"rk_with_deps/version.py": "__version__ = '0.2.0'\n"})
    try:
        verify = cli("verify.install", "--version", "0.1.0", "--no-wait")
    finally:
        planted_sha = sha256(planted)
        planted.unlink()
    assert verify.returncode == 0, verify.stdout + verify.stderr
    wheel = released_wheel(project)
    assert planted_sha != sha256(wheel)
    # pinned ==0.1.0, so the planted 0.2.0 is no candidate: the hashes are equal
    assert f"rk-with-deps==0.1.0 came from {wheel.name}, sha256 {sha256(wheel)}: the released file" in verify.stdout


def test_the_same_version_planted_on_the_deps_index_fails_verify_naming_both_hashes(released, tmp_path):
    project, cli, result, target, deps, _plan = released
    assert result.returncode == 0, result.stdout + result.stderr
    # 0.1.0 with a build tag: pip prefers it to the released wheel, as an attacker would want.
    made = write_wheel(tmp_path / "planted", "rk-with-deps", "0.1.0", requires=[f"{DEP}>=1.0"])
    planted = deps.dir / "rk_with_deps-0.1.0-1-py3-none-any.whl"
    shutil.copy(made, planted)
    wheel = released_wheel(project)
    try:
        verify = cli("verify.install", "--version", "0.1.0", "--no-wait")
    finally:
        shutil.move(planted, made)
    assert verify.returncode != 0
    line = verify.stderr.strip().splitlines()[-1]
    assert line.startswith(
        f"error: rk-with-deps==0.1.0 was installed from {planted.name} with sha256 {sha256(made)} "
        f"({deps.url}packages/{planted.name}")
    assert f"not from the released {wheel.name} with sha256 {sha256(wheel)}" in line
    assert "pypi.deps_index_url" in line and "Traceback" not in verify.stderr


def test_a_deps_index_that_does_not_answer_stops_preflight_before_any_change(tmp_path, indexes, cli_env):
    target, _deps = indexes
    dead = PypiServer(tmp_path / "dead").start()
    dead.stop()  # its port is closed now
    project = make_sample_project(tmp_path, "rk-dead-deps")
    configure(project, pypi__repository=target.url, pypi__deps_index_url=dead.simple_url, dist__isolation=False,
              test_command="true")
    result = Cli(project.path, dict(cli_env, TWINE_USERNAME="u", TWINE_PASSWORD="p"))("release", "--yes")
    assert result.returncode != 0
    assert (f"the deps index (pypi.deps_index_url) is not usable: cannot read {dead.simple_url}rk-dead-deps/"
            in result.stdout + result.stderr)
    assert project.git("tag").strip() == "" and not any(target.dir.glob("rk_dead_deps*"))


def test_a_deps_index_already_serving_the_version_is_told_in_preflight(tmp_path, indexes, cli_env):
    target, deps = indexes
    project = make_sample_project(tmp_path, "rk-served-deps")
    configure(project, pypi__repository=target.url, pypi__deps_index_url=deps.simple_url, dist__isolation=False,
              test_command="true")
    planted = write_wheel(deps.dir, "rk-served-deps", "0.1.0")
    try:
        result = Cli(project.path, dict(cli_env, TWINE_USERNAME="u", TWINE_PASSWORD="p"))("release", "--dry-run")
    finally:
        planted.unlink()
    assert (f"the deps index {deps.simple_url} already serves rk-served-deps 0.1.0 ({planted.name})"
            in result.stdout + result.stderr), result.stdout + result.stderr


def test_verify_from_a_machine_without_the_artifacts_compares_with_the_index_hashes(released, tmp_path):
    project, cli, result, target, deps, _plan = released
    assert result.returncode == 0, result.stdout + result.stderr
    wheel = released_wheel(project)
    served_sha = sha256(target.dir / wheel.name)
    dist = project.path / "dist"
    shutil.move(dist, tmp_path / "dist")
    try:
        made = write_wheel(tmp_path / "planted", "rk-with-deps", "0.1.0", requires=[f"{DEP}>=1.0"])
        planted = Path(shutil.copy(made, deps.dir / "rk_with_deps-0.1.0-1-py3-none-any.whl"))
        try:
            bad = cli("verify.install", "--version", "0.1.0", "--no-wait")
        finally:
            planted.unlink()
        good = cli("verify.install", "--version", "0.1.0", "--no-wait")
    finally:
        shutil.move(tmp_path / "dist", dist)
    assert bad.returncode != 0
    assert f"not from the released {wheel.name} with sha256 {served_sha}" in bad.stderr.strip().splitlines()[-1]
    assert good.returncode == 0, good.stdout + good.stderr
    assert f"rk-with-deps==0.1.0 came from {wheel.name}, sha256 {served_sha}: the released file" in good.stdout
