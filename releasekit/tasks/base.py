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
from typing import TYPE_CHECKING, Any

from invoke import Exit, Task
from invoke import task as invoke_task

from releasekit import config
from releasekit.errors import FileAccessError, ReleasekitError
from releasekit.redact import redact
from releasekit.ui import as_typed

if TYPE_CHECKING:
    from releasekit.project import Project


class ReleasekitTask(Task):
    """invoke compares tasks by name and ``body.__code__``, and every body here is the same
    wrapper: without this, same-named tasks (``dist.pypi``, ``upload.pypi``) called with
    equal arguments in one run would be deduplicated into one."""

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Task) or self.name != other.name:
            return False
        return _unwrapped(self.body) is _unwrapped(other.body)

    __hash__ = Task.__hash__


def _unwrapped(fn: Callable) -> Callable:
    return getattr(fn, "__wrapped__", fn)


def task(*args: Any, **kwargs: Any) -> Callable:
    """invoke's ``@task`` whose body reports ReleasekitError as one line and a non-zero exit."""
    klass = kwargs.pop("klass", ReleasekitTask)

    def decorate(fn: Callable) -> Any:
        from releasekit.tasks import tasklog

        name = tasklog.task_name(fn, kwargs.get("name"))

        @functools.wraps(fn)
        def body(c, *a, **kw):
            try:
                return tasklog.run_logged(c, name, lambda: fn(c, *a, **kw))  # a failure keeps its log
            except ReleasekitError as exc:  # messages quote commands and URLs: mask secrets here too
                raise Exit(as_typed(redact(exc.render())), exc.exit_code) from None
            except KeyboardInterrupt:
                raise Exit("error: interrupted", 130) from None
            except BrokenPipeError:  # output piped into `head`: stop quietly, as other tools do
                _silence_stdout()
                raise Exit(code=141) from None
            except OSError as exc:  # the machine, not releasekit: a path, a permission, the disk
                raise Exit(as_typed(redact(FileAccessError.from_os_error(exc).render())), 1) from None
            except UnicodeDecodeError as exc:
                error = FileAccessError(f"cannot read a file as UTF-8 text ({exc.reason} at byte {exc.start})",
                                        "save the file as UTF-8")
                raise Exit(error.render(), 1) from None

        return invoke_task(*args, klass=klass, **kwargs)(body)

    if len(args) == 1 and callable(args[0]) and not kwargs and not hasattr(args[0], "body"):
        fn = args[0]
        args = ()
        return decorate(fn)
    return decorate


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush cannot fail again."""
    import sys

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def project_root(c) -> Path:
    """The folder of the tasks.py invoke loaded, else the current directory."""
    prefix = getattr(c.config, "_project_prefix", None)  # "<folder>/" once invoke found tasks.py
    if prefix:
        return Path(prefix).resolve()
    return Path(os.getcwd()).resolve()


def load_settings(c, **overrides: Any) -> config.Settings:
    return config.from_invoke(c.config, project_root(c), overrides)


def load_project(c, **overrides: Any) -> Project:
    from releasekit.project import Project  # imported when a task runs, not for `--list`

    return Project(load_settings(c, **overrides))


def version_arg(project: Project, text: str | None) -> str:
    """A task's --version once it is known to be a PEP 440 version (else a one-line VersionError),
    or the version file's when none was given."""
    from releasekit import versioning

    if not text:
        return project.version()
    versioning.parse(text)
    return text


def shell(c, dry_run: bool = False):
    from releasekit.adapters.shell import Shell

    return Shell(c, dry_run=dry_run)
