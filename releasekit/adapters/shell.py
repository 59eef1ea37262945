"""The one place commands run.

Adapters build argv lists and hand them to :class:`Shell`, which runs them
through an invoke ``Context`` (so a fabric ``Connection`` runs them remotely
unchanged), records them in the release log, turns failures into
:class:`~releasekit.errors.CommandFailed`, and in a dry run prints commands
that change something instead of running them. Read-only commands
(``changes=False``) run for real even in a dry run, so preflight stays honest.
"""

from __future__ import annotations

import contextlib
import re
import shlex
import signal
import socket
import sys
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from releasekit.core import fileio, releaselog, ui
from releasekit.core.errors import CommandFailed
from releasekit.core.redact import redact

# Set by Ctrl-C while `interrupts_stop_commands` is in force. invoke only forwards a Ctrl-C to the
# running command and then returns its exit code as if it had failed; this tells the interrupt apart.
_INTERRUPTED = threading.Event()
# The terminal's Ctrl-C reaches the command too, which may print its traceback before Python runs our
# handler in the main thread. CPython's C-level handler writes to the wakeup fd at once, so the threads
# that stream a command's output can see the interrupt before the handler has run.
_wakeup: socket.socket | None = None


def interrupt_seen() -> bool:
    if not _INTERRUPTED.is_set() and _wakeup is not None:
        try:
            if signal.SIGINT in _wakeup.recv(64):
                _INTERRUPTED.set()
        except (BlockingIOError, OSError):
            pass
    return _INTERRUPTED.is_set()


@contextlib.contextmanager
def interrupts_stop_commands() -> Iterator[None]:
    """While in force, Ctrl-C stops the running command *and* the caller (KeyboardInterrupt), and the
    command's own last words (a child's traceback) go to the log, not the terminal."""
    global _wakeup
    if threading.current_thread() is not threading.main_thread() or _wakeup is not None \
            or signal.getsignal(signal.SIGINT) in (signal.SIG_IGN, None):
        yield  # another thread, already in force further up, or Ctrl-C ignored (a background job)
        return

    def on_interrupt(signum: int, frame: object) -> None:
        _INTERRUPTED.set()
        raise KeyboardInterrupt

    reader, writer = socket.socketpair()
    reader.setblocking(False)
    writer.setblocking(False)
    _INTERRUPTED.clear()
    previous = signal.signal(signal.SIGINT, on_interrupt)
    previous_fd = signal.set_wakeup_fd(writer.fileno(), warn_on_full_buffer=False)
    _wakeup = reader
    try:
        yield
    finally:
        signal.set_wakeup_fd(previous_fd)
        signal.signal(signal.SIGINT, previous)
        _wakeup = None
        reader.close()
        writer.close()
        _INTERRUPTED.clear()


@dataclass
class CommandResult:
    argv: list[str]
    exited: int
    stdout: str
    stderr: str
    seconds: float
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return self.exited == 0

    @property
    def output(self) -> str:
        return (self.stdout + ("\n" if self.stdout and self.stderr else "") + self.stderr).strip()


def render_argv(argv: Sequence[str] | str) -> str:
    return argv if isinstance(argv, str) else shlex.join([str(a) for a in argv])


class MaskedStream:
    """Where streamed command output goes: secrets are masked line by line before the terminal sees
    them. Output arrives in chunks that may cut a secret in two, so a line is held until it ends
    (newline or carriage return), the command does, or it has waited ``hold`` seconds (pytest's
    dots grow one line for minutes; a program does not pause in the middle of writing a secret).

    A Ctrl-C reaches the command too, and what it says as it dies (Python's traceback ending in
    KeyboardInterrupt, pytest's "KeyboardInterrupt" banner) can arrive before this process has run
    its own signal handler: under load the kernel may run the thread reading the output first. So
    such last words are held (with all that follows) until they prove to be something else (a
    traceback of another error is shown once its last line arrives) or the command ends, when an
    interrupt is known for certain: then they go to the log only."""

    _LINE_END = re.compile(r"(\r\n|\r|\n)")
    _TRACEBACK = "Traceback (most recent call last):"
    _NOT_THE_END = ("Traceback", "During handling of the above exception", "The above exception was the direct cause")
    # Python's last traceback line, pytest's banner and its short traceback's last line
    _INTERRUPT_LINE = re.compile(r"KeyboardInterrupt(: .*)?|!+ KeyboardInterrupt !+|\S+:\d+: KeyboardInterrupt")

    def __init__(self, target: TextIO, hold: float = 0.5) -> None:
        self.target = target
        self.hold = hold
        self.pending = ""
        self.held_since = 0.0
        self.last_words: list[str] = []  # whole lines held: perhaps what an interrupted command said
        self.in_traceback = False

    def write(self, text: str) -> int:
        if interrupt_seen():  # the command is being stopped: what it says now is in the log only
            self.pending = ""
            self.last_words = []
            return len(text)
        parts = self._LINE_END.split(self.pending + text)
        rest = parts.pop()  # what follows the last line end: not a whole line yet
        if rest and (parts or not self.pending):
            self.held_since = time.monotonic()
        shown = [self._sift(parts[i] + parts[i + 1]) for i in range(0, len(parts), 2)]
        if rest and not self.last_words and time.monotonic() - self.held_since >= self.hold:
            shown.append(rest)  # shown as it is now; the line goes on from here
            rest = ""
        self.pending = rest
        self.target.write("".join(redact(part) for part in shown))
        return len(text)

    def _sift(self, line: str) -> str:
        """What of the stream can be shown now that ``line`` arrived ("" while last words are held)."""
        text = line.rstrip("\r\n")
        if not self.last_words:
            if text.startswith(self._TRACEBACK):
                self.in_traceback = True
            elif not self._INTERRUPT_LINE.fullmatch(text.strip()):
                return line
            self.last_words = [line]
            return ""
        self.last_words.append(line)
        if self.in_traceback and text and not text[0].isspace() and not text.startswith(self._NOT_THE_END):
            self.in_traceback = False  # the exception's own line ends a traceback
            if not self._INTERRUPT_LINE.fullmatch(text.strip()):  # another error: the command's to show
                shown, self.last_words = "".join(self.last_words), []
                return shown
        return ""

    def flush(self) -> None:  # invoke flushes after every chunk: a partial line stays held
        self.target.flush()

    def close(self) -> None:
        """The command ended: what is left is a whole line, and held last words are shown unless the
        command was interrupted (by now this process has run its handler: the interrupt is known)."""
        left = self.pending
        if self.last_words:
            left = "" if interrupt_seen() else "".join(self.last_words) + left
        self.last_words, self.pending, self.in_traceback = [], "", False
        if left:
            self.target.write(redact(left))
        self.target.flush()


class Shell:
    """Runs commands locally or on a fabric Connection; honours dry-run."""

    def __init__(self, ctx=None, *, dry_run: bool = False) -> None:
        if ctx is None:
            from invoke import Context

            ctx = Context()
        self.ctx = ctx
        self.dry_run = dry_run
        # In a dry run, files "written" are kept here so later steps read what they would see.
        self.overlay: dict[Path, str] = {}

    def run(
        self,
        argv: Sequence[str] | str,
        *,
        cwd: str | Path | None = None,
        env: Mapping[str, str] | None = None,
        replace_env: bool = False,
        changes: bool = True,
        check: bool = True,
        timeout: float | None = None,
        hint: str | None = None,
        stream: bool = False,
    ) -> CommandResult:
        """Run ``argv``; raise CommandFailed on a non-zero exit when ``check``.

        ``changes=False`` marks a read-only command, which runs even in a dry run.
        ``stream=True`` shows the command's output live (tests, builds).
        """
        cmd = render_argv(argv)
        argv_list = [cmd] if isinstance(argv, str) else [str(a) for a in argv]
        log = releaselog.active()
        if self.dry_run and changes:
            where = f"  (in {cwd})" if cwd else ""
            ui.info(f"[dry-run] would run: {cmd}{where}")
            if log:
                log.command(cmd, None, "", 0.0, str(cwd) if cwd else None)
            return CommandResult(argv_list, 0, "", "", 0.0, dry_run=True)
        full = f"cd {shlex.quote(str(cwd))} && {cmd}" if cwd else cmd
        kwargs: dict = {"hide": not stream, "warn": True, "in_stream": False}
        if env is not None:
            kwargs["env"] = dict(env)
            if replace_env:
                kwargs["replace_env"] = True
        if timeout is not None:
            kwargs["timeout"] = timeout
        streams = [MaskedStream(sys.stdout), MaskedStream(sys.stderr)] if stream else []
        if streams:
            kwargs["out_stream"], kwargs["err_stream"] = streams
        start = time.monotonic()
        try:
            res = self.ctx.run(full, **kwargs)
        except Exception as exc:  # invoke's CommandTimedOut, fabric's connection errors
            seconds = time.monotonic() - start
            if log:
                log.command(cmd, -1, str(exc), seconds, str(cwd) if cwd else None)
            if interrupt_seen():
                raise KeyboardInterrupt from None
            if type(exc).__name__ == "CommandTimedOut":
                raise CommandFailed(argv_list if len(argv_list) > 1 else cmd, -1, f"timed out after {timeout}s", hint) from None
            raise
        finally:
            for masked in streams:
                masked.close()
        seconds = time.monotonic() - start
        result = CommandResult(argv_list, res.exited, res.stdout, res.stderr, seconds)
        if log:
            log.command(cmd, res.exited, result.output, seconds, str(cwd) if cwd else None)
        if interrupt_seen():
            raise KeyboardInterrupt
        if check and res.exited != 0:
            raise CommandFailed(cmd, res.exited, result.output, hint)
        return result

    def read(self, argv: Sequence[str] | str, **kwargs) -> str:
        """Run a read-only command and return its stripped stdout."""
        kwargs.setdefault("changes", False)
        return self.run(argv, **kwargs).stdout.strip()

    def read_text(self, path: Path) -> str:
        """A file's text as this shell sees it (a dry run sees its own unwritten edits)."""
        path = Path(path).resolve()
        if path in self.overlay:
            return self.overlay[path]
        return fileio.read_text(path)

    def write_file(self, path: Path, new_text: str, *, label: str | None = None) -> bool:
        """Atomically replace a file; in a dry run print its diff instead. Returns whether it changed."""
        path = Path(path).resolve()
        old = self.read_text(path) if (path in self.overlay or path.exists()) else ""
        if old == new_text:
            return False
        name = label or path.name
        if self.dry_run:
            ui.info(f"[dry-run] would write {name}:\n" + fileio.unified_diff(old, new_text, name).rstrip())
            self.overlay[path] = new_text
            return True
        fileio.atomic_write(path, new_text)
        log = releaselog.active()
        if log:
            log.write(f"wrote {path}\n" + fileio.unified_diff(old, new_text, name))
        return True
