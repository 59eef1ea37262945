"""forge: the release on GitHub or GitLab for a tag (notes from the changelog, the built files as
assets), over releasekit.operations.forge_releases."""

from __future__ import annotations

from invoke import Collection

from releasekit.core import ui
from releasekit.tasks.base import YES_HELP, agree, task
from releasekit.tasks.context import git_for, load_project

_VERSION_HELP = "the release's version (default: the version file's)"


@task(name="release", help={"version": _VERSION_HELP, "dry_run": "print the calls it would make, with their JSON bodies",
                            "yes": YES_HELP})
def release_(c, version=None, dry_run=False, yes=False):
    """Create or complete the forge release of the version's tag: draft, every asset, publish.
    Run again after a failure, it finds the release and uploads only what is missing."""
    from releasekit.operations import forge_releases
    from releasekit.operations.version_edits import current_version

    project = load_project(c)
    git = git_for(c, project)
    version = version or current_version(project, git)
    release = forge_releases.prepare(project, git, version, dry_run=dry_run)
    plan = release.plan
    agree(f"Make the {plan.target.title} release {plan.tag} on {plan.target.project} with "
          f"{len(plan.assets)} asset(s)?", yes=yes, dry_run=dry_run, action="make the forge release")
    forge_releases.make(release)
    for notice in plan.notices():
        ui.info(notice)
    if not dry_run:
        ui.info(f"{plan.target.title} release {plan.tag} published on {plan.target.project}")


@task(help={"version": "the release's version (default: the changelog's newest section)"})
def notes(c, version=None):
    """Print the notes the forge release would get: the release's changelog section."""
    from releasekit.operations import forge_releases

    project = load_project(c)
    print(forge_releases.notes(project, git_for(c, project), version), end="")


ns = Collection("forge")
for t in (release_, notes):
    ns.add_task(t)
