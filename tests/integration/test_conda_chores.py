"""fastai's conda chores, automated (issue 15): the recipe's missing dependencies built recursively
from real wheels served by a local pypiserver, staged labels, build-number rebuilds."""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import tarfile
from pathlib import Path

import pytest
import yaml

from releasekit.testing.conda import conda_build_channel
from releasekit.testing.fake_anaconda import anaconda_client_config, fake_anaconda
from releasekit.testing.sample import write_wheel
from tests.conftest import Cli, configure

__all__ = ["anaconda_client_config", "conda_build_channel", "fake_anaconda"]  # fixtures, imported on purpose


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


def write_sdist(folder, name: str, version: str, *, requires: list[str] | None = None, compiled: bool = False):
    """A small setuptools sdist. ``compiled``: its build says it has extension modules, so the wheel it
    makes is tagged for this platform, as a package with C code's is (no compiler needed)."""
    import io

    module = name.replace("-", "_")
    top = f"{module}-{version}"
    deps = ", ".join(f'"{r}"' for r in requires or [])
    files = {
        "pyproject.toml": f'[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n'
                          f'[project]\nname = "{name}"\nversion = "{version}"\ndependencies = [{deps}]\n'
                          f'[tool.setuptools]\npackages = ["{module}"]\n',
        f"{module}/__init__.py": f"__version__ = {version!r}\n",
        "PKG-INFO": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
    }
    if compiled:
        files["setup.py"] = ("from setuptools import setup\nfrom setuptools.dist import Distribution\n"
                             "class Binary(Distribution):\n    def has_ext_modules(self):\n        return True\n"
                             "setup(distclass=Binary)\n")
    target = folder / f"{top}.tar.gz"
    with tarfile.open(target, "w:gz") as tar:
        for rel, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(f"{top}/{rel}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return target


def test_an_sdist_only_requirement_is_built_when_pure_python_and_reported_when_compiled(
        plain_project, cli_env, index_server, conda_build_channel, tmp_path):
    """e is only an sdist, pure Python, needing f (a wheel): its wheel is built from the sdist in an
    isolated env from the index, converted, and f follows; g is only an sdist whose build has
    compiled code: reported with the advice, not built."""
    project = plain_project
    prefix = re.sub(r"[^a-z0-9]+", "", tmp_path.name.lower())[-12:]
    e, f, g = (f"{prefix}-dep{k}" for k in "efg")
    write_sdist(index_server.dir, e, "1.5", requires=[f"{f}>=1"])
    write_wheel(index_server.dir, f, "1.0")
    write_sdist(index_server.dir, g, "2.0", compiled=True)
    configure(project, pypi__repository=index_server.url, dist__isolation=False,
              conda__channels=[str(conda_build_channel.path)], conda__package_format="tar.bz2")
    cli = Cli(project.path, cli_env)
    cli("dist.pypi", check=True)
    cli("dist.conda-recipe", check=True)
    recipe = project.path / "conda" / "recipe.yaml"
    data = yaml.safe_load(recipe.read_text())
    data["requirements"]["run"] += [e, g]
    recipe.write_text(yaml.safe_dump(data, sort_keys=False))
    g_line = next(i for i, line in enumerate(recipe.read_text().splitlines(), 1) if line.strip() == f"- {g}")

    result = cli("dist.conda-deps")
    assert result.returncode != 0  # g cannot be noarch
    out = result.stdout + result.stderr
    assert f"built {e.replace('-', '_')}-1.5-py3-none-any.whl from {e.replace('-', '_')}-1.5.tar.gz" in out, out
    assert f"{g}: only an sdist on the index ({g.replace('-', '_')}-2.0.tar.gz), with compiled code" in out, out
    assert f"drop line {g_line} of conda/recipe.yaml (`- {g}`)" in out
    deps = project.path / "conda-dist" / "deps" / "noarch"
    built = sorted(p.name for p in deps.glob("*.tar.bz2"))
    assert built == [f"{e}-1.5-py_0.tar.bz2", f"{f}-1.0-py_0.tar.bz2"]  # f: e's requirement
    with tarfile.open(deps / built[0]) as tar:  # converted like a downloaded wheel: its metadata kept
        assert any(n.endswith(".dist-info/METADATA") for n in tar.getnames())
        depends = json.loads(tar.extractfile("info/index.json").read())["depends"]
        assert any(d.split()[0] == f for d in depends), depends


# --- staged labels ----------------------------------------------------------------------------------------


def summary_of(result) -> dict[str, str]:
    """step -> status, from the release summary table."""
    rows = {}
    for line in result.stdout.split("release summary", 1)[1].splitlines():
        found = re.match(r"^(\S+)\s+(already done|done|failed|not run|skipped)\b", line)
        if found:
            rows[found[1]] = found[2]
    return rows


@pytest.mark.parametrize("target", ["channel_dir", "anaconda"])
def test_the_staged_rite_verifies_on_staging_before_promoting(target, tmp_path, cli_env, index_server,
                                                             conda_build_channel, request):
    """The recipe needs a dependency built here by dist.conda-deps but not yet on any channel: the
    package is built and uploaded to the staging label, its verify from staging fails, main stays
    untouched; after `upload.conda-deps` the same command resumes, verifies from staging, promotes and
    verifies from main."""
    from releasekit.adapters import channel
    from releasekit.testing.sample import make_sample_project

    name = "rk-staged-" + target.replace("_", "")
    prefix = re.sub(r"[^a-z0-9]+", "", tmp_path.name.lower())[-12:]
    dep = f"{prefix}-depa"
    write_wheel(index_server.dir, dep, "1.0")
    project = make_sample_project(tmp_path, f"{name}-{prefix}")
    env = dict(cli_env, TWINE_USERNAME="u", TWINE_PASSWORD="p")
    if target == "channel_dir":
        channel_dir = tmp_path / "channel"
        main_dir = channel_dir
        conda_target = {"conda__channel_dir": str(channel_dir)}
    else:
        fake = request.getfixturevalue("fake_anaconda")
        config = request.getfixturevalue("anaconda_client_config")
        from releasekit.testing.fake_anaconda import FAKE_TOKEN, FAKE_USER

        env.update(HOME=str(tmp_path / "home"), BINSTAR_CONFIG_DIR=str(config), ANACONDA_API_TOKEN=FAKE_TOKEN,
                   PATH=f"{Path(sys.executable).parent}{os.pathsep}{cli_env['PATH']}")
        main_dir = fake.channel_dir(FAKE_USER)
        conda_target = {"conda__user": FAKE_USER, "conda__channel_alias": fake.root.resolve().as_uri()}
    channel.reindex(main_dir)  # an empty channel: the project's own, as fastai lists fastai/label/main
    configure(project, pypi__repository=index_server.url, dist__isolation=False, test_command="true",
              wait__timeout=20, wait__interval=1, conda__package_format="tar.bz2", conda__staging_label="test",
              conda__channels=[str(conda_build_channel.path), str(main_dir), "./conda-dist/deps"], **conda_target)
    cli = Cli(project.path, env)
    cli("dist.pypi", check=True)
    cli("dist.conda-recipe", check=True)
    recipe = project.path / "conda" / "recipe.yaml"
    data = yaml.safe_load(recipe.read_text())
    data["requirements"]["run"].append(dep)
    recipe.write_text(yaml.safe_dump(data, sort_keys=False))
    cli("dist.conda-deps", check=True)
    shutil.rmtree(project.path / "dist")
    project.git("add", "conda")
    project.git("commit", "-qm", "conda recipe")
    project.git("push", "-q", "origin", "main")

    plan = cli("release", "--plan", check=True).stdout
    assert "(staging label test, then label main)" in plan and "from label test to label main" in plan

    def labelled(label):
        return sorted(p.name for p in (channel.label_root(main_dir, label) / "noarch").glob(f"{project.name}-*"))

    first = cli("release", "--yes")
    assert first.returncode != 0
    assert (summary_of(first)["upload"], summary_of(first)["verify"]) == ("done", "failed"), first.stdout
    assert "upload.conda-deps" in first.stdout  # the fix, named
    built = [p.name for p in (project.path / "conda-dist" / "noarch").glob("*.tar.bz2")]
    assert labelled("test") == built and labelled("main") == []  # staging only

    cli("upload.conda-deps", "--yes", check=True)
    second = cli("release", "--yes")
    assert second.returncode == 0, second.stdout + second.stderr
    assert (summary_of(second)["upload"], summary_of(second)["verify"]) == ("already done", "done")
    assert labelled("main") == built and labelled("test") == built  # copied, not moved
    out = second.stdout
    staging_channel, main_channel = ((channel.label_root(main_dir, "test"), main_dir) if target == "channel_dir" else
                                     (f"{conda_target['conda__channel_alias']}/{FAKE_USER}/label/test",
                                      f"{conda_target['conda__channel_alias']}/{FAKE_USER}"))
    staged = out.index(f"installed from {staging_channel} into a fresh prefix")
    promoted = out.index(": test -> main")
    final = out.index(f"installed from {main_channel} into a fresh prefix")
    assert staged < promoted < final
    if target == "anaconda":
        calls = fake.calls()
        stage = [i for i, (m, p) in enumerate(calls) if m == "POST" and p.startswith(f"/api/stage/{FAKE_USER}/{project.name}")]
        copy = [i for i, (m, p) in enumerate(calls) if p.startswith(f"/api/copy/package/{FAKE_USER}/{project.name}")]
        assert len(stage) == 1 and len(copy) == 1 and stage[0] < copy[0], calls
        assert fake.labels_of(FAKE_USER, project.name, "0.1.0", f"noarch/{built[0]}") == ["test", "main"]


# --- build-number rebuilds ------------------------------------------------------------------------------


def test_release_conda_rebuild_bumps_only_the_build_number(tmp_path, cli_env, index_server, conda_build_channel):
    """0.1.0 released with build 1 (by hand, step by step: a full release is not what is tested);
    the rebuild makes build 2 from the index's sdist, the old build stays, a repeat changes nothing,
    a taken build number is refused before anything is built."""
    import hashlib

    from releasekit.adapters import channel
    from releasekit.core.condadeps import set_build_number
    from releasekit.testing.sample import make_sample_project

    prefix = re.sub(r"[^a-z0-9]+", "", tmp_path.name.lower())[-12:]
    project = make_sample_project(tmp_path, f"rk-rebuild-{prefix}")
    channel_dir = tmp_path / "channel"
    configure(project, pypi__repository=index_server.url, dist__isolation=False, test_command="true",
              conda__channels=[str(conda_build_channel.path)], conda__channel_dir=str(channel_dir),
              conda__package_format="tar.bz2")
    cli = Cli(project.path, dict(cli_env, TWINE_USERNAME="u", TWINE_PASSWORD="p"))
    cli("version.set", "0.1.0", check=True)
    cli("dist.pypi", "--ref", "HEAD", check=True)
    # v1: these steps write the recipe before the version is committed, and conda-forge's shape (the
    # default) would name HEAD's 0.1.0.dev0 sdist; it is refused there (test_conda_tasks), not tested here
    cli("dist.conda-recipe", "--format", "v1", check=True)
    recipe = project.path / "conda" / "recipe.yaml"
    recipe.write_text(set_build_number(recipe.read_text(), 1))
    project.git("add", "conda")
    project.git("commit", "-qm", "conda recipe")
    project.git("push", "-q", "origin", "main")
    project.git("checkout", "-qb", "release-0.1.0")
    project.git("add", "-A")
    project.git("commit", "-qm", "release 0.1.0")
    project.git("tag", "-a", "0.1.0", "-m", "0.1.0")
    project.git("push", "-q", "origin", "release-0.1.0", "0.1.0")
    shutil.rmtree(project.path / "dist")
    cli("dist.pypi", check=True)
    cli("upload.pypi", "--yes", check=True)
    cli("dist.conda", check=True)
    cli("upload.conda", "--yes", check=True)
    (old,) = [p.name for p in (channel_dir / "noarch").glob("*.tar.bz2")]
    assert old.endswith("_1.tar.bz2")
    refused = cli("dist.conda")  # the same build number again: refused before the build, naming the fix
    assert refused.returncode != 0 and "release-conda-rebuild --version 0.1.0" in refused.stdout + refused.stderr
    project.git("checkout", "-q", "main")
    shutil.rmtree(project.path / "dist")  # the sdist comes from the index
    shutil.rmtree(project.path / "conda-dist")
    index_sdist = index_server.dir / f"rk_rebuild_{prefix}-0.1.0.tar.gz"
    if not index_sdist.exists():
        index_sdist = index_server.dir / f"rk-rebuild-{prefix}-0.1.0.tar.gz"
    sdist_sha = hashlib.sha256(index_sdist.read_bytes()).hexdigest()
    before = project.git("rev-parse", "origin/release-0.1.0").strip()

    plan = cli("release-conda-rebuild", "--plan", check=True).stdout
    assert "set build.number to 2" in plan and "git push origin release-0.1.0" in plan
    first = cli("release-conda-rebuild", "--yes")
    assert first.returncode == 0, first.stdout + first.stderr
    diff = project.git("diff", "-U0", before, "origin/release-0.1.0").splitlines()
    changed = [line for line in diff if line[:1] in "+-" and not line.startswith(("+++", "---"))]
    assert changed == ["-  number: 1", "+  number: 2"]  # that literal only
    files = sorted(p.name for p in (channel_dir / "noarch").glob("*.tar.bz2"))
    assert len(files) == 2 and old in files and any(f.endswith("_2.tar.bz2") for f in files)  # the old build stays
    assert hashlib.sha256(index_sdist.read_bytes()).hexdigest() == sdist_sha  # the index's sdist untouched
    assert "build 2 installed from" in first.stdout
    assert project.git("rev-parse", "--abbrev-ref", "HEAD").strip() == "main"
    state = project.path / ".git" / "releasekit"
    assert "conda: build number 2 for 0.1.0" in (state / "logs").glob("release-*.log").__next__().read_text()
    journal = json.loads((state / "journal.json").read_text())  # journaled like a release
    assert journal["release"]["kind"] == "conda-rebuild" and journal["release"]["build_number"] == 2
    assert journal["finished"] and journal["steps"]["upload"]["status"] == "done"

    again = cli("release-conda-rebuild", "--yes", "--build-number", "2")  # a repeat: nothing new
    assert again.returncode == 0, again.stdout + again.stderr
    assert summary_of(again)["recipe"] == "already done" and summary_of(again)["upload"] == "already done"
    assert sorted(p.name for p in (channel_dir / "noarch").glob("*.tar.bz2")) == files
    head = project.git("rev-parse", "origin/release-0.1.0").strip()

    taken = cli("release-conda-rebuild", "--yes", "--build-number", "1")
    assert taken.returncode != 0
    assert "build 1 of 0.1.0 is already on the channel" in taken.stdout + taken.stderr
    assert project.git("rev-parse", "origin/release-0.1.0").strip() == head  # refused before any change
    assert not [p for p in (project.path / "conda-dist").glob("*/*_1.tar.bz2")]  # and before building
    assert channel.existing(channel_dir)  # the channel as it was

    # Its rollback: the uploaded build cannot be undone, so it is refused, saying so; --force reverts
    # the build-number commit only, with a new pushed commit (no force-push), and the channel keeps build 2.
    wrong = cli("release", "--rollback", "--yes")
    assert wrong.returncode != 0 and "`releasekit release-conda-rebuild --rollback`" in wrong.stdout + wrong.stderr
    refused = cli("release-conda-rebuild", "--rollback", "--yes")
    assert refused.returncode != 0
    assert "build 2 of 0.1.0 was uploaded to the conda channel" in refused.stdout + refused.stderr
    assert project.git("rev-parse", "origin/release-0.1.0").strip() == head  # nothing changed
    forced = cli("release-conda-rebuild", "--rollback", "--yes", "--force")
    assert forced.returncode == 0, forced.stdout + forced.stderr
    assert "build 2 of 0.1.0 stays on the conda channel" in forced.stdout + forced.stderr
    tree = project.git("rev-parse", f"{before}^{{tree}}", "origin/release-0.1.0^{tree}").split()
    assert tree[0] == tree[1], project.git("diff", before, "origin/release-0.1.0") + forced.stdout  # the recipe as before
    assert project.git("log", "-1", "--format=%s", "origin/release-0.1.0").strip() == \
        'rollback of conda-rebuild 0.1.0: revert "conda: build number 2 for 0.1.0"'
    assert project.git("merge-base", "--is-ancestor", head, "origin/release-0.1.0") == ""  # history kept
    assert sorted(p.name for p in (channel_dir / "noarch").glob("*.tar.bz2")) == files
    assert project.git("rev-parse", "--abbrev-ref", "HEAD").strip() == "main"


def test_a_stopped_rebuild_rolls_back_its_unpushed_build_number_commit(tmp_path, cli_env, index_server,
                                                                       conda_build_channel):
    """The recipe step committed build 2 but the push was refused: the rollback drops that commit (it is
    only here), leaves the remote as it was and goes back to main; nothing was built or uploaded."""
    from releasekit.core.condadeps import set_build_number
    from releasekit.testing.sample import make_sample_project
    from tests.integration.test_rite import hook

    prefix = re.sub(r"[^a-z0-9]+", "", tmp_path.name.lower())[-12:]
    project = make_sample_project(tmp_path, f"rk-rebuild-rb-{prefix}")
    configure(project, pypi__repository=index_server.url, dist__isolation=False, test_command="true",
              conda__channels=[str(conda_build_channel.path)], conda__channel_dir=str(tmp_path / "channel"),
              conda__package_format="tar.bz2")
    cli = Cli(project.path, cli_env)
    cli("version.set", "0.1.0", check=True)
    cli("dist.pypi", "--ref", "HEAD", check=True)
    # v1: these steps write the recipe before the version is committed, and conda-forge's shape (the
    # default) would name HEAD's 0.1.0.dev0 sdist; it is refused there (test_conda_tasks), not tested here
    cli("dist.conda-recipe", "--format", "v1", check=True)
    recipe = project.path / "conda" / "recipe.yaml"
    recipe.write_text(set_build_number(recipe.read_text(), 1))
    project.git("add", "-A")
    project.git("commit", "-qm", "release 0.1.0")
    project.git("tag", "-a", "0.1.0", "-m", "0.1.0")
    project.git("push", "-q", "origin", "main", "0.1.0")
    shutil.rmtree(project.path / "dist")
    cli("dist.pypi", check=True)  # the release's sdist, in dist/
    before = project.git("rev-parse", "main").strip()
    refuse = hook(project, "pre-receive", 'echo "refused by test" >&2; exit 1\n', remote=True)

    stopped = cli("release-conda-rebuild", "--yes")
    assert stopped.returncode != 0 and summary_of(stopped)["recipe"] == "failed", stopped.stdout
    assert project.git("log", "-1", "--format=%s", "main").strip() == "conda: build number 2 for 0.1.0"
    refuse.unlink()

    rolled = cli("release-conda-rebuild", "--rollback", "--yes")
    assert rolled.returncode == 0, rolled.stdout + rolled.stderr
    assert f"reset main to {before[:12]}" in rolled.stdout
    assert project.git("rev-parse", "main").strip() == before == project.git("rev-parse", "origin/main").strip()
    assert "number: 1" in recipe.read_text() and project.git("status", "--porcelain").strip() == ""
    again = cli("release-conda-rebuild", "--rollback", "--yes")
    assert again.returncode != 0 and "there is no release to roll back here" in again.stdout + again.stderr
