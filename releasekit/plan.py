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
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date as _date
from datetime import datetime
from pathlib import Path
from typing import Any

from releasekit.adapters import shell as shell_adapter
from releasekit.adapters.git import Git
from releasekit.adapters.shell import Shell
from releasekit.core import changelog, consent, fileio, releaselog, ui, versioning
from releasekit.core.errors import (
    FileAccessError,
    Interrupted,
    PreconditionFailed,
    ReleasekitError,
    ReleaseLocked,
    ResumeRefused,
)
from releasekit.core.project import Project

JOURNAL = "journal.json"
LOCK = "lock"


# --- the release being made -----------------------------------------------------------------------


@dataclass
class Release:
    """The concrete names of one release; fixed when it starts and kept in the journal."""

    kind: str  # "release" | "hotfix"
    from_version: str
    version: str
    next_dev: str | None
    part: str
    date: str
    main: str
    branch: str
    tag: str
    remote: str
    notes: list[str] = field(default_factory=list)


@dataclass
class Rite:
    """Everything a step needs: the project, how to run commands, and the release's names."""

    project: Project
    shell: Shell
    git: Git
    release: Release
    yes: bool = False
    hosts: list[str] = field(default_factory=list)
    artifacts: list[Path] = field(default_factory=list)
    conda_artifacts: list[Path] = field(default_factory=list)
    journal: Journal | None = None  # this release's record; steps keep facts there for their truth checks

    @property
    def dry_run(self) -> bool:
        return self.shell.dry_run

    @property
    def settings(self):
        return self.project.settings


@dataclass
class Step:
    name: str
    title: str
    task: str  # the invoke task that runs this step on its own
    run: Callable[[Rite], None]
    commands: Callable[[Rite], list[str]]
    is_done: Callable[[Rite], bool] | None = None  # the truth, re-checked on resume
    changes_outside: bool = False  # pushes or uploads: cannot be undone by starting over
    read_only: bool = False  # changes nothing (preflight, tests, preview): runs before consent is asked
    optional: bool = False  # may be switched off by `skip_steps`
    needs: tuple[str, ...] = ()  # steps whose skipping switches this one off too


# --- journal and lock --------------------------------------------------------------------------------


class Journal:
    """Which steps of which release are done; JSON under .git/releasekit, written atomically."""

    def __init__(self, folder: Path) -> None:
        self.path = Path(folder) / JOURNAL
        self.data: dict = {}
        self.unsaved = False  # a new release that has changed nothing yet: kept in memory only
        if self.path.exists():
            try:
                self.data = json.loads(self.path.read_text(encoding="utf-8"))
            except json.JSONDecodeError:
                self.data = {}

    @property
    def release(self) -> Release | None:
        rel = self.data.get("release")
        return Release(**rel) if rel else None

    @property
    def finished(self) -> bool:
        return bool(self.data.get("finished"))

    def step_status(self, name: str) -> str | None:
        return self.data.get("steps", {}).get(name, {}).get("status")

    def begin(self) -> None:
        """A new release, held in memory only: a release is pending once it has changed something,
        so one refused by preflight (or declined) leaves no record behind to be resumed."""
        self.data = {"steps": {}}
        self.unsaved = True

    def start(self, release: Release, before: dict[str, str | None] | None = None) -> None:
        """The release is about to change something: from now on it is on disk, and resumable.
        ``before`` holds the refs as they were then, which a rollback returns to."""
        steps = self.data.get("steps", {}) if self.unsaved else {}
        self.data = {"release": asdict(release), "started": datetime.now().isoformat(timespec="seconds"),
                     "steps": steps, "finished": False, "before": dict(before or {})}
        self.unsaved = False
        self.save()

    @property
    def started(self) -> bool:
        return "release" in self.data and not self.unsaved

    def record(self, name: str, status: str, seconds: float) -> None:
        self.data.setdefault("steps", {})[name] = {"status": status, "seconds": round(seconds, 2),
                                                   "at": datetime.now().isoformat(timespec="seconds")}
        if not self.unsaved:
            self.save()

    def finish(self) -> None:
        self.data["finished"] = True
        self.save()

    def close_rolled_back(self, actions: list[str]) -> None:
        """Closed, not done: nothing is pending, and the record says what the rollback undid."""
        self.data.update(finished=True, rolled_back={"at": datetime.now().isoformat(timespec="seconds"),
                                                     "actions": actions})
        self.save()

    @property
    def before(self) -> dict[str, str | None]:
        return self.data.get("before") or {}

    def remember(self, key: str, value: Any) -> None:
        """Keep a fact a truth check needs later (e.g. the sha256 of the artifacts that passed the checks)."""
        self.data.setdefault("facts", {})[key] = value
        if not self.unsaved:
            self.save()

    def recall(self, key: str) -> Any:
        return self.data.get("facts", {}).get(key)

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fileio.atomic_write(self.path, json.dumps(self.data, indent=2) + "\n")


class Lock:
    """One release at a time per repository: a lock file holding the owner's pid."""

    def __init__(self, folder: Path) -> None:
        self.path = Path(folder) / LOCK

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            pid = self._owner()
            if pid and _alive(pid):
                raise ReleaseLocked(f"another release (pid {pid}) is running in this repository",
                                    "wait for it to finish; if it is gone, delete " + str(self.path)) from None
            self.path.unlink(missing_ok=True)  # stale: its owner died
            fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        with os.fdopen(fd, "w") as fh:
            fh.write(str(os.getpid()))

    def _owner(self) -> int | None:
        try:
            return int(self.path.read_text().strip() or 0) or None
        except (OSError, ValueError):
            return None

    def release(self) -> None:
        if self._owner() == os.getpid():
            self.path.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie (killed, not yet reaped) is not alive
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return True


# --- making the release's names ----------------------------------------------------------------------------


def _release_date(date: str | None) -> str:
    """The given --date once checked (a bad one is refused before anything is written), else today."""
    return changelog.release_date(date) if date else _date.today().isoformat()


def new_release(project: Project, git: Git, main: str, part: str = "patch", date: str | None = None) -> Release:
    current = project.version()
    version = str(versioning.bump(current, part))
    return Release(
        kind="release", from_version=current, version=version,
        next_dev=str(versioning.bump_dev(version, "patch")), part=part,
        date=_release_date(date), main=main, branch=project.release_branch(version),
        tag=project.tag(version), remote=project.settings["remote"],
    )


def new_hotfix(project: Project, branch: str, main: str, date: str | None = None,
               notes: list[str] | None = None) -> Release:
    current = project.version()
    version = str(versioning.bump(current, "post"))
    return Release(
        kind="hotfix", from_version=current, version=version, next_dev=None, part="post",
        date=_release_date(date), main=main, branch=branch, tag=project.tag(version),
        remote=project.settings["remote"], notes=list(notes or []),
    )


# --- execution ---------------------------------------------------------------------------------------------------


@dataclass
class Outcome:
    step: str
    status: str  # done | skipped | already done | failed | dry-run | not run
    seconds: float = 0.0
    error: str = ""


def active_steps(steps: list[Step], project: Project) -> list[Step]:
    skip = set(project.settings["skip_steps"])
    unknown = skip - {s.name for s in steps}
    if unknown:
        from releasekit.core.errors import ConfigError

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
        current = project.version()
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
        from releasekit.core.redact import redact

        print(redact(json.dumps({"release": asdict(r), "steps": [
            {"number": i, "name": s.name, "title": s.title, "task": s.task, "commands": s.commands(rite)}
            for i, s in enumerate(steps, 1)]}, indent=2)))
        return
    ui.info(f"{r.kind} {r.version} of {rite.project.package} (from {r.from_version}); branch {r.branch}, "
            f"tag {r.tag}" + (f", then main at {r.next_dev}" if r.next_dev else ""))
    for i, s in enumerate(steps, 1):
        ui.info(f"{i:2}. {s.name}: {s.title}   [{s.task}]")
        for cmd in s.commands(rite):
            ui.info(f"      $ {cmd}")


def run(project: Project, shell: Shell, git: Git, *, kind: str, make_release: Callable[[], Release],
        steps: list[Step], plan_only: bool = False, as_json: bool = False, yes: bool = False,
        restart: bool = False, force: bool = False, hosts: list[str] | None = None,
        part: str | None = None, describe: Callable[[Rite], list[str]] | None = None) -> int:
    """Load or start the release, then show the plan or execute it. Returns the exit status.

    Nothing changes without consent: with no terminal to ask and no ``--yes`` it is refused at once;
    otherwise it asks once, after the read-only steps passed and before the first change (and again
    on a resume). ``describe`` gives the lines shown above that question."""
    if not plan_only and not shell.dry_run:
        consent.require_possible(yes, "release")
    journal = Journal(project.state_dir)
    pending = journal.release if journal.release and not journal.finished else None
    fresh = None
    if restart and pending:
        outside = [s.name for s in steps if s.changes_outside and journal.step_status(s.name) == "done"]
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
    steps = active_steps(steps, project)
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
        ok = all(o.status in ("done", "already done") for o in outcomes)
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
            "branch": git.rev(f"refs/heads/{r.branch}"),
            "remote_branch": git.rev(f"refs/remotes/{r.remote}/{r.branch}")}


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
