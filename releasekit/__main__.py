"""The `releasekit` program: invoke's Program over releasekit's namespace, for projects
with no tasks.py. Configuration comes from invoke.yaml or [tool.releasekit] in pyproject.toml."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from invoke import Exit, Program

from releasekit.version import __version__


class ReleasekitProgram(Program):
    def parse_core(self, argv: list[str] | None) -> None:
        """As invoke's, but bytecode caching stays as the interpreter has it. invoke turns it off for
        the tasks.py files it imports; this program imports none, and with the cache off every run
        compiled releasekit's own modules (imported when a task runs) from source again."""
        keep = sys.dont_write_bytecode
        super().parse_core(argv)
        sys.dont_write_bytecode = keep and not self.args["write-pyc"].value

    def update_config(self, merge: bool = True) -> None:
        """Load the project's invoke.yaml too, and refuse what invoke would crash on, in one line."""
        from invoke.util import yaml

        from releasekit.core import config

        # With an explicit namespace invoke never looks for the project's invoke.yaml; we do.
        self.config.set_project_location(str(Path.cwd()))
        try:
            self.config.load_project(merge=False)
            super().update_config(merge)
        except yaml.YAMLError as exc:
            raise Exit(_one_line(f"error: a configuration file is not valid YAML: {exc}"), 1) from None
        block = self.config.get("releasekit") or {}
        if not hasattr(block, "items"):
            raise Exit(f"error: `releasekit` in the configuration should be a mapping of settings, not {block!r}", 1)
        # invoke loads INVOKE_* variables later, per task, and raises a traceback for a bad one.
        current = config.flatten(block)
        problems = config.env_problems(os.environ, current)
        if problems:
            raise Exit(_one_line("error: " + "; ".join(problems)), 1)


def _one_line(text: str) -> str:
    from releasekit.core.redact import redact

    return redact(" ".join(text.split()))


def main(argv: list[str] | None = None) -> None:
    from invoke.config import AmbiguousMergeError

    from releasekit.tasks import namespace

    program = ReleasekitProgram(namespace=namespace(check_environment=False), version=__version__, name="releasekit",
                                binary="releasekit")
    code = 0
    try:
        program.run(argv if argv is None else ["releasekit", *argv])
    except AmbiguousMergeError as exc:  # a setting of another kind than its default (a list for a table...)
        print(_one_line(f"error: a setting has the wrong kind of value: {exc}"), file=sys.stderr)
        code = 1
    except BrokenPipeError:  # invoke's own help or --list piped into `head`: stop quietly, as other tools do
        from releasekit.tasks.base import silence_stdout

        silence_stdout()
        code = 141
    except SystemExit as exc:  # invoke's way out, with the task's exit code
        if isinstance(exc.code, str):
            print(exc.code, file=sys.stderr)
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    _leave(code)


def _leave(code: int) -> None:
    """Exit with ``code``. After py-rattler ran, skip the interpreter's teardown: its native threads
    can crash it (a rare SIGSEGV seen after a finished `upload.conda`), which would turn a task that
    succeeded into a failure. Everything releasekit writes is complete and closed by now."""
    if "rattler" not in sys.modules and "rattler_build" not in sys.modules:
        sys.exit(code)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe: nothing more can reach it anyway
            pass
    os._exit(code)


if __name__ == "__main__":
    main(sys.argv[1:] if len(sys.argv) > 1 else None)
