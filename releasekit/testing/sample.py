"""A tiny, real setuptools project to release in tests and demos.

It is laid out like the projects releasekit was made for: the version lives in
``<package>/version.py`` and setup.py reads it as text, CHANGES.md carries a
Work-In-Progress section for the current ``.dev0`` version, and (optionally)
it is a git repository with a bare ``file://`` remote called ``origin``.

Also here: the ``sample_dists`` fixture (the sample built once per session)
and :func:`write_wheel`, a hand-made minimal wheel for tests that need many
distinct packages without building each.
"""

from __future__ import annotations

import base64
import hashlib
import os
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

DEFAULT_README = """# {name}

A sample project that releasekit's tests build, upload and install.

```python
import {package}
print({package}.__version__)
```
"""

SETUP_PY = '''"""Reads the version from {package}/version.py as text, so building never imports the package."""
import re
from pathlib import Path

from setuptools import find_packages, setup

HERE = Path(__file__).parent
VERSION = re.search(
    r"""^__version__\\s*=\\s*['"]([^'"]+)['"]""",
    (HERE / "{package}" / "version.py").read_text(encoding="utf-8"),
    re.M,
).group(1)

setup(
    name="{name}",
    version=VERSION,
    description="A sample project for releasekit's tests.",
    long_description=(HERE / "{readme_file}").read_text(encoding="utf-8"),
    long_description_content_type="{readme_type}",
    author="releasekit tests",
    author_email="tests@example.invalid",
    url="https://example.invalid/{name}",
    license="Apache-2.0",
    python_requires=">=@PYTHON_FLOOR@",
    packages=find_packages(include=["{package}", "{package}.*"]),
)
'''
# The Python that runs the tests is the oldest the sample supports: conda-forge's recipe shape builds and
# tests with Requires-Python's floor (python_min), and the offline test channels hold only this interpreter.
PYTHON_FLOOR = "{}.{}".format(*sys.version_info[:2])
SETUP_PY = SETUP_PY.replace("@PYTHON_FLOOR@", PYTHON_FLOOR)

PYPROJECT = """[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"
"""

INIT_PY = '''"""{name}: a sample project."""

from {package}.version import __version__

__all__ = ["__version__"]
'''

TEST_PY = """import {package}


def test_version_is_set():
    assert {package}.__version__
"""

CHANGES = """# Changes

Notable changes to {name}, newest first.

## {version} (Work In Progress)

### New:

### Changed:

### Fixed:



"""

MANIFEST_IN = """include CHANGES.md LICENSE
recursive-include tests *.py
"""

GITIGNORE = """build/
dist/
conda-dist/
*.egg-info/
__pycache__/
"""

LICENSE = """Copyright releasekit tests

Licensed under the Apache License, Version 2.0 (the "License"); you may not
use this file except in compliance with the License.
"""


@dataclass
class SampleProject:
    """Where the sample lives and what it is called."""

    path: Path
    name: str
    package: str
    version: str
    version_file: Path | None  # None: the version comes from git tags (setuptools-scm and the like)
    changelog: Path | None  # None: the project keeps no changelog
    readme: Path
    remote: Path | None = None
    main_branch: str = "main"

    @property
    def remote_url(self) -> str | None:
        return self.remote.as_uri() if self.remote else None

    def git(self, *args: str) -> str:
        """Run git in the project (identity and signing fixed) and return its stdout."""
        return _git(self.path, *args)

    def tracked_files(self) -> list[str]:
        return self.git("ls-files").splitlines()


def _git_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    # The machine's and user's git config (signing, hooks, default branch) must not change the sample.
    env.update(GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=os.devnull, GIT_TERMINAL_PROMPT="0")
    return env


def git_env() -> dict[str, str]:
    """The environment the sample's git commands run in, for other tools that run git on a sample."""
    return _git_env()


def git(cwd: Path, *args: str) -> str:
    """Run git in ``cwd`` as the sample's own commands do (no machine or user config); its stdout."""
    return _git(cwd, *args)


def _git(cwd: Path, *args: str) -> str:
    result = subprocess.run(
        ["git", *args], cwd=cwd, env=_git_env(), capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)} failed in {cwd}: {result.stderr.strip()}")
    return result.stdout


def make_sample_project(
    root: Path,
    name: str = "sampleproj",
    version: str = "0.1.0.dev0",
    *,
    readme: str | None = None,
    readme_type: str = "text/markdown",
    changelog: str | None = None,
    extra_files: dict[str, str] | None = None,
    with_git: bool = True,
    main_branch: str = "main",
) -> SampleProject:
    """Write the sample project into ``root/name`` (and its bare remote into ``root/remote.git``).

    ``readme_type`` "text/x-rst" writes README.rst instead of README.md;
    ``extra_files`` maps relative paths to contents, added before the first
    commit. With ``with_git`` the project is committed on ``main_branch`` and
    pushed to ``origin`` (a bare repository reached by a ``file://`` URL).
    """
    root = Path(root)
    path = root / name
    remote = root / "remote.git"
    for taken in (path, remote) if with_git else (path,):
        if taken.exists():
            raise FileExistsError(
                f"{taken} already exists; use another root for each sample project"
            )
    package = name.replace("-", "_").replace(".", "_").lower()
    readme_file = "README.rst" if readme_type == "text/x-rst" else "README.md"
    fmt = {
        "name": name,
        "package": package,
        "version": version,
        "readme_file": readme_file,
        "readme_type": readme_type,
    }
    files = {
        "setup.py": SETUP_PY.format(**fmt),
        "pyproject.toml": PYPROJECT,
        f"{package}/__init__.py": INIT_PY.format(**fmt),
        f"{package}/version.py": f"__version__ = '{version}'\n",
        "tests/test_basic.py": TEST_PY.format(**fmt),
        readme_file: DEFAULT_README.format(**fmt) if readme is None else readme,
        "CHANGES.md": changelog if changelog is not None else CHANGES.format(**fmt),
        "LICENSE": LICENSE,
        "MANIFEST.in": MANIFEST_IN,
        ".gitignore": GITIGNORE,
        **(extra_files or {}),
    }
    write_files(path, files)
    project = SampleProject(
        path=path,
        name=name,
        package=package,
        version=version,
        version_file=path / package / "version.py",
        changelog=path / "CHANGES.md",
        readme=path / readme_file,
        main_branch=main_branch,
    )
    if with_git:
        init_git(path, remote, main_branch, f"{name} {version}: first commit")
        project.remote = remote
    return project


def write_files(path: Path, files: dict[str, str]) -> None:
    """Write ``files`` (relative path -> text) under ``path``, making folders as needed."""
    for rel, text in files.items():
        target = path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")


def init_git(path: Path, remote: Path, main_branch: str, message: str) -> None:
    """Make ``path`` a git repository (fixed identity, no signing) whose files are committed on
    ``main_branch`` and pushed to ``origin``, a new bare repository at ``remote`` (a file:// URL)."""
    _git(remote.parent, "init", "--quiet", "--bare", "-b", main_branch, str(remote))
    _git(path, "init", "--quiet", "-b", main_branch)
    _git(path, "config", "user.name", "releasekit tests")
    _git(path, "config", "user.email", "tests@example.invalid")
    _git(path, "config", "commit.gpgsign", "false")
    _git(path, "config", "tag.gpgsign", "false")
    _git(path, "add", "-A")
    _git(path, "commit", "--quiet", "-m", message)
    _git(path, "remote", "add", "origin", remote.as_uri())
    _git(path, "push", "--quiet", "-u", "origin", main_branch)


@dataclass
class SampleDists:
    """A sample project and the sdist and wheel built from it."""

    project: SampleProject
    wheel: Path
    sdist: Path

    @property
    def paths(self) -> list[Path]:
        return [self.wheel, self.sdist]


_built: dict[Path, SampleDists] = {}


def build_sample_dists(root: Path, name: str = "rk-sample", version: str = "0.1.0") -> SampleDists:
    """Make a sample project in ``root`` and build it (no isolation: works offline)."""
    from releasekit.adapters.pypi import build
    from releasekit.adapters.shell import Shell

    project = make_sample_project(root, name, version)
    paths = build(Shell(), project.path, root / "dist", isolation=False)
    wheel = next(p for p in paths if p.name.endswith(".whl"))
    sdist = next(p for p in paths if p.name.endswith(".tar.gz"))
    return SampleDists(project, wheel, sdist)


@pytest.fixture(scope="session")
def sample_dists(tmp_path_factory: pytest.TempPathFactory) -> SampleDists:
    """rk-sample 0.1.0, built once per test session however many modules import this fixture.

    Treat the files as read-only: copy them before changing them.
    """
    base = tmp_path_factory.getbasetemp()
    if base not in _built:
        _built[base] = build_sample_dists(tmp_path_factory.mktemp("sample-dists"))
    return _built[base]


def write_wheel(
    folder: Path,
    name: str,
    version: str,
    *,
    requires: list[str] | None = None,
    files: dict[str, str] | None = None,
) -> Path:
    """Write a minimal valid pure-Python wheel without building anything (about a millisecond).

    It holds ``<module>/__init__.py`` setting ``__version__`` plus ``files``;
    ``requires`` become Requires-Dist lines. For tests that need many distinct
    packages; use :func:`make_sample_project` and a real build for the release itself.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    module = name.replace("-", "_").replace(".", "_").lower()
    dist_info = f"{module}-{version}.dist-info"
    metadata = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
    metadata += "".join(f"Requires-Dist: {req}\n" for req in requires or [])
    contents = {
        f"{module}/__init__.py": f"__version__ = {version!r}\n",
        **(files or {}),
        f"{dist_info}/METADATA": metadata,
        f"{dist_info}/WHEEL": "Wheel-Version: 1.0\nGenerator: releasekit.testing\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = []
    for path, text in contents.items():
        data = text.encode()
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{path},sha256={digest},{len(data)}")
    record.append(f"{dist_info}/RECORD,,")
    target = folder / f"{module}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for path, text in contents.items():
            zf.writestr(path, text)
        zf.writestr(f"{dist_info}/RECORD", "\n".join(record) + "\n")
    return target
