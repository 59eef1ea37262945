"""`releasekit init`: what releasekit detects in a project, and the smallest `[tool.releasekit]` block
that pins it down.

Detection is the conventions' own (changelogs.detect, versions.resolve, forgerelease.detect, the
main-branch lookup); this module only gathers their answers into rows and decides which of them the
block pins: a value that differs from releasekit's defaults, or one that detection could get wrong
later (a version policy read off today's version, a main branch guessed from the branch names).

Writing appends the block to pyproject.toml and changes no other byte; it is refused when the file
already has a ``[tool.releasekit]`` table (see :func:`write_block` for why it does not merge).
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from releasekit.adapters.git import Git
from releasekit.adapters.shell import Shell
from releasekit.core import config, fileio
from releasekit.core.config import Settings
from releasekit.core.conventions import changelogs, versions
from releasekit.core.conventions.versions import DirTree
from releasekit.core.conventions.versions.files import FileEntry
from releasekit.core.errors import ConfigError, ReleasekitError
from releasekit.core.forgerelease import detect as detect_forge
from releasekit.core.project import Project
from releasekit.operations.conda_packages import conda_enabled
from releasekit.operations.detected_conventions import (
    NOTHING_RELEASED,
    release_branch_found,
    versions_released,
)

# What a project without configuration gets (SCHEMA's defaults and today's fastai conventions): a
# detected value equal to these needs no pin.
DEFAULT_FORMAT = "wip"
DEFAULT_CHANGELOG = str(config.SCHEMA["changelog"][0])
DEFAULT_TAG = str(config.SCHEMA["tag"][0])
DEFAULT_RELEASE_BRANCH = str(config.SCHEMA["release_branch"][0])
NO_RELEASE_BRANCH = False  # `release_branch = false`: release from main with a tag only (TOML has no null)
# The block's keys, in the order it lists them.
ORDER = ("changelog_format", "changelog", "version_source", "version_file", "version_files", "version_policy",
         "tag", "main_branch", "release_branch")


class InitRefused(ConfigError):
    """`init --write` cannot write the block where it belongs; nothing was written."""

    names_log = False  # a refusal ran nothing worth reading


@dataclass(frozen=True)
class Finding:
    """One row of the report: a setting, what it comes to in this project, and whether the block pins it."""

    key: str
    value: Any  # the setting's value as the block would write it (None: nothing to write)
    shown: str  # the value as the report prints it
    origin: str  # "detected", or where a set value came from ("pyproject.toml", "invoke.yaml", ...)
    pin: bool = False
    why: str = ""  # why it is pinned, or what the detection was based on


@dataclass(frozen=True)
class InitReport:
    root: Path
    findings: tuple[Finding, ...]
    notes: tuple[str, ...] = ()
    identity: tuple[Any, ...] = field(default=(), compare=False)  # what the block must reproduce

    def get(self, key: str) -> Finding:
        return next(f for f in self.findings if f.key == key)

    @property
    def block(self) -> dict[str, Any]:
        """The settings to pin, in the block's order."""
        pinned = {f.key: f.value for f in self.findings if f.pin}
        return {k: pinned[k] for k in ORDER if k in pinned}

    def block_text(self, newline: str = "\n") -> str:
        """``[tool.releasekit]`` with the pinned settings, rendered by tomlkit; "" when nothing is pinned."""
        return render_block(self.block, newline)

    def as_data(self) -> dict[str, Any]:
        return {"root": str(self.root),
                "detected": {f.key: {"value": f.shown, "from": f.origin, "pinned": f.pin,
                                     **({"why": f.why} if f.why else {})} for f in self.findings},
                "block": self.block, "block_text": self.block_text(), "notes": list(self.notes)}


def render_block(block: Mapping[str, Any], newline: str = "\n") -> str:
    if not block:
        return ""
    import tomlkit  # imported when a block is rendered, not for `--list`

    table = tomlkit.table()
    for key, value in block.items():
        table.add(key, value)
    tool = tomlkit.table(is_super_table=True)
    tool.add("releasekit", table)
    doc = tomlkit.document()
    doc.add("tool", tool)
    return tomlkit.dumps(doc).replace("\n", newline)


# --- detection ---------------------------------------------------------------------------------------


def _settings_for_detection(project: Project) -> Settings:
    """The project's settings with the package name filled in (setup.py/setup.cfg projects name it there)."""
    s = project.settings
    values = dict(s.values)
    if values.get("package") is None:
        try:
            values["package"] = project.package
        except ReleasekitError:
            pass  # detection says what it misses
    return Settings(s.root, values, dict(s.origins))


def _overlay(settings: Settings, block: Mapping[str, Any], source: str = "pyproject.toml") -> Settings:
    values, origins = dict(settings.values), dict(settings.origins)
    for key, value in config.validate_layer(dict(block), source).items():
        values[key], origins[key] = value, source
    return Settings(settings.root, values, origins)


def _origin(settings: Settings, key: str) -> str:
    origin = settings.origins.get(key, "default")
    return "detected" if origin == "default" else origin


def _is_set(settings: Settings, key: str) -> bool:
    return settings.origins.get(key, "default") != "default"


@dataclass(frozen=True)
class _Detected:
    vc: versions.VersionConventions
    fmt: changelogs.ChangelogFormat
    tags: tuple[str, ...]
    main: str | None
    main_from: str  # "set", "remote" (its HEAD), "guess" (a local main/master), "none" (not a git repo)
    release_branch: str | None  # the template, None: no release branch, or "?" (no release to tell from)
    remote_url: str | None


def _detect(settings: Settings, git: Git) -> _Detected:
    """Every convention detection for ``settings``; a detection that finds two answers raises its one line."""
    root = settings.root
    repo = git.is_repo()
    tags = tuple(git.local_refs("tags")) if repo else ()
    vc = versions.resolve(settings, DirTree(root), tags)
    fmt = changelogs.detect(root, settings, tag=vc.tag)
    main, main_from = _main_branch(settings, git, repo)
    return _Detected(vc, fmt, tags, main, main_from, _release_branch(settings, git, repo, tags, vc.tag),
                     git.remote_url(settings["remote"]) if repo else None)


def _main_branch(settings: Settings, git: Git, repo: bool) -> tuple[str | None, str]:
    if settings["main_branch"]:
        return settings["main_branch"], "set"
    if not repo:
        return None, "none"
    remote_default = git.default_branch(settings["remote"])
    if remote_default:
        return remote_default, "remote"
    for name in ("main", "master"):
        if git.branch_exists(name):
            return name, "guess"
    return None, "none"


def _release_branch(settings: Settings, git: Git, repo: bool, tags: Sequence[str], tag_template: str) -> str | None:
    """The release branch template the releases show (see release_branch_found); as set when set."""
    if _is_set(settings, "release_branch"):
        return settings["release_branch"] or None
    if not repo:
        return NOTHING_RELEASED
    return release_branch_found(settings, git, tags, tag_template)


def _identity(d: _Detected) -> tuple[Any, ...]:
    """What the block must leave as detected: reading it back must give the same conventions."""
    entries = getattr(d.vc.source, "entries", ())
    scm = d.vc.source.describe() if d.vc.source.kind == "scm" else ""  # a literal's describe says how it was found
    return (d.vc.source.kind, d.vc.source.paths, tuple(entries), scm, d.vc.tag, d.vc.policy,
            d.fmt.name, d.fmt.path, d.main, d.release_branch)


def detect_project(project: Project, git: Git) -> InitReport:
    """What releasekit detects in ``project``, as report rows, and which of them the block pins.

    Reads files and local git refs only (no fetch); a detection with two answers raises its own one-line
    error, which names the setting to pin."""
    settings = _settings_for_detection(project)
    d = _detect(settings, git)
    rows: list[Finding] = []
    notes: list[str] = []

    def row(key: str, value: Any, shown: str, *, pin: bool = False, why: str = "") -> None:
        rows.append(Finding(key, value, shown, _origin(settings, key), pin and not _is_set(settings, key), why))

    fmt, source = d.fmt, d.vc.source
    row("changelog_format", fmt.name, fmt.name, pin=fmt.name != DEFAULT_FORMAT,
        why="detected from the changelog's headers and the files present")
    managed_file = fmt.path is not None and fmt.name != "towncrier"  # towncrier's own config names its file
    row("changelog", fmt.path if managed_file else None, fmt.path or "(none)",
        pin=managed_file and fmt.path != DEFAULT_CHANGELOG,
        why="from towncrier's configuration" if fmt.name == "towncrier" else "")
    if fmt.fragment_dir:
        notes.append(f"news fragments are read from {fmt.fragment_dir}/ (towncrier's configuration)")

    row("version_source", source.kind, f"{source.kind}: {source.describe()}", pin=source.kind == "scm",
        why="the version comes from git tags (pyproject.toml's dynamic version and its backend)"
        if source.kind == "scm" else "")
    entries: tuple[FileEntry, ...] = tuple(getattr(source, "entries", ()))
    single = source.kind == "file" and len(entries) == 1
    row("version_file", entries[0].path if single else None, entries[0].path if single else "(none)",
        pin=single and entries[0].pattern is None,
        why="another file holding __version__ later would otherwise make detection see several" if single else "")
    listed = [e.path if e.pattern is None else f"{e.path}:{e.pattern}" for e in entries]
    row("version_files", listed if source.kind == "files" else None,
        ", ".join(listed) if source.kind == "files" else "(none)", pin=source.kind == "files",
        why="the files that agree on the version now; add any other file a release should change")

    policy = d.vc.policy
    edits_files = bool(source.paths)
    row("version_policy", policy, policy or "(none yet: no version to tell it from)",
        pin=edits_files and policy is not None,
        why="detected from main's version today; pinned so a version edited by hand is refused, not obeyed"
        if edits_files else "the version comes from git tags: main holds the last release")

    released = versions_released(d.tags, d.vc.tag)
    row("tag", d.vc.tag, d.vc.tag, pin=d.vc.tag != DEFAULT_TAG,
        why=f"the release tags follow it ({len(released)} found)" if released
        else "no release tag yet: releasekit's default")

    row("main_branch", d.main, d.main or "(not found)", pin=d.main_from == "guess",
        why={"remote": f"the remote's HEAD ({settings['remote']})",
             "guess": "the remote names no HEAD: guessed from the local branches"}.get(d.main_from, ""))

    if d.release_branch == NOTHING_RELEASED:
        row("release_branch", None, f"{DEFAULT_RELEASE_BRANCH} (the default: nothing released yet to tell from)")
    elif d.release_branch is None:
        row("release_branch", NO_RELEASE_BRANCH, "none (release from main, tag only)", pin=True,
            why="the release tags have no release branches")
    else:
        row("release_branch", d.release_branch, d.release_branch,
            why="the released versions have branches of this name")

    target = detect_forge(d.remote_url, settings["forge"], settings["forge_url"])
    row("forge", target.kind if target else "none", f"{target.kind} ({target.project})" if target else "none",
        why=f"from the remote URL {d.remote_url}" if d.remote_url else "the project has no remote")
    row("forge_url", target.api_url if target else None, target.api_url if target else "(none)")

    recipe = project.settings.path("conda.recipe")
    has_recipe = conda_enabled(project)
    found = next((n for n in ("recipe.yaml", "meta.yaml") if (recipe / n).is_file()), None) if has_recipe else None
    rel = f"{project.settings['conda.recipe'].rstrip('/')}/{found}" if found else None
    row("conda.recipe", project.settings["conda.recipe"], rel or "(none: the conda steps are skipped)")

    if edits_files:
        notes += [f"{where} also holds the version {current!r}; if a release should change it too, list it in "
                  "version_files with a pattern whose group `version` captures it, e.g. "
                  "'docs/conf.py:release = \"(?P<version>[^\"]+)\"'"
                  for where, current in _other_literals(settings.root, git, d, source)]
    return InitReport(settings.root, tuple(rows), tuple(notes), _identity(d))


def _other_literals(root: Path, git: Git, d: _Detected, source: versions.VersionSource) -> list[tuple[str, str]]:
    """Tracked text files, other than the version files, the changelog and lock files, that hold the
    current version as a quoted literal (``release = "0.5.0"`` in docs/conf.py): file:line and version."""
    try:
        current = source.read(DirTree(root))
    except ReleasekitError:
        return []
    quoted = (f'"{current}"', f"'{current}'")
    skip = {*source.paths, d.fmt.path}
    found = []
    for rel in git.ls_files() if git.is_repo() else []:
        path = root / rel
        if rel in skip or rel.endswith(".lock") or not path.is_file() or path.stat().st_size > 262_144:
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        line = next((n for n, ln in enumerate(text.splitlines(), 1) if any(q in ln for q in quoted)), None)
        if line is not None:
            found.append((f"{rel}:{line}", current))
    return found


# --- writing -------------------------------------------------------------------------------------------


def new_pyproject(old: str, block_text: str) -> str:
    """``old`` with the block appended: every byte of ``old`` stays, in place, as it was."""
    newline = "\r\n" if "\r\n" in old else "\n"
    if not old:
        return block_text
    sep = "" if old.endswith(newline + newline) else newline if old.endswith(newline) else newline * 2
    return old + sep + block_text


def init_project(project: Project, git: Git, sh: Shell, *, write: bool = False,
                 show: Callable[[InitReport], None] | None = None) -> tuple[InitReport, str | None]:
    """`releasekit init`: the report (given to ``show`` as soon as it is made), and with ``write`` the
    block appended to pyproject.toml (a dry-run shell prints the diff instead). Returns the report and
    the block written (None: nothing written)."""
    if write:
        _writable(project.root)  # refused before anything is detected or printed
    report = detect_project(project, git)
    if show is not None:
        show(report)
    return report, write_block(project, git, sh, report) if write else None


def _writable(root: Path) -> tuple[Path, str, dict[str, Any]]:
    """pyproject.toml's path, text and data, or the refusal that says why the block cannot go there.

    A ``[tool.releasekit]`` table already there is refused, not merged into: the settings it holds
    changed what was detected (a pinned `changelog` decides the format found), a merge could pair a new
    key with one that contradicts it (`version_file` next to `version_files`), and the user's own table,
    its order and its comments, would change. Refusing changes nothing, and the printed block shows
    what to add by hand.
    """
    path = root / "pyproject.toml"
    if not path.is_file():
        raise InitRefused("the project has no pyproject.toml for `init --write` to write to",
                          "put the block's settings in invoke.yaml under `releasekit:` (a new pyproject.toml "
                          "would change how pip builds a setup.py project)")
    old = fileio.read_text(path)
    try:
        data = tomllib.loads(old)
    except tomllib.TOMLDecodeError as exc:
        raise InitRefused(f"pyproject.toml is not valid TOML: {exc}") from None
    if "releasekit" in data.get("tool", {}):
        raise InitRefused("pyproject.toml already has a [tool.releasekit] table; `init --write` only writes a new one",
                          "add the settings `releasekit init` prints to it by hand, or remove the table and run "
                          "`releasekit init --write` again")
    return path, old, data


def write_block(project: Project, git: Git, sh: Shell, report: InitReport | None = None) -> str | None:
    """Append the report's block to pyproject.toml, every other byte kept (a dry run prints the diff);
    None when there is nothing to pin. Refused as :func:`_writable` says."""
    path, old, data = _writable(project.root)
    report = report or detect_project(project, git)
    block = report.block
    if not block:
        return None
    text = report.block_text("\r\n" if "\r\n" in old else "\n")
    new = new_pyproject(old, text)
    _check_written(project, git, data, new, block, report)
    sh.write_file(path, new, label="pyproject.toml")
    return text


def _check_written(project: Project, git: Git, data: Mapping[str, Any], new: str, block: Mapping[str, Any],
                   report: InitReport) -> None:
    """The new file parses to the old one plus the block, and the block, read back, detects the same."""
    try:
        parsed = tomllib.loads(new)
    except tomllib.TOMLDecodeError as exc:  # e.g. `tool = {...}` as an inline table, which a table cannot extend
        raise InitRefused(f"appending [tool.releasekit] to pyproject.toml would not be valid TOML ({exc})",
                          "add the block `releasekit init` prints by hand") from None
    got = parsed.get("tool", {}).pop("releasekit", None)
    if not parsed.get("tool") and "tool" not in data:
        parsed.pop("tool", None)
    if got != dict(block) or parsed != data:
        raise InitRefused("appending [tool.releasekit] would change other settings of pyproject.toml",
                          "add the block `releasekit init` prints by hand")
    again = _identity(_detect(_overlay(_settings_for_detection(project), block), git))
    if again != report.identity:
        raise InitRefused("the block `releasekit init` made would change what releasekit detects; nothing was written",
                          "please report this; set the settings by hand meanwhile")
