"""Build-number rebuilds (fastai's guide: a recipe fix for a released version bumps ``build.number``,
since anaconda.org refuses the same filename twice): the version's sdist from ``dist/`` or the index,
the recipe's ``build.number`` literal set on the release branch, a new build, its upload (refused when
that build number is taken) and its verify. The release's sdist on the index is never touched."""

from __future__ import annotations

import os
from pathlib import Path

from releasekit.adapters import anaconda, channel, conda, condadeps
from releasekit.adapters.git import Git
from releasekit.adapters.shell import Shell
from releasekit.core import condadeps as numbers
from releasekit.core import fileio, ui
from releasekit.core.errors import FilenameTaken, PreconditionFailed, ReleasekitError, VerifyFailed
from releasekit.core.project import Project
from releasekit.operations.conda_deps import recipe_file
from releasekit.operations.conda_packages import build_conda, conda_recipe, require_conda, sdist_of
from releasekit.operations.conda_staging import install_channel, verify_channels
from releasekit.operations.publishing import index_root, pypi_target

TASK = "releasekit release-conda-rebuild"


def rebuild_branch(project: Project, git: Git, version: str, main: str) -> str:
    """The release branch of ``version`` where one exists (here or on the remote), else main."""
    branch = project.release_branch(version)
    if branch and (git.branch_exists(branch) or git.remote_branch_exists(project.settings["remote"], branch)):
        return branch
    return main


def recipe_rel(project: Project, git: Git | None = None, ref: str | None = None) -> str:
    """The recipe file, relative to the project: as ``ref`` holds it (recipe.yaml before meta.yaml),
    else as the working tree does."""
    folder = project.settings.path("conda.recipe").relative_to(project.root).as_posix().rstrip("/")
    if git is not None and ref is not None:
        for name in ("recipe.yaml", "meta.yaml"):
            if git.show_file(ref, f"{folder}/{name}") is not None:
                return f"{folder}/{name}"
    return recipe_file(project).relative_to(project.root).as_posix()


def recipe_build_number(project: Project, git: Git, ref: str) -> int:
    rel = recipe_rel(project, git, ref)
    text = git.show_file(ref, rel)
    if text is None:
        raise PreconditionFailed(f"{ref} has no conda recipe in {project.settings['conda.recipe']}",
                                 "a rebuild changes the recipe the release was built with")
    return numbers.build_number(text)


def release_sdist(project: Project, version: str, *, dry_run: bool = False) -> Path:
    """The version's sdist: from ``dist/`` when it is there, else downloaded from the index into it."""
    here = sorted(project.dist_dir.glob(f"*-{version}.tar.gz")) if project.dist_dir.is_dir() else []
    if here:
        return here[0]
    root = index_root(pypi_target(project)[2])
    links = condadeps.project_links(root, project.package)
    found = numbers.offer(project.package, links, numbers.pip_specifier(f"x =={version}"))
    if found.version != version or found.sdist is None or not found.sdist.endswith(".tar.gz"):
        raise PreconditionFailed(f"no sdist of {project.package} {version} in {project.dist_dir} or on {root}",
                                 "a rebuild repackages a released version: check --version")
    if dry_run:
        ui.info(f"[dry-run] would download {found.sdist} from {root} into {project.dist_dir}")
        return project.dist_dir / found.sdist
    path = condadeps.download(links[found.sdist], project.dist_dir)
    ui.info(f"took {found.sdist} from {root}")
    return path


def channel_records(project: Project, name: str) -> list[tuple[str, str, int, str | None]]:
    """(filename, version, build number, sha256) of ``name`` on the upload target's label, as conda reads it."""
    where = install_channel(project, project.settings["conda.label"])
    records = condadeps.query([where], [name], list(project.settings["conda.platforms"]))
    return [(r.file_name, r.version, r.build_number, r.sha256) for r in records.get(name, [])]


def taken(project: Project, version: str, number: int, sdist: Path, *, ours_ok: bool = False) -> list[str]:
    """Files of ``version`` with build ``number`` already on the channel. With ``ours_ok`` (a resumed
    or repeated rebuild, whose recipe holds that number already) a file built here with the same
    bytes is this rebuild's own upload, not a taken name."""
    name = conda_recipe(project, version, sdist)["package"]["name"]
    try:
        records = channel_records(project, name)
    except ReleasekitError:
        return []  # an unreadable channel: the upload's existence check has the last word
    ours = {p.name: conda.file_digests(p)[0] for p in built(project, version, number)} if ours_ok else {}
    there = numbers.taken_builds([(f, v, n) for f, v, n, _ in records], version, number)
    shas = {f: sha for f, _, _, sha in records}
    return [f for f in there if ours.get(f) is None or ours[f] != shas.get(f)]


def refuse_taken_build(project: Project, version: str) -> None:
    """Before a build: the recipe's build number for ``version`` must not be on the channel already
    (a conda filename is never accepted twice)."""
    sdist = sdist_of(project, version)
    recipe = conda_recipe(project, version, sdist)
    number = int((recipe.get("build") or {}).get("number") or 0)
    files = taken(project, version, number, sdist)
    if files:
        raise FilenameTaken(f"{recipe['package']['name']} {version} build {number} is already on the channel "
                            f"({', '.join(files)})",
                            f"a recipe fix needs a new build number: run `{TASK} --version {version}`")


def refuse_taken_number(project: Project, version: str, number: int, sdist: Path, *, ours_ok: bool) -> None:
    files = taken(project, version, number, sdist, ours_ok=ours_ok)
    if files:
        raise FilenameTaken(f"build {number} of {version} is already on the channel ({', '.join(files)})",
                            f"pass another --build-number to `{TASK}` (a channel never takes a filename twice)")


def built(project: Project, version: str, number: int) -> list[Path]:
    out = project.settings.path("conda.output")
    found = []
    for path in sorted(out.glob("*/*")) if out.is_dir() else []:
        if conda.is_package_file(path) and path.parent.name not in ("broken", "deps"):
            info = conda.package_info(path)
            if info.version == version and info.build.endswith(f"_{number}"):
                found.append(path)
    return found


def set_recipe_number(project: Project, git: Git, number: int, version: str, branch: str) -> None:
    """Set the literal on ``branch``, commit and push it (the release's other files untouched)."""
    if git.current_branch() != branch:
        git.checkout(branch)
    path = recipe_file(project)
    text = fileio.read_text(path)
    new = numbers.set_build_number(text, number)
    git.shell.write_file(path, new, label=recipe_rel(project))
    git.commit([recipe_rel(project)], f"conda: build number {number} for {version}")
    git.push(project.settings["remote"], branch)


def rebuild(project: Project, sh, version: str, number: int) -> list[Path]:
    """Build ``version`` again from its sdist with the recipe as it is now, refusing a taken number first."""
    sdist = release_sdist(project, version, dry_run=sh.dry_run)
    if sh.dry_run:
        ui.info(f"[dry-run] would build the conda package of {version} with build number {number}")
        return []
    refuse_taken_number(project, version, number, sdist, ours_ok=True)
    paths = build_conda(project, sh, version)
    return [p for p in paths if conda.package_info(p).build.endswith(f"_{number}")]


def upload_build(project: Project, sh, version: str, number: int) -> None:
    s = project.settings
    files = built(project, version, number)
    if not files:
        raise PreconditionFailed(f"no conda package of {version} build {number} in {s['conda.output']}",
                                 f"run `{TASK}` again: its build step makes it")
    if s["conda.channel_dir"]:
        done = channel.upload(files, s.path("conda.channel_dir"), s["conda.label"], dry_run=sh.dry_run)
        names = done.uploaded
    else:
        names = anaconda.upload(sh, files, s["conda.user"], s["conda.label"],
                                token=os.environ.get("ANACONDA_API_TOKEN")).uploaded
    for name in names:
        ui.info(("[dry-run] would upload " if sh.dry_run else "uploaded ") + name)


def uploaded_build(project: Project, version: str, number: int) -> bool:
    files = built(project, version, number)
    if not files:
        return False
    s = project.settings
    have: dict[str, str | None]
    if s["conda.channel_dir"]:
        have = dict(channel.existing(s.path("conda.channel_dir"), s["conda.label"]))
    else:
        info = conda.package_info(files[0])
        remote = anaconda.existing_files(anaconda.api_url_for(None), s["conda.user"], info.name, version,
                                         os.environ.get("ANACONDA_API_TOKEN"))
        have = {b: d.get("sha256") for b, d in remote.items() if s["conda.label"] in d["labels"]}
    return all(have.get(conda.package_info(p).basename) == conda.file_digests(p)[0] for p in files)


def verify_build(project: Project, version: str, number: int) -> None:
    """Install exactly the new build from the channel into a clean prefix and import it."""
    import shutil
    import subprocess
    import tempfile

    name = conda.package_info(built(project, version, number)[0]).name
    where = install_channel(project, project.settings["conda.label"])
    prefix = Path(tempfile.mkdtemp(prefix="releasekit-conda-verify-"))
    try:
        records = conda.install_from_channel(where, f"{name} =={version} *_{number}", prefix / "env",
                                             extra_channels=verify_channels(project))
        mine = [r for r in records if r.startswith(f"{name}=")]
        if not mine or not mine[0].endswith(f"_{number}"):
            raise VerifyFailed(f"the install from {where} took {mine or 'nothing'}, not build {number}")
        code = f"import {project.import_name}"
        out = subprocess.run([str(conda.prefix_python(prefix / "env")), "-I", "-c", code], capture_output=True,
                             text=True, cwd=prefix, check=False)
        if out.returncode != 0:
            raise VerifyFailed(f"`{code}` failed in a fresh conda environment: "
                               f"{(out.stderr.strip().splitlines() or ['no output'])[-1]}")
    finally:
        shutil.rmtree(prefix, ignore_errors=True)
    ui.info(f"conda: {name} {version} build {number} installed from {where} into a fresh prefix and imported")


def build_new_conda_package(project: Project, sh: Shell, version: str) -> list[Path]:
    """`dist.conda`: conda switched on, a build number the channel does not have yet (else this module's
    rebuild task is named), then the build."""
    require_conda(project, "dist.conda")
    if not sh.dry_run:
        refuse_taken_build(project, version)
    return build_conda(project, sh, version)
