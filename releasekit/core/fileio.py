"""Writing files so that a crash never leaves half of one behind."""

from __future__ import annotations

import difflib
import os
import secrets
from pathlib import Path

from releasekit.core.errors import FileAccessError


def read_text(path: Path) -> str:
    """Read text keeping line endings exactly as they are (no newline translation)."""
    with open(path, encoding="utf-8", newline="") as fh:
        return fh.read()


def atomic_write(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` via a temp file in the same folder and a rename."""
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` via a temp file in the same folder and a rename. A new file
    gets the usual permissions (0666 less the umask), not the temp file's private 0600; a file
    that cannot be written is a one-line FileAccessError, and the old file stays as it was."""
    path = Path(path)
    try:
        _replace(path, data)
    except OSError as exc:
        raise FileAccessError.from_os_error(exc, "write") from None


def _replace(path: Path, data: bytes) -> None:
    mode = path.stat().st_mode & 0o777 if path.exists() else None
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # a new file: the umask decides, as usual
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        try:
            os.replace(tmp, path)
        except OSError as exc:
            exc.filename = str(path)  # name the file the user knows, not the temp file
            raise
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def unified_diff(old: str, new: str, name: str) -> str:
    """A unified diff of two texts, as dry runs show file edits."""
    return "".join(
        difflib.unified_diff(
            old.splitlines(keepends=True),
            new.splitlines(keepends=True),
            fromfile=f"a/{name}",
            tofile=f"b/{name}",
        )
    )


def yaml_problem(exc: Exception) -> str:
    """A YAML error in one line ("line 3: mapping values are not allowed here"): PyYAML's own text
    spans several lines with a caret drawing."""
    where = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or (str(exc).splitlines() or [type(exc).__name__])[0]
    return f"line {where.line + 1}: {problem}" if where is not None else problem
