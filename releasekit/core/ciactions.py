"""The GitHub Actions that releasekit's workflows use, each pinned to a full commit SHA. Pure data.

A tag such as ``v7`` can be moved to other code by whoever controls the action's repository; a
commit SHA cannot. Each SHA was read from the action's own repository: the commit of the release
tag named beside it (git rev-parse vX.Y.Z^{commit}). Update them together, with their tags.
"""

from __future__ import annotations

import re
from typing import NamedTuple


class Pin(NamedTuple):
    sha: str
    tag: str


PINS: dict[str, Pin] = {
    "actions/checkout": Pin("3d3c42e5aac5ba805825da76410c181273ba90b1", "v7.0.1"),
    "actions/setup-python": Pin("5fda3b95a4ea91299a34e894583c3862153e4b97", "v7.0.0"),
}


def uses(action: str) -> str:
    """``owner/name@sha`` for a ``uses:`` line."""
    return f"{action}@{PINS[action].sha}"


def annotate(text: str) -> str:
    """Put the release tag beside each pinned SHA (``uses: a/b@sha # v1.2.3``), for the reader."""
    def tagged(match: re.Match[str]) -> str:
        action, sha = match.group(2), match.group(3)
        pin = PINS.get(action)
        return match.group(0) + (f" # {pin.tag}" if pin and pin.sha == sha else "")

    return re.sub(r"^(\s*-?\s*uses: )([\w.-]+/[\w.-]+)@([0-9a-f]{40})$", tagged, text, flags=re.M)
