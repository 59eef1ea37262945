"""The rite as data: what a step gets (Rite) and what a step is (Step)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from releasekit.adapters.git import Git
from releasekit.adapters.shell import Shell
from releasekit.core.project import Project
from releasekit.rite.journal import Journal
from releasekit.rite.release import Release


@dataclass
class Rite:
    """Everything a step needs: the project, how to run commands, and the release's names."""

    project: Project
    shell: Shell
    git: Git
    release: Release
    yes: bool = False
    hosts: list[str] = field(default_factory=list)
    artifacts: list[Path] = field(default_factory=list)
    conda_artifacts: list[Path] = field(default_factory=list)
    journal: Journal | None = None  # this release's record; steps keep facts there for their truth checks

    @property
    def dry_run(self) -> bool:
        return self.shell.dry_run

    @property
    def settings(self):
        return self.project.settings


@dataclass
class Step:
    name: str
    title: str
    task: str  # the invoke task that runs this step on its own
    run: Callable[[Rite], None]
    commands: Callable[[Rite], list[str]]
    is_done: Callable[[Rite], bool] | None = None  # the truth, re-checked on resume
    changes_outside: bool = False  # pushes or uploads: cannot be undone by starting over
    read_only: bool = False  # changes nothing (preflight, tests, preview): runs before consent is asked
    optional: bool = False  # may be switched off by `skip_steps`
    needs: tuple[str, ...] = ()  # steps whose skipping switches this one off too
    where: str = "here"  # "ci": the tag's publish workflow does it; shown in the plan, never run here


def commands_from(*lines: str) -> Callable[[Rite], list[str]]:
    """A step's commands for --plan, as templates over the release (r), project (p) and settings (s)."""
    return lambda rite: [line.format(r=rite.release, p=rite.project, s=rite.settings) for line in lines]
