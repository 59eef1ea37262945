"""A version from git tags reaches the build of a clean export (no .git) through the variable the
scm source names: the real setuptools-scm from the session's index, in an isolated build by the
project's build adapter (setuptools-scm stays out of .venv: it would change every setuptools build)."""

from __future__ import annotations

import subprocess
import tarfile
import textwrap

import pytest

from releasekit.adapters import pypi
from releasekit.adapters.shell import Shell
from releasekit.core.conventions.versions import DirTree, detect
from releasekit.core.errors import BuildError

pytestmark = pytest.mark.integration

PYPROJECT = textwrap.dedent('''
    [build-system]
    requires = ["setuptools>=61", "setuptools-scm>=8"]
    build-backend = "setuptools.build_meta"

    [project]
    name = "Spam.Eggs"
    dynamic = ["version"]

    [tool.setuptools_scm]
''').lstrip()


def git(cwd, *args):
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args], cwd=cwd, check=True,
                   capture_output=True)


@pytest.fixture(scope="module")
def export(tmp_path_factory):
    """The tag v1.4.0 of a setuptools-scm project, exported without its git metadata."""
    repo = tmp_path_factory.mktemp("repo")
    (repo / "pyproject.toml").write_text(PYPROJECT)
    (repo / "spam_eggs").mkdir()
    (repo / "spam_eggs" / "__init__.py").write_text('"""Spam."""\n')
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "first")
    git(repo, "tag", "-a", "v1.4.0", "-m", "v1.4.0")
    out = tmp_path_factory.mktemp("export")
    archive = out / "export.tar"
    git(repo, "archive", "--format=tar", "-o", str(archive), "v1.4.0")
    with tarfile.open(archive) as tar:
        tar.extractall(out / "tree", filter="data")
    return out / "tree"


def test_the_named_variable_builds_the_clean_export_at_the_tags_version(export, tmp_path, index_server):
    tree = DirTree(export)
    source = detect(tree, tag_template="v{version}", tags=["v1.3.0", "v1.4.0"])
    version = source.read(tree)
    env = source.build_env(version)
    assert env == {"SETUPTOOLS_SCM_PRETEND_VERSION_FOR_SPAM_EGGS": "1.4.0"}
    built = pypi.build(Shell(), export, tmp_path / "dist", installer="uv", index_url=index_server.simple_url, env=env)
    assert sorted(pypi.built_version(p) for p in built) == ["1.4.0", "1.4.0"]  # sdist and wheel
    assert not (export / ".git").exists()


def test_without_the_variable_the_export_does_not_build_at_that_version(export, tmp_path, index_server):
    try:
        built = pypi.build(Shell(), export, tmp_path / "dist", wheel=False, installer="uv",
                           index_url=index_server.simple_url, env={"SETUPTOOLS_SCM_PRETEND_VERSION_FOR_SPAM_EGGS": ""})
    except BuildError:
        return  # setuptools-scm finds no version without git metadata: the variable is what made it work
    assert [pypi.built_version(p) for p in built] != ["1.4.0"]
