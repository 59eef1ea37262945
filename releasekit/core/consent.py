"""Consent: nothing pushes, tags or uploads unless the user answered yes at a terminal or passed --yes.

A release tool is trusted only if it never acts on its own: a script, an ssh session or a CI job
that forgot ``--yes`` must be refused *before* anything changes, not be taken as a yes.
"""

from __future__ import annotations

import sys

from releasekit.core.errors import Aborted, ConsentNeeded


def stdin_is_terminal() -> bool:
    try:
        return sys.stdin is not None and sys.stdin.isatty()
    except (ValueError, OSError):  # closed or detached stdin
        return False


def require_possible(yes: bool, action: str) -> None:
    """Refuse at once when consent will be needed and nobody can give it (``action``: "release", "push"...)."""
    if not yes and not stdin_is_terminal():
        raise ConsentNeeded(f"standard input is not a terminal: pass --yes to {action} non-interactively")


def ask(question: str, *, yes: bool, action: str, declined: str, hint: str | None = None) -> None:
    """Ask ``question`` once (default no); raise :class:`Aborted` with ``declined`` unless the answer is yes.
    With ``yes`` nothing is asked; without a terminal this refuses (see :func:`require_possible`)."""
    if yes:
        return
    require_possible(yes, action)
    try:
        answer = input(f"{question} [y/N] ").strip().lower()
    except EOFError:
        answer = ""
    if answer not in ("y", "yes"):
        raise Aborted(declined, hint)
