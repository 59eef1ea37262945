"""upload: to the package index (idempotently: identical files are skipped, a taken filename stops
everything before the first upload) and to the conda channel; promote between labels."""

from __future__ import annotations

from pathlib import Path

from invoke import Collection

from releasekit.adapters.shell import Shell
from releasekit.core import ui
from releasekit.core.errors import (
    CredentialsMissing,
    PreconditionFailed,
    ReleasekitError,
    UsageError,
)
from releasekit.core.project import Project
from releasekit.tasks.base import YES_HELP, agree, load_project, shell, task, version_arg

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
    where = project.settings.origins.get("pypi.repository", "")
    if where in ("pyproject.toml", "tasks.py") and password_in_url(project.settings["pypi.repository"]):
        problems.append(f"pypi.repository in {where} holds a password, and {where} ships in the sdist: "
                        "keep the URL without it and set TWINE_PASSWORD, a .pypirc section or keyring")
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


def password_in_url(url: str) -> bool:
    from urllib.parse import urlsplit

    try:
        return bool(urlsplit(url).password)
    except ValueError:
        return False


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


def conda_target(settings) -> str:
    """Where conda packages go, in words: the channel directory or the anaconda.org account."""
    if settings["conda.channel_dir"]:
        return f"channel directory {settings['conda.channel_dir']}"
    if not settings["conda.user"]:
        raise CredentialsMissing("no anaconda.org user to upload to", "set `releasekit.conda.user` or `conda.channel_dir`")
    return f"anaconda.org user {settings['conda.user']}"


def upload_conda(project: Project, sh: Shell, version: str, *, label: str | None = None, force: bool = False) -> None:
    """Upload the conda packages of ``version`` to the channel directory or to anaconda.org; identical
    files are skipped, other content under a taken name stops before anything changes."""
    import os

    from releasekit.tasks.dist import conda_artifacts

    s = project.settings
    label = label or s["conda.label"]
    target = conda_target(s)  # refuses a missing target in a dry run too
    files = conda_artifacts(project, version)
    if not files:
        if sh.dry_run:
            ui.info(f"[dry-run] would upload the conda package of {version} to {target} (label {label}) once built")
            return
        raise PreconditionFailed(f"no conda package of {version} in {s['conda.output']}", "run `releasekit dist.conda` first")
    if s["conda.channel_dir"]:
        from releasekit.adapters import channel

        done = channel.upload(files, s.path("conda.channel_dir"), label, force=force, dry_run=sh.dry_run)
        uploaded, skipped = list(done.uploaded), list(done.skipped)
    else:
        from releasekit.adapters import anaconda

        sent = anaconda.upload(sh, files, s["conda.user"], label, token=os.environ.get("ANACONDA_API_TOKEN"),
                               force=force)
        uploaded, skipped = list(sent.uploaded), list(sent.skipped)
    for name in skipped:
        ui.info(f"skipped {getattr(name, 'name', name)}: the channel has it already, byte for byte")
    for name in uploaded:
        ui.info(("[dry-run] would upload " if sh.dry_run else "uploaded ") + str(getattr(name, "name", name)))


def promote_conda(project: Project, sh: Shell, version: str, from_label: str, to_label: str, move: bool) -> list[str]:
    import os

    s = project.settings
    from releasekit.tasks.dist import conda_recipe, sdist_of

    name = conda_recipe(project, version, sdist_of(project, version))["package"]["name"] \
        if project.settings.path("conda.recipe").is_dir() else project.package
    if s["conda.channel_dir"]:
        from releasekit.adapters import channel

        done = channel.promote(s.path("conda.channel_dir"), name, version, from_label, to_label, move=move,
                               dry_run=sh.dry_run)
    else:
        from releasekit.adapters import anaconda

        done = anaconda.promote(s["conda.user"], name, version, from_label, to_label,
                                token=os.environ.get("ANACONDA_API_TOKEN"), api_url=None, site_config_dir=None,
                                move=move, dry_run=sh.dry_run)
    verb = "moved" if move else "copied"
    for f in done:
        ui.info(f"{'[dry-run] would have ' if sh.dry_run else ''}{verb} {f}: {from_label} -> {to_label}")
    return done


# --- rite step -----------------------------------------------------------------------------------------------------


def upload_release(rite) -> None:
    from releasekit.tasks.dist import conda_enabled, release_artifacts

    r = rite.release
    if rite.hosts and "verify" not in rite.settings["skip_steps"]:
        # A resume is not preflighted again, but its --host values are new input all the same.
        from releasekit.tasks.git import raise_if
        from releasekit.tasks.verify import hosts_preflight

        raise_if(hosts_preflight(rite.project, rite.hosts),
                 "fix the --host values and run the same command again: nothing was uploaded")
    paths = release_artifacts(rite.project, r.version)
    if rite.dry_run and not paths:
        ui.info(f"[dry-run] would upload the artifacts of {r.version} to {rite.settings['pypi.repository']}")
    else:
        upload_pypi(rite.project, rite.shell, paths)
    if conda_enabled(rite.project):
        upload_conda(rite.project, rite.shell, r.version)


def pypi_uploaded(project: Project, paths: list[Path]) -> bool:
    """The index serves each of ``paths`` under its name with its sha256."""
    from releasekit.adapters import pypi

    if not paths:  # nothing built yet: nothing can be on the index, and no need to ask it
        return False
    there = remote_files(pypi_target(project)[2])
    return all((there.get(p.name) or "").lower() == pypi.sha256(p) for p in paths)


def conda_uploaded(project: Project, version: str) -> bool:
    """The channel directory or anaconda.org holds each conda package of ``version``, byte for byte,
    under the configured label."""
    import os

    from releasekit.adapters.conda import file_digests, package_info
    from releasekit.tasks.dist import conda_artifacts

    s = project.settings
    infos = [package_info(p) for p in conda_artifacts(project, version)]
    if not infos:
        return False
    if s["conda.channel_dir"]:
        from releasekit.adapters import channel

        have = channel.existing(s.path("conda.channel_dir"), s["conda.label"])
        return all(have.get(i.basename) == file_digests(i.path)[0] for i in infos)
    from releasekit.adapters import anaconda

    url, token = anaconda.api_url_for(None), os.environ.get("ANACONDA_API_TOKEN")
    for info in infos:
        there = anaconda.existing_files(url, s["conda.user"], info.name, info.version, token).get(info.basename)
        if there is None or s["conda.label"] not in there["labels"] or there.get("sha256") != file_digests(info.path)[0]:
            return False
    return True


def upload_done(rite) -> bool:
    """Uploaded means the index (and the conda channel) serve every artifact of the release byte for
    byte, not that the journal says so: a file deleted from the index, or lost by it, is uploaded again."""
    from releasekit.tasks.dist import conda_enabled, release_artifacts

    version = rite.release.version
    if not pypi_uploaded(rite.project, release_artifacts(rite.project, version)):
        return False
    return not conda_enabled(rite.project) or conda_uploaded(rite.project, version)


def upload_commands(rite) -> list[str]:
    cmds = [f"compare sha256 with the index's simple page for {rite.project.package}",
            f"python -m twine upload --repository {rite.settings['pypi.repository']} FILE  (each missing file)"]
    from releasekit.tasks.dist import conda_enabled

    if conda_enabled(rite.project):
        try:
            target = conda_target(rite.settings)
        except ReleasekitError as exc:  # preflight refuses it; the plan says so instead of `-u None`
            target = f"nowhere yet ({exc.message}: {exc.hint})"
        cmds.append(f"upload the conda package to {target} (label {rite.settings['conda.label']})")
    return cmds


# --- tasks -------------------------------------------------------------------------------------------------------------


def artifacts_to_upload(project: Project, version: str | None) -> tuple[str, list[Path]]:
    """The version (default: the version file's) and its sdist and wheels; none is an error that
    names the step to run first."""
    from releasekit.tasks.dist import release_artifacts

    version = version_arg(project, version)
    paths = release_artifacts(project, version)
    if not paths:
        raise PreconditionFailed(f"no artifacts of {version} in {project.dist_dir}",
                                 "run `releasekit dist.pypi` (and `dist.check`) first")
    return version, paths


_VERSION_HELP = "version whose artifacts to upload (default: the version file's)"


@task(name="pypi", help={"repository": "twine repository name or upload URL (default: releasekit.pypi.repository)",
                         "version": _VERSION_HELP, "dry_run": "compare with the index, print what would be uploaded",
                         "yes": YES_HELP})
def pypi_(c, repository=None, version=None, dry_run=False, yes=False):
    """Upload sdist and wheel; identical files already there are skipped."""
    project = load_project(c)
    version, paths = artifacts_to_upload(project, version)
    agree(f"Upload {project.package} {version} ({len(paths)} files) to {pypi_target(project, repository)[1]}?",
          yes=yes, dry_run=dry_run, action="upload")
    upload_pypi(project, shell(c, dry_run), paths, repository)


@task(name="all", help={"version": _VERSION_HELP, "dry_run": "print what would be uploaded", "yes": YES_HELP})
def all_(c, version=None, dry_run=False, yes=False):
    """Upload to the package index and to the conda channel."""
    from releasekit.tasks.dist import conda_enabled

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
    # Options, not positional arguments: invoke would take `upload.promote -h` for a label.
    missing = [f"--{name}" for name, value in (("from-label", from_label), ("to-label", to_label)) if not value]
    if missing:
        raise UsageError(f"upload.promote needs {' and '.join(missing)}",
                         "e.g. `releasekit upload.promote --from-label test --to-label main`")
    project = load_project(c)
    agree(f"{'Move' if move else 'Copy'} {project.package} {version or project.version()} from label {from_label} "
          f"to {to_label} on {conda_target(project.settings)}?", yes=yes, dry_run=dry_run, action="upload")
    promote_conda(project, shell(c, dry_run), version or project.version(), from_label, to_label, move)


ns = Collection("upload")
for t in (pypi_, conda_, promote, all_):
    ns.add_task(t)
