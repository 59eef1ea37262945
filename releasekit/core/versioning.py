"""PEP 440 bump arithmetic. Pure functions over ``packaging.version.Version``.

The one rule fastai's Makefile broke: a bump always yields a version strictly
greater than its input. A dev or pre-release of exactly the target version is
finalized rather than skipped (``1.0.6.dev0`` --patch--> ``1.0.6``).
"""

from __future__ import annotations

from packaging.version import InvalidVersion, Version

from releasekit.core.errors import VersionError

PARTS = ("major", "minor", "patch")
BUMP_PARTS = (*PARTS, "post")
PRE_KINDS = ("a", "b", "rc")


def parse(text: str) -> Version:
    """Parse a version the release rite can work with, or say what to write instead."""
    raw = text.strip()
    try:
        version = Version(raw)
    except InvalidVersion:
        raise VersionError(
            f"'{raw}' is not a PEP 440 version",
            "write it as X.Y.Z, X.Y.Z.devN, X.Y.ZrcN or X.Y.Z.postN",
        ) from None
    if version.local is not None:
        raise VersionError(
            f"'{raw}' has a local part (+{version.local}); indexes refuse local versions",
            f"use '{version.public}'",
        )
    if str(version) != raw and not implicit_dev(raw, version):
        raise VersionError(f"'{raw}' is not in normalized form", f"write '{version}'")
    if not 2 <= len(version.release) <= 3:
        raise VersionError(
            f"'{raw}' has {len(version.release)} release segment(s); releasekit bumps X.Y or X.Y.Z versions",
            "use a version like 1.2 or 1.2.3",
        )
    return version


def implicit_dev(raw: str, version: Version) -> bool:
    """``3.2.0.dev``: the Pallets projects' spelling of ``3.2.0.dev0`` (PEP 440 lets the number out).
    Accepted as written, and kept: see :func:`spelled_like`."""
    return raw.endswith(".dev") and str(version) == f"{raw}0"


def spelled_like(new: str, old: str) -> str:
    """``new`` in the spelling of ``old``: a dev version stays ``X.Y.Z.dev`` where the file wrote the
    previous one so; every other version is written normalized."""
    try:
        old_version = Version(old.strip())
    except InvalidVersion:
        return new
    if implicit_dev(old.strip(), old_version) and new.endswith(".dev0"):
        return new[:-1]
    return new


def render(
    release: tuple[int, ...],
    *,
    epoch: int = 0,
    pre: tuple[str, int] | None = None,
    post: int | None = None,
    dev: int | None = None,
) -> Version:
    text = (f"{epoch}!" if epoch else "") + ".".join(str(n) for n in release)
    if pre:
        text += f"{pre[0]}{pre[1]}"
    if post is not None:
        text += f".post{post}"
    if dev is not None:
        text += f".dev{dev}"
    return Version(text)


def release_of(version: Version) -> Version:
    """The final release a version belongs to: 1.0.6 for 1.0.6, 1.0.6.dev0, 1.0.6rc1, 1.0.6.post1."""
    return render(version.release, epoch=version.epoch)


def _is_unreleased(version: Version) -> bool:
    """A pre-release (even ``1.0.6rc1.post1``) or a dev release leads up to its base release, which
    has not happened yet; a dev of a post-release (``1.0.6.post1.dev0``) comes after that release."""
    return version.pre is not None or (version.dev is not None and version.post is None)


def _increment(release: tuple[int, ...], part: str) -> tuple[int, ...]:
    major, minor, patch = (*release, 0)[:3] if len(release) == 2 else release
    if part == "major":
        new = (major + 1, 0, 0)
    elif part == "minor":
        new = (major, minor + 1, 0)
    else:
        new = (major, minor, patch + 1)
    # X.Y versions stay X.Y for major/minor; a patch bump needs the third segment.
    return new[:2] if len(release) == 2 and part != "patch" else new


def _finalizes_to(base: tuple[int, ...], part: str) -> bool:
    """Whether an unreleased version with this base already is the next ``part`` release."""
    padded = (*base, 0)[:3] if len(base) == 2 else base
    if part == "patch":
        return True
    if part == "minor":
        return padded[2] == 0
    return padded[1] == 0 and padded[2] == 0


def next_release(version: Version, part: str) -> Version:
    """The next final release of ``part``; finalizes a dev/pre-release of that very release."""
    if part not in PARTS:
        raise VersionError(f"unknown part '{part}'", f"use one of {', '.join(PARTS)}")
    if _is_unreleased(version) and _finalizes_to(version.release, part):
        return release_of(version)
    return render(_increment(version.release, part), epoch=version.epoch)


def bump(version: Version | str, part: str = "patch", pre: str | None = None) -> Version:
    """Bump to the next release (``part``), a post-release (``part='post'``) or a pre-release (``pre``)."""
    v = parse(version) if isinstance(version, str) else version
    if part not in BUMP_PARTS:
        raise VersionError(f"unknown part '{part}'", f"use one of {', '.join(BUMP_PARTS)}")
    if part == "post":
        if pre:
            raise VersionError("a post-release cannot also be a pre-release", "drop --pre or pick --part major/minor/patch")
        if _is_unreleased(v):
            raise VersionError(
                f"{v} is not released yet, so it has no post-release",
                "release it first (`version.bump`), then bump --part post",
            )
        if v.dev is not None:
            raise VersionError(f"{v} is a development version; it has no post-release", "release it first")
        result = render(v.release, epoch=v.epoch, post=(v.post or 0) + 1)
    elif pre:
        result = _bump_pre(v, part, pre)
    else:
        result = next_release(v, part)
    if not result > v:  # the invariant, checked rather than assumed
        raise VersionError(f"bumping {v} would give {result}, which is not greater", "pick another part")
    return result


def _bump_pre(v: Version, part: str, kind: str) -> Version:
    if kind not in PRE_KINDS:
        raise VersionError(f"unknown pre-release kind '{kind}'", "use a, b or rc")
    target = next_release(v, part)
    if _is_unreleased(v) and release_of(v) == target and v.pre is not None:
        current_kind, number = v.pre
        if PRE_KINDS.index(kind) < PRE_KINDS.index(current_kind):
            raise VersionError(
                f"{v} is already at '{current_kind}'; '{kind}' would go backwards",
                f"bump with --pre {current_kind} or a later kind",
            )
        if kind == current_kind:
            # 1.0.7rc1.dev0 finalizes to 1.0.7rc1; 1.0.7rc1 moves to 1.0.7rc2.
            number = number if v.dev is not None else number + 1
            return render(target.release, epoch=v.epoch, pre=(kind, number))
    return render(target.release, epoch=v.epoch, pre=(kind, 1))


def bump_dev(version: Version | str, part: str = "patch") -> Version:
    """Open the next development cycle after the release ``version`` leads to."""
    v = parse(version) if isinstance(version, str) else version
    if part not in PARTS:
        raise VersionError(f"unknown part '{part}'", f"use one of {', '.join(PARTS)}")
    released = release_of(v)
    nxt = render(_increment(released.release, part), epoch=v.epoch, dev=0)
    if not nxt > v:
        raise VersionError(f"the next dev version {nxt} is not greater than {v}", "pick a larger part")
    return nxt


def check_main_version(version: Version | str) -> str | None:
    """On the main branch the version must be X.Y.Z.dev0; returns the problem or None."""
    v = parse(version) if isinstance(version, str) else version
    if v.dev != 0 or v.pre is not None or v.post is not None:
        return f"version {v} on the main branch should be a development version like {release_of(v)}.dev0"
    return None


def check_release_version(version: Version | str) -> str | None:
    """A release branch carries a final or post-release version."""
    v = parse(version) if isinstance(version, str) else version
    if v.dev is not None:
        return f"version {v} is a development version; a release branch carries a release version"
    return None


def same_version(a: str, b: str) -> bool:
    """Same version as written, or equal under PEP 440 (``1.0`` and ``1.0.0``, ``2.0.dev`` and ``2.0.dev0``)."""
    if a.strip() == b.strip():
        return True
    try:
        return Version(a) == Version(b)
    except InvalidVersion:
        return False
