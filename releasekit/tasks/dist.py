"""dist: build sdist, wheel (and conda packages) from a clean export of the release commit; check them."""

from __future__ import annotations

import importlib.util
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

from invoke import Collection

from releasekit.adapters.git import Git
from releasekit.adapters.shell import Shell
from releasekit.core import ui
from releasekit.core.errors import (
    ArtifactCheckFailed,
    PreconditionFailed,
    ReleasekitError,
    problems_message,
)
from releasekit.core.project import Project
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


def build_pypi(project: Project, sh: Shell, git: Git, ref: str, *, sdist: bool = True, wheel: bool = True,
               out_dir: Path | None = None) -> list[Path]:
    from releasekit.adapters import pypi

    s = project.settings
    with exported(git, ref) as src:
        paths = pypi.build(sh, src, out_dir or project.dist_dir, sdist=sdist, wheel=wheel,
                           isolation=s["dist.isolation"], installer=s["dist.installer"])
    if paths:
        ui.table(("file", "size", "sha256"), pypi.artifact_table(paths), title=f"built from {ref}")
    return paths


def check_artifacts(project: Project, sh: Shell, git: Git, paths: list[Path], version: str, ref: str) -> None:
    """Everything that would make a published release broken, reported before anything is uploaded."""
    from releasekit.adapters import pypi

    if not paths:
        raise PreconditionFailed(f"no artifacts of {version} in {project.dist_dir}", "run `releasekit dist.pypi` first")
    problems = []
    hint = "fix them and rebuild (`releasekit dist.clean dist.pypi`); nothing was uploaded"
    for path in paths:
        built = pypi.built_version(path)
        if built != version:
            problems.append(f"{path.name} carries version {built}, not {version}")
    sdists = [p for p in paths if p.name.endswith((".tar.gz", ".zip"))]
    if sdists:
        tracked = git.ls_files(ref)
        recipe_dir = project.settings["conda.recipe"].strip("/")
        ignore = [*pypi.DEFAULT_SDIST_IGNORE, f"{recipe_dir}/*", *project.settings["dist.check_ignore"]]
        missing = pypi.sdist_missing_files(sdists[0], tracked, ignore)
        if missing:
            problems.append(missing_files_problem(sdists[0].name, missing))
            globs = ", ".join(f'"{g}"' for g in pypi.covering_globs(missing))
            hint = (f"ship them (MANIFEST.in or package data) or, if they need not ship, set `dist.check_ignore` "
                    f"to [{globs}]; then rebuild (`releasekit dist.clean dist.pypi`); nothing was uploaded")
    for path in paths:
        twice = pypi.duplicate_members(path)
        if twice:
            problems.append(f"{path.name} stores {', '.join(twice[:5])}{' ...' if len(twice) > 5 else ''} more than once")
    for big in pypi.oversized(paths, project.settings["dist.max_file_size"]):
        problems.append(f"too large: {big}")
    try:
        pypi.twine_check(sh, paths)
    except ReleasekitError as exc:
        problems.append(exc.message)
    if problems:
        if len(problems) > 1:
            for p in problems:
                ui.info(f"  - {p}")
        raise ArtifactCheckFailed(problems_message(problems, f"with the artifacts of {version}"), hint)
    ui.info(f"artifacts of {version} pass the checks")


def deps_index_url(project: Project) -> str | None:
    """Where dependencies and build backends of clean installs may also come from: ``pypi.deps_index_url``,
    else PyPI's simple index when the target is TestPyPI, else nowhere but the target index."""
    from releasekit.adapters import pypi
    from releasekit.tasks.upload import index_root, pypi_target

    configured = project.settings["pypi.deps_index_url"]
    if configured is not None:
        return configured or None  # an empty string switches the default off
    _repo, url, page = pypi_target(project)
    return pypi.default_deps_index(url, index_root(page))


def check_provenance(env, package: str, requirement: str, expected: dict[str, str]):
    """The file the last install took ``package`` from must be one of ``expected`` (name -> sha256), byte
    for byte: another index may serve the same version too (dependency confusion). Returns that file
    (None when nothing was expected)."""
    from releasekit.core import provenance
    from releasekit.core.errors import VerifyFailed

    installed = env.installed_from(package)
    problem = provenance.mismatch(requirement, installed, expected)
    if problem:
        raise VerifyFailed(problem, "another index serves a file of this very release: remove it there, or drop "
                                    "that index from `pypi.deps_index_url`")
    return installed if expected else None


def deps_index_problems(project: Project, version: str) -> list[str]:
    """The deps index must answer before the rite changes anything; one that already serves this version
    of the package is told now (its file, not the release's, could be installed)."""
    from releasekit.adapters import index

    try:
        url = deps_index_url(project)
    except ReleasekitError:  # an unusable repository is reported by the upload preflight
        return []
    if not url:
        return []
    try:
        served = index.files_for_version(index.fetch_files(index.simple_url("", project.package, url)),
                                         project.package, version)
    except ReleasekitError as exc:
        return [f"the deps index (pypi.deps_index_url) is not usable: {exc.message}"]
    if served:
        ui.warn(f"the deps index {url} already serves {project.package} {version} ({', '.join(sorted(served))}): "
                "the clean installs fail if the installer takes such a file instead of the release's")
    return []
def missing_files_problem(sdist_name: str, missing: list[str], shown: int = 3) -> str:
    """How many tracked files the sdist lacks, the first few by name; all of them go to the log."""
    from releasekit.core import releaselog

    log = releaselog.active()
    if log is not None:
        log.write(f"{sdist_name} lacks {len(missing)} tracked file(s):\n" + "\n".join(f"  {m}" for m in missing))
    names = ", ".join(missing[:shown]) + (f" and {len(missing) - shown} more" if len(missing) > shown else "")
    listed = " (all listed in the log)" if log is not None and len(missing) > shown else ""
    return f"{sdist_name} lacks {len(missing)} tracked file(s): {names}{listed}"


def verify_local(project: Project, sh: Shell, paths: list[Path], version: str) -> list[tuple[str, str, str]]:
    """Install each artifact alone in a fresh hermetic env, import it, compare the version, smoke-test."""
    from releasekit.adapters import pypi
    from releasekit.adapters.envs import clean_env
    from releasekit.tasks.upload import index_root, pypi_target

    # Dependencies (and an sdist's build backend) come from the target index and the deps index only.
    target_index = index_root(pypi_target(project)[2])
    deps_index = deps_index_url(project)
    rows = []
    for path in paths:
        with clean_env(sh) as env:
            needs_index = path.name.endswith((".tar.gz", ".zip")) or _has_deps(path)
            env.install([path], index_url=target_index if needs_index else None,
                        extra_index_urls=[deps_index] if deps_index and needs_index else [], report=True)
            check_provenance(env, project.package, path.name, {path.name: pypi.sha256(path)})
            got = check_installed(project, env, version, path.name)
            rows.append((path.name, got, "import ok" + (", smoke ok" if project.settings["smoke_command"] else "")))
    ui.table(("artifact", "version", "checks"), rows, title="installed in clean environments")
    return rows


def check_installed(project: Project, env, version: str, what: str) -> str:
    """In a clean env holding the package: import it, compare its version, run the smoke command."""
    from releasekit.core.errors import VerifyFailed

    got = env.check_import(project.import_name, project.package)
    if got != version:
        raise VerifyFailed(f"{what} installs version {got}, not {version}")
    smoke = project.settings["smoke_command"]
    if smoke:
        env.python(["-c", smoke])
    return got


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


# --- conda --------------------------------------------------------------------------------------------------------


def conda_builder(project: Project) -> str:
    from releasekit.adapters import conda

    return conda.builder_for(project.settings["conda.builder"], project.settings.path("conda.recipe"))


def sdist_of(project: Project, version: str) -> Path:
    sdists = [p for p in release_artifacts(project, version) if p.name.endswith(".tar.gz")]
    if not sdists:
        raise PreconditionFailed(f"no sdist of {version} in {project.dist_dir}; conda packages are built from it",
                                 "run `releasekit dist.sdist` (or `dist.pypi`) first")
    return sdists[0]


def conda_recipe(project: Project, version: str, sdist: Path) -> dict:
    """The recipe as a v1 dict built from ``sdist``, its version set to the release's."""
    from releasekit.adapters import conda
    from releasekit.core import condarecipe
    from releasekit.core.errors import RecipeError

    try:
        recipe = conda.load_recipe(project.settings.path("conda.recipe"), sdist=sdist)
    except RecipeError as exc:
        if exc.hint != condarecipe.CONVERT_HINT or project.settings["conda.builder"] != "conda-build":
            raise
        # conda-build is the builder already: say what is left to do, not what was done.
        missing = conda.conda_build_missing()
        raise RecipeError(exc.message, missing.message if missing else
                          "conda-build builds it, but releasekit's recipe checks render meta.yaml without "
                          "conda-build: simplify that part of the recipe") from None
    # The release version is the truth: a v1 recipe's `${{ version }}` or literal version follows it.
    context = recipe.get("context")
    if isinstance(context, dict) and "version" in context:
        context["version"] = version
    package = recipe.get("package")
    if isinstance(package, dict) and "${{" not in str(package.get("version", "${{")):
        package["version"] = version
    return recipe


def build_conda(project: Project, sh: Shell, version: str) -> list[Path]:
    """Build the conda package from this version's sdist (never the working tree); its tests run."""
    from releasekit.adapters import conda, pypi

    s = project.settings
    out = s.path("conda.output")
    builder = conda_builder(project)
    if sh.dry_run:
        ui.info(f"[dry-run] would build the conda package of {version} with {builder} into {out}")
        return []
    sdist = sdist_of(project, version)
    if builder == "conda-build":
        paths = conda.build_with_conda_build(sh, s.path("conda.recipe"), s["conda.channels"], out)
    else:
        paths = conda.build_with_rattler(conda_recipe(project, version, sdist), sdist=sdist, output_dir=out,
                                         channels=s["conda.channels"], package_format=s["conda.package_format"])
    ui.table(("package", "size", "sha256"), pypi.artifact_table(paths), title=f"conda package ({builder})")
    return paths


def conda_artifacts(project: Project, version: str) -> list[Path]:
    """Conda packages of ``version`` in the conda output folder (any subdir)."""
    from releasekit.adapters import conda

    out = project.settings.path("conda.output")
    if not out.is_dir():
        return []
    found = []
    for path in sorted(out.glob("*/*")):
        if conda.is_package_file(path) and path.parent.name != "broken":
            info = conda.package_info(path)
            if info.version == version:
                found.append(path)
    return found


def lint_conda_recipe(project: Project, version: str, sdist: Path) -> dict:
    """The recipe built from ``sdist``, or the problems that would make its conda release wrong."""
    from releasekit.core import condarecipe

    recipe = conda_recipe(project, version, sdist)
    problems = condarecipe.lint_recipe(recipe, version)
    if problems:
        raise ArtifactCheckFailed(f"the conda recipe has {len(problems)} problem(s): " + "; ".join(problems),
                                  "fix conda/ (see `releasekit verify.recipe`)")
    return recipe


def check_conda(project: Project, version: str) -> None:
    """Lint the recipe; report drift between pip and conda requirements (a warning here, an error in
    `verify.deps`)."""
    recipe = lint_conda_recipe(project, version, sdist_of(project, version))
    drift = requirement_drift(project, version, recipe)
    for line in drift.lines():
        ui.warn(f"conda requirements drift: {line} (see `releasekit verify.deps`)")


def requirement_drift(project: Project, version: str, recipe: dict):
    from releasekit.adapters import pypi
    from releasekit.core import condarecipe

    wheels = [p for p in release_artifacts(project, version) if p.name.endswith(".whl")]
    pip_requires = pypi.built_requires(wheels[0]) if wheels else \
        list(project._pyproject.get("project", {}).get("dependencies", []))
    from releasekit.core.errors import RecipeError

    requirements = recipe.get("requirements") or {}
    if not isinstance(requirements, dict) or not isinstance(requirements.get("run") or [], list):
        raise RecipeError("the conda recipe's `requirements` should be a mapping with a `run` list",
                          "see `releasekit verify.recipe`")
    run = requirements.get("run") or []
    return condarecipe.compare_requirements(pip_requires, [r for r in run if isinstance(r, str)],
                                            project.settings["conda.name_map"])


def conda_preflight(project: Project) -> list[str]:
    import shutil as _shutil

    from releasekit.adapters import conda

    problems = []
    try:
        builder = conda_builder(project)
    except ReleasekitError as exc:
        return [exc.message]
    if builder == "conda-build" and conda.conda_build_missing():
        problems.append(conda.CONDA_BUILD_MISSING)
    if builder == "rattler-build" and importlib.util.find_spec("rattler_build") is None:
        problems.append("py-rattler-build is missing (needed for dist.conda): pip install 'releasekit[conda]'")
    s = project.settings
    if "upload" not in s["skip_steps"] and not s["conda.channel_dir"]:
        if not s["conda.user"]:
            problems.append("no conda upload target: set `conda.user` (anaconda.org) or `conda.channel_dir`")
        elif _shutil.which("anaconda") is None:
            problems.append("the `anaconda` program is missing (needed for upload.conda): pip install anaconda-client")
    return problems


def preflight_problems(rite) -> list[str]:
    """Tools, credentials, the version's absence from the target index, the verify hosts: every input
    checked before anything changes."""
    from releasekit.tasks.upload import pypi_preflight

    problems = []
    for module, why in (("build", "building"), ("twine", "checking and uploading")):
        if importlib.util.find_spec(module) is None:
            problems.append(f"python package '{module}' is missing (needed for {why}): pip install {module}")
    skip = set(rite.settings["skip_steps"])
    if "upload" not in skip:
        problems += pypi_preflight(rite.project, rite.release.version)
    problems += deps_index_problems(rite.project, rite.release.version)
    if conda_enabled(rite.project) and "build" not in skip:
        problems += conda_preflight(rite.project)
    if rite.hosts:
        from releasekit.tasks.verify import hosts_preflight

        problems += hosts_preflight(rite.project, rite.hosts, reach="verify" not in skip)
    return problems


# --- rite steps ------------------------------------------------------------------------------------------------------


def build_release(rite) -> None:
    r = rite.release
    if rite.dry_run:  # the tag does not exist yet: nothing to export
        for cmd in build_commands(rite):
            ui.info(f"[dry-run] would run: {cmd}")
        return
    if not build_pypi_done(rite):
        rite.artifacts = build_pypi(rite.project, rite.shell, rite.git, r.tag)
    if conda_enabled(rite.project):
        rite.conda_artifacts = build_conda(rite.project, rite.shell, r.version)
    else:
        ui.info(f"no conda recipe in {rite.settings['conda.recipe']}: the conda steps are skipped")


def preview_release(rite) -> None:
    """Build HEAD into a scratch folder and check it before the rite changes anything: a README that
    does not render or a file missing from the sdist is found while it can be fixed on main, not
    after the tag is pushed (the release's own artifacts are still built from the tag)."""
    r = rite.release
    if rite.dry_run:
        for cmd in preview_commands(rite):
            ui.info(f"[dry-run] would run: {cmd}")
        return
    scratch = Path(tempfile.mkdtemp(prefix="releasekit-preview-"))
    try:
        paths = build_pypi(rite.project, rite.shell, rite.git, "HEAD", out_dir=scratch)
        check_artifacts(rite.project, rite.shell, rite.git, paths, r.from_version, "HEAD")
        sdists = [p for p in paths if p.name.endswith(".tar.gz")]
        if conda_enabled(rite.project) and sdists:  # a broken recipe, found before the tag too
            lint_conda_recipe(rite.project, r.from_version, sdists[0])
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def preview_commands(rite) -> list[str]:
    cmds = ["git archive HEAD | tar -x -C TMP", "python -m build --outdir PREVIEW TMP",
            "python -m twine check --strict PREVIEW/*", "compare the sdist with git ls-files"]
    if conda_enabled(rite.project):
        cmds.append("lint the conda recipe against the PREVIEW sdist")
    return cmds


def build_pypi_done(rite) -> bool:
    paths = release_artifacts(rite.project, rite.release.version)
    return any(p.name.endswith((".tar.gz", ".zip")) for p in paths) and any(p.name.endswith(".whl") for p in paths)


def build_done(rite) -> bool:
    """Artifacts already built for this version are kept: rebuilding would change their hashes
    and make a half-done upload impossible to finish."""
    if not build_pypi_done(rite):
        return False
    return not conda_enabled(rite.project) or bool(conda_artifacts(rite.project, rite.release.version))


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
        check_conda(rite.project, r.version)
    if rite.journal is not None and not rite.dry_run:
        rite.journal.remember("checked", _fingerprints(rite))


def _fingerprints(rite) -> dict[str, str]:
    from releasekit.adapters.pypi import sha256

    paths = release_artifacts(rite.project, rite.release.version)
    if conda_enabled(rite.project):
        paths += conda_artifacts(rite.project, rite.release.version)
    return {p.name: sha256(p) for p in paths}


def check_done(rite) -> bool:
    """Checked means: these very files passed. A rebuilt or replaced artifact is checked again
    before anything uploads it."""
    checked = rite.journal.recall("checked") if rite.journal is not None else None
    return bool(checked) and build_done(rite) and checked == _fingerprints(rite)


def check_commands(rite) -> list[str]:
    return ["python -m twine check --strict dist/*", "compare the sdist with git ls-files",
            f"install each artifact in a fresh venv{deps_note(rite.project)}; the installed file's sha256 is the "
            "artifact's; import; compare the version"]


def deps_note(project: Project) -> str:
    """For plans: where dependencies of clean installs may also come from ("" when only the target index)."""
    try:
        url = deps_index_url(project)
    except ReleasekitError:  # an unusable repository is preflight's to report
        return ""
    return f" (dependencies also from {url})" if url else ""


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
    """twine check --strict, sdist contents against git, file sizes, duplicate entries, built version."""
    from releasekit.tasks.git import git_for

    project = load_project(c)
    git = git_for(c, project)
    version = project.version()
    check_artifacts(project, shell(c), git, release_artifacts(project, version), version, _ref_for(project, git, ref))


@task(help={"dry_run": "print what would be removed"})
def clean(c, dry_run=False):
    """Remove the dist and conda output folders."""
    clean_dist(load_project(c), shell(c, dry_run))


@task(help={"version": "version to build (default: the version file's)", "dry_run": "print, build nothing"})
def conda(c, version=None, dry_run=False):
    """Build the conda package from the version's sdist (rattler-build or conda-build); its tests run."""
    project = load_project(c)
    build_conda(project, shell(c, dry_run), version or project.version())


@task(name="conda-recipe", help={"format": "v1 (recipe.yaml) or meta.yaml", "force": "overwrite an existing recipe",
                                 "dry_run": "print the recipe, write nothing"})
def conda_recipe_(c, format="v1", force=False, dry_run=False):
    """Write a conda recipe from the project's metadata (noarch python, mapped dependencies, import test)."""
    from releasekit.core import condarecipe

    project = load_project(c)
    folder = project.settings.path("conda.recipe")
    target = folder / ("recipe.yaml" if format == "v1" else "meta.yaml")
    existing = [p.name for p in (folder.glob("*.yaml") if folder.is_dir() else []) if p.name in ("recipe.yaml", "meta.yaml")]
    if existing and not (force or dry_run):
        raise ReleasekitError(f"{folder.name}/ already has {', '.join(existing)}", "pass --force to overwrite")
    from releasekit.adapters import pypi as _pypi

    version = project.version()
    built = [p for p in release_artifacts(project, version) if p.name.endswith(".whl")]
    if built:  # the built metadata is right whatever the build backend (setup.py, pyproject, ...)
        requires, about = _pypi.built_requires(built[0]), _pypi.built_about(built[0])
    else:
        meta = project._pyproject.get("project", {})
        license_ = meta.get("license")
        requires = list(meta.get("dependencies", []))
        about = {"summary": meta.get("description", ""), "homepage": next(iter((meta.get("urls") or {}).values()), ""),
                 "license": license_.get("text", "") if isinstance(license_, dict) else (license_ or "")}
    text = condarecipe.generate_recipe(
        project.package, version, requires, summary=about["summary"], license=about["license"],
        homepage=about["homepage"], import_name=project.import_name, mapping=project.settings["conda.name_map"],
        sdist_path=f"../{project.settings['dist.dir']}/{project.package}-{version}.tar.gz", fmt=format,
        python_requires=project._pyproject.get("project", {}).get("requires-python"))
    if not dry_run:
        folder.mkdir(parents=True, exist_ok=True)
    shell(c, dry_run).write_file(target, text, label=str(target.relative_to(project.root)))


ns = Collection("dist")
for t in (pypi, sdist, wheel, check, clean, conda, conda_recipe_):
    ns.add_task(t)
