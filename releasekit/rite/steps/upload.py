"""Upload: the checked artifacts to the index and the channel, unless they are already there."""

from __future__ import annotations

from releasekit.core import ui
from releasekit.core.errors import ReleasekitError
from releasekit.operations import conda_staging
from releasekit.operations.building import release_artifacts
from releasekit.operations.conda_packages import conda_enabled
from releasekit.operations.published import hosts_preflight
from releasekit.operations.publishing import (
    conda_target,
    conda_uploaded,
    pypi_uploaded,
    upload_conda,
    upload_pypi,
)
from releasekit.operations.repository import raise_if
from releasekit.rite.model import Step


def upload_release(rite) -> None:
    r = rite.release
    if rite.hosts and "verify" not in rite.settings["skip_steps"]:
        # A resume is not preflighted again, but its --host values are new input all the same.
        raise_if(hosts_preflight(rite.project, rite.hosts),
                 "fix the --host values and run the same command again: nothing was uploaded")
    paths = release_artifacts(rite.project, r.version)
    if rite.dry_run and not paths:
        ui.info(f"[dry-run] would upload the artifacts of {r.version} to {rite.settings['pypi.repository']}")
    else:
        upload_pypi(rite.project, rite.shell, paths)
    if conda_enabled(rite.project):
        upload_conda(rite.project, rite.shell, r.version, label=conda_staging.upload_label(rite.project))


def upload_done(rite) -> bool:
    """Uploaded means the index (and the conda channel) serve every artifact of the release byte for
    byte, not that the journal says so: a file deleted from the index, or lost by it, is uploaded again."""
    version = rite.release.version
    if not pypi_uploaded(rite.project, release_artifacts(rite.project, version)):
        return False
    if conda_enabled(rite.project) and conda_staging.staging_label(rite.project):
        return conda_staging.uploaded(rite.project, version)  # on the staging label, or promoted already
    return not conda_enabled(rite.project) or conda_uploaded(rite.project, version)


def upload_commands(rite) -> list[str]:
    cmds = [f"compare sha256 with the index's simple page for {rite.project.package}",
            f"python -m twine upload --repository {rite.settings['pypi.repository']} FILE  (each missing file)"]
    if conda_enabled(rite.project):
        try:
            target = conda_target(rite.settings)
        except ReleasekitError as exc:  # preflight refuses it; the plan says so instead of `-u None`
            target = f"nowhere yet ({exc.message}: {exc.hint})"
        label = f"label {rite.settings['conda.label']}"
        if conda_staging.staging_label(rite.project):
            label = conda_staging.plan_lines(rite.project)[0]
        cmds.append(f"upload the conda package to {target} ({label})")
    return cmds


UPLOAD = Step("upload", "upload to the package index and the conda channel", "upload.all",
              upload_release, upload_commands, upload_done, changes_outside=True)
