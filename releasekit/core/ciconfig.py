"""CI workflow files for GitHub Actions and Azure Pipelines, and checking them. Pure.

A workflow runs ``releasekit ci.test`` on a Linux/Windows/macOS x Python matrix on
push and pull request (documentation-only changes skipped), and on a tag push runs
``releasekit verify.install`` for the released version on the same matrix.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import yaml

from releasekit.core import ciactions, fileio

PROVIDERS = {"github": ".github/workflows/releasekit.yml", "azure": "azure-pipelines.yml"}
DOC_PATHS = ["docs/**", "**.md", "**.rst", "LICENSE*"]
OSES = {"linux": ("ubuntu-latest", "ubuntu-latest"), "windows": ("windows-latest", "windows-latest"),
        "mac": ("macos-latest", "macOS-latest")}
REQUIRED_JOBS = ("test", "verify_release")


@dataclass
class Workflow:
    main_branch: str
    python_versions: list[str]
    tag_template: str = "{version}"
    install: str = "python -m pip install releasekit -e ."


def _version_from_tag(tag_template: str, ref_var: str) -> str:
    """Shell that turns the pushed tag name into the version (strips a v prefix and the like)."""
    prefix, _, suffix = tag_template.partition("{version}")
    expr = ref_var
    if prefix:
        expr = f"{expr}#{prefix}"
    value = "${" + expr + "}"
    if suffix:
        return f'"$(v={value}; echo "${{v%{suffix}}}")"'
    return f'"{value}"'


def github(w: Workflow) -> str:
    """Hardened as zizmor's audits ask: no permissions but reading the code, checkout keeps no
    credentials behind, and every action pinned to a commit (see :mod:`releasekit.ciactions`)."""
    matrix = {"os": [OSES[o][0] for o in OSES], "python": list(w.python_versions)}
    steps_common = [
        {"uses": ciactions.uses("actions/checkout"), "with": {"persist-credentials": False}},
        {"uses": ciactions.uses("actions/setup-python"), "with": {"python-version": "${{ matrix.python }}"}},
        {"run": w.install},
    ]
    read_only = {"contents": "read"}
    doc = {
        "name": "releasekit",
        "on": {
            "push": {"branches": [w.main_branch], "tags": ["*"], "paths-ignore": DOC_PATHS},
            "pull_request": {"paths-ignore": DOC_PATHS},
        },
        "permissions": {},
        "jobs": {
            "test": {
                "if": "${{ !startsWith(github.ref, 'refs/tags/') }}",
                "permissions": read_only,
                "runs-on": "${{ matrix.os }}",
                "strategy": {"fail-fast": False, "matrix": matrix},
                "steps": [*steps_common, {"run": "releasekit ci.test"}],
            },
            "verify_release": {
                "if": "${{ startsWith(github.ref, 'refs/tags/') }}",
                "permissions": read_only,
                "runs-on": "${{ matrix.os }}",
                "strategy": {"fail-fast": False, "matrix": matrix},
                "steps": [*steps_common, {"shell": "bash", "run": "releasekit verify.install --version "
                                          + _version_from_tag(w.tag_template, "GITHUB_REF_NAME")}],
            },
        },
    }
    return "# Written by `releasekit ci.config --provider github`; check it with `releasekit ci.check`.\n" + \
        ciactions.annotate(_dump(doc))


def azure(w: Workflow) -> str:
    matrix = {f"{o}_py{v.replace('.', '')}": {"imageName": OSES[o][1], "python.version": v}
              for o in OSES for v in w.python_versions}
    steps_common = [
        {"task": "UsePythonVersion@0", "inputs": {"versionSpec": "$(python.version)"}},
        {"script": w.install, "displayName": "install"},
    ]
    doc = {
        "trigger": {"branches": {"include": [w.main_branch]}, "tags": {"include": ["*"]},
                    "paths": {"exclude": DOC_PATHS}},
        "pr": {"paths": {"exclude": DOC_PATHS}},
        "jobs": [
            {"job": "test", "condition": "not(startsWith(variables['Build.SourceBranch'], 'refs/tags/'))",
             "strategy": {"matrix": matrix}, "pool": {"vmImage": "$(imageName)"},
             "steps": [*steps_common, {"script": "releasekit ci.test", "displayName": "tests"}]},
            {"job": "verify_release", "condition": "startsWith(variables['Build.SourceBranch'], 'refs/tags/')",
             "strategy": {"matrix": matrix}, "pool": {"vmImage": "$(imageName)"},
             "steps": [*steps_common, {"bash": "releasekit verify.install --version "
                                       + _version_from_tag(w.tag_template, "BUILD_SOURCEBRANCHNAME"),
                                       "displayName": "install the released version"}]},
        ],
    }
    return "# Written by `releasekit ci.config --provider azure`; check it with `releasekit ci.check`.\n" + \
        _dump(doc)


class _NoAliases(yaml.SafeDumper):  # type: ignore[misc]  # PyYAML has no type hints here
    """Readable output: repeat shared pieces instead of writing YAML anchors."""

    def ignore_aliases(self, data: object) -> bool:
        return True


def _dump(doc: dict[str, Any]) -> str:
    return str(yaml.dump(doc, Dumper=_NoAliases, sort_keys=False, width=120))


GENERATORS: dict[str, Callable[[Workflow], str]] = {"github": github, "azure": azure}


# --- checking ------------------------------------------------------------------------------------------------


# Top-level keys of .gitlab-ci.yml that are settings, not jobs.
GITLAB_KEYWORDS = {"default", "include", "stages", "variables", "workflow", "image", "services", "cache",
                   "before_script", "after_script", "pages"}


def jobs_of(doc: dict[str, Any], provider: str) -> dict[str, dict[str, Any]]:
    if provider == "github":
        return dict(doc.get("jobs") or {})
    if provider == "gitlab":  # a job is any mapping at the top that is no keyword nor a hidden template
        return {k: v for k, v in doc.items() if isinstance(v, dict) and k not in GITLAB_KEYWORDS
                and not k.startswith(".")}
    jobs = doc.get("jobs") or [j for stage in doc.get("stages") or [] for j in stage.get("jobs") or []]
    return {j.get("job") or j.get("deployment") or "?": j for j in jobs}


def commands_of(job: dict[str, Any]) -> list[str]:
    out: list[str] = []
    for key in ("before_script", "script", "after_script"):  # GitLab: lists of lines on the job
        lines = job.get(key)
        for line in [lines] if isinstance(lines, str) else lines or []:
            if isinstance(line, str):
                out.extend(part.strip() for part in line.splitlines() if part.strip())
    for step in job.get("steps") or []:
        for key in ("run", "script", "bash", "pwsh", "powershell"):
            if isinstance(step.get(key), str):
                out.extend(line.strip() for line in step[key].splitlines() if line.strip())
    return out


PROGRAMS = ("releasekit", "inv", "invoke")


def releasekit_calls(command: str) -> list[list[str]]:
    """The task invocations in one command line: [[task, args...], ...] where `releasekit`, `inv`
    or `python -m releasekit` is the command word of a segment (segments split at ; && || |)."""
    try:
        lexer = shlex.shlex(command, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        words = list(lexer)
    except ValueError:
        words = command.split()
    segments: list[list[str]] = [[]]
    for word in words:
        if word in (";", "&&", "||", "|", "&"):
            segments.append([])
        else:
            segments[-1].append(word)
    calls = []
    for seg in segments:
        if seg and seg[0].rsplit("/", 1)[-1] in PROGRAMS:
            calls.append(seg[1:])
        elif len(seg) > 2 and seg[0].startswith("python") and seg[1:3] == ["-m", "releasekit"]:
            calls.append(seg[3:])
    return calls


def check_invocation(words: list[str], lookup: Callable[[str], dict[str, bool] | None]) -> list[str]:
    """Problems with one `releasekit TASK [--opt [value]] [TASK ...]` call.

    ``lookup(task)`` returns {flag: takes_value} for a task that exists, else None.
    """
    problems: list[str] = []
    flags: dict[str, bool] | None = None
    current = None
    i = 0
    while i < len(words):
        word = words[i]
        if word.startswith("-"):
            if flags is None:
                i += 1
                continue  # core options such as --echo before the first task
            name = word.split("=", 1)[0]
            if name not in flags and name not in ("--help", "-h"):
                problems.append(f"`{current}` has no option {name}")
            elif flags.get(name) and "=" not in word:
                i += 1  # skip its value
        else:
            found = lookup(word)
            if found is None:
                problems.append(f"there is no task `{word}`")
                break
            current, flags = word, found
        i += 1
    return problems


def check(text: str, provider: str, lookup: Callable[[str], dict[str, bool] | None],
          required: tuple[str, ...] = REQUIRED_JOBS) -> list[str]:
    """Every problem with a workflow: YAML, the jobs releasekit needs (``required``: the tests-and-verify
    workflow's by default, :data:`releasekit.core.cipublish.REQUIRED_JOBS` for a publish workflow),
    the tasks and options it calls."""
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        return [f"not valid YAML: {fileio.yaml_problem(exc)}"]
    if not isinstance(doc, dict):
        return ["not a workflow: the top level is not a mapping"]
    jobs = jobs_of(doc, provider)
    problems = [f"job `{name}` is missing" for name in required if name not in jobs]
    for name, job in jobs.items():
        for command in commands_of(job):
            for call in releasekit_calls(command):
                problems += [f"job `{name}`: {p}" for p in check_invocation(call, lookup)]
    return problems
