"""The release on the project's forge (GitHub or GitLab) for a tag: its notes from the changelog, its
assets from the dist and conda folders, made draft -> assets -> publish, found again on resume.

The decisions are :mod:`releasekit.core.forgerelease`'s and the calls :mod:`releasekit.adapters.forges`';
this module ties them to a project: which forge (from the remote's configured URL and the ``forge`` /
``forge_url`` settings), which files, which notes, and what a preflight must know before anything changes.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date as _date
from typing import TYPE_CHECKING

from packaging.version import InvalidVersion, Version

from releasekit.adapters import forges
from releasekit.adapters.git import Git
from releasekit.core import ui
from releasekit.core.errors import ReleasekitError, WaitTimeout
from releasekit.core.forgerelease import (
    ExistingRelease,
    ForgeError,
    ForgeTarget,
    PlannedAsset,
    ReleasePlan,
    Resumption,
    build_plan,
    detect,
    is_complete,
    token_var_names,
    version_from_tag,
)
from releasekit.core.project import Project
from releasekit.core.waiting import Poll, wait_until
from releasekit.operations.building import release_artifacts
from releasekit.operations.conda_packages import conda_artifacts, conda_enabled
from releasekit.operations.repository import released_versions

if TYPE_CHECKING:
    from releasekit.adapters.forges import Forge


def target(project: Project, git: Git) -> ForgeTarget | None:
    """The forge and project the release goes to; None: no forge release (``forge: none``, or a
    remote on no forge releasekit knows). The remote's URL as configured names the project, even
    where a ``url.*.insteadOf`` sends fetches and pushes elsewhere."""
    s = project.settings
    url = git.configured_url(s["remote"]) or git.remote_url(s["remote"])
    return detect(url, s["forge"], s["forge_url"])


def is_hotfix(version: str) -> bool:
    try:
        return Version(version).is_postrelease
    except InvalidVersion:
        return False


# --- notes and assets ------------------------------------------------------------------------------


def notes(project: Project, git: Git, version: str | None, *, pending: bool = False) -> str:
    """The release's section of the changelog, whatever its format: read from the release's tag when
    it exists (main has moved on to the next cycle by then), else from the working tree. ``None``:
    the newest section of the working tree's changelog. ``pending`` (a dry run, before the prepare
    step dated it): the pending cycle as the format would finalize it for ``version`` today."""
    fmt = project.changelog_format  # detected with the tag template (keepachangelog's compare links)
    tag = project.tag(version) if version else ""
    at_tag = bool(version) and git.rev(f"refs/tags/{tag}") is not None
    text = ""
    if fmt.path:
        shown = git.show_file(tag, fmt.path) if at_tag else None
        if shown is None and (project.root / fmt.path).is_file():
            shown = (project.root / fmt.path).read_text(encoding="utf-8")
        text = shown or ""
        if pending and version and not at_tag and not fmt.has_release(text, version):
            finalized = fmt.finalize(text, version, _date.today().isoformat()).text
            text = text if finalized is None else finalized
    subjects: list[str] = []
    if fmt.needs_subjects:
        subjects = _subjects(project, git, version, tag if at_tag else "HEAD")
    return fmt.show(text, version, subjects=subjects).strip() + "\n"


def _subjects(project: Project, git: Git, version: str | None, head: str) -> list[str]:
    """Commit subjects from the release before ``version`` (None: the latest release, as the pending
    notes are) to ``head``, for a format without a file."""
    here = Version(version) if version else None
    older = [ref for parsed, _v, ref in released_versions(project, git) if here is None or parsed < here]
    rev_range = f"{older[0]}..{head}" if older else head
    return [line.split(" ", 1)[1] for line in git.log_oneline(rev_range) if " " in line]


def asset_files(project: Project, version: str) -> list[os.PathLike[str]]:
    files: list[os.PathLike[str]] = list(release_artifacts(project, version))
    if conda_enabled(project):
        files += conda_artifacts(project, version)
    return files


# --- the plan ----------------------------------------------------------------------------------------


@dataclass
class ForgeRelease:
    """One release on one forge: the client and the plan it carries out."""

    forge: Forge
    plan: ReleasePlan

    def calls(self) -> list[str]:
        """The changing calls made (or, in a dry run, shown) so far, rendered: no token in them."""
        return [c.render() for c in self.forge.api.sent]


def connect(project: Project, git: Git, *, dry_run: bool = False, echo: Callable[[str], None] = ui.info,
            environ: dict[str, str] | None = None) -> tuple[ForgeTarget, Forge]:
    t = target(project, git)
    if t is None:
        raise ForgeError("the project has no forge to release on (the remote is on none releasekit knows, "
                         "or `releasekit.forge` is none)",
                         "set `releasekit.forge` (github or gitlab) and, for your own server, `releasekit.forge_url`")
    return t, forges.connect(t, environ, dry_run=dry_run, echo=echo)


def prepare(project: Project, git: Git, version: str, *, hotfix: bool | None = None, dry_run: bool = False,
            with_assets: bool = True, environ: dict[str, str] | None = None,
            echo: Callable[[str], None] = ui.info, pending: bool | None = None) -> ForgeRelease:
    """The forge client and the plan for ``version``'s tag: notes, assets, latest or not. ``pending``
    (default: ``dry_run``) takes the notes from the pending cycle where the changelog has no section of
    ``version`` yet (a plan or a dry run, before the prepare step dated it)."""
    t, forge = connect(project, git, dry_run=dry_run, echo=echo, environ=environ)
    template = project.tag_template
    released = [v for v in (version_from_tag(tag, template) for tag in forge.released_tags()) if v and v != version]
    assets = [PlannedAsset.from_file(p) for p in asset_files(project, version)] if with_assets else []
    plan = build_plan(t, tag=project.tag(version), version=version, package=project.package,
                      notes=notes(project, git, version, pending=dry_run if pending is None else pending), assets=assets, released_versions=released,
                      hotfix=is_hotfix(version) if hotfix is None else hotfix)
    return ForgeRelease(forge, plan)


def make(release: ForgeRelease) -> Resumption:
    """Create or complete the release (draft, missing assets, publish); safe to run again."""
    plan = release.plan
    if not plan.assets:
        raise ForgeError(f"no sdist or wheel of {plan.version} in the dist folder to attach to the release",
                         f"build them first (`releasekit dist.pypi --ref {plan.tag}`), then run the same command")
    todo = forges.make_release(release.forge, plan)
    if todo.extra:
        ui.info(f"the release {plan.tag} also holds {', '.join(todo.extra)}, which this release did not make: left alone")
    return todo


def show_calls(release: ForgeRelease) -> None:
    """A dry run before the build: the release's own calls (no asset yet), printed with their JSON
    bodies by the dry-run client, none sent."""
    assert release.forge.api.dry_run, "show_calls is for a dry-run client only"
    forges.make_release(release.forge, release.plan)


def is_made(release: ForgeRelease) -> bool:
    """The release is published with every planned file (the truth a resume checks)."""
    return bool(release.plan.assets) and is_complete(release.plan, release.forge.find(release.plan))


def published_release(release: ForgeRelease) -> ExistingRelease | None:
    found = release.forge.find(release.plan)
    return found if found is not None and found.published else None


def wait_published(project: Project, release: ForgeRelease, *, timeout: float | None = None) -> ExistingRelease:
    """``publish: ci``: the workflow makes the release; wait (``wait.timeout``) until it is published."""
    s, plan = project.settings, release.plan
    where = f"the {plan.target.title} release {plan.tag} on {plan.target.project}"

    def probe() -> Poll:
        try:
            return Poll(published_release(release) is not None, [where])
        except ForgeError as exc:
            return Poll(False, [f"{where} ({exc.message})"], unreachable=True)

    try:
        wait_until(probe, what=where, timeout=s["wait.timeout"] if timeout is None else timeout,
                   interval=s["wait.interval"], max_interval=s["wait.max_interval"])
    except WaitTimeout as exc:
        raise WaitTimeout(f"{exc.message}: the publish workflow has not made it",
                          "look at the workflow's forge_release job; run the same command to check again") from None
    found = published_release(release)
    assert found is not None
    ui.info(f"{where} exists ({len(found.assets)} asset(s))")
    return found


def preflight_problems(project: Project, git: Git, environ: dict[str, str] | None = None) -> list[str]:
    """What must hold before anything changes: the forge is known, its token set and allowed to
    write the project's releases. Empty when the project has no forge release."""
    try:
        t = target(project, git)
        if t is None:
            return []
        forges.connect(t, environ).check_access()
    except ReleasekitError as exc:
        return [f"{exc.message}" + (f": {exc.hint}" if exc.hint else "")]
    return []


def describe(project: Project, git: Git) -> str | None:
    """One line for the plan and the consent question; None without a forge."""
    t = target(project, git)
    if t is None:
        return None
    return f"{t.title} release on {t.project} ({t.api_url}; token from {token_var_names(t.kind)})"
