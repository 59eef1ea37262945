"""The order of the steps of a release and of a hotfix (DESIGN.md §2), and what the one question
before the first change is about. Each step, with its run, truth check and --plan commands, lives
in its own module under ``releasekit.rite.steps``."""

from __future__ import annotations

from releasekit.core.errors import ReleasekitError
from releasekit.operations.conda_packages import conda_enabled
from releasekit.operations.publishing import conda_target, pypi_target
from releasekit.rite.model import Rite, Step
from releasekit.rite.release import Release
from releasekit.rite.steps import (
    artifacts,
    branches,
    finish,
    hotfix,
    preflight,
    prepare,
    preview,
    tag,
    upload,
    verify,
)

ARTIFACT_STEPS = (artifacts.BUILD, artifacts.CHECK, upload.UPLOAD, verify.VERIFY)


def release_steps(release: Release | None = None) -> list[Step]:
    """The steps of a release, from its conventions: with a release branch (today's rite), or from
    main with a tag only (`release_branch` none): the release commit pushed on main, the tag on it,
    then the next cycle on main (its dev version under the dev policy; the changelog's next section)."""
    if release is not None and release.branch is None:
        return [preflight.RELEASE_PREFLIGHT, preflight.TESTS, preview.PREVIEW, prepare.PREPARE,
                branches.RELEASE_COMMIT, tag.MAIN_TAG, branches.DEV_CYCLE, *ARTIFACT_STEPS, finish.FINISH]
    return [preflight.RELEASE_PREFLIGHT, preflight.TESTS, preview.PREVIEW, prepare.PREPARE,
            branches.RELEASE_BRANCH, branches.DEV_CYCLE, branches.PUSH_RELEASE_BRANCH, tag.RELEASE_TAG,
            *ARTIFACT_STEPS, finish.FINISH]


def hotfix_steps(release: Release | None = None) -> list[Step]:
    return [preflight.HOTFIX_PREFLIGHT, preflight.TESTS, preview.PREVIEW, hotfix.HOTFIX_COMMIT, tag.HOTFIX_TAG,
            *ARTIFACT_STEPS, finish.FINISH]


def consent_summary(rite: Rite) -> list[str]:
    """What the one question of a release is about: versions, tag, branch, remote and upload targets."""
    r, p = rite.release, rite.project
    url = rite.git.remote_url(r.remote) or "?"
    lines = [f"{r.kind} of {p.package} {r.version} (from {r.from_version})",
             f"  tag {r.tag} on {r.remote} ({url}), " + (f"branch {r.branch}" if r.branch else f"on {r.main}, no release branch")
             + (f"; then {r.main} at {r.next_dev}" if r.next_dev else "")]
    try:
        lines.append(f"  upload to {pypi_target(p)[1]}")
        if conda_enabled(p):
            lines.append(f"  conda package to {conda_target(p.settings)}")
    except ReleasekitError as exc:
        lines.append(f"  upload target: {exc.message}")
    return lines
