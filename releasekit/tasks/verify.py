"""verify: the release is not done until the *published* version installs in clean environments."""

from __future__ import annotations

import sys

from invoke import Collection

from releasekit.core import ui
from releasekit.core.errors import ConfigError, PreconditionFailed
from releasekit.tasks.base import task
from releasekit.tasks.context import load_project, shell

# --- plain functions ------------------------------------------------------------------------------------------------


# --- rite step ---------------------------------------------------------------------------------------------------------


# --- tasks --------------------------------------------------------------------------------------------------------------



def _seconds_arg(text: str | None) -> float | None:
    if text is None or text == "":
        return None
    try:
        seconds = float(text)
    except ValueError:
        raise ConfigError(f"--timeout {text!r} is not a number of seconds", "e.g. --timeout 600") from None
    if seconds < 0:
        raise ConfigError(f"--timeout {text!r} cannot be negative", "e.g. --timeout 600")
    return seconds


@task(help={"version": "version to verify (default: the version file's)"})
def local(c, version=None):
    """Install each built artifact in a fresh clean env, import it, compare the version."""
    from releasekit.operations.artifact_checks import verify_local
    from releasekit.operations.building import release_artifacts
    from releasekit.operations.version_edits import version_arg

    project = load_project(c)
    version = version_arg(project, version)
    paths = release_artifacts(project, version)
    if not paths:
        raise PreconditionFailed(f"no artifacts of {version} in {project.dist_dir}", "run `releasekit dist.pypi` first")
    verify_local(project, shell(c), paths, version)


@task(help={"version": "version to wait for (default: the version file's)", "timeout": "seconds (default: config)"})
def wait(c, version=None, timeout=None):
    """Wait until the index (and the conda channel) serve every file of the version (exact match, fresh reads)."""
    from releasekit.operations.conda_forge_wait import forge_enabled, wait_for_forge
    from releasekit.operations.conda_packages import conda_enabled
    from releasekit.operations.published import wait_for_conda, wait_for_index
    from releasekit.operations.version_edits import version_arg

    project = load_project(c)
    version = version_arg(project, version)
    seconds = _seconds_arg(timeout)
    wait_for_index(project, version, timeout=seconds)
    if forge_enabled(project):  # conda-forge publishes it: its channel's repodata, under conda.forge_timeout
        wait_for_forge(project, version, timeout=seconds)
    elif conda_enabled(project):
        wait_for_conda(project, version, timeout=seconds)


@task(iterable=["host"], help={"version": "version to wait for (default: the version file's)",
                               "timeout": "seconds (default: conda.forge_timeout)",
                               "host": "also install it on this host (repeatable; a configured name, "
                                       "user@host[:port], all)"})
def forge(c, version=None, timeout=None, host=None):
    """Wait until the conda-forge channel lists the version, then install it from there in a fresh conda prefix."""
    from releasekit.operations.conda_forge_wait import verify_forge_install, wait_for_forge
    from releasekit.operations.version_edits import version_arg

    project = load_project(c)
    version = version_arg(project, version)
    wait_for_forge(project, version, timeout=_seconds_arg(timeout))
    verify_forge_install(project, version, list(host or []))


@task(iterable=["host"], help={"version": "version to install (default: the version file's)",
                               "host": "also on this host (repeatable; a configured name, user@host[:port], all)",
                               "no_wait": "do not wait for the index: one install attempt"})
def install(c, version=None, host=None, no_wait=False):
    """Install the published version from the index in clean environments, locally and on hosts."""
    from releasekit.operations.published import verify_published
    from releasekit.operations.version_edits import version_arg

    project = load_project(c)
    verify_published(project, shell(c), version_arg(project, version), list(host or []),
                     wait=not no_wait)


@task(help={"update": "upgrade the pip-installable tools in this environment",
            "dry_run": "with --update: print the pip command, install nothing"})
def tools(c, update=False, dry_run=False):
    """List each tool and package the configured rite needs, with its version or what needs it."""
    from releasekit.operations.tools import needed_tools, tool_report

    project = load_project(c)
    if update:
        pips = sorted({pip for _n, _k, _w, pip in needed_tools(project) if pip})
        shell(c, dry_run).run([sys.executable, "-m", "pip", "install", "--upgrade", *pips], stream=True)
    rows = tool_report(project)
    ui.table(("tool", "version", "needed for"), rows, title="tools for this project's release")
    missing = [r[0] for r in rows if r[1].startswith("missing") and "optional" not in r[2]]
    if missing:
        from releasekit.core.errors import ToolMissing

        raise ToolMissing(f"missing: {', '.join(missing)}", "install them, or run `releasekit verify.tools --update`")


@task(help={"version": "version whose metadata to compare (default: the version file's)"})
def deps(c, version=None):
    """Compare the release's requirements (from what is built, else its metadata) with the conda recipe's and the
    feedstock's (conda.feedstock_dir) run requirements; say which lines to change; non-zero on drift."""
    from releasekit.operations.feedstock import check_deps
    from releasekit.operations.version_edits import version_arg

    project = load_project(c)
    check_deps(project, version_arg(project, version))


@task(help={"version": "release version to check the recipe against (default: the version file's)"})
def recipe(c, version=None):
    """Render and lint the conda recipe: required keys, version, noarch python without selectors."""
    from releasekit.core import condarecipe
    from releasekit.core.errors import RecipeError
    from releasekit.operations.conda_packages import conda_recipe, sdist_of
    from releasekit.operations.version_edits import version_arg

    project = load_project(c)
    version = version_arg(project, version)
    problems = condarecipe.lint_recipe(conda_recipe(project, version, sdist_of(project, version)), version)
    if problems:
        for p in problems:
            ui.info(f"  - {p}")
        raise RecipeError(f"the conda recipe has {len(problems)} problem(s) (listed above)")
    ui.info("conda recipe ok")


ns = Collection("verify")
for t in (local, wait, install, deps, recipe, tools, forge):
    ns.add_task(t)
