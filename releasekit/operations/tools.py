"""The outside tools a project's release needs, and the versions installed here."""

from __future__ import annotations

from releasekit.adapters.envs import uv_binary
from releasekit.core.project import Project
from releasekit.operations.conda_packages import conda_enabled


def needed_tools(project: Project) -> list[tuple[str, str, str, str | None]]:
    """(name, kind "program"|"package", needed for, pip name if pip-installable) for the configured rite."""
    s = project.settings
    tools: list[tuple[str, str, str, str | None]] = [
        ("git", "program", "every git step", None),
        ("build", "package", "dist.pypi", "build"),
        ("twine", "package", "dist.check, upload.pypi", "twine"),
        ("uv", "program", "faster clean environments (optional)", "uv"),
        ("xdist", "package", "ci.test --fast (optional)", "pytest-xdist"),
    ]
    if conda_enabled(project):
        builder = s["conda.builder"]
        if builder in ("auto", "rattler-build"):
            tools.append(("rattler_build", "package", "dist.conda (rattler-build)", "py-rattler-build"))
            tools.append(("rattler", "package", "dist.conda, verify.install (conda)", "py-rattler"))
        if builder in ("auto", "conda-build"):
            tools.append(("conda-build", "program", "dist.conda (conda-build)" + (" (optional)" if builder == "auto" else ""), None))
        if not s["conda.channel_dir"]:
            tools.append(("anaconda", "program", "upload.conda (anaconda.org)", "anaconda-client"))
    if s["hosts"]:
        tools.append(("ssh", "program", "verify.install --host", None))
        tools.append(("fabric", "package", "verify.install --host", "fabric"))
    return tools


def tool_version(name: str, kind: str) -> str | None:
    import importlib.metadata
    import importlib.util
    import shutil
    import subprocess

    if kind == "package":
        if importlib.util.find_spec(name) is None:
            return None
        dist = {"xdist": "pytest-xdist", "rattler_build": "py-rattler-build", "rattler": "py-rattler"}.get(name, name)
        try:
            return importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            return "installed"
    path = shutil.which(name)
    if path is None and name == "uv":
        path = uv_binary()
    if path is None:
        return None
    try:
        out = subprocess.run([path, "-V" if name == "ssh" else "--version"], capture_output=True, text=True,
                             timeout=20)
        line = (out.stdout or out.stderr).strip().splitlines()
        return line[0] if line else "installed"
    except (OSError, subprocess.TimeoutExpired):
        return "installed"


def tool_report(project: Project) -> list[tuple[str, str, str]]:
    rows = []
    for name, kind, why, _pip in needed_tools(project):
        version = tool_version(name, kind)
        rows.append((name, version or f"missing — needed for {why}", why))
    return rows

