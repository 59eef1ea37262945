"""Checking CI workflow files with the tools made for it: check-jsonschema (with the schemas of
GitHub Actions, GitLab CI and Azure Pipelines it ships) and zizmor's offline security audits.

Mechanism only: each returns the problems as one line each; the policy (which checks a provider
gets, that a failing workflow is never written) lives in the ci tasks.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

from releasekit.adapters.shell import Shell
from releasekit.core.errors import ToolMissing

SCHEMAS = {"github": "vendor.github-workflows", "gitlab": "vendor.gitlab-ci", "azure": "vendor.azure-pipelines"}
# Azure's schema escapes characters in its patterns that ECMAScript's unicode mode refuses to compile.
REGEX_VARIANT = {"azure": "nonunicode"}
_INSTALL = "pip install 'releasekit[ci]'"


def _program(name: str) -> str:
    """The program beside this interpreter (a venv not on PATH), else on PATH."""
    beside = Path(sys.executable).with_name(name)
    found = str(beside) if beside.exists() else shutil.which(name)
    if not found:
        raise ToolMissing(f"{name} is not installed: it checks the CI workflows", _INSTALL)
    return found


def schema_problems(shell: Shell, path: Path, provider: str) -> list[str]:
    """Where the file breaks its CI's schema: ``$.jobs.test: 'x' is not of type 'object'``."""
    result = shell.run([_program("check-jsonschema"), "--builtin-schema", SCHEMAS[provider], "-o", "json",
                        "--regex-variant", REGEX_VARIANT.get(provider, "default"), str(path)],
                       changes=False, check=False)
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        return [f"check-jsonschema failed: {result.output.strip().splitlines()[-1] if result.output.strip() else result.exited}"]
    problems = []
    for error in report.get("errors", []):
        best = error.get("best_deep_match") or error.get("best_match") or error
        problems.append(f"schema: {best.get('path', error.get('path'))}: {best.get('message', error.get('message'))}")
    problems += [f"schema: {e.get('message', e)}" for e in report.get("parse_errors", [])]
    return problems


def audit_problems(shell: Shell, path: Path) -> list[str]:
    """zizmor's offline findings of medium severity or above, one line each, with the line number."""
    result = shell.run([_program("zizmor"), "--offline", "--no-config", "--no-progress", "--format", "json",
                        "--min-severity", "medium", str(path)], changes=False, check=False)
    try:
        findings = json.loads(result.stdout)
    except json.JSONDecodeError:
        return [f"zizmor failed: {result.output.strip().splitlines()[-1] if result.output.strip() else result.exited}"]
    problems = []
    for finding in findings:
        severity = finding.get("determinations", {}).get("severity", "?").lower()
        where = ""
        for location in finding.get("locations", []):
            concrete = location.get("concrete", {})
            row = concrete.get("location", {}).get("start_point", {}).get("row")
            if row is not None:
                where = f"line {row + 1}: "
                break
        problems.append(f"zizmor {finding.get('ident')} ({severity}): {where}{finding.get('desc')}")
    return problems


def text_problems(shell: Shell, text: str, provider: str, filename: str) -> list[str]:
    """Schema problems of a workflow not yet written, and for GitHub zizmor's findings (medium and
    above) once the schema holds: checked as a file named ``filename`` in a temporary folder, so
    whoever writes it can refuse a failing text before anything lands in the project."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="releasekit-workflow-") as tmp:
        path = Path(tmp) / Path(filename).name
        path.write_text(text, encoding="utf-8")
        problems = schema_problems(shell, path, provider)
        if provider == "github" and not problems:  # zizmor audits workflows that are valid ones
            problems += audit_problems(shell, path)
    return problems
