"""A release's Python metadata, read from the text the build wrote: a wheel's METADATA (with
its entry_points.txt), an sdist's PKG-INFO, or a static PEP 621 ``[project]`` table.

Pure: text and tables in, one :class:`ProjectMetadata` out. Which file to read (and building
metadata where nothing static says enough) is the adapter's part
(:mod:`releasekit.adapters.pymeta`).
"""

from __future__ import annotations

import configparser
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from packaging.metadata import ExceptionGroup, InvalidMetadata, Metadata, parse_email

from releasekit.core.errors import MetadataMissing

# The Project-URL labels that name each kind of URL, in the order they are tried (normalized as
# PEP 753 does: lowercase, no spaces, dashes or dots).
_URL_LABELS = {
    "homepage": ("homepage", "home", "website"),
    "repository": ("source", "sourcecode", "repository", "code", "github", "gitlab"),
    "documentation": ("documentation", "docs"),
}


@dataclass(frozen=True)
class ProjectMetadata:
    """What a recipe or a requirements check needs to know about a release."""

    name: str
    version: str
    summary: str | None = None
    description: str | None = None
    license: str | None = None  # License-Expression, else the License field
    license_files: tuple[str, ...] = ()
    urls: Mapping[str, str] = field(default_factory=dict)  # Project-URL label -> URL (Home-page as "Homepage")
    requires_python: str | None = None
    dependencies: tuple[str, ...] = ()  # Requires-Dist, markers included
    entry_points: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # group -> name -> target
    build_requires: tuple[str, ...] = ()  # [build-system] requires, where known
    origin: str = ""  # which file said so ("wheel METADATA", "sdist PKG-INFO", ...), for messages

    def url(self, kind: str) -> str | None:
        """The homepage / repository / documentation URL, by the labels projects use for it."""
        labels = {_normalize_label(k): v for k, v in self.urls.items()}
        for label in _URL_LABELS[kind]:
            if labels.get(label):
                return labels[label]
        return None

    @property
    def console_scripts(self) -> list[str]:
        """``name = module:function`` for each console script, as conda recipes list them."""
        return [f"{name} = {target}" for name, target in self.entry_points.get("console_scripts", {}).items()]


def _normalize_label(label: str) -> str:
    return "".join(ch for ch in label.lower() if ch not in " -_.")


def parse_entry_points(text: str) -> dict[str, dict[str, str]]:
    """entry_points.txt (an INI file) as group -> name -> target."""
    parser = configparser.ConfigParser(delimiters=("=",), interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    try:
        parser.read_string(text)
    except configparser.Error as exc:
        raise MetadataMissing(f"entry_points.txt cannot be read: {str(exc).splitlines()[0]}") from None
    return {group: {k.strip(): v.strip() for k, v in parser.items(group)} for group in parser.sections()}


def from_metadata_text(text: str, *, entry_points_text: str = "", origin: str = "METADATA",
                       build_requires: Sequence[str] = ()) -> ProjectMetadata:
    """Core metadata (METADATA or PKG-INFO) as :class:`ProjectMetadata`.

    Fields a PKG-INFO marks ``Dynamic`` are not known from it, so they are left empty; the
    caller sees which in :func:`dynamic_fields` and builds the metadata instead.
    """
    raw, _unparsed = parse_email(text)
    if "name" not in raw or "version" not in raw:
        missing = "Name" if "name" not in raw else "Version"
        raise MetadataMissing(f"the {origin} has no {missing} field")
    try:
        # not validated as a whole: older backends write fields (License-File under 2.1) that the
        # strict check refuses, though every field is readable; each one read is still parsed
        return _from_metadata(Metadata.from_raw(raw, validate=False), entry_points_text, origin, build_requires)
    except (ExceptionGroup, InvalidMetadata) as exc:
        problems = getattr(exc, "exceptions", [exc])
        raise MetadataMissing(f"the {origin} is not valid core metadata: {problems[0]}") from None


def _from_metadata(meta: Metadata, entry_points_text: str, origin: str,
                   build_requires: Sequence[str]) -> ProjectMetadata:
    urls: dict[str, str] = {}
    if meta.home_page:
        urls["Homepage"] = meta.home_page
    urls.update(meta.project_urls or {})
    license_ = str(meta.license_expression) if meta.license_expression else meta.license
    if license_ and ("\n" in license_.strip() or len(license_) > 200):
        license_ = None  # the whole license text was pasted in, not a name
    return ProjectMetadata(
        name=meta.name,
        version=str(meta.version),
        summary=(meta.summary or "").strip() or None,
        description=(meta.description or "").strip() or None,
        license=(license_ or "").strip() or None,
        license_files=tuple(meta.license_files or ()),
        urls=urls,
        requires_python=str(meta.requires_python) if meta.requires_python else None,
        dependencies=tuple(str(r) for r in meta.requires_dist or ()),
        entry_points=parse_entry_points(entry_points_text) if entry_points_text.strip() else {},
        build_requires=tuple(build_requires),
        origin=origin,
    )


def dynamic_fields(text: str) -> set[str]:
    """The fields a PKG-INFO (metadata 2.2+) marks ``Dynamic``, lowercased; every field for an
    older PKG-INFO, which does not say which fields it left out (setuptools wrote requirements to
    egg-info's requires.txt, not PKG-INFO)."""
    raw, _ = parse_email(text)
    version = str(raw.get("metadata_version", "1.0"))
    try:
        major_minor = tuple(int(p) for p in version.split(".")[:2])
    except ValueError:
        major_minor = (1, 0)
    if major_minor < (2, 2):
        return {"*"}
    return {str(f).lower() for f in raw.get("dynamic", [])}


def from_pyproject(pyproject: Mapping[str, Any], *, origin: str = "pyproject.toml") -> ProjectMetadata | None:
    """A static PEP 621 ``[project]`` table as :class:`ProjectMetadata`; None when it has none, or
    when the version or dependencies are dynamic (only the build backend knows them then)."""
    project = pyproject.get("project")
    if not isinstance(project, Mapping) or "name" not in project:
        return None
    dynamic = set(project.get("dynamic") or [])
    if "version" in dynamic or "dependencies" in dynamic or "version" not in project:
        return None
    license_ = project.get("license")
    if isinstance(license_, Mapping):
        license_ = license_.get("text") if "text" in license_ else None
    scripts = dict(project.get("scripts") or {})
    entry_points: dict[str, dict[str, str]] = {k: dict(v) for k, v in (project.get("entry-points") or {}).items()}
    if scripts:
        entry_points["console_scripts"] = {k: str(v) for k, v in scripts.items()}
    if project.get("gui-scripts"):
        entry_points["gui_scripts"] = {k: str(v) for k, v in project["gui-scripts"].items()}
    build_system = pyproject.get("build-system") or {}
    return ProjectMetadata(
        name=str(project["name"]),
        version=str(project["version"]),
        summary=str(project.get("description") or "").strip() or None,
        license=str(license_).strip() if license_ else None,
        license_files=tuple(project.get("license-files") or ()),
        urls={str(k): str(v) for k, v in (project.get("urls") or {}).items()},
        requires_python=project.get("requires-python"),
        dependencies=tuple(project.get("dependencies") or ()),
        entry_points=entry_points,
        build_requires=tuple(build_system.get("requires") or ()),
        origin=origin,
    )
