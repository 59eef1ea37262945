"""The project's version read and written through its version source (a literal, several files, or git
tags): bump, bump-dev, set, show and check, and the release version written with uv.lock following."""

from __future__ import annotations

import dataclasses
import re
from typing import TYPE_CHECKING

from releasekit.adapters import uvlock
from releasekit.adapters.git import Git as _Git
from releasekit.adapters.shell import Shell
from releasekit.adapters.shell import Shell as _Shell
from releasekit.core import fileio, releaselog, ui, versioning
from releasekit.core.conventions.versions import DirTree, MemoryTree, VersionConventions, resolve
from releasekit.core.conventions.versions import policy as version_policy
from releasekit.core.conventions.versions.tags import version_in
from releasekit.core.errors import ConfigError, ReleasekitError, VersionError
from releasekit.core.project import Project

if TYPE_CHECKING:  # type hints only: importing them here would slow `releasekit --list`
    from releasekit.adapters.git import Git
UV_LOCK = "uv.lock"


def branch_template(project: Project) -> str:
    """The release branches' name template; ``release-{version}`` when the project has none of its own
    (`release_branch` none: a hotfix branch made from a tag is still named so)."""
    return project.settings["release_branch"] or "release-{version}"


def version_of_release_branch(project: Project, branch: str) -> str | None:
    """``release-1.0.6`` -> ``1.0.6`` for the configured template; None for other branches (and for
    every branch when the project has no release branches)."""
    pattern = re.escape(branch_template(project)).replace(re.escape("{version}"), r"(?P<v>.+)")
    m = re.fullmatch(pattern, branch)
    return m["v"] if m else None


def release_tags(project: Project, git: Git | None = None) -> list[str]:
    """The repository's local tags (none outside a git checkout)."""
    if git is None:
        git = _Git(_Shell(), project.root)
    return git.local_refs("tags") if git.is_repo() else []


def tree_of(project: Project, sh: Shell | None = None) -> DirTree:
    """The project's files as the version source reads them; a dry run's unwritten edits included."""
    return DirTree(project.root, sh.overlay if sh is not None else None)


def version_conventions(project: Project, git: Git | None = None, sh: Shell | None = None) -> VersionConventions:
    """Where the version lives, how tags are named and the policy on main (pinned or detected)."""
    try:
        package: str | None = project.package  # also read from setup.cfg or setup.py
    except ConfigError:
        package = None
    tags = release_tags(project, git)
    conv = resolve(project.settings, tree_of(project, sh), tags, package)
    if conv.policy == "release" and project.settings["version_policy"] is None and conv.source.paths:
        # Detected from a final version on main: that is the release policy only when the version is
        # a release (its tag exists). Otherwise main simply lacks its .dev0, as the dev policy says.
        current = conv.source.read(tree_of(project, sh))
        if tag_name(conv, current) not in tags:
            conv = dataclasses.replace(conv, policy="dev")
    return conv


def current_version(project: Project, git: Git | None = None, sh: Shell | None = None) -> str:
    return version_conventions(project, git, sh).source.read(tree_of(project, sh))


def release_policy(conv: VersionConventions) -> str:
    """The policy on main; a source without files (git tags) keeps the release on main."""
    return conv.policy or ("dev" if conv.source.paths else "release")


def tag_name(conv: VersionConventions, version: str) -> str:
    return conv.tag.format(version=version)


def version_paths(project: Project, conv: VersionConventions) -> list[str]:
    """The files a version change edits and commits: the source's files, and uv.lock when there is one."""
    paths = list(conv.source.paths)
    if paths and (project.root / UV_LOCK).is_file():
        paths.append(UV_LOCK)
    return paths


def version_at_ref(project: Project, git: Git, ref: str, conv: VersionConventions | None = None) -> str | None:
    """The version the source's files carry at ``ref`` (None when unreadable, or when tags hold it)."""
    conv = conv or version_conventions(project, git)
    if not conv.source.paths:
        return None
    files = {p: text for p in conv.source.paths if (text := git.show_file(ref, p)) is not None}
    try:
        return conv.source.read(MemoryTree(files))
    except VersionError:
        return None
    except Exception as exc:  # a file gone or unreadable at that ref
        if isinstance(exc, ReleasekitError):
            return None
        raise


def write_release_version(project: Project, sh: Shell, new: str, *, git: Git | None = None,
                          conv: VersionConventions | None = None) -> tuple[str, str]:
    """Write ``new`` to every file of the version source, all of them or none (a dry run shows the
    diffs); then refresh uv.lock when the project has one. A source without files (git tags) writes
    nothing: the tag step makes the version. Prints ``old => new``."""
    conv = conv or version_conventions(project, git, sh)
    tree = tree_of(project, sh)
    try:
        old = conv.source.read(tree)
    except VersionError:
        if conv.source.paths:
            raise
        old = "(no release tag yet)"
    edits = conv.source.write(tree, new)
    if sh.dry_run:
        for rel, text in edits.items():
            sh.write_file(project.root / rel, text, label=rel)
    elif edits:
        paths = tree.paths(edits)
        before = {p: fileio.read_text(p) if p.is_file() else "" for p in paths}
        changed = {p: t for p, t in paths.items() if before[p] != t}
        if changed:
            fileio.atomic_write_many(changed)  # all of them or none
            log = releaselog.active()
            for path, text in changed.items():
                if log is not None:
                    log.write(f"wrote {path}\n" + fileio.unified_diff(before[path], text, path.name))
    if edits and old != new:
        uvlock.refresh(sh, project.root)
    suffix = "" if edits else f"  (git tags hold the version: the tag {tag_name(conv, new)} makes it)"
    ui.info(f"{old} => {new}{suffix}")
    return old, new


def write_version(project: Project, sh: Shell, new: str) -> tuple[str, str]:
    """The version source at ``new`` (kept for the callers of the single-file days)."""
    return write_release_version(project, sh, new)


def bump_version(project: Project, sh: Shell, part: str = "patch", pre: str | None = None) -> tuple[str, str]:
    conv = version_conventions(project, None, sh)
    current = conv.source.read(tree_of(project, sh))
    return write_release_version(project, sh, str(versioning.bump(current, part, pre)), conv=conv)


# How many commits that touch the version files `bump-dev` looks back through for the version held
# before the current one (the Makefile order has one, the release commit, or none when it is uncommitted).
_SPELLING_LOOKBACK = 20


def previous_spelling(project: Project, conv: VersionConventions, current: str) -> str | None:
    """The version the files held before ``current`` was written, as they spelled it: the version at the
    newest commit (of the last few that touch the version files) that holds another version than ``current``;
    HEAD itself when ``current`` is not committed yet. None outside git, or when none is found."""
    git = _Git(_Shell(), project.root)
    if not conv.source.paths or not git.is_repo():
        return None
    listed = git.shell.read(["git", "log", f"-n{_SPELLING_LOOKBACK}", "--format=%H", "HEAD", "--",
                             *conv.source.paths], cwd=git.cwd, check=False)
    for ref in (listed or "").split():
        files = {p: text for p in conv.source.paths if (text := git.show_file(ref, p)) is not None}
        try:
            spelled = conv.source.spelling(MemoryTree(files))
            held = versioning.parse(spelled) if spelled is not None else None
        except ReleasekitError:
            continue  # unreadable at that commit: look further back
        if held is not None and str(held) != current:
            return spelled
    return None


def bump_dev_version(project: Project, sh: Shell, part: str = "patch") -> tuple[str, str]:
    """The next dev version, spelled as the project spells its dev versions: ``X.Y.Z.dev`` (the Pallets
    spelling) when the files hold one so, or, when they hold a release (``version.bump`` wrote ``X.Y.Z``
    over ``X.Y.Z.dev``), when the version the files held before it was spelled so."""
    conv = version_conventions(project, None, sh)
    if not conv.source.paths:
        raise VersionError("the version comes from git tags, so there is no .dev0 version to write",
                           "git tags hold released versions only: bump with `version.bump` at release time")
    tree = tree_of(project, sh)
    current = conv.source.read(tree)
    new = str(versioning.bump_dev(current, part))
    if not versioning.parse(current).is_devrelease:  # the files keep no dev spelling: the one before them may
        new = versioning.spelled_like(new, previous_spelling(project, conv, current) or "")
    return write_release_version(project, sh, new, conv=conv)


def set_version(project: Project, sh: Shell, new: str, force: bool = False) -> tuple[str, str]:
    target = versioning.parse(new)
    conv = version_conventions(project, None, sh)
    try:
        current = versioning.parse(conv.source.read(tree_of(project, sh)))
    except VersionError:
        if conv.source.paths:
            raise
        current = None  # git tags, none yet: the first version is whatever is set
    if current is not None and target < current and not force:
        raise VersionError(f"{target} is lower than the current {current}; versions never go backwards",
                           "pass --force if you really mean it")
    return write_release_version(project, sh, str(target), conv=conv)


def version_info(project: Project) -> dict:
    conv = version_conventions(project)
    raw = conv.source.read(tree_of(project))
    v = versioning.parse(raw)
    return {
        "package": project.package,
        "version": raw,
        "file": ", ".join(conv.source.paths) or conv.source.describe(),
        "release": str(versioning.release_of(v)),
        "is_dev": v.is_devrelease,
        "is_prerelease": v.is_prerelease,
        "next_patch": str(versioning.bump(v, "patch")),
        "next_dev": str(versioning.bump_dev(v, "patch")),
    }


def check_version(project: Project, branch: str | None, main: str | None) -> list[str]:
    """Problems with the version: a file that disagrees with the others; on main, the policy's shape
    (dev: X.Y.Z.dev0; release: the last release); on a release branch, a release version."""
    conv = version_conventions(project)
    tree = tree_of(project)
    problems = list(conv.source.check(tree))
    v = versioning.parse(conv.source.read(tree))
    if branch is not None and branch == main:
        problem = version_policy.check_main(str(v), release_policy(conv))
        if problem:
            problems.append(problem)
    elif branch is not None and version_of_release_branch(project, branch) is not None:
        problem = versioning.check_release_version(v)
        if problem:
            problems.append(problem)
    return problems


def version_arg(project: Project, text: str | None) -> str:
    """A task's --version once it is known to be a PEP 440 version (else a one-line VersionError),
    or the project's current version when none was given."""
    if not text:
        return current_version(project)
    versioning.parse(text)
    return text


def hotfix_base(project: Project, git: Git, branch: str, conv: VersionConventions) -> str:
    """The version a hotfix on ``branch`` starts from: what its files say, or, when git tags hold the
    version, the newest release tag on the branch's history."""
    if conv.source.paths:
        return conv.source.read(tree_of(project))
    described = git.shell.read(["git", "describe", "--tags", "--abbrev=0", "--match",
                                conv.tag.replace("{version}", "*"), branch], cwd=git.cwd, check=False)
    found = version_in(described, conv.tag) if described else None
    if found is None:
        raise VersionError(f"no release tag ('{conv.tag}') on the history of {branch}",
                           "make the hotfix branch from the release's tag (`git.release-branch-create --from-tag X`)")
    return str(found)
