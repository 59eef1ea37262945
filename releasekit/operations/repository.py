"""The git side of a release: the main branch, released versions, the sanity checks before a
release, commits, pushes with integration of a moved remote, tags, backports."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from releasekit.adapters import towncrier
from releasekit.adapters.git import Git
from releasekit.adapters.shell import Shell
from releasekit.core import consent, ui, versioning
from releasekit.core.conventions.changelogs import Problem
from releasekit.core.conventions.versions import policy as version_policy
from releasekit.core.conventions.versions.tags import version_in
from releasekit.core.errors import (
    CommandFailed,
    GitError,
    PreconditionFailed,
    PreflightFailed,
    ReleasekitError,
)
from releasekit.core.project import Project
from releasekit.operations.version_edits import (
    branch_template,
    current_version,
    release_policy,
    tag_name,
    tree_of,
    version_conventions,
    version_of_release_branch,
    version_paths,
)

__all__ = ["branch_template", "version_of_release_branch"]  # kept here for their callers: they name branches

if TYPE_CHECKING:
    from packaging.version import Version


def detect_main_branch(project: Project, git: Git) -> str:
    """Configured main branch, else the remote's HEAD, else whichever of main/master exists."""
    if not git.is_repo():
        raise GitError(f"{project.root} is not a git repository", "run releasekit in your project's git checkout")
    configured = project.settings["main_branch"]
    if configured:
        return configured
    remote_default = git.default_branch(project.settings["remote"])
    if remote_default:
        return remote_default
    for name in ("main", "master"):
        if git.branch_exists(name):
            return name
    raise GitError("cannot tell the main branch", "set `releasekit.main_branch`")


def main_branch_name(project: Project, git: Git) -> str | None:
    return detect_main_branch(project, git) if git.is_repo() else None


def current_branch_or_none(git: Git) -> str | None:
    if not git.is_repo():
        return None
    try:
        return git.current_branch()
    except GitError:
        return None


def released_versions(project: Project, git: Git) -> list[tuple[Version, str, str]]:
    """(parsed, version, ref) of each version with a local tag or release branch, newest first: what
    was released (or is being released) from this repository. Tags win over branches."""
    found: dict[str, str] = {}
    tag_pattern = re.escape(version_conventions(project, git).tag).replace(re.escape("{version}"), r"(?P<v>.+)")
    for tag in git.local_refs("tags"):
        m = re.fullmatch(tag_pattern, tag)
        if m:
            found[m["v"]] = tag
    for branch in git.local_refs("heads"):
        v = version_of_release_branch(project, branch)
        if v:
            found.setdefault(v, branch)
    parsed = []
    for v, ref in found.items():
        try:
            parsed.append((versioning.parse(v), v, ref))
        except ReleasekitError:  # `v2`, `nightly`, `1.0.0-beta`: no release of the rite's
            continue
    return sorted(parsed, reverse=True)


def released_since(project: Project, git: Git, dev_version: str) -> tuple[str, str] | None:
    """The newest release (version, ref) that is not older than ``dev_version``: main at that dev
    version has not been moved to the next cycle yet."""
    dev = versioning.parse(dev_version)
    newer = [(v, ref) for parsed, v, ref in released_versions(project, git) if parsed > dev]
    return newer[0] if newer else None


def sanity_problems(project: Project, git: Git, *, main: str, on_branch: str | None = None,
                    expect: str = "dev", release: str | None = None, unpushed_ok: bool = False) -> list[str]:
    """Every reason the repository is not ready for a release step (empty: ready).

    ``expect`` is "dev" (main before a release) or "release" (a hotfix branch). ``unpushed_ok``: local
    commits the remote lacks are fine (a hotfix's fixes, which the hotfix pushes with its own commit).
    """
    problems: list[str] = []
    remote = project.settings["remote"]
    if not git.is_repo():
        return [f"{project.root} is not a git repository"]
    dirty = git.status()
    if dirty:
        shown = ", ".join(line[3:] for line in dirty[:5]) + (" ..." if len(dirty) > 5 else "")
        problems.append(f"the working tree is not clean ({shown}): commit, stash or remove these files")
    branch = git.current_branch()
    want = on_branch or main
    if branch != want:
        problems.append(f"on branch '{branch}', not '{want}': run `releasekit git.main-branch-switch`"
                        if want == main else f"on branch '{branch}', not '{want}'")
    url = git.remote_url(remote)
    if url is None:
        problems.append(f"there is no remote '{remote}'")
    else:
        expected_url = project.settings["remote_url"]
        if expected_url and url.rstrip("/") != expected_url.rstrip("/"):
            problems.append(f"remote '{remote}' is {url}, not the configured {expected_url} (a fork?)")
        try:
            git.fetch(remote)
        except ReleasekitError as exc:
            problems.append(f"cannot fetch from '{remote}': {exc.message}")
        else:
            if git.remote_branch_exists(remote, branch):
                ahead, behind = git.ahead_behind(branch, f"{remote}/{branch}")
                if behind and ahead:
                    problems.append(f"'{branch}' and '{remote}/{branch}' have diverged: integrate them first")
                elif behind:
                    problems.append(f"'{branch}' is {behind} commit(s) behind '{remote}/{branch}': run `git pull`")
                elif ahead and not unpushed_ok:
                    problems.append(f"'{branch}' has {ahead} unpushed commit(s): push them first")
            elif branch == main:
                problems.append(f"'{remote}' has no branch '{main}'")
    try:
        conv = version_conventions(project, git)
        version = conv.source.read(tree_of(project))
        problems += conv.source.check(tree_of(project))
    except ReleasekitError as exc:
        return problems + [exc.message]
    v = versioning.parse(version)
    wip_version: str | None = version  # the version the changelog's open section must carry
    if expect == "dev":
        problem = version_policy.check_main(version, release_policy(conv))
        if problem:
            problems.append(problem)
        if release_policy(conv) != "dev":
            wip_version = None  # main holds the last release: the next section has no version yet
        require_wip = True
    else:
        problem = versioning.check_release_version(v)
        if problem:
            problems.append(problem)
        require_wip = False
    try:
        problems += changelog_problems(project, version=wip_version, release_branch=not require_wip, main=main,
                                       sh=git.shell)
    except ReleasekitError as exc:
        problems.append(exc.message)
    if project.settings["tag_sign"] and not git.signing_key():
        problems.append("`releasekit.tag_sign` is true, but git has no signing key configured "
                        "(git config user.signingkey KEYID)")
    if release:
        tag = tag_name(conv, release)
        if git.local_tag(tag):
            problems.append(f"tag '{tag}' already exists locally: {release} was released already")
        if url is not None:
            try:
                if git.remote_tag(remote, tag):
                    problems.append(f"tag '{tag}' already exists on '{remote}': {release} was released already")
            except ReleasekitError:
                pass  # the fetch problem above already says the remote is unreachable
    return problems


# --- the changelog's part of a release commit and of the checks -------------------------------------


def fragments(project: Project) -> list[str]:
    """The file names in the format's fragment folder (towncrier's news fragments); [] without one."""
    folder = project.changelog_format.fragment_dir
    path = project.root / folder if folder else None
    if path is None or not path.is_dir():
        return []
    return sorted(p.name for p in path.iterdir() if p.is_file())


def changelog_files(project: Project, git: Git) -> list[str]:
    """What a release commit takes of the changelog: its file and its fragment folder (towncrier's
    build deletes the fragments), each where it exists on disk or in HEAD; [] for no changelog."""
    fmt = project.changelog_format
    wanted = [p for p in (fmt.path, fmt.fragment_dir) if p]
    missing = [p for p in wanted if not (project.root / p).exists()]
    tracked = git.ls_files("HEAD") if missing and git.rev("HEAD") else []
    return [p for p in wanted if p not in missing
            or any(f == p or f.startswith(p.rstrip("/") + "/") for f in tracked)]


def _line(project: Project, p: Problem) -> str:
    return f"{project.changelog_rel}:{p.line}: {p.message}" if p.line else p.message


_CURRENT = object()  # changelog_problems' default: the project's version as its file has it


def changelog_problems(project: Project, *, version: str | None | object = _CURRENT, release_branch: bool = False,
                       main: str | None = None, sh: Shell | None = None) -> list[str]:
    """Every structural problem of the changelog (by line), and its tool's own check (towncrier check
    against ``main``) when a shell is given to run it."""
    fmt = project.changelog_format
    wanted = current_version(project) if version is _CURRENT else version  # the version source's: a file or the tags
    problems = [_line(project, p) for p in fmt.problems(project.changelog_text(), wanted,  # type: ignore[arg-type]
                                                         release_branch=release_branch,
                                                         fragments=fragments(project))]
    if sh is not None and main:
        for argv in fmt.check_commands(main):
            try:
                towncrier.run(sh, project.root, argv)
            except CommandFailed as exc:
                problems.append(f"`{' '.join(argv)}` failed: {exc.message}")
    return problems


def raise_if(problems: list[str], hint: str | None = None) -> None:
    if problems:
        if len(problems) > 1:
            for p in problems:
                ui.info(f"  - {p}")
        raise PreflightFailed(problems, hint)


def release_files(project: Project, git: Git) -> list[str]:
    """What a release commits: the version source's files (uv.lock with them), the changelog and the
    news fragments its tool removed."""
    return [*version_paths(project, version_conventions(project, git)), *changelog_files(project, git)]


def commit_release_files(project: Project, git: Git, message: str) -> bool:
    return git.commit(release_files(project, git), message)


def push_main_with_integration(project: Project, git: Git, main: str) -> None:
    """Fetch, replay our commits on whatever landed on the remote meanwhile, then push."""
    remote = project.settings["remote"]
    git.fetch(remote)
    upstream = f"{remote}/{main}"
    if git.remote_branch_exists(remote, main) and not git.is_ancestor(upstream, "HEAD"):
        ui.info(f"{upstream} moved during the release; replaying the dev-cycle commit on top of it")
        git.rebase_onto_upstream(upstream)
    git.push(remote, f"HEAD:refs/heads/{main}")


def tag_and_push(project: Project, git: Git, version: str, *, tag: str | None = None, ref: str = "HEAD") -> str:
    """Annotated tag (signed with `tag_sign`) on ``ref``, pushed by name, then checked on the remote.
    The name follows the project's tag template (detected from its tags unless `tag` is set). Idempotent."""
    remote = project.settings["remote"]
    tag = tag or tag_name(version_conventions(project, git), version)
    head = git.rev(ref) or ""
    existing = git.local_tag(tag)
    if existing and existing != head and not git.shell.dry_run:
        raise GitError(
            f"tag '{tag}' already exists and points at {existing[:10]}, not the release commit {head[:10]}",
            f"if it was made by mistake, delete it (`git tag -d {tag}`) and run `release` again",
        )
    if not existing:
        git.tag_annotated(tag, tag, ref, sign=bool(project.settings["tag_sign"]))
    remote_sha = git.remote_tag(remote, tag)
    if remote_sha and remote_sha != head:
        raise GitError(f"tag '{tag}' on '{remote}' points at {remote_sha[:10]}, not {head[:10]}",
                       "someone tagged this version already; release a new version instead")
    if not remote_sha:
        git.push(remote, f"refs/tags/{tag}")
        if not git.shell.dry_run and git.remote_tag(remote, tag) != head:
            raise GitError(f"tag '{tag}' is not on '{remote}' after pushing it", "push it by hand and check access")
    return tag


def backport_candidates(project: Project, git: Git, main: str, branch: str) -> list[str]:
    """Commits on the release branch since it left main, other than version/changelog-only ones."""
    remote = project.settings["remote"]
    ref = branch if git.branch_exists(branch) or git.local_tag(branch) else f"{remote}/{branch}"
    main_ref = main if git.branch_exists(main) else f"{remote}/{main}"
    if git.rev(ref) is None:
        raise GitError(f"there is no branch '{branch}' locally or on '{remote}'")
    base = git.merge_base(main_ref, ref)
    return git.commits_touching_other_than(f"{base}..{ref}", release_files(project, git))


def report_backport(commits: list[str]) -> None:
    if commits:
        ui.info("These commits may need to be backported:")
        for line in commits:
            ui.info(f"  {line}")
    else:
        ui.info("Nothing to backport")


def latest_release_branch(project: Project, git: Git) -> str | None:
    """The release branch (local or remote-tracking) with the highest version."""
    found = {}
    for ref in git.local_refs("heads") + git.local_refs(f"remotes/{project.settings['remote']}"):
        name = ref.split("/", 1)[1] if ref.startswith(project.settings["remote"] + "/") else ref
        version = version_of_release_branch(project, name)
        if version:
            try:
                found[versioning.parse(version)] = name
            except ReleasekitError:
                continue
    return found[max(found)] if found else None


def release_branch_for(project: Project, git: Git, version: str | None) -> str:
    """The release branch named by --version, the current one, or the newest one."""
    if version:
        named = project.release_branch(version)
        if named is None:  # no release branches: a hotfix branch made from the tag, else the tag itself
            named = branch_template(project).format(version=version)
            if not git.branch_exists(named) and git.rev(f"refs/remotes/{project.settings['remote']}/{named}") is None:
                return tag_name(version_conventions(project, git), version)
        return named
    branch = current_branch_or_none(git)
    if branch and version_of_release_branch(project, branch):
        return branch
    latest = latest_release_branch(project, git)
    if latest is None and project.settings["release_branch"] is None:
        tags = [ref for _, _, ref in released_versions(project, git) if git.local_tag(ref)]
        if tags:
            return tags[0]  # released from main with a tag only: the newest release tag
    if latest is None:
        raise GitError("there is no release branch yet", "pass --version X.Y.Z")
    return latest


def create_release_branch(project: Project, git: Git, from_tag: str | None = None) -> str:
    """`git.release-branch-create`: release-X.Y.Z from main once the version is bumped, or, with
    ``from_tag`` (a version or a tag name), from that release's tag: for a hotfix of a project that
    releases from main with a tag only. Returns the branch made."""
    start = "HEAD"
    if from_tag is not None:
        conv = version_conventions(project, git)
        tag = from_tag if git.local_tag(from_tag) else tag_name(conv, from_tag)
        if not git.local_tag(tag):
            raise GitError(f"there is no tag '{tag}'", "fetch the tags (`git fetch --tags`) or name an existing one")
        found = version_in(tag, conv.tag)
        version, start = (str(found) if found is not None else from_tag), tag
    else:
        version = current_version(project, git)
        if versioning.parse(version).is_devrelease:
            raise PreconditionFailed(f"the version is still {version}", "run `releasekit version.bump` first")
    branch = branch_template(project).format(version=version)
    if git.branch_exists(branch):
        raise GitError(f"branch '{branch}' already exists", "run `releasekit git.release-branch-switch`")
    git.create_branch(branch, start)
    expected = project.settings["remote_url"]
    url = git.remote_url(project.settings["remote"])
    if expected and url and url.rstrip("/") != expected.rstrip("/"):
        raise GitError(f"remote is {url}, not {expected}")
    return branch





def ask_unless_dry_run(git: Git, question: str, *, yes: bool, action: str) -> None:
    """A step that pushes on its own asks first (a terminal, or --yes); a dry run changes nothing."""
    if not git.shell.dry_run:
        consent.ask(question, yes=yes, action=action, declined="nothing was changed, as asked")


def commit_dev_cycle_and_push(project: Project, git: Git, *, yes: bool) -> None:
    """`git.commit-dev-cycle-push`: the dev-cycle commit on main, pushed with what landed meanwhile."""
    version = current_version(project, git)
    parsed = versioning.parse(version)
    if not parsed.is_devrelease:
        raise PreconditionFailed(f"the version on main is {version}", "run `releasekit version.bump-dev` first")
    released = released_since(project, git, version)
    if released:  # main still carries the dev cycle of a release that is made
        raise PreconditionFailed(f"main is still at {version}, but {released[0]} is already cut ({released[1]})",
                                 "run `releasekit version.bump-dev` and `releasekit changelog.dev-cycle` first")
    main = detect_main_branch(project, git)
    ask_unless_dry_run(git, f"Commit the dev cycle {version} and push {main} to {project.settings['remote']}?", yes=yes, action="push")
    if not commit_release_files(project, git, f"new dev cycle: {version}"):
        ui.info(f"nothing to commit: {' and '.join(release_files(project, git))} are committed")
    push_main_with_integration(project, git, main)
