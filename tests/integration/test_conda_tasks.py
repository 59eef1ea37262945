"""The conda tasks end to end through the CLI: recipe generation, a real rattler-build build from the
sdist, upload to a channel directory with labels, promote, install from the channel, drift checks."""

from __future__ import annotations

import hashlib
import shutil
import sys
import urllib.request

import pytest
import yaml

from releasekit.testing.conda import conda_build_channel
from releasekit.testing.sample import make_sample_project
from tests.conftest import Cli, configure

__all__ = ["conda_build_channel"]  # a fixture, imported on purpose


@pytest.fixture
def conda_project(plain_project, cli_env, conda_build_channel, tmp_path):
    channel_dir = tmp_path / "channel"
    configure(plain_project, dist__isolation=False, conda__channels=[str(conda_build_channel.path)],
              conda__channel_dir=str(channel_dir), conda__package_format="tar.bz2", conda__label="test")
    return plain_project, Cli(plain_project.path, cli_env), channel_dir


def test_recipe_build_upload_promote_and_install(conda_project):
    project, cli, channel_dir = conda_project
    cli("dist.pypi", check=True)  # the recipe takes summary, license and requirements from the built metadata
    assert cli("dist.conda-recipe").returncode == 0
    recipe = (project.path / "conda" / "recipe.yaml").read_text()
    assert "noarch: python" in recipe and project.package in recipe
    refused = cli("dist.conda-recipe")
    assert refused.returncode != 0 and "--force" in refused.stderr
    assert "license: Apache-2.0" in recipe
    built = cli("dist.conda")
    assert built.returncode == 0, built.stdout + built.stderr
    assert "rattler-build" in built.stdout
    assert cli("verify.recipe").returncode == 0
    assert cli("verify.deps").returncode == 0
    up = cli("upload.conda", "--yes")
    assert up.returncode == 0, up.stdout + up.stderr
    label_dir = channel_dir / "label" / "test" / "noarch"
    assert [p.name for p in label_dir.glob(f"{project.name}-0.1.0.dev0-*")]
    again = cli("upload.conda", "--yes")
    assert again.returncode == 0 and "skipped" in again.stdout  # identical re-upload is skipped
    promoted = cli("upload.promote", "--yes", "--from-label", "test", "--to-label", "main", "--move")
    assert promoted.returncode == 0, promoted.stdout + promoted.stderr
    assert [p.name for p in (channel_dir / "noarch").glob(f"{project.name}-0.1.0.dev0-*")]
    assert not list(label_dir.glob(f"{project.name}-0.1.0.dev0-*"))
    # the published package installs from the channel into a fresh prefix and imports
    from releasekit.core.config import pyproject_layer, resolve
    from releasekit.core.project import Project
    from releasekit.operations.published import verify_conda_published

    settings = resolve(project.path, [("pyproject.toml", pyproject_layer(project.path))])
    settings.values["conda.label"] = "main"
    assert verify_conda_published(Project(settings), "0.1.0.dev0") == str(channel_dir.resolve())


def test_the_default_recipe_is_conda_forges_shape_naming_the_sdist_it_built(conda_project):
    """Nothing built: dist.conda-recipe builds the sdist its source names (url and sha256), and the
    recipe is staged-recipes' v1 shape (python_min from Requires-Python, pip check, templated package)."""
    project, cli, _ = conda_project
    made = cli("dist.conda-recipe")
    assert made.returncode == 0, made.stdout + made.stderr
    sdist = project.path / "dist" / f"{project.name}-0.1.0.dev0.tar.gz"
    recipe = yaml.safe_load((project.path / "conda" / "recipe.yaml").read_text())
    floor = "{}.{}".format(*sys.version_info[:2])
    assert recipe["context"] == {"name": project.name, "version": "0.1.0.dev0", "python_min": floor}
    assert recipe["package"] == {"name": "${{ name|lower }}", "version": "${{ version }}"}
    assert recipe["source"] == {"url": sdist.resolve().as_uri().replace("0.1.0.dev0", "${{ version }}"),
                                "sha256": hashlib.sha256(sdist.read_bytes()).hexdigest()}
    assert recipe["requirements"]["host"][0] == "python ${{ python_min }}.*"
    assert recipe["tests"][0]["python"]["pip_check"] is True
    assert "this machine's" in made.stderr and "dist.conda-recipe --force" in made.stderr


def test_conda_packages_are_built_from_the_sdist(conda_project):
    project, cli, _ = conda_project
    cli("dist.conda-recipe", check=True)  # builds the sdist it names
    shutil.rmtree(project.path / "dist")
    early = cli("dist.conda")
    assert early.returncode != 0 and "dist.sdist" in early.stderr


def test_a_released_versions_recipe_names_the_index_sdist(tmp_path, cli_env, index_server, conda_build_channel):
    """Once the index serves the tagged version, the recipe's source is the index's URL and sha256
    (what staged-recipes takes) and its metadata is that sdist's, though main has moved on since; a
    version neither tagged nor current is refused before anything."""
    project = make_sample_project(tmp_path, name="rkrecipeidx", version="0.3.0")
    configure(project, pypi__repository=index_server.url, dist__isolation=False,
              conda__channels=[str(conda_build_channel.path)])
    cli = Cli(project.path, cli_env)
    project.git("tag", "-a", "0.3.0", "-m", "0.3.0")
    cli("dist.sdist", check=True)
    sdist = project.path / "dist" / "rkrecipeidx-0.3.0.tar.gz"
    shutil.copy(sdist, index_server.dir)  # pypiserver serves its folder: the release is on the index
    shutil.rmtree(project.path / "dist")
    # main moves on: the next version, and metadata that 0.3.0 did not have
    (project.path / "rkrecipeidx" / "version.py").write_text('__version__ = "0.4.0.dev0"\n')
    setup = project.path / "setup.py"
    setup.write_text(setup.read_text().replace("A sample project for releasekit's tests.", "Newer words."))
    project.git("commit", "-qam", "next cycle")
    made = cli("dist.conda-recipe", "--version", "0.3.0")
    assert made.returncode == 0, made.stdout + made.stderr
    recipe = yaml.safe_load((project.path / "conda" / "recipe.yaml").read_text())
    source = recipe["source"]
    assert source["url"].startswith(index_server.url) and source["url"].endswith("rkrecipeidx-${{ version }}.tar.gz")
    assert source["sha256"] == hashlib.sha256(index_server.dir.joinpath(sdist.name).read_bytes()).hexdigest()
    with urllib.request.urlopen(source["url"].replace("${{ version }}", "0.3.0")) as served:
        assert served.read() == index_server.dir.joinpath(sdist.name).read_bytes()
    assert recipe["context"]["version"] == "0.3.0"
    assert recipe["about"]["summary"] == "A sample project for releasekit's tests."
    assert "this machine's" not in made.stderr and not (project.path / "dist").exists()
    refused = cli("dist.conda-recipe", "--force", "--version", "0.2.9")
    assert refused.returncode != 0 and "no tag 0.2.9" in refused.stderr and "Traceback" not in refused.stderr


@pytest.mark.parametrize(("args", "says"), [
    pytest.param(("--version", "not-a-version"), "not-a-version", id="bad-version"),
    pytest.param(("--format", "v1", "--version", "9.9"), "--format v1 describes the version in the making",
                 id="v1-other-version"),
    pytest.param(("--format", "bogus"), "--format 'bogus' is unknown", id="bad-format"),
])
def test_recipe_options_that_cannot_be_met_are_refused_in_one_line(conda_project, args, says):
    project, cli, _ = conda_project
    refused = cli("dist.conda-recipe", *args)
    assert refused.returncode != 0 and says in refused.stderr
    assert refused.stderr.startswith("error: ") and len(refused.stderr.strip().splitlines()) == 1, refused.stderr
    assert not (project.path / "conda").exists()


def test_an_uncommitted_version_is_not_given_heads_sdist(conda_project):
    """version.bump without its commit: HEAD's sdist is the old version, so the recipe is refused
    rather than name one version's file under another's."""
    project, cli, _ = conda_project
    cli("version.bump", check=True)  # 0.1.0.dev0 -> 0.1.0 in the files, not committed
    refused = cli("dist.conda-recipe")
    assert refused.returncode != 0 and "not version 0.1.0" in refused.stderr and "commit the version" in refused.stderr
    assert not (project.path / "conda").exists()


def test_drift_between_pip_and_conda_requirements_fails_verify_deps(conda_project):
    project, cli, _ = conda_project
    cli("dist.conda-recipe", check=True)
    recipe = project.path / "conda" / "recipe.yaml"
    data = yaml.safe_load(recipe.read_text())
    data["requirements"]["run"].append("numpy >=1.20")
    recipe.write_text(yaml.safe_dump(data, sort_keys=False))
    cli("dist.pypi", check=True)
    result = cli("verify.deps")
    assert result.returncode != 0
    assert "numpy" in result.stdout and "drifted" in result.stderr


@pytest.mark.parametrize(("name", "text", "says"), [
    pytest.param("meta.yaml", "package:\n  name: x\n  version: {{ undefined_thing }}\n", "undefined_thing",
                 id="jinja"),
    pytest.param("recipe.yaml", "package:\n  name: x\n version: [1\n", "is not valid YAML: line ", id="yaml"),
])
def test_a_malformed_recipe_gets_a_clear_error(conda_project, name, text, says):
    project, cli, _ = conda_project
    (project.path / "conda").mkdir()
    (project.path / "conda" / name).write_text(text)
    cli("dist.pypi", check=True)
    result = cli("verify.recipe")
    assert result.returncode != 0
    assert result.stderr.startswith("error: ") and "Traceback" not in result.stderr
    assert says in result.stderr and len(result.stderr.strip().splitlines()) == 1, result.stderr
