"""Line helpers the text formats share: every byte kept, line endings as the file has them."""

from __future__ import annotations

import re
from collections.abc import Sequence

from releasekit.core.errors import ChangelogError
from releasekit.core.textlines import content, ending, is_blank, newline, split_lines

__all__ = ["content", "ending", "is_blank", "newline", "split_lines"]  # the shared line helpers, for the formats

_FENCE = re.compile(r" {0,3}(?P<fence>`{3,}|~{3,})")
_OWN_BULLET = re.compile(r"^[-*+]\s+(?=\S)")


def heading_levels(lines: Sequence[str]) -> list[int]:
    """The Markdown ATX heading level of each line (0 for none), code fences skipped."""
    levels: list[int] = []
    for i, (line, fenced) in enumerate(zip(lines, in_fences(lines), strict=True)):
        text = content(line).removeprefix("\ufeff") if i == 0 else content(line)
        hashes = len(text) - len(text.lstrip("#"))
        levels.append(hashes if not fenced and 1 <= hashes <= 6 and text[hashes:hashes + 1] == " " else 0)
    return levels


def in_fences(lines: Sequence[str]) -> list[bool]:
    """Whether each line is a fenced code block's (a fence, or inside one), as :func:`heading_levels` reads fences."""
    inside: list[bool] = []
    fence: str | None = None
    for i, line in enumerate(lines):
        text = content(line).removeprefix("\ufeff") if i == 0 else content(line)
        mark = _FENCE.match(text)
        inside.append(fence is not None or mark is not None)
        if fence is not None:
            if mark and mark["fence"][0] == fence[0] and len(mark["fence"]) >= len(fence) \
                    and not text[mark.end():].strip():
                fence = None
        elif mark:
            fence = mark["fence"]
    return inside


def strip_trailing_blank(text: str) -> str:
    """``text`` without its trailing blank lines and final line ending (what ``show`` prints)."""
    lines = split_lines(text)
    while len(lines) > 1 and is_blank(lines[-1]):
        lines.pop()
    return "".join(lines[:-1]) + content(lines[-1]) if lines else ""


def entry_lines(entry: str, nl: str, bullet: str = "- ") -> list[str]:
    """``- entry`` with continuation lines indented under the bullet, so an entry never forms a heading."""
    text = entry.strip()
    if not text:
        raise ChangelogError("the changelog entry is empty", "pass the text of the entry")
    first, *rest = text.splitlines()
    head = bullet + _OWN_BULLET.sub("", first, count=1)  # an entry typed with a bullet gets the file's
    pad = " " * len(bullet)
    return [head + nl] + [(f"{pad}{line}" if line.strip() else "") + nl for line in rest]


def join_after(lines: list[str], index: int, new: list[str], nl: str) -> list[str]:
    """Insert ``new`` (each ending in ``nl``) before ``lines[index]``, keeping a missing final newline missing."""
    if not new:
        return list(lines)
    new = list(new)
    if index == len(lines) and lines and not ending(lines[-1]):
        lines = [*lines[:-1], lines[-1] + nl]
        new[-1] = content(new[-1])
    return [*lines[:index], *new, *lines[index:]]


_ADORNMENT = re.compile(r"([=\-~^\"'`*+#:.])\1*")


def rst_titles(lines: Sequence[str]) -> list[tuple[int, str]]:
    """(index, underline character) of each reStructuredText section title: a text line with an
    underline of one repeated punctuation character at least as long as the title."""
    found = []
    for i in range(len(lines) - 1):
        title, under = content(lines[i]).removeprefix("\ufeff"), content(lines[i + 1]).rstrip()
        if title.strip() and not title[0].isspace() and _ADORNMENT.fullmatch(under) \
                and len(under) >= len(title.rstrip()) and not _ADORNMENT.fullmatch(title.rstrip()):
            found.append((i, under[0]))
    return found


def underline_for(old_title: str, old_under: str, new_title: str) -> str:
    """An underline for ``new_title`` as long as the file's habit: exact when it was exact, else never shorter."""
    char, width = old_under.rstrip()[0], len(old_under.rstrip())
    exact = width == len(old_title.rstrip())
    return char * (len(new_title) if exact else max(width, len(new_title)))
