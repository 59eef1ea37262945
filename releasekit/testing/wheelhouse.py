"""Build-backend wheels for local indexes.

Installing an sdist in a hermetic environment builds it, and the build backend
must come from the index under test. A local index for the demo or the tests
is seeded with these wheels, downloaded once into ``<venv>/wheelhouse`` by
``scripts/setup`` so that the demo and the tests then run offline.

Two sets: :data:`PACKAGES` (setuptools and wheel, what every index gets, as
before) and :data:`BACKENDS`, the real backends of the projects releasekit is
tested on (hatchling, hatch-vcs, setuptools-scm, flit-core, poetry-core,
pdm-backend, uv_build) plus towncrier, each with its runtime dependencies.
Their versions come from the repository's ``constraints.txt`` when there is
one, so the wheelhouse is as reproducible as the venv.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from packaging.utils import canonicalize_name, parse_wheel_filename

PACKAGES = ("setuptools", "wheel")
BACKENDS = (
    *PACKAGES,
    "hatchling",
    "hatch-vcs",
    "setuptools-scm",
    "flit-core",
    "poetry-core",
    "pdm-backend",
    "uv-build",
    "towncrier",
)
# constraints.txt pins the venv's own setuptools (Python's bundled one, which --no-isolation builds use);
# isolated builds get this current release from the index instead, as they would from PyPI.
SETUPTOOLS = "84.2.1"
MANIFEST = "wheelhouse.txt"  # first line: what was asked for; then one wheel file name a line


def wheelhouse() -> Path:
    return Path(os.environ.get("RELEASEKIT_WHEELHOUSE") or Path(sys.prefix) / "wheelhouse")


def constraints_file() -> Path | None:
    """The repository's constraints.txt (an editable install or a checkout), if any."""
    path = Path(__file__).resolve().parents[2] / "constraints.txt"
    return path if path.is_file() else None


def _pins() -> list[str]:
    """constraints.txt without its setuptools line (see SETUPTOOLS)."""
    path = constraints_file()
    if path is None:
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line.strip() and not line.startswith("#")
            and canonicalize_name(line.split("==")[0].strip()) != "setuptools"]


def _requirements() -> list[str]:
    return [f"setuptools=={SETUPTOOLS}" if name == "setuptools" else name for name in BACKENDS]


def _key() -> str:
    """Changes whenever what the wheelhouse should hold changes."""
    text = "\n".join(_requirements() + _pins())
    return f"# {hashlib.sha256(text.encode()).hexdigest()[:16]} {sys.version_info[0]}.{sys.version_info[1]}"


def _manifest(folder: Path) -> list[Path] | None:
    """The wheels the last download fetched, if it was for what is wanted now and they are all there."""
    path = folder / MANIFEST
    if not path.is_file():
        return None
    key, *names = path.read_text(encoding="utf-8").splitlines()
    wheels = [folder / name for name in names if name]
    if key != _key() or not all(w.is_file() for w in wheels):
        return None
    return wheels


def _download(folder: Path) -> list[Path]:
    """Every backend and its runtime dependencies as wheels for this interpreter, pinned; one pip call."""
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".download-", dir=folder) as tmp:
        argv = [sys.executable, "-m", "pip", "download", "-q", "--only-binary=:all:", "-d", tmp]
        pins = _pins()
        if pins:
            constraints = Path(tmp) / "constraints.txt"
            constraints.write_text("\n".join(pins) + "\n", encoding="utf-8")
            argv += ["-c", str(constraints)]
        subprocess.run([*argv, *_requirements()], check=True)
        names = sorted(p.name for p in Path(tmp).glob("*.whl"))
        for name in names:
            os.replace(Path(tmp) / name, folder / name)
    (folder / MANIFEST).write_text("\n".join([_key(), *names]) + "\n", encoding="utf-8")
    return [folder / name for name in names]


def _named(wheels: list[Path], names: tuple[str, ...]) -> list[Path]:
    wanted = {canonicalize_name(n) for n in names}
    return [w for w in wheels if parse_wheel_filename(w.name)[0] in wanted]


def backend_wheels(download: bool = True, *, every: bool = False) -> list[Path]:
    """The build-backend wheels: setuptools and wheel, or with ``every`` all of :data:`BACKENDS` and
    their dependencies. Downloaded into the wheelhouse when missing or outdated and ``download``."""
    folder = wheelhouse()
    wheels = _manifest(folder)
    if wheels is None and download:
        wheels = _download(folder)
    if wheels is None:  # not downloaded by this version: whatever the folder has
        wheels = _newest(folder)
    return wheels if every else _named(wheels, PACKAGES)


def _newest(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    newest: dict[str, Path] = {}
    for wheel in folder.glob("*.whl"):
        name, version, *_ = parse_wheel_filename(wheel.name)
        have = newest.get(name)
        if have is None or version > parse_wheel_filename(have.name)[1]:
            newest[name] = wheel
    return sorted(newest.values())


def seed(index_dir: Path, *, every: bool = False) -> list[Path]:
    """Copy the backend wheels (with ``every``: all of :data:`BACKENDS`) into a pypiserver-style folder."""
    copied = []
    for wheel in backend_wheels(every=every):
        target = Path(index_dir) / wheel.name
        shutil.copy2(wheel, target)
        copied.append(target)
    return copied
