"""A rattler-build v1 ``recipe.yaml`` for a release, in the shape conda-forge's staged-recipes
accepts (the shape ``rattler-build generate-recipe pypi`` writes, with conda-forge's
``python_min``): context, package, source url + sha256, noarch python built with pip,
host/run requirements, a python import test with ``pip check``, and about.

Everything comes from the release's metadata (:class:`ProjectMetadata`); where a field a
recipe needs is missing the generator refuses, naming it, rather than write ``summary: ''``.
Pure: metadata in, a dict or YAML text out.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Mapping, Sequence
from typing import Any

import yaml
from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

from releasekit.core.condarecipe import conda_name, spdx_expression
from releasekit.core.errors import MetadataMissing, RecipeError
from releasekit.core.pymetadata import ProjectMetadata

BUILD_SCRIPT = "${{ PYTHON }} -m pip install . -vv --no-deps --no-build-isolation"
# PEP 517's fallback when a project names no build backend.
_LEGACY_BUILD_REQUIRES = ("setuptools", "wheel")


def python_min(requires_python: str | None) -> str | None:
    """``X.Y`` of Requires-Python's lower bound (``>=3.9``, ``>=3.9.2``, ``~=3.10``), or None."""
    if not requires_python:
        return None
    floors = []
    for spec in SpecifierSet(requires_python):
        if spec.operator in (">=", "~=", "==", ">"):
            parts = spec.version.rstrip(".*").split(".")
            if len(parts) >= 2 and all(p.isdigit() for p in parts[:2]):
                floors.append((int(parts[0]), int(parts[1])))
    return "{}.{}".format(*max(floors)) if floors else None


def version_templated(url: str, version: str) -> str:
    """``url`` with the version in its file name (the last path segment only) as ``${{ version }}``,
    so the recipe follows the next release; a host or folder that happens to hold the digits stays."""
    head, _, name = url.rpartition("/")
    return f"{head}/{name.replace(version, '${{ version }}')}" if head else url


# Warehouse (the software behind the main index) serves files under content-addressed folders,
# /packages/<2 hex>/<2 hex>/<60 hex>/<file>, that hold one file each; it also answers
# /packages/source/<first letter>/<project>/<file> on the index's own host for any release's sdist.
_WAREHOUSE_FILE = re.compile(r"^/packages/[0-9a-f]{2}/[0-9a-f]{2}/[0-9a-f]{60}/(?P<file>[^/]+)$")


def source_url_template(page_url: str, file_url: str, version: str) -> str:
    """The URL a recipe names for an sdist the index lists at ``file_url``: a content-addressed
    warehouse URL becomes the index host's ``/packages/source/`` address (the one conda-forge's
    update bot can move to the next version), and the file name's version becomes ``${{ version }}``."""
    parts = urllib.parse.urlsplit(file_url)
    found = _WAREHOUSE_FILE.match(parts.path)
    if found:
        page = urllib.parse.urlsplit(page_url)
        filename = found["file"]
        project = canonicalize_name(filename.rsplit("-", 1)[0])
        file_url = urllib.parse.urlunsplit(
            (page.scheme, page.netloc, f"/packages/source/{project[0]}/{project}/{filename}", "", ""))
    return version_templated(file_url, version)


def _requirement(text: str, where: str) -> Requirement:
    try:
        return Requirement(text)
    except InvalidRequirement as exc:
        raise RecipeError(f"{where} {text!r} is not a requirement: {exc}") from None


def _marker_holds(req: Requirement, py_min: str) -> bool | None:
    """Whether a marker holds for every Python a noarch package serves (True/False), or None when
    it depends on the platform or on the Python version (a noarch recipe cannot say that)."""
    if req.marker is None:
        return True
    answers = set()
    for python in (py_min, "3.99"):
        env = {"python_version": python, "python_full_version": python + ".0", "extra": ""}
        for platform in ({"sys_platform": "linux", "platform_system": "Linux", "os_name": "posix"},
                         {"sys_platform": "win32", "platform_system": "Windows", "os_name": "nt"},
                         {"sys_platform": "darwin", "platform_system": "Darwin", "os_name": "posix"}):
            answers.add(req.marker.evaluate({**env, **platform}))
    return answers.pop() if len(answers) == 1 else None


def _conda_spec(req: Requirement, mapping: Mapping[str, str] | None) -> str:
    name = conda_name(req.name, mapping)
    spec = ",".join(sorted(str(s) for s in req.specifier))
    return f"{name} {spec}" if spec else name


def v1_recipe(
    meta: ProjectMetadata,
    *,
    source_url: str,
    sha256: str,
    mapping: Mapping[str, str] | None = None,
    import_names: Sequence[str] | None = None,
    python_min_version: str | None = None,
    build_number: int = 0,
) -> dict[str, Any]:
    """The recipe as a dict. ``source_url`` is where the sdist is served (PyPI, or a local
    ``file://`` URL for a build here); the release's version in it becomes ``${{ version }}``.
    ``python_min_version`` defaults to Requires-Python's lower bound."""
    missing = [label for label, value in (("Summary", meta.summary), ("License", meta.license)) if not value]
    py_min = python_min_version or python_min(meta.requires_python)
    if py_min is None:
        missing.append("Requires-Python (a lower bound such as >=3.9)")
    if missing:
        raise MetadataMissing(
            f"the release's metadata ({meta.origin or 'as built'}) has no {', no '.join(missing)}: "
            "a conda recipe needs it",
            "add it to the project's metadata (pyproject.toml [project] or setup.py) and build again",
        )
    assert py_min is not None  # refused above otherwise
    license_ = spdx_expression(meta.license or "")
    if license_ is None:
        raise MetadataMissing(f"the release's License {meta.license!r} is not an SPDX expression, which "
                              "conda-forge and rattler-build require",
                              "set `license = \"MIT\"` (an SPDX expression) in the project's metadata")

    run = ["python >=${{ python_min }}"]
    for text in meta.dependencies:
        req = _requirement(text, "Requires-Dist")
        holds = _marker_holds(req, py_min)
        if holds is None:
            raise RecipeError(f"Requires-Dist {text!r} depends on the platform or Python version, which a "
                              "noarch: python recipe cannot express",
                              "write the recipe by hand (without noarch), or drop the marker")
        if holds:
            run.append(_conda_spec(req, mapping))
    host = ["python ${{ python_min }}.*"]
    for text in meta.build_requires or _LEGACY_BUILD_REQUIRES:
        host.append(_conda_spec(_requirement(text, "the build requirement"), mapping))
    host.append("pip")

    build: dict[str, Any] = {"number": build_number, "noarch": "python", "script": BUILD_SCRIPT}
    if meta.console_scripts:
        build["python"] = {"entry_points": meta.console_scripts}
    imports = list(import_names) if import_names else [meta.name.replace("-", "_").replace(".", "_").lower()]

    about: dict[str, Any] = {}
    for key, value in (("homepage", meta.url("homepage")), ("summary", meta.summary), ("license", license_),
                       ("license_file", list(meta.license_files) or None),
                       ("repository", meta.url("repository")), ("documentation", meta.url("documentation"))):
        if value:
            about[key] = value
    return {
        "schema_version": 1,
        "context": {"name": meta.name.lower(), "version": meta.version, "python_min": py_min},
        "package": {"name": "${{ name|lower }}", "version": "${{ version }}"},
        "source": {"url": version_templated(source_url, meta.version), "sha256": sha256},
        "build": build,
        "requirements": {"host": host, "run": run},
        "tests": [{"python": {"imports": imports, "pip_check": True, "python_version": "${{ python_min }}.*"}}],
        "about": about,
    }


def v1_recipe_yaml(meta: ProjectMetadata, **kwargs: Any) -> str:
    """:func:`v1_recipe` as the text of a recipe.yaml."""
    return str(yaml.safe_dump(v1_recipe(meta, **kwargs), sort_keys=False, default_flow_style=False,
                              allow_unicode=True, width=100))
