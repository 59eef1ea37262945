"""The steps of `release` and `release-hotfix`, in order (DESIGN.md §2).

Each step names the task that runs it alone, the commands it will run (for
``release --plan``), how to carry it out, and (where git or an index can tell)
how to see that it is already done.
"""

from __future__ import annotations

from releasekit.core import changelog, versionfile, versioning
from releasekit.core.errors import ChangelogError, PreconditionFailed, ReleasekitError
from releasekit.plan import Rite, Step
from releasekit.tasks import git as gittasks
from releasekit.tasks.changelog import finalize_changelog, open_dev_cycle
from releasekit.tasks.version import write_version

# --- helpers -----------------------------------------------------------------------------------------------


def _version_at(rite: Rite, ref: str) -> str | None:
    text = rite.git.show_file(ref, rite.project.version_file_rel)
    if text is None:
        return None
    try:
        return versionfile.read_version(text, rite.project.version_file_rel)
    except ReleasekitError:
        return None


def _has_release_section(text: str | None, version: str) -> bool:
    if text is None:
        return False
    try:
        cl = changelog.parse(text)
    except ChangelogError:
        return False
    return any(not s.wip and s.version == version for s in cl.sections)


def _checkout(rite: Rite, branch: str) -> None:
    if rite.shell.dry_run or rite.git.current_branch() != branch:
        rite.git.checkout(branch)


# --- release steps ------------------------------------------------------------------------------------------------


def preflight(rite: Rite) -> None:
    """Every reason not to start, reported at once: the repository, tools, credentials, the index.
    A release starts on main at a dev version; a hotfix on its release branch at a release version."""
    from releasekit.tasks.dist import preflight_problems

    r, p = rite.release, rite.project
    if r.kind == "release":
        problems = gittasks.sanity_problems(p, rite.git, main=r.main, release=r.version)
    else:
        problems = gittasks.sanity_problems(p, rite.git, main=r.main, release=r.version, on_branch=r.branch,
                                            expect="release", unpushed_ok=True)
    problems += preflight_problems(rite)
    gittasks.raise_if(problems, f"fix these, then run `{'release' if r.kind == 'release' else 'release-hotfix'}` again")


def before_changes(rite: Rite) -> bool:
    """The truth of the steps before the first change (tests, preview): done once that change exists.
    Until then they run again on resume, as the code they vouch for may have changed since."""
    r = rite.release
    return hotfix_commit_done(rite) if r.kind == "hotfix" else prepare_done(rite)


def preflight_done(rite: Rite) -> bool:
    """Preflight holds only before anything changed, so on resume it is re-run until the rite's first
    change exists: the version bumped on main, or, for a hotfix, the hotfix commit on the remote.
    A crash inside prepare leaves only its two files changed; that counts only when this release's
    journal says preflight passed, since a maintainer's own uncommitted edit looks the same."""
    if before_changes(rite):
        return True
    if rite.journal is None or rite.journal.step_status("preflight") != "done":
        return False
    r, p = rite.release, rite.project
    dirty = {line[3:] for line in rite.git.status()}
    home = r.branch if r.kind == "hotfix" else r.main
    return bool(dirty) and dirty <= {p.version_file_rel, p.changelog_rel} and rite.git.current_branch() == home


def run_tests(rite: Rite) -> None:
    cmd = rite.settings["test_command"]
    if cmd:
        rite.shell.run(cmd, cwd=rite.project.root, hint="the project's tests fail: fix them before releasing")


def set_release_files(rite: Rite) -> str | None:
    """Version file at the release version; a WIP section, if any, dated as the release.
    Returns the changelog text when it still lacks a section for the release (the caller decides).
    The new changelog is made before either file is written, so a bad one leaves both untouched."""
    r, p = rite.release, rite.project
    text = p.changelog_text(rite.shell)
    wip = changelog.wip_section(text)
    finalized = None if wip is None else changelog.finalize(text, wip.version, r.date, release_version=r.version)
    if p.version(rite.shell) != r.version:
        write_version(p, rite.shell, r.version)
    if finalized is not None:
        rite.shell.write_file(p.changelog_path, finalized, label=p.changelog_rel)
        return None
    return None if _has_release_section(text, r.version) else text


def prepare(rite: Rite) -> None:
    """Version file at the release version, changelog's WIP section dated (on main's working tree)."""
    p, r = rite.project, rite.release
    text = p.changelog_text(rite.shell)
    if changelog.wip_section(text) is None and not _has_release_section(text, r.version):
        raise ChangelogError(f"{p.changelog_rel} has neither a Work-In-Progress section nor one for {r.version}")
    set_release_files(rite)


def prepare_done(rite: Rite) -> bool:
    r, p = rite.release, rite.project
    if rite.git.branch_exists(r.branch) and _version_at(rite, r.branch) == r.version:
        return True
    return p.version() == r.version and _has_release_section(p.changelog_text(), r.version) \
        and changelog.wip_section(p.changelog_text()) is None


def release_branch(rite: Rite) -> None:
    r = rite.release
    if rite.git.branch_exists(r.branch):
        _checkout(rite, r.branch)
    else:
        here = rite.git.current_branch()
        if here != r.main and not rite.shell.dry_run:
            raise PreconditionFailed(f"the release branch is cut from '{r.main}', but you are on '{here}'",
                                     f"run `git checkout {r.main}` (the bumped files come along), then resume")
        rite.git.create_branch(r.branch)
    gittasks.commit_release_files(rite.project, rite.git, f"starting release branch: {r.version}")


def release_branch_done(rite: Rite) -> bool:
    r = rite.release
    return (rite.git.branch_exists(r.branch) and _version_at(rite, r.branch) == r.version
            and _has_release_section(rite.git.show_file(r.branch, rite.project.changelog_rel), r.version))


def dev_cycle(rite: Rite) -> None:
    """On main: next .dev0, the release's section dated and a new WIP section; integrate; push."""
    r, p = rite.release, rite.project
    assert r.next_dev is not None  # a release (not a hotfix) always has one
    _checkout(rite, r.main)
    if p.version(rite.shell) != r.next_dev:
        write_version(p, rite.shell, r.next_dev)
    text = p.changelog_text(rite.shell)
    wip = changelog.wip_section(text)
    if wip is not None and wip.version != r.next_dev:
        finalize_changelog(p, rite.shell, wip.version, r.version, r.date)
        wip = None
    if wip is None:
        open_dev_cycle(p, rite.shell, r.next_dev)
    gittasks.commit_release_files(p, rite.git, f"new dev cycle: {r.next_dev}")
    gittasks.push_main_with_integration(p, rite.git, r.main)


def dev_cycle_done(rite: Rite) -> bool:
    r = rite.release
    rite.git.fetch(r.remote)
    remote_version = _version_at(rite, f"{r.remote}/{r.main}")
    return (remote_version is not None and r.next_dev is not None
            and versioning.parse(remote_version) >= versioning.parse(r.next_dev)
            and _has_release_section(rite.git.show_file(f"{r.remote}/{r.main}", rite.project.changelog_rel), r.version))


def publish_branch(rite: Rite) -> None:
    r = rite.release
    _checkout(rite, r.branch)
    rite.git.commit([rite.project.changelog_rel], f"version {r.version} release")
    rite.git.push(r.remote, r.branch, set_upstream=True)


def publish_branch_done(rite: Rite) -> bool:
    r = rite.release
    local = rite.git.rev(f"refs/heads/{r.branch}")
    return local is not None and rite.git.remote_branch_head(r.remote, r.branch) == local


def tag(rite: Rite) -> None:
    _checkout(rite, rite.release.branch)
    gittasks.tag_and_push(rite.project, rite.git, rite.release.version)


def tag_done(rite: Rite) -> bool:
    r = rite.release
    local = rite.git.rev(f"refs/heads/{r.branch}")
    return local is not None and rite.git.remote_tag(r.remote, r.tag) == local


def finish(rite: Rite) -> None:
    r = rite.release
    if not rite.shell.dry_run:
        gittasks.report_backport(gittasks.backport_candidates(rite.project, rite.git, r.main, r.branch))
    _checkout(rite, r.main)


def consent_summary(rite: Rite) -> list[str]:
    """What the one question of a release is about: versions, tag, branch, remote and upload targets."""
    from releasekit.tasks.dist import conda_enabled
    from releasekit.tasks.upload import conda_target, pypi_target

    r, p = rite.release, rite.project
    url = rite.git.remote_url(r.remote) or "?"
    lines = [f"{r.kind} of {p.package} {r.version} (from {r.from_version})",
             f"  tag {r.tag} on {r.remote} ({url}), branch {r.branch}"
             + (f"; then {r.main} at {r.next_dev}" if r.next_dev else "")]
    try:
        lines.append(f"  upload to {pypi_target(p)[1]}")
        if conda_enabled(p):
            lines.append(f"  conda package to {conda_target(p.settings)}")
    except ReleasekitError as exc:
        lines.append(f"  upload target: {exc.message}")
    return lines


# --- hotfix steps ---------------------------------------------------------------------------------------------------


def hotfix_commit(rite: Rite) -> None:
    """Bump to .postN, date or write its changelog section, commit `hotfix: X`, push the branch."""
    r, p = rite.release, rite.project
    text = set_release_files(rite)
    if text is not None:  # no section yet: write one from --note entries or the commits since the last tag
        notes = r.notes or rite.git.subjects_since(p.tag(r.from_version)) or [f"hotfix release {r.version}"]
        rite.shell.write_file(p.changelog_path, changelog.add_release_section(text, r.version, r.date, notes),
                              label=p.changelog_rel)
    gittasks.commit_release_files(p, rite.git, f"hotfix: {r.version}")
    rite.git.push(r.remote, r.branch, set_upstream=True)


def hotfix_commit_done(rite: Rite) -> bool:
    r = rite.release
    rite.git.fetch(r.remote)
    return _version_at(rite, f"{r.remote}/{r.branch}") == r.version and publish_branch_done(rite)


# --- the artifact steps (dist, upload, verify) -------------------------------------------------------------------------


def _artifact_steps() -> list[Step]:
    from releasekit.tasks import dist, upload, verify

    return [
        Step("build", "build sdist, wheel and conda package from a clean export of the tag", "dist.pypi",
             dist.build_release, dist.build_commands, dist.build_done),
        Step("check", "check the artifacts and install them in clean environments", "dist.check",
             dist.check_release, dist.check_commands, dist.check_done),
        Step("upload", "upload to the package index and the conda channel", "upload.all",
             upload.upload_release, upload.upload_commands, upload.upload_done, changes_outside=True),
        Step("verify", "wait for the indexes, then install the published release", "verify.install",
             verify.verify_release, verify.verify_commands),
    ]


def _preview_step() -> Step:
    from releasekit.tasks import dist

    return Step("preview", "build HEAD and check the artifacts before anything changes", "dist.check",
                dist.preview_release, dist.preview_commands, before_changes, needs=("build", "check"),
                read_only=True)


def _cmds(*lines: str):
    return lambda rite: [line.format(r=rite.release, p=rite.project, s=rite.settings) for line in lines]


def release_steps() -> list[Step]:
    return [
        Step("preflight", "preflight checks", "git.sanity-check", preflight,
             _cmds("git fetch --prune --tags {r.remote}", "git status --porcelain",
                   "git ls-remote --tags {r.remote} refs/tags/{r.tag}"), preflight_done, read_only=True),
        Step("tests", "run the project's tests", "ci.test", run_tests, _cmds("{s[test_command]}"), before_changes,
             optional=True, read_only=True),
        _preview_step(),
        Step("prepare", "bump the version and finalize the changelog", "version.bump", prepare,
             _cmds("write {p.version_file_rel}: {r.from_version} => {r.version}",
                   "write {p.changelog_rel}: {r.from_version} (Work In Progress) => {r.version} ({r.date})"),
             prepare_done),
        Step("release-branch", "create the release branch and commit both files", "git.release-branch-create",
             release_branch, _cmds("git checkout -b {r.branch}",
                                   "git commit -m 'starting release branch: {r.version}' -- {p.version_file_rel} {p.changelog_rel}"),
             release_branch_done),
        Step("dev-cycle", "open the next dev cycle on main and push it", "git.commit-dev-cycle-push", dev_cycle,
             _cmds("git checkout {r.main}", "write {p.version_file_rel}: {r.from_version} => {r.next_dev}",
                   "write {p.changelog_rel}: date {r.version}, open {r.next_dev} (Work In Progress)",
                   "git commit -m 'new dev cycle: {r.next_dev}'", "git fetch {r.remote}; git rebase {r.remote}/{r.main} if it moved",
                   "git push {r.remote} HEAD:refs/heads/{r.main}"),
             dev_cycle_done, changes_outside=True),
        Step("push-release-branch", "push the release branch", "git.commit-release-push", publish_branch,
             _cmds("git checkout {r.branch}", "git push --set-upstream {r.remote} {r.branch}"),
             publish_branch_done, changes_outside=True),
        Step("tag", "tag the release and push the tag", "git.tag-version-push", tag,
             _cmds("git tag -a {r.tag} -m {r.tag}", "git push {r.remote} refs/tags/{r.tag}",
                   "git ls-remote --tags {r.remote} refs/tags/{r.tag}"),
             tag_done, changes_outside=True),
        *_artifact_steps(),
        Step("finish", "backport check, back to the main branch", "git.backport-check", finish,
             _cmds("git log {r.main}...{r.branch} (backport check)", "git checkout {r.main}")),
    ]


def hotfix_steps() -> list[Step]:
    return [
        Step("preflight", "hotfix preflight checks", "git.sanity-check", preflight,
             _cmds("git fetch --prune --tags {r.remote}", "git status --porcelain"), preflight_done, read_only=True),
        Step("tests", "run the project's tests", "ci.test", run_tests, _cmds("{s[test_command]}"), before_changes,
             optional=True, read_only=True),
        _preview_step(),
        Step("hotfix-commit", "bump to the post-release, changelog, commit and push", "version.bump-post-release",
             hotfix_commit, _cmds("write {p.version_file_rel}: {r.from_version} => {r.version}",
                                  "write {p.changelog_rel}: ## {r.version} ({r.date})",
                                  "git commit -m 'hotfix: {r.version}'", "git push {r.remote} {r.branch}"),
             hotfix_commit_done, changes_outside=True),
        Step("tag", "tag the hotfix and push the tag", "git.tag-version-push", tag,
             _cmds("git tag -a {r.tag} -m {r.tag}", "git push {r.remote} refs/tags/{r.tag}"),
             tag_done, changes_outside=True),
        *_artifact_steps(),
        Step("finish", "backport check, back to the main branch", "git.backport-check", finish,
             _cmds("git log {r.main}...{r.branch} (backport check)", "git checkout {r.main}")),
    ]
