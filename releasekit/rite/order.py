"""The order of the steps of a release and of a hotfix (DESIGN.md §2), and what the one question
before the first change is about. Each step, with its run, truth check and --plan commands, lives
in its own module under ``releasekit.rite.steps``."""

from __future__ import annotations

from releasekit.adapters.git import Git
from releasekit.core.errors import ReleasekitError
from releasekit.core.project import Project
from releasekit.operations import ci_conda, forge_releases
from releasekit.operations.conda_forge_wait import forge_enabled as conda_forge_target
from releasekit.operations.conda_packages import conda_enabled
from releasekit.operations.publishing import conda_target, pypi_target
from releasekit.rite.model import Rite, Step
from releasekit.rite.release import Release
from releasekit.rite.steps import (
    artifacts,
    branches,
    ci_publish,
    conda_forge,
    finish,
    forge_release,
    hotfix,
    preflight,
    prepare,
    preview,
    tag,
    upload,
    verify,
)

ARTIFACT_STEPS = (artifacts.BUILD, artifacts.CHECK, upload.UPLOAD, verify.VERIFY)
# publish: ci: the tag's workflow builds, checks and uploads; this machine waits, compares, verifies
CI_ARTIFACT_STEPS = (ci_publish.CI_PUBLISH, ci_publish.AWAIT_CI_UPLOAD, verify.VERIFY)


def artifact_steps(project: Project | None, git: Git | None) -> list[Step]:
    """The steps after the tag push, as the ``publish`` setting, the conda target and the forge have them:
    build, check, upload, verify (or CI's uploads awaited, the conda package's too), then conda-forge's
    wait, then the forge release."""
    ci = project is not None and project.settings["publish"] == "ci"
    steps = list(CI_ARTIFACT_STEPS if ci else ARTIFACT_STEPS)
    if ci and project is not None and ci_conda.awaited(project):  # CI's conda job uploads it
        steps.insert(steps.index(verify.VERIFY), ci_publish.AWAIT_CI_CONDA)
    if project is not None and conda_forge_target(project):
        steps.append(conda_forge.CONDA_FORGE)
    if project is not None and git is not None and forge_releases.target(project, git) is not None:
        steps.append(forge_release.FORGE_RELEASE_CHECK if ci else forge_release.FORGE_RELEASE)
    return steps


def release_steps(project: Project | None = None, git: Git | None = None,
                  release: Release | None = None) -> list[Step]:
    """The steps of a release, from its conventions: with a release branch (today's rite), or from
    main with a tag only (`release_branch` none): the release commit pushed on main, the tag on it,
    then the next cycle on main (its dev version under the dev policy; the changelog's next section)."""
    if release is not None and release.branch is None:
        return [preflight.RELEASE_PREFLIGHT, preflight.TESTS, preview.PREVIEW, prepare.PREPARE,
                branches.RELEASE_COMMIT, tag.MAIN_TAG, branches.DEV_CYCLE, *artifact_steps(project, git),
                finish.FINISH]
    return [preflight.RELEASE_PREFLIGHT, preflight.TESTS, preview.PREVIEW, prepare.PREPARE,
            branches.RELEASE_BRANCH, branches.DEV_CYCLE, branches.PUSH_RELEASE_BRANCH, tag.RELEASE_TAG,
            *artifact_steps(project, git), finish.FINISH]


def hotfix_steps(project: Project | None = None, git: Git | None = None,
                 release: Release | None = None) -> list[Step]:
    return [preflight.HOTFIX_PREFLIGHT, preflight.TESTS, preview.PREVIEW, hotfix.HOTFIX_COMMIT, tag.HOTFIX_TAG,
            *artifact_steps(project, git), finish.FINISH]


def consent_summary(rite: Rite) -> list[str]:
    """What the one question of a release is about: versions, tag, branch, remote and upload targets."""
    r, p = rite.release, rite.project
    url = rite.git.remote_url(r.remote) or "?"
    lines = [f"{r.kind} of {p.package} {r.version} (from {r.from_version})",
             f"  tag {r.tag} on {r.remote} ({url}), " + (f"branch {r.branch}" if r.branch else f"on {r.main}, no release branch")
             + (f"; then {r.main} at {r.next_dev}" if r.next_dev else "")]
    try:
        if p.settings["publish"] == "ci":
            lines.append(f"  the tag's publish workflow uploads to {pypi_target(p)[1]}; this machine waits and checks")
        else:
            lines.append(f"  upload to {pypi_target(p)[1]}")
        if conda_enabled(p):
            lines.append(f"  conda package to {conda_target(p.settings)}")
    except ReleasekitError as exc:
        lines.append(f"  upload target: {exc.message}")
    try:
        forge = forge_releases.describe(p, rite.git)
    except ReleasekitError as exc:
        forge = f"forge: {exc.message}"
    if forge:
        lines.append(f"  {forge}")
    return lines
