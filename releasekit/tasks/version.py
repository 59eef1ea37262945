"""version: show, bump, bump-dev, set, check — and the Makefile's names as aliases."""

from __future__ import annotations

import json as jsonlib
from typing import TYPE_CHECKING

from invoke import Collection

from releasekit.core import ui, versionfile, versioning
from releasekit.core.errors import VersionError
from releasekit.tasks.base import load_project, shell, task

if TYPE_CHECKING:  # type hints only: importing them here would slow `releasekit --list`
    from releasekit.adapters.shell import Shell
    from releasekit.core.project import Project


# --- plain functions (the tasks below are shims over these) ------------------------


def write_version(project: Project, sh: Shell, new: str) -> tuple[str, str]:
    """Replace the version literal atomically (or show the diff in a dry run); print `old => new`."""
    old = project.version(sh)
    text = project.version_text(sh)
    sh.write_file(project.version_file, versionfile.replace_version(text, project.version_file_rel, new),
                  label=project.version_file_rel)
    ui.info(f"{old} => {new}")
    return old, new


def bump_version(project: Project, sh: Shell, part: str = "patch", pre: str | None = None) -> tuple[str, str]:
    return write_version(project, sh, str(versioning.bump(project.version(sh), part, pre)))


def bump_dev_version(project: Project, sh: Shell, part: str = "patch") -> tuple[str, str]:
    return write_version(project, sh, str(versioning.bump_dev(project.version(sh), part)))


def set_version(project: Project, sh: Shell, new: str, force: bool = False) -> tuple[str, str]:
    target = versioning.parse(new)
    current = versioning.parse(project.version(sh))
    if target < current and not force:
        raise VersionError(f"{target} is lower than the current {current}; versions never go backwards",
                           "pass --force if you really mean it")
    return write_version(project, sh, str(target))


def version_info(project: Project) -> dict:
    raw = project.version()
    v = versioning.parse(raw)
    return {
        "package": project.package,
        "version": raw,
        "file": project.version_file_rel,
        "release": str(versioning.release_of(v)),
        "is_dev": v.is_devrelease,
        "is_prerelease": v.is_prerelease,
        "next_patch": str(versioning.bump(v, "patch")),
        "next_dev": str(versioning.bump_dev(v, "patch")),
    }


def check_version(project: Project, branch: str | None, main: str | None) -> list[str]:
    """Problems with the version for the branch we are on (main: X.Y.Z.dev0; release branch: a release)."""
    from releasekit.tasks.git import version_of_release_branch

    v = versioning.parse(project.version())
    problems = []
    if branch is not None and branch == main:
        problem = versioning.check_main_version(v)
        if problem:
            problems.append(problem)
    elif branch is not None and version_of_release_branch(project, branch) is not None:
        problem = versioning.check_release_version(v)
        if problem:
            problems.append(problem)
    return problems


# --- tasks ------------------------------------------------------------------------------------


@task(help={"json": "print machine-readable JSON"})
def show(c, json=False):
    """Print the current version (and the file it lives in)."""
    info = version_info(load_project(c))
    if json:
        print(jsonlib.dumps(info, indent=2))
    else:
        ui.info(f"{info['package']} {info['version']}  ({info['file']})")


@task(help={"part": "major, minor, patch or post", "pre": "a, b or rc: bump to a pre-release",
            "dry_run": "show the diff, write nothing"})
def bump(c, part="patch", pre=None, dry_run=False):
    """Bump to the next release version (a dev/pre-release of it is finalized)."""
    bump_version(load_project(c), shell(c, dry_run), part, pre)


@task(name="bump-dev", help={"part": "major, minor or patch", "dry_run": "show the diff, write nothing"})
def bump_dev(c, part="patch", dry_run=False):
    """Open the next development cycle: the next release by --part, plus .dev0."""
    bump_dev_version(load_project(c), shell(c, dry_run), part)


@task(name="set", help={"version": "the new version", "force": "allow a lower version",
                        "dry_run": "show the diff, write nothing"})
def set_(c, version, force=False, dry_run=False):
    """Set the version to a given PEP 440 version (never lower, unless --force)."""
    set_version(load_project(c), shell(c, dry_run), version, force)


@task
def check(c):
    """Check the version: valid PEP 440, and X.Y.Z.dev0 on the main branch."""
    from releasekit.tasks.git import current_branch_or_none, main_branch_name

    project = load_project(c)
    problems = check_version(project, current_branch_or_none(c, project), main_branch_name(c, project))
    if problems:
        raise VersionError("; ".join(problems), "run `releasekit version.bump-dev` to open a dev cycle")
    ui.info(f"version {project.version()} ok")


def _alias(name: str, doc: str, fn):
    @task(name=name, help={"dry_run": "show the diff, write nothing"})
    def alias(c, dry_run=False):
        fn(load_project(c), shell(c, dry_run))

    alias.__doc__ = doc
    alias.body.__doc__ = doc
    return alias


bump_major = _alias("bump-major", "Alias: bump --part major.", lambda p, s: bump_version(p, s, "major"))
bump_minor = _alias("bump-minor", "Alias: bump --part minor.", lambda p, s: bump_version(p, s, "minor"))
bump_patch = _alias("bump-patch", "Alias: bump --part patch.", lambda p, s: bump_version(p, s, "patch"))
bump_post_release = _alias("bump-post-release", "Alias: bump --part post.", lambda p, s: bump_version(p, s, "post"))
bump_major_dev = _alias("bump-major-dev", "Alias: bump-dev --part major.", lambda p, s: bump_dev_version(p, s, "major"))
bump_minor_dev = _alias("bump-minor-dev", "Alias: bump-dev --part minor.", lambda p, s: bump_dev_version(p, s, "minor"))
bump_patch_dev = _alias("bump-patch-dev", "Alias: bump-dev --part patch.", lambda p, s: bump_dev_version(p, s, "patch"))

ns = Collection("version")
for t in (show, bump, bump_dev, set_, check, bump_major, bump_minor, bump_patch, bump_post_release,
          bump_major_dev, bump_minor_dev, bump_patch_dev):
    ns.add_task(t)  # type: ignore[arg-type]
