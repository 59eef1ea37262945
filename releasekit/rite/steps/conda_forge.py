"""conda-forge: after PyPI serves the release, wait (resumably) until conda-forge's channel lists it,
then install it from there into a clean conda prefix. Only with `conda.target: conda-forge`."""

from __future__ import annotations

from releasekit.core import ui
from releasekit.operations.conda_forge_wait import (
    forge_channel,
    forge_enabled,
    forge_has,
    verify_forge_install,
    wait_for_forge,
)
from releasekit.rite.model import Step


def forge_release(rite) -> None:
    r = rite.release
    if not forge_enabled(rite.project):
        ui.info("conda.target is not conda-forge: nothing to wait for there")
        return
    if rite.dry_run:
        for cmd in forge_commands(rite):
            ui.info(f"[dry-run] would {cmd}")
        return
    wait_for_forge(rite.project, r.version)
    verify_forge_install(rite.project, r.version, rite.hosts)
    if rite.journal is not None:
        rite.journal.remember("conda-forge", r.version)


def forge_done(rite) -> bool:
    """Done once conda-forge lists the version and its install was proven (a resume re-reads the channel)."""
    if not forge_enabled(rite.project):
        return True
    proven = rite.journal.recall("conda-forge") if rite.journal is not None else None
    return proven == rite.release.version and forge_has(rite.project, rite.release.version)


def forge_commands(rite) -> list[str]:
    if not forge_enabled(rite.project):
        return []
    s, v = rite.settings, rite.release.version
    return [f"poll {forge_channel(rite.project)}'s repodata until it lists {rite.project.package} {v} "
            f"(up to {s['conda.forge_timeout']:.0f}s; a timeout resumes here)",
            f"install {rite.project.package}=={v} from it into a fresh conda prefix (py-rattler); import; version",
            *(f"same on host {h} (py-rattler there, or in a throwaway venv)" for h in rite.hosts)]


CONDA_FORGE = Step("conda-forge", "wait for conda-forge to publish the release, then install it from there",
                   "verify.forge", forge_release, forge_commands, forge_done, optional=True, needs=("verify",))
