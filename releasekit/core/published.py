"""Are the files CI published what releasekit would ship? Pure: facts in, problems out.

With ``publish: ci`` another machine built the release. This machine built a preview of the same
tag, so it can tell whether what the index serves is that release: the same filenames, an sdist
holding the same files, wheels whose METADATA says the same. Builds are seldom byte-for-byte
reproducible (timestamps, archive order), so equal sha256 is asked only of a project that says its
builds are (``dist.reproducible``).
"""

from __future__ import annotations

import email.parser
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

SHOWN = 5  # files named per side in one problem line


@dataclass(frozen=True)
class DistFacts:
    """What is compared of one distribution file."""

    filename: str
    sha256: str | None = None
    members: tuple[str, ...] | None = None   # an sdist's files, without its top folder
    metadata: str | None = None              # a wheel's METADATA text


def _names(items: Sequence[str]) -> str:
    shown = ", ".join(items[:SHOWN])
    return shown + (f" and {len(items) - SHOWN} more" if len(items) > SHOWN else "")


def filename_problems(published: Sequence[str], preview: Sequence[str]) -> list[str]:
    """The files of one side the other lacks, both named."""
    only_published = sorted(set(published) - set(preview))
    only_preview = sorted(set(preview) - set(published))
    problems = []
    if only_preview:
        problems.append(f"the index lacks {_names(only_preview)} (built by the preview)")
    if only_published:
        problems.append(f"the index has {_names(only_published)}, which the preview did not build")
    return problems


def file_list_problem(filename: str, published: Sequence[str], preview: Sequence[str]) -> str | None:
    """One line naming the files only the published sdist has and those only the preview's has."""
    extra = sorted(set(published) - set(preview))
    missing = sorted(set(preview) - set(published))
    if not extra and not missing:
        return None
    parts = []
    if extra:
        parts.append(f"the published one has {_names(extra)} that the preview lacks")
    if missing:
        parts.append(f"the preview has {_names(missing)} that the published one lacks")
    return f"{filename} differs from the preview built from the tag: {'; '.join(parts)}"


def _fields(text: str) -> dict[str, list[str]]:
    message = email.parser.HeaderParser().parsestr(text)
    fields: dict[str, list[str]] = {}
    for key, value in message.items():
        fields.setdefault(key.lower(), []).append(" ".join(str(value).split()))
    body = message.get_payload()
    if isinstance(body, str) and body.strip():
        fields["description"] = [*fields.get("description", []), body.strip()]
    return fields


def metadata_problem(filename: str, published: str, preview: str) -> str | None:
    """One line naming the METADATA fields that differ (order of the fields does not matter)."""
    a, b = _fields(published), _fields(preview)
    differ = sorted(k for k in set(a) | set(b) if sorted(a.get(k, [])) != sorted(b.get(k, [])))
    if not differ:
        return None
    return f"{filename}: its METADATA differs from the preview's in {_names(differ)}"


def compare(published: Mapping[str, DistFacts], preview: Mapping[str, DistFacts], *,
            reproducible: bool = False) -> list[str]:
    """Every way the published files are not the preview's release, one line each (empty: the same).

    Keys are filenames. Each file both sides have is compared: an sdist by its file list, a wheel
    by its METADATA, and with ``reproducible`` every file by sha256."""
    problems = filename_problems(list(published), list(preview))
    for name in sorted(set(published) & set(preview)):
        pub, pre = published[name], preview[name]
        line: str | None = None
        if pub.members is not None and pre.members is not None:
            line = file_list_problem(name, pub.members, pre.members)
        if line is None and pub.metadata is not None and pre.metadata is not None:
            line = metadata_problem(name, pub.metadata, pre.metadata)
        if line is None and reproducible and pub.sha256 != pre.sha256:
            line = (f"{name}: sha256 {pub.sha256 or '(none on the index)'} on the index, {pre.sha256} in the "
                    "preview, and `dist.reproducible` asks for the same bytes")
        if line:
            problems.append(line)
    return problems
