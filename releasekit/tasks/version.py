"""version: show, bump, bump-dev, set, check — and the Makefile's names as aliases."""

from __future__ import annotations

import json as jsonlib
from typing import TYPE_CHECKING

from invoke import Collection

from releasekit.core import ui
from releasekit.core.errors import VersionError
from releasekit.tasks.base import task
from releasekit.tasks.context import git_for, load_project, shell

if TYPE_CHECKING:  # type hints only: importing them here would slow `releasekit --list`
    pass


# --- plain functions (the tasks below are shims over these) ------------------------


# --- tasks ------------------------------------------------------------------------------------


@task(help={"json": "print machine-readable JSON"})
def show(c, json=False):
    """Print the current version (and the files, or the tags, it comes from)."""
    from releasekit.operations.version_edits import version_info

    info = version_info(load_project(c))
    if json:
        print(jsonlib.dumps(info, indent=2))
    else:
        ui.info(f"{info['package']} {info['version']}  ({info['file']})")


@task(help={"part": "major, minor, patch or post", "pre": "a, b or rc: bump to a pre-release",
            "dry_run": "show the diff, write nothing"})
def bump(c, part="patch", pre=None, dry_run=False):
    """Bump to the next release version (a dev/pre-release of it is finalized)."""
    from releasekit.operations.version_edits import bump_version

    bump_version(load_project(c), shell(c, dry_run), part, pre)


@task(name="bump-dev", help={"part": "major, minor or patch", "dry_run": "show the diff, write nothing"})
def bump_dev(c, part="patch", dry_run=False):
    """Open the next development cycle: the next release by --part, plus .dev0."""
    from releasekit.operations.version_edits import bump_dev_version

    bump_dev_version(load_project(c), shell(c, dry_run), part)


@task(name="set", help={"version": "the new version", "force": "allow a lower version",
                        "dry_run": "show the diff, write nothing"})
def set_(c, version, force=False, dry_run=False):
    """Set the version to a given PEP 440 version (never lower, unless --force)."""
    from releasekit.operations.version_edits import set_version

    set_version(load_project(c), shell(c, dry_run), version, force)


@task
def check(c):
    """Check the version: valid PEP 440, every version file agrees, and on main the policy's shape
    (dev: X.Y.Z.dev0; release: the last release)."""
    from releasekit.operations.repository import current_branch_or_none, main_branch_name
    from releasekit.operations.version_edits import (
        check_version,
        current_version,
        release_policy,
        version_conventions,
    )

    project = load_project(c)
    git = git_for(c, project)
    problems = check_version(project, current_branch_or_none(git), main_branch_name(project, git))
    if problems:
        dev = release_policy(version_conventions(project, git)) == "dev"
        raise VersionError("; ".join(problems), "run `releasekit version.bump-dev` to open a dev cycle" if dev
                           else "make every version file say the same release (`releasekit version.set X.Y.Z`)")
    ui.info(f"version {current_version(project, git)} ok")


def _alias(name: str, doc: str, operation: str, part: str):
    @task(name=name, help={"dry_run": "show the diff, write nothing"})
    def alias(c, dry_run=False):
        from releasekit.operations import version_edits

        getattr(version_edits, operation)(load_project(c), shell(c, dry_run), part)

    alias.__doc__ = doc
    alias.body.__doc__ = doc
    return alias


bump_major = _alias("bump-major", "Alias: bump --part major.", "bump_version", "major")
bump_minor = _alias("bump-minor", "Alias: bump --part minor.", "bump_version", "minor")
bump_patch = _alias("bump-patch", "Alias: bump --part patch.", "bump_version", "patch")
bump_post_release = _alias("bump-post-release", "Alias: bump --part post.", "bump_version", "post")
bump_major_dev = _alias("bump-major-dev", "Alias: bump-dev --part major.", "bump_dev_version", "major")
bump_minor_dev = _alias("bump-minor-dev", "Alias: bump-dev --part minor.", "bump_dev_version", "minor")
bump_patch_dev = _alias("bump-patch-dev", "Alias: bump-dev --part patch.", "bump_dev_version", "patch")

ns = Collection("version")
for t in (show, bump, bump_dev, set_, check, bump_major, bump_minor, bump_patch, bump_post_release,
          bump_major_dev, bump_minor_dev, bump_patch_dev):
    ns.add_task(t)  # type: ignore[arg-type]
