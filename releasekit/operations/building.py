"""Building the release's sdist and wheel from a clean export of a ref, and finding them again in dist/."""

from __future__ import annotations

import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

from releasekit.adapters import index, pypi
from releasekit.adapters.git import Git
from releasekit.adapters.shell import Shell
from releasekit.core import ui
from releasekit.core.conventions.versions.tags import version_in
from releasekit.core.project import Project
from releasekit.operations.version_edits import (
    current_version,
    tag_name,
    tree_of,
    version_conventions,
)


def release_artifacts(project: Project, version: str) -> list[Path]:
    """The sdist and wheels of ``version`` in the dist folder (wheels first)."""
    from packaging.utils import canonicalize_name
    from packaging.version import Version

    folder = project.dist_dir
    if not folder.is_dir():
        return []
    found = []
    for path in sorted(folder.iterdir()):
        parsed = index.parse_filename(path.name)
        if parsed and parsed[0] == canonicalize_name(project.package) and parsed[1] == Version(version):
            found.append(path)
    return sorted(found, key=lambda p: (not p.name.endswith(".whl"), p.name))


@contextmanager
def exported(git: Git, ref: str):
    """A temporary clean export of ``ref``: tracked files only, so untracked data never leaks in."""
    tmp = Path(tempfile.mkdtemp(prefix="releasekit-export-"))
    try:
        yield git.export(ref, tmp / "src")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def build_env(project: Project, git: Git, ref: str) -> dict[str, str]:
    """What the build of a clean export of ``ref`` needs to come out at the right version: nothing
    for a version in files; for a version from git tags, the backend's own variable set to the
    version of the tag ``ref`` (or, for another ref, of the latest release tag)."""
    conv = version_conventions(project, git)
    if conv.source.paths:
        return {}  # the files carry the version: the export has it
    tagged = version_in(ref, conv.tag)
    return conv.source.build_env(str(tagged) if tagged is not None else conv.source.read(tree_of(project)))


def build_pypi(project: Project, sh: Shell, git: Git, ref: str, *, sdist: bool = True, wheel: bool = True,
               out_dir: Path | None = None) -> list[Path]:
    s = project.settings
    env = build_env(project, git, ref)
    with exported(git, ref) as src:
        paths = pypi.build(sh, src, out_dir or project.dist_dir, sdist=sdist, wheel=wheel,
                           isolation=s["dist.isolation"], installer=s["dist.installer"], env=env or None)
    if paths:
        ui.table(("file", "size", "sha256"), pypi.artifact_table(paths), title=f"built from {ref}")
    return paths


def clean_dist(project: Project, sh: Shell) -> None:
    for folder in (project.dist_dir, project.settings.path("conda.output")):
        if folder.exists():
            if sh.dry_run:
                ui.info(f"[dry-run] would remove {folder}")
            else:
                shutil.rmtree(folder)
                ui.info(f"removed {folder}")


def _ref_for(project: Project, git: Git, ref: str | None) -> str:
    if ref:
        return ref
    tag = tag_name(version_conventions(project, git), current_version(project, git))
    if git.local_tag(tag):
        return tag
    ui.warn(f"no tag {tag} yet: building the last commit (HEAD); uncommitted changes are not included")
    return "HEAD"

