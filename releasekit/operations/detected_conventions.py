"""The conventions a repository shows for the settings left at their defaults: the template its
release tags follow and whether its releases have release branches. Found once, when a task loads
the project, so that every step, task and report names tags and branches as the project does."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from releasekit.adapters.git import Git
from releasekit.adapters.shell import Shell
from releasekit.core.config import Settings
from releasekit.core.conventions.versions.tags import detect_template, release_versions
from releasekit.core.errors import ConfigError, ConventionAmbiguous
from releasekit.core.project import Project

NOTHING_RELEASED = "?"  # no release tag yet: nothing to tell the release branches from


def versions_released(tags: Sequence[str], tag_template: str) -> list[str]:
    return [str(v) for v in release_versions(tags, tag_template)]


def release_branch_found(settings: Settings, git: Git, tags: Sequence[str], tag_template: str) -> str | None:
    """The release branch template the released versions have branches of (local or on the remote),
    None when they were tagged without one, NOTHING_RELEASED when there is no release yet."""
    template = settings["release_branch"]
    released = versions_released(tags, tag_template)
    if not released or template is None:
        return NOTHING_RELEASED
    remote = settings["remote"]
    branches = set(git.local_refs("heads"))
    branches |= {b.removeprefix(f"{remote}/") for b in git.local_refs("remotes") if b.startswith(f"{remote}/")}
    return template if any(template.format(version=v) in branches for v in released) else None


def _unset(settings: Settings, key: str) -> bool:
    return settings.origins.get(key, "default") == "default"


def with_detected_conventions(project: Project, git: Git | None = None) -> Project:
    """The project with the tag template and release-branch habit its repository shows, for the
    settings left unset. Outside a git repository, or before the first release, the defaults stand."""
    settings = project.settings
    if not (_unset(settings, "tag") or _unset(settings, "release_branch")):
        return project
    git = git or Git(Shell(), project.root)
    if not git.is_repo():
        return project
    tags = git.local_refs("tags")
    found: dict[str, Any] = {}
    template = settings["tag"]
    if _unset(settings, "tag"):
        try:
            package: str | None = project.package
        except ConfigError:
            package = None
        try:
            template = detect_template(tags, package=package, default=settings["tag"])
        except ConventionAmbiguous:
            return project  # the step that names a tag refuses, naming the setting to pin
        if template != settings["tag"]:
            found["tag"] = template
    if _unset(settings, "release_branch"):
        branch = release_branch_found(settings, git, tags, template)
        if branch is None:
            found["release_branch"] = None
    return replace(project, detected=found) if found else project
