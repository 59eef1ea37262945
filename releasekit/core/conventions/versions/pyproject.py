"""What pyproject.toml says about the version: static or dynamic, and which build backend (or plugin)
provides a dynamic one, from git tags or from a file. Pure: the file's text in, facts out.

Sources of the facts (each tool's own documentation): setuptools-scm (``[tool.setuptools_scm]`` or
the requirement in ``build-system.requires``), hatch-vcs (``[tool.hatch.version] source = "vcs"``),
hatchling's regex source (``[tool.hatch.version] path``), pdm-backend (``[tool.pdm.version] source =
"scm"`` or ``"file"``), poetry-dynamic-versioning (``[tool.poetry-dynamic-versioning] enable = true``),
setuptools' ``[tool.setuptools.dynamic] version = {attr | file}``, and flit-core, which reads a
dynamic version from the module's ``__version__``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from releasekit.core.conventions.versions.locate import assignment_pattern
from releasekit.core.errors import ConfigError

BACKENDS = {  # build-backend -> the name users know it by
    "setuptools.build_meta": "setuptools",
    "setuptools.build_meta:__legacy__": "setuptools",
    "hatchling.build": "hatchling",
    "pdm.backend": "pdm-backend",
    "pdm.pep517.api": "pdm-pep517",
    "poetry.core.masonry.api": "poetry-core",
    "poetry_dynamic_versioning.backend": "poetry-core",
    "flit_core.buildapi": "flit-core",
    "uv_build": "uv_build",
    "maturin": "maturin",
}
_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


@dataclass(frozen=True)
class VersionFacts:
    """What pyproject.toml tells about the version."""

    name: str | None  # [project].name, else [tool.poetry].name
    backend: str  # the backend's common name ("setuptools" when [build-system] names none)
    dynamic: bool  # [project] dynamic lists "version"
    static: bool  # [project].version or [tool.poetry].version is written in the file
    scm_tool: str | None  # the tool that takes the version from git tags, when one is configured
    version_files: tuple[str, ...] = ()  # candidates for the file the backend reads the version from
    version_pattern: str | None = None  # the pattern it reads it with, when not `__version__`


def requirement_names(requires: list[Any]) -> set[str]:
    """Normalized names of ``build-system.requires`` (``setuptools_scm[toml]>=8`` -> setuptools-scm)."""
    names = set()
    for req in requires:
        m = _NAME.match(str(req))
        if m:
            names.add(re.sub(r"[-_.]+", "-", m.group(1)).lower())
    return names


def parse(text: str) -> dict[str, Any]:
    import tomllib  # here, not at the top: most commands read no pyproject

    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"pyproject.toml is not valid TOML: {exc}") from None


def facts(data: dict[str, Any]) -> VersionFacts:
    project = _table(data, "project")
    tool = _table(data, "tool")
    poetry = _table(tool, "poetry")
    build = _table(data, "build-system")
    backend = BACKENDS.get(str(build.get("build-backend", "")), str(build.get("build-backend") or "setuptools"))
    requires = requirement_names(build.get("requires", []) if isinstance(build.get("requires"), list) else [])
    dynamic = "version" in (project.get("dynamic") or [])
    name = project.get("name") or poetry.get("name")
    base = VersionFacts(
        name=str(name) if name else None,
        backend=backend,
        dynamic=dynamic,
        static=("version" in project) or ("version" in poetry),
        scm_tool=None,
    )
    scm = _scm_tool(tool, backend, requires, dynamic)
    if scm:
        return _replace(base, scm_tool=scm)
    if dynamic:
        files, pattern = _backend_file(tool, backend, base.name)
        return _replace(base, version_files=files, version_pattern=pattern)
    return base


def _scm_tool(tool: dict[str, Any], backend: str, requires: set[str], dynamic: bool) -> str | None:
    pdv = _table(tool, "poetry-dynamic-versioning")
    if pdv.get("enable") is True:  # the version in pyproject is a placeholder the plugin replaces
        return "poetry-dynamic-versioning"
    if not dynamic:
        return None
    if backend == "hatchling" and _table(_table(tool, "hatch"), "version").get("source") == "vcs":
        return "hatch-vcs"
    if backend in ("pdm-backend", "pdm-pep517") and _table(_table(tool, "pdm"), "version").get("source") == "scm":
        return "pdm-backend"
    if backend == "setuptools" and "version" not in _table(_table(tool, "setuptools"), "dynamic") \
            and ("setuptools-scm" in requires or "setuptools_scm" in tool):
        return "setuptools-scm"
    return None


def _backend_file(tool: dict[str, Any], backend: str, name: str | None) -> tuple[tuple[str, ...], str | None]:
    """The file a backend reads a dynamic version from, as candidates (the first that exists wins)."""
    if backend == "hatchling":
        hatch_version = _table(_table(tool, "hatch"), "version")
        path = hatch_version.get("path")
        if isinstance(path, str) and hatch_version.get("source", "regex") == "regex":
            pattern = hatch_version.get("pattern")
            return (path,), pattern if isinstance(pattern, str) else None
    if backend in ("pdm-backend", "pdm-pep517"):
        pdm_version = _table(_table(tool, "pdm"), "version")
        if pdm_version.get("source") == "file" and isinstance(pdm_version.get("path"), str):
            return (pdm_version["path"],), None
    if backend == "setuptools":
        return _setuptools_file(_table(tool, "setuptools"))
    if backend == "flit-core" and name:
        module = str(_table(_table(tool, "flit"), "module").get("name") or name.replace("-", "_").replace(".", "_"))
        return _module_files(module.replace(".", "/"), ("", "src/")), None
    return (), None


def _setuptools_file(setuptools: dict[str, Any]) -> tuple[tuple[str, ...], str | None]:
    spec = _table(setuptools, "dynamic").get("version")
    if not isinstance(spec, dict):
        return (), None
    if "file" in spec:
        files = spec["file"] if isinstance(spec["file"], list) else [spec["file"]]
        return (str(files[0]),) if len(files) == 1 else (), None
    attr = spec.get("attr")
    if not isinstance(attr, str) or "." not in attr:
        return (), None
    module, _, variable = attr.rpartition(".")
    package_dir = setuptools.get("package-dir")
    root = package_dir.get("", "") if isinstance(package_dir, dict) else ""
    prefixes = (f"{root.rstrip('/')}/",) if root else ("", "src/")
    pattern = None if variable == "__version__" else assignment_pattern(variable)
    return _module_files(module.replace(".", "/"), prefixes), pattern


def _module_files(module: str, prefixes: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(f"{p}{module}{suffix}" for p in prefixes for suffix in ("/__init__.py", ".py"))


def _table(data: dict[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key, {})
    return value if isinstance(value, dict) else {}


def _replace(facts: VersionFacts, **changes: Any) -> VersionFacts:
    from dataclasses import replace

    return replace(facts, **changes)
