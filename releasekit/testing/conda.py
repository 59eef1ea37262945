"""Fixtures for conda work without a network.

``conda_build_channel`` is a local, rattler-indexed channel holding what a
noarch-python build needs: a ``python`` *shim* package (its ``bin/python``
links to this interpreter and a ``pyvenv.cfg`` makes the prefix a venv) plus
pip, setuptools, wheel and packaging converted with whl2conda from this
interpreter's installed copies (setuptools: the wheelhouse's current release). ``sample_project`` / ``sample_sdist`` make a
tiny setuptools project with a fastai-style ``conda/meta.yaml``, and
``sample_conda_package`` is its package built by rattler-build, shared by the
session. ``conda_build_recorder`` puts a ``conda-build`` on PATH that records
its argv and builds through rattler-build.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest

SAMPLE_NAME = "rkcondasample"
SAMPLE_VERSION = "1.2.0"
SAMPLE_REQUIRES = ["packaging>=20"]
CHANNEL_PACKAGES = ("pip", "setuptools", "wheel", "packaging")
# The platforms a recipe's requirements are solved for (conda.platforms' default): the channel holds a
# python for each, so that it plays conda-forge for a solve (only this machine's python runs).
SOLVE_PLATFORMS = ("linux-64", "osx-64", "osx-arm64", "win-64")
_CHANNEL_FORMAT = 3  # bump when the channel's recipe changes, to invalidate caches

FASTAI_STYLE_META = """\
{% set data = load_setup_py_data(setup_file='../setup.py', from_recipe_dir=True) %}
package:
  name: {{ data.name }}
  version: "{{ data.version }}"

source:
  url: ../dist/{{ data.name }}-{{ data.version }}.tar.gz

build:
  number: 1
  noarch: python
  script: python setup.py install --single-version-externally-managed --record=record.txt
  entry_points:
    - {{ data.name }}-hello = {{ data.name }}:main

requirements:
  build:
    - python
    - setuptools
  run:
    - python
    - packaging >=20

test:
  imports:
    - {{ data.name }}
  commands:
    - {{ data.name }}-hello

about:
  home: {{ data.get('url') }}
  license: {{ data.get('license') }}
  summary: {{ data.get('description') }}
"""


@dataclass(frozen=True)
class LocalChannel:
    """A conda channel folder; ``url`` is its file:// URL."""

    path: Path
    python_version: str

    @property
    def url(self) -> str:
        return self.path.resolve().as_uri()


# --- the channel ----------------------------------------------------------------------------------


def python_shim_package(out_dir: Path, python: str | None = None) -> Path:
    """A ``python`` conda package whose interpreter is ``python`` (default: this one's base).

    POSIX only (its ``bin/python`` is a symlink).
    """
    import rattler_build
    from rattler import Subdir

    # the base interpreter, not a venv's: the shim's own pyvenv.cfg makes the prefix the venv
    real = Path(os.path.realpath(str(python or getattr(sys, "_base_executable", sys.executable))))
    version = subprocess.run(
        [str(real), "-c", "import platform; print(platform.python_version())"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()
    major_minor = ".".join(version.split(".")[:2])
    with tempfile.TemporaryDirectory(prefix="python-shim-") as tmp:
        stage = Path(tmp)
        (stage / "bin").mkdir()
        for name in ("python", "python3", f"python{major_minor}"):
            (stage / "bin" / name).symlink_to(real)
        (stage / "pyvenv.cfg").write_text(
            f"home = {real.parent}\ninclude-system-site-packages = false\nversion = {version}\n"
        )
        out = rattler_build.assemble_package(
            name="python",
            version=version,
            target_platform=str(Subdir.current()),
            build_string="releasekit_shim_0",
            output_dir=Path(out_dir),
            files_dir=stage,
            summary="python shim for offline tests: links to an existing interpreter",
            detect_prefix=False,
        )
    return Path(out.path)


def wheel_of_installed(dist_name: str, out_dir: Path) -> Path:
    """Repack an installed distribution of this interpreter as a wheel (offline, no pip download)."""
    dist = metadata.distribution(dist_name)
    base = Path(str(dist.locate_file("")))
    files = list(dist.files or [])
    info_dir = next(str(f).split("/")[0] for f in files if str(f).split("/")[0].endswith(".dist-info"))
    name = dist.metadata["Name"].replace("-", "_")
    wheel = Path(out_dir) / f"{name}-{dist.version}-py3-none-any.whl"
    skip = {f"{info_dir}/{n}" for n in ("RECORD", "INSTALLER", "REQUESTED", "direct_url.json")}
    records = []
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED) as zf:
        for f in files:
            rel = str(f)
            if rel.startswith("..") or "__pycache__" in rel or rel.endswith(".pyc") or rel in skip:
                continue
            data = (base / f).read_bytes()
            zf.writestr(rel, data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            records.append(f"{rel},sha256={digest},{len(data)}")
        records.append(f"{info_dir}/RECORD,,")
        zf.writestr(f"{info_dir}/RECORD", "\n".join(records) + "\n")
    return wheel


def wheel_to_conda(wheel: Path, out_dir: Path) -> Path:
    """Convert a pure-Python wheel into a noarch conda package (.tar.bz2: fastest to write)."""
    from whl2conda.api.converter import CondaPackageFormat, Wheel2CondaConverter

    logging.getLogger("whl2conda").setLevel(logging.ERROR)  # it logs every skipped extra
    converter = Wheel2CondaConverter(Path(wheel), Path(out_dir))
    converter.out_format = CondaPackageFormat.V1
    converter.overwrite = True
    return converter.convert()


def python_placeholder_package(out_dir: Path, version: str, platform: str) -> Path:
    """An empty ``python`` package for ``platform``: something to solve against, never to run."""
    import rattler_build

    with tempfile.TemporaryDirectory(prefix="python-placeholder-") as tmp:
        (Path(tmp) / "info-only.txt").write_text("a placeholder for solves in tests\n")
        out = rattler_build.assemble_package(
            name="python", version=version, target_platform=platform, build_string="releasekit_placeholder_0",
            output_dir=Path(out_dir), files_dir=Path(tmp), summary="python placeholder for offline solves",
            detect_prefix=False,
        )
    return Path(out.path)


def build_local_channel(dest: Path, packages: Sequence[str] = CHANNEL_PACKAGES) -> LocalChannel:
    """Make ``dest`` a channel with the python shim and ``packages`` from this interpreter (and a
    placeholder python for each other platform of ``SOLVE_PLATFORMS``)."""
    from rattler import Subdir
    from rattler.index import index_fs

    from releasekit.adapters.conda import run_async

    dest = Path(dest)
    (dest / "noarch").mkdir(parents=True, exist_ok=True)
    shim = python_shim_package(dest / str(Subdir.current()))
    for platform in SOLVE_PLATFORMS:
        if platform != str(Subdir.current()):
            python_placeholder_package(dest / platform, shim.name.split("-")[1], platform)
    with tempfile.TemporaryDirectory(prefix="wheels-") as tmp:
        for name in packages:
            wheel_to_conda(_channel_wheel(name, Path(tmp)), dest / "noarch")
    run_async(index_fs(dest, force=True))
    version = shim.name.split("-")[1]
    return LocalChannel(dest, version)


def _current_setuptools() -> Path | None:
    """The wheelhouse's setuptools (a current release, as conda-forge serves one), if downloaded."""
    from releasekit.testing.wheelhouse import SETUPTOOLS, wheelhouse

    found = sorted(wheelhouse().glob(f"setuptools-{SETUPTOOLS}-*.whl"))
    return found[0] if found else None


def _channel_wheel(name: str, out_dir: Path) -> Path:
    """The wheel a channel package is made from: this interpreter's installed copy, but setuptools,
    which is the wheelhouse's current one where there is one. The venv pins Python's bundled
    setuptools (65.5), which cannot build wheels without `wheel`; conda-forge's can, and recipes in
    its shape list only setuptools."""
    if name == "setuptools":
        current = _current_setuptools()
        if current is not None:
            return current
    return wheel_of_installed(name, out_dir)


def _channel_key() -> str:
    parts = [str(_CHANNEL_FORMAT), sys.version, os.path.realpath(sys.executable)]
    parts += [f"{n}={metadata.version(n)}" for n in CHANNEL_PACKAGES]
    parts.append(str(_current_setuptools()))
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    try:
        import fcntl
    except ImportError:
        yield
        return
    with open(path, "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def cached_local_channel(cache_root: Path) -> LocalChannel:
    """The local channel, built once per interpreter and package versions under ``cache_root``.

    Safe with pytest-xdist: workers wait on a lock; the channel appears by rename.
    Treat it as read-only.
    """
    cache_root = Path(cache_root)
    cache_root.mkdir(parents=True, exist_ok=True)
    dest = cache_root / _channel_key()
    with _file_lock(cache_root / ".lock"):
        marker = dest / ".complete"
        if not marker.exists():
            tmp = Path(tempfile.mkdtemp(dir=cache_root, prefix=".building-"))
            try:
                channel = build_local_channel(tmp)
            except BaseException:
                shutil.rmtree(tmp, ignore_errors=True)
                raise
            (tmp / ".complete").write_text(channel.python_version)
            if dest.exists():
                shutil.rmtree(dest)
            os.replace(tmp, dest)
    return LocalChannel(dest, (dest / ".complete").read_text())


_made: dict[tuple[Path, str], Any] = {}


def _once(tmp_path_factory: pytest.TempPathFactory, what: str, make: Callable[[], Any]) -> Any:
    """Make a session fixture's value once per session, however many test modules import
    the fixture (pytest creates one session fixture per importing module)."""
    key = (tmp_path_factory.getbasetemp(), what)
    if key not in _made:
        _made[key] = make()
    return _made[key]


@pytest.fixture(scope="session")
def conda_build_channel(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> LocalChannel:
    """A read-only local channel with python (shim), pip, setuptools, wheel and packaging.

    Cached in pytest's cache folder between runs (keyed by the interpreter and
    package versions); built in a temporary folder when the cache is disabled.
    """
    cache = getattr(request.config, "cache", None)

    def make() -> LocalChannel:
        if cache is not None:
            return cached_local_channel(Path(cache.mkdir("releasekit-conda-channel")))
        return build_local_channel(tmp_path_factory.mktemp("conda-channel"))

    return _once(tmp_path_factory, "conda_build_channel", make)


# --- a sample project ----------------------------------------------------------------------------


def write_sample_project(
    dest: Path,
    *,
    name: str = SAMPLE_NAME,
    version: str = SAMPLE_VERSION,
    install_requires: Sequence[str] = tuple(SAMPLE_REQUIRES),
    meta_yaml: str | None = FASTAI_STYLE_META,
) -> Path:
    """A tiny setuptools project (``import name`` works, ``name:main`` prints a greeting)."""
    dest = Path(dest)
    (dest / name).mkdir(parents=True, exist_ok=True)
    (dest / "setup.py").write_text(
        textwrap.dedent(
            f"""\
            from setuptools import setup

            setup(
                name={name!r},
                version={version!r},
                description="A sample project for releasekit's conda tests",
                license="MIT",
                url="http://example.invalid/{name}",
                packages=[{name!r}],
                install_requires={list(install_requires)!r},
                python_requires=">=3.8",
            )
            """
        )
    )
    (dest / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n'
    )
    (dest / name / "__init__.py").write_text(
        f'__version__ = "{version}"\n\n\ndef main():\n    print("hello from {name} {version}")\n'
    )
    if meta_yaml is not None:
        (dest / "conda").mkdir(exist_ok=True)
        (dest / "conda" / "meta.yaml").write_text(meta_yaml)
    return dest


def clean_build_env() -> dict[str, str]:
    """This environment without pip's machine-wide settings leaking in."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "UV_"))}
    env["PIP_CONFIG_FILE"] = os.devnull
    env["UV_NO_CONFIG"] = "1"
    return env


def build_sdist(project: Path, out_dir: Path) -> Path:
    """``python -m build --sdist --no-isolation`` (no network, ~1 s)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    before = set(out_dir.glob("*.tar.gz"))
    proc = subprocess.run(
        [sys.executable, "-m", "build", "--sdist", "--no-isolation", "--outdir", str(out_dir), str(project)],
        capture_output=True, text=True, env=clean_build_env(),
    )
    if proc.returncode != 0:
        raise RuntimeError(f"building the sample sdist failed:\n{proc.stdout}\n{proc.stderr}")
    made = sorted(set(out_dir.glob("*.tar.gz")) - before) or sorted(out_dir.glob("*.tar.gz"))
    return made[-1]


def sample_recipe(sdist: Path, *, test_commands: Sequence[str] = ()) -> dict:
    """A v1 recipe dict for the sample project, generated the way ``dist.conda-recipe`` does."""
    import yaml

    from releasekit.core import condarecipe

    text = condarecipe.generate_recipe(
        SAMPLE_NAME,
        SAMPLE_VERSION,
        SAMPLE_REQUIRES,
        summary="A sample project for releasekit's conda tests",
        license="MIT",
        homepage=f"http://example.invalid/{SAMPLE_NAME}",
        import_name=SAMPLE_NAME,
        mapping=None,
        sdist_path=str(sdist),
        entry_points=[f"{SAMPLE_NAME}-hello = {SAMPLE_NAME}:main"],
    )
    recipe = yaml.safe_load(text)
    if test_commands:
        recipe["tests"].append({"script": list(test_commands)})
    return recipe


@pytest.fixture(scope="session")
def sample_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample project with its sdist built into ``dist/`` (where meta.yaml expects it). Read-only."""

    def make() -> Path:
        project = write_sample_project(tmp_path_factory.mktemp("sample-project"))
        build_sdist(project, project / "dist")
        return project

    return _once(tmp_path_factory, "sample_project", make)


@pytest.fixture(scope="session")
def sample_sdist(sample_project: Path) -> Path:
    return sample_project / "dist" / f"{SAMPLE_NAME}-{SAMPLE_VERSION}.tar.gz"


@pytest.fixture(scope="session")
def sample_conda_package(
    sample_sdist: Path, conda_build_channel: LocalChannel, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """The sample's noarch conda package, built (and tested) once per session by rattler-build
    from a recipe made by ``generate_recipe``. Read-only: copy it before changing it."""
    from releasekit.adapters.conda import build_with_rattler

    def make() -> Path:
        out = tmp_path_factory.mktemp("sample-conda-dist")
        (package,) = build_with_rattler(
            sample_recipe(sample_sdist), sdist=sample_sdist, output_dir=out, channels=[conda_build_channel.path]
        )
        return package

    return _once(tmp_path_factory, "sample_conda_package", make)


def same_name_other_bytes(package: Path, out_dir: Path) -> Path:
    """A copy of a .conda package with the same filename and metadata but other bytes
    (a zip comment differs): what a rebuild of an already published version looks like."""
    if not package.name.endswith(".conda"):
        raise ValueError("only .conda packages (zip files) can be re-made this way")
    out = Path(out_dir) / package.parent.name / package.name
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(package) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            dst.writestr(item, src.read(item.filename))
        dst.comment = b"rebuilt"
    return out


# --- a recording conda-build ----------------------------------------------------------------------

_RECORDER = '''\
#!{python}
"""conda-build stand-in: records its argv, then builds the meta.yaml with rattler-build."""
import json, sys
sys.path.insert(0, {root!r})
from pathlib import Path
from releasekit.adapters import conda

with open({record!r}, "a") as fh:
    fh.write(json.dumps(sys.argv) + "\\n")
args = sys.argv[1:]
recipe = Path(args[0])
channels = [args[i + 1] for i, a in enumerate(args) if a == "-c"]
output = Path(args[args.index("--output-folder") + 1])
meta = conda.load_meta_yaml(recipe)
sdist = (recipe / meta["source"]["url"]).resolve()
try:
    files = conda.build_with_rattler(recipe, sdist=sdist, output_dir=output, channels=channels)
except Exception as exc:
    print(exc, file=sys.stderr)
    sys.exit(1)
print("\\n".join(str(f) for f in files))
'''


def write_conda_build_recorder(bin_dir: Path, record: Path) -> Path:
    """Write ``bin_dir/conda-build``; each run appends its argv (JSON) to ``record``."""
    bin_dir = Path(bin_dir)
    bin_dir.mkdir(parents=True, exist_ok=True)
    script = bin_dir / "conda-build"
    root = str(Path(__file__).resolve().parents[2])
    script.write_text(_RECORDER.format(python=sys.executable, root=root, record=str(record)))
    script.chmod(0o755)
    return script


@dataclass(frozen=True)
class CondaBuildRecorder:
    bin_dir: Path
    record: Path

    def calls(self) -> list[list[str]]:
        if not self.record.exists():
            return []
        return [json.loads(line) for line in self.record.read_text().splitlines() if line.strip()]

    def env(self) -> dict[str, str]:
        """Environment additions that put the recorder first on PATH."""
        return {"PATH": f"{self.bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}


@pytest.fixture
def conda_build_recorder(tmp_path: Path) -> CondaBuildRecorder:
    """A recording ``conda-build`` (builds via rattler-build); put ``.env()`` into the command's env."""
    record = tmp_path / "conda-build-calls.jsonl"
    write_conda_build_recorder(tmp_path / "bin", record)
    return CondaBuildRecorder(tmp_path / "bin", record)
