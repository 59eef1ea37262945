"""fastai's format: ``## X.Y.Z.dev0 (Work In Progress)`` dated as ``## X.Y.Z (YYYY-MM-DD)``.

A thin face over today's engine, :mod:`releasekit.core.changelog`, which does all the work:
what it writes is exactly what the engine writes (the fastai replay stays byte for byte).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from releasekit.core import changelog as engine
from releasekit.core.changelog import Problem
from releasekit.core.conventions.changelogs.base import Change, Date


@dataclass(frozen=True)
class Wip:
    path: str = "CHANGES.md"
    template: tuple[str, ...] = engine.DEFAULT_TEMPLATE
    name: str = "wip"
    fragment_dir: str | None = None
    needs_subjects: bool = False

    def parse(self, text: str) -> engine.Changelog:
        return engine.parse(text)

    def problems(self, text: str, version: str | None = None, *, release_branch: bool = False,
                 fragments: Sequence[str] = ()) -> list[Problem]:
        return engine.check(text, version, require_wip=not release_branch)

    def check_commands(self, main_branch: str) -> tuple[tuple[str, ...], ...]:
        return ()

    def pending(self, text: str, fragments: Sequence[str] = ()) -> bool:
        return engine.wip_section(text) is not None

    def has_release(self, text: str, version: str) -> bool:
        return any(not s.wip and s.version == version for s in engine.parse(text).sections)

    def release_date(self, text: str, version: str) -> str | None:
        return next((s.date for s in engine.parse(text).sections if s.version == version and s.date), None)

    def finalize(self, text: str, version: str, date: Date, *, from_version: str | None = None) -> Change:
        """The WIP section becomes ``version``'s: whatever dev version it names (as the rite does), or,
        given ``from_version``, only when its header agrees with that version (as `changelog.finalize`)."""
        if from_version is not None:
            return Change(engine.finalize(text, from_version, date, release_version=version))
        wip = engine.wip_section(text)
        return Change(engine.finalize(text, wip.version if wip else version, date, release_version=version))

    def open_next(self, text: str, version: str, *, strict: bool = False) -> Change:
        wip = engine.wip_section(text)
        if wip is not None and wip.version == version.strip() and not strict:
            return Change()  # open already (a resumed dev-cycle step); strict: the engine refuses it
        return Change(engine.dev_cycle(text, version, self.template))

    def add_entry(self, text: str, entry: str, section: str | None = None) -> Change:
        first = self.template[0] if self.template else "New"
        return Change(engine.add_entry(text, entry, section or first, self.template))

    def add_release(self, text: str, version: str, date: Date, entries: Sequence[str]) -> Change:
        return Change(engine.add_release_section(text, version, date, entries))

    def show(self, text: str, version: str | None = None, *, subjects: Sequence[str] = ()) -> str:
        return engine.show(text, version)

    def describe_finalize(self, version: str, date: str, *, from_version: str,
                          fragments: Sequence[str] = ()) -> str:
        return f"write {self.path}: {from_version} (Work In Progress) => {version} ({date})"

    def describe_open(self, released: str, version: str) -> str:
        return f"write {self.path}: date {released}, open {version} (Work In Progress)"
