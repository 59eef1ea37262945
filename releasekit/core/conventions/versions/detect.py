"""Which version source a project has: the one place that decides.

``version_source`` when set; else ``version_files``, then ``version_file``, then what pyproject.toml
says (a dynamic version from git tags, a file its backend reads, a static version) together with the
usual ``__version__`` modules. Two answers (literals that disagree) or none that can work (a dynamic
version that no configured backend provides) is a one-line refusal naming the setting to pin.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from releasekit.core.config import Settings
from releasekit.core.conventions.versions import locate, policy, pyproject
from releasekit.core.conventions.versions.base import Tree, VersionSource
from releasekit.core.conventions.versions.files import FileEntry, FilesSource
from releasekit.core.conventions.versions.literal import LiteralSource
from releasekit.core.conventions.versions.scm import ScmSource
from releasekit.core.conventions.versions.tags import detect_template
from releasekit.core.errors import ConfigError, ConventionAmbiguous, VersionError, VersionFileError

SOURCES = ("file", "files", "scm")
MODULES = ("{pkg}/version.py", "src/{pkg}/version.py", "{pkg}/_version.py", "src/{pkg}/_version.py",
           "{pkg}/__init__.py", "src/{pkg}/__init__.py")
_ASSIGNS_VERSION = re.compile(r"^__version__\s*[:=]", re.M)
_PIN = "set `releasekit.version_file` to the file that counts, or `releasekit.version_files` to write them all"


@dataclass(frozen=True)
class _Found:
    path: str
    pattern: str | None
    label: str
    value: str


def detect(tree: Tree, *, version_source: str | None = None, version_file: str | None = None,
           version_files: Sequence[Any] = (), package: str | None = None, import_name: str | None = None,
           tag_template: str = "{version}", tags: Iterable[str] = ()) -> VersionSource:
    """The project's version source (see the module's docstring for the order)."""
    if version_source is not None and version_source not in SOURCES:
        raise ConfigError(f"`releasekit.version_source` is {version_source!r}", f"use one of: {', '.join(SOURCES)}")
    text = tree.read("pyproject.toml")
    facts = pyproject.facts(pyproject.parse(text) if text is not None else {})
    dist = package or facts.name
    pinned = version_source is not None or bool(version_files) or bool(version_file)
    if version_source == "scm" or (not pinned and facts.scm_tool):
        return ScmSource(facts.scm_tool, dist, tag_template, tags)
    if version_source == "files" or (version_source is None and version_files):
        if not version_files:
            raise ConfigError("`releasekit.version_source` is files, but `releasekit.version_files` is empty",
                              "list the files that carry the version in `releasekit.version_files`")
        return FilesSource([FileEntry.parse(item) for item in version_files])
    if version_file:
        if tree.read(version_file) is None:
            raise VersionFileError(f"version file {version_file} does not exist or is not a file")
        return LiteralSource(version_file)
    found = _literals(tree, text, facts, import_name or (dist or "").replace("-", "_").replace(".", "_"))
    values = {f.value for f in found}
    if len(values) > 1:
        listed = ", ".join(f"{f.label} has {f.value}" for f in found)
        raise ConventionAmbiguous(f"the version literals disagree: {listed}", _PIN)
    if len(found) == 1 or version_source == "file":
        if len(found) > 1:
            raise ConventionAmbiguous(f"`releasekit.version_source` is file, but {len(found)} files carry the "
                                      f"version ({', '.join(f.path for f in found)})", _PIN)
        return LiteralSource(found[0].path, found[0].pattern, found[0].label)
    return FilesSource([FileEntry(f.path, f.pattern) for f in found])


def _literals(tree: Tree, text: str | None, facts: pyproject.VersionFacts, pkg: str) -> list[_Found]:
    """Every literal that holds the version (at least one), or the error that says why none does."""
    if facts.dynamic:
        for path in facts.version_files:  # the file the backend reads: it alone counts
            content = tree.read(path)
            if content is not None:
                span = locate.find(content, path, facts.version_pattern)[0]
                return [_Found(path, facts.version_pattern, f"{span.label} (read by {facts.backend})", span.value)]
        if facts.version_files:
            raise VersionFileError(f"{facts.backend} reads the version from {facts.version_files[0]}, which does not exist")
        if facts.backend != "setuptools":  # setuptools may take it from setup.py: look for the module
            raise ConventionAmbiguous(
                f"pyproject.toml declares the version dynamic, but {facts.backend} is configured with no "
                "version source releasekit knows (git tags or a file)",
                "set `releasekit.version_source` to scm, or to file with `releasekit.version_file`")
    found: list[_Found] = []
    if text is not None and facts.static and not facts.dynamic:
        spans = locate.find(text, "pyproject.toml")
        found += [_Found("pyproject.toml", None, s.label, s.value) for s in spans[:1]]
        if len({s.value for s in spans}) > 1:
            found += [_Found("pyproject.toml", None, s.label, s.value) for s in spans[1:]]
    problem: VersionFileError | None = None  # a module that assigns __version__ but not as a literal
    for template in MODULES if pkg else ():
        path = template.format(pkg=pkg)
        content = tree.read(path)
        if content is None:
            continue
        try:
            span = locate.find(content, path)[0]
        except VersionFileError as exc:
            if problem is None and _ASSIGNS_VERSION.search(content):
                problem = exc
            continue
        found.append(_Found(path, None, span.label, span.value))
    if found:
        return found
    if problem is not None:  # e.g. two assignments: say so rather than "no version file"
        raise problem
    raise VersionFileError(f"no version found for {pkg or 'the project'} (looked at pyproject.toml and "
                           f"{pkg or 'PACKAGE'}/version.py, _version.py, __init__.py, also under src/)")


@dataclass(frozen=True)
class VersionConventions:
    """How a project versions: where the version lives, how tags are named, the policy on main."""

    source: VersionSource
    tag: str  # the tag template
    policy: str | None  # None until there is a version to tell it from (scm before the first tag)


def resolve(settings: Settings, tree: Tree, tags: Iterable[str] = (), package: str | None = None) -> VersionConventions:
    """The conventions for a project's settings: pinned values win, the rest is detected. ``package``:
    the distribution name when the caller knows it from elsewhere (setup.cfg, setup.py)."""
    tags = tuple(tags)
    text = tree.read("pyproject.toml")
    name = settings["package"] or pyproject.facts(pyproject.parse(text) if text is not None else {}).name or package
    template = settings["tag"]
    if settings.origins.get("tag") == "default":
        template = detect_template(tags, package=name, default=template)
    source = detect(tree, version_source=settings["version_source"], version_file=settings["version_file"],
                    version_files=settings["version_files"], package=name, import_name=settings["import_name"],
                    tag_template=template, tags=tags)
    try:
        current: str | None = source.read(tree)
    except VersionError:
        current = None  # no release tag yet: the policy follows from the first version set
    chosen = policy.detect(current, settings["version_policy"]) if current is not None else settings["version_policy"]
    if chosen is not None:
        policy.fits_source(chosen, bool(source.paths))
    return VersionConventions(source, template, chosen)
