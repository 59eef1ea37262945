"""Build-backend wheels (setuptools, wheel) for local indexes.

Installing an sdist in a hermetic environment builds it, and the build backend
must come from the index under test. A local index for the demo or the tests
is seeded with these wheels, downloaded once into ``<venv>/wheelhouse`` by
``scripts/setup`` so that the demo and the tests then run offline.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

PACKAGES = ("setuptools", "wheel")


def wheelhouse() -> Path:
    return Path(os.environ.get("RELEASEKIT_WHEELHOUSE") or Path(sys.prefix) / "wheelhouse")


def backend_wheels(download: bool = True) -> list[Path]:
    """The wheels of the build backends; downloaded into the wheelhouse when missing and allowed."""
    folder = wheelhouse()
    found = _find(folder)
    if len(found) < len(PACKAGES) and download:
        folder.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary=:all:",
                        "-d", str(folder), *PACKAGES], check=True)
        found = _find(folder)
    return found


def _find(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    out = []
    for name in PACKAGES:
        wheels = sorted(folder.glob(f"{name}-*.whl"))
        if wheels:
            out.append(wheels[-1])
    return out


def seed(index_dir: Path) -> list[Path]:
    """Copy the backend wheels into a pypiserver-style package folder."""
    copied = []
    for wheel in backend_wheels():
        target = Path(index_dir) / wheel.name
        shutil.copy2(wheel, target)
        copied.append(target)
    return copied
