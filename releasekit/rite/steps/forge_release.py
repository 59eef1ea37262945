"""The forge release (GitHub or GitLab) for the tag: draft, assets, publish; found again on resume.
With ``publish: ci`` the workflow makes it, and this machine checks that it exists."""

from __future__ import annotations

from releasekit.core import cipublish, ui
from releasekit.core.errors import ReleasekitError
from releasekit.operations import forge_releases
from releasekit.rite.model import Rite, Step


def _prepare(rite: Rite, *, dry_run: bool = False, with_assets: bool = True,
             pending: bool | None = None) -> forge_releases.ForgeRelease:
    r = rite.release
    return forge_releases.prepare(rite.project, rite.git, r.version, hotfix=r.kind == "hotfix", dry_run=dry_run,
                                  with_assets=with_assets, pending=pending)


def notes_summary(notes: str, version: str) -> str:
    """One plan line about the notes: how many lines, and the first one that is no heading."""
    lines = [line.strip() for line in notes.splitlines() if line.strip()]
    body = [line for line in lines if not line.startswith(("#", "=", "-" * 3, "~" * 3))] or lines
    if not body:
        return f"notes: none (the changelog's section of {version} is empty)"
    first = body[0] if len(body[0]) <= 70 else body[0][:67] + "..."
    return f"notes: the changelog's section of {version}, {len(lines)} line(s): {first}"


def _ci(rite: Rite) -> bool:
    return rite.settings["publish"] == "ci"


def forge_release(rite: Rite) -> None:
    if _ci(rite):
        release = _prepare(rite, with_assets=False)
        if rite.dry_run:
            ui.info(f"[dry-run] would wait until the publish workflow made the release {release.plan.tag}")
            return
        forge_releases.wait_published(rite.project, release)
        return
    release = _prepare(rite, dry_run=rite.dry_run)
    if rite.dry_run and not release.plan.assets:
        ui.info(f"[dry-run] no artifacts of {rite.release.version} built yet: the release's calls, then one "
                "upload per sdist, wheel and conda package")
        forge_releases.show_calls(release)
        return
    try:
        forge_releases.make(release)  # a dry run prints its calls with their JSON bodies
    finally:
        if rite.journal is not None and not rite.dry_run:
            made = rite.journal.recall("forge-calls") or []
            rite.journal.remember("forge-calls", [*made, *release.calls()])
    for notice in release.plan.notices():
        ui.info(notice)
    if not rite.dry_run:
        ui.info(f"{release.plan.target.title} release {release.plan.tag} published on {release.plan.target.project}")


def forge_release_done(rite: Rite) -> bool:
    if _ci(rite):
        return forge_releases.published_release(_prepare(rite, with_assets=False)) is not None
    return forge_releases.is_made(_prepare(rite))


def forge_commands(rite: Rite) -> list[str]:
    p, r = rite.project, rite.release
    head = forge_releases.describe(p, rite.git) or "no forge"
    if _ci(rite):
        return [f"(in CI) releasekit {cipublish.FORGE_RELEASE.format(version=r.version)}",
                f"here: poll the {head} until {r.tag} is published"]
    try:
        release = _prepare(rite, pending=True)  # the plan runs before prepare dates the pending section
    except ReleasekitError as exc:  # no token yet, say: preflight reports it; the plan says what it would do
        return [head, f"({exc.message})", f"create draft release {r.tag}", "upload each sdist, wheel and conda package",
                f"publish {r.tag}"]
    lines = [head, notes_summary(release.plan.notes, r.version)]
    if not release.plan.assets:
        order = release.plan.order()
        lines += [*order[:-1], "upload each sdist, wheel and conda package (once built)", order[-1]]
    else:
        lines += release.plan.order()
    return lines + release.plan.notices()


FORGE_RELEASE_CHECK = Step("forge-release", "check that the publish workflow made the forge release", "forge.release",
                           forge_release, forge_commands, forge_release_done, optional=True)
FORGE_RELEASE = Step("forge-release", "make the forge release: draft, assets, publish", "forge.release",
                     forge_release, forge_commands, forge_release_done, changes_outside=True, optional=True)
