"""The release rite as data: ordered steps, the journal of what is done, the lock, the log.

``release`` = load (versions, branch, tag) -> plan (steps) -> execute. Each step
applies a *target state* (the version is 1.0.6; the tag 1.0.6 is on the remote)
rather than a delta, and most steps can check whether their target already holds.
So resuming after a crash re-checks what is true instead of trusting the journal:
a step the journal calls done whose truth no longer holds runs again, and a step
that finished just before a crash is recognised as done.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

from releasekit.adapters import shell as shell_adapter
from releasekit.adapters.git import Git
from releasekit.adapters.shell import Shell
from releasekit.core import consent, releaselog, ui
from releasekit.core.errors import (
    ConfigError,
    FileAccessError,
    Interrupted,
    PreconditionFailed,
    ReleasekitError,
    ResumeRefused,
)
from releasekit.core.project import Project
from releasekit.core.redact import redact
from releasekit.operations.version_edits import current_version
from releasekit.rite.journal import Journal, Lock
from releasekit.rite.model import Rite, Step
from releasekit.rite.release import Release

# --- the release being made -----------------------------------------------------------------------


# --- journal and lock --------------------------------------------------------------------------------


# --- making the release's names ----------------------------------------------------------------------------


# --- execution ---------------------------------------------------------------------------------------------------


@dataclass
class Outcome:
    step: str
    status: str  # done | skipped | already done | failed | dry-run | not run | in CI
    seconds: float = 0.0
    error: str = ""


def active_steps(steps: list[Step], project: Project) -> list[Step]:
    skip = set(project.settings["skip_steps"])
    unknown = skip - {s.name for s in steps}
    if unknown:
        raise ConfigError(f"`skip_steps` names unknown step(s): {', '.join(sorted(unknown))}",
                          f"known steps: {', '.join(s.name for s in steps)}")
    return [s for s in steps if s.name not in skip and not skip.intersection(s.needs)]


def execute(rite: Rite, steps: list[Step], journal: Journal | None,
            before_first_change: Callable[[int, Step], None] | None = None) -> list[Outcome]:
    """Run the steps in order; stop at the first failure. Never raises for a step failure:
    the caller prints the table and exits non-zero. ``before_first_change`` is called once, before
    the first step that is not read-only actually runs: the place to ask for consent.

    Ctrl-C raises :class:`Interrupted` naming the step; its truth is re-checked on resume."""
    outcomes: list[Outcome] = []
    failed = False
    gate = before_first_change
    index = 0
    running: Step | None = None  # the step whose run has begun (not one still being asked about)
    try:
        for index, step in enumerate(steps, 1):
            if failed:
                outcomes.append(Outcome(step.name, "not run"))
                continue
            if step.where == "ci":  # the tag's workflow does it: said, never run or recorded here
                ui.step(f"[{index}/{len(steps)}] {step.title}: in CI")
                outcomes.append(Outcome(step.name, "in CI"))
                continue
            recorded = journal.step_status(step.name) if journal else None
            truth = None
            if step.is_done is not None:  # read-only checks: they run in a dry run too
                try:
                    truth = step.is_done(rite)
                except ReleasekitError:
                    truth = False
            if truth or (recorded == "done" and step.is_done is None):
                ui.step(f"[{index}/{len(steps)}] {step.title}: already done")
                outcomes.append(Outcome(step.name, "already done"))
                if journal and recorded != "done" and not rite.dry_run:
                    journal.record(step.name, "done", 0.0)
                continue
            if gate is not None and not step.read_only:
                gate(index, step)
                gate = None
            ui.step(f"[{index}/{len(steps)}] {step.title}")
            running = step
            outcome = _run_step(rite, step)
            running = None
            outcomes.append(outcome)
            failed = outcome.status == "failed"
            if journal and not rite.dry_run:
                journal.record(step.name, outcome.status, outcome.seconds)
    except KeyboardInterrupt:
        if journal and not rite.dry_run and running is not None:
            journal.record(running.name, "interrupted", 0.0)
        if journal is not None and not journal.started:
            raise Interrupted(f"interrupted at step {index} (nothing was changed: run the same command to start "
                              "again)") from None
        raise Interrupted(f"interrupted at step {index} (nothing half-done: run the same command to resume)") from None
    return outcomes


def _run_step(rite: Rite, step: Step) -> Outcome:
    start = time.monotonic()
    try:
        try:
            step.run(rite)
        except OSError as exc:  # a permission or the disk: a failed step like any other, then resume
            raise FileAccessError.from_os_error(exc) from None
    except ReleasekitError as exc:
        ui.info(exc.render())
        return Outcome(step.name, "failed", time.monotonic() - start, exc.message)
    return Outcome(step.name, "dry-run" if rite.dry_run else "done", time.monotonic() - start)


def summary(outcomes: list[Outcome]) -> None:
    ui.table(("step", "status", "seconds"), [(o.step, o.status, f"{o.seconds:.1f}") for o in outcomes],
             title="release summary")


def open_log(project: Project) -> releaselog.ReleaseLog:
    log = releaselog.ReleaseLog.new(project.state_dir / "logs")
    releaselog.activate(log)
    return log


def close_log(log: releaselog.ReleaseLog) -> None:
    releaselog.activate(None)
    log.close()


# --- the entry point of `release` and `release-hotfix` ------------------------------------------------------------


def check_pending_matches(project: Project, pending: Release, part: str | None) -> None:
    """Resume only what was started: the same --part, and a version file the rite itself could have left."""
    if part is not None and pending.kind == "release" and part != pending.part:
        raise ResumeRefused(f"an unfinished release of {pending.version} (--part {pending.part}) is in progress",
                            f"finish it with `releasekit release --part {pending.part}`, or drop it with --restart")
    try:
        current = current_version(project)
    except ReleasekitError:
        return  # the steps report an unreadable version file themselves
    expected = {pending.from_version, pending.version} | ({pending.next_dev} if pending.next_dev else set())
    if current not in expected:
        raise ResumeRefused(f"the unfinished {pending.kind} of {pending.version} started from {pending.from_version}, "
                            f"but the version file now says {current}",
                            "run the same command with --restart to start a new release from here")


def show_plan(rite: Rite, steps: list[Step], as_json: bool) -> None:
    r = rite.release
    if as_json:
        print(redact(json.dumps({"release": asdict(r), "steps": [
            {"number": i, "name": s.name, "title": s.title, "task": s.task, "where": s.where,
             "commands": s.commands(rite)}
            for i, s in enumerate(steps, 1)]}, indent=2)))
        return
    ui.info(f"{r.kind} {r.version} of {rite.project.package} (from {r.from_version}); "
            f"{f'branch {r.branch}' if r.branch else 'no release branch'}, tag {r.tag}" + (f", then main at {r.next_dev}" if r.next_dev else ""))
    ci = any(s.where == "ci" for s in steps)
    if ci:
        ui.info("publish: ci: the tag's workflow builds, checks and uploads; the other steps run here")
    for i, s in enumerate(steps, 1):
        where = ("   (in CI)" if s.where == "ci" else "   (here)") if ci else ""
        ui.info(f"{i:2}. {s.name}: {s.title}   [{s.task}]{where}")
        for cmd in s.commands(rite):
            ui.info(f"      $ {cmd}")


def run(project: Project, shell: Shell, git: Git, *, kind: str, make_release: Callable[[], Release],
        steps: list[Step] | Callable[[Release | None], list[Step]], plan_only: bool = False, as_json: bool = False, yes: bool = False,
        restart: bool = False, force: bool = False, hosts: list[str] | None = None,
        part: str | None = None, describe: Callable[[Rite], list[str]] | None = None) -> int:
    """Load or start the release, then show the plan or execute it. Returns the exit status.

    Nothing changes without consent: with no terminal to ask and no ``--yes`` it is refused at once;
    otherwise it asks once, after the read-only steps passed and before the first change (and again
    on a resume). ``describe`` gives the lines shown above that question. ``steps`` may be a function of
    the release (its steps follow its conventions: no release branch, no dev cycle)."""
    steps_for = steps if callable(steps) else (lambda _release: steps)
    if not plan_only and not shell.dry_run:
        consent.require_possible(yes, "release")
    journal = Journal(project.state_dir)
    pending = journal.release if journal.release and not journal.finished else None
    fresh = None
    if restart and pending:
        outside = [s.name for s in steps_for(pending) if s.changes_outside and journal.step_status(s.name) == "done"]
        if outside and not force:
            raise ResumeRefused(f"release {pending.version} already did {', '.join(outside)}; starting over "
                                "would repeat or contradict them", "run `release` to resume, or add --force")
        fresh = make_release()  # refused here (say, on a release branch) before anything is forgotten
        if shell.dry_run or plan_only:
            done = [name for name, rec in journal.data.get("steps", {}).items() if rec.get("status") == "done"]
            ui.info(f"--restart would forget the unfinished {pending.kind} of {pending.version} "
                    f"(done: {', '.join(done) or 'nothing'}); then it would run the {kind} of {fresh.version}:")
        # Not discarded here: the new release's journal replaces it at its first change, so a restart
        # that is declined, refused by preflight or interrupted still leaves the old one to resume or roll back.
        pending = None
    if pending and pending.kind != kind:
        raise ResumeRefused(f"an unfinished {pending.kind} of {pending.version} is in progress",
                            f"finish it with `releasekit {'release' if pending.kind == 'release' else 'release-hotfix'}`"
                            " or drop it with --restart")
    if pending and not restart:
        check_pending_matches(project, pending, part)
    release = pending or fresh or make_release()
    # A dry run of a new release must not read the record of an older, finished one.
    record = journal if pending or not shell.dry_run else None
    rite = Rite(project, shell, git, release, yes=yes, hosts=list(hosts or []), journal=record)
    steps = active_steps(steps_for(release), project)
    if plan_only:
        show_plan(rite, steps, as_json)
        return 0
    if shell.dry_run:
        ui.info(f"dry run of the {kind} of {release.version}: nothing will be changed")
        with shell_adapter.interrupts_stop_commands():
            outcomes = execute(rite, steps, journal)  # read only: a dry run writes no journal
        summary(outcomes)
        return 1 if any(o.status == "failed" for o in outcomes) else 0

    def before_first_change(index: int, step: Step) -> None:
        ask_consent(rite, steps, index, resuming=pending is not None, describe=describe)
        if not journal.started:
            journal.start(release, refs_before(git, release))

    lock = Lock(project.state_dir)
    lock.acquire()
    log = open_log(project)
    try:
        ui.info(f"release log: {log.path}")
        if pending:
            ui.info(f"resuming the {kind} of {release.version} (started {journal.data.get('started')})")
        else:
            journal.begin()
        with shell_adapter.interrupts_stop_commands():
            outcomes = execute(rite, steps, journal, before_first_change)
        summary(outcomes)
        ok = all(o.status in ("done", "already done", "in CI") for o in outcomes)
        if ok:
            if not journal.started:  # everything was already true: nothing to resume either way
                journal.start(release, refs_before(git, release))
            journal.finish()
            ui.info(f"{kind} {release.version} done")
        elif journal.started:
            ui.info(f"{kind} {release.version} stopped; fix the problem and run the same command to resume")
        else:
            ui.info(f"{kind} {release.version} stopped before changing anything; fix the problem and run the "
                    "same command again")
        ui.info(f"release log: {log.path}")
        return 0 if ok else 1
    finally:
        close_log(log)
        lock.release()


def refs_before(git: Git, release: Release) -> dict[str, str | None]:
    """Where main and the release's branch stood, here and on the remote, before the first change."""
    r = release
    return {"main": git.rev(f"refs/heads/{r.main}"), "remote_main": git.rev(f"refs/remotes/{r.remote}/{r.main}"),
            "branch": git.rev(f"refs/heads/{r.branch}") if r.branch else None,
            "remote_branch": git.rev(f"refs/remotes/{r.remote}/{r.branch}") if r.branch else None}


def ask_consent(rite: Rite, steps: list[Step], index: int, *, resuming: bool,
                describe: Callable[[Rite], list[str]] | None) -> None:
    """The one question of a release, before its first change (or, on a resume, before it goes on)."""
    r = rite.release
    if rite.yes:
        return
    for line in describe(rite) if describe else []:
        ui.info(line)
    step = steps[index - 1]
    if resuming:
        consent.ask(f"Resume the {r.kind} of {r.version} at step {index}/{len(steps)} ({step.name})?", yes=False,
                    action="release", declined=f"stopped before step {index} ({step.name}), as asked: nothing more "
                    "was changed", hint="run the same command to resume")
    else:
        consent.ask(f"Release {rite.project.package} {r.version} now?", yes=False, action="release",
                    declined="nothing was changed, as asked")


def refuse_release_branch(branch: str | None, main: str, release_branch_version: str | None) -> None:
    """A release is computed from main's version: from a release branch it would be a wrong one."""
    if release_branch_version is not None:
        raise PreconditionFailed(f"you are on the release branch '{branch}': a release starts on '{main}'",
                                 f"run `git checkout {main}`, then the same command")
