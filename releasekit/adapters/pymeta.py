"""Reading a release's metadata from what was built, or building just the metadata.

A wheel's METADATA is the truth whatever the build backend. An sdist's PKG-INFO is the truth
for the fields it does not mark Dynamic (metadata 2.2+); an older PKG-INFO, or a setup.py /
setup.cfg project with nothing built, gets its metadata from the build backend's
``prepare_metadata_for_build_wheel`` through pypa/build. Mechanism only: the parsing is
:mod:`releasekit.core.pymetadata`.
"""

from __future__ import annotations

import tarfile
import tempfile
import tomllib
import zipfile
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from releasekit.core import fileio, pymetadata
from releasekit.core.errors import BuildError, MetadataMissing
from releasekit.core.pymetadata import ProjectMetadata

# The fields a recipe or a requirements check reads; a PKG-INFO marking any Dynamic is not enough.
_NEEDED = {"requires-dist", "summary", "license", "license-expression", "requires-python", "project-url"}


def wheel_metadata(wheel: Path) -> ProjectMetadata:
    """METADATA and entry_points.txt of a wheel's ``.dist-info``."""
    wheel = Path(wheel)
    try:
        with zipfile.ZipFile(wheel) as zf:
            names = zf.namelist()
            dist_info = sorted({n.split("/")[0] for n in names if n.split("/")[0].endswith(".dist-info")})
            if len(dist_info) != 1:
                raise MetadataMissing(f"{wheel.name} has {len(dist_info)} .dist-info folders, not one")
            found = {n: zf.read(f"{dist_info[0]}/{n}").decode("utf-8")
                     for n in ("METADATA", "entry_points.txt") if f"{dist_info[0]}/{n}" in names}
            text, eps = found.get("METADATA", ""), found.get("entry_points.txt", "")
    except (OSError, zipfile.BadZipFile) as exc:
        raise MetadataMissing(f"cannot read {wheel}: {exc}") from None
    if not text:
        raise MetadataMissing(f"{wheel.name} has no METADATA")
    return pymetadata.from_metadata_text(text, entry_points_text=eps, origin=f"METADATA of {wheel.name}")


def sdist_metadata(sdist: Path, *, isolated: bool = True) -> ProjectMetadata:
    """The sdist's PKG-INFO where it says everything needed, else its static pyproject
    ``[project]``, else the build backend's metadata for the unpacked sdist."""
    sdist = Path(sdist)
    try:
        with tarfile.open(sdist) as tar:
            members = {m.name: m for m in tar.getmembers()}
            top = min((n.split("/")[0] for n in members), default="")

            def read(name: str) -> str:
                member = members.get(f"{top}/{name}")
                handle = tar.extractfile(member) if member is not None else None
                return handle.read().decode("utf-8") if handle is not None else ""

            pkg_info, pyproject_text = read("PKG-INFO"), read("pyproject.toml")
    except (OSError, tarfile.TarError) as exc:
        raise MetadataMissing(f"cannot read {sdist}: {exc}") from None
    pyproject = _toml(pyproject_text, f"{sdist.name}'s pyproject.toml")
    build_requires = tuple((pyproject.get("build-system") or {}).get("requires") or ())
    if pkg_info and not (pymetadata.dynamic_fields(pkg_info) & (_NEEDED | {"*"})):
        meta = pymetadata.from_metadata_text(pkg_info, origin=f"PKG-INFO of {sdist.name}",
                                             build_requires=build_requires)
        eps = _entry_points_beside(sdist, top)
        return meta if not eps else _with_entry_points(meta, eps)
    static = pymetadata.from_pyproject(pyproject, origin=f"pyproject.toml of {sdist.name}")
    if static is not None:
        return static
    with tempfile.TemporaryDirectory(prefix="releasekit-sdist-") as tmp:
        with tarfile.open(sdist) as tar:
            tar.extractall(tmp, filter="data")
        return built_metadata(Path(tmp) / top, isolated=isolated, origin=f"the build backend, from {sdist.name}")


def _entry_points_beside(sdist: Path, top: str) -> str:
    """An sdist's PKG-INFO has no entry points; setuptools keeps them in the egg-info folder."""
    with tarfile.open(sdist) as tar:
        for member in tar.getmembers():
            parts = member.name.split("/")
            if len(parts) == 3 and parts[0] == top and parts[1].endswith(".egg-info") and parts[2] == "entry_points.txt":
                handle = tar.extractfile(member)
                return handle.read().decode("utf-8") if handle is not None else ""
    return ""


def _with_entry_points(meta: ProjectMetadata, text: str) -> ProjectMetadata:
    return replace(meta, entry_points=pymetadata.parse_entry_points(text))


def _toml(text: str, what: str) -> dict:
    if not text.strip():
        return {}
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise MetadataMissing(f"{what} is not valid TOML: {exc}") from None


def built_metadata(source_dir: Path, *, isolated: bool = True, origin: str | None = None) -> ProjectMetadata:
    """The metadata the build backend prepares for a wheel of ``source_dir`` (pypa/build's
    ``prepare_metadata_for_build_wheel`` call; a full wheel build where the backend lacks it).
    ``isolated`` installs the backend into a fresh environment first, as a real build does."""
    import build
    import build.env
    import pyproject_hooks

    source_dir = Path(source_dir)
    origin = origin or f"the build backend of {source_dir}"
    try:
        with tempfile.TemporaryDirectory(prefix="releasekit-metadata-") as out:
            if isolated:
                with build.env.DefaultIsolatedEnv() as env:
                    builder = build.ProjectBuilder.from_isolated_env(
                        env, source_dir, runner=pyproject_hooks.quiet_subprocess_runner)
                    env.install(builder.build_system_requires)
                    env.install(builder.get_requires_for_build("wheel"))
                    dist_info = Path(builder.metadata_path(out))
            else:
                builder = build.ProjectBuilder(source_dir, runner=pyproject_hooks.quiet_subprocess_runner)
                dist_info = Path(builder.metadata_path(out))
            requires = tuple(sorted(builder.build_system_requires))
            text = fileio.read_text(dist_info / "METADATA")
            eps_path = dist_info / "entry_points.txt"
            eps = fileio.read_text(eps_path) if eps_path.is_file() else ""
    except build.BuildException as exc:
        raise BuildError(f"the build backend could not prepare the metadata of {source_dir}: {exc}") from None
    except build.BuildBackendException as exc:
        cause = str(exc.exception).strip().splitlines()
        raise BuildError(f"the build backend failed preparing the metadata of {source_dir}: "
                         f"{cause[-1] if cause else exc}") from None
    return pymetadata.from_metadata_text(text, entry_points_text=eps, origin=origin, build_requires=requires)


def release_metadata(artifacts: Sequence[Path], project_dir: Path | None = None, *,
                     isolated: bool = True) -> ProjectMetadata:
    """The release's metadata from whatever is built: a wheel first, else an sdist, else (nothing
    built) the project itself: its static pyproject, or its build backend."""
    wheels = [Path(p) for p in artifacts if str(p).endswith(".whl")]
    if wheels:
        meta = wheel_metadata(wheels[0])
        if project_dir is None or not (Path(project_dir) / "pyproject.toml").is_file():
            return meta
        # a wheel does not say what built it; the project's [build-system] does
        build_system = _toml(fileio.read_text(Path(project_dir) / "pyproject.toml"), "pyproject.toml").get("build-system")
        requires = tuple((build_system or {}).get("requires") or ())
        return replace(meta, build_requires=requires) if requires else meta
    sdists = [Path(p) for p in artifacts if str(p).endswith((".tar.gz", ".zip"))]
    if sdists:
        return sdist_metadata(sdists[0], isolated=isolated)
    if project_dir is None:
        raise MetadataMissing("nothing is built and no project folder was given to read the metadata from")
    pyproject_path = Path(project_dir) / "pyproject.toml"
    pyproject = _toml(fileio.read_text(pyproject_path), "pyproject.toml") if pyproject_path.is_file() else {}
    static = pymetadata.from_pyproject(pyproject)
    return static if static is not None else built_metadata(Path(project_dir), isolated=isolated)
