"""uv.lock: refreshed with ``uv lock`` after a version change, so a release never leaves it stale.

The lock records the project's own version; after the version files change, ``uv lock`` rewrites that
entry (and keeps every other pin). Mechanism only: whether the project has a lock, and committing it
with the version files, is the caller's business.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from releasekit.adapters.envs import uv_binary
from releasekit.adapters.shell import Shell
from releasekit.core.errors import ToolMissing

LOCK = "uv.lock"


def has_lock(root: Path) -> bool:
    return (Path(root) / LOCK).is_file()


def lock_argv(uv: str, *, index_url: str | None = None) -> list[str]:
    """``uv lock``; ``index_url`` replaces the default index (a local one in tests)."""
    return [uv, "lock", "--no-progress", *(["--default-index", index_url] if index_url else [])]


def refresh(shell: Shell, root: Path, *, index_url: str | None = None,
            env: Mapping[str, str] | None = None) -> Path | None:
    """Run ``uv lock`` in ``root`` when it has a uv.lock; return the lock's path, or None without one."""
    if not has_lock(root):
        return None
    uv = uv_binary()
    if uv is None:
        raise ToolMissing(f"{LOCK} must follow the new version, but uv is not installed",
                          "install uv (pip install uv), or remove uv.lock from the project")
    shell.run(lock_argv(uv, index_url=index_url), cwd=root, env=env,
              hint=f"run `uv lock` in {root} to see why the lock cannot follow the new version")
    return Path(root) / LOCK


def locked_version(text: str, name: str) -> str | None:
    """The version uv.lock records for the package ``name`` (any spelling of it), or None."""
    import re
    import tomllib

    def norm(value: str) -> str:
        return re.sub(r"[-_.]+", "-", value).lower()

    for package in tomllib.loads(text).get("package", []):
        if norm(str(package.get("name", ""))) == norm(name):
            version = package.get("version")
            return str(version) if version is not None else None
    return None
