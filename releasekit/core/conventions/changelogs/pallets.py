"""The Pallets shape in Markdown: ``## Version 1.2.0``, then a line ``Unreleased`` or ``Released 2026-12-01``.

The shape of github.com/pallets/click's CHANGES.md since it moved from reStructuredText: the
same convention as the ``pallets`` shape of :mod:`.rst` (several pending sections allowed, a
stable branch's fix release next to main's next one; ``Released 2015-11-24, codename "pow pow"``
read as dated), so it is that engine with Markdown titles: an ATX heading (``## ``) whose level
the file's release titles set, kept with its marks when a title is rewritten.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from releasekit.core.conventions.changelogs import _text as t
from releasekit.core.conventions.changelogs import rst
from releasekit.core.conventions.changelogs.rst import Markup, Rst

_MARKS = re.compile(r"\ufeff?(?P<marks>#{1,6}) +")


@dataclass(frozen=True)
class _MarkdownMarkup:
    head: int = 1
    default_key: str = "##"

    def titles(self, lines: Sequence[str]) -> list[tuple[int, str]]:
        return [(i, "#" * level) for i, level in enumerate(t.heading_levels(lines)) if level]

    def title(self, line: str) -> str:
        return t.content(line).removeprefix("\ufeff").lstrip("#").strip()

    def make(self, title: str, key: str, nl: str) -> str:
        return f"{key} {title}{nl}"

    def retitle(self, head: Sequence[str], title: str) -> list[str]:
        marks = _MARKS.match(t.content(head[0]))
        prefix = marks.group(0) if marks else "## "
        return [prefix + title + t.ending(head[0])]


MARKDOWN: Markup = _MarkdownMarkup()


@dataclass(frozen=True)
class PalletsMarkdown(Rst):
    path: str = "CHANGES.md"
    shape: str = "pallets"
    name: str = "pallets"
    markup: Markup = MARKDOWN


def looks_like(text: str) -> bool:
    """Whether a Markdown changelog's release headings are Pallets titles: a ``## Version X`` heading
    followed by its ``Unreleased`` or ``Released DATE`` line."""
    log = rst.parse(text, "pallets", MARKDOWN)
    return any(s.pending or s.date for s in log.sections if s.version)


__all__ = ["MARKDOWN", "PalletsMarkdown", "looks_like"]
