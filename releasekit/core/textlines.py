"""Line helpers for text files edited in place: every byte kept, line endings as the file has them.
Shared by the fastai changelog engine and the other changelog formats."""

from __future__ import annotations

import re


def split_lines(text: str) -> list[str]:
    """Lines with their endings; only ``\\n`` ends a line (``\\r\\n`` stays one ending)."""
    return re.findall(r"[^\n]*\n|[^\n]+\Z", text)


def ending(line: str) -> str:
    if line.endswith("\r\n"):
        return "\r\n"
    return "\n" if line.endswith("\n") else ""


def content(line: str) -> str:
    return line[: len(line) - len(ending(line))]


def is_blank(line: str) -> bool:
    return not line.strip()


def newline(text: str) -> str:
    """The file's line-ending style: CRLF if most lines end so, else LF."""
    crlf = text.count("\r\n")
    return "\r\n" if crlf and crlf >= text.count("\n") - crlf else "\n"
