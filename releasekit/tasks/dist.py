"""dist: build sdist, wheel (and conda packages) from a clean export of the release commit; check them."""

from __future__ import annotations

import importlib.util
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

from invoke import Collection

from releasekit import ui
from releasekit.adapters.git import Git
from releasekit.adapters.shell import Shell
from releasekit.errors import ArtifactCheckFailed, PreconditionFailed, ReleasekitError
from releasekit.project import Project
from releasekit.tasks.base import load_project, shell, task

# --- plain functions ------------------------------------------------------------------------------------------


def release_artifacts(project: Project, version: str) -> list[Path]:
    """The sdist and wheels of ``version`` in the dist folder (wheels first)."""
    from packaging.utils import canonicalize_name
    from packaging.version import Version

    from releasekit.adapters import index

    folder = project.dist_dir
    if not folder.is_dir():
        return []
    found = []
    for path in sorted(folder.iterdir()):
        parsed = index.parse_filename(path.name)
        if parsed and parsed[0] == canonicalize_name(project.package) and parsed[1] == Version(version):
            found.append(path)
    return sorted(found, key=lambda p: (not p.name.endswith(".whl"), p.name))


@contextmanager
def exported(git: Git, ref: str):
    """A temporary clean export of ``ref``: tracked files only, so untracked data never leaks in."""
    tmp = Path(tempfile.mkdtemp(prefix="releasekit-export-"))
    try:
        yield git.export(ref, tmp / "src")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def build_pypi(project: Project, sh: Shell, git: Git, ref: str, *, sdist: bool = True, wheel: bool = True) -> list[Path]:
    from releasekit.adapters import pypi

    s = project.settings
    with exported(git, ref) as src:
        paths = pypi.build(sh, src, project.dist_dir, sdist=sdist, wheel=wheel, isolation=s["dist.isolation"],
                           installer=s["dist.installer"])
    if paths:
        ui.table(("file", "size", "sha256"), pypi.artifact_table(paths), title=f"built from {ref}")
    return paths


def check_artifacts(project: Project, sh: Shell, git: Git, paths: list[Path], version: str, ref: str) -> None:
    """Everything that would make a published release broken, reported before anything is uploaded."""
    from releasekit.adapters import pypi

    if not paths:
        raise PreconditionFailed(f"no artifacts of {version} in {project.dist_dir}", "run `releasekit dist.pypi` first")
    problems = []
    for path in paths:
        built = pypi.built_version(path)
        if built != version:
            problems.append(f"{path.name} carries version {built}, not {version}")
    sdists = [p for p in paths if p.name.endswith((".tar.gz", ".zip"))]
    if sdists:
        tracked = git.ls_files(ref)
        missing = pypi.sdist_missing_files(sdists[0], tracked, project.settings["dist.check_ignore"] or None)
        if missing:
            shown = ", ".join(missing[:10]) + (" ..." if len(missing) > 10 else "")
            problems.append(f"{sdists[0].name} lacks tracked file(s): {shown} (MANIFEST.in or package data?)")
    for big in pypi.oversized(paths, project.settings["dist.max_file_size"]):
        problems.append(f"too large: {big}")
    try:
        pypi.twine_check(sh, paths)
    except ReleasekitError as exc:
        problems.append(exc.message)
    if problems:
        for p in problems:
            ui.info(f"  - {p}")
        raise ArtifactCheckFailed(f"{len(problems)} problem(s) with the artifacts of {version}: " + "; ".join(problems),
                                  "fix them and rebuild (`releasekit dist.clean dist.pypi`); nothing was uploaded")
    ui.info(f"artifacts of {version} pass the checks")


def verify_local(project: Project, sh: Shell, paths: list[Path], version: str) -> list[tuple[str, str, str]]:
    """Install each artifact alone in a fresh hermetic env, import it, compare the version, smoke-test."""
    from releasekit.adapters.envs import clean_env
    from releasekit.errors import VerifyFailed

    from releasekit.tasks.upload import index_root, pypi_target

    # Dependencies (and an sdist's build backend) come from the configured index only.
    deps_index = index_root(pypi_target(project)[2])
    rows = []
    for path in paths:
        with clean_env(sh) as env:
            needs_index = path.name.endswith((".tar.gz", ".zip")) or _has_deps(path)
            env.install([path], index_url=deps_index if needs_index else None)
            got = env.check_import(project.import_name, project.package)
            if got != version:
                raise VerifyFailed(f"{path.name} installs version {got}, not {version}")
            smoke = project.settings["smoke_command"]
            if smoke:
                env.python(["-c", smoke])
            rows.append((path.name, got, "import ok" + (", smoke ok" if smoke else "")))
    ui.table(("artifact", "version", "checks"), rows, title="installed in clean environments")
    return rows


def _has_deps(path: Path) -> bool:
    from releasekit.adapters import pypi

    try:
        return bool(pypi.built_requires(path))
    except ReleasekitError:  # an unreadable artifact fails its own check later
        return True


def clean_dist(project: Project, sh: Shell) -> None:
    for folder in (project.dist_dir, project.settings.path("conda.output")):
        if folder.exists():
            if sh.dry_run:
                ui.info(f"[dry-run] would remove {folder}")
            else:
                shutil.rmtree(folder)
                ui.info(f"removed {folder}")


def conda_enabled(project: Project) -> bool:
    recipe = project.settings.path("conda.recipe")
    return recipe.is_dir() and any((recipe / n).exists() for n in ("meta.yaml", "recipe.yaml"))


def preflight_problems(rite) -> list[str]:
    """Tools, credentials, and the version's absence from the target index: checked before anything changes."""
    from releasekit.tasks.upload import pypi_preflight

    problems = []
    for module, why in (("build", "building"), ("twine", "checking and uploading")):
        if importlib.util.find_spec(module) is None:
            problems.append(f"python package '{module}' is missing (needed for {why}): pip install {module}")
    skip = set(rite.settings["skip_steps"])
    if "upload" not in skip:
        problems += pypi_preflight(rite.project, rite.release.version)
    if conda_enabled(rite.project) and "build" not in skip:
        from releasekit.tasks.conda import conda_preflight

        problems += conda_preflight(rite.project)
    return problems


# --- rite steps ------------------------------------------------------------------------------------------------------


def build_release(rite) -> None:
    r = rite.release
    if rite.dry_run:  # the tag does not exist yet: nothing to export
        for cmd in build_commands(rite):
            ui.info(f"[dry-run] would run: {cmd}")
        return
    rite.artifacts = build_pypi(rite.project, rite.shell, rite.git, r.tag)
    if conda_enabled(rite.project):
        from releasekit.tasks.conda import build_conda

        rite.conda_artifacts = build_conda(rite.project, rite.shell, rite.artifacts or
                                           release_artifacts(rite.project, r.version), r.version)


def build_done(rite) -> bool:
    """Artifacts already built for this version are kept: rebuilding would change their hashes
    and make a half-done upload impossible to finish."""
    paths = release_artifacts(rite.project, rite.release.version)
    has_sdist = any(p.name.endswith((".tar.gz", ".zip")) for p in paths)
    has_wheel = any(p.name.endswith(".whl") for p in paths)
    if not (has_sdist and has_wheel):
        return False
    if conda_enabled(rite.project):
        from releasekit.tasks.conda import conda_artifacts

        if not conda_artifacts(rite.project, rite.release.version):
            return False
    return True


def build_commands(rite) -> list[str]:
    r = rite.release
    cmds = [f"git archive {r.tag} | tar -x -C TMP", f"python -m build --outdir {rite.settings['dist.dir']} TMP"]
    if conda_enabled(rite.project):
        cmds.append(f"build conda package from the sdist ({rite.settings['conda.builder']})")
    return cmds


def check_release(rite) -> None:
    r = rite.release
    paths = release_artifacts(rite.project, r.version)
    if rite.dry_run and not paths:
        ui.info("[dry-run] would check the artifacts and install them in clean environments")
        return
    check_artifacts(rite.project, rite.shell, rite.git, paths, r.version, r.tag)
    verify_local(rite.project, rite.shell, paths, r.version)
    if conda_enabled(rite.project):
        from releasekit.tasks.conda import check_conda

        check_conda(rite.project, rite.shell, r.version)


def check_commands(rite) -> list[str]:
    return ["python -m twine check --strict dist/*", "compare the sdist with git ls-files",
            "install each artifact in a fresh venv; import; compare the version"]


# --- tasks ----------------------------------------------------------------------------------------------------------


def _ref_for(project: Project, git: Git, ref: str | None) -> str:
    if ref:
        return ref
    tag = project.tag(project.version())
    if git.local_tag(tag):
        return tag
    ui.warn(f"no tag {tag} yet: building the last commit (HEAD); uncommitted changes are not included")
    return "HEAD"


def _build_task(c, ref, dry_run, sdist=True, wheel=True):
    from releasekit.tasks.git import git_for

    project = load_project(c)
    build_pypi(project, shell(c, dry_run), git_for(c, project, dry_run), _ref_for(project, git_for(c, project), ref),
               sdist=sdist, wheel=wheel)


_BUILD_HELP = {"ref": "commit or tag to build (default: the version's tag, else HEAD)",
               "dry_run": "print the commands, build nothing"}


@task(help=_BUILD_HELP)
def pypi(c, ref=None, dry_run=False):
    """Build sdist and wheel from a clean export of the release commit."""
    _build_task(c, ref, dry_run)


@task(help=_BUILD_HELP)
def sdist(c, ref=None, dry_run=False):
    """Build the sdist only, from a clean export."""
    _build_task(c, ref, dry_run, wheel=False)


@task(help=_BUILD_HELP)
def wheel(c, ref=None, dry_run=False):
    """Build the wheel only, from a clean export."""
    _build_task(c, ref, dry_run, sdist=False)


@task(help={"ref": "commit or tag the artifacts were built from (default: the version's tag, else HEAD)"})
def check(c, ref=None):
    """twine check --strict, sdist contents against git, file sizes, built version."""
    from releasekit.tasks.git import git_for

    project = load_project(c)
    git = git_for(c, project)
    version = project.version()
    check_artifacts(project, shell(c), git, release_artifacts(project, version), version, _ref_for(project, git, ref))


@task(help={"dry_run": "print what would be removed"})
def clean(c, dry_run=False):
    """Remove the dist and conda output folders."""
    clean_dist(load_project(c), shell(c, dry_run))


ns = Collection("dist")
for t in (pypi, sdist, wheel, check, clean):
    ns.add_task(t)
