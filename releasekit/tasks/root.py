"""Root tasks: config (and release, release-hotfix, demo, which live in releasekit.plan's shims)."""

from __future__ import annotations

import json as jsonlib

from releasekit import ui
from releasekit.tasks.base import load_settings, task


@task(help={"json": "print machine-readable JSON"})
def config(c, json=False):
    """Print every setting, its effective value and where it came from."""
    settings = load_settings(c)
    if json:
        print(jsonlib.dumps({k: {"value": settings.values[k], "from": settings.origins[k]}
                             for k in settings.values}, indent=2, default=str))
        return
    ui.table(("setting", "value", "from"), settings.rows(), title=f"releasekit settings for {settings.root}")


TASKS = [config]
