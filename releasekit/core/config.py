"""The settings object: every key with its default, validation, and where each value came from.

Sources, lowest to highest precedence: releasekit's defaults, ``[tool.releasekit]``
in pyproject.toml, the collection configuration (``ns.configure`` in tasks.py),
``invoke.yaml`` in the project, ``INVOKE_RELEASEKIT_*`` environment variables,
a runtime config file (``-f``), and command-line flags of the task itself.
"""

from __future__ import annotations

import copy
import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from releasekit.core.errors import ConfigError

ANY = object()

# key -> (default, allowed types, one-line help). Dicts nest; ``hosts`` and
# ``conda.name_map`` are free-form maps validated separately.
SCHEMA: dict[str, tuple[Any, tuple[Any, ...], str]] = {
    "package": (None, (str,), "distribution name (default: from pyproject.toml or setup.py)"),
    "import_name": (None, (str,), "module to import when verifying (default: package with - as _)"),
    "version_file": (None, (str,), "file holding the version: a .py with __version__ or pyproject.toml"),
    # Version conventions (issue 11), detected when unset; releasekit.core.conventions.versions reads them.
    "version_source": (None, (str,), "where the version lives: file | files | scm (git tags) (default: detected)"),
    "version_files": ([], (list,), "files that carry the version, written all or none: 'path', 'path:regex' or {path, pattern}"),
    "version_policy": (None, (str,), "dev (main at X.Y.Z.dev0) | release (main at the last release) (default: from the version)"),
    "tag_sign": (False, (bool,), "sign release tags (git tag -s) instead of only annotating them"),
    "changelog": ("CHANGES.md", (str,), "the changelog file"),
    "changelog_template": (["New", "Changed", "Fixed"], (list,), "subsections of a new cycle"),
    # The changelog convention (releasekit/core/conventions/changelogs); unset: detected from the files.
    "changelog_format": (None, (str,), "wip | keepachangelog | towncrier | rst | pallets | none (default: detected)"),
    "main_branch": (None, (str,), "main branch (default: the remote's HEAD, else main/master)"),
    "release_branch": ("release-{version}", (str,), "release branch name template; null (YAML) or false (TOML): "
                       "none, the release is a tag on main"),
    "tag": ("{version}", (str,), "tag name template"),
    "remote": ("origin", (str,), "git remote to push to"),
    "remote_url": (None, (str,), "when set, the remote's URL must equal it"),
    "test_command": ("pytest", (str,), "the project's test command"),
    "smoke_command": (None, (str,), "command run in a clean env after install (python -c ...)"),
    "state_dir": (None, (str,), "journal, lock and logs (default: .git/releasekit)"),
    "skip_steps": ([], (list,), "names of rite steps to switch off"),
    "dist.dir": ("dist", (str,), "where sdist and wheel go"),
    "dist.isolation": (True, (bool,), "build in an isolated environment"),
    "dist.installer": ("auto", (str,), "build's installer: auto (uv when present), uv, pip"),
    "dist.check_ignore": ([], (list,), "more tracked files allowed to be missing from the sdist (globs, on top of CI files and the conda recipe)"),
    "dist.max_file_size": (50_000_000, (int,), "report files in the artifacts larger than this (bytes)"),
    "pypi.repository": ("pypi", (str,), "twine repository name or upload URL"),
    "pypi.index_url": (None, (str,), "simple index to check and install from (default: derived)"),
    "pypi.deps_index_url": (None, (str,), "simple index that dependencies and build backends of clean installs may "
                            "also come from (default: PyPI's when the target is TestPyPI, else none)"),
    "conda.recipe": ("conda/", (str,), "recipe folder: meta.yaml or recipe.yaml"),
    "conda.builder": ("auto", (str,), "auto | conda-build | rattler-build"),
    "conda.channels": (["conda-forge"], (list,), "channels for building, solving and installing"),
    "conda.user": (None, (str,), "anaconda.org user or organisation"),
    "conda.label": ("main", (str,), "label to upload to"),
    "conda.channel_dir": (None, (str,), "upload to this channel directory instead of anaconda.org"),
    "conda.output": ("conda-dist", (str,), "where conda packages go"),
    "conda.package_format": ("conda", (str,), "conda | tar.bz2"),
    "conda.name_map": ({}, (dict,), "pip name -> conda name, on top of the defaults"),
    # issue 13: conda switched off, solved before the tag, and conda-forge's way (the bot builds, nobody uploads)
    "conda.enabled": (None, (bool,), "run the conda steps and tasks (default: when the recipe folder has a recipe)"),
    "conda.platforms": (["linux-64", "osx-64", "osx-arm64", "win-64"], (list,),
                        "platforms the recipe's requirements are solved for in the preview, and a missing dependency must install on"),
    "conda.target": (None, (str,), "anaconda | channel-dir | conda-forge (default: channel-dir when "
                     "conda.channel_dir is set, else anaconda)"),
    "conda.uploader": ("anaconda-client", (str,), "anaconda-client | rattler-build (its own `upload anaconda`)"),
    "conda.forge_channel": ("conda-forge", (str,), "the channel conda-forge publishes to (a name, URL or folder)"),
    "conda.forge_timeout": (21600.0, (int, float), "seconds to wait for conda-forge to publish the release"),
    "conda.feedstock_dir": (None, (str,), "a local checkout of the project's conda-forge feedstock"),
    # The guide's conda chores (issue 15): missing dependencies per platform, staged labels.
    "conda.staging_label": (None, (str,), "upload here first, verify, then promote to conda.label (e.g. test)"),
    "conda.promote": ("copy", (str,), "copy | move: how a verified release goes from the staging label to conda.label"),
    "conda.channel_alias": (None, (str,), "base URL of conda.user's channels for installs (default: anaconda.org's)"),
    "hosts": ({}, (dict,), "verify hosts: name -> {host, python, shell}"),
    "verify.max_parallel": (4, (int,), "hosts verified at once"),
    "verify.host_timeout": (900, (int,), "seconds per host"),
    "verify.trust_unknown_hosts": (False, (bool,), "accept hosts missing from known_hosts"),
    "verify.known_hosts": (None, (str,), "extra known_hosts file"),
    "verify.ssh_key": (None, (str,), "private key for the verify hosts"),
    "wait.timeout": (1800.0, (int, float), "seconds to wait for the index to serve the release"),
    "wait.interval": (5.0, (int, float), "seconds from one poll to the next (steady while the index answers)"),
    "wait.max_interval": (60.0, (int, float), "cap of the poll interval while the index cannot be reached (it backs off)"),
    "ci.full_args": ("--runslow", (str,), "extra test arguments for ci.test --full"),
    "ci.python_versions": (["3.11", "3.12", "3.13"], (list,), "CI matrix Python versions"),
    # Where the upload happens (issue 12): `local` uploads from this machine; `ci` stops at the tag
    # push and lets the publish workflow (`ci.config --release`) upload with Trusted Publishing.
    "publish": ("local", (str,), "local (upload from here) | ci (the tag's CI workflow uploads)"),
    "dist.reproducible": (False, (bool,), "builds are byte-for-byte reproducible: CI's files must have the preview's sha256"),
    # forge releases (issue 12): where the release for the tag is made; detected from the remote URL when unset
    "forge": (None, (str,), "github | gitlab | none (default: detected from the remote URL)"),
    "forge_url": (None, (str,), "the forge's API base URL: https://HOST/api/v3 (GitHub Enterprise), https://HOST/api/v4 (GitLab)"),
}
HOST_KEYS = {"host": (str,), "python": (str,), "shell": (str,), "port": (int,), "user": (str,)}
SOURCES = ("default", "pyproject.toml", "tasks.py", "invoke.yaml", "environment", "config file", "command line")


def defaults_tree() -> dict[str, Any]:
    """The defaults as the nested dict invoke's collection configuration expects."""
    tree: dict[str, Any] = {}
    for key, (default, _types, _help) in SCHEMA.items():
        _set(tree, key, copy.deepcopy(default))
    return tree


def _set(tree: dict[str, Any], dotted: str, value: Any) -> None:
    *parents, last = dotted.split(".")
    for p in parents:
        tree = tree.setdefault(p, {})
    tree[last] = value


def flatten(tree: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested dict -> dotted keys, stopping at schema leaves (free-form maps stay whole)."""
    out: dict[str, Any] = {}
    for key, value in tree.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, Mapping) and dotted not in SCHEMA:
            out.update(flatten(value, dotted + "."))
        else:
            out[dotted] = value
    return out


def _suggest(key: str) -> str:
    close = difflib.get_close_matches(key, list(SCHEMA), n=1, cutoff=0.5)
    if not close:
        leaf = key.rsplit(".", 1)[-1]
        close = [k for k in SCHEMA if k.rsplit(".", 1)[-1] == leaf]
    return f"did you mean `{close[0]}`?" if close else "run `releasekit config` to list the known keys"


TEMPLATES = ("release_branch", "tag")
# Settings whose null (or false, as TOML has no null) means "none of it".
NULLABLE = ("release_branch",)

# Settings that take one of a few words: refused when loaded, not halfway through a release.
CHOICES = {
    "dist.installer": ("auto", "uv", "pip"),
    "conda.builder": ("auto", "conda-build", "rattler-build"),
    "conda.package_format": ("conda", "tar.bz2"),
    "conda.promote": ("copy", "move"),
    "conda.target": ("anaconda", "channel-dir", "conda-forge"),
    "conda.uploader": ("anaconda-client", "rattler-build"),
    "version_source": ("file", "files", "scm"),
    "version_policy": ("dev", "release"),
    "publish": ("local", "ci"),
    "forge": ("github", "gitlab", "none"),
    "changelog_format": ("wip", "keepachangelog", "towncrier", "rst", "pallets", "none"),
}
# List settings whose items may be tables, not only strings.
TABLE_ITEMS = {"version_files": ("path", "pattern")}


def validate_layer(tree: Mapping[str, Any], source: str) -> dict[str, Any]:
    """Flatten one source, rejecting unknown keys and wrong types with the key named."""
    if not isinstance(tree, Mapping):
        raise ConfigError(f"`releasekit` (from {source}) should be a table of settings, not {type(tree).__name__}")
    flat = flatten(tree)
    for key, value in flat.items():
        if key not in SCHEMA:
            inner = [k for k in SCHEMA if k.startswith(f"{key}.")]
            if inner:  # `dist = "x"` where a table of settings belongs
                raise ConfigError(
                    f"`releasekit.{key}` (from {source}) should be a table of settings, not {type(value).__name__}",
                    f"set its keys instead: {', '.join(inner)}",
                )
            raise ConfigError(f"unknown setting `releasekit.{key}` (from {source})", _suggest(key))
        default, types, _ = SCHEMA[key]
        if value is None and default is None:
            continue
        if key in NULLABLE and value in (None, False, ""):
            flat[key] = None  # "none": e.g. no release branch
            continue
        ok = False if isinstance(value, bool) and bool not in types else isinstance(value, types)
        if not ok:
            want = " or ".join(t.__name__ for t in types)
            raise ConfigError(
                f"`releasekit.{key}` (from {source}) should be a {want}, not {type(value).__name__} {value!r}"
            )
        _check_value(key, value, source)
    if "hosts" in flat:
        _validate_hosts(flat["hosts"], source)
    return flat


def _check_value(key: str, value: Any, source: str) -> None:
    """What a type check cannot see: list items, number ranges, fixed choices, the templates' placeholders."""
    default = SCHEMA[key][0]
    if isinstance(default, list) and isinstance(value, list):
        keys = TABLE_ITEMS.get(key, ())
        bad = [v for v in value if not isinstance(v, str)
               and not (keys and isinstance(v, Mapping) and set(v) <= set(keys) and isinstance(v.get(keys[0]), str))]
        if bad:
            raise ConfigError(f"`releasekit.{key}` (from {source}) should list strings, not {bad[0]!r}")
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value < 0:
        raise ConfigError(f"`releasekit.{key}` (from {source}) cannot be negative ({value})")
    if key in CHOICES and value not in CHOICES[key]:
        close = difflib.get_close_matches(str(value), CHOICES[key], n=1, cutoff=0.5)
        raise ConfigError(f"`releasekit.{key}` (from {source}) is {value!r}",
                          f"did you mean {close[0]!r}?" if close else f"use one of: {', '.join(CHOICES[key])}")
    if key in TEMPLATES and isinstance(value, str) and not (key == "release_branch" and value == ""):
        try:
            rendered = value.format(version="1.0")
        except (KeyError, IndexError, ValueError):
            rendered = None
        if rendered is None or "{version}" not in value:
            raise ConfigError(f"`releasekit.{key}` (from {source}) is {value!r}, not a template with one {{version}}",
                              "write it like 'release-{version}' or 'v{version}'")


def _validate_hosts(hosts: Mapping[str, Any], source: str) -> None:
    for name, spec in hosts.items():
        if isinstance(spec, str):
            continue  # shorthand: name: user@host[:port]
        if not isinstance(spec, Mapping):
            raise ConfigError(f"`releasekit.hosts.{name}` (from {source}) should be a mapping or 'user@host'")
        for k, v in spec.items():
            if k not in HOST_KEYS:
                close = difflib.get_close_matches(k, list(HOST_KEYS), n=1)
                hint = f"did you mean `{close[0]}`?" if close else f"known keys: {', '.join(HOST_KEYS)}"
                raise ConfigError(f"unknown setting `releasekit.hosts.{name}.{k}` (from {source})", hint)
            if not isinstance(v, HOST_KEYS[k]):
                raise ConfigError(f"`releasekit.hosts.{name}.{k}` (from {source}) has the wrong type")
        if "host" not in spec:
            raise ConfigError(f"`releasekit.hosts.{name}` (from {source}) needs a `host`")


@dataclass
class Settings:
    """Effective settings for one project, with the origin of every value."""

    root: Path
    values: dict[str, Any] = field(default_factory=dict)
    origins: dict[str, str] = field(default_factory=dict)

    def __getitem__(self, key: str) -> Any:
        if key not in SCHEMA:
            raise KeyError(key)
        return self.values[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.values.get(key, default)

    def rows(self) -> list[tuple[str, str, str]]:
        return [(k, _show(self.values[k]), self.origins[k]) for k in SCHEMA]

    def path(self, key: str) -> Path:
        """A path-valued setting resolved against the project root."""
        return cast(Path, (self.root / self.values[key]).resolve())


def _show(value: Any) -> str:
    if value is None:
        return "(auto)"
    return repr(value) if not isinstance(value, str) else value


def pyproject_layer(root: Path) -> dict[str, Any]:
    import tomllib  # here, not at the top: `releasekit --list` reads no configuration

    path = root / "pyproject.toml"
    if not path.exists():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"pyproject.toml is not valid TOML: {exc}") from None
    return cast(dict[str, Any], data.get("tool", {}).get("releasekit", {}))


def resolve(root: Path, layers: list[tuple[str, Mapping[str, Any]]], overrides: Mapping[str, Any] | None = None) -> Settings:
    """Merge validated layers (lowest first) over the defaults, remembering each value's origin."""
    settings = Settings(root=Path(root))
    for key, (default, _t, _h) in SCHEMA.items():
        settings.values[key] = copy.deepcopy(default)
        settings.origins[key] = "default"
    defaults_flat = flatten(defaults_tree())
    for source, tree in layers:
        for key, value in validate_layer(tree or {}, source).items():
            if source == "tasks.py" and value == defaults_flat.get(key):
                continue  # collection config carries the defaults; only differences are tasks.py's
            settings.values[key] = value
            settings.origins[key] = source
    for key, value in (overrides or {}).items():
        if value is not None:
            validate_layer(_unflatten(key, value), "command line")
            settings.values[key] = value
            settings.origins[key] = "command line"
    return settings


def _unflatten(key: str, value: Any) -> dict[str, Any]:
    tree: dict[str, Any] = {}
    _set(tree, key, value)
    return tree


def env_problems(environ: Mapping[str, str], current: Mapping[str, Any] | None = None) -> list[str]:
    """INVOKE_RELEASEKIT_* variables invoke would fail to load, each naming the variable and setting.

    invoke casts an env value to the type of the value it replaces (``current``, dotted keys;
    the defaults when not given) and cannot cast to a list; it would raise with a traceback.
    """
    values = {key: spec[0] for key, spec in SCHEMA.items()}
    values.update(current or {})
    problems = []
    for key, value in values.items():
        name = "INVOKE_RELEASEKIT_" + key.replace(".", "_").upper()
        if name not in environ or isinstance(value, bool) or not isinstance(value, (int, float, list, tuple)):
            continue  # str, bool and None take any string; invoke ignores maps
        if isinstance(value, (list, tuple)):
            problems.append(f"{name}: `releasekit.{key}` is a list and cannot be set from the environment; "
                            "set it in invoke.yaml or [tool.releasekit]")
            continue
        try:
            type(value)(environ[name])
        except ValueError:
            want = "whole number" if isinstance(value, int) else "number"
            problems.append(f"{name}={environ[name]!r}: `releasekit.{key}` should be a {want}")
    return problems


def from_invoke(config: Any, root: Path, overrides: Mapping[str, Any] | None = None) -> Settings:
    """Settings from an invoke Config (whose layers we read to know each value's origin)."""

    def layer(name: str) -> Mapping[str, Any]:
        data = getattr(config, f"_{name}", None) or {}
        block = data.get("releasekit", {}) or {}
        if not isinstance(block, Mapping):
            raise ConfigError(f"`releasekit` in the {name} configuration should be a mapping of settings, "
                              f"not {type(block).__name__}")
        return block

    layers = [
        ("pyproject.toml", pyproject_layer(root)),
        ("tasks.py", layer("collection")),
        ("invoke.yaml", _merge(layer("system"), layer("user"), layer("project"))),
        ("environment", layer("env")),
        ("config file", layer("runtime")),
        ("command line", _merge(layer("overrides"), layer("modifications"))),
    ]
    return resolve(root, layers, overrides)


def _merge(*trees: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for t in trees:
        _deep_update(out, t)
    return out


def _deep_update(base: dict[str, Any], new: Mapping[str, Any]) -> None:
    for k, v in new.items():
        if isinstance(v, Mapping) and isinstance(base.get(k), dict) and k != "hosts":
            _deep_update(base[k], v)
        else:
            base[k] = copy.deepcopy(v) if isinstance(v, (dict, list)) else v
