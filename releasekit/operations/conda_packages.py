"""The project's conda package: whether it has one, its recipe rendered for a release, the build,
the recipe's lint and its drift from the Python requirements."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from releasekit.adapters import conda, pypi
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


def conda_enabled(project: Project) -> bool:
    recipe = project.settings.path("conda.recipe")
    return recipe.is_dir() and any((recipe / n).exists() for n in ("meta.yaml", "recipe.yaml"))


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


def requirement_drift(project: Project, version: str, recipe: dict):
    wheels = [p for p in release_artifacts(project, version) if p.name.endswith(".whl")]
    pip_requires = pypi.built_requires(wheels[0]) if wheels else \
        list(project._pyproject.get("project", {}).get("dependencies", []))
    requirements = recipe.get("requirements") or {}
    if not isinstance(requirements, dict) or not isinstance(requirements.get("run") or [], list):
        raise RecipeError("the conda recipe's `requirements` should be a mapping with a `run` list",
                          "see `releasekit verify.recipe`")
    run = requirements.get("run") or []
    return condarecipe.compare_requirements(pip_requires, [r for r in run if isinstance(r, str)],
                                            project.settings["conda.name_map"])


def conda_preflight(project: Project) -> list[str]:
    import shutil as _shutil

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


def write_conda_recipe(project: Project, sh: Shell, *, fmt: str = "v1", force: bool = False) -> None:
    """A conda recipe from the project's metadata (noarch python, mapped dependencies, import test)."""
    folder = project.settings.path("conda.recipe")
    target = folder / ("recipe.yaml" if fmt == "v1" else "meta.yaml")
    existing = [p.name for p in (folder.glob("*.yaml") if folder.is_dir() else []) if p.name in ("recipe.yaml", "meta.yaml")]
    if existing and not (force or sh.dry_run):
        raise ReleasekitError(f"{folder.name}/ already has {', '.join(existing)}", "pass --force to overwrite")
    version = project.version()
    built = [p for p in release_artifacts(project, version) if p.name.endswith(".whl")]
    if built:  # the built metadata is right whatever the build backend (setup.py, pyproject, ...)
        requires, about = pypi.built_requires(built[0]), pypi.built_about(built[0])
    else:
        meta = project._pyproject.get("project", {})
        license_ = meta.get("license")
        requires = list(meta.get("dependencies", []))
        about = {"summary": meta.get("description", ""), "homepage": next(iter((meta.get("urls") or {}).values()), ""),
                 "license": license_.get("text", "") if isinstance(license_, dict) else (license_ or "")}
    text = condarecipe.generate_recipe(
        project.package, version, requires, summary=about["summary"], license=about["license"],
        homepage=about["homepage"], import_name=project.import_name, mapping=project.settings["conda.name_map"],
        sdist_path=f"../{project.settings['dist.dir']}/{project.package}-{version}.tar.gz", fmt=fmt,
        python_requires=project._pyproject.get("project", {}).get("requires-python"))
    if not sh.dry_run:
        folder.mkdir(parents=True, exist_ok=True)
    sh.write_file(target, text, label=str(target.relative_to(project.root)))
