"""All user-facing output goes through here, so it reaches the release log too
and secrets are masked once. rich is imported only when a table is drawn, to
keep `releasekit --list` fast."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from releasekit.core import releaselog
from releasekit.core.redact import redact


def program() -> str:
    """The command the user typed: ``inv`` (or ``invoke``) from a tasks.py, else ``releasekit``."""
    name = Path(sys.argv[0]).stem.removesuffix("-script") if sys.argv and sys.argv[0] else ""
    return name if name in ("inv", "invoke") else "releasekit"


def as_typed(text: str) -> str:
    """Messages name commands as `releasekit X`; under inv the user types `inv X`."""
    name = program()
    return text if name == "releasekit" else text.replace("`releasekit ", f"`{name} ")


def _emit(text: str, stream: TextIO | None = None) -> None:
    text = as_typed(redact(text))
    print(text, file=stream or sys.stdout, flush=True)
    log = releaselog.active()
    if log is not None:
        log.write(text)


def info(text: str) -> None:
    _emit(text)


def step(text: str) -> None:
    _emit(f"==> {text}")


def warn(text: str) -> None:
    _emit(f"warning: {text}", sys.stderr)


def table(headers: Sequence[str], rows: Sequence[Sequence[object]], title: str | None = None) -> None:
    """Print a table (rich on a terminal, plain columns otherwise) and log it as plain text."""
    cells = [[redact(str(c)) for c in row] for row in rows]
    plain = _plain_table(headers, cells, title)
    log = releaselog.active()
    if log is not None:
        log.write(plain)
    if sys.stdout.isatty():
        from rich.console import Console
        from rich.table import Table

        t = Table(title=title)
        for h in headers:
            t.add_column(h)
        for row in cells:
            t.add_row(*row)
        Console().print(t)
    else:
        print(plain, flush=True)


def _plain_table(headers: Sequence[str], rows: Sequence[Sequence[str]], title: str | None) -> str:
    widths = [len(h) for h in headers]
    for row in rows:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], len(cell))

    def line(cols: Sequence[str]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(cols, widths, strict=False)).rstrip()

    out = [title] if title else []
    out.append(line(headers))
    out.append("  ".join("-" * w for w in widths))
    out.extend(line(r) for r in rows)
    return "\n".join(out)
