"""Forge releases over the forges' REST APIs: one :class:`Forge` protocol, one module per forge.

The decisions (which forge, what the release holds, what is left on resume) are
:mod:`releasekit.core.forgerelease`'s; this package only makes the calls.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Protocol

from releasekit.core import ui
from releasekit.core.forgerelease import (
    ExistingRelease,
    ForgeKind,
    ForgeTarget,
    PlannedAsset,
    ReleasePlan,
    RemoteAsset,
    Resumption,
    require_token,
    resume,
)

from .github import GitHub
from .gitlab import GitLab
from .http import Api


class Forge(Protocol):
    api: Api

    def check_access(self) -> None:
        """Raise before anything changes when the token cannot write releases of the project."""

    def released_tags(self) -> list[str]:
        """Tags of the releases already on the forge (for the latest decision)."""

    def find(self, plan: ReleasePlan) -> ExistingRelease | None:
        """The release (or its uploaded files) for the plan's tag."""

    def create(self, plan: ReleasePlan) -> ExistingRelease: ...

    def upload(self, release: ExistingRelease, asset: PlannedAsset, plan: ReleasePlan) -> None: ...

    def delete(self, release: ExistingRelease, asset: RemoteAsset, plan: ReleasePlan) -> None: ...

    def publish(self, release: ExistingRelease, plan: ReleasePlan) -> None: ...


_KINDS: dict[ForgeKind, Callable[..., Forge]] = {"github": GitHub, "gitlab": GitLab}


def connect(target: ForgeTarget, environ: Mapping[str, str] | None = None, *, dry_run: bool = False,
            echo: Callable[[str], None] = ui.info) -> Forge:
    """A client for ``target`` with the token from the environment (CredentialsMissing naming the
    variable when it is not set)."""
    var, token = require_token(target, os.environ if environ is None else environ)
    return _KINDS[target.kind](target, var, token, dry_run=dry_run, echo=echo)


def make_release(forge: Forge, plan: ReleasePlan) -> Resumption:
    """Create or complete the release: draft, every missing asset, publish (GitLab: files, then the
    release with their links). Safe to run again after any failure: it finds what is there first."""
    existing = forge.find(plan)
    todo = resume(plan, existing)
    release = forge.create(plan) if existing is None else existing
    for stale in todo.replace:
        forge.delete(release, stale, plan)
    for asset in todo.upload:
        forge.upload(release, asset, plan)
    if todo.publish:
        forge.publish(release, plan)
    return todo


def find_release(forge: Forge, plan: ReleasePlan) -> ExistingRelease | None:
    return forge.find(plan)


__all__ = ["Forge", "GitHub", "GitLab", "connect", "find_release", "make_release"]
