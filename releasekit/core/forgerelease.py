"""The forge release as data: which forge a remote lives on, what the release holds, in what order it
is made, and what is left to do when a release run is resumed.

Pure: values in, values out (a file is read only to measure and hash an asset). The HTTP calls live in
:mod:`releasekit.adapters.forges`; this module decides, so the decisions are table-tested.

Order: GitHub's immutable releases freeze a release's assets once it is published, so a release is
made as a draft, every asset is uploaded, and only then is it published. GitLab has no drafts; its
assets are files in the project's generic package registry, linked from the release, so the files are
uploaded first and the release is created with all its links in one call: neither forge ever shows a
release without its files.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from packaging.version import InvalidVersion, Version

from releasekit.core.errors import ConfigError, CredentialsMissing, ReleasekitError

ForgeKind = Literal["github", "gitlab"]
FORGES: tuple[str, ...] = ("github", "gitlab", "none")

# Where each forge's token is read from, first found wins.
TOKEN_VARS: dict[ForgeKind, tuple[str, ...]] = {
    "github": ("GITHUB_TOKEN", "GH_TOKEN"),
    "gitlab": ("GITLAB_TOKEN",),
}
TITLES: dict[ForgeKind, str] = {"github": "GitHub", "gitlab": "GitLab"}


class ForgeError(ReleasekitError):
    """The forge refused a call or holds something that contradicts the release being made."""


class ForgeTokenRefused(ForgeError):
    """The forge answered 401/403 to the token: it is wrong, expired or lacks write access."""

    names_log = False


# --- where the project lives -------------------------------------------------------------------


@dataclass(frozen=True)
class ForgeTarget:
    """One project on one forge: ``api_url`` is the REST base (``https://api.github.com``,
    ``https://HOST/api/v3`` for GitHub Enterprise, ``https://HOST/api/v4`` for GitLab)."""

    kind: ForgeKind
    api_url: str
    project: str  # owner/repo on GitHub, group/subgroup/project on GitLab

    @property
    def title(self) -> str:
        return TITLES[self.kind]


_SCP_LIKE = re.compile(r"^(?:[^@/\s]+@)?(?P<host>[^:/\s]+):(?!//)(?P<path>.+)$")


def parse_remote(url: str) -> tuple[str, str] | None:
    """``(host, project path)`` of a git remote URL in its ssh, scp-like or http(s) form; None for a
    local path or ``file://`` URL, which lives on no forge."""
    url = url.strip()
    if "://" in url:
        parts = urlsplit(url)
        if parts.scheme == "file" or not parts.hostname:
            return None
        host, path = parts.hostname.lower(), parts.path
    else:
        match = _SCP_LIKE.match(url)
        if not match or url.startswith(("/", ".")):
            return None
        host, path = match["host"].lower(), match["path"]
    path = path.strip("/")
    path = path[: -len(".git")] if path.endswith(".git") else path
    path = path.strip("/")
    return (host, path) if path else None


def _kind_from(host: str, api_url: str | None) -> ForgeKind | None:
    if host == "github.com" or host.endswith(".github.com") or host.endswith(".ghe.com"):
        return "github"
    if host == "gitlab.com" or "gitlab" in host.split("."):
        return "gitlab"
    if api_url:
        path = urlsplit(api_url).path.rstrip("/")
        if path.endswith("/api/v3"):
            return "github"
        if path.endswith("/api/v4"):
            return "gitlab"
    return None


def default_api_url(kind: ForgeKind, host: str) -> str:
    if kind == "github":
        return "https://api.github.com" if host == "github.com" else f"https://{host}/api/v3"
    return f"https://{host}/api/v4"


def detect(remote_url: str | None, forge: str | None = None, forge_url: str | None = None) -> ForgeTarget | None:
    """The forge and project of ``remote_url``; None when there is none (``forge: none``, or unset and
    the remote's host is no forge releasekit knows). ``forge`` and ``forge_url`` override detection."""
    if forge == "none":
        return None
    if forge is not None and forge not in FORGES:
        raise ConfigError(f"`releasekit.forge` is {forge!r}", f"use one of: {', '.join(FORGES)}")
    parsed = parse_remote(remote_url) if remote_url else None
    if parsed is None:
        if forge is None:
            return None
        raise ConfigError(
            f"`releasekit.forge` is {forge!r}, but the remote URL {remote_url!r} names no project on a forge",
            "set the remote to the project's ssh or https URL, or set `releasekit.forge: none`",
        )
    host, project = parsed
    kind: ForgeKind | None = forge if forge in ("github", "gitlab") else _kind_from(host, forge_url)  # type: ignore[assignment]
    if kind is None:
        return None
    if kind == "github" and project.count("/") != 1:
        raise ConfigError(f"the remote URL {remote_url!r} names {project!r}, not a GitHub owner/repository")
    if kind == "gitlab" and "/" not in project:
        raise ConfigError(f"the remote URL {remote_url!r} names {project!r}, not a GitLab group/project")
    api_url = (forge_url or default_api_url(kind, host)).rstrip("/")
    if not api_url.startswith(("https://", "http://")):
        raise ConfigError(f"`releasekit.forge_url` is {forge_url!r}", "give the API's base URL, e.g. https://HOST/api/v3")
    return ForgeTarget(kind, api_url, project)


# --- the token ---------------------------------------------------------------------------------


def token_var_names(kind: ForgeKind) -> str:
    names = TOKEN_VARS[kind]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


def find_token(kind: ForgeKind, environ: Mapping[str, str]) -> tuple[str, str] | None:
    """``(variable, token)`` from the first of the forge's variables that is set and not empty."""
    for name in TOKEN_VARS[kind]:
        value = environ.get(name, "").strip()
        if value:
            return name, value
    return None


def require_token(target: ForgeTarget, environ: Mapping[str, str]) -> tuple[str, str]:
    """The token, or the error a preflight reports before anything changes."""
    found = find_token(target.kind, environ)
    if found is None:
        raise CredentialsMissing(
            f"no {target.title} token to make the release on {target.project}",
            f"set {token_var_names(target.kind)} to a token that may write releases of {target.project}",
        )
    return found


# --- the release -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlannedAsset:
    name: str
    path: str
    size: int
    sha256: str

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> PlannedAsset:
        digest = hashlib.sha256()
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
        p = Path(path)
        return cls(p.name, str(p), p.stat().st_size, digest.hexdigest())


@dataclass(frozen=True)
class ReleasePlan:
    target: ForgeTarget
    tag: str
    name: str
    notes: str
    version: str
    package: str  # GitLab's generic package name; unused on GitHub
    prerelease: bool
    latest: bool
    latest_reason: str
    assets: tuple[PlannedAsset, ...] = ()

    def order(self) -> list[str]:
        """The steps in the order they run, as the plan and --dry-run show them."""
        files = [a.name for a in self.assets]
        if self.target.kind == "github":
            return [
                f"create draft release {self.tag} on {self.target.project}"
                + (" (pre-release)" if self.prerelease else ""),
                *(f"upload {name}" for name in files),
                f"publish {self.tag} ({'latest' if self.latest else 'not latest: ' + self.latest_reason})",
            ]
        return [
            *(f"upload {name} to the generic package {self.package} {self.version}" for name in files),
            f"create release {self.tag} on {self.target.project} linking {len(files)} file(s)",
        ]

    def notices(self) -> list[str]:
        """What the forge cannot do as asked, said once in the plan rather than hidden."""
        if self.target.kind == "gitlab" and not self.latest:
            return [f"GitLab has no 'latest' flag: it shows the release released last as latest, so {self.tag} "
                    f"({self.latest_reason}) is shown as latest there until a newer one is released"]
        return []


def version_from_tag(tag: str, template: str = "{version}") -> str | None:
    """The version in ``tag`` made from the tag template, or None when the tag does not fit it."""
    head, _, tail = template.partition("{version}")
    if not tag.startswith(head) or not tag.endswith(tail) or len(tag) <= len(head) + len(tail):
        return None
    return tag[len(head): len(tag) - len(tail)]


def decide_latest(version: str, released: Iterable[str], *, hotfix: bool = False) -> tuple[bool, str]:
    """Whether the release becomes the forge's latest, and why (or why not). ``released``: versions of
    the releases already on the forge (unparseable ones are ignored)."""
    v = Version(version)
    if v.is_prerelease:
        return False, "a pre-release"
    if hotfix:
        return False, "a hotfix"
    newer: list[Version] = []
    for other in released:
        try:
            parsed = Version(other)
        except InvalidVersion:
            continue
        if parsed > v and not parsed.is_prerelease:
            newer.append(parsed)
    if newer:
        return False, f"older than {max(newer)}"
    return True, "the newest release"


def build_plan(
    target: ForgeTarget,
    *,
    tag: str,
    version: str,
    package: str,
    notes: str,
    assets: Sequence[PlannedAsset],
    released_versions: Iterable[str] = (),
    hotfix: bool = False,
    name: str | None = None,
) -> ReleasePlan:
    names = [a.name for a in assets]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ForgeError(f"two assets are named {twice[0]}; a release holds one file per name")
    latest, reason = decide_latest(version, released_versions, hotfix=hotfix)
    return ReleasePlan(
        target=target,
        tag=tag,
        name=name or f"{package} {version}",
        notes=notes,
        version=version,
        package=package,
        prerelease=Version(version).is_prerelease,
        latest=latest,
        latest_reason=reason,
        assets=tuple(assets),
    )


# --- what the forge already has, and what is left ----------------------------------------------


@dataclass(frozen=True)
class RemoteAsset:
    name: str
    size: int
    sha256: str | None  # where the forge gives one (GitHub's digest, GitLab's file_sha256)
    ref: str  # the forge's id of the asset (or package file)
    complete: bool = True  # GitHub: state "uploaded"; an interrupted upload leaves another state


@dataclass(frozen=True)
class ExistingRelease:
    """The release found for the tag. ``published``: GitHub: no longer a draft; GitLab: the release
    exists (until then only its package files do). ``linked``: GitLab's asset link names."""

    ref: str
    tag: str
    published: bool
    assets: tuple[RemoteAsset, ...] = ()
    linked: frozenset[str] = field(default_factory=frozenset)
    upload_url: str | None = None  # GitHub's upload_url template, without its {?name,label}


def same_file(planned: PlannedAsset, remote: RemoteAsset) -> bool:
    """The same name and size, and the same sha256 where the forge gives one."""
    return (
        remote.complete
        and remote.name == planned.name
        and remote.size == planned.size
        and (remote.sha256 is None or remote.sha256.lower() == planned.sha256.lower())
    )


@dataclass(frozen=True)
class Resumption:
    create: bool  # GitHub: create the draft
    replace: tuple[RemoteAsset, ...]  # unfinished or other uploads under a planned name: delete first
    upload: tuple[PlannedAsset, ...]
    publish: bool  # GitHub: publish the draft; GitLab: create the release, or link the missing files
    extra: tuple[str, ...]  # remote assets the plan does not name: left alone

    @property
    def done(self) -> bool:
        return not (self.create or self.replace or self.upload or self.publish)


def resume(plan: ReleasePlan, existing: ExistingRelease | None) -> Resumption:
    """What is left to do, given the release found for the tag (never a second release)."""
    if existing is None:
        return Resumption(plan.target.kind == "github", (), plan.assets, True, ())
    remote = {a.name: a for a in existing.assets}
    replace: list[RemoteAsset] = []
    upload: list[PlannedAsset] = []
    for asset in plan.assets:
        found = remote.get(asset.name)
        if found is not None and same_file(asset, found):
            continue
        if found is not None:
            if existing.published and found.complete:
                raise ForgeError(
                    f"the published release {plan.tag} on {plan.target.project} already has {asset.name} with other "
                    f"content ({_describe(found)}; here {asset.size} bytes, sha256 {asset.sha256[:12]})",
                    "a published release's files are not replaced: if the forge's file is the one built earlier, "
                    "restore it into the dist folder; otherwise release a post-release",
                )
            replace.append(found)
        upload.append(asset)
    planned = {a.name for a in plan.assets}
    if plan.target.kind == "github":
        publish = not existing.published
    else:
        publish = not existing.published or bool(planned - existing.linked)
    extra = tuple(sorted(set(remote) - planned))
    return Resumption(False, tuple(replace), tuple(upload), publish, extra)


def _describe(asset: RemoteAsset) -> str:
    sha = f", sha256 {asset.sha256[:12]}" if asset.sha256 else ""
    return f"there {asset.size} bytes{sha}"


def is_complete(plan: ReleasePlan, existing: ExistingRelease | None) -> bool:
    """The truth a resumed rite checks: the release is published with every planned file."""
    return existing is not None and resume(plan, existing).done


# --- calls as a dry run shows them ------------------------------------------------------------


@dataclass(frozen=True)
class Call:
    """One HTTP call: what --dry-run prints and what a fake records."""

    method: str
    url: str
    body: Mapping[str, object] | None = None
    upload: PlannedAsset | None = None

    def render(self) -> str:
        text = f"{self.method} {self.url}"
        if self.body is not None:
            text += " " + json.dumps(self.body, sort_keys=True)
        if self.upload is not None:
            text += f" <{self.upload.path}, {self.upload.size} bytes>"
        return text
