"""No changelog at all: nothing is written, and a release's notes are the commit subjects since
the previous tag (the caller asks git for them; releasekit's own bookkeeping commits are left out)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from releasekit.core.changelog import Problem
from releasekit.core.conventions.changelogs.base import Change, Date
from releasekit.core.errors import ChangelogError

# The subjects of the commits releasekit itself makes during a release (the rite's messages).
_OWN = re.compile(r"(?:starting release branch: |new dev cycle: |hotfix: |release |open the next cycle after )\S+|version \S+ release")


@dataclass(frozen=True)
class NoChangelog:
    name: str = "none"
    path: str | None = None
    fragment_dir: str | None = None
    needs_subjects: bool = True

    def parse(self, text: str) -> _Nothing:
        return _Nothing(text)

    def problems(self, text: str, version: str | None = None, *, release_branch: bool = False,
                 fragments: Sequence[str] = ()) -> list[Problem]:
        return []

    def check_commands(self, main_branch: str) -> tuple[tuple[str, ...], ...]:
        return ()

    def pending(self, text: str, fragments: Sequence[str] = ()) -> bool:
        return False

    def has_release(self, text: str, version: str) -> bool:
        return True  # there is nothing to record, so nothing is missing

    def release_date(self, text: str, version: str) -> str | None:
        return None

    def finalize(self, text: str, version: str, date: Date, *, from_version: str | None = None) -> Change:
        return Change()

    def open_next(self, text: str, version: str, *, strict: bool = False) -> Change:
        return Change()

    def add_entry(self, text: str, entry: str, section: str | None = None) -> Change:
        raise ChangelogError("this project keeps no changelog (changelog_format is 'none')",
                             "its release notes are the commit subjects: write the entry as a commit message")

    def add_release(self, text: str, version: str, date: Date, entries: Sequence[str]) -> Change:
        return Change()

    def show(self, text: str, version: str | None = None, *, subjects: Sequence[str] = ()) -> str:
        """``- subject`` per commit, oldest first as given, without releasekit's own commits."""
        return "\n".join(f"- {s.strip()}" for s in subjects if s.strip() and not _OWN.fullmatch(s.strip()))

    def describe_finalize(self, version: str, date: str, *, from_version: str,
                          fragments: Sequence[str] = ()) -> str:
        return f"no changelog (changelog_format: none): {version}'s notes are the commit subjects since the previous tag"

    def describe_open(self, released: str, version: str) -> str:
        return "no changelog (changelog_format: none): no next cycle to open"


@dataclass(frozen=True)
class _Nothing:
    text: str

    def render(self) -> str:
        return self.text
