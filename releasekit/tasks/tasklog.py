"""The log of a task run alone: kept under the state dir when the task fails, so its error can name it.

``release`` writes its own log (releasekit.plan). Any other task (``dist.conda``, ``verify.install``, ...)
records its commands and output in a log too, but in a temp file: a task that succeeds leaves nothing
behind (not even in a state dir inside the tree); one that fails with a ReleasekitError moves the file to
``<state dir>/logs/TASK.YYYY-MM-DD-HH-MM-SS.log`` and sets it on the error, whose hint then names it.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from releasekit.core import releaselog
from releasekit.core.errors import ReleasekitError
from releasekit.tasks.context import load_settings


def task_name(fn: Callable, name: str | None = None) -> str:
    """The dotted name the user typed: ``verify.install`` for releasekit.tasks.verify's ``install``."""
    own = name or fn.__name__.replace("_", "-")
    module = getattr(fn, "__module__", "") or ""
    prefix, _, group = module.rpartition(".")
    if prefix == "releasekit.tasks" and group not in ("root", "base"):
        return f"{group}.{own}"
    return own


def run_logged(c: Any, name: str, call: Callable[[], Any]) -> Any:
    """``call()`` with a log active; on a ReleasekitError keep the log and name it on the error."""
    if releaselog.active() is not None:  # already inside a logged run (a task calling a task)
        return call()
    handle, temp = tempfile.mkstemp(prefix=f"releasekit-{name}-", suffix=".log")
    os.close(handle)
    log = releaselog.ReleaseLog(Path(temp), temporary=True)  # named on an error only once kept
    releaselog.activate(log)
    kept: Path | None = None
    try:
        log.write(f"releasekit {name} ({datetime.now():%Y-%m-%d %H:%M:%S})")
        return call()
    except ReleasekitError as exc:
        if not exc.names_log:
            raise
        log.write(exc.render())
        kept = _keep(c, name, log)
        if kept is not None:
            exc.log = str(kept)
        raise
    finally:
        if releaselog.active() is log:
            releaselog.activate(None)
        log.close()
        if kept is None:
            Path(temp).unlink(missing_ok=True)


def _keep(c: Any, name: str, log: releaselog.ReleaseLog) -> Path | None:
    """Move the log into the project's state dir; None when there is no project (or no git folder
    to hold the default state dir), so that no error names a log that is not there."""
    folder = _logs_folder(c)
    if folder is None:
        return None
    stamp = datetime.now().strftime("%Y-%m-%d-%H-%M-%S")
    target = folder / f"{name}.{stamp}.log"  # not "pypi-<digits>": the redaction of PyPI tokens would mask it
    try:
        folder.mkdir(parents=True, exist_ok=True)
        log.close()
        shutil.move(str(log.path), target)
    except OSError:
        return None
    return target


def _logs_folder(c: Any) -> Path | None:
    from releasekit.core.project import Project

    try:
        project = Project(load_settings(c))
        state = project.state_dir
    except (ReleasekitError, OSError):
        return None
    if not project.settings["state_dir"] and not state.parent.is_dir():  # .git/releasekit needs .git
        return None
    return state / "logs"
