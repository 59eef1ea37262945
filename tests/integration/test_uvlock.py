"""uv.lock follows a version change: the real `uv lock` against the session's local index."""

from __future__ import annotations

import textwrap

import pytest

from releasekit.adapters import uvlock
from releasekit.adapters.envs import hermetic_env, uv_binary
from releasekit.adapters.shell import Shell
from releasekit.core import fileio
from releasekit.core.conventions.versions import DirTree, detect

pytestmark = [pytest.mark.integration,
              pytest.mark.skipif(uv_binary() is None, reason="uv is not installed (scripts/setup installs it)")]

PYPROJECT = textwrap.dedent('''
    [project]
    name = "spam-eggs"
    version = "1.4.0"
    requires-python = ">=3.11"
    dependencies = ["setuptools"]
''').lstrip()


def test_uv_lock_follows_the_new_version_and_keeps_the_other_pins(tmp_path, index_server):
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    env = {**hermetic_env(), "UV_CACHE_DIR": str(tmp_path / "uv-cache")}
    env.pop("UV_NO_CACHE", None)
    shell = Shell()
    assert uvlock.refresh(shell, tmp_path, index_url=index_server.simple_url, env=env) is None  # no lock: nothing run
    assert not (tmp_path / "uv.lock").exists()
    shell.run(uvlock.lock_argv(uv_binary(), index_url=index_server.simple_url), cwd=tmp_path, env=env)
    before = fileio.read_text(tmp_path / "uv.lock")
    assert uvlock.locked_version(before, "spam_eggs") == "1.4.0"
    setuptools_pin = uvlock.locked_version(before, "setuptools")
    assert setuptools_pin is not None

    tree = DirTree(tmp_path)
    source = detect(tree)
    fileio.atomic_write_many(tree.paths(source.write(tree, "1.5.0")))
    assert uvlock.refresh(shell, tmp_path, index_url=index_server.simple_url, env=env) == tmp_path / "uv.lock"

    after = fileio.read_text(tmp_path / "uv.lock")
    assert uvlock.locked_version(after, "spam-eggs") == "1.5.0"
    assert uvlock.locked_version(after, "setuptools") == setuptools_pin
    assert index_server.simple_url.rstrip("/") in after  # resolved from the local index, nowhere else
