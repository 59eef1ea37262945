"""towncrier, run for real: the commands the towncrier changelog format hands over.

Mechanism only. The format (releasekit.core.conventions.changelogs.towncrier) decides what
to run (``towncrier build --version X --date D --yes``, ``towncrier check --compare-with
main``); this module finds towncrier and runs it in the project root through the Shell, so
a dry run prints the build instead of running it while a check still runs.
"""

from __future__ import annotations

import importlib.util
import shutil
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

from releasekit.adapters.shell import CommandResult, Shell
from releasekit.core.errors import ToolMissing

_READ_ONLY = {"check"}  # subcommands that change nothing (`build --draft` too)


def executable() -> list[str]:
    """towncrier on PATH, else the one importable by this Python (``python -m towncrier``)."""
    found = shutil.which("towncrier")
    if found:
        return [found]
    if importlib.util.find_spec("towncrier") is not None:
        return [sys.executable, "-m", "towncrier"]
    raise ToolMissing("towncrier is not installed, and this project's changelog is built with it",
                      "install it where releasekit runs: pip install towncrier")


def run(shell: Shell, root: Path, argv: Sequence[str]) -> CommandResult:
    """Run one towncrier command (``argv[0] == "towncrier"``) in the project root."""
    if not argv or argv[0] != "towncrier":
        raise ValueError(f"not a towncrier command: {argv!r}")
    args = list(argv[1:])
    changes = not (args[:1] and args[0] in _READ_ONLY) and "--draft" not in args
    return shell.run([*executable(), *args], cwd=root, changes=changes,
                     hint="towncrier refused: see its message above, and its configuration in pyproject.toml "
                          "or towncrier.toml")


def run_all(shell: Shell, root: Path, commands: Iterable[Sequence[str]]) -> None:
    for argv in commands:
        run(shell, root, argv)


def draft(shell: Shell, root: Path, version: str) -> str:
    """What ``towncrier build`` would write for ``version`` (nothing is written, no fragment removed)."""
    return run(shell, root, ["towncrier", "build", "--draft", "--version", version]).stdout
