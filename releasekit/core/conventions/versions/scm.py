"""The version from git tags (setuptools-scm, hatch-vcs, pdm-backend's scm source,
poetry-dynamic-versioning): no file is edited, the release tag is the version.

A clean export of the tag has no .git, so the backend is told the version through its own
environment variable (each from the tool's documentation):

- setuptools-scm: ``SETUPTOOLS_SCM_PRETEND_VERSION_FOR_<DIST>``, the distribution name normalized
  (runs of ``-_.`` as one ``_``, upper case), so that a build dependency that also uses setuptools-scm
  is not given our version; the plain ``SETUPTOOLS_SCM_PRETEND_VERSION`` when the name is unknown.
- hatch-vcs: ``SETUPTOOLS_SCM_PRETEND_VERSION`` (it calls setuptools-scm without a distribution
  name, so the named variable does not reach it).
- pdm-backend: ``PDM_BUILD_SCM_VERSION``.
- poetry-dynamic-versioning: ``POETRY_DYNAMIC_VERSIONING_BYPASS``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from packaging.version import InvalidVersion, Version

from releasekit.core import versioning
from releasekit.core.conventions.versions.base import Tree
from releasekit.core.conventions.versions.tags import release_versions
from releasekit.core.errors import LocalVersionRefused, VersionError

TOOLS = ("setuptools-scm", "hatch-vcs", "pdm-backend", "poetry-dynamic-versioning")


def pretend_env(tool: str | None, dist: str | None, version: str) -> dict[str, str]:
    """The variables that make ``tool`` build ``dist`` at ``version`` without git metadata."""
    if tool == "setuptools-scm":
        if dist:
            return {f"SETUPTOOLS_SCM_PRETEND_VERSION_FOR_{re.sub(r'[-_.]+', '_', dist).upper()}": version}
        return {"SETUPTOOLS_SCM_PRETEND_VERSION": version}
    if tool == "hatch-vcs":
        return {"SETUPTOOLS_SCM_PRETEND_VERSION": version}
    if tool == "pdm-backend":
        return {"PDM_BUILD_SCM_VERSION": version}
    if tool == "poetry-dynamic-versioning":
        return {"POETRY_DYNAMIC_VERSIONING_BYPASS": version}
    return {}


def refuse_local(version: str, what: str = "the release version") -> None:
    """A local version (``1.2.0+g1234``: an untagged or dirty build) is never released."""
    try:
        v = Version(version)
    except InvalidVersion:
        raise VersionError(f"{what} '{version}' is not a PEP 440 version") from None
    if v.local is not None:
        raise LocalVersionRefused(
            f"{what} {version} is a local version (+{v.local}): the build did not see the release tag, "
            "and indexes refuse local versions")


class ScmSource:
    """The version is the latest release tag; a release makes a new tag and edits no file."""

    def __init__(self, tool: str | None, dist: str | None, template: str, tags: Iterable[str] = ()) -> None:
        self.tool = tool
        self.dist = dist
        self.template = template
        self.tags = tuple(tags)

    @property
    def kind(self) -> str:
        return "scm"

    @property
    def paths(self) -> tuple[str, ...]:
        return ()

    def latest(self) -> Version | None:
        found = release_versions(self.tags, self.template)
        return found[-1] if found else None

    def read(self, tree: Tree) -> str:
        latest = self.latest()
        if latest is None:
            raise VersionError(
                f"no release tag follows the template '{self.template}' yet, so git tags give no version",
                "set the first release with `version.set X.Y.Z`, or set `releasekit.tag` to your tags' template")
        versioning.parse(str(latest))
        return str(latest)

    def spelling(self, tree: Tree) -> str | None:
        return None  # no file holds it

    def write(self, tree: Tree, version: str) -> dict[str, str]:
        refuse_local(version)
        versioning.parse(version)
        return {}  # the tag is the version: made by the tag step, not written to a file

    def check(self, tree: Tree) -> list[str]:
        return []

    def build_env(self, version: str) -> dict[str, str]:
        refuse_local(version)
        return pretend_env(self.tool, self.dist, version)

    def describe(self) -> str:
        latest = self.latest()
        by = self.tool or "a backend releasekit does not know"
        return f"git tags '{self.template}' ({by}); latest release tag: " + (
            self.template.format(version=latest) if latest is not None else "none yet")
