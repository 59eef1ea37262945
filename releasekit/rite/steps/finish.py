"""Finish: the backport check, and back to the main branch."""

from __future__ import annotations

from releasekit.operations import repository
from releasekit.rite.model import Rite, Step
from releasekit.rite.steps import facts


def finish(rite: Rite) -> None:
    r = rite.release
    if not rite.shell.dry_run:  # without a release branch, the tag is what a hotfix would start from
        repository.report_backport(repository.backport_candidates(rite.project, rite.git, r.main, r.branch or r.tag))
    facts.checkout(rite, r.main)


FINISH = Step("finish", "backport check, back to the main branch", "git.backport-check", finish,
              lambda rite: [f"git log {rite.release.main}...{rite.release.branch or rite.release.tag} (backport check)",
                            f"git checkout {rite.release.main}"])
