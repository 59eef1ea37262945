"""The conda chores of fastai's guide, as data: which requirements of a recipe are missing from
the channels and what to do about each (build it from a pure-Python wheel, or drop it from the
recipe and document a pip install), and the recipe's ``build.number`` literal.

Pure: the caller asks the channels and the package index and passes their answers in.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import InvalidVersion, Version

from releasekit.core.condarecipe import DEFAULT_NAME_MAP
from releasekit.core.errors import RecipeError

TARGET_PLATFORMS = ("linux-64", "osx-64", "osx-arm64", "win-64")

# conda subdir -> (platform tag prefixes, architectures) a wheel for it may carry
_PLATFORM_TAGS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "linux-64": (("manylinux", "musllinux", "linux"), ("x86_64",)),
    "linux-aarch64": (("manylinux", "musllinux", "linux"), ("aarch64",)),
    "linux-ppc64le": (("manylinux", "musllinux", "linux"), ("ppc64le",)),
    "osx-64": (("macosx",), ("x86_64", "intel", "universal2", "universal")),
    "osx-arm64": (("macosx",), ("arm64", "universal2")),
    "win-64": (("win",), ("amd64",)),
    "win-32": (("win32",), ("",)),
    "win-arm64": (("win",), ("arm64",)),
}
_SKIP_NAMES = {"python", "pip"}
_SPEC = re.compile(r"^\s*(?P<name>[A-Za-z0-9_.\-]+)\s*(?P<rest>[^#\[]*?)\s*(\[.*\])?\s*(#.*)?$")


# --- requirements ---------------------------------------------------------------------------------


def spec_name(spec: str) -> str:
    """``packaging >=20`` -> ``packaging``."""
    m = _SPEC.match(spec)
    if not m:
        raise RecipeError(f"cannot parse conda requirement {spec!r}")
    return m["name"].lower()


def pip_specifier(spec: str) -> SpecifierSet:
    """The PEP 440 specifier a conda requirement's version part means (empty when none or unknown)."""
    m = _SPEC.match(spec)
    rest = (m["rest"] if m else "").replace(" ", "")
    if not rest:
        return SpecifierSet()
    clauses = []
    for clause in rest.split(","):
        if re.match(r"^[0-9]", clause):  # conda's bare version: `1.2` means 1.2.*, `1.2.*` too
            clause = "==" + (clause if clause.endswith("*") else clause + ".*")
        elif clause.startswith("=") and not clause.startswith("=="):
            clause = "=" + clause + ("" if clause.endswith("*") else ".*")
        clauses.append(clause)
    try:
        return SpecifierSet(",".join(clauses))
    except InvalidSpecifier:
        return SpecifierSet()


def checked_requirements(specs: Iterable[object]) -> list[str]:
    """The recipe entries that name a package a channel must provide (not python, pip, virtual
    packages like ``__unix``, or templated entries)."""
    out = []
    for spec in specs:
        if not isinstance(spec, str) or "${{" in spec or "{{" in spec:
            continue
        name = spec_name(spec)
        if name in _SKIP_NAMES or name.startswith("__"):
            continue
        if spec not in out:
            out.append(spec.strip())
    return out


def pip_name(conda_name: str, mapping: Mapping[str, str] | None = None) -> str:
    """The PyPI distribution behind a conda package name: the name map read backwards."""
    names = {**DEFAULT_NAME_MAP, **(mapping or {})}
    back = {v.lower(): k for k, v in names.items()}
    return back.get(conda_name.lower(), conda_name)


# --- what the package index offers ----------------------------------------------------------------


def wheel_platforms(filename: str, platforms: Sequence[str] = TARGET_PLATFORMS) -> set[str]:
    """The conda subdirs among ``platforms`` a wheel installs on; ``{"noarch"}`` for a pure-Python wheel."""
    try:
        _name, _version, _build, tags = parse_wheel_filename(filename)
    except (InvalidWheelFilename, InvalidVersion):
        return set()
    found: set[str] = set()
    for tag in tags:
        if tag.platform == "any" and tag.abi == "none":
            return {"noarch"}
        for subdir in platforms:
            prefixes, arches = _PLATFORM_TAGS.get(subdir, ((), ()))
            if tag.platform.startswith(prefixes) and any(tag.platform.endswith(a) for a in arches):
                found.add(subdir)
    return found


@dataclass(frozen=True)
class Offer:
    """What the package index serves for one requirement, newest matching version first."""

    name: str
    pure_wheel: str | None = None
    platform_wheels: tuple[str, ...] = ()
    sdist: str | None = None
    version: str | None = None


def offer(name: str, filenames: Iterable[str], specifier: SpecifierSet | None = None) -> Offer:
    """The newest version of ``name`` on the index that ``specifier`` allows, and its files by kind."""
    want = canonicalize_name(name)
    by_version: dict[Version, list[str]] = {}
    for filename in filenames:
        try:
            if filename.endswith(".whl"):
                got, version, _, _ = parse_wheel_filename(filename)
            elif filename.endswith((".tar.gz", ".zip")):
                got, version = parse_sdist_filename(filename)
            else:
                continue
        except (InvalidWheelFilename, InvalidSdistFilename, InvalidVersion):
            continue
        if canonicalize_name(got) != want or version.is_prerelease:
            continue
        if specifier is not None and not specifier.contains(version, prereleases=False):
            continue
        by_version.setdefault(version, []).append(filename)
    if not by_version:
        return Offer(name)
    newest = max(by_version)
    files = sorted(by_version[newest])
    pure = next((f for f in files if wheel_platforms(f) == {"noarch"}), None)
    platform = tuple(f for f in files if f.endswith(".whl") and f != pure)
    sdist = next((f for f in files if not f.endswith(".whl")), None)
    return Offer(name, pure, platform, sdist, str(newest))


# --- the decision -----------------------------------------------------------------------------------


BUILD = "build"
FROM_SDIST = "build from sdist"  # only an sdist: its wheel, built, tells whether it is pure Python
UNBUILDABLE = "unbuildable"


@dataclass(frozen=True)
class Missing:
    """One requirement no configured channel has, and what to do about it."""

    requirement: str  # as the recipe (or a built dependency) spells it
    name: str  # the PyPI distribution
    action: str  # BUILD | UNBUILDABLE
    wheel: str | None = None  # the pure-Python wheel to build from
    platforms: dict[str, str] = field(default_factory=dict)  # target platform -> what the index has for it
    reason: str = ""
    needed_by: str = ""  # the recipe, or the dependency whose requirement this is
    sdist: str | None = None  # FROM_SDIST: the sdist to build the wheel from

    @property
    def buildable(self) -> bool:
        return self.action in (BUILD, FROM_SDIST)


def decide(requirement: str, found: Offer, platforms: Sequence[str] = TARGET_PLATFORMS,
           needed_by: str = "the recipe") -> Missing:
    """A pure-Python wheel is built as a noarch package; anything else is reported per platform."""
    if found.pure_wheel:
        return Missing(requirement, found.name, BUILD, found.pure_wheel, dict.fromkeys(platforms, "noarch"),
                       f"pure-Python wheel {found.pure_wheel}", needed_by)
    per_platform = {}
    for subdir in platforms:
        wheels = [w for w in found.platform_wheels if subdir in wheel_platforms(w, platforms)]
        per_platform[subdir] = f"platform wheel {wheels[0]}" if wheels else "nothing"
    if found.platform_wheels:
        reason = "only platform wheels on the index, no pure-Python one (cannot be noarch)"
    elif found.sdist:
        return Missing(requirement, found.name, FROM_SDIST, None, dict.fromkeys(platforms, f"sdist {found.sdist}"),
                       f"only an sdist on the index ({found.sdist}), no wheel: the wheel built from it tells "
                       "whether it is pure Python", needed_by, found.sdist)
    else:
        reason = "not on the package index either"
    return Missing(requirement, found.name, UNBUILDABLE, None, per_platform, reason, needed_by)


def from_sdist(choice: Missing, wheel: str, platforms: Sequence[str] = TARGET_PLATFORMS) -> Missing:
    """The decision once the wheel of a FROM_SDIST choice is built: a ``py3-none-any`` wheel is built as a
    noarch package like any pure-Python wheel; any other wheel means compiled code, reported."""
    if wheel_platforms(wheel, platforms) == {"noarch"}:
        return replace(choice, action=BUILD, wheel=wheel, platforms=dict.fromkeys(platforms, "noarch"),
                       reason=f"pure-Python wheel {wheel}, built from its sdist {choice.sdist}")
    return replace(choice, action=UNBUILDABLE, wheel=None,
                   platforms=dict.fromkeys(platforms, f"sdist with compiled code ({wheel})"),
                   reason=f"only an sdist on the index ({choice.sdist}), with compiled code: it builds {wheel}, "
                          "not a pure-Python wheel (cannot be noarch)")


def recipe_line(text: str, name: str) -> tuple[int, str] | None:
    """(1-based line number, line) of the first requirement entry naming ``name`` in a recipe."""
    pattern = re.compile(rf"^\s*-\s*['\"]?{re.escape(name)}(?=$|[\s<>=!~,'\"#\[])", re.I)
    for number, line in enumerate(text.splitlines(), 1):
        if pattern.match(line):
            return number, line.strip()
    return None


def advice(missing: Missing, recipe_text: str, recipe_path: str) -> str:
    """The guide's advice for an unbuildable dependency, naming the recipe line to change."""
    where = recipe_line(recipe_text, spec_name(missing.requirement)) if missing.needed_by == "the recipe" else None
    if where is not None:
        drop = f"drop line {where[0]} of {recipe_path} (`{where[1]}`) from the conda requirements"
    else:
        drop = (f"it is a requirement of {missing.needed_by}: drop {missing.needed_by.split()[0]} from the conda "
                f"requirements in {recipe_path}")
    return f"{drop}, and document `pip install {missing.name}` for conda users"


# --- build numbers ------------------------------------------------------------------------------------

_TOP_KEY = re.compile(r"^(?P<key>[A-Za-z_][\w-]*):")
_NUMBER = re.compile(r"^(?P<indent>\s+)number:(?P<space>\s*)(?P<value>[^#]*?)(?P<rest>\s*(#.*)?)$")


def _build_block(lines: list[str]) -> tuple[int, int]:
    """(index of the top-level ``build:`` line, index after its block)."""
    start = next((i for i, line in enumerate(lines) if _TOP_KEY.match(line) and line.split(":")[0] == "build"), None)
    if start is None:
        raise RecipeError("the recipe has no top-level `build:` section to hold `number:`",
                          "add `build:` with `number: 0` to the recipe")
    end = next((i for i in range(start + 1, len(lines)) if _TOP_KEY.match(lines[i])), len(lines))
    return start, end


def build_number(text: str) -> int:
    """The recipe's ``build.number`` literal (0 when the build section has none)."""
    lines = text.splitlines()
    start, end = _build_block(lines)
    for line in lines[start + 1:end]:
        m = _NUMBER.match(line)
        if m:
            if not m["value"].isdigit():
                raise RecipeError(f"the recipe's build number is `{m['value']}`, not a literal number",
                                  "write `number: N` in the recipe's build section")
            return int(m["value"])
    return 0


def set_build_number(text: str, number: int) -> str:
    """The recipe with ``build.number`` set to ``number``, changing only that literal (or adding
    one ``number:`` line right under ``build:`` when there is none)."""
    if number < 0:
        raise RecipeError(f"a build number is never negative (got {number})")
    lines = text.splitlines(keepends=True)
    start, end = _build_block([line.rstrip("\r\n") for line in lines])
    for i in range(start + 1, end):
        m = _NUMBER.match(lines[i].rstrip("\r\n"))
        if m:
            build_number(text)  # refuses a templated value
            ending = lines[i][len(lines[i].rstrip("\r\n")):]
            lines[i] = f"{m['indent']}number:{m['space'] or ' '}{number}{m['rest']}{ending}"
            return "".join(lines)
    body = [line for line in lines[start + 1:end] if line.strip() and not line.lstrip().startswith("#")]
    indent = re.match(r"^\s*", body[0]).group(0) if body else "  "  # type: ignore[union-attr]
    ending = "\r\n" if lines[start].endswith("\r\n") else "\n"
    lines.insert(start + 1, f"{indent}number: {number}{ending}")
    return "".join(lines)


def next_build_number(current: int, requested: str | int | None) -> int:
    """``--build-number``: ``N`` (a number), ``+1`` (or nothing: one more than the recipe's)."""
    if requested is None or str(requested).strip() in ("", "+1"):
        return current + 1
    text = str(requested).strip()
    if not text.isdigit():
        raise RecipeError(f"--build-number {text!r} is neither a number nor +1", "e.g. `--build-number 2`")
    return int(text)


def taken_builds(records: Iterable[tuple[str, str, int]], version: str, number: int) -> list[str]:
    """Filenames among one package's ``(filename, version, build_number)`` records that already use
    ``version`` with build ``number``."""
    return sorted(f for f, v, n in records if v == version and n == number)
