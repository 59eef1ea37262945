"""How a generated CI workflow installs releasekit: exactly as the project itself pins it.

An unpinned ``pip install releasekit`` in a publish workflow would run whatever release is newest
on the day of the tag, not the one the project tested its release with. So the workflow installs
the project's own requirement on releasekit, found (in this order) in pyproject.toml's
``[dependency-groups]`` (PEP 735), its ``[project.optional-dependencies]``, setup.cfg's
``[options.extras_require]``, or a requirements file; a project that pins nothing is refused.
"""

from __future__ import annotations

import configparser
import re
import shlex
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from releasekit.core import fileio
from releasekit.core.errors import ConfigError
from releasekit.version import __version__

NAME = "releasekit"
# Requirement files looked at, relative to the project root, in this order.
REQUIREMENT_FILES = ("requirements-dev.txt", "requirements-test.txt", "requirements-release.txt",
                     "dev-requirements.txt", "test-requirements.txt", "requirements/dev.txt",
                     "requirements/test.txt", "requirements/release.txt", "requirements.txt")


@dataclass(frozen=True)
class Pin:
    """The project's requirement on releasekit and where it was written."""

    requirement: Requirement
    source: str  # e.g. "pyproject.toml [dependency-groups] release"

    def with_extras(self, *extras: str) -> str:
        """The requirement with more extras (``releasekit[conda]==1.2``), markers and all."""
        req = Requirement(str(self.requirement))
        req.extras = set(req.extras) | set(extras)
        return str(req)

    def install_command(self, *extras: str, also: tuple[str, ...] = ()) -> str:
        """``python -m pip install 'releasekit==1.2' ...``: one resolver run for everything."""
        words = [self.with_extras(*extras), *also]
        return "python -m pip install " + " ".join(shlex.quote(w) for w in words)


def _candidates(pyproject: Mapping[str, Any], setup_cfg: str | None,
                requirement_files: Mapping[str, str]) -> Iterator[tuple[str, str]]:
    """(requirement string, where) for every line that could name releasekit."""
    for group, items in (pyproject.get("dependency-groups") or {}).items():
        for item in items or []:
            if isinstance(item, str):  # {include-group = ...} tables name other groups, seen on their own
                yield item, f"pyproject.toml [dependency-groups] {group}"
    extras = (pyproject.get("project") or {}).get("optional-dependencies") or {}
    for extra, items in extras.items():
        for item in items or []:
            yield item, f"pyproject.toml [project.optional-dependencies] {extra}"
    if setup_cfg:
        parser = configparser.ConfigParser()
        try:
            parser.read_string(setup_cfg)
        except configparser.Error:
            parser = configparser.ConfigParser()
        if parser.has_section("options.extras_require"):
            for extra, value in parser.items("options.extras_require"):
                for line in value.splitlines():
                    yield line, f"setup.cfg [options.extras_require] {extra}"
    for name, text in requirement_files.items():
        for line in text.splitlines():
            yield line, name


def find_pin(pyproject: Mapping[str, Any], setup_cfg: str | None = None,
             requirement_files: Mapping[str, str] | None = None) -> Pin:
    """The project's requirement on releasekit, which must say which releasekit (a version
    specifier or a direct URL). Refuses, naming what to add, when there is none."""
    unpinned: str | None = None
    for line, where in _candidates(pyproject, setup_cfg, requirement_files or {}):
        text = re.split(r"\s+#", line.strip(), maxsplit=1)[0].strip()
        if not text or text.startswith(("#", "-")):
            continue
        try:
            req = Requirement(text)
        except InvalidRequirement:
            continue
        if canonicalize_name(req.name) != NAME:
            continue
        if req.specifier or req.url:
            return Pin(req, where)
        unpinned = unpinned or where
    example = f'[dependency-groups] release = ["releasekit=={__version__}"] to pyproject.toml'
    if unpinned:
        raise ConfigError(f"{unpinned} names releasekit without a version, so the CI workflow cannot "
                          "install the releasekit this project releases with",
                          f"pin it there (releasekit=={__version__}), or add {example}")
    raise ConfigError("the project does not pin releasekit, so the CI workflow cannot install the releasekit "
                      "this project releases with", f"add {example} (or to a dev/test extra or requirements-dev.txt)")


def read_pin(root: Path, pyproject: Mapping[str, Any]) -> Pin:
    """:func:`find_pin` over the files of the project at ``root`` (pyproject.toml already parsed)."""
    setup_cfg = root / "setup.cfg"
    files = {name: fileio.read_text(root / name) for name in REQUIREMENT_FILES if (root / name).is_file()}
    return find_pin(pyproject, fileio.read_text(setup_cfg) if setup_cfg.is_file() else None, files)
