"""The project's version file read and written: bump, bump-dev, set, show and check."""

from __future__ import annotations

from typing import TYPE_CHECKING

from releasekit.core import ui, versionfile, versioning
from releasekit.core.errors import VersionError
from releasekit.core.project import Project
from releasekit.operations.repository import version_of_release_branch

if TYPE_CHECKING:  # type hints only: importing them here would slow `releasekit --list`
    from releasekit.adapters.shell import Shell

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

def version_arg(project: Project, text: str | None) -> str:
    """A task's --version once it is known to be a PEP 440 version (else a one-line VersionError),
    or the version file's when none was given."""
    if not text:
        return project.version()
    versioning.parse(text)
    return text
