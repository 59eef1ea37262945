"""The project's CI: the test command, the generated workflow files and their checks, log cleaning."""

from __future__ import annotations

import importlib.util
import os
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

from releasekit.adapters import workflowlint
from releasekit.adapters.git import Git
from releasekit.adapters.shell import Shell
from releasekit.core import ciconfig, cilogs, fileio, ui
from releasekit.core.errors import ConfigError, ReleasekitError, ToolMissing
from releasekit.core.project import Project
from releasekit.operations.repository import main_branch_name


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



def workflow_path(project: Project, provider: str) -> Path:
    if provider not in ciconfig.PROVIDERS:
        raise ConfigError(f"unknown CI provider '{provider}'", f"use one of {', '.join(ciconfig.PROVIDERS)}")
    return project.root / ciconfig.PROVIDERS[provider]


def render_workflow(project: Project, provider: str, main_branch: str) -> str:
    w = ciconfig.Workflow(main_branch=main_branch, python_versions=list(project.settings["ci.python_versions"]),
                          tag_template=project.settings["tag"])
    return ciconfig.GENERATORS[provider](w)


def check_workflow(text: str, provider: str, task_flags: Callable[[str], dict[str, bool] | None]) -> list[str]:
    return ciconfig.check(text, provider, task_flags)


def workflow_problems(sh, text: str, provider: str, task_flags: Callable[[str], dict[str, bool] | None]) -> list[str]:
    """Every problem of a workflow: its structure and the releasekit tasks it calls, its CI's schema,
    and for GitHub zizmor's security audits (medium severity and above)."""
    problems = check_workflow(text, provider, task_flags)
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
            if Path(tmp).exists():
                os.unlink(tmp)
        return [path]
    cleaned = cilogs.clean_bytes(path.read_bytes())
    if not dry_run:
        fileio.atomic_write_bytes(path, cleaned)
    return [path]


def write_workflow(project: Project, sh: Shell, git: Git, provider: str,
                   task_flags: Callable[[str], dict[str, bool] | None], *, force: bool = False) -> None:
    """`ci.config`: the provider's workflow, written only when it passes every check."""
    path = workflow_path(project, provider)
    if path.exists() and not (force or sh.dry_run):
        raise ReleasekitError(f"{path.relative_to(project.root)} exists", "pass --force to overwrite it, or --dry-run to see the diff")
    text = render_workflow(project, provider, main_branch_name(project, git) or "main")
    raise_problems(workflow_problems(sh, text, provider, task_flags), f"the {provider} workflow releasekit made, so nothing was written",
                   "report this as a bug of releasekit")
    if not sh.dry_run:
        path.parent.mkdir(parents=True, exist_ok=True)
    if sh.write_file(path, text, label=str(path.relative_to(project.root))) and not sh.dry_run:
        ui.info(f"wrote {path.relative_to(project.root)}")




def check_workflows(project: Project, sh: Shell, task_flags: Callable[[str], dict[str, bool] | None], *,
                    provider: str | None = None, path: str | None = None) -> None:
    """`ci.check`: every workflow file found (or the one named), all problems at once."""
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
        problems += [f"{file.name}: {p}" for p in workflow_problems(sh, fileio.read_text(file), prov, task_flags)]
    raise_problems(problems, "the CI workflow", "regenerate it with `releasekit ci.config --force` or fix it by hand")
    ui.info("CI workflow ok")
