"""`release-conda-rebuild`: a released version's conda package built again with a new build number
(a recipe fix without a new PyPI release), run by the executor like `release`: one question before
the first change, a log, a journal, a resume from the first step not done."""

from __future__ import annotations

from datetime import date

from releasekit.adapters.git import Git
from releasekit.adapters.shell import Shell
from releasekit.core import condadeps
from releasekit.core.errors import PreconditionFailed
from releasekit.core.project import Project
from releasekit.operations.conda_rebuild import rebuild_branch, recipe_build_number
from releasekit.operations.repository import detect_main_branch, released_versions
from releasekit.operations.version_edits import current_version
from releasekit.rite import executor
from releasekit.rite.release import Release
from releasekit.rite.steps.conda_rebuild import STEPS

KIND = "conda-rebuild"


def run_conda_rebuild(project: Project, sh: Shell, git: Git, *, version: str | None = None,
                      build_number: str | None = None, plan: bool = False, as_json: bool = False, yes: bool = False,
                      restart: bool = False, force: bool = False, roll_back: bool = False,
                      stash: bool = False) -> int:
    """The rebuild (or, with ``roll_back``, its rollback: rite/rollback.py); the exit code."""
    if roll_back:
        from releasekit.rite import rollback

        return rollback.run(project, git, kind=KIND, yes=yes, stash=stash, force=force)

    def make() -> Release:
        main = detect_main_branch(project, git)
        chosen = version
        if chosen is None:
            released = released_versions(project, git)
            if not released:
                raise PreconditionFailed("no released version to rebuild here", "pass --version X")
            chosen = released[0][1]
        branch = rebuild_branch(project, git, chosen, main)
        remote = project.settings["remote"]
        current = recipe_build_number(project, git, f"{remote}/{branch}")
        return Release(kind=KIND, from_version=current_version(project, git), version=chosen, next_dev=None, part="build",
                       date=date.today().isoformat(), main=main, branch=branch, tag=project.tag(chosen),
                       remote=remote, build_number=condadeps.next_build_number(current, build_number))

    def describe(rite) -> list[str]:
        r = rite.release
        return [f"conda rebuild of {project.package} {r.version} with build number {r.build_number}",
                f"  recipe commit on {r.branch}, pushed to {r.remote}; upload to the conda channel"]

    return executor.run(project, sh, git, kind=KIND, steps=list(STEPS), make_release=make, plan_only=plan,
                        as_json=as_json, yes=yes, restart=restart, force=force, describe=describe)
