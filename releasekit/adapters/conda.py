"""Building conda packages and installing them from channels.

rattler-build runs in-process (py-rattler-build) and runs the recipe's tests;
conda-build, where it exists, runs through :class:`Shell` in fastai's form.
Installing from a channel (used by verify) solves and links a prefix with
py-rattler, offline for local channels. Mechanism only: which builder, which
channels and which recipe are the caller's choice.
"""

from __future__ import annotations

import asyncio
import configparser
import email.parser
import hashlib
import json
import os
import re
import shutil
import sys
import tarfile
import tempfile
import threading
from collections.abc import Coroutine, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from releasekit.adapters.shell import Shell
from releasekit.core import condarecipe, fileio, metayaml, releaselog, ui
from releasekit.core.errors import (
    ArtifactCheckFailed,
    BuildError,
    ConfigError,
    IndexUnavailable,
    RecipeError,
    ToolMissing,
    VerifyFailed,
)

BUILDERS = ("auto", "conda-build", "rattler-build")
PACKAGE_SUFFIXES = (".conda", ".tar.bz2")
_SUBDIR = re.compile(r"^(noarch|[a-z]+-[a-z0-9_]+)$")


# --- small shared pieces ----------------------------------------------------------------------


def channel_url(channel: str | Path) -> str:
    """A channel argument for rattler: local folders become file:// URLs, names and URLs stay."""
    text = str(channel)
    if "://" in text:
        return text
    if isinstance(channel, Path) or text.startswith((".", "/", "~")) or re.match(r"^[A-Za-z]:[\\/]", text):
        return Path(text).expanduser().resolve().as_uri()
    return text


def is_package_file(path: Path) -> bool:
    return path.name.endswith(PACKAGE_SUFFIXES)


def file_digests(path: Path) -> tuple[str, str]:
    """(sha256, md5) hex digests of a file, as channels and anaconda.org record them."""
    sha, md5 = hashlib.sha256(), hashlib.md5()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            sha.update(chunk)
            md5.update(chunk)
    return sha.hexdigest(), md5.hexdigest()


@dataclass(frozen=True)
class PackageInfo:
    """What a conda package file says about itself (its info/index.json)."""

    path: Path
    name: str
    version: str
    build: str
    subdir: str

    @property
    def filename(self) -> str:
        return self.path.name

    @property
    def basename(self) -> str:
        """``subdir/filename``: unique within a channel (filenames repeat across subdirs)."""
        return f"{self.subdir}/{self.path.name}"


def package_info(path: Path) -> PackageInfo:
    """Read a .conda / .tar.bz2 file's index.json."""
    from rattler import IndexJson

    path = Path(path)
    if not is_package_file(path):
        raise ArtifactCheckFailed(f"{path} is not a conda package (expected a .conda or .tar.bz2 file)")
    try:
        index = IndexJson.from_package_archive(path)
    except Exception as exc:  # rattler raises several kinds for unreadable archives
        raise ArtifactCheckFailed(f"{path} is not a readable conda package: {exc}") from None
    return PackageInfo(path, index.name.normalized, str(index.version), str(index.build), index.subdir or "noarch")


def run_async(coro: Coroutine) -> Any:
    """Run a py-rattler coroutine from sync code, even when a loop is already running."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    result: dict[str, Any] = {}

    def target() -> None:
        try:
            result["value"] = asyncio.run(coro)
        except BaseException as exc:  # re-raised in the caller's thread
            result["error"] = exc

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if "error" in result:
        raise result["error"]
    return result.get("value")


# --- setup data (what conda-build's load_setup_py_data returns) ---------------------------------------

_SETUP_CAPTURE = r"""
import json, os, runpy, sys
captured = {}
def fake_setup(**kwargs):
    captured.update(kwargs)
import setuptools
setuptools.setup = fake_setup
try:
    import distutils.core
    distutils.core.setup = fake_setup
except ImportError:
    pass
path = os.path.abspath(sys.argv[1])
os.chdir(os.path.dirname(path))
sys.path.insert(0, os.path.dirname(path))
sys.argv = [path]
runpy.run_path(path, run_name="__main__")
def plain(value):
    try:
        json.dumps(value)
        return value
    except TypeError:
        if isinstance(value, (list, tuple, set)):
            return [plain(v) for v in value]
        if isinstance(value, dict):
            return {str(k): plain(v) for k, v in value.items()}
        return repr(value)
print("RELEASEKIT_SETUP_DATA=" + json.dumps({k: plain(v) for k, v in captured.items()}))
"""


def read_setup_py_data(setup_py: Path, *, shell: Shell | None = None, python: str | None = None) -> dict:
    """Run setup.py with ``setup()`` replaced by a recorder, as conda-build does."""
    setup_py = Path(setup_py)
    if not setup_py.is_file():
        raise RecipeError(f"meta.yaml loads setup data from {setup_py}, which does not exist")
    shell = shell or Shell()
    result = shell.run([python or sys.executable, "-c", _SETUP_CAPTURE, str(setup_py)], changes=False, check=False)
    for line in result.stdout.splitlines():
        if line.startswith("RELEASEKIT_SETUP_DATA="):
            return json.loads(line.split("=", 1)[1])
    last = result.output.strip().splitlines()[-1] if result.output.strip() else "no output"
    raise RecipeError(f"could not read setup() arguments from {setup_py}: {last}")


def setup_data_from_sdist(sdist: Path) -> dict:
    """setup()-style data from an sdist's PKG-INFO (and egg-info entry points)."""
    sdist = Path(sdist)
    try:
        with tarfile.open(sdist) as tar:
            names = tar.getnames()
            pkg_info = min((n for n in names if n.count("/") == 1 and n.endswith("/PKG-INFO")), default=None)
            if pkg_info is None:
                raise RecipeError(f"{sdist} has no PKG-INFO; is it an sdist?")
            member = tar.extractfile(pkg_info)
            if member is None:
                raise RecipeError(f"{sdist}'s PKG-INFO is not a file")
            meta_text = member.read().decode("utf-8")
            eps_text = _egg_info_file(tar, names, "entry_points.txt")
            requires_text = _egg_info_file(tar, names, "requires.txt")
    except (OSError, tarfile.TarError) as exc:
        raise RecipeError(f"cannot read {sdist}: {exc}") from None
    msg = email.parser.Parser().parsestr(meta_text)
    install_requires: list[str] = []
    extras: dict[str, list[str]] = {}
    for req in msg.get_all("Requires-Dist") or []:
        m = re.search(r";\s*(.*\bextra\s*==\s*['\"]([^'\"]+)['\"].*)$", req)
        if m:
            extras.setdefault(m[2], []).append(req.split(";", 1)[0].strip())
        else:
            install_requires.append(req.strip())
    if not msg.get_all("Requires-Dist") and requires_text:
        install_requires, extras = _parse_requires_txt(requires_text)
    url = msg.get("Home-page") or ""
    for entry in msg.get_all("Project-URL") or []:
        label, _, link = entry.partition(",")
        if not url and label.strip().lower() in ("homepage", "home", "source", "repository"):
            url = link.strip()
    data: dict[str, Any] = {
        "name": msg.get("Name"),
        "version": msg.get("Version"),
        "description": msg.get("Summary") or "",
        "long_description": msg.get_payload() or "",
        "license": msg.get("License-Expression") or msg.get("License") or "",
        "url": url,
        "author": msg.get("Author") or "",
        "author_email": msg.get("Author-email") or "",
        "install_requires": install_requires,
        "extras_require": extras,
        "python_requires": msg.get("Requires-Python") or "",
    }
    if eps_text:
        parser = configparser.ConfigParser(delimiters=("=",))
        parser.optionxform = str  # type: ignore[assignment,method-assign]
        parser.read_string(eps_text)
        data["entry_points"] = {
            group: [f"{k} = {v}" for k, v in parser.items(group)] for group in parser.sections()
        }
    return data


def _egg_info_file(tar: tarfile.TarFile, names: list[str], filename: str) -> str:
    """A file from the sdist's top-level *.egg-info folder (older setuptools keep requirements there)."""
    found = [n for n in names if n.count("/") == 2 and n.split("/")[1].endswith(".egg-info") and n.endswith("/" + filename)]
    member = tar.extractfile(found[0]) if found else None
    return member.read().decode("utf-8") if member else ""


def _parse_requires_txt(text: str) -> tuple[list[str], dict[str, list[str]]]:
    """egg-info requires.txt: plain lines, then ``[extra]`` / ``[:marker]`` / ``[extra:marker]`` sections."""
    install: list[str] = []
    extras: dict[str, list[str]] = {}
    section, marker = "", ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            section, _, marker = line[1:-1].partition(":")
            continue
        req = f"{line}; {marker}" if marker else line
        if section:
            extras.setdefault(section, []).append(req)
        else:
            install.append(req)
    return install, extras


# --- recipes ----------------------------------------------------------------------------------------


def recipe_kind(recipe: Path) -> str:
    """``v1`` (rattler-build recipe.yaml) or ``meta.yaml`` (conda-build)."""
    recipe = Path(recipe)
    if recipe.is_file():
        return "meta.yaml" if recipe.name == "meta.yaml" else "v1"
    if (recipe / "recipe.yaml").is_file():
        return "v1"
    if (recipe / "meta.yaml").is_file():
        return "meta.yaml"
    raise RecipeError(
        f"no conda recipe in {recipe}: expected meta.yaml or recipe.yaml",
        "set `releasekit.conda.recipe`, or generate one with `releasekit dist.conda-recipe`",
    )


def _recipe_file(recipe: Path) -> Path:
    recipe = Path(recipe)
    if recipe.is_file():
        return recipe
    return recipe / ("recipe.yaml" if recipe_kind(recipe) == "v1" else "meta.yaml")


_SETUP_FILE_ARG = re.compile(r"load_setup_py_data\((?P<args>[^)]*)\)")


def load_meta_yaml(
    recipe: Path,
    *,
    setup_data: Mapping[str, Any] | None = None,
    sdist: Path | None = None,
    environ: Mapping[str, str] | None = None,
    selectors: Mapping[str, Any] | None = None,
) -> dict:
    """Render a recipe folder's meta.yaml. Setup data comes from ``setup_data``,
    else the sdist's PKG-INFO, else the setup.py the template names."""
    return render_meta_yaml_file(recipe, setup_data=setup_data, sdist=sdist, environ=environ,
                                 selectors=selectors).meta


def render_meta_yaml_file(
    recipe: Path,
    *,
    setup_data: Mapping[str, Any] | None = None,
    sdist: Path | None = None,
    environ: Mapping[str, str] | None = None,
    selectors: Mapping[str, Any] | None = None,
) -> metayaml.RenderedMeta:
    """:func:`load_meta_yaml` with each key's template line. Files the template loads
    (``load_file_data``, ``load_file_regex``) are read from the sdist when given (conda-build
    reads them from the unpacked source), else from the project, or from the recipe folder
    with ``from_recipe_dir=True``."""
    path = _recipe_file(recipe)
    text = fileio.read_text(path)
    if setup_data is None:
        if sdist is not None:
            setup_data = setup_data_from_sdist(sdist)
        elif "load_setup_py_data" in text or "load_setuptools" in text:
            setup_data = read_setup_py_data(_setup_py_for(text, path.parent))
        else:
            setup_data = {}
    env = os.environ if environ is None else environ
    return metayaml.render(
        text,
        setup_data=setup_data,
        environ=env,
        recipe_dir=str(path.parent),
        selectors=selectors if selectors is not None else metayaml.default_selectors(environ=env),
        read_file=_source_reader(path.parent, sdist),
    )


def _source_reader(recipe_dir: Path, sdist: Path | None):
    """``read_file(path, from_recipe_dir)`` for the renderer: the sdist's member, the project's
    file, or the recipe folder's."""

    def read(name: str, from_recipe_dir: bool) -> str:
        if from_recipe_dir:
            where = recipe_dir / name
        elif sdist is None:
            where = recipe_dir.parent / name
        else:
            try:
                with tarfile.open(sdist) as tar:
                    top = tar.getnames()[0].split("/")[0]
                    member = tar.extractfile(f"{top}/{name}")
                    if member is None:
                        raise KeyError(name)
                    return member.read().decode("utf-8")
            except (KeyError, OSError, tarfile.TarError, IndexError):
                raise RecipeError(f"meta.yaml loads {name}, which {sdist.name} does not hold") from None
        if not where.is_file():
            raise RecipeError(f"meta.yaml loads {name}, which does not exist at {where}")
        return fileio.read_text(where)

    return read


def _setup_py_for(template: str, recipe_dir: Path) -> Path:
    """Where conda-build would look for setup.py: relative to the recipe with
    ``from_recipe_dir=True``, else relative to the source (the project root)."""
    m = _SETUP_FILE_ARG.search(template)
    args = m["args"] if m else ""
    file_m = re.search(r"setup_file\s*=\s*['\"]([^'\"]+)['\"]", args)
    setup_file = file_m[1] if file_m else "setup.py"
    from_recipe = re.search(r"from_recipe_dir\s*=\s*True", args) is not None
    base = recipe_dir if from_recipe else recipe_dir.parent
    return (base / setup_file).resolve()


def load_recipe(
    recipe: Path,
    *,
    sdist: Path,
    setup_data: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
    selectors: Mapping[str, Any] | None = None,
    builder: str | None = None,
) -> dict:
    """A rattler-build v1 recipe dict from a recipe.yaml or a meta.yaml, built from ``sdist``.

    ``builder`` is the builder that will build the recipe (``builder_for``): a meta.yaml the
    converter cannot translate is refused with a hint that fits it (never "set conda-build"
    when conda-build is the builder already)."""
    path = _recipe_file(recipe)
    if path.name == "meta.yaml":
        hint = None
        if builder is not None:
            hint = condarecipe.conversion_hint(builder, conda_build_installed(environ))
        try:
            rendered = render_meta_yaml_file(path, setup_data=setup_data, sdist=sdist, environ=environ,
                                             selectors=selectors)
        except RecipeError as exc:
            if hint is not None and exc.hint == condarecipe.CONVERT_HINT:
                exc.hint = hint
            raise
        files = [p.name for p in path.parent.iterdir()]
        return condarecipe.meta_to_v1(rendered, sdist_path=str(Path(sdist).resolve()), recipe_files=files,
                                      hint=hint)
    try:
        data = yaml.safe_load(fileio.read_text(path))
    except yaml.YAMLError as exc:
        raise RecipeError(f"{path} is not valid YAML: {fileio.yaml_problem(exc)}") from None
    if not isinstance(data, dict):
        raise RecipeError(f"{path} is not a recipe (expected a mapping with `package:`, `source:`, ...)")
    data["source"] = {"path": str(Path(sdist).resolve())}
    return _with_rendered_package(data)


def _with_rendered_package(recipe: dict) -> dict:
    """The recipe with ``package.name``/``version`` as rattler-build renders them from the context
    (``${{ name|lower }}``), for the steps that name the package. Left as written when the recipe does
    not render: the lint and the build report why."""
    package = recipe.get("package")
    if not isinstance(package, dict) or "${{" not in f"{package.get('name')}{package.get('version')}":
        return recipe
    try:
        rb = _rattler_build()
    except ToolMissing:  # only the conda steps that build need it; a name check goes on as written
        return recipe
    try:
        variants = rb.Stage0Recipe.from_dict(recipe).render(
            render_config=rb.RenderConfig(platform=rb.PlatformConfig(target_platform="noarch")))
    except (rb.RecipeParseError, rb.RattlerBuildError, ValueError):
        return recipe
    if not variants:
        return recipe
    rendered = variants[0].recipe.package
    return {**recipe, "package": {**package, "name": str(rendered.name), "version": str(rendered.version)}}


# --- rattler-build ----------------------------------------------------------------------------------


class _BuildLog:
    """rattler-build progress callback: keeps every log line for the release log and errors."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.errors: list[str] = []

    def on_download_start(self, event: Any) -> None:
        pass

    def on_download_progress(self, event: Any) -> None:
        pass

    def on_download_complete(self, event: Any) -> None:
        pass

    def on_build_step(self, event: Any) -> None:
        self.lines.append(f"[{event.step_name}] {event.message}")

    def on_log(self, event: Any) -> None:
        self.lines.append(f"{event.level}: {event.message}")
        if event.level == "error" and event.message.strip():
            self.errors.append(event.message.strip().splitlines()[0])


def _rattler_build():
    try:
        import rattler_build
    except ImportError:
        raise ToolMissing("py-rattler-build is not installed", "pip install 'releasekit[conda]'") from None
    return rattler_build


def _exception_text(exc: BaseException) -> str:
    """The first line of a rattler error, without its ``PyXxxError:`` prefix."""
    text = re.sub(r"^Py\w+Error:\s*", "", str(exc).strip())
    return text.splitlines()[0].rstrip(" ,:") if text else type(exc).__name__


def build_with_rattler(
    recipe: Path | dict,
    *,
    sdist: Path,
    output_dir: Path,
    channels: Sequence[str | Path],
    test: bool = True,
    package_format: str = "conda",
    setup_data: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
) -> list[Path]:
    """Build (and, with ``test``, test) a conda package from ``sdist`` with rattler-build.

    ``recipe`` is a v1 recipe dict, or a recipe folder / file (recipe.yaml, or
    meta.yaml which is converted on the fly). Returns the package files; a
    failing recipe test raises :class:`BuildError` with the reason.
    """
    if package_format not in ("conda", "tar.bz2"):
        raise ConfigError(f"conda package format {package_format!r} is unknown", "use `conda` or `tar.bz2`")
    sdist = Path(sdist)
    if not sdist.is_file():
        raise BuildError(f"the sdist {sdist} does not exist", "build it first: `releasekit dist.sdist`")
    rb = _rattler_build()
    recipe_dir: Path | None = None
    if isinstance(recipe, dict):
        recipe_dict = dict(recipe)
    else:
        recipe_dir = _recipe_file(recipe).parent
        recipe_dict = load_recipe(recipe, sdist=sdist, setup_data=setup_data, environ=environ)
    package = recipe_dict.get("package") or {}
    what = f"{package.get('name', '?')} {package.get('version', '?')}"
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    ui.step(f"building conda package {what} with rattler-build" + (" (with its tests)" if test else ""))
    log = _BuildLog()
    with tempfile.TemporaryDirectory(prefix="releasekit-recipe-") as tmp:
        work = Path(tmp) / "recipe"
        if recipe_dir is not None:  # keep build.sh, run_test.py, ... beside the recipe
            shutil.copytree(recipe_dir, work, ignore=shutil.ignore_patterns("meta.yaml", "recipe.yaml", "output"))
        try:
            stage0 = rb.Stage0Recipe.from_dict(recipe_dict, recipe_dir=work)
        except rb.RecipeParseError as exc:
            raise RecipeError(f"rattler-build rejects the recipe for {what}: {_exception_text(exc)}") from None
        try:
            results = stage0.run_build(
                tool_config=rb.ToolConfiguration(test_strategy="native" if test else "skip"),
                output_dir=output_dir,
                channels=[channel_url(c) for c in channels],
                progress_callback=log,
                package_format=package_format,
            )
        except rb.RattlerBuildError as exc:
            _log_lines(log)
            # the builder's last words (the solver's message among them) are shown, not only logged
            tail = [ln for ln in log.lines if ln.strip()][-12:]
            for line in [*tail, *str(exc).strip().splitlines()[:12]]:
                ui.info(f"  rattler-build: {line}")
            reason = _exception_text(exc)
            if log.errors:
                reason += f" ({log.errors[0]})"
            hint = None  # the full build output is in the log, which the rendered error names
            if "test" in reason.lower():
                hint = f"the recipe's tests failed; the untested package was moved to {output_dir / 'broken'}"
            raise BuildError(f"rattler-build could not build {what}: {reason}", hint) from None
    _log_lines(log)
    packages = [Path(p) for result in results for p in result.packages]
    for path in packages:
        ui.info(f"built {path}")
    return packages


def _log_lines(log: _BuildLog) -> None:
    active = releaselog.active()
    if active is not None and log.lines:
        active.write("rattler-build output:\n" + "\n".join(log.lines))


# --- conda-build ------------------------------------------------------------------------------------


def conda_build_argv(recipe_dir: str | Path, channels: Iterable[str], output_folder: str | Path) -> list[str]:
    """fastai's form: ``conda-build RECIPE -c pytorch -c fastai/label/main --output-folder DIR``."""
    argv = ["conda-build", str(recipe_dir)]
    for channel in channels:
        argv += ["-c", str(channel)]
    return argv + ["--output-folder", str(output_folder)]


def _package_snapshot(folder: Path) -> dict[Path, tuple[int, int]]:
    found: dict[Path, tuple[int, int]] = {}
    if not folder.is_dir():
        return found
    for sub in folder.iterdir():
        if sub.is_dir() and _SUBDIR.match(sub.name):
            for path in sub.iterdir():
                if is_package_file(path):
                    st = path.stat()
                    found[path] = (st.st_mtime_ns, st.st_size)
    return found


CONDA_BUILD_MISSING = condarecipe.CONDA_BUILD_MISSING


class CondaBuildMissing(ToolMissing):
    """``conda.builder: conda-build`` is configured, but conda-build is not on the PATH. The
    message says both ways out, so there is no hint to repeat it."""

    def __init__(self) -> None:
        super().__init__(CONDA_BUILD_MISSING)


def conda_build_installed(env: Mapping[str, str] | None = None) -> bool:
    path = env.get("PATH") if env is not None else None
    return shutil.which("conda-build", path=path) is not None


def conda_build_missing(env: Mapping[str, str] | None = None) -> CondaBuildMissing | None:
    """The error for a configured conda-build that is not on the PATH (of ``env``, else ours), else None."""
    return None if conda_build_installed(env) else CondaBuildMissing()


def check_conda_build(builder: str, env: Mapping[str, str] | None = None) -> None:
    """Raise :class:`CondaBuildMissing` when ``builder`` is conda-build and it is not installed:
    the one check preflight, the recipe checks and the build all make (so the user sees it once)."""
    if builder == "conda-build" and not conda_build_installed(env):
        raise CondaBuildMissing()


def build_with_conda_build(
    shell: Shell,
    recipe_dir: Path,
    channels: Iterable[str],
    output_folder: Path,
    *,
    timeout: float | None = None,
    env: Mapping[str, str] | None = None,
) -> list[Path]:
    """Run conda-build through ``shell``; return the package files it wrote or rewrote."""
    output_folder = Path(output_folder)
    missing = conda_build_missing(env)
    if missing is not None and not shell.dry_run:
        raise missing
    before = _package_snapshot(output_folder)
    shell.run(
        conda_build_argv(recipe_dir, channels, output_folder),
        env=env,
        timeout=timeout,
        stream=True,
        hint="conda-build failed; its output above says why (the recipe's tests run as part of the build)",
    )
    if shell.dry_run:
        return []
    after = _package_snapshot(output_folder)
    produced = sorted(p for p, sig in after.items() if before.get(p) != sig)
    if not produced:
        raise BuildError(f"conda-build finished but wrote no package into {output_folder}")
    return produced


def builder_for(config_value: str, recipe_dir: Path) -> str:
    """Which builder builds this recipe: ``conda-build`` or ``rattler-build``.

    ``auto`` picks conda-build when it is on PATH and the recipe is a
    meta.yaml, rattler-build otherwise (a v1 recipe needs rattler-build).
    """
    if config_value not in BUILDERS:
        raise ConfigError(
            f"`releasekit.conda.builder` is {config_value!r}", f"use one of: {', '.join(BUILDERS)}"
        )
    kind = recipe_kind(recipe_dir)
    if config_value == "auto":
        if kind == "meta.yaml" and shutil.which("conda-build"):
            return "conda-build"
        return "rattler-build"
    if config_value == "conda-build" and kind == "v1":
        raise RecipeError(
            f"{recipe_dir} holds a rattler-build recipe.yaml, which conda-build cannot build",
            "set `releasekit.conda.builder: rattler-build` (or auto)",
        )
    return config_value


# --- installing from a channel ------------------------------------------------------------------------


def prefix_python(prefix: Path, *, windows: bool | None = None) -> Path:
    """The Python interpreter of a conda prefix."""
    windows = sys.platform == "win32" if windows is None else windows
    return Path(prefix) / ("python.exe" if windows else "bin/python")


def install_from_channel(
    channel: str | Path,
    spec: str,
    prefix: Path,
    *,
    extra_channels: Iterable[str | Path] = (),
    cache_dir: Path | None = None,
) -> list[str]:
    """Solve ``spec`` against the channel(s) and install it into ``prefix`` with py-rattler.

    Returns the installed records as ``name=version=build``. Without
    ``cache_dir`` repodata and packages come fresh from the channel (a
    temporary cache), so a verify proves what the channel serves now.
    """
    import rattler
    from rattler import Gateway, Subdir, VirtualPackage
    from rattler.exceptions import FetchRepoDataError, GatewayError, SolverError

    sources = [channel_url(channel)] + [channel_url(c) for c in extra_channels]

    async def solve_and_install(cache: Path) -> list[str]:
        gateway = Gateway(cache_dir=cache / "repodata")
        records = await rattler.solve(
            sources,
            [spec],
            gateway=gateway,
            platforms=[Subdir.current(), Subdir("noarch")],
            virtual_packages=VirtualPackage.detect(),
            channel_relations="disabled",
        )
        await rattler.install(records, target_prefix=Path(prefix), cache_dir=cache / "pkgs", show_progress=False)
        return [f"{r.name.normalized}={r.version}={r.build}" for r in records]

    with tempfile.TemporaryDirectory(prefix="releasekit-rattler-cache-") as tmp:
        cache = Path(cache_dir) if cache_dir is not None else Path(tmp)
        try:
            return run_async(solve_and_install(cache))
        except SolverError as exc:
            raise VerifyFailed(
                f"`{spec}` cannot be installed from {', '.join(sources)}: {exc}",
                "check that the upload reached the channel and that dependency channels are configured",
            ) from None
        except (FetchRepoDataError, GatewayError) as exc:
            raise IndexUnavailable(f"cannot read the channel {', '.join(sources)}: {exc}") from None


@dataclass(frozen=True)
class ChannelRecord:
    """One file of a package as a channel's repodata lists it."""

    file_name: str
    name: str
    version: str
    build: str
    subdir: str
    sha256: str | None
    depends: tuple[str, ...]


def channel_records(channel: str | Path, package: str, *,
                    subdirs: Sequence[str] | None = None) -> list[ChannelRecord]:
    """Every file of ``package`` in the channel's repodata now, read with a fresh cache (as
    :func:`channel_files`), with what a solver sees of it: version, build, subdir, dependencies."""
    from rattler import Gateway, Subdir
    from rattler.exceptions import FetchRepoDataError, GatewayError

    platforms: list = list(subdirs) if subdirs else ["noarch", str(Subdir.current())]

    async def query(cache: Path):
        gateway = Gateway(cache_dir=cache)
        return await gateway.query([channel_url(channel)], platforms, [package], recursive=False)

    with tempfile.TemporaryDirectory(prefix="releasekit-repodata-") as tmp:
        try:
            per_channel = run_async(query(Path(tmp)))
        except (FetchRepoDataError, GatewayError) as exc:
            raise IndexUnavailable(f"cannot read the repodata of {channel}: {str(exc).splitlines()[0]}") from None
    return [ChannelRecord(r.file_name, r.name.normalized, str(r.version), str(r.build), str(r.subdir),
                          r.sha256.hex() if r.sha256 else None, tuple(str(d) for d in r.depends))
            for records in per_channel for r in records]


def channel_files(channel: str | Path, package: str, *, subdirs: Sequence[str] | None = None) -> dict[str, str | None]:
    """filename -> sha256 of ``package`` as the channel's repodata lists it now (a fresh cache each call,
    so a poll sees what a conda client would see, not an earlier answer)."""
    return {r.file_name: r.sha256 for r in channel_records(channel, package, subdirs=subdirs)}


# --- rendering for a platform ---------------------------------------------------------------------


@dataclass(frozen=True)
class RenderedRequirements:
    """A recipe's requirements as rattler-build renders them for one target platform."""

    platform: str
    noarch: bool
    build: tuple[str, ...]
    host: tuple[str, ...]
    run: tuple[str, ...]


def render_requirements(recipe: dict, platform: str) -> list[RenderedRequirements]:
    """Render a v1 recipe dict for ``platform`` (its selectors and jinja evaluated there): the
    build, host and run requirements of each variant. Pins on other outputs stay out (they are
    not in any channel before the build)."""
    rb = _rattler_build()
    try:
        stage0 = rb.Stage0Recipe.from_dict(recipe)
        variants = stage0.render(render_config=rb.RenderConfig(platform=rb.PlatformConfig(target_platform=platform)))
    except (rb.RecipeParseError, rb.RattlerBuildError) as exc:
        raise RecipeError(f"rattler-build cannot render the recipe for {platform}: {_exception_text(exc)}") from None
    out = []
    for variant in variants:
        reqs = variant.recipe.requirements.to_dict()
        noarch = bool((variant.recipe.build.to_dict() or {}).get("noarch"))

        def specs(kind: str, reqs: dict = reqs) -> tuple[str, ...]:
            return tuple(str(r) for r in reqs.get(kind) or () if isinstance(r, str))

        out.append(RenderedRequirements(platform, noarch, specs("build"), specs("host"), specs("run")))
    return out
