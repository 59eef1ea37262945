"""What a task reads from invoke's context: the project's folder, its settings, the project itself,
and a shell and git that honour --dry-run. Adapters are imported when a task runs, so that
`releasekit --list` stays as fast as invoke's own start-up."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from releasekit.core import config

if TYPE_CHECKING:  # type hints only: importing them here would slow `releasekit --list`
    from releasekit.adapters.git import Git
    from releasekit.core.project import Project


def project_root(c) -> Path:
    """The folder of the tasks.py invoke loaded, else the current directory."""
    prefix = getattr(c.config, "_project_prefix", None)  # "<folder>/" once invoke found tasks.py
    if prefix:
        return Path(prefix).resolve()
    return Path.cwd().resolve()


def load_settings(c, **overrides: Any) -> config.Settings:
    return config.from_invoke(c.config, project_root(c), overrides)


def load_project(c, **overrides: Any) -> Project:
    """The project, with the tag and release-branch conventions its repository shows where unset."""
    from releasekit.core.project import Project  # imported when a task runs, not for `--list`
    from releasekit.operations.detected_conventions import with_detected_conventions

    return with_detected_conventions(Project(load_settings(c, **overrides)))



def git_for(c, project: Project, dry_run: bool = False) -> Git:
    from releasekit.adapters.git import Git  # imported when a task runs, not for `--list`

    return Git(shell(c, dry_run), project.root)


def shell(c, dry_run: bool = False):
    from releasekit.adapters.shell import Shell  # imported when a task runs, not for `--list`

    return Shell(c, dry_run=dry_run)
