"""Staged conda labels (fastai's guide: upload with ``--label test``, install from
``fastai/label/test``, only then copy to ``main``): with ``conda.staging_label`` set, the release is
uploaded to that label, installed from it into a clean prefix with py-rattler, and only then copied
(or with ``conda.promote: move``, moved) to ``conda.label`` and installed from there too. A failed
verify leaves it on the staging label only; the same command resumes."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from releasekit.adapters import anaconda, channel, conda
from releasekit.adapters.shell import Shell
from releasekit.core import ui
from releasekit.core.errors import VerifyFailed
from releasekit.core.project import Project
from releasekit.core.waiting import Poll, wait_until
from releasekit.operations.conda_deps import UPLOAD_TASK, dep_packages
from releasekit.operations.conda_packages import conda_artifacts
from releasekit.operations.published import conda_everywhere
from releasekit.operations.publishing import promote_conda

ANACONDA_CHANNELS = "https://conda.anaconda.org"


def staging_label(project: Project) -> str | None:
    return project.settings["conda.staging_label"] or None


def upload_label(project: Project) -> str:
    """The label the rite's upload step puts the conda package under."""
    return staging_label(project) or project.settings["conda.label"]


def install_channel(project: Project, label: str) -> str:
    """The channel a conda client installs ``label`` from: the channel directory's label folder, or
    ``ALIAS/USER[/label/LABEL]`` (``conda.channel_alias``, anaconda.org's by default)."""
    s = project.settings
    if s["conda.channel_dir"]:
        return str(channel.label_root(s.path("conda.channel_dir"), label))
    alias = (s["conda.channel_alias"] or ANACONDA_CHANNELS).rstrip("/")
    return f"{alias}/{s['conda.user']}" + ("" if label == "main" else f"/label/{label}")


def verify_channels(project: Project) -> list[str]:
    """``conda.channels`` without folders inside ``conda.output``: a verify proves what the channels
    serve, never what was built here."""
    out = project.settings.path("conda.output").resolve()
    kept = []
    for ch in project.settings["conda.channels"]:
        text = str(ch)
        local = "://" not in text and (text.startswith((".", "/", "~")) or Path(text).is_absolute())
        if local and (project.root / Path(text).expanduser()).resolve().is_relative_to(out):
            continue
        kept.append(text)
    return kept


def on_label(project: Project, version: str, label: str) -> bool:
    """Every conda package of ``version`` built here is under ``label``, byte for byte."""
    s = project.settings
    infos = [conda.package_info(p) for p in conda_artifacts(project, version)]
    if not infos:
        return False
    if s["conda.channel_dir"]:
        have = channel.existing(s.path("conda.channel_dir"), label)
        return all(have.get(i.basename) == conda.file_digests(i.path)[0] for i in infos)
    url, token = anaconda.api_url_for(None), os.environ.get("ANACONDA_API_TOKEN")
    for info in infos:
        there = anaconda.existing_files(url, s["conda.user"], info.name, info.version, token).get(info.basename)
        if there is None or label not in there["labels"] or there.get("sha256") != conda.file_digests(info.path)[0]:
            return False
    return True


def uploaded(project: Project, version: str) -> bool:
    """The staged upload's truth: on the staging label, or already promoted."""
    return on_label(project, version, upload_label(project)) or on_label(project, version,
                                                                         project.settings["conda.label"])


def wait_for_label(project: Project, version: str, label: str) -> None:
    s = project.settings
    where = install_channel(project, label)
    expected = {p.name: conda.file_digests(p)[0] for p in conda_artifacts(project, version)}
    names = {conda.package_info(p).name for p in conda_artifacts(project, version)}

    def probe() -> Poll:
        try:
            files: dict[str, str | None] = {}
            for name in names:
                files.update(conda.channel_files(where, name))
        except Exception as exc:  # noqa: BLE001 - an unreadable channel is just "not yet"
            return Poll(False, [f"the channel ({getattr(exc, 'message', exc)})"], unreachable=True)
        missing = [n for n, sha in expected.items() if files.get(n, "") not in (sha, None)]
        return Poll(not missing, missing)

    wait_until(probe, what=f"the conda channel {where}", timeout=s["wait.timeout"], interval=s["wait.interval"],
               max_interval=s["wait.max_interval"])


def verify_from(project: Project, version: str, label: str, hosts: list[str] | None = None, *,
                name: str | None = None) -> str:
    """Install the release from ``label`` into a clean prefix with py-rattler and import it there; then
    the same (with the version checked) on every host in ``hosts``. ``name``: the package's, when none
    was built here."""
    name = name or conda.package_info(conda_artifacts(project, version)[0]).name
    where = install_channel(project, label)
    return conda_everywhere(project, version, lambda: _install_here(project, version, name, where),
                            host_args=hosts, name=name, channels=[where, *verify_channels(project)])


def _install_here(project: Project, version: str, name: str, where: str) -> str:
    prefix = Path(tempfile.mkdtemp(prefix="releasekit-conda-verify-"))
    try:
        try:
            conda.install_from_channel(where, f"{name}=={version}", prefix / "env",
                                       extra_channels=verify_channels(project))
        except VerifyFailed as exc:
            if dep_packages(project):  # built here by dist.conda-deps: are they on a channel yet?
                exc.hint = (f"the dependencies dist.conda-deps built must be on a channel: run `{UPLOAD_TASK}`, "
                            "then the same command to resume")
            raise
        code = f"import {project.import_name}"
        out = subprocess.run([str(conda.prefix_python(prefix / "env")), "-I", "-c", code], capture_output=True,
                             text=True, cwd=prefix, check=False)
        if out.returncode != 0:
            last = (out.stderr.strip().splitlines() or ["no output"])[-1]
            raise VerifyFailed(f"`{code}` failed in a fresh conda environment from {where}: {last}")
    finally:
        shutil.rmtree(prefix, ignore_errors=True)
    ui.info(f"conda: {name} {version} installed from {where} into a fresh prefix and imported")
    return where


def verify_and_promote(project: Project, sh: Shell, version: str, hosts: list[str] | None = None) -> None:
    """Verify from the staging label, promote to ``conda.label``, verify from there. Already promoted
    (a resume): only the last verify runs again."""
    s = project.settings
    staging, target = upload_label(project), s["conda.label"]
    if not on_label(project, version, target):
        wait_for_label(project, version, staging)
        verify_from(project, version, staging, hosts)  # a failure stops here: the release stays on staging only
        promote_conda(project, sh, version, staging, target, s["conda.promote"] == "move")
    wait_for_label(project, version, target)
    verify_from(project, version, target, hosts)


def plan_lines(project: Project, hosts: list[str] | None = None) -> tuple[str, list[str]]:
    """(the upload's label words, the verify's commands) for --plan."""
    s = project.settings
    on_hosts = "".join(f"; same on host {h}" for h in hosts or [])
    staging, target = upload_label(project), s["conda.label"]
    verb = "move" if s["conda.promote"] == "move" else "copy"
    return (f"staging label {staging}, then label {target}",
            [f"install the conda package from {install_channel(project, staging)} into a clean prefix (py-rattler); "
             f"import{on_hosts}", f"{verb} it from label {staging} to label {target}",
             f"install it from {install_channel(project, target)} into a clean prefix; import{on_hosts}"])
