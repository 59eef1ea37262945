"""dist: build sdist, wheel (and conda packages) from a clean export of the release commit; check them."""

from __future__ import annotations

from invoke import Collection

from releasekit.tasks.base import task
from releasekit.tasks.context import load_project, shell

# --- plain functions ------------------------------------------------------------------------------------------


# --- conda --------------------------------------------------------------------------------------------------------


# --- rite steps ------------------------------------------------------------------------------------------------------


# --- tasks ----------------------------------------------------------------------------------------------------------


def _build_task(c, ref, dry_run, sdist=True, wheel=True):
    from releasekit.operations.building import _ref_for, build_pypi
    from releasekit.tasks.context import git_for

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
    from releasekit.operations.artifact_checks import check_artifacts
    from releasekit.operations.building import _ref_for, release_artifacts
    from releasekit.tasks.context import git_for

    project = load_project(c)
    git = git_for(c, project)
    from releasekit.operations.version_edits import current_version

    version = current_version(project, git)
    check_artifacts(project, shell(c), git, release_artifacts(project, version), version, _ref_for(project, git, ref))


@task(help={"dry_run": "print what would be removed"})
def clean(c, dry_run=False):
    """Remove the dist and conda output folders."""
    from releasekit.operations.building import clean_dist

    clean_dist(load_project(c), shell(c, dry_run))


@task(help={"version": "version to build (default: the version file's)", "dry_run": "print, build nothing"})
def conda(c, version=None, dry_run=False):
    """Build the conda package from the version's sdist (rattler-build or conda-build); its tests run."""
    from releasekit.operations.conda_rebuild import build_new_conda_package
    from releasekit.operations.version_edits import version_arg

    project = load_project(c)
    build_new_conda_package(project, shell(c, dry_run), version_arg(project, version))


@task(name="conda-recipe", help={
    "format": "forge (default: recipe.yaml in conda-forge staged-recipes' shape), v1 (recipe.yaml that builds "
              "from ../dist's sdist) or meta (meta.yaml)",
    "version": "the release to describe (default: the current version); a released one names the index's sdist",
    "force": "overwrite an existing recipe", "dry_run": "print the recipe, write nothing"})
def conda_recipe_(c, format="forge", version=None, force=False, dry_run=False):
    """Write a conda recipe from the release's metadata (noarch python, mapped dependencies, import test)."""
    from releasekit.operations.recipe_writing import write_conda_recipe
    from releasekit.tasks.context import git_for

    project = load_project(c)
    write_conda_recipe(project, shell(c, dry_run), git_for(c, project, dry_run), fmt=format, version=version,
                       force=force)


@task(name="conda-deps", help={"version": "version whose recipe to read (default: the version file's)",
                               "dry_run": "say what would be built, build nothing"})
def conda_deps_(c, version=None, dry_run=False):
    """Build the recipe's missing dependencies as noarch conda packages from pure-Python wheels, recursively."""
    from releasekit.operations.conda_deps import build_deps

    build_deps(load_project(c), shell(c, dry_run), version)


ns = Collection("dist")
for t in (pypi, sdist, wheel, check, clean, conda, conda_recipe_, conda_deps_):
    ns.add_task(t)
