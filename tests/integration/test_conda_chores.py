"""fastai's conda chores, automated (issue 15): the recipe's missing dependencies built recursively
from real wheels served by a local pypiserver, staged labels, build-number rebuilds."""

from __future__ import annotations

import re
import shutil
import tarfile

import yaml

from releasekit.testing.conda import conda_build_channel
from releasekit.testing.sample import write_wheel
from tests.conftest import Cli, configure

__all__ = ["conda_build_channel"]  # a fixture, imported on purpose


def _serve_wheels(index_dir, prefix: str) -> dict[str, str]:
    """Four dependencies on the index: a and b pure-Python (b needs c, pure too; a has a console
    script), d only as a platform wheel. Names carry ``prefix``: the session's index is shared."""
    names = {k: f"{prefix}-dep{k}" for k in "abcd"}
    write_wheel(index_dir, names["a"], "1.0", files={
        f"{names['a'].replace('-', '_')}-1.0.dist-info/entry_points.txt":
            f"[console_scripts]\n{names['a']} = {names['a'].replace('-', '_')}:main\n"})
    write_wheel(index_dir, names["b"], "2.0", requires=[f"{names['c']}>=1"])
    write_wheel(index_dir, names["c"], "1.1")
    write_wheel(index_dir, names["c"], "0.9")
    plat = write_wheel(index_dir, names["d"], "3.0")
    plat.rename(plat.with_name(plat.name.replace("py3-none-any", "cp311-cp311-manylinux_2_17_x86_64")))
    return names


def _project_setting(project, **values):
    from releasekit.core.config import pyproject_layer, resolve
    from releasekit.core.project import Project

    settings = resolve(project.path, [("pyproject.toml", pyproject_layer(project.path))])
    settings.values.update(values)
    return Project(settings)


def test_missing_dependencies_are_built_recursively_and_the_recipe_then_builds(
        plain_project, cli_env, index_server, conda_build_channel, tmp_path):
    project = plain_project
    prefix = re.sub(r"[^a-z0-9]+", "", tmp_path.name.lower())[-12:]
    names = _serve_wheels(index_server.dir, prefix)
    channel_dir = tmp_path / "channel"
    configure(project, pypi__repository=index_server.url, dist__isolation=False,
              conda__channels=[str(conda_build_channel.path), str(channel_dir)], conda__channel_dir=str(channel_dir),
              conda__package_format="tar.bz2")
    cli = Cli(project.path, cli_env)
    cli("dist.pypi", check=True)
    cli("dist.conda-recipe", check=True)
    recipe = project.path / "conda" / "recipe.yaml"
    data = yaml.safe_load(recipe.read_text())
    data["requirements"]["run"] += [f"{names['a']} >=1", names["b"], names["d"]]
    recipe.write_text(yaml.safe_dump(data, sort_keys=False))
    d_line = next(i for i, line in enumerate(recipe.read_text().splitlines(), 1) if line.strip() == f"- {names['d']}")

    from releasekit.operations.conda_deps import deps_preflight

    (problem,) = deps_preflight(_project_setting(project))
    assert "dist.conda-deps" in problem and names["a"] in problem and names["d"] in problem

    first = cli("dist.conda-deps")
    assert first.returncode != 0  # d cannot be noarch: reported with the advice, not built
    out = first.stdout + first.stderr
    assert f"drop line {d_line} of conda/recipe.yaml (`- {names['d']}`)" in out, out
    assert f"pip install {names['d']}" in out and "only platform wheels" in out
    assert re.search(rf"{names['d']}\s.*unbuildable\s.*platform wheel \S+manylinux\S+\s.*nothing", first.stdout)
    deps = project.path / "conda-dist" / "deps" / "noarch"
    built = sorted(p.name for p in deps.glob("*.tar.bz2"))
    assert built == [f"{names['a']}-1.0-py_0.tar.bz2", f"{names['b']}-2.0-py_0.tar.bz2",
                     f"{names['c']}-1.1-py_0.tar.bz2"]  # c: b's requirement, the newest version
    with tarfile.open(deps / built[0]) as tar:  # the wheel's metadata and entry point are kept
        link = tar.extractfile("info/link.json").read().decode()
        assert f"{names['a']}=" in link and "entry_points" in link
        assert any(n.endswith(".dist-info/METADATA") for n in tar.getnames())

    # The advice applied: the recipe resolves once the built dependencies are on the project's channel.
    recipe.write_text("".join(line for i, line in enumerate(recipe.read_text().splitlines(True), 1) if i != d_line))
    again = cli("dist.conda-deps")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "every conda requirement of the recipe is on a configured channel" in again.stdout
    assert (_project_setting(project) and deps_preflight(_project_setting(project)))[0].endswith(
        "run `releasekit upload.conda-deps`")
    up = cli("upload.conda-deps", "--yes")
    assert up.returncode == 0, up.stdout + up.stderr
    assert sorted(p.name for p in (channel_dir / "noarch").glob("*.tar.bz2")) == built
    assert deps_preflight(_project_setting(project)) == []
    shutil.rmtree(project.path / "conda-dist" / "deps")  # the build uses the channel, not the local folder
    conda = cli("dist.conda")
    assert conda.returncode == 0, conda.stdout + conda.stderr
    assert list((project.path / "conda-dist" / "noarch").glob(f"{project.name}-0.1.0.dev0-*.tar.bz2"))
