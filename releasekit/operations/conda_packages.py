"""The project's conda package: whether it has one, its recipe rendered for a release, the build,
the recipe's lint and its drift from the Python requirements."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from releasekit.adapters import conda, pymeta, pypi
from releasekit.adapters.shell import Shell
from releasekit.core import condarecipe, ui
from releasekit.core.errors import (
    ArtifactCheckFailed,
    PreconditionFailed,
    RecipeError,
    ReleasekitError,
)
from releasekit.core.project import Project
from releasekit.operations.building import release_artifacts


def has_recipe(project: Project) -> bool:
    recipe = project.settings.path("conda.recipe")
    return recipe.is_dir() and any((recipe / n).exists() for n in ("meta.yaml", "recipe.yaml"))


def conda_enabled(project: Project) -> bool:
    """``conda.enabled`` when set (false switches every conda step and task off), else: a recipe exists."""
    enabled = project.settings["conda.enabled"]
    return has_recipe(project) if enabled is None else bool(enabled)


def require_conda(project: Project, what: str) -> None:
    """Refuse a conda task when conda is switched off."""
    if not conda_enabled(project):
        if project.settings["conda.enabled"] is False:
            raise PreconditionFailed(f"conda is switched off (`conda.enabled: false`): {what} does nothing",
                                     "set `conda.enabled: true` (or remove it) to use the conda tasks")
        raise PreconditionFailed(f"no conda recipe in {project.settings['conda.recipe']}: {what} needs one",
                                 "write one with `releasekit dist.conda-recipe`, or set `conda.recipe`")


def conda_target_kind(settings) -> str:
    """anaconda | channel-dir | conda-forge: ``conda.target``, else from ``conda.channel_dir``."""
    return settings["conda.target"] or ("channel-dir" if settings["conda.channel_dir"] else "anaconda")


def conda_builder(project: Project) -> str:
    return conda.builder_for(project.settings["conda.builder"], project.settings.path("conda.recipe"))


def sdist_of(project: Project, version: str) -> Path:
    sdists = [p for p in release_artifacts(project, version) if p.name.endswith(".tar.gz")]
    if not sdists:
        raise PreconditionFailed(f"no sdist of {version} in {project.dist_dir}; conda packages are built from it",
                                 "run `releasekit dist.sdist` (or `dist.pypi`) first")
    return sdists[0]


def conda_recipe(project: Project, version: str, sdist: Path) -> dict:
    """The recipe as a v1 dict built from ``sdist``, its version set to the release's."""
    require_conda(project, "the conda recipe")
    recipe = conda.load_recipe(project.settings.path("conda.recipe"), sdist=sdist, builder=conda_builder(project))
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
    require_conda(project, "dist.conda")
    s = project.settings
    out = s.path("conda.output")
    builder = conda_builder(project)
    if sh.dry_run:
        ui.info(f"[dry-run] would build the conda package of {version} with {builder} into {out}")
        return []
    conda.check_conda_build(builder)
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


def release_metadata(project: Project, version: str):
    """The release's Python metadata from whatever is built (wheel, else sdist), else the project's."""
    return pymeta.release_metadata(release_artifacts(project, version), project.root,
                                   isolated=project.settings["dist.isolation"])


def requirement_drift(project: Project, version: str, recipe: dict):
    pip_requires = list(release_metadata(project, version).dependencies)
    requirements = recipe.get("requirements") or {}
    if not isinstance(requirements, dict) or not isinstance(requirements.get("run") or [], list):
        raise RecipeError("the conda recipe's `requirements` should be a mapping with a `run` list",
                          "see `releasekit verify.recipe`")
    run = requirements.get("run") or []
    return condarecipe.compare_requirements(pip_requires, [r for r in run if isinstance(r, str)],
                                            project.settings["conda.name_map"])


def conda_preflight(project: Project, *, uploads_here: bool = True) -> list[str]:
    """What the conda steps need here. ``uploads_here`` false (``publish: ci``: CI's conda job uploads):
    no upload program; the target is still needed, to wait for the package there."""
    import shutil as _shutil

    problems = []
    try:
        builder = conda_builder(project)
    except ReleasekitError as exc:
        return [exc.message]
    try:
        conda.check_conda_build(builder)
    except ReleasekitError as exc:
        problems.append(exc.message)
    if builder == "rattler-build" and importlib.util.find_spec("rattler_build") is None:
        problems.append("py-rattler-build is missing (needed for dist.conda): pip install 'releasekit[conda]'")
    s = project.settings
    kind = conda_target_kind(s)
    if kind == "channel-dir" and not s["conda.channel_dir"]:
        problems.append("`conda.target: channel-dir` needs `conda.channel_dir`")
    if "upload" not in s["skip_steps"] and kind == "anaconda":
        if not s["conda.user"]:
            problems.append("no conda upload target: set `conda.user` (anaconda.org) or `conda.channel_dir`")
        elif uploads_here and s["conda.uploader"] == "anaconda-client" and _shutil.which("anaconda") is None:
            problems.append("the `anaconda` program is missing (needed for upload.conda): pip install anaconda-client")
    return problems
