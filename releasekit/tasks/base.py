"""What every task shares: the decorator that renders errors, and loading the project.

Errors are rendered here and nowhere else: a :class:`ReleasekitError` becomes
invoke's ``Exit`` with a one-line message and a non-zero code, so both ``inv``
and ``releasekit`` print ``error: ... (hint: ...)`` instead of a traceback.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from invoke import Exit, Task
from invoke import task as invoke_task

from releasekit.core.errors import FileAccessError, ReleasekitError
from releasekit.core.redact import redact
from releasekit.core.ui import as_typed
from releasekit.tasks import tasklog

if TYPE_CHECKING:
    pass


# invoke's own options' short flags: a task option must never take one (`release -h` once meant
# --host and started a release). Short flags are chosen here, on purpose, not by invoke's rule.
CORE_SHORT_FLAGS = frozenset("cdefhlprwDFRTV")
SHORT_FLAGS = {"dry_run": "n", "yes": "y"}
assert not CORE_SHORT_FLAGS.intersection(SHORT_FLAGS.values())


class ReleasekitTask(Task):
    """A task with no automatic short flags: only the deliberate ones of ``SHORT_FLAGS``.

    invoke compares tasks by name and ``body.__code__``, and every body here is the same
    wrapper: without ``__eq__`` below, same-named tasks (``dist.pypi``, ``upload.pypi``) called
    with equal arguments in one run would be deduplicated into one."""

    def __init__(self, body: Callable, *args: Any, **kwargs: Any) -> None:
        kwargs["auto_shortflags"] = False
        super().__init__(body, *args, **kwargs)

    def arg_opts(self, name: str, default: str, taken_names: set[str]) -> dict[str, Any]:
        opts = super().arg_opts(name, default, taken_names)
        if name in SHORT_FLAGS:
            opts["names"].append(SHORT_FLAGS[name])
        return opts

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
        positional = _positional_params(fn)
        name = tasklog.task_name(fn, kwargs.get("name"))

        @functools.wraps(fn)
        def body(c, *a, **kw):
            # imported when a task runs, not at `--list`
            from releasekit.adapters.shell import interrupts_stop_commands

            try:
                if positional and _asks_for_help(positional, a, kw):
                    _print_help_and_exit(made, name)
                with interrupts_stop_commands():
                    return tasklog.run_logged(c, name, lambda: fn(c, *a, **kw))  # a failure keeps its log
            except ReleasekitError as exc:  # messages quote commands and URLs: mask secrets here too
                raise Exit(as_typed(redact(exc.render())), exc.exit_code) from None
            except KeyboardInterrupt:
                raise Exit("error: interrupted", 130) from None
            except BrokenPipeError:  # output piped into `head`: stop quietly, as other tools do
                silence_stdout()
                raise Exit(code=141) from None
            except OSError as exc:  # the machine, not releasekit: a path, a permission, the disk
                raise Exit(as_typed(redact(FileAccessError.from_os_error(exc).render())), 1) from None
            except UnicodeDecodeError as exc:
                error = FileAccessError(f"cannot read a file as UTF-8 text ({exc.reason} at byte {exc.start})",
                                        "save the file as UTF-8")
                raise Exit(error.render(), 1) from None

        made = invoke_task(*args, klass=klass, **kwargs)(body)
        return made

    if len(args) == 1 and callable(args[0]) and not kwargs and not hasattr(args[0], "body"):
        fn = args[0]
        args = ()
        return decorate(fn)
    return decorate


_HELP_WORDS = frozenset({"-h", "--help"})


def _positional_params(fn: Callable) -> list[str]:
    """The parameters invoke makes positional (no default): its parser lets them eat any word, `-h` too."""
    import inspect

    params = list(inspect.signature(fn).parameters.values())[1:]
    return [p.name for p in params if p.default is inspect.Parameter.empty]


def _asks_for_help(positional: list[str], args: tuple, kwargs: dict) -> bool:
    given = list(args[:len(positional)]) + [kwargs.get(name) for name in positional[len(args):]]
    return any(value in _HELP_WORDS for value in given)


def _print_help_and_exit(made: Task, name: str) -> None:
    """`changelog.add -h` is help, not an entry called "-h": invoke's own task help, then exit 0."""
    from invoke import Collection, Program

    from releasekit.core import ui

    ns = Collection()
    group, _, short = name.rpartition(".")
    if group:
        sub = Collection(group)
        sub.add_task(made, name=short)
        ns.add_collection(sub)
    else:
        ns.add_task(made, name=short)
    binary = "inv[oke]" if ui.program() in ("inv", "invoke") else "releasekit"  # as invoke's own help says
    Program(namespace=ns, name=binary, binary=binary).run([binary, "--help", name])


def silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush cannot fail again."""
    import sys

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


YES_HELP = "do not ask first (needed when standard input is not a terminal)"


def agree(question: str, *, yes: bool, dry_run: bool, action: str) -> None:
    """A task that pushes or uploads on its own asks first: at a terminal, or by --yes; a dry run changes
    nothing and needs no consent."""
    from releasekit.core import consent

    if not dry_run:
        consent.ask(question, yes=yes, action=action, declined="nothing was changed, as asked")


_namespace: Callable[..., Any] | None = None  # releasekit's root collection factory, set by releasekit.tasks


def register_namespace(factory: Callable[..., Any]) -> None:
    """releasekit.tasks hands its namespace factory here: a task that inspects the whole CLI (ci.check
    checks the tasks a workflow calls) reads it without importing the package that imports it."""
    global _namespace
    _namespace = factory


def task_flags(name: str) -> dict[str, bool] | None:
    """{--flag: takes_value} for a task of releasekit's namespace, or None if there is no such task."""
    if _namespace is None:
        return None
    ns = _namespace(check_environment=False)
    try:
        t = ns[name]
    except (KeyError, ValueError):
        return None
    flags: dict[str, bool] = {}
    for arg in t.get_arguments():
        for n in arg.names:
            dashed = n.replace("_", "-")
            flags[("-" if len(dashed) == 1 else "--") + dashed] = arg.takes_value
        if arg.kind is bool:
            flags["--no-" + arg.name.replace("_", "-")] = False
    return flags
