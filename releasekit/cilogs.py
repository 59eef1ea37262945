"""Cleaning CI logs downloaded from GitHub Actions or Azure Pipelines. Pure: text in, text out.

Both prefix every line with an ISO-8601 timestamp (``2024-03-01T12:34:56.1234567Z``);
that noise makes two runs impossible to diff. Runs of blank lines shrink to one.
"""

from __future__ import annotations

import re

_STAMP = re.compile(r"^\ufeff?\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})? ?")


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
