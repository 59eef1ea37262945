"""ci: run the tests as CI would, write and check CI workflows, clean downloaded CI logs."""

from __future__ import annotations

import importlib.util
import os
import tempfile
import zipfile
from pathlib import Path

from invoke import Collection

from releasekit.core import ciconfig, cilogs, fileio, ui
from releasekit.core.errors import ConfigError, ReleasekitError, ToolMissing
from releasekit.core.project import Project
from releasekit.tasks.base import load_project, shell, task

# --- plain functions ------------------------------------------------------------------------------------------------


def test_command(project: Project, *, full: bool = False, cpu: bool = False, fast: bool = False,
                 xdist_available: bool | None = None) -> tuple[str, dict[str, str]]:
    """The test command line and the environment additions for the chosen mode."""
    cmd = project.settings["test_command"]
    if not cmd:
        raise ConfigError("no test command is configured", "set `releasekit.test_command`")
    env = {"PYTHONFAULTHANDLER": "1"}  # a crash in C code still shows a Python traceback
    if full and project.settings["ci.full_args"]:
        cmd += " " + project.settings["ci.full_args"]
    if cpu:
        env["CUDA_VISIBLE_DEVICES"] = ""
    if fast:
        available = importlib.util.find_spec("xdist") is not None if xdist_available is None else xdist_available
        if not available:
            raise ToolMissing("--fast runs the tests in parallel with pytest-xdist, which is not installed",
                              "pip install pytest-xdist")
        cmd += " -n auto"
    return cmd, env


def task_flags(name: str) -> dict[str, bool] | None:
    """{--flag: takes_value} for a task of releasekit's namespace, or None if there is no such task."""
    from releasekit.tasks import namespace

    ns = namespace(check_environment=False)
    try:
        t = ns[name]
    except (KeyError, ValueError):
        return None
    flags: dict[str, bool] = {}
    for arg in t.get_arguments():
        for n in arg.names:
            dashed = n.replace("_", "-")
            flags[("-" if len(dashed) == 1 else "--") + dashed] = arg.takes_value
        if arg.kind is bool:
            flags["--no-" + arg.name.replace("_", "-")] = False
    return flags


def workflow_path(project: Project, provider: str) -> Path:
    if provider not in ciconfig.PROVIDERS:
        raise ConfigError(f"unknown CI provider '{provider}'", f"use one of {', '.join(ciconfig.PROVIDERS)}")
    return project.root / ciconfig.PROVIDERS[provider]


def render_workflow(project: Project, provider: str, main_branch: str) -> str:
    w = ciconfig.Workflow(main_branch=main_branch, python_versions=list(project.settings["ci.python_versions"]),
                          tag_template=project.settings["tag"])
    return ciconfig.GENERATORS[provider](w)


def check_workflow(text: str, provider: str) -> list[str]:
    return ciconfig.check(text, provider, task_flags)


def workflow_problems(sh, text: str, provider: str) -> list[str]:
    """Every problem of a workflow: its structure and the releasekit tasks it calls, its CI's schema,
    and for GitHub zizmor's security audits (medium severity and above)."""
    from releasekit.adapters import workflowlint

    problems = check_workflow(text, provider)
    with tempfile.TemporaryDirectory(prefix="releasekit-workflow-") as tmp:
        path = Path(tmp) / Path(ciconfig.PROVIDERS[provider]).name
        path.write_text(text, encoding="utf-8")
        schema = workflowlint.schema_problems(sh, path, provider)
        problems += schema
        if provider == "github" and not schema:  # zizmor audits workflows that are valid ones
            problems += workflowlint.audit_problems(sh, path)
    return problems


def raise_problems(problems: list[str], what: str, hint: str) -> None:
    if len(problems) == 1:
        raise ReleasekitError(f"{what}: {problems[0]}", hint)
    if problems:
        for p in problems:
            ui.info(f"  - {p}")
        raise ReleasekitError(f"{len(problems)} problems in {what} (listed above)", hint)


def clean_logs(path: Path, dry_run: bool = False) -> list[Path]:
    """Clean a log file, the CI logs (.log/.txt with timestamped lines) in a folder, or the text members
    of a zip. Everything is computed first and then written file by file atomically, so bad input
    changes nothing; bytes that are not UTF-8 pass through untouched. A dry run writes nothing and
    returns what it would clean."""
    path = Path(path)
    if not path.exists():
        raise ReleasekitError(f"{path} does not exist", "pass a log file, a folder of logs or a zip")
    if path.is_dir():
        todo = []
        for f in sorted(path.rglob("*")):
            if f.is_file() and f.suffix in (".log", ".txt"):
                data = f.read_bytes()
                text = data.decode("utf-8", errors="surrogateescape")
                if cilogs.looks_like_ci_log(text):
                    todo.append((f, cilogs.clean_bytes(data)))
        for f, cleaned in todo if not dry_run else []:
            fileio.atomic_write_bytes(f, cleaned)
        return [f for f, _ in todo]
    if zipfile.is_zipfile(path) and dry_run:
        with zipfile.ZipFile(path) as src:  # read it all, as a real run would: a broken zip fails here too
            for info in src.infolist():
                src.read(info)
        return [path]
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as src:
            members = [(info, src.read(info)) for info in src.infolist()]
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        os.close(fd)
        try:
            with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
                for info, data in members:
                    if info.filename.endswith((".log", ".txt")):
                        data = cilogs.clean_bytes(data)
                    dst.writestr(info, data)
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        return [path]
    cleaned = cilogs.clean_bytes(path.read_bytes())
    if not dry_run:
        fileio.atomic_write_bytes(path, cleaned)
    return [path]


# --- tasks ----------------------------------------------------------------------------------------------------------


@task(help={"full": "add the configured extra arguments (ci.full_args, e.g. --runslow)",
            "cpu": "hide GPUs (CUDA_VISIBLE_DEVICES='')", "fast": "run in parallel with pytest-xdist (-n auto)"})
def test(c, full=False, cpu=False, fast=False):
    """Run the project's test command (faulthandler on)."""
    project = load_project(c)
    cmd, env = test_command(project, full=full, cpu=cpu, fast=fast)
    ui.info(f"$ {cmd}")
    shell(c).run(cmd, cwd=project.root, env=env, stream=True, hint="the tests failed")


@task(help={"provider": "github or azure", "force": "overwrite an existing file", "dry_run": "show the diff only"})
def config(c, provider="github", force=False, dry_run=False):
    """Write a CI workflow: tests on a Linux/Windows/macOS x Python matrix, verify.install on tags."""
    from releasekit.tasks.git import main_branch_name

    project = load_project(c)
    path = workflow_path(project, provider)
    if path.exists() and not (force or dry_run):
        raise ReleasekitError(f"{path.relative_to(project.root)} exists", "pass --force to overwrite it, or --dry-run to see the diff")
    text = render_workflow(project, provider, main_branch_name(c, project) or "main")
    sh = shell(c, dry_run)
    raise_problems(workflow_problems(sh, text, provider), f"the {provider} workflow releasekit made, so nothing was written",
                   "report this as a bug of releasekit")
    if not dry_run:
        path.parent.mkdir(parents=True, exist_ok=True)
    if sh.write_file(path, text, label=str(path.relative_to(project.root))) and not dry_run:
        ui.info(f"wrote {path.relative_to(project.root)}")


@task(help={"provider": "github or azure (default: whichever file exists)", "path": "the workflow file"})
def check(c, provider=None, path=None):
    """Check a CI workflow: its structure, every releasekit task and option it calls, its CI's schema
    and (GitHub) zizmor's security audits."""
    project = load_project(c)
    providers = [provider] if provider else [p for p in ciconfig.PROVIDERS if workflow_path(project, p).exists()]
    if path and not provider:
        providers = ["azure" if "azure" in Path(path).name else "github"]
    if not providers:
        raise ReleasekitError("no CI workflow found", "write one with `releasekit ci.config --provider github`")
    problems = []
    for prov in providers:
        file = Path(path) if path else workflow_path(project, prov)
        if not file.exists():
            raise ReleasekitError(f"{file} does not exist", "write it with `releasekit ci.config`")
        problems += [f"{file.name}: {p}" for p in workflow_problems(shell(c), fileio.read_text(file), prov)]
    raise_problems(problems, "the CI workflow", "regenerate it with `releasekit ci.config --force` or fix it by hand")
    ui.info("CI workflow ok")


@task(name="logs-clean", help={"path": "a log file, a folder of logs, or a zip of logs",
                               "dry_run": "list what would be cleaned, write nothing"})
def logs_clean(c, path, dry_run=False):
    """Strip timestamps and doubled blank lines from downloaded CI logs."""
    for f in clean_logs(Path(path), dry_run):
        ui.info(f"{'[dry-run] would clean' if dry_run else 'cleaned'} {f}")


ns = Collection("ci")
for t in (test, config, check, logs_clean):
    ns.add_task(t)
