"""Release tags: which template a project's tags follow, and the versions they carry. Pure.

The templates detected are the common ones: ``v{version}``, ``{version}``, ``name-{version}`` and
``name-v{version}`` (the distribution name as written, normalized with dashes, or with underscores;
``hatch-v1.18.0`` is pypa/hatch's, whose repository also tags ``hatchling-v1.27.0``). A tag matches a
template only when the template, given the tag's version in normalized PEP 440 form, gives the tag
back: ``v1.2.0`` is ``v{version}``, never ``{version}`` although ``Version("v1.2.0")`` parses.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from packaging.version import InvalidVersion, Version

from releasekit.core.errors import ConventionAmbiguous

COMMON = ("v{version}", "{version}")


def _version(text: str) -> Version | None:
    try:
        v = Version(text)
    except InvalidVersion:
        return None
    return v if str(v) == text and v.local is None else None


def name_templates(package: str | None) -> tuple[str, ...]:
    if not package:
        return ()
    dashed = re.sub(r"[-_.]+", "-", package).lower()
    variants = dict.fromkeys((package, dashed, dashed.replace("-", "_")))
    return tuple(f"{v}-{p}{{version}}" for v in variants for p in ("", "v"))


def version_in(tag: str, template: str) -> Version | None:
    """The version ``tag`` carries under ``template``, or None when it is no tag of that template."""
    prefix, _, suffix = template.partition("{version}")
    if not (tag.startswith(prefix) and tag.endswith(suffix)) or len(tag) <= len(prefix) + len(suffix):
        return None
    return _version(tag[len(prefix) : len(tag) - len(suffix)])


def release_versions(tags: Iterable[str], template: str) -> list[Version]:
    """The versions of the tags that follow ``template``, lowest first."""
    found = (version_in(tag, template) for tag in tags)
    return sorted(v for v in found if v is not None)


def detect_template(tags: Iterable[str], *, package: str | None, default: str,
                    versions: Iterable[str] | None = None) -> str:
    """The template the release tags follow. ``versions`` (the released versions, when known) keeps
    other tags out. No release tag, or a tag that fits two templates: ``default``. Tags that follow
    two templates: a refusal that names the ``tag`` setting."""
    known = {Version(v) for v in versions} if versions is not None else None
    candidates = (*COMMON, *name_templates(package))
    seen: dict[str, list[str]] = {}
    for tag in tags:
        fits = [t for t in candidates if (v := version_in(tag, t)) is not None and (known is None or v in known)]
        if len(fits) > 1:
            return default  # ambiguous: which one new tags should follow is the user's call
        if fits:
            seen.setdefault(fits[0], []).append(tag)
    if not seen:
        return default
    if len(seen) > 1:
        listed = "; ".join(f"{t}: {', '.join(found[:3])}" for t, found in seen.items())
        raise ConventionAmbiguous(f"the release tags follow {len(seen)} templates ({listed})",
                                  "set `releasekit.tag` to the template new tags should follow, e.g. 'v{version}'")
    return next(iter(seen))
