"""The release log: every command, its output and duration, secrets redacted.

One log is active at a time (the release task opens it); every command run
through :class:`releasekit.adapters.shell.Shell` and every message printed
through :mod:`releasekit.ui` is appended to it.
"""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path

from releasekit.core.redact import redact

_active: ReleaseLog | None = None


class ReleaseLog:
    def __init__(self, path: Path, *, temporary: bool = False) -> None:
        """``temporary``: a file that may be deleted when the run ends, so no message may name it."""
        self.path = Path(path)
        self.temporary = temporary
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fh = open(self.path, "a", encoding="utf-8")

    @classmethod
    def new(cls, folder: Path, now: datetime | None = None) -> ReleaseLog:
        stamp = (now or datetime.now()).strftime("%Y-%m-%d-%H-%M-%S")
        return cls(Path(folder) / f"release-{stamp}.log")

    def write(self, text: str) -> None:
        self._fh.write(redact(text))
        if not text.endswith("\n"):
            self._fh.write("\n")
        self._fh.flush()

    def command(self, cmd: str, exited: int | None, output: str, seconds: float, cwd: str | None = None) -> None:
        where = f" (in {cwd})" if cwd else ""
        status = "dry-run" if exited is None else f"exit {exited}"
        self.write(f"$ {cmd}{where}\n{output.rstrip()}\n[{status}, {seconds:.2f}s, {time.strftime('%H:%M:%S')}]")

    def close(self) -> None:
        self._fh.close()


def activate(log: ReleaseLog | None) -> None:
    global _active
    _active = log


def active() -> ReleaseLog | None:
    return _active
