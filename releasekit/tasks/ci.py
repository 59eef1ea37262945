"""ci: run the tests as CI would, write and check CI workflows, clean downloaded CI logs."""

from __future__ import annotations

from pathlib import Path

from invoke import Collection

from releasekit.core import ui
from releasekit.tasks.base import task, task_flags
from releasekit.tasks.context import git_for, load_project, shell

# --- plain functions ------------------------------------------------------------------------------------------------


# --- tasks ----------------------------------------------------------------------------------------------------------


@task(help={"full": "add the configured extra arguments (ci.full_args, e.g. --runslow)",
            "cpu": "hide GPUs (CUDA_VISIBLE_DEVICES='')", "fast": "run in parallel with pytest-xdist (-n auto)"})
def test(c, full=False, cpu=False, fast=False):
    """Run the project's test command (faulthandler on)."""
    from releasekit.operations.ci_setup import test_command

    project = load_project(c)
    cmd, env = test_command(project, full=full, cpu=cpu, fast=fast)
    ui.info(f"$ {cmd}")
    shell(c).run(cmd, cwd=project.root, env=env, stream=True, hint="the tests failed")


@task(help={"provider": "github or azure; with --release github or gitlab", "force": "overwrite an existing file",
            "dry_run": "show the diff only",
            "release": "the publish workflow instead (publish: ci): a pushed tag builds, checks and uploads with "
                       "Trusted Publishing, and makes the forge release"})
def config(c, provider="github", force=False, dry_run=False, release=False):
    """Write a CI workflow: tests on a Linux/Windows/macOS x Python matrix, verify.install on tags
    (with --release: the publish workflow a pushed release tag runs)."""
    from releasekit.operations.ci_setup import write_publish_workflow, write_workflow

    project = load_project(c)
    write = write_publish_workflow if release else write_workflow
    write(project, shell(c, dry_run), git_for(c, project), provider, task_flags, force=force)


@task(help={"provider": "github, gitlab or azure (default: every file that exists)", "path": "the workflow file"})
def check(c, provider=None, path=None):
    """Check a CI workflow: its structure, every releasekit task and option it calls, its CI's schema
    and (GitHub) zizmor's security audits."""
    from releasekit.operations.ci_setup import check_workflows

    check_workflows(load_project(c), shell(c), task_flags, provider=provider, path=path)


@task(name="logs-clean", help={"path": "a log file, a folder of logs, or a zip of logs",
                               "dry_run": "list what would be cleaned, write nothing"})
def logs_clean(c, path, dry_run=False):
    """Strip timestamps and doubled blank lines from downloaded CI logs."""
    from releasekit.operations.ci_setup import clean_logs

    for f in clean_logs(Path(path), dry_run):
        ui.info(f"{'[dry-run] would clean' if dry_run else 'cleaned'} {f}")


ns = Collection("ci")
for t in (test, config, check, logs_clean):
    ns.add_task(t)
