"""conda-forge's way: nothing is uploaded to conda; the feedstock's bot opens the version PR once PyPI
serves the release, and conda-forge publishes the package some hours later. The rite waits for the
conda-forge channel's repodata to list the version (resumable: a timeout stops the release, which
resumes at the wait), then proves it with a real conda install into a clean prefix."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from releasekit.adapters import conda
from releasekit.core import ui
from releasekit.core.errors import ReleasekitError, VerifyFailed
from releasekit.core.project import Project
from releasekit.core.waiting import Poll, wait_until
from releasekit.operations.conda_packages import conda_artifacts, conda_enabled, conda_target_kind
from releasekit.operations.feedstock import feedstock_package_name
from releasekit.operations.published import conda_everywhere


def forge_enabled(project: Project) -> bool:
    return conda_enabled(project) and conda_target_kind(project.settings) == "conda-forge"


def forge_channel(project: Project) -> str:
    value = str(project.settings["conda.forge_channel"])
    if "://" in value or "/" not in value:  # a name (conda-forge) or a URL
        return value
    return str(project.settings.path("conda.forge_channel"))  # a folder, relative to the project


def forge_package_name(project: Project, version: str) -> str:
    """The conda name: the built package's, else the feedstock recipe's, else the distribution's."""
    built = conda_artifacts(project, version)
    if built:
        return conda.package_info(built[0]).name
    feedstock = project.settings["conda.feedstock_dir"]
    if feedstock:
        name = feedstock_package_name(project.settings.path("conda.feedstock_dir"))
        if name:
            return name
    return project.package.lower()


def forge_versions(project: Project, name: str) -> set[str]:
    """The versions of ``name`` the conda-forge channel's repodata lists now (read fresh)."""
    files = conda.channel_files(forge_channel(project), name)
    found = set()
    for filename in files:
        stem = filename.removesuffix(".conda").removesuffix(".tar.bz2")
        parts = stem.rsplit("-", 2)
        if len(parts) == 3 and parts[0] == name:
            found.add(parts[1])
    return found


def forge_has(project: Project, version: str) -> bool:
    try:
        return version in forge_versions(project, forge_package_name(project, version))
    except ReleasekitError:
        return False


def wait_for_forge(project: Project, version: str, *, timeout: float | None = None) -> int:
    s = project.settings
    name = forge_package_name(project, version)
    channel = forge_channel(project)

    def probe() -> Poll:
        try:
            listed = forge_versions(project, name)
        except ReleasekitError as exc:
            return Poll(False, [f"the channel ({exc.message})"], unreachable=True)
        return Poll(version in listed, [] if version in listed else [f"{name} {version}"])

    def progress(elapsed: float, polls: int, missing: list[str]) -> None:
        if missing:
            ui.info(f"waiting for conda-forge to publish {name} {version} on {channel}: {elapsed:.0f}s, "
                    f"{polls} poll(s)")

    limit = s["conda.forge_timeout"] if timeout is None else timeout
    polls = wait_until(probe, what=f"the conda-forge channel {channel}", timeout=limit,
                       interval=s["wait.interval"], max_interval=s["wait.max_interval"], on_progress=progress,
                       hint="conda-forge's bot builds it from PyPI's sdist (merge its version PR in the feedstock); "
                            "run `releasekit release` again later: it resumes at this wait")
    ui.info(f"conda-forge lists {name} {version} ({polls} poll(s))")
    return polls


def verify_forge_install(project: Project, version: str, hosts: list[str] | None = None) -> str:
    """A real conda install of the release from the conda-forge channel into a clean prefix (py-rattler),
    then import it and compare the installed version; here, then on every host in ``hosts``."""
    s = project.settings
    name = forge_package_name(project, version)
    channel = forge_channel(project)
    extra = [str(c) for c in s["conda.channels"] if str(c) != channel]
    return conda_everywhere(project, version, lambda: _install_here(project, version, name, channel, extra),
                            host_args=hosts, name=name, channels=[channel, *extra])


def _install_here(project: Project, version: str, name: str, channel: str, extra: list[str]) -> str:
    prefix = Path(tempfile.mkdtemp(prefix="releasekit-forge-verify-"))
    try:
        conda.install_from_channel(channel, f"{name}=={version}", prefix / "env", extra_channels=extra)
        python = conda.prefix_python(prefix / "env")
        code = (f"import {project.import_name}; from importlib.metadata import version; "
                f"print(version({project.package!r}))")
        out = subprocess.run([str(python), "-I", "-c", code], capture_output=True, text=True, cwd=prefix)
        if out.returncode != 0:
            last = out.stderr.strip().splitlines()[-1:] or ["no output"]
            raise VerifyFailed(f"`import {project.import_name}` failed in a fresh conda environment from "
                               f"conda-forge: {last[0]}")
        installed = out.stdout.strip().splitlines()[-1] if out.stdout.strip() else "?"
        if installed != version:
            raise VerifyFailed(f"conda-forge's {name} installs version {installed}, not {version}")
    finally:
        shutil.rmtree(prefix, ignore_errors=True)
    ui.info(f"conda: {name} {version} installed from {channel} into a fresh prefix, imported, version {version}")
    return channel
