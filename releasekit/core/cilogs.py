"""Cleaning CI logs downloaded from GitHub Actions or Azure Pipelines. Pure: text in, text out.

Both prefix every line with an ISO-8601 timestamp (``2024-03-01T12:34:56.1234567Z``);
that noise makes two runs impossible to diff. Runs of blank lines shrink to one.
"""

from __future__ import annotations

import re

_STAMP = re.compile(r"^\ufeff?\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})? ?")


def looks_like_ci_log(text: str) -> bool:
    """At least one line starts with a CI timestamp: the files worth cleaning in a folder of logs."""
    return any(_STAMP.match(line) for line in text.splitlines()[:200])


def clean_bytes(data: bytes) -> bytes:
    """clean_text over bytes that need not be UTF-8 (undecodable bytes pass through unchanged)."""
    return clean_text(data.decode("utf-8", errors="surrogateescape")).encode("utf-8", errors="surrogateescape")


def clean_text(text: str) -> str:
    """Strip leading timestamps and doubled blank lines; keep the text's line-ending style."""
    newline = "\r\n" if "\r\n" in text else "\n"
    out: list[str] = []
    for line in text.splitlines():
        line = _STAMP.sub("", line, count=1)
        if not line.strip() and out and not out[-1].strip():
            continue
        out.append(line)
    ending = newline if text.endswith(("\n", "\r")) else ""
    return newline.join(out) + ending
