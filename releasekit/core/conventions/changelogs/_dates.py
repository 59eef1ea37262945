"""Release dates as projects write them by hand, read and written back in the same style.

Keep a Changelog asks for ISO dates, but many files kept long before releasekit spell them in
words: ``6th December, 2024``, ``March 15th, 2021``, ``November 27, 2019`` (encode/httpx's
CHANGELOG.md), ``7 Mar 2019``. :func:`read` reads such a date (an ordinal suffix is not checked
against the day: httpx has ``September 23nd, 2020``) and gives its :class:`DateStyle`;
:meth:`DateStyle.render` writes a new date the same way. Numeric dates other than ISO
(``07/03/2019``: which is the month?) are not read.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")
_MONTH = r"(?P<month>[A-Za-z]{3,9})(?P<dot>\.)?"
_DAY = r"(?P<day>\d{1,2})(?P<ordinal>st|nd|rd|th)?"
_ISO = re.compile(r"(?P<year>\d{4})-(?P<mm>\d{2})-(?P<dd>\d{2})")
_DAY_FIRST = re.compile(rf"{_DAY}\s+(?:of\s+)?{_MONTH}(?P<comma>,)?\s+(?P<year>\d{{4}})", re.IGNORECASE)
_MONTH_FIRST = re.compile(rf"{_MONTH}\s+{_DAY}(?P<comma>,)?\s+(?P<year>\d{{4}})", re.IGNORECASE)


@dataclass(frozen=True)
class DateStyle:
    """How a file spells its dates: ``iso``, or day/month order with the month's spelling."""

    order: str = "iso"  # iso | day-first | month-first
    ordinal: bool = False  # 6th, 1st
    comma: bool = False  # "6th December, 2024", "November 27, 2019"
    short: bool = False  # Dec (3 letters; "Sept" is read, "Sep" written)
    dot: bool = False  # "Dec."

    def render(self, date: datetime.date) -> str:
        if self.order == "iso":
            return date.isoformat()
        month = MONTHS[date.month - 1]
        month = (month[:3] + ("." if self.dot else "")) if self.short and len(month) > 3 else month
        day = f"{date.day}{ordinal(date.day) if self.ordinal else ''}"
        comma = "," if self.comma else ""
        if self.order == "day-first":
            return f"{day} {month}{comma} {date.year}"
        return f"{month} {day}{comma} {date.year}"


ISO = DateStyle()


def ordinal(day: int) -> str:
    if 11 <= day % 100 <= 13:
        return "th"
    return {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")


def _month(name: str) -> int | None:
    low = name.lower()
    return next((n for n, full in enumerate(MONTHS, 1) if low in (full.lower(), full.lower()[:3], full.lower()[:4])),
                None)


def read(text: str) -> tuple[datetime.date, DateStyle] | None:
    """The date ``text`` names and the style it is written in; None when it is no date read here."""
    value = text.strip()
    iso = _ISO.fullmatch(value)
    if iso:
        try:
            return datetime.date.fromisoformat(value), ISO
        except ValueError:
            return None
    for order, pattern in (("day-first", _DAY_FIRST), ("month-first", _MONTH_FIRST)):
        match = pattern.fullmatch(value)
        if match is None:
            continue
        month = _month(match["month"])
        if month is None:
            return None
        try:
            date = datetime.date(int(match["year"]), month, int(match["day"]))
        except ValueError:
            return None
        short = match["month"].lower() != MONTHS[month - 1].lower()
        return date, DateStyle(order, bool(match["ordinal"]), bool(match["comma"]), short, bool(match["dot"]))
    return None
