"""upload: to the package index (idempotently: identical files are skipped, a taken filename stops
everything before the first upload) and to the conda channel; promote between labels."""

from __future__ import annotations

from pathlib import Path

from invoke import Collection

from releasekit import ui
from releasekit.adapters.shell import Shell
from releasekit.errors import CredentialsMissing, PreconditionFailed, ReleasekitError
from releasekit.project import Project
from releasekit.tasks.base import load_project, shell, task

# --- plain functions --------------------------------------------------------------------------------------------


def pypi_target(project: Project, repository: str | None = None) -> tuple[str, str, str]:
    """(repository as given, its upload URL, the project's simple page URL)."""
    from releasekit.adapters import index, pypi

    repo = repository or project.settings["pypi.repository"]
    url = pypi.repository_url(repo)
    return repo, url, index.simple_url(url, project.package, project.settings["pypi.index_url"])


def index_root(simple_project_url: str) -> str:
    """``http://h/simple/name/`` -> ``http://h/simple/``: what pip's --index-url takes."""
    return simple_project_url.rstrip("/").rsplit("/", 1)[0] + "/"


def remote_files(simple_page: str) -> dict[str, str | None]:
    from releasekit.adapters import index

    return index.fetch_files(simple_page)


def pypi_preflight(project: Project, version: str, repository: str | None = None) -> list[str]:
    from releasekit.adapters import index, pypi

    problems = []
    try:
        repo, _url, page = pypi_target(project, repository)
    except ReleasekitError as exc:
        return [exc.message]
    if pypi.credentials(repo) is None:
        problems.append(f"no upload credentials for '{repo}': set TWINE_USERNAME/TWINE_PASSWORD, "
                        "a .pypirc section, or keyring")
    try:
        there = index.files_for_version(remote_files(page), project.package, version)
    except ReleasekitError as exc:
        problems.append(exc.message)
    else:
        if there:
            problems.append(f"{project.package} {version} is already on the index ({', '.join(sorted(there))}): "
                            "bump to another version")
    return problems


def upload_pypi(project: Project, sh: Shell, paths: list[Path], repository: str | None = None) -> list[Path]:
    """Compare with the index first, then upload what is missing, wheels before the sdist."""
    from releasekit.adapters import pypi

    if not paths:
        raise PreconditionFailed("no artifacts to upload", "run `releasekit dist.pypi` first")
    repo, _url, page = pypi_target(project, repository)
    creds = pypi.credentials(repo)
    if creds is None:
        raise CredentialsMissing(f"no upload credentials for '{repo}'",
                                 "set TWINE_USERNAME and TWINE_PASSWORD, or add a .pypirc section, or use keyring")
    plan = pypi.plan_upload(paths, remote_files(page))
    for path in plan.skip:
        ui.info(f"skipped {path.name}: the index has it already, byte for byte")
    if plan.upload:
        pypi.upload(sh, plan.upload, repo, username=creds.username, password=creds.password)
        for path in plan.upload:
            ui.info(("[dry-run] would upload " if sh.dry_run else "uploaded ") + path.name)
    return plan.upload


# --- rite step -----------------------------------------------------------------------------------------------------


def upload_release(rite) -> None:
    from releasekit.tasks.dist import conda_enabled, release_artifacts

    r = rite.release
    paths = release_artifacts(rite.project, r.version)
    if rite.dry_run and not paths:
        ui.info(f"[dry-run] would upload the artifacts of {r.version} to {rite.settings['pypi.repository']}")
    else:
        upload_pypi(rite.project, rite.shell, paths)
    if conda_enabled(rite.project):
        from releasekit.tasks.conda import upload_conda

        upload_conda(rite.project, rite.shell, r.version)


def upload_commands(rite) -> list[str]:
    cmds = [f"compare sha256 with the index's simple page for {rite.project.package}",
            f"python -m twine upload --repository {rite.settings['pypi.repository']} FILE  (each missing file)"]
    from releasekit.tasks.dist import conda_enabled

    if conda_enabled(rite.project):
        target = rite.settings["conda.channel_dir"] or f"anaconda upload -u {rite.settings['conda.user']}"
        cmds.append(f"upload the conda package to {target} (label {rite.settings['conda.label']})")
    return cmds


# --- tasks -------------------------------------------------------------------------------------------------------------


@task
def require_artifacts(c):
    """Precondition: artifacts of the current version exist."""
    from releasekit.tasks.dist import release_artifacts

    project = load_project(c)
    if not release_artifacts(project, project.version()):
        raise PreconditionFailed(f"no artifacts of {project.version()} in {project.dist_dir}",
                                 "run `releasekit dist.pypi` (and `dist.check`) first")


@task(name="pypi", pre=[require_artifacts],
      help={"repository": "twine repository name or upload URL (default: releasekit.pypi.repository)",
            "dry_run": "compare with the index, print what would be uploaded"})
def pypi_(c, repository=None, dry_run=False):
    """Upload sdist and wheel; identical files already there are skipped."""
    from releasekit.tasks.dist import release_artifacts

    project = load_project(c)
    upload_pypi(project, shell(c, dry_run), release_artifacts(project, project.version()), repository)


@task(name="all", pre=[require_artifacts], help={"dry_run": "print what would be uploaded"})
def all_(c, dry_run=False):
    """Upload to the package index and to the conda channel."""
    from releasekit.tasks.dist import conda_enabled, release_artifacts

    project = load_project(c)
    sh = shell(c, dry_run)
    upload_pypi(project, sh, release_artifacts(project, project.version()))
    if conda_enabled(project):
        from releasekit.tasks.conda import upload_conda

        upload_conda(project, sh, project.version())


ns = Collection("upload")
for t in (pypi_, all_):
    ns.add_task(t)
