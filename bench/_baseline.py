"""For `--baseline REV` in bench/: run releasekit as it was at a git revision, beside this tree."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path


def export(rev: str, into: Path) -> Path:
    """The ``releasekit`` package of git revision ``rev`` of this checkout, unpacked under ``into``."""
    into.mkdir(parents=True)
    repo = Path(__file__).resolve().parent.parent
    archive = subprocess.run(["git", "-C", str(repo), "archive", rev, "releasekit"], check=True, capture_output=True)
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive.stdout, check=True)
    return into


def env_for(source: Path | None, base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment that makes ``python -m releasekit`` import from ``source`` (None: this tree)."""
    env = dict(os.environ if base is None else base)
    if source is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(source), *filter(None, [env.get("PYTHONPATH")])])
    return env
