"""upload: to the package index (idempotently: identical files are skipped, a taken filename stops
everything before the first upload) and to the conda channel; promote between labels."""

from __future__ import annotations

from invoke import Collection

from releasekit.core.errors import UsageError
from releasekit.tasks.base import YES_HELP, agree, task
from releasekit.tasks.context import git_for, load_project, shell

# --- plain functions --------------------------------------------------------------------------------------------


# --- rite step -----------------------------------------------------------------------------------------------------


# --- tasks -------------------------------------------------------------------------------------------------------------


_VERSION_HELP = "version whose artifacts to upload (default: the version file's)"


@task(name="pypi", help={"repository": "twine repository name or upload URL (default: releasekit.pypi.repository)",
                         "version": _VERSION_HELP, "dry_run": "compare with the index, print what would be uploaded",
                         "yes": YES_HELP})
def pypi_(c, repository=None, version=None, dry_run=False, yes=False):
    """Upload sdist and wheel; identical files already there are skipped."""
    from releasekit.operations.publishing import artifacts_to_upload, pypi_target, upload_pypi

    project = load_project(c)
    version, paths = artifacts_to_upload(project, version)
    agree(f"Upload {project.package} {version} ({len(paths)} files) to {pypi_target(project, repository)[1]}?",
          yes=yes, dry_run=dry_run, action="upload")
    upload_pypi(project, shell(c, dry_run), paths, repository)


@task(name="all", help={"version": _VERSION_HELP, "dry_run": "print what would be uploaded", "yes": YES_HELP})
def all_(c, version=None, dry_run=False, yes=False):
    """Upload to the package index and to the conda channel."""
    from releasekit.operations.conda_packages import conda_enabled
    from releasekit.operations.publishing import (
        artifacts_to_upload,
        conda_target,
        pypi_target,
        upload_conda,
        upload_pypi,
    )

    project = load_project(c)
    sh = shell(c, dry_run)
    version, paths = artifacts_to_upload(project, version)
    conda = f" and its conda package to {conda_target(project.settings)}" if conda_enabled(project) else ""
    agree(f"Upload {project.package} {version} to {pypi_target(project)[1]}{conda}?", yes=yes, dry_run=dry_run,
          action="upload")
    upload_pypi(project, sh, paths)
    if conda_enabled(project):
        upload_conda(project, sh, version)


@task(name="conda", help={"version": "version to upload (default: the version file's)", "label": "label (default: conda.label)",
                          "force": "replace a file the channel has with other content", "dry_run": "print only",
                          "yes": YES_HELP})
def conda_(c, version=None, label=None, force=False, dry_run=False, yes=False):
    """Upload the conda package to anaconda.org or the channel directory (identical files skipped)."""
    from releasekit.operations.publishing import conda_target, upload_conda
    from releasekit.operations.version_edits import version_arg

    project = load_project(c)
    version = version_arg(project, version)
    agree(f"Upload the conda package of {project.package} {version} to {conda_target(project.settings)}?",
          yes=yes, dry_run=dry_run, action="upload")
    upload_conda(project, shell(c, dry_run), version, label=label, force=force)


@task(help={"from_label": "label to take the release from", "to_label": "label to put it in",
            "move": "remove it from --from-label", "version": "version (default: the version file's)",
            "dry_run": "print only", "yes": YES_HELP})
def promote(c, from_label=None, to_label=None, move=False, version=None, dry_run=False, yes=False):
    """Copy (or --move) a released conda package between labels, on anaconda.org or the channel directory."""
    from releasekit.operations.publishing import conda_target, promote_conda
    from releasekit.operations.version_edits import current_version

    # Options, not positional arguments: invoke would take `upload.promote -h` for a label.
    missing = [f"--{name}" for name, value in (("from-label", from_label), ("to-label", to_label)) if not value]
    if missing:
        raise UsageError(f"upload.promote needs {' and '.join(missing)}",
                         "e.g. `releasekit upload.promote --from-label test --to-label main`")
    project = load_project(c)
    version = version or current_version(project, git_for(c, project))
    agree(f"{'Move' if move else 'Copy'} {project.package} {version} from label {from_label} "
          f"to {to_label} on {conda_target(project.settings)}?", yes=yes, dry_run=dry_run, action="upload")
    promote_conda(project, shell(c, dry_run), version, from_label, to_label, move)


@task(name="conda-deps", help={"label": "label (default: conda.label)", "dry_run": "print only", "yes": YES_HELP})
def conda_deps_(c, label=None, dry_run=False, yes=False):
    """Upload the dependencies `dist.conda-deps` built to the project's channel (identical files skipped)."""
    from releasekit.operations.conda_deps import upload_deps
    from releasekit.operations.publishing import conda_target

    project = load_project(c)
    agree(f"Upload the built conda dependencies to {conda_target(project.settings)}?", yes=yes, dry_run=dry_run,
          action="upload")
    upload_deps(project, shell(c, dry_run), label=label)


ns = Collection("upload")
for t in (pypi_, conda_, promote, all_, conda_deps_):
    ns.add_task(t)
