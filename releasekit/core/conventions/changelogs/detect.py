"""Which changelog format a project keeps: the one place that decides.

``changelog_format`` wins when set. Otherwise the files decide: a towncrier configuration
means towncrier; a Markdown changelog is ``wip``, ``keepachangelog`` or ``pallets`` by the shape
of its headers; a ``.rst`` changelog is ``rst``; no changelog file at all is ``none``. When two
files both look managed, or one file has both shapes, nothing is guessed: one line names the
setting to pin. A new format is one module and one line in ``FORMATS``/``_classify``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from releasekit.core import changelog as engine
from releasekit.core import fileio
from releasekit.core.config import Settings
from releasekit.core.conventions.changelogs import keepachangelog, pallets, rst, towncrier
from releasekit.core.conventions.changelogs.base import ChangelogFormat
from releasekit.core.conventions.changelogs.keepachangelog import KeepAChangelogFormat
from releasekit.core.conventions.changelogs.none import NoChangelog
from releasekit.core.conventions.changelogs.pallets import PalletsMarkdown
from releasekit.core.conventions.changelogs.rst import Rst
from releasekit.core.conventions.changelogs.towncrier import Towncrier, TowncrierSettings
from releasekit.core.conventions.changelogs.wip import Wip
from releasekit.core.errors import ChangelogError

# The files looked at when `changelog` is not set, in this order.
CANDIDATES = ("CHANGES.md", "CHANGELOG.md", "HISTORY.md", "CHANGES.rst", "CHANGELOG.rst", "HISTORY.rst")
_KAC_HEADER = re.compile(r"## +(?:\[unreleased\]|unreleased\s*$|\[[^\]]+\]\s*[-–—]\s*\d{4}-|\S+\s+[-–—]\s+\d{4}-)",
                         re.IGNORECASE)


class AmbiguousChangelog(ChangelogError):
    """More than one changelog convention fits the project; releasekit will not guess."""

    names_log = False


_SHAPE_NAMES = {"wip": "Work-In-Progress", "keepachangelog": "Keep a Changelog", "pallets": "Pallets (`## Version X`)"}


def _classify_markdown(text: str) -> list[str]:
    """The formats whose headers a Markdown changelog has: one, none (no release headers yet), or several.

    A dated ``## 1.0 (2020-01-01)`` header is the wip format's only in a file with no Keep a Changelog
    marks: Keep a Changelog files kept with ``## X (date)`` headers (encode/httpx) have them too."""
    log = engine.parse(text)
    kac = "keepachangelog.com" in log.preamble.lower() or any(
        _KAC_HEADER.match(engine_content(s.header)) for s in log.sections)
    wip = any(s.wip for s in log.sections) or (not kac and any(s.date for s in log.sections))
    return [name for name, there in (("wip", wip), ("keepachangelog", kac), ("pallets", pallets.looks_like(text)))
            if there]


def engine_content(line: str) -> str:
    return line.removeprefix("\ufeff").rstrip("\r\n")


def _towncrier_settings(root: Path) -> TowncrierSettings | None:
    for name in ("towncrier.toml", "pyproject.toml"):  # towncrier.toml first, as towncrier does
        path = root / name
        if path.is_file():
            project = ""
            if name == "towncrier.toml" and (root / "pyproject.toml").is_file():
                import tomllib

                data = tomllib.loads(fileio.read_text(root / "pyproject.toml"))
                project = str(data.get("project", {}).get("name", ""))
            found = towncrier.settings_from(fileio.read_text(path), name, project)
            if found is not None or name == "towncrier.toml":
                return found
    return None


def _single_file(crier: TowncrierSettings) -> TowncrierSettings:
    """towncrier's settings when releasekit can follow them: one news file that gathers every release."""
    if not crier.single_file:
        raise ChangelogError(
            f"towncrier's `single_file = false` in {crier.config_file} (a news file per release) is not supported",
            "set `single_file = true` (the default) so every release goes into one file, "
            "or pin another `changelog_format`")
    return crier


def _make(name: str, path: str, root: Path, tag: str, template: tuple[str, ...]) -> ChangelogFormat:
    if name == "wip":
        return Wip(path, template)
    if name == "keepachangelog":
        file = root / path
        return KeepAChangelogFormat(path, tag, heading=keepachangelog.heading_of(fileio.read_text(file))
                                    if file.is_file() else None)
    if name == "rst":
        file = root / path
        return Rst(path, rst.shape_of(fileio.read_text(file), path) if file.is_file() else "pallets")
    if name == "pallets":
        return PalletsMarkdown(path)
    if name == "none":
        return NoChangelog()
    raise ChangelogError(f"unknown changelog_format {name!r}", f"use one of: {', '.join(FORMATS)}")


FORMATS: dict[str, Callable[..., Any]] = {"wip": Wip, "keepachangelog": KeepAChangelogFormat, "towncrier": Towncrier,
                                          "rst": Rst, "pallets": PalletsMarkdown, "none": NoChangelog}
# The hint of every refusal to guess: the formats named are the registry's, so a new one is listed too.
_PIN = f"pin it: set `changelog_format` ({', '.join(FORMATS)}) and `changelog` in [tool.releasekit]"


def detect(root: Path, settings: Settings, *, tag: str | None = None) -> ChangelogFormat:
    """The project's changelog format, from ``changelog_format`` or from the files present.

    ``tag`` is the release tag template (``v{version}``) Keep a Changelog's compare links use;
    the ``tag`` setting when not given. Reads files only; changes nothing.
    """
    root = Path(root)
    chosen = settings.get("changelog_format")
    pinned = settings.origins.get("changelog", "default") != "default"
    configured = str(settings.get("changelog") or "CHANGES.md")
    tag = tag or str(settings.get("tag") or "{version}")
    template = tuple(settings.get("changelog_template") or engine.DEFAULT_TEMPLATE)
    crier = _towncrier_settings(root)
    if chosen == "towncrier":
        if crier is None:
            raise ChangelogError("changelog_format is 'towncrier' but the project has no towncrier configuration",
                                 "add [tool.towncrier] to pyproject.toml or a towncrier.toml")
        return Towncrier(_single_file(crier))
    if chosen:
        path = configured if pinned else next(
            (c for c in CANDIDATES if (root / c).is_file() and c.endswith(".rst") == (chosen == "rst")),
            "CHANGES.rst" if chosen == "rst" else configured)
        return _make(str(chosen), path, root, tag, template)

    files = [configured] if pinned else [c for c in CANDIDATES if (root / c).is_file()]
    found: list[tuple[str, str]] = []  # (format, file) of each file that looks managed
    if crier is not None:
        found.append(("towncrier", crier.filename))
    for path in files:
        if crier is not None and Path(path) == Path(crier.filename):
            continue  # towncrier's own output
        file = root / path
        if not file.is_file():
            if pinned:  # a changelog the settings name must be there: a typo is no "none"
                raise ChangelogError(f"{path} does not exist",
                                     "create it, or set `releasekit.changelog` to the project's changelog")
            continue
        text = fileio.read_text(file)
        if path.endswith(".rst"):
            rst.shape_of(text, path)  # refuses a shape it cannot edit, naming the format
            found.append(("rst", path))
            continue
        kinds = _classify_markdown(text)
        if len(kinds) > 1:
            raise AmbiguousChangelog(f"{path} has both {' and '.join(_SHAPE_NAMES[k] for k in kinds)} headers", _PIN)
        if kinds:
            found.append((kinds[0], path))
        elif not engine.parse(text).sections:
            found.append(("wip", path))  # no releases yet: today's default format
        else:
            raise AmbiguousChangelog(f"{path} has release headers of no format releasekit knows", _PIN)
    if len(found) > 1:
        named = ", ".join(f"{path} ({kind})" for kind, path in found)
        raise AmbiguousChangelog(f"more than one changelog looks managed: {named}", _PIN)
    if not found:
        return NoChangelog()
    kind, path = found[0]
    if kind == "towncrier":
        assert crier is not None
        return Towncrier(_single_file(crier))
    return _make(kind, path, root, tag, template)


__all__ = ["CANDIDATES", "FORMATS", "AmbiguousChangelog", "detect", "keepachangelog"]
