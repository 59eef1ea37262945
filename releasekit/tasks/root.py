"""Root tasks: release, release-hotfix, demo, config. Shims over releasekit.plan and friends,
imported inside the bodies so that `releasekit --list` stays fast."""

from __future__ import annotations

import json as jsonlib

from invoke import Exit

from releasekit.core import ui
from releasekit.tasks.base import load_project, load_settings, shell, task

_RITE_HELP = {
    "plan": "print the numbered steps with versions, branch, tag and commands; change nothing",
    "json": "with --plan: machine-readable",
    "dry_run": "run the read-only preflight, print every command and diff, change nothing",
    "yes": "do not ask before the first change (needed when standard input is not a terminal)",
    "restart": "forget an unfinished release and start over, changing nothing (to undo its changes: --rollback)",
    "rollback": "undo the release: refs, files and remote as before it (refused after an upload unless --force)",
    "stash": "with --rollback: stash uncommitted changes first instead of refusing",
    "force": "with --restart: start over even after pushes or uploads; with --rollback: roll back git only after an upload",
    "host": "verify on this host too (repeatable; a configured name, user@host[:port], or all)",
    "date": "release date YYYY-MM-DD for the changelog (default today)",
}


def _exit(code: int) -> None:
    if code:
        raise Exit(code=code)


@task(help={**_RITE_HELP, "part": "major, minor or patch (default patch)"}, iterable=["host"])
def release(c, part="patch", plan=False, json=False, dry_run=False, yes=False, restart=False, force=False,
            host=None, date=None, rollback=False, stash=False):
    """Release: preflight, tests, version, changelog, branch, tag, build, check, upload, verify."""
    from releasekit import plan as rite
    from releasekit import steps
    from releasekit.tasks.git import (
        current_branch_or_none,
        detect_main_branch,
        git_for,
        version_of_release_branch,
    )

    project = load_project(c)
    sh = shell(c, dry_run)
    git = git_for(c, project, dry_run)
    if rollback:
        from releasekit import rollback as undo

        _exit(undo.run(project, git, kind="release", yes=yes, stash=stash, force=force))
        return

    def make():
        main, branch = detect_main_branch(project, git), current_branch_or_none(c, project)
        rite.refuse_release_branch(branch, main, version_of_release_branch(project, branch) if branch else None)
        return rite.new_release(project, git, main, part, date)

    _exit(rite.run(project, sh, git, kind="release", steps=steps.release_steps(), make_release=make,
                   plan_only=plan, as_json=json, yes=yes, restart=restart, force=force, hosts=host, part=part,
                   describe=steps.consent_summary))


@task(name="release-hotfix", help={**_RITE_HELP, "note": "changelog entry for the hotfix (repeatable)"},
      iterable=["host", "note"])
def release_hotfix(c, plan=False, json=False, dry_run=False, yes=False, restart=False, force=False, host=None,
                   date=None, note=None, rollback=False, stash=False):
    """Hotfix: on release-X.Y.Z, bump to .postN, changelog, commit, tag, build, upload, verify."""
    from releasekit import plan as rite
    from releasekit import steps
    from releasekit.core.errors import PreconditionFailed
    from releasekit.tasks.git import detect_main_branch, git_for, version_of_release_branch

    project = load_project(c)
    sh = shell(c, dry_run)
    git = git_for(c, project, dry_run)
    if rollback:
        from releasekit import rollback as undo

        _exit(undo.run(project, git, kind="hotfix", yes=yes, stash=stash, force=force))
        return

    def make():
        branch = git.current_branch()
        if version_of_release_branch(project, branch) is None:
            raise PreconditionFailed(f"a hotfix is made on a release branch, not on '{branch}'",
                                     "run `releasekit git.release-branch-switch --version X.Y.Z` first")
        return rite.new_hotfix(project, branch, detect_main_branch(project, git), date, note)

    _exit(rite.run(project, sh, git, kind="hotfix", steps=steps.hotfix_steps(), make_release=make,
                   plan_only=plan, as_json=json, yes=yes, restart=restart, force=force, hosts=host,
                   describe=steps.consent_summary))


@task(help={"json": "print machine-readable JSON"})
def config(c, json=False):
    """Print every setting, its effective value and where it came from."""
    settings = load_settings(c)
    detected = _detected(c, settings)
    if json:
        from releasekit.core.redact import redact

        print(redact(jsonlib.dumps({k: {"value": settings.values[k], "from": settings.origins[k],
                                        **({"detected": detected[k]} if k in detected else {})}
                                    for k in settings.values}, indent=2, default=str)))
        return
    rows = [(key, detected[key], "detected") if key in detected else (key, value, origin)
            for key, value, origin in settings.rows()]
    ui.table(("setting", "value", "from"), rows, title=f"releasekit settings for {settings.root}")


def _detected(c, settings) -> dict[str, str]:
    """What the unset (automatic) settings come to in this project: the values a release would use.
    A value that cannot be found says why, in the same words a release would fail with."""
    from releasekit.core.errors import ReleasekitError
    from releasekit.core.project import Project
    from releasekit.tasks.dist import deps_index_url
    from releasekit.tasks.git import detect_main_branch, git_for
    from releasekit.tasks.upload import index_root, pypi_target

    project = Project(settings)
    probes = {
        "package": lambda: project.package,
        "import_name": lambda: project.import_name,
        "version_file": lambda: project.version_file_rel,
        "main_branch": lambda: detect_main_branch(project, git_for(c, project)),
        "state_dir": lambda: str(project.state_dir),
        "pypi.index_url": lambda: index_root(pypi_target(project)[2]),
        "pypi.deps_index_url": lambda: deps_index_url(project) or "(none: only the target index)",
    }
    found = {}
    for key, probe in probes.items():
        if settings.values[key] is not None:
            continue
        try:
            found[key] = probe()
        except ReleasekitError as exc:
            found[key] = f"(not found: {exc.message})"
    return found


@task(help={"keep": "keep the sandbox (project, remote, index) afterwards",
            "resume": "a sandbox kept with --keep: start its servers again and release its next version"})
def demo(c, keep=False, resume=None):
    """Release a sample project end to end against local servers (offline)."""
    from releasekit.demo import resume_demo, run_demo

    _exit(resume_demo(resume) if resume else run_demo(keep=keep))


TASKS = [release, release_hotfix, demo, config]
