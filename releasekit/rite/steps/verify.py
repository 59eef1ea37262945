"""Verify: wait for the published release, then install it here and on the hosts."""

from __future__ import annotations

from releasekit.core import ui
from releasekit.operations import ci_conda, conda_staging
from releasekit.operations.artifact_checks import deps_note
from releasekit.operations.conda_packages import conda_enabled, conda_target_kind
from releasekit.operations.published import verify_conda_published, verify_published, wait_for_conda
from releasekit.rite.model import Step


def verify_release(rite) -> None:
    r = rite.release
    if rite.dry_run:
        ui.info(f"[dry-run] would wait for {r.version} on the index, then install it in clean environments")
        return
    verify_published(rite.project, rite.shell, r.version, rite.hosts)
    if conda_enabled(rite.project) and conda_target_kind(rite.settings) == "conda-forge":
        pass  # conda-forge publishes it: the conda-forge step waits for it and installs it
    elif ci_conda.awaited(rite.project):
        ci_conda.verify(rite.project, r.version, rite.hosts)  # CI uploaded it; await-ci-conda waited and checked
    elif conda_enabled(rite.project) and conda_staging.staging_label(rite.project):
        conda_staging.verify_and_promote(rite.project, rite.shell, r.version, rite.hosts)
    elif conda_enabled(rite.project):
        wait_for_conda(rite.project, r.version)
        verify_conda_published(rite.project, r.version, rite.hosts)


def verify_commands(rite) -> list[str]:
    r = rite.release
    cmds = [f"poll the index until it serves every file of {r.version} with its sha256",
            f"pip install --no-cache-dir {rite.project.package}=={r.version} into a fresh venv"
            f"{deps_note(rite.project)}; the installed file's sha256 is a released file's; import; version"]
    cmds += [f"same on host {h}" for h in rite.hosts]
    if ci_conda.awaited(rite.project):
        cmds.append(f"install the conda package from {ci_conda.channel(rite.project)} into a clean prefix "
                    "(py-rattler); import")
        cmds += [f"same on host {h}" for h in rite.hosts]
    elif conda_enabled(rite.project) and conda_staging.staging_label(rite.project):
        cmds += conda_staging.plan_lines(rite.project, rite.hosts)[1]
    elif conda_enabled(rite.project) and conda_target_kind(rite.settings) != "conda-forge" and rite.hosts:
        cmds += [f"install the conda package from the channel into a clean prefix (py-rattler); import; "
                 f"same on host {h}" for h in rite.hosts]
    return cmds


VERIFY = Step("verify", "wait for the indexes, then install the published release", "verify.install",
              verify_release, verify_commands)
