"""What every task shares: the decorator that renders errors, and loading the project.

Errors are rendered here and nowhere else: a :class:`ReleasekitError` becomes
invoke's ``Exit`` with a one-line message and a non-zero code, so both ``inv``
and ``releasekit`` print ``error: ... (hint: ...)`` instead of a traceback.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from invoke import Exit
from invoke import task as invoke_task

from releasekit import config
from releasekit.errors import ReleasekitError
from releasekit.project import Project


def task(*args: Any, **kwargs: Any) -> Callable:
    """invoke's ``@task`` whose body reports ReleasekitError as one line and a non-zero exit."""

    def decorate(fn: Callable) -> Any:
        @functools.wraps(fn)
        def body(c, *a, **kw):
            try:
                return fn(c, *a, **kw)
            except ReleasekitError as exc:
                raise Exit(exc.render(), exc.exit_code) from None
            except KeyboardInterrupt:
                raise Exit("error: interrupted", 130) from None

        return invoke_task(*args, **kwargs)(body)

    if len(args) == 1 and callable(args[0]) and not kwargs and not hasattr(args[0], "body"):
        fn = args[0]
        args = ()
        return decorate(fn)
    return decorate


def project_root(c) -> Path:
    """The folder of the tasks.py invoke loaded, else the current directory."""
    prefix = getattr(c.config, "_project_prefix", None)  # "<folder>/" once invoke found tasks.py
    if prefix:
        return Path(prefix).resolve()
    return Path(os.getcwd()).resolve()


def load_settings(c, **overrides: Any) -> config.Settings:
    return config.from_invoke(c.config, project_root(c), overrides)


def load_project(c, **overrides: Any) -> Project:
    return Project(load_settings(c, **overrides))


def shell(c, dry_run: bool = False):
    from releasekit.adapters.shell import Shell

    return Shell(c, dry_run=dry_run)
