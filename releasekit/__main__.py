"""The `releasekit` program: invoke's Program over releasekit's namespace, for projects
with no tasks.py. Configuration comes from invoke.yaml or [tool.releasekit] in pyproject.toml."""

from __future__ import annotations

import os
import sys

from invoke import Program

from releasekit.version import __version__


class ReleasekitProgram(Program):
    def update_config(self, merge: bool = True) -> None:
        # With an explicit namespace invoke never looks for the project's invoke.yaml; we do.
        self.config.set_project_location(os.getcwd())
        self.config.load_project(merge=False)
        super().update_config(merge)


def main(argv: list[str] | None = None) -> None:
    from releasekit.tasks import namespace

    program = ReleasekitProgram(namespace=namespace(), version=__version__, name="releasekit",
                                binary="releasekit")
    program.run(argv if argv is None else ["releasekit", *argv])


if __name__ == "__main__":
    main(sys.argv[1:] if len(sys.argv) > 1 else None)
