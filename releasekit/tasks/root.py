"""Root tasks: release, release-hotfix, demo, config, init. Shims over releasekit.rite and friends,
imported inside the bodies so that `releasekit --list` stays fast."""

from __future__ import annotations

import json as jsonlib

from invoke import Exit

from releasekit.core import ui
from releasekit.tasks.base import task
from releasekit.tasks.context import git_for, load_project, load_settings, shell

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


@task(help={**_RITE_HELP, "part": "major, minor or patch (default patch)",
            "pre": "a, b or rc: release a pre-release (1.2.0.dev0 -> 1.2.0rc1; main then at 1.2.0rc2.dev0 under "
                   "the dev policy, unless --part names the next cycle)"}, iterable=["host"])
def release(c, part=None, plan=False, json=False, dry_run=False, yes=False, restart=False, force=False,
            host=None, date=None, rollback=False, stash=False, pre=None):
    """Release: preflight, tests, version, changelog, branch, tag, build, check, upload, verify."""
    from releasekit.rite.runs import (
        run_release,  # the rite is imported when it runs, not for `--list`
    )

    project = load_project(c)
    _exit(run_release(project, shell(c, dry_run), git_for(c, project, dry_run), part=part, plan=plan,
                      as_json=json, yes=yes, restart=restart, force=force, hosts=host, date=date,
                      roll_back=rollback, stash=stash, pre=pre))


@task(name="release-hotfix", help={**_RITE_HELP, "note": "changelog entry for the hotfix (repeatable)"},
      iterable=["host", "note"])
def release_hotfix(c, plan=False, json=False, dry_run=False, yes=False, restart=False, force=False, host=None,
                   date=None, note=None, rollback=False, stash=False):
    """Hotfix: on release-X.Y.Z, bump to .postN, changelog, commit, tag, build, upload, verify."""
    from releasekit.rite.runs import (
        run_hotfix,  # the rite is imported when it runs, not for `--list`
    )

    project = load_project(c)
    _exit(run_hotfix(project, shell(c, dry_run), git_for(c, project, dry_run), plan=plan, as_json=json,
                     yes=yes, restart=restart, force=force, hosts=host, date=date, notes=note,
                     roll_back=rollback, stash=stash))


@task(help={"json": "print machine-readable JSON"})
def config(c, json=False):
    """Print every setting, its effective value and where it came from."""
    settings = load_settings(c)
    from releasekit.operations.settings_report import detected_settings  # not imported for `--list`

    detected = detected_settings(settings)
    if json:
        from releasekit.core.redact import redact

        print(redact(jsonlib.dumps({k: {"value": settings.values[k], "from": settings.origins[k],
                                        **({"detected": detected[k]} if k in detected else {})}
                                    for k in settings.values}, indent=2, default=str)))
        return
    rows = [(key, detected[key], "detected") if key in detected else (key, value, origin)
            for key, value, origin in settings.rows()]
    ui.table(("setting", "value", "from"), rows, title=f"releasekit settings for {settings.root}")


@task(help={"write": "append the block to pyproject.toml (refused when it has a [tool.releasekit] table already)",
            "dry_run": "with --write: print the diff of pyproject.toml, change nothing",
            "json": "print machine-readable JSON"})
def init(c, write=False, dry_run=False, json=False):
    """Print the conventions detected here and the smallest [tool.releasekit] block that pins them."""
    from releasekit.operations.project_init import init_project  # not imported for `--list`

    def show(report):
        if json:
            return
        ui.table(("setting", "value", "from", "pin"),
                 [(f.key, f.shown, f.origin, "yes" if f.pin else "") for f in report.findings],
                 title=f"releasekit init: conventions detected in {report.root}")
        for note in report.notes:
            ui.info(f"note: {note}")
        block = report.block_text()
        if not block:
            ui.info("Nothing to pin: releasekit's defaults and what it detects agree; no configuration is needed.")
        else:
            ui.info("The smallest [tool.releasekit] block that pins these down:\n\n" + block.rstrip("\n") + "\n")

    project = load_project(c)
    report, written = init_project(project, git_for(c, project), shell(c, dry_run), write=write, show=show)
    if json:
        print(jsonlib.dumps({**report.as_data(), "written": written is not None and not dry_run}, indent=2))
    elif report.block and not write:
        ui.info("`releasekit init --write` appends it to pyproject.toml; no other byte of the file changes.")
    elif written is not None:
        ui.info("[dry-run] pyproject.toml was not changed" if dry_run
                else "Appended it to pyproject.toml; `releasekit config` shows the settings it pins.")


@task(help={"keep": "keep the sandbox (project, remote, index) afterwards",
            "resume": "a sandbox kept with --keep: start its servers again and release its next version"})
def demo(c, keep=False, resume=None):
    """Release a sample project end to end against local servers (offline)."""
    from releasekit.demo import resume_demo, run_demo

    _exit(resume_demo(resume) if resume else run_demo(keep=keep))


@task(name="release-conda-rebuild",
      help={**{k: _RITE_HELP[k] for k in ("plan", "json", "dry_run", "yes", "restart", "stash")},
            "rollback": "undo the rebuild's build-number commit (reverted by a new commit once pushed); refused "
                        "after its upload unless --force (the uploaded build stays on the channel)",
            "force": "with --restart: start over even after pushes or uploads; with --rollback: undo the commit "
                     "even after the upload",
            "version": "released version to rebuild (default: the newest released here)",
            "build_number": "new build.number: N, or +1 (default: one more than the recipe's)"})
def release_conda_rebuild(c, version=None, build_number=None, plan=False, json=False, dry_run=False, yes=False,
                          restart=False, force=False, rollback=False, stash=False):
    """Rebuild a released version's conda package with a new build number (a recipe fix, no new PyPI release)."""
    from releasekit.rite.conda_rebuild import run_conda_rebuild

    project = load_project(c)
    _exit(run_conda_rebuild(project, shell(c, dry_run), git_for(c, project, dry_run), version=version,
                            build_number=build_number, plan=plan, as_json=json, yes=yes, restart=restart,
                            force=force, roll_back=rollback, stash=stash))


TASKS = [release, release_hotfix, release_conda_rebuild, demo, config, init]
