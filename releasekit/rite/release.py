"""A release's fixed names (version, tag, branch, date...), decided when it starts and kept in
the journal."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date as _date

from releasekit.adapters.git import Git
from releasekit.core import changelog, versioning
from releasekit.core.conventions.versions import policy as version_policy
from releasekit.core.project import Project
from releasekit.operations.version_edits import (
    hotfix_base,
    release_policy,
    tag_name,
    tree_of,
    version_conventions,
)


@dataclass
class Release:
    """The concrete names of one release; fixed when it starts and kept in the journal."""

    kind: str  # "release" | "hotfix"
    from_version: str
    version: str
    next_dev: str | None  # main's version after the release under the dev policy; None: main keeps the release
    part: str
    date: str
    main: str
    branch: str | None  # the release branch; None: released from main with a tag only
    tag: str
    remote: str
    notes: list[str] = field(default_factory=list)
    build_number: int | None = None  # a conda rebuild's new build.number
    # Added with the version conventions (issue 11); an older journal lacks them and gets today's values.
    policy: str = "dev"  # the version policy on main: dev | release
    pre: str | None = None  # a, b or rc: a pre-release from main
    # main's version as its files spelled it when the release started (``3.2.0.dev``): the next dev
    # version is written the same way, even where the release commit on main wrote ``3.2.0`` over it
    spelling: str | None = None

    @property
    def home(self) -> str:
        """The branch that holds the release commit: the release branch, or main without one."""
        return self.branch or self.main


def _release_date(date: str | None) -> str:
    """The given --date once checked (a bad one is refused before anything is written), else today."""
    return changelog.release_date(date) if date else _date.today().isoformat()


def new_release(project: Project, git: Git, main: str, part: str = "patch", date: str | None = None,
                pre: str | None = None, next_part: str | None = None) -> Release:
    """The release from main's version under the project's version policy (policy.plan): under
    ``dev`` main moves on to the next .dev0 (after ``--pre``: the next pre-release's), under
    ``release`` main keeps the version released."""
    conv = version_conventions(project, git)
    tree = tree_of(project)
    current = conv.source.read(tree)
    chosen = release_policy(conv)
    plan = version_policy.plan(current, chosen, part, pre, next_part)
    return Release(
        kind="release", from_version=current, version=plan.release,
        next_dev=plan.main_after if plan.dev_cycle else None, part=part,
        date=_release_date(date), main=main, branch=project.release_branch(plan.release),
        tag=tag_name(conv, plan.release), remote=project.settings["remote"],
        policy=chosen, pre=pre, spelling=conv.source.spelling(tree),
    )


def new_hotfix(project: Project, git: Git, branch: str, main: str, date: str | None = None,
               notes: list[str] | None = None) -> Release:
    conv = version_conventions(project, git)
    current = hotfix_base(project, git, branch, conv)
    version = str(versioning.bump(current, "post"))
    return Release(
        kind="hotfix", from_version=current, version=version, next_dev=None, part="post",
        date=_release_date(date), main=main, branch=branch, tag=tag_name(conv, version),
        remote=project.settings["remote"], notes=list(notes or []), policy="release",
    )

