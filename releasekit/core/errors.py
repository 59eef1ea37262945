"""One exception base for everything a user can act on.

Each subclass names a condition; its message says what is wrong and its hint
says what to do. They are rendered in one place (``releasekit.tasks.base``) as
a single ``error: ...`` line and a non-zero exit, never as a traceback.
"""

from __future__ import annotations

import re

from releasekit.core import releaselog


class ReleasekitError(Exception):
    """A condition the user can fix; ``hint`` says how."""

    hint: str = ""
    exit_code: int = 1
    log: str | None = None  # the log holding the full output, once one was kept (see render)
    # A refusal (no consent, a missing option, a step out of order) ran nothing worth reading: it keeps
    # no log and names none, so its line says only what to do.
    names_log: bool = True

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if hint is not None:
            self.hint = hint

    def render(self) -> str:
        """``error: MESSAGE (hint: HINT; the full output is in LOG)``: the log is named only when it
        exists, set on the error by whoever kept it or the release log being written now."""
        text = f"error: {self.message}"
        hint = self.hint
        log = (self.log or _active_log()) if self.names_log else None
        if log:
            hint = f"{hint}; the full output is in {log}" if hint else f"the full output is in {log}"
        if hint:
            text += f" (hint: {hint})"
        return text

    def __str__(self) -> str:
        return self.render()


def _active_log() -> str | None:
    log = releaselog.active()
    return str(log.path) if log is not None and not log.temporary else None


# --- configuration -----------------------------------------------------------


class ConfigError(ReleasekitError):
    """A configuration value is missing, unknown or of the wrong type."""

    hint = "run `releasekit config` to see every key, its value and where it came from"


# --- versions and version files -----------------------------------------------


class VersionError(ReleasekitError):
    """A version string is malformed or a bump is not allowed."""


class VersionFileError(ReleasekitError):
    """The version file is missing or does not hold exactly one version literal."""

    hint = "set `releasekit.version_file` to the file that holds `__version__` or to pyproject.toml"


class LocalVersionRefused(VersionError):
    """A version with a local part (``1.2.0+g1234``, what an untagged commit builds as) is no release:
    indexes refuse it."""

    hint = "tag the release commit and build from the tag's clean export"


# --- conventions (version sources, policies, tag templates) ------------------------


class ConventionAmbiguous(ReleasekitError):
    """Detecting a project's convention found two answers, or none that can work: nothing was
    changed, and the message names the setting that pins it down."""

    names_log = False


# --- changelog -------------------------------------------------------------------


class ChangelogError(ReleasekitError):
    """CHANGES.md does not have the structure the operation needs."""


# --- commands and tools ------------------------------------------------------------


def telling_line(output: str) -> str:
    """The line of a failed command's output that says why: git's first ``fatal:``, else the last
    ``SomethingError:``, ``error`` or ``FAILED`` line (a test run's summary says only how many), else the last."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    if not lines:
        return ""
    fatal = [line for line in lines if line.startswith("fatal:")]
    if fatal:
        return fatal[0]
    for pattern in (r"\b[A-Z]\w*Error\b:", r"^(?:error|ERROR)\b", r"^FAILED "):
        found = [line for line in lines if re.search(pattern, line)]
        if found:
            return found[-1]
    return lines[-1]


class CommandFailed(ReleasekitError):
    """An outside command exited non-zero."""

    def __init__(self, argv: list[str] | str, exited: int, output: str = "", hint: str | None = None):
        cmd = argv if isinstance(argv, str) else " ".join(argv)
        telling = telling_line(output)
        message = f"`{cmd}` exited with {exited}"
        if telling:
            message += f": {telling}"
        super().__init__(message, hint)
        self.argv = argv
        self.exited = exited
        self.output = output


class FileAccessError(ReleasekitError):
    """A file or folder cannot be read or written (permissions, a full disk, a missing folder)."""

    hint = "check the path, its permissions and the free space, then run the same command again"

    @classmethod
    def from_os_error(cls, exc: OSError, doing: str = "use") -> FileAccessError:
        where = exc.filename if exc.filename is not None else "a file"
        return cls(f"cannot {doing} {where}: {exc.strerror or exc}")


class ToolMissing(ReleasekitError):
    """A program or Python package a step needs is not installed."""


# --- git and the rite ------------------------------------------------------------------


class GitError(ReleasekitError):
    """The repository is not in the state a git step needs."""


class PreconditionFailed(ReleasekitError):
    """A step was run before the step it depends on; the hint names that step."""

    names_log = False


class PreflightFailed(ReleasekitError):
    """Checks failed; all of them are reported so they can be fixed at once. One problem is the
    message itself; several are listed one per line first (see :func:`problems_message`)."""

    def __init__(self, problems: list[str], hint: str | None = None) -> None:
        self.problems = list(problems)
        super().__init__(problems_message(self.problems), hint)


def problems_message(problems: list[str], what: str = "") -> str:
    """The error line for a list of problems: the problem itself when alone, else a count ("2 problems
    ``what`` (listed above)") that points at the list printed before it: repeating a long list on one
    line helps nobody."""
    if len(problems) == 1:
        return problems[0]
    return f"{len(problems)} problems{' ' + what if what else ''} (listed above)"


class ReleaseLocked(ReleasekitError):
    """Another release is running in this repository."""

    names_log = False


class ResumeRefused(ReleasekitError):
    """Starting over would discard steps that already changed the outside world."""

    names_log = False


class Aborted(ReleasekitError):
    """The user declined a confirmation."""

    names_log = False


class UsageError(ReleasekitError):
    """A task was called without an option it needs."""

    names_log = False


class ConsentNeeded(ReleasekitError):
    """Something would push, tag or upload, but nobody can be asked: stdin is no terminal and
    --yes was not given. Refused before anything changes."""

    names_log = False


class Interrupted(ReleasekitError):
    """Ctrl-C during a step: every step re-checks its truth, so running the command again resumes."""

    exit_code = 130
    names_log = False  # the release log's path was printed at its start and end


# --- building, indexes, channels -------------------------------------------------------


class BuildError(ReleasekitError):
    """Building or checking an artifact failed."""


class ArtifactCheckFailed(ReleasekitError):
    """A built artifact would ship broken; nothing was uploaded."""


class IndexUnavailable(ReleasekitError):
    """A package index or channel is unreachable or answered with an error page."""


class UploadRejected(ReleasekitError):
    """An index refused an uploaded file."""


class FilenameTaken(ReleasekitError):
    """The index already has this filename with other content; it never accepts it twice."""

    hint = ("if the index's file is the one you built earlier, restore it into the dist folder and resume; "
            "otherwise release a post-release: `releasekit release-hotfix` on the release branch")


class CredentialsMissing(ReleasekitError):
    """No credentials for an upload target."""


class RecipeError(ReleasekitError):
    """A conda recipe is malformed or uses something the converter does not handle."""


class RecipeUntranslatable(RecipeError):
    """A meta.yaml uses keys the converter cannot translate; ``keys`` holds every one of them
    as (key path, template line or None), so they can all be fixed at once."""

    def __init__(self, message: str, keys: list[tuple[str, int | None]], hint: str | None = None) -> None:
        super().__init__(message, hint)
        self.keys = list(keys)


class MetadataMissing(RecipeError):
    """The release's built metadata lacks a field a recipe needs (a summary, a license, ...)."""


# --- verification ----------------------------------------------------------------------------


class WaitTimeout(ReleasekitError):
    """The index did not serve the release within the timeout."""


class PublishedMismatch(ReleasekitError):
    """What CI published is not what releasekit built from the same tag (``publish: ci``)."""


class VerifyFailed(ReleasekitError):
    """The published (or built) release did not install and import cleanly."""


class InstallFailed(VerifyFailed):
    """pip or uv could not install into a clean environment; ``output`` is what the installer said."""

    def __init__(self, message: str, output: str, hint: str | None = None, cause: str | None = None) -> None:
        super().__init__(message, hint)
        self.output = output
        self.cause = cause or message  # the installer's telling line alone (a verify table's problem cell)


class HostError(ReleasekitError):
    """A remote host is unreachable, refused, or failed a check."""
