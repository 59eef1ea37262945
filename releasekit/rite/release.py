"""A release's fixed names (version, tag, branch, date...), decided when it starts and kept in
the journal."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date as _date

from releasekit.adapters.git import Git
from releasekit.core import changelog, versioning
from releasekit.core.project import Project


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
    build_number: int | None = None  # a conda rebuild's new build.number


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

