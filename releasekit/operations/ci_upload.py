"""``publish: ci``: the tag's workflow uploads; this machine proves the upload is the release.

It builds the tag here too (the preview CI's files are compared with, kept under the state folder so
that it never mixes with a local dist folder), waits until the index serves every one of the
preview's filenames with a sha256, downloads them and compares: the same filenames, an sdist holding
the files of the tag's export, wheels with the same METADATA, and with ``dist.reproducible`` the same
bytes (:mod:`releasekit.core.published` decides).
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from releasekit.adapters import distfiles, index
from releasekit.adapters.git import Git
from releasekit.adapters.shell import Shell
from releasekit.core import published, ui
from releasekit.core.errors import PublishedMismatch, WaitTimeout
from releasekit.core.project import Project
from releasekit.core.waiting import Poll, progress_reporter, wait_until
from releasekit.operations.building import build_pypi
from releasekit.operations.publishing import pypi_target


def preview_dir(project: Project, version: str) -> Path:
    return project.state_dir / "ci-preview" / version


def preview_files(project: Project, version: str) -> list[Path]:
    folder = preview_dir(project, version)
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.name.endswith((".whl", ".tar.gz", ".zip")))


def build_preview(project: Project, sh: Shell, git: Git, tag: str, version: str) -> list[Path]:
    """The tag built here from a clean export, once: kept for every later comparison (a resume too)."""
    found = preview_files(project, version)
    if any(p.name.endswith(".whl") for p in found) and any(not p.name.endswith(".whl") for p in found):
        return found
    folder = preview_dir(project, version)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return build_pypi(project, sh, git, tag, out_dir=folder)


def served(project: Project, version: str) -> dict[str, str | None]:
    """filename -> sha256 the index states, of ``version``'s files."""
    _repo, _url, page = pypi_target(project)
    return index.files_for_version(index.fetch_files(page), project.package, version)


def missing_from(served_files: dict[str, str | None], names: list[str]) -> list[str]:
    """The preview's filenames the index does not serve yet, or serves without a sha256."""
    return [n for n in names if not served_files.get(n)]


def wait_for_ci(project: Project, missing_now: Callable[[], list[str]], *, waiting_for: str, where: str, unreadable: str,
                not_uploaded: str, hint: str, timeout: float | None = None) -> int:
    """Poll ``missing_now`` until it names nothing (``wait.timeout``, with progress); the number of polls.
    An error while reading (``unreadable``: the index, the channel) is just "not yet"."""
    s = project.settings

    def probe() -> Poll:
        try:
            missing = missing_now()
        except Exception as exc:  # noqa: BLE001 - an unreachable index or channel is just "not yet"
            return Poll(False, [f"{unreadable} ({getattr(exc, 'message', exc)})"], unreachable=True)
        return Poll(not missing, missing)

    progress = progress_reporter(waiting_for, live=sys.stdout.isatty(), show=ui.info)

    try:
        return wait_until(probe, what=where, timeout=s["wait.timeout"] if timeout is None else timeout,
                          interval=s["wait.interval"], max_interval=s["wait.max_interval"], on_progress=progress)
    except WaitTimeout as exc:
        raise WaitTimeout(f"{exc.message} ({not_uploaded})", hint) from None


def wait_for_upload(project: Project, version: str, names: list[str], *, timeout: float | None = None) -> dict[str, str | None]:
    """Poll until the index serves every name with a sha256 (``wait.timeout``, with progress)."""
    _repo, _url, page = pypi_target(project)
    polls = wait_for_ci(project, lambda: missing_from(served(project, version), names),
                        waiting_for=f"CI's upload of {project.package} {version}", where=f"the index page {page}",
                        unreadable="the index", not_uploaded="CI has not uploaded them", timeout=timeout,
                        hint="look at the tag's publish workflow; once it uploaded, run the same command: the "
                             "release resumes and checks again")
    ui.info(f"the index serves {project.package} {version} as CI uploaded it ({len(names)} file(s), {polls} poll(s))")
    return served(project, version)


def problems(project: Project, version: str, preview: list[Path], served_files: dict[str, str | None]) -> list[str]:
    """Every way the published files differ from the preview (empty: they are the release)."""
    _repo, _url, page = pypi_target(project)
    with tempfile.TemporaryDirectory(prefix="releasekit-published-") as tmp:
        facts = distfiles.published_facts(page, served_files, Path(tmp))
    return published.compare(facts, distfiles.facts_of(preview), reproducible=project.settings["dist.reproducible"])


def check(project: Project, version: str, preview: list[Path], served_files: dict[str, str | None]) -> None:
    found = problems(project, version, preview, served_files)
    if len(found) == 1:
        raise PublishedMismatch(f"CI published another {project.package} {version} than the tag builds: {found[0]}",
                                "the index keeps those files for good: find why CI's build differs, then release a "
                                "new version")
    if found:
        for line in found:
            ui.info(f"  - {line}")
        raise PublishedMismatch(f"CI published another {project.package} {version} than the tag builds "
                                f"({len(found)} differences, listed above)",
                                "the index keeps those files for good: find why CI's build differs, then release a "
                                "new version")
    ui.info(f"the published files of {version} are the tag's release: " + ", ".join(p.name for p in preview))


def uploaded(project: Project, version: str) -> bool:
    """The truth on resume: the preview exists, the index serves all of it, and it is the same."""
    preview = preview_files(project, version)
    if not preview:
        return False
    files = served(project, version)
    if missing_from(files, [p.name for p in preview]):
        return False
    return not problems(project, version, preview, files)
