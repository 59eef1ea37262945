"""Finish: the backport check, and back to the main branch."""

from __future__ import annotations

from releasekit.operations import repository
from releasekit.rite.model import Rite, Step, commands_from
from releasekit.rite.steps import facts


def finish(rite: Rite) -> None:
    r = rite.release
    if not rite.shell.dry_run:
        repository.report_backport(repository.backport_candidates(rite.project, rite.git, r.main, r.branch))
    facts.checkout(rite, r.main)


FINISH = Step("finish", "backport check, back to the main branch", "git.backport-check", finish,
              commands_from("git log {r.main}...{r.branch} (backport check)", "git checkout {r.main}"))
