"""The project being released: its name, version file and changelog, found from settings
or detected from the usual places, so most projects need no configuration at all."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, cast

from releasekit.core import fileio, versionfile, versioning
from releasekit.core.config import Settings
from releasekit.core.errors import ChangelogError, ConfigError, VersionFileError

if TYPE_CHECKING:
    from releasekit.core.conventions.changelogs import ChangelogFormat


class Reader(Protocol):
    """What a project needs of a shell to see a dry run's unwritten edits (the adapter's Shell)."""

    overlay: dict[Path, str]

    def read_text(self, path: Path) -> str: ...

_SETUP_NAME = re.compile(r"""\bname\s*=\s*['"]([^'"]+)['"]""")
_ASSIGNS_VERSION = re.compile(r"^__version__\s*[:=]", re.M)


@dataclass
class Project:
    settings: Settings
    # Conventions the repository shows for settings left at their defaults (`tag`, `release_branch`),
    # found from git by the layer that loads the project: the core reads no git.
    detected: Mapping[str, Any] = field(default_factory=dict)

    @property
    def root(self) -> Path:
        return self.settings.root

    @cached_property
    def _pyproject(self) -> dict[str, Any]:
        import tomllib  # here, not at the top: `releasekit --list` never reads a project

        path = self.root / "pyproject.toml"
        if not path.exists():
            return {}
        try:
            return tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"pyproject.toml is not valid TOML: {exc}") from None

    @cached_property
    def package(self) -> str:
        """The distribution name, as indexes know it."""
        if self.settings["package"]:
            return cast(str, self.settings["package"])
        name = self._pyproject.get("project", {}).get("name")
        if not name:  # poetry-core's own table
            name = self._pyproject.get("tool", {}).get("poetry", {}).get("name")
        if not name and (self.root / "setup.cfg").exists():
            import configparser

            cfg = configparser.ConfigParser()
            cfg.read(self.root / "setup.cfg", encoding="utf-8")
            name = cfg.get("metadata", "name", fallback=None)
        if not name and (self.root / "setup.py").exists():
            m = _SETUP_NAME.search((self.root / "setup.py").read_text(encoding="utf-8"))
            name = m.group(1) if m else None
        if not name:
            raise ConfigError(
                "cannot tell the package name from pyproject.toml, setup.cfg or setup.py",
                "set `releasekit.package` in [tool.releasekit] or invoke.yaml",
            )
        return cast(str, name)

    @property
    def normalized_name(self) -> str:
        from packaging.utils import canonicalize_name  # pulls in packaging.tags and platform

        return canonicalize_name(self.package)

    @property
    def import_name(self) -> str:
        return self.settings["import_name"] or self.package.replace("-", "_").replace(".", "_")

    @cached_property
    def version_file(self) -> Path:
        configured = self.settings["version_file"]
        if configured:
            path = self.root / configured
            if not path.is_file():
                raise VersionFileError(f"version file {configured} does not exist or is not a file")
            return cast(Path, path)
        project = self._pyproject.get("project", {})
        if "version" in project and "version" not in project.get("dynamic", []):
            return self.root / "pyproject.toml"
        pkg = self.import_name
        problem: VersionFileError | None = None  # a candidate that assigns __version__ but badly
        for candidate in (
            f"{pkg}/version.py",
            f"src/{pkg}/version.py",
            f"{pkg}/_version.py",
            f"src/{pkg}/_version.py",
            f"{pkg}/__init__.py",
            f"src/{pkg}/__init__.py",
        ):
            path = self.root / candidate
            if path.exists():
                text = fileio.read_text(path)
                try:
                    versionfile.find(text, candidate)
                except VersionFileError as exc:
                    if problem is None and _ASSIGNS_VERSION.search(text):
                        problem = exc
                    continue
                return path
        if problem is not None:  # e.g. two assignments: say so rather than "no version file"
            raise problem
        raise VersionFileError(f"no version file found for {pkg} (looked for {pkg}/version.py, __init__.py, pyproject.toml)")

    @property
    def version_file_rel(self) -> str:
        return self.version_file.relative_to(self.root).as_posix()

    def version_text(self, sh: Reader | None = None) -> str:
        return sh.read_text(self.version_file) if sh else fileio.read_text(self.version_file)

    def version(self, sh: Reader | None = None) -> str:
        """The version literal as written (validated); ``sh`` sees a dry run's unwritten edits."""
        raw = versionfile.read_version(self.version_text(sh), self.version_file_rel)
        versioning.parse(raw)
        return raw

    @cached_property
    def changelog_format(self) -> ChangelogFormat:
        """The changelog convention, pinned by `changelog_format` or detected once from the files."""
        from releasekit.core.conventions.changelogs import detect  # not for `releasekit --list`

        return detect(self.root, self.settings, tag=self.tag("{version}"))

    @property
    def changelog_path(self) -> Path:
        return self.root / self.changelog_rel

    @property
    def changelog_rel(self) -> str:
        """The format's file (CHANGELOG.md, CHANGES.rst, ...); the `changelog` setting for a project with none."""
        return self.changelog_format.path or cast(str, self.settings["changelog"])

    def changelog_text(self, sh: Reader | None = None) -> str:
        """The changelog's text ("" for a project that keeps none); ``sh`` sees a dry run's edits."""
        if self.changelog_format.path is None:
            return ""
        path = self.changelog_path
        if sh is not None and path.resolve() in sh.overlay:
            return sh.overlay[path.resolve()]
        if not path.is_file():
            raise ChangelogError(f"{self.changelog_rel} does not exist", "create it or set `releasekit.changelog`")
        return fileio.read_text(path)

    @property
    def state_dir(self) -> Path:
        configured = self.settings["state_dir"]
        if configured:
            return cast(Path, (self.root / configured).resolve())
        return self.root / ".git" / "releasekit"

    def release_branch(self, version: str) -> str | None:
        """The release branch of ``version``; None when the project releases from main with a tag only."""
        template = self.release_branch_template
        return None if template is None else template.format(version=version)

    def convention(self, key: str) -> Any:
        """A convention setting: as set, else as the repository shows it, else its default."""
        if key in self.detected and self.settings.origins.get(key, "default") == "default":
            return self.detected[key]
        return self.settings[key]

    @property
    def tag_template(self) -> str:
        return cast(str, self.convention("tag"))

    @property
    def release_branch_template(self) -> str | None:
        """None: the project releases from main with a tag only."""
        return cast("str | None", self.convention("release_branch"))

    def tag(self, version: str) -> str:
        return self.tag_template.format(version=version)

    @property
    def dist_dir(self) -> Path:
        return self.settings.path("dist.dir")
