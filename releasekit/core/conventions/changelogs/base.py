"""The one interface every changelog format offers, and what its edits return.

Everything here is pure: the caller reads the changelog (and, for a format with
news fragments, lists their folder), passes the text in and writes what comes
back. An edit is a :class:`Change`: the changelog's new text, other files to
write, and commands of an outside tool to run after them (towncrier builds its
own file). A format never tells its caller which format it is: the caller asks.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from releasekit.core.changelog import Problem

__all__ = ["Change", "ChangelogFormat", "Parsed", "Problem"]

Date = str | datetime.date


@dataclass(frozen=True)
class Change:
    """What an edit amounts to: ``text`` is the changelog's new text (None: not written),
    ``files`` more files to write (path relative to the project root -> text), then ``commands``
    to run in the project root, in order (argv; the first word names the tool's adapter)."""

    text: str | None = None
    files: Mapping[str, str] = field(default_factory=dict)
    commands: tuple[tuple[str, ...], ...] = ()

    @property
    def empty(self) -> bool:
        return self.text is None and not self.files and not self.commands


class Parsed(Protocol):
    """A parsed changelog; ``render()`` gives back the exact text it was parsed from."""

    def render(self) -> str: ...


class ChangelogFormat(Protocol):
    """A changelog convention: how its file looks and how a release changes it.

    ``version`` is always the version being released (``1.2.0``), or for ``problems`` and
    ``open_next`` the version the project is at now (``1.2.1.dev0`` on a main branch under
    the dev policy, ``1.2.0`` under the release policy). ``fragments`` are the file names in
    ``fragment_dir`` (formats without one ignore them); ``subjects`` the commit subjects
    since the previous release tag (only formats with ``needs_subjects`` read them).
    """

    @property
    def name(self) -> str:
        """The `changelog_format` value that selects it."""
        ...

    @property
    def path(self) -> str | None:
        """The changelog file relative to the project root; None: there is none."""
        ...

    @property
    def fragment_dir(self) -> str | None:
        """A folder of pending entries (news fragments) relative to the root; None: none."""
        ...

    @property
    def needs_subjects(self) -> bool:
        """Whether ``show`` builds the notes from commit subjects."""
        ...

    def parse(self, text: str) -> Parsed: ...

    def problems(self, text: str, version: str | None = None, *, release_branch: bool = False,
                 fragments: Sequence[str] = ()) -> list[Problem]:
        """Structural problems, by line. On a main branch the file must hold exactly one pending
        section (or pending fragments); on a release branch it need not."""
        ...

    def check_commands(self, main_branch: str) -> tuple[tuple[str, ...], ...]:
        """The outside tool's own check, run by the caller next to ``problems`` (none: ``()``)."""
        ...

    def pending(self, text: str, fragments: Sequence[str] = ()) -> bool:
        """Whether there is something waiting to be released: an open section, or fragments."""
        ...

    def has_release(self, text: str, version: str) -> bool:
        """Whether the changelog already records ``version`` as released (a dated section)."""
        ...

    def release_date(self, text: str, version: str) -> str | None:
        """The date the changelog gives ``version``'s release, None if it has no dated section."""
        ...

    def finalize(self, text: str, version: str, date: Date, *, from_version: str | None = None) -> Change:
        """Record the pending section as the release ``version`` of ``date``. ``from_version``: the
        version the project was at in that cycle (the version file's, for `changelog.finalize`); a
        format whose pending section names a version refuses one that does not agree with it."""
        ...

    def open_next(self, text: str, version: str, *, strict: bool = False) -> Change:
        """Open the next cycle after a release; no change when it is open already (``strict``: a
        format whose open section names its version refuses to open that version twice)."""
        ...

    def add_entry(self, text: str, entry: str, section: str | None = None) -> Change:
        """Add ``entry`` under ``section`` (the format's first kind when None) of the pending cycle."""
        ...

    def add_release(self, text: str, version: str, date: Date, entries: Sequence[str]) -> Change:
        """Record a release that had no pending section (a hotfix) with ``entries`` as its notes."""
        ...

    def show(self, text: str, version: str | None = None, *, subjects: Sequence[str] = ()) -> str:
        """One release's notes (the newest section when ``version`` is None)."""
        ...

    def describe_finalize(self, version: str, date: str, *, from_version: str,
                          fragments: Sequence[str] = ()) -> str:
        """The `release --plan` line for :meth:`finalize`: what recording the release ``version`` of ``date``
        does to the changelog (``from_version``: the project's version before the release; ``fragments``:
        the file names in ``fragment_dir``, as for :meth:`problems`)."""
        ...

    def describe_open(self, released: str, version: str) -> str:
        """The `release --plan` line for main after releasing ``released``: the release recorded there if it
        is not yet, and the next cycle opened for ``version`` (main's version afterwards) where there is one."""
        ...
