"""Uploading a release: the package index target and its credentials, twine uploads, anaconda.org
uploads and label promotion, and whether the index or channel already has the files."""

from __future__ import annotations

from pathlib import Path

from releasekit.adapters import anaconda, channel, index, pypi
from releasekit.adapters.conda import file_digests, package_info
from releasekit.adapters.shell import Shell
from releasekit.core import ui
from releasekit.core.errors import CredentialsMissing, PreconditionFailed, ReleasekitError
from releasekit.core.project import Project
from releasekit.operations.building import release_artifacts
from releasekit.operations.conda_packages import (
    conda_artifacts,
    conda_recipe,
    conda_target_kind,
    require_conda,
    sdist_of,
)
from releasekit.operations.version_edits import version_arg


def pypi_target(project: Project, repository: str | None = None) -> tuple[str, str, str]:
    """(repository as given, its upload URL, the project's simple page URL)."""
    repo = repository or project.settings["pypi.repository"]
    url = pypi.repository_url(repo)
    return repo, url, index.simple_url(url, project.package, project.settings["pypi.index_url"])


def index_root(simple_project_url: str) -> str:
    """``http://h/simple/name/`` -> ``http://h/simple/``: what pip's --index-url takes."""
    return simple_project_url.rstrip("/").rsplit("/", 1)[0] + "/"


def remote_files(simple_page: str) -> dict[str, str | None]:
    return index.fetch_files(simple_page)


def pypi_preflight(project: Project, version: str, repository: str | None = None, *,
                   credentials: bool = True) -> list[str]:
    """The index reachable and without the version; upload credentials here unless CI uploads
    (``credentials=False`` under ``publish: ci``)."""
    problems = []
    try:
        repo, _url, page = pypi_target(project, repository)
    except ReleasekitError as exc:
        return [exc.message]
    where = project.settings.origins.get("pypi.repository", "")
    if where in ("pyproject.toml", "tasks.py") and password_in_url(project.settings["pypi.repository"]):
        problems.append(f"pypi.repository in {where} holds a password, and {where} ships in the sdist: "
                        "keep the URL without it and set TWINE_PASSWORD, a .pypirc section or keyring")
    if credentials and pypi.credentials(repo) is None:
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


def password_in_url(url: str) -> bool:
    from urllib.parse import urlsplit

    try:
        return bool(urlsplit(url).password)
    except ValueError:
        return False


def upload_pypi(project: Project, sh: Shell, paths: list[Path], repository: str | None = None) -> list[Path]:
    """Compare with the index first, then upload what is missing, wheels before the sdist."""
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


def conda_target(settings) -> str:
    """Where conda packages go, in words: the channel directory or the anaconda.org account."""
    kind = conda_target_kind(settings)
    if kind == "conda-forge":
        return f"nowhere: conda-forge builds it ({settings['conda.forge_channel']}; its bot opens the version PR)"
    if kind == "channel-dir":
        if not settings["conda.channel_dir"]:
            raise CredentialsMissing("`conda.target: channel-dir` names no folder", "set `conda.channel_dir`")
        return f"channel directory {settings['conda.channel_dir']}"
    if not settings["conda.user"]:
        raise CredentialsMissing("no anaconda.org user to upload to", "set `releasekit.conda.user` or `conda.channel_dir`")
    return f"anaconda.org user {settings['conda.user']}"


def upload_conda(project: Project, sh: Shell, version: str, *, label: str | None = None, force: bool = False) -> None:
    """Upload the conda packages of ``version`` to the channel directory or to anaconda.org; identical
    files are skipped, other content under a taken name stops before anything changes."""
    import os

    require_conda(project, "upload.conda")
    s = project.settings
    label = label or s["conda.label"]
    target = conda_target(s)  # refuses a missing target in a dry run too
    if conda_target_kind(s) == "conda-forge":
        ui.info(f"conda: nothing to upload; conda-forge builds {project.package} {version} from PyPI's sdist")
        return
    files = conda_artifacts(project, version)
    if not files:
        if sh.dry_run:
            ui.info(f"[dry-run] would upload the conda package of {version} to {target} (label {label}) once built")
            return
        raise PreconditionFailed(f"no conda package of {version} in {s['conda.output']}", "run `releasekit dist.conda` first")
    if conda_target_kind(s) == "channel-dir":
        done = channel.upload(files, s.path("conda.channel_dir"), label, force=force, dry_run=sh.dry_run)
        uploaded, skipped = list(done.uploaded), list(done.skipped)
    else:
        sent = anaconda.upload(sh, files, s["conda.user"], label, token=os.environ.get("ANACONDA_API_TOKEN"),
                               force=force, uploader=s["conda.uploader"])
        uploaded, skipped = list(sent.uploaded), list(sent.skipped)
    for name in skipped:
        ui.info(f"skipped {getattr(name, 'name', name)}: the channel has it already, byte for byte")
    for name in uploaded:
        ui.info(("[dry-run] would upload " if sh.dry_run else "uploaded ") + str(getattr(name, "name", name)))


def promote_conda(project: Project, sh: Shell, version: str, from_label: str, to_label: str, move: bool) -> list[str]:
    import os

    s = project.settings
    name = conda_recipe(project, version, sdist_of(project, version))["package"]["name"] \
        if project.settings.path("conda.recipe").is_dir() else project.package
    if s["conda.channel_dir"]:
        done = channel.promote(s.path("conda.channel_dir"), name, version, from_label, to_label, move=move,
                               dry_run=sh.dry_run)
    else:
        done = anaconda.promote(s["conda.user"], name, version, from_label, to_label,
                                token=os.environ.get("ANACONDA_API_TOKEN"), api_url=None, site_config_dir=None,
                                move=move, dry_run=sh.dry_run)
    verb = "moved" if move else "copied"
    for f in done:
        ui.info(f"{'[dry-run] would have ' if sh.dry_run else ''}{verb} {f}: {from_label} -> {to_label}")
    return done


def pypi_uploaded(project: Project, paths: list[Path]) -> bool:
    """The index serves each of ``paths`` under its name with its sha256."""
    if not paths:  # nothing built yet: nothing can be on the index, and no need to ask it
        return False
    there = remote_files(pypi_target(project)[2])
    return all((there.get(p.name) or "").lower() == pypi.sha256(p) for p in paths)


def conda_uploaded(project: Project, version: str) -> bool:
    """The channel directory or anaconda.org holds each conda package of ``version``, byte for byte,
    under the configured label."""
    import os

    s = project.settings
    if conda_target_kind(s) == "conda-forge":  # nothing of ours goes to a conda channel
        return True
    infos = [package_info(p) for p in conda_artifacts(project, version)]
    if not infos:
        return False
    if conda_target_kind(s) == "channel-dir":
        have = channel.existing(s.path("conda.channel_dir"), s["conda.label"])
        return all(have.get(i.basename) == file_digests(i.path)[0] for i in infos)
    url, token = anaconda.api_url_for(None), os.environ.get("ANACONDA_API_TOKEN")
    for info in infos:
        there = anaconda.existing_files(url, s["conda.user"], info.name, info.version, token).get(info.basename)
        if there is None or s["conda.label"] not in there["labels"] or there.get("sha256") != file_digests(info.path)[0]:
            return False
    return True


def artifacts_to_upload(project: Project, version: str | None) -> tuple[str, list[Path]]:
    """The version (default: the version file's) and its sdist and wheels; none is an error that
    names the step to run first."""
    version = version_arg(project, version)
    paths = release_artifacts(project, version)
    if not paths:
        raise PreconditionFailed(f"no artifacts of {version} in {project.dist_dir}",
                                 "run `releasekit dist.pypi` (and `dist.check`) first")
    return version, paths

