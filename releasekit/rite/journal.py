"""The journal of what is done and the lock that keeps two releases from running at once."""

from __future__ import annotations

import json
import os
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any

from releasekit.core import fileio
from releasekit.core.errors import ReleaseLocked
from releasekit.rite.release import Release

JOURNAL = "journal.json"


LOCK = "lock"


class Journal:
    """Which steps of which release are done; JSON under .git/releasekit, written atomically."""

    def __init__(self, folder: Path) -> None:
        self.path = Path(folder) / JOURNAL
        self.data: dict = {}
        self.unsaved = False  # a new release that has changed nothing yet: kept in memory only
        if self.path.exists():
            try:
                self.data = json.loads(self.path.read_text(encoding="utf-8"))
            except json.JSONDecodeError:
                self.data = {}

    @property
    def release(self) -> Release | None:
        rel = self.data.get("release")
        return Release(**rel) if rel else None

    @property
    def finished(self) -> bool:
        return bool(self.data.get("finished"))

    def step_status(self, name: str) -> str | None:
        return self.data.get("steps", {}).get(name, {}).get("status")

    def begin(self) -> None:
        """A new release, held in memory only: a release is pending once it has changed something,
        so one refused by preflight (or declined) leaves no record behind to be resumed."""
        self.data = {"steps": {}}
        self.unsaved = True

    def start(self, release: Release, before: dict[str, str | None] | None = None) -> None:
        """The release is about to change something: from now on it is on disk, and resumable.
        ``before`` holds the refs as they were then, which a rollback returns to."""
        steps = self.data.get("steps", {}) if self.unsaved else {}
        self.data = {"release": asdict(release), "started": datetime.now().isoformat(timespec="seconds"),
                     "steps": steps, "finished": False, "before": dict(before or {})}
        self.unsaved = False
        self.save()

    @property
    def started(self) -> bool:
        return "release" in self.data and not self.unsaved

    def record(self, name: str, status: str, seconds: float) -> None:
        self.data.setdefault("steps", {})[name] = {"status": status, "seconds": round(seconds, 2),
                                                   "at": datetime.now().isoformat(timespec="seconds")}
        if not self.unsaved:
            self.save()

    def finish(self) -> None:
        self.data["finished"] = True
        self.save()

    def close_rolled_back(self, actions: list[str]) -> None:
        """Closed, not done: nothing is pending, and the record says what the rollback undid."""
        self.data.update(finished=True, rolled_back={"at": datetime.now().isoformat(timespec="seconds"),
                                                     "actions": actions})
        self.save()

    @property
    def before(self) -> dict[str, str | None]:
        return self.data.get("before") or {}

    def remember(self, key: str, value: Any) -> None:
        """Keep a fact a truth check needs later (e.g. the sha256 of the artifacts that passed the checks)."""
        self.data.setdefault("facts", {})[key] = value
        if not self.unsaved:
            self.save()

    def recall(self, key: str) -> Any:
        return self.data.get("facts", {}).get(key)

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fileio.atomic_write(self.path, json.dumps(self.data, indent=2) + "\n")


class Lock:
    """One release at a time per repository: a lock file holding the owner's pid."""

    def __init__(self, folder: Path) -> None:
        self.path = Path(folder) / LOCK

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            pid = self._owner()
            if pid and _alive(pid):
                raise ReleaseLocked(f"another release (pid {pid}) is running in this repository",
                                    "wait for it to finish; if it is gone, delete " + str(self.path)) from None
            self.path.unlink(missing_ok=True)  # stale: its owner died
            fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        with os.fdopen(fd, "w") as fh:
            fh.write(str(os.getpid()))

    def _owner(self) -> int | None:
        try:
            return int(self.path.read_text().strip() or 0) or None
        except (OSError, ValueError):
            return None

    def release(self) -> None:
        if self._owner() == os.getpid():
            self.path.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie (killed, not yet reaped) is not alive
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return True

