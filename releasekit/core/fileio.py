"""Writing files so that a crash never leaves half of one behind."""

from __future__ import annotations

import difflib
import os
import secrets
from collections.abc import Mapping
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
    tmp = _stage(path, data)
    try:
        _rename(tmp, path)
    except BaseException:
        _discard(tmp)
        raise


def _stage(path: Path, data: bytes) -> Path:
    """Write ``data`` to a temp file beside ``path`` (synced, with ``path``'s permissions) and return it."""
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
    except BaseException:
        _discard(tmp)
        raise
    return tmp


def _rename(tmp: Path, path: Path) -> None:
    try:
        os.replace(tmp, path)
    except OSError as exc:
        exc.filename = str(path)  # name the file the user knows, not the temp file
        raise


def _discard(tmp: Path) -> None:
    try:
        os.unlink(tmp)
    except FileNotFoundError:
        pass


def atomic_write_many(texts: Mapping[Path, str]) -> None:
    """Replace several files together: all of them or none. Every new text is staged in a temp file
    first (a full disk or a missing folder stops here, before any file changed); then each is renamed
    into place, and should a rename fail, the files already replaced get their old bytes back."""
    staged: list[tuple[Path, Path, bytes | None]] = []  # (path, temp file, old bytes or None if new)
    replaced: list[tuple[Path, bytes | None]] = []
    try:
        for path, text in texts.items():
            path = Path(path)
            old = path.read_bytes() if path.is_file() else None
            staged.append((path, _stage(path, text.encode("utf-8")), old))
        for path, tmp, old in staged:
            _rename(tmp, path)
            replaced.append((path, old))
    except BaseException as exc:
        for path, old in reversed(replaced):
            if old is None:
                path.unlink(missing_ok=True)
            else:
                _replace(path, old)
        for _path, tmp, _old in staged:
            _discard(tmp)
        if isinstance(exc, OSError):
            raise FileAccessError.from_os_error(exc, "write") from None
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
