"""The GitHub Actions that releasekit's workflows use, each pinned to a full commit SHA. Pure data.

A tag such as ``v7`` can be moved to other code by whoever controls the action's repository; a
commit SHA cannot. Each SHA was read from the action's own repository: the commit of the release
tag named beside it (git rev-parse vX.Y.Z^{commit}), but for the one whose comment says otherwise.
Update them together, with their tags.
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
    "actions/upload-artifact": Pin("bbbca2ddaa5d8feaa63e36b76fdaad77386f024f", "v7.0.0"),
    "actions/download-artifact": Pin("3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c", "v8.0.1"),
    # The stored snapshot of pypa/gh-action-pypi-publish itself ends at v1.8.14 (March 2024), before
    # attestations. This commit was read from its maintainer's fork (webknjaz/pypa--gh-action-pypi-publish),
    # which holds upstream's history: it is GitHub's signed merge of pypa PR #329 (2025-01-24), and its
    # action.yml defaults `attestations` to 'true'. The fork carries no tags; that this commit is
    # v1.12.4 is what many independent projects' workflows write beside it. Re-check with
    # git rev-parse v1.12.4^{commit} in pypa's repository when a newer snapshot of it can be fetched.
    "pypa/gh-action-pypi-publish": Pin("76f52bc884231f62b9a034ebfe128415bbaabdfc", "v1.12.4"),
}

# The first release of gh-action-pypi-publish that makes PEP 740 attestations by default.
ATTESTATIONS_SINCE = "v1.11.0"


def uses(action: str) -> str:
    """``owner/name@sha`` for a ``uses:`` line."""
    return f"{action}@{PINS[action].sha}"


def makes_attestations(action: str = "pypa/gh-action-pypi-publish") -> bool:
    """Whether the pinned release of the publish action makes attestations (v1.11.0 or later)."""
    def parts(tag: str) -> tuple[int, ...]:
        return tuple(int(p) for p in tag.lstrip("v").split("."))

    return parts(PINS[action].tag) >= parts(ATTESTATIONS_SINCE)


def annotate(text: str) -> str:
    """Put the release tag beside each pinned SHA (``uses: a/b@sha # v1.2.3``), for the reader."""
    def tagged(match: re.Match[str]) -> str:
        action, sha = match.group(2), match.group(3)
        pin = PINS.get(action)
        return match.group(0) + (f" # {pin.tag}" if pin and pin.sha == sha else "")

    return re.sub(r"^(\s*-?\s*uses: )([\w.-]+/[\w.-]+)@([0-9a-f]{40})$", tagged, text, flags=re.M)
