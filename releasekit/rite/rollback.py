"""Roll a release back: return the repository and its remote to where they stood before the release's
first change, as recorded in its journal, and keep every commit that is not the release's own.

What was pushed is undone without rewriting shared history: a remote tag or release branch the
release made is deleted, and its commit on main is reverted by a new commit (never a force-push).
What was uploaded cannot be undone (PyPI and anaconda.org never accept a filename twice), so after
an upload the way forward is a post-release; ``--force`` rolls back git alone.

A conda rebuild (``release-conda-rebuild --rollback``) made one commit, the recipe's build number, on
the release branch (or main): it is dropped while only here, and reverted by a new pushed commit once
the remote has it. Its uploaded build stays on the channel, and the rollback says so.

The actions are worked out from the truth (refs here and on the remote), so a rollback that stopped
half-way is finished by running it again.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from releasekit.adapters.git import Git
from releasekit.core import consent, fileio, ui
from releasekit.core.conventions.versions.base import MemoryTree
from releasekit.core.errors import ReleasekitError
from releasekit.core.project import Project
from releasekit.operations.version_edits import version_conventions
from releasekit.rite.executor import close_log, open_log
from releasekit.rite.journal import Journal, Lock
from releasekit.rite.release import Release

COMMANDS = {"release": "release", "hotfix": "release-hotfix", "conda-rebuild": "release-conda-rebuild"}


class RollbackRefused(ReleasekitError):
    """Rolling back would lose someone's work, or cannot undo what the release did."""

    names_log = False


@dataclass
class Action:
    what: str  # one line naming the ref or file it changes
    run: Callable[[], None]


def own_subjects(r: Release) -> set[str]:
    """The subjects of the commits the rite itself makes for this release."""
    if r.kind == "hotfix":
        return {f"hotfix: {r.version}"}
    if r.kind == "conda-rebuild":
        return {f"conda: build number {r.build_number} for {r.version}"}
    return {f"new dev cycle: {r.next_dev}", f"starting release branch: {r.version}", f"version {r.version} release",
            f"release {r.version}", f"open the next cycle after {r.version}"}  # the last two: no release branch


def revert_message(r: Release, subject: str) -> str:
    return f'rollback of {r.kind} {r.version}: revert "{subject}"'


def last_release(journal: Journal, kind: str) -> Release:
    r = journal.release
    if r is None or journal.data.get("rolled_back"):
        raise RollbackRefused("there is no release to roll back here",
                              "`releasekit release --plan` shows what a release would do")
    if r.kind != kind:
        raise RollbackRefused(f"the last release here is a {r.kind} of {r.version}",
                              f"roll it back with `releasekit {COMMANDS.get(r.kind, r.kind)} --rollback`")
    if not home_start(r, journal.before):
        raise RollbackRefused(f"the journal of {r.version} holds no record of where the refs stood before it",
                              "undo it by hand: delete its tag and branch, revert its commits")
    return r


def home_start(r: Release, before: dict, git: Git | None = None) -> str | None:
    """Where the branch that holds the release's own commit stood before it: main for a release; the
    release branch for a hotfix; for a rebuild the branch it commits on, here, or on the remote when it
    was only there (the rebuild checked it out). A repeated rebuild journals refs that hold its commit
    already: with ``git``, the start is then that commit's parent (the commit found after the tag)."""
    if r.kind == "release":
        return before.get("main")
    if r.kind != "conda-rebuild":
        return before.get("branch")
    start = before.get("branch") or before.get("remote_branch")
    if git is not None and start and git.rev(r.tag):
        own = [sha for sha, s in git.commits_between(r.tag, start) if s in own_subjects(r)]
        if own:
            return git.rev(f"{own[-1]}^") or start
    return start


def check_not_uploaded(journal: Journal, r: Release, force: bool) -> None:
    """An upload that ran, even in part, is published for good: the way forward is a post-release."""
    if journal.step_status("upload") is None and journal.step_status("await-ci-upload") is None:
        return
    if r.kind == "conda-rebuild":
        if not force:
            raise RollbackRefused(
                f"build {r.build_number} of {r.version} was uploaded to the conda channel (the rebuild's upload "
                "step ran), and a channel never takes a filename twice: that build cannot be rolled back",
                "remove it on the channel by hand if it must go, and fix the recipe with another "
                "`releasekit release-conda-rebuild`; or pass --force to roll back the build-number commit only")
        ui.warn(f"--force: rolling back the build-number commit only; build {r.build_number} of {r.version} "
                "stays on the conda channel")
        return
    if not force:
        raise RollbackRefused(
            f"{r.version} was uploaded (its upload step ran), and PyPI and anaconda.org never accept a filename "
            "twice, so it cannot be rolled back",
            "release the fix as a post-release with `releasekit release-hotfix`, or pass --force to roll back git "
            "only (the uploaded files stay published)")
    ui.warn(f"--force: rolling back git only; the uploaded files of {r.version} stay published")


def prepared_texts(project: Project, git: Git, r: Release) -> dict[str, str] | None:
    """What the release's prepare step writes over HEAD's files (version bumped, changelog dated), or
    None where that cannot be worked out: an edit equal to it is the release's own, byte for byte."""
    if r.kind == "conda-rebuild":  # its one edit: the recipe's build number
        from releasekit.core.condadeps import set_build_number
        from releasekit.operations.conda_rebuild import recipe_rel

        rel = recipe_rel(project, git, "HEAD")
        text = git.show_file("HEAD", rel)
        if text is None or r.build_number is None:
            return None
        try:
            return {rel: set_build_number(text, r.build_number)}
        except ReleasekitError:
            return None
    fmt = project.changelog_format
    cl = fmt.path  # None: the project keeps no changelog
    changelog_text = git.show_file("HEAD", cl) if cl else ""
    if changelog_text is None:
        return None
    try:
        source = version_conventions(project, git).source  # no paths: git tags hold the version
        files = {rel: text for rel in source.paths if (text := git.show_file("HEAD", rel)) is not None}
        texts = source.write(MemoryTree(files), r.version) if source.paths else {}
        # the pending cycle recorded as prepare records it; a tool's build (towncrier) is not foreseen
        # here: the journal's record of prepare's edits (:func:`edits`) recognises it
        dated = fmt.finalize(changelog_text, r.version, r.date).text if fmt.pending(changelog_text) else changelog_text
        if cl and dated is not None:
            texts[cl] = dated
        return texts
    except ReleasekitError:
        return None


PREPARED = "prepared_edits"  # the journal's fact: what prepare left in the working tree


def edits(project: Project, git: Git) -> dict[str, str | None]:
    """Each path the working tree changes against HEAD, with the sha256 of its content (None: deleted):
    what the prepare step leaves (the version files, the changelog, and towncrier's build, which also
    deletes the news fragments), recorded in the journal so a rollback knows them for the release's own."""
    out: dict[str, str | None] = {}
    for line in git.status():
        rel = line[3:]
        path = project.root / rel
        out[rel] = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None
    return out


def working_tree_actions(project: Project, git: Git, r: Release, stash: bool,
                         recorded: dict[str, str | None] | None = None) -> list[Action]:
    """Uncommitted work is never dropped. The release's own unfinished edits (exactly what its prepare
    step writes, or what the journal recorded it left) are undone; any other change is the maintainer's:
    refused, or stashed with --stash."""
    dirty = [line[3:] for line in git.status()]
    if not dirty:
        return []
    expected = prepared_texts(project, git, r) or {}
    now = edits(project, git) if recorded else {}

    def release_wrote(path: str) -> bool:
        if recorded and path in recorded and recorded[path] == now.get(path):
            return True
        file = project.root / path
        return path in expected and file.is_file() and fileio.read_text(file) == expected[path]

    own = [path for path in dirty if release_wrote(path)]
    others = [path for path in dirty if path not in own]
    if not others:
        return [Action(f"restore {', '.join(own)} as committed (the release's unfinished edits)",
                       lambda: git.restore(own))]
    if not stash:
        shown = ", ".join(others[:5]) + (" ..." if len(others) > 5 else "")
        raise RollbackRefused(f"the working tree has changes that are not the release's ({shown})",
                              "commit or stash them, or pass --stash to have them stashed")
    return [Action(f"stash the uncommitted changes ({len(dirty)} file(s)): `git stash pop` brings them back",
                   lambda: git.stash(f"releasekit: before the rollback of {r.version}"))]


def tag_actions(git: Git, r: Release, release_head: str | None) -> list[Action]:
    actions = []
    local = git.local_tag(r.tag)
    remote = git.remote_tag(r.remote, r.tag)
    ours = {sha for sha in (local, release_head) if sha}
    if remote:
        if remote not in ours:
            raise RollbackRefused(f"the tag {r.tag} on {r.remote} points at {remote[:12]}, not at the release's commit",
                                  f"someone moved it: delete it by hand (`git push {r.remote} :refs/tags/{r.tag}`) "
                                  "if it should go, then run the same command again")
        actions.append(Action(f"delete the tag {r.tag} on {r.remote}",
                              lambda: git.delete_remote_ref(r.remote, f"refs/tags/{r.tag}")))
    if local:
        actions.append(Action(f"delete the local tag {r.tag}", lambda: git.delete_tag(r.tag)))
    return actions


def release_branch_actions(git: Git, r: Release, before: dict) -> list[Action]:
    """The release branch a release cut is deleted, here and on the remote, if it holds only the release's commits."""
    assert r.branch is not None
    branch = r.branch
    if before.get("branch"):
        return []  # it was there before the release: not the release's to delete
    actions = []
    base = before["main"]
    remote = git.rev(f"refs/remotes/{r.remote}/{r.branch}")  # fetched (and pruned) just before
    if remote:
        foreign = [s for _, s in git.commits_between(base, remote) if s not in own_subjects(r)]
        if foreign:
            raise RollbackRefused(f"{r.remote}/{r.branch} has commits the release did not make ({foreign[0]})",
                                  f"keep them on another branch, or delete {r.remote}/{r.branch} by hand; "
                                  "then run the same command again")
        actions.append(Action(f"delete the branch {r.branch} on {r.remote}",
                              lambda: git.delete_remote_ref(r.remote, f"refs/heads/{r.branch}")))
    if git.branch_exists(branch):
        local_foreign = [s for _, s in git.commits_between(base, f"refs/heads/{r.branch}") if s not in own_subjects(r)]
        if local_foreign:
            raise RollbackRefused(f"the local branch {r.branch} has commits the release did not make "
                                  f"({local_foreign[0]})", "keep them on another branch, then run the same command again")
        actions.append(Action(f"delete the local branch {branch}", lambda: git.delete_branch(branch)))
    return actions


def home_actions(git: Git, r: Release, before: dict) -> list[Action]:
    """Main (for a hotfix: its release branch) back where it was: the release's own commit is dropped
    while it is only here, and reverted by a new pushed commit once the remote has it. Worked out from
    the refs, so a rollback stopped before its push finishes when run again."""
    home = r.main if r.kind == "release" else r.branch
    start = home_start(r, before, git)
    assert home is not None and start is not None  # last_release refused a journal without them
    own = own_subjects(r)
    reverts = {revert_message(r, s) for s in own}
    local = git.rev(f"refs/heads/{home}") or start
    remote = git.rev(f"refs/remotes/{r.remote}/{home}")
    published = git.commits_between(start, remote) if remote else []
    done = {s for _, s in published} | {s for _, s in git.commits_between(start, local)}
    to_revert = [(sha, s) for sha, s in published if s in own and revert_message(r, s) not in done]
    unpushed = git.commits_between(remote, local) if remote else []
    if to_revert or any(s in reverts for _, s in unpushed):
        assert remote is not None
        foreign = [s for _, s in unpushed if s not in reverts]
        if foreign:
            raise RollbackRefused(f"{home} has {len(foreign)} commit(s) that {r.remote}/{home} lacks ({foreign[0]})",
                                  "push or drop them first, then run the same command again")
        actions = []
        if unpushed and not git.is_ancestor(remote, local):  # our revert, made before the remote moved on
            actions.append(Action(f"replay the rollback's revert on {r.remote}/{home}",
                                  lambda: git.rebase_onto_upstream(f"{r.remote}/{home}")))
        elif local != remote and not unpushed:
            actions.append(Action(f"fast-forward {home} to {r.remote}/{home}",
                                  lambda: git.fast_forward(f"{r.remote}/{home}")))
        for sha, subject in to_revert:
            actions.append(Action(f"revert {sha[:12]} \"{subject}\" on {home} with a new commit",
                                  functools.partial(git.revert, sha, revert_message(r, subject))))
        actions.append(Action(f"push {home} to {r.remote} (a new commit, no force-push)",
                              lambda: git.push(r.remote, f"refs/heads/{home}:refs/heads/{home}")))
        return actions
    mine = git.commits_between(start, local)
    if not any(s in own for _, s in mine):
        return []
    base = remote if remote and remote != start and git.is_ancestor(start, remote) else start
    if all(s in own for _, s in git.commits_between(base, local)):
        return [Action(f"reset {home} to {base[:12]}, where it stood without the release's unpushed commit",
                       lambda: git.reset_hard(base))]
    return [Action(f"revert {sha[:12]} \"{s}\" on {home} with a new commit (not pushed: {home} has your own "
                   "unpushed commits)", functools.partial(git.revert, sha, revert_message(r, s)))
            for sha, s in mine if s in own and revert_message(r, s) not in done]


def plan(project: Project, git: Git, journal: Journal, r: Release, *, stash: bool) -> list[Action]:
    """Every action of the rollback, worked out (and every refusal raised) before any of them runs."""
    before = journal.before
    git.fetch(r.remote)
    home = r.main if r.kind == "release" else r.home
    release_head = git.rev(f"refs/heads/{r.branch}") if r.branch else journal.data.get("facts", {}).get("release_commit")
    actions = working_tree_actions(project, git, r, stash, journal.recall(PREPARED))
    if git.current_branch() != home:
        if not git.branch_exists(home):  # a rebuild on a branch that was only on the remote, stopped before it
            return actions
        actions.append(Action(f"check out {home}", lambda: git.checkout(home)))
    if r.kind != "conda-rebuild":  # a rebuild tags nothing and cuts no branch
        actions += tag_actions(git, r, release_head)
    if r.kind == "release" and r.branch is not None:
        actions += release_branch_actions(git, r, before)
    actions += home_actions(git, r, before)
    if r.kind == "conda-rebuild" and home != r.main:
        actions.append(Action(f"check out {r.main}", lambda: git.checkout(r.main)))
    return actions


def run(project: Project, git: Git, *, kind: str, yes: bool, stash: bool, force: bool) -> int:
    """`release --rollback`: show every action, ask once, carry them out, close the journal."""
    dry_run = git.shell.dry_run
    if not dry_run:
        consent.require_possible(yes, "roll back")
    journal = Journal(project.state_dir)
    r = last_release(journal, kind)
    check_not_uploaded(journal, r, force)
    if dry_run:
        for action in show(plan(project, git, journal, r, stash=stash), r, journal):
            action.run()  # the dry-run shell prints the commands and changes nothing
        return 0
    lock = Lock(project.state_dir)
    lock.acquire()
    log = open_log(project)
    try:
        ui.info(f"release log: {log.path}")
        actions = show(plan(project, git, journal, r, stash=stash), r, journal)
        consent.ask(f"Roll back the {r.kind} of {r.version}?", yes=yes, action="roll back",
                    declined="nothing was changed, as asked")
        uploaded = journal.step_status("upload") is not None
        for action in actions:
            ui.step(action.what)
            action.run()
        journal.close_rolled_back([a.what for a in actions])
        if r.kind == "conda-rebuild" and uploaded:
            ui.info(f"build {r.build_number} of {r.version} stays on the conda channel: a rollback cannot remove "
                    "an upload")
        ui.info(f"the {r.kind} of {r.version} is rolled back; `releasekit {COMMANDS[kind]} --plan` shows a fresh one")
        return 0
    finally:
        close_log(log)
        lock.release()


def show(actions: list[Action], r: Release, journal: Journal) -> list[Action]:
    ui.info(f"rollback of the {r.kind} of {r.version} (started {journal.data.get('started')}):")
    for action in actions:
        ui.info(f"  - {action.what}")
    if not actions:
        ui.info("  (nothing left to undo)")
    return actions
