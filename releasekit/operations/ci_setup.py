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
from releasekit.core import ciconfig, ciinstall, cilogs, cipublish, fileio, ui
from releasekit.core.errors import ConfigError, ReleasekitError, ToolMissing
from releasekit.core.project import Project
from releasekit.operations import forge_releases
from releasekit.operations.conda_packages import conda_enabled
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
                          tag_template=project.tag_template)
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




def _python(project: Project) -> str:
    """The newest of ``ci.python_versions``: the Python the release jobs run on."""
    from packaging.version import InvalidVersion, Version

    versions = [str(v) for v in project.settings["ci.python_versions"]] or ["3.12"]
    try:
        return max(versions, key=Version)
    except InvalidVersion:
        return versions[-1]


def render_publish_workflow(project: Project, git: Git, provider: str) -> str:
    """The publish workflow (``publish: ci``) of ``provider``, installing releasekit as the project pins it;
    its forge job where the project has a forge, its conda job where it has a recipe."""
    if provider not in cipublish.GENERATORS:
        raise ConfigError(f"releasekit writes no publish workflow for '{provider}'",
                          f"use --provider {' or '.join(cipublish.GENERATORS)}")
    s = project.settings
    pin = ciinstall.read_pin(project.root, project._pyproject)
    w = cipublish.PublishWorkflow(pin, python=_python(project), tag_template=s["tag"], dist_dir=s["dist.dir"],
                                  conda=conda_enabled(project), conda_dir=s["conda.output"],
                                  forge_release=cipublish.FORGE_RELEASE if forge_releases.target(project, git) else None)
    return cipublish.GENERATORS[provider](w)


def publish_problems(sh: Shell, text: str, provider: str,
                     task_flags: Callable[[str], dict[str, bool] | None]) -> list[str]:
    """A publish workflow's problems: its jobs and the tasks they call, its CI's schema, zizmor (GitHub)."""
    problems = ciconfig.check(text, provider, task_flags, cipublish.REQUIRED_JOBS)
    return problems + workflowlint.text_problems(sh, text, provider, cipublish.PATHS[provider])


def write_publish_workflow(project: Project, sh: Shell, git: Git, provider: str,
                           task_flags: Callable[[str], dict[str, bool] | None], *, force: bool = False) -> None:
    """`ci.config --release`: the publish workflow, written only when it passes every check; an existing
    file only with --force; --dry-run shows the diff."""
    if provider not in cipublish.PATHS:
        raise ConfigError(f"releasekit writes no publish workflow for '{provider}'",
                          f"use --provider {' or '.join(cipublish.PATHS)}")
    rel = cipublish.PATHS[provider]
    path = project.root / rel
    if path.exists() and not (force or sh.dry_run):
        raise ReleasekitError(f"{rel} exists", "pass --force to overwrite it, or --dry-run to see the diff")
    text = render_publish_workflow(project, git, provider)
    raise_problems(publish_problems(sh, text, provider, task_flags),
                   f"the {provider} publish workflow releasekit made, so nothing was written",
                   "report this as a bug of releasekit")
    if not sh.dry_run:
        path.parent.mkdir(parents=True, exist_ok=True)
    if sh.write_file(path, text, label=rel) and not sh.dry_run:
        ui.info(f"wrote {rel}")
        ui.info("then: add it as a Trusted Publisher on the index, and set `publish: ci` in the project's settings")


def _found_workflows(project: Project) -> list[tuple[str, Path, bool]]:
    """(provider, file, is a publish workflow) of every workflow file releasekit writes that exists."""
    found = [(p, workflow_path(project, p), False) for p in ciconfig.PROVIDERS if workflow_path(project, p).exists()]
    return found + [(p, project.root / rel, True) for p, rel in cipublish.PATHS.items() if (project.root / rel).exists()]


def check_workflows(project: Project, sh: Shell, task_flags: Callable[[str], dict[str, bool] | None], *,
                    provider: str | None = None, path: str | None = None) -> None:
    """`ci.check`: every workflow file found (or the one named), all problems at once: the tests-and-verify
    workflows and the publish workflows (GitHub's and GitLab's)."""
    if path:
        file = Path(path)
        publish = file.name in {Path(rel).name for rel in cipublish.PATHS.values()}
        guess = "gitlab" if file.name.endswith(".gitlab-ci.yml") else "azure" if "azure" in file.name else "github"
        found = [(provider or guess, file, publish)]
    else:
        found = [(p, f, pub) for p, f, pub in _found_workflows(project) if provider in (None, p)]
    if not found and provider in ciconfig.PROVIDERS:
        raise ReleasekitError(f"{workflow_path(project, provider)} does not exist", "write it with `releasekit ci.config`")
    if not found:
        raise ReleasekitError("no CI workflow found", "write one with `releasekit ci.config --provider github` "
                              "(and the publish workflow with --release)")
    problems = []
    for prov, file, publish in found:
        if not file.exists():
            raise ReleasekitError(f"{file} does not exist", "write it with `releasekit ci.config`")
        text = fileio.read_text(file)
        found_problems = (publish_problems(sh, text, prov, task_flags) if publish
                          else workflow_problems(sh, text, prov, task_flags))
        problems += [f"{file.name}: {p}" for p in found_problems]
    raise_problems(problems, "the CI workflow", "regenerate it with `releasekit ci.config --force` or fix it by hand")
    ui.info("CI workflow ok" if len(found) == 1 else f"CI workflows ok ({', '.join(f.name for _, f, _ in found)})")
