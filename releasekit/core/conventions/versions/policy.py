"""The version policy on main and what a release does under it. Pure arithmetic over PEP 440.

- ``dev`` (fastai's): main is at ``X.Y.Z.dev0``; the release is ``X.Y.Z`` (or ``X.Y.ZrcN`` with
  ``--pre``) and main moves on to the next ``.dev0``: after a final release the next patch's, after
  a pre-release the next pre-release's (``1.2.0rc1`` -> ``1.2.0rc2.dev0``), unless ``next_part``
  names the part to open.
- ``release``: main holds the last released version; the release bumps it by ``--part`` (and
  ``--pre``) and main keeps the release version: no dev-cycle commit.
"""

from __future__ import annotations

from dataclasses import dataclass

from packaging.version import Version

from releasekit.core import versioning
from releasekit.core.errors import ConfigError, ConventionAmbiguous

POLICIES = ("dev", "release")


def detect(current: str, configured: str | None = None) -> str:
    """``configured`` when set, else ``dev`` for a development version on main and ``release`` otherwise."""
    if configured is not None:
        if configured not in POLICIES:
            raise ConfigError(f"`releasekit.version_policy` is {configured!r}", "use dev or release")
        return configured
    return "dev" if versioning.parse(current).dev is not None else "release"


def fits_source(policy: str, edits_files: bool) -> None:
    """A version that git tags hold has no ``.dev0`` on main: the ``dev`` policy cannot apply."""
    if policy == "dev" and not edits_files:
        raise ConventionAmbiguous("the version comes from git tags, so main has no .dev0 version to keep",
                                  "set `releasekit.version_policy` to release (or unset it)")


def check_main(current: str, policy: str) -> str | None:
    """The problem with ``current`` as main's version under ``policy``, or None."""
    v = versioning.parse(current)
    if policy == "dev":  # X.Y.Z.dev0, or X.Y.ZrcN.dev0 after a pre-release from main
        if v.dev != 0 or v.post is not None:
            return (f"version {v} on the main branch should be a development version like "
                    f"{versioning.render(v.release, epoch=v.epoch, pre=v.pre, dev=0)} (version policy dev)")
        return None
    if v.dev is not None:
        return (f"version {v} on the main branch is a development version, but the version policy is release "
                "(main holds the last release); set `releasekit.version_policy` to dev, or the version to the last release")
    return None


@dataclass(frozen=True)
class ReleasePlan:
    policy: str
    current: str  # main's version before the release
    release: str  # the version released (and tagged)
    main_after: str  # main's version after the release
    dev_cycle: bool  # whether main gets a commit of its own that opens the next cycle


def plan(current: str, policy: str, part: str = "patch", pre: str | None = None,
         next_part: str | None = None) -> ReleasePlan:
    """The release version from main's ``current`` version, and main's version afterwards."""
    v = versioning.parse(current)
    release = versioning.bump(v, part, pre)
    if policy == "release":
        return ReleasePlan(policy, str(v), str(release), str(release), dev_cycle=False)
    if policy != "dev":
        raise ConfigError(f"`releasekit.version_policy` is {policy!r}", "use dev or release")
    return ReleasePlan(policy, str(v), str(release), str(next_dev(release, next_part)), dev_cycle=True)


def next_dev(release: Version, next_part: str | None = None) -> Version:
    """Main's ``.dev0`` after ``release`` under the dev policy."""
    if next_part is None and release.pre is not None:
        kind, number = release.pre
        return versioning.render(release.release, epoch=release.epoch, pre=(kind, number + 1), dev=0)
    return versioning.bump_dev(release, next_part or "patch")
