"""conda recipes as data: convert a rendered conda-build ``meta.yaml`` to a
rattler-build v1 recipe, generate a recipe for a project that has none, and
compare a recipe's run requirements with the project's ``install_requires``.

Pure: text and dicts in, text and dicts out. Rendering meta.yaml (jinja,
selectors, YAML) lives in :mod:`releasekit.core.metayaml`; its names are
re-exported here for the callers that know them from here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml
from packaging.licenses import InvalidLicenseExpression, canonicalize_license_expression
from packaging.markers import default_environment
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from releasekit.core.errors import RecipeError, RecipeUntranslatable
from releasekit.core.metayaml import (
    CONVERT_HINT,
    RenderedMeta,
    apply_selectors,
    default_selectors,
    render_meta_yaml,
    selector_lines,
)
from releasekit.core.versioning import same_version

__all__ = [
    "CONVERT_HINT", "apply_selectors", "default_selectors", "render_meta_yaml", "selector_lines",
    "conversion_hint", "meta_to_v1", "generate_recipe", "compare_requirements", "lint_recipe",
]

# pip name -> conda name, only where they differ on the main conda channels.
DEFAULT_NAME_MAP: dict[str, str] = {
    "torch": "pytorch",
    "opencv-python": "opencv",
    "opencv-python-headless": "opencv",
    "opencv-contrib-python": "opencv",
    "tensorflow-cpu": "tensorflow",
    "tensorflow-gpu": "tensorflow",
    "msgpack": "msgpack-python",
    "tables": "pytables",
    "graphviz": "python-graphviz",
    "typing-extensions": "typing_extensions",
    "pyqt5": "pyqt",
}

# License names setup.py files often carry, and their SPDX ids (rattler-build wants SPDX).
SPDX_ALIASES: dict[str, str] = {
    "apache software license 2.0": "Apache-2.0",
    "apache software license": "Apache-2.0",
    "apache license 2.0": "Apache-2.0",
    "apache license, version 2.0": "Apache-2.0",
    "apache 2.0": "Apache-2.0",
    "apache 2": "Apache-2.0",
    "apache-2": "Apache-2.0",
    "mit license": "MIT",
    "bsd": "BSD-3-Clause",
    "bsd license": "BSD-3-Clause",
    "new bsd": "BSD-3-Clause",
    "bsd 3-clause": "BSD-3-Clause",
    "bsd-3": "BSD-3-Clause",
    "simplified bsd": "BSD-2-Clause",
    "bsd 2-clause": "BSD-2-Clause",
    "bsd-2": "BSD-2-Clause",
    "mozilla public license 2.0": "MPL-2.0",
}

DEFAULT_BUILD_SCRIPT = "python -m pip install . --no-deps --no-build-isolation -vv"
DEFAULT_HOST = ["python", "pip", "setuptools", "wheel"]

# --- meta.yaml -> rattler-build v1 --------------------------------------------------------------

def spdx_license(name: str) -> str:
    """The SPDX id for a license name setup.py files commonly use; other names unchanged."""
    key = re.sub(r"\s+", " ", name.strip().lower())
    return SPDX_ALIASES.get(key, name.strip())


def spdx_expression(name: str) -> str | None:
    """``name`` as a canonical SPDX expression (rattler-build accepts nothing else), or None."""
    try:
        return str(canonicalize_license_expression(spdx_license(name)))
    except InvalidLicenseExpression:
        return None


_BARE_VERSION = re.compile(r"^(?P<name>[A-Za-z0-9_.\-]+)\s+(?P<version>[0-9][0-9A-Za-z_.+]*)(?P<rest>(\s+\S+)?)\s*$")


def v1_spec(entry: str) -> str:
    """A conda-build requirement as rattler-build reads it: conda reads a bare version
    (``fastprogress 0.2.1``, ``python {{ python_min }}``) as a prefix match; rattler wants it said
    (``0.2.1.*``)."""
    m = _BARE_VERSION.match(entry)
    if m is None or m["version"].endswith("*"):
        return entry
    return f"{m['name']} {m['version']}.*{m['rest']}"


CONDA_BUILD_MISSING = ("conda-build is not installed: install it (it is not on PyPI; conda or mamba installs it), "
                       "or set conda.builder: rattler-build")


def conversion_hint(builder: str | None, conda_build_installed: bool = True) -> str:
    """What to do about keys the converter cannot translate, for the builder that will build.

    Never tells a user to set what is already set: with conda-build as the builder the recipe
    builds as it is, and only releasekit's own checks need the translation.
    """
    if builder != "conda-build":
        return CONVERT_HINT + ", or change those keys"
    if not conda_build_installed:
        return CONDA_BUILD_MISSING
    return ("conda-build builds it as it is, but releasekit's recipe checks read a translation of it: "
            "simplify those keys to have the recipe checked before the tag")


_TOP_KEYS = {"package", "source", "build", "requirements", "test", "about", "extra"}
# Where the source came from does not matter: it is replaced by the release's sdist.
_SOURCE_ORIGIN = {"url", "fn", "path", "sha256", "md5", "sha1", "git_url", "git_rev", "git_tag", "git_depth",
                  "git_branch", "hg_url", "hg_tag", "svn_url", "svn_rev"}
_REQ_KEYS = {"build": "build", "host": "host", "run": "run", "run_constrained": "run_constraints"}
_TEST_KEYS = {"imports", "commands", "requires", "source_files", "files"}
_ABOUT_KEYS = {
    "home": "homepage",
    "license": "license",
    "license_family": "license_family",
    "license_file": "license_file",
    "summary": "summary",
    "description": "description",
    "doc_url": "documentation",
    "dev_url": "repository",
}
# about keys v1 has no field for: kept under `extra`, so nothing the recipe said is lost.
_ABOUT_TO_EXTRA = {"license_url", "doc_source_url", "identifiers", "tags", "keywords", "recipe-maintainers"}


class _Converter:
    """One pass over a rendered meta.yaml that collects every problem before raising."""

    def __init__(self, meta: Mapping[str, Any], rendered: RenderedMeta | None) -> None:
        self.meta = meta
        self.rendered = rendered
        self.problems: list[tuple[str, str, bool]] = []  # (key path, reason, untranslated?)

    def unsupported(self, path: str) -> None:
        self.problems.append((path, f"`{path}` is not translated by the meta.yaml converter", True))

    def malformed(self, path: str, reason: str) -> None:
        self.problems.append((path, reason, False))

    def section(self, key: str) -> dict[str, Any]:
        value = self.meta.get(key) or {}
        if not isinstance(value, dict):
            self.malformed(key, f"`{key}` in the recipe must be a mapping, not {type(value).__name__}")
            return {}
        return value

    def str_list(self, value: Any, path: str) -> list[str]:
        if value is None:
            return []
        if isinstance(value, str | int | float):
            return [str(value)]
        if not isinstance(value, list):
            self.malformed(path, f"`{path}` must be a list of strings")
            return []
        out = []
        for item in value:
            if item is None:
                continue
            if not isinstance(item, str | int | float):
                self.malformed(path, f"`{path}` has an entry that is not a string: {item!r}")
                continue
            out.append(str(item))
        return out

    def line(self, path: str) -> int | None:
        return self.rendered.line(path) if self.rendered is not None else None

    def error(self, hint: str | None) -> RecipeError | None:
        if not self.problems:
            return None
        keys = [(path, self.line(path)) for path, _, _ in self.problems]
        where = [f"line {line}: {reason}" if line else reason
                 for (path, reason, _), (_, line) in zip(self.problems, keys, strict=True)]
        if len(where) == 1:
            message = f"meta.yaml {where[0]}" if where[0].startswith("line ") else where[0]
        else:
            message = f"meta.yaml has {len(where)} things the converter cannot translate: " + "; ".join(where)
        untranslated = any(u for _, _, u in self.problems)
        return RecipeUntranslatable(message, keys, (hint or CONVERT_HINT) if untranslated else None)


def meta_to_v1(
    meta: Mapping[str, Any] | RenderedMeta,
    *,
    sdist_path: str,
    recipe_files: Iterable[str] = (),
    hint: str | None = None,
) -> dict[str, Any]:
    """Translate a rendered ``meta.yaml`` into a rattler-build v1 recipe dict.

    The source is always the sdist the caller gives (so what is packaged is exactly what went
    to PyPI); its patches stay. ``recipe_files`` lists the recipe folder's file names:
    conda-build runs ``run_test.py`` / ``run_test.sh`` from there on its own, so they become
    script tests. Every key that cannot be translated is reported at once, with its template
    line when ``meta`` is a :class:`RenderedMeta`, in one :class:`RecipeUntranslatable` whose
    hint is ``hint`` (see :func:`conversion_hint`).
    """
    rendered = meta if isinstance(meta, RenderedMeta) else None
    data: Mapping[str, Any] = meta.meta if isinstance(meta, RenderedMeta) else meta
    c = _Converter(data, rendered)
    for key in data:
        if key not in _TOP_KEYS:
            c.unsupported(str(key))
    recipe: dict[str, Any] = {}
    extra: dict[str, Any] = {}

    package = c.section("package")
    for key in package:
        if key not in ("name", "version"):
            c.unsupported(f"package.{key}")
    name, version = package.get("name"), package.get("version")
    if not name:
        c.malformed("package.name", "the recipe has no `package.name`")
    if version is None or version == "":
        c.malformed("package.version", "the recipe has no `package.version`")
    recipe["package"] = {"name": str(name or "").lower(), "version": str(version if version is not None else "")}

    recipe["source"] = _convert_source(c, sdist_path)
    recipe["build"] = _convert_build(c)
    requirements = _convert_requirements(c)
    if requirements:
        recipe["requirements"] = requirements
    tests = _convert_tests(c, list(recipe_files))
    if tests:
        recipe["tests"] = tests

    about: dict[str, Any] = {}
    for key, value in c.section("about").items():
        if value is None or value == "":
            continue
        if key in _ABOUT_TO_EXTRA:
            extra[key] = value
        elif key not in _ABOUT_KEYS:
            c.unsupported(f"about.{key}")
        elif key == "license_file":
            files = c.str_list(value, "about.license_file")
            about["license_file"] = files[0] if isinstance(value, str) else files
        elif key == "license":
            spdx = spdx_expression(str(value))
            if spdx is None:
                c.malformed("about.license", f"`about.license` {str(value)!r} is not an SPDX license expression "
                            "(rattler-build reads only SPDX: e.g. `MPL-2.0 OR MIT`)")
            else:
                about["license"] = spdx
        else:
            about[_ABOUT_KEYS[key]] = str(value)
    if about:
        recipe["about"] = about

    given_extra = data.get("extra")
    if given_extra not in (None, "", {}):
        if isinstance(given_extra, dict):
            extra = {**given_extra, **extra}
        else:
            c.malformed("extra", "`extra` in the recipe must be a mapping")
    if extra:
        recipe["extra"] = extra
    error = c.error(hint)
    if error is not None:
        raise error
    return recipe


def _convert_source(c: _Converter, sdist_path: str) -> dict[str, Any]:
    source_in = c.meta.get("source")
    if isinstance(source_in, list):
        if len(source_in) != 1:
            c.problems.append(("source", "the recipe has several sources; the converter builds from the one sdist", True))
            return {"path": sdist_path}
        source_in = source_in[0]
    if source_in is not None and not isinstance(source_in, dict):
        c.malformed("source", "`source` in the recipe must be a mapping")
        return {"path": sdist_path}
    source: dict[str, Any] = {"path": sdist_path}
    for key, value in (source_in or {}).items():
        if key in _SOURCE_ORIGIN:
            continue
        if key == "patches":
            source["patches"] = c.str_list(value, "source.patches")
        elif key == "folder":
            source["target_directory"] = str(value)
        else:
            c.unsupported(f"source.{key}")
    return source


def _convert_build(c: _Converter) -> dict[str, Any]:
    build: dict[str, Any] = {"number": 0}
    for key, value in c.section("build").items():
        path = f"build.{key}"
        if key == "number":
            try:
                build["number"] = int(value)
            except (TypeError, ValueError):
                c.malformed(path, f"`build.number` must be an integer, not {value!r}")
        elif key == "string":
            build["string"] = str(value)
        elif key in ("noarch", "noarch_python"):
            kind = {True: "generic" if key == "noarch" else "python", False: None}.get(value, value)
            if kind is None:
                continue
            if kind not in ("python", "generic"):
                c.malformed(path, f"`build.noarch` must be `python` or `generic`, not {value!r}")
            else:
                build["noarch"] = kind
        elif key == "script":
            build["script"] = value if isinstance(value, str) else c.str_list(value, path)
        elif key == "entry_points":
            entry_points = c.str_list(value, path)
            if entry_points:
                build.setdefault("python", {})["entry_points"] = entry_points
        elif key == "skip":
            # rendered for this platform already: true means conda-build would skip the build here
            if value not in (None, False, "", "false", "False", 0):
                build["skip"] = [True]
        elif key in ("run_exports", "ignore_run_exports", "ignore_run_exports_from"):
            continue  # requirements in v1: see _convert_requirements
        else:
            c.unsupported(path)
    return build


def _convert_requirements(c: _Converter) -> dict[str, Any]:
    reqs: dict[str, Any] = {}
    for key, value in c.section("requirements").items():
        if key not in _REQ_KEYS:
            c.unsupported(f"requirements.{key}")
            continue
        reqs[_REQ_KEYS[key]] = [v1_spec(r) for r in c.str_list(value, f"requirements.{key}")]
    if "host" not in reqs and reqs.get("build"):
        # conda-build without a host section builds in one env: the build deps are the host deps
        reqs["host"] = reqs.pop("build")
    build = c.section("build")
    if "run_exports" in build:
        exports = build["run_exports"]
        if isinstance(exports, dict):
            reqs["run_exports"] = {k: c.str_list(v, f"build.run_exports.{k}") for k, v in exports.items()}
        else:
            reqs["run_exports"] = c.str_list(exports, "build.run_exports")
    ignore: dict[str, list[str]] = {}
    if build.get("ignore_run_exports"):
        ignore["by_name"] = c.str_list(build["ignore_run_exports"], "build.ignore_run_exports")
    if build.get("ignore_run_exports_from"):
        ignore["from_package"] = c.str_list(build["ignore_run_exports_from"], "build.ignore_run_exports_from")
    if ignore:
        reqs["ignore_run_exports"] = ignore
    return {k: v for k, v in reqs.items() if v or k in ("host", "run")}


def _convert_tests(c: _Converter, recipe_files: list[str]) -> list[dict[str, Any]]:
    test = c.section("test")
    for key in test:
        if key not in _TEST_KEYS:
            c.unsupported(f"test.{key}")
    imports = c.str_list(test.get("imports"), "test.imports")
    commands = c.str_list(test.get("commands"), "test.commands")
    requires = [v1_spec(r) for r in c.str_list(test.get("requires"), "test.requires")]
    files: dict[str, list[str]] = {}
    if test.get("source_files"):
        files["source"] = c.str_list(test["source_files"], "test.source_files")
    if test.get("files"):
        files["recipe"] = c.str_list(test["files"], "test.files")
    for script, runner in (("run_test.py", "python run_test.py"), ("run_test.sh", "bash run_test.sh")):
        if script in recipe_files:
            commands.append(runner)
            files.setdefault("recipe", []).append(script)
    tests: list[dict[str, Any]] = []
    if requires and not commands and imports:
        # a python test cannot carry extra requirements; import from a script test instead
        commands = [f'python -c "import {mod}"' for mod in imports]
        imports = []
    if imports:
        tests.append({"python": {"imports": imports, "pip_check": False}})
    if commands:
        script_test: dict[str, Any] = {"script": commands}
        if requires:
            script_test["requirements"] = {"run": requires}
        if files:
            script_test["files"] = files
        tests.append(script_test)
    return tests


# --- pip -> conda requirements ------------------------------------------------------------------


def conda_name(pip_name: str, mapping: Mapping[str, str] | None = None) -> str:
    """The conda package name for a PyPI distribution name."""
    key = canonicalize_name(pip_name)
    names = {canonicalize_name(k): v for k, v in DEFAULT_NAME_MAP.items()}
    names.update({canonicalize_name(k): v for k, v in (mapping or {}).items()})
    return names.get(key, key)


def _parse_requirement(text: str) -> Requirement:
    try:
        return Requirement(text)
    except InvalidRequirement as exc:
        raise RecipeError(f"cannot parse requirement {text!r}: {exc}") from None


def _applies(req: Requirement, environment: Mapping[str, str] | None) -> bool:
    """False for requirements behind an extra, or whose marker is false here."""
    if req.marker is None:
        return True
    if "extra" in str(req.marker):
        return False
    env = {str(k): str(v) for k, v in default_environment().items()}
    env.update(environment or {})
    return req.marker.evaluate(env)


def to_conda_spec(
    requirement: str,
    mapping: Mapping[str, str] | None = None,
    *,
    environment: Mapping[str, str] | None = None,
) -> str | None:
    """``torch>=1.0`` -> ``pytorch >=1.0``; None for a requirement that does not apply."""
    req = _parse_requirement(requirement)
    if not _applies(req, environment):
        return None
    name = conda_name(req.name, mapping)
    spec = ",".join(sorted(str(s) for s in req.specifier))
    return f"{name} {spec}" if spec else name


# --- recipe generation --------------------------------------------------------------------------


def generate_recipe(
    name: str,
    version: str,
    requirements: list[str],
    *,
    summary: str,
    license: str,
    homepage: str,
    import_name: str,
    mapping: Mapping[str, str] | None,
    sdist_path: str,
    fmt: str = "v1",
    python_requires: str | None = None,
    entry_points: list[str] | None = None,
    host: list[str] | None = None,
) -> str:
    """A noarch-python recipe for a project that has none, as YAML text.

    ``fmt="v1"`` gives a rattler-build ``recipe.yaml``; ``fmt="meta.yaml"`` a
    conda-build ``meta.yaml``. Run requirements are the project's
    ``install_requires`` with pip names mapped to conda names.
    """
    if fmt not in ("v1", "meta.yaml"):
        raise RecipeError(f"unknown recipe format {fmt!r}", "use `v1` (rattler-build) or `meta.yaml` (conda-build)")
    python = f"python {python_requires}" if python_requires else "python"
    run = [python]
    for req in requirements:
        spec = to_conda_spec(req, mapping)
        if spec is not None:
            run.append(spec)
    host_reqs = list(host) if host is not None else list(DEFAULT_HOST)
    about = {"summary": summary, **({"license": spdx_license(license)} if license else {})}
    home = {"homepage": homepage} if homepage else {}  # rattler-build refuses an empty URL
    if fmt == "v1":
        build: dict[str, Any] = {"number": 0, "noarch": "python", "script": DEFAULT_BUILD_SCRIPT}
        if entry_points:
            build["python"] = {"entry_points": list(entry_points)}
        recipe: dict[str, Any] = {
            "package": {"name": name.lower(), "version": version},
            "source": {"path": sdist_path},
            "build": build,
            "requirements": {"host": host_reqs, "run": run},
            "tests": [{"python": {"imports": [import_name], "pip_check": False}}],
            "about": {**home, **about},
        }
    else:
        meta_build: dict[str, Any] = {
            "number": 0,
            "noarch": "python",
            "script": "{{ PYTHON }} -m pip install . --no-deps --no-build-isolation -vv",
        }
        if entry_points:
            meta_build["entry_points"] = list(entry_points)
        recipe = {
            "package": {"name": name.lower(), "version": version},
            "source": {"url": sdist_path},
            "build": meta_build,
            "requirements": {"host": host_reqs, "run": run},
            "test": {"imports": [import_name]},
            "about": {**({"home": homepage} if homepage else {}), **about},
        }
    return str(yaml.safe_dump(recipe, sort_keys=False, default_flow_style=False))


# --- drift between install_requires and the recipe -------------------------------------------------


@dataclass
class Drift:
    """How a recipe's run requirements differ from the project's install_requires."""

    missing: list[str] = field(default_factory=list)  # conda specs the recipe lacks
    extra: list[str] = field(default_factory=list)  # recipe run entries pip does not require
    different: list[tuple[str, str, str]] = field(default_factory=list)  # (name, from pip, in recipe)

    @property
    def ok(self) -> bool:
        return not (self.missing or self.extra or self.different)

    def lines(self) -> list[str]:
        out = [f"missing from the recipe: {m}" for m in self.missing]
        out += [f"in the recipe but not in install_requires: {e}" for e in self.extra]
        out += [f"{n}: install_requires says `{p}`, the recipe says `{c}`" for n, p, c in self.different]
        return out


_CONDA_SPEC = re.compile(r"^\s*(?P<name>[A-Za-z0-9_.\-]+)\s*(?P<rest>.*)$")
_CLAUSE = re.compile(r"^(?P<op>==|!=|>=|<=|~=|>|<|=)?(?P<ver>[^\s]+)$")


def _clauses_from_pip(spec: str) -> frozenset[tuple[str, object]] | None:
    if not spec:
        return frozenset()
    req = _parse_requirement(f"x{spec}")
    return _normalize_clauses((s.operator, s.version) for s in req.specifier)


def _clauses_from_conda(rest: str) -> frozenset[tuple[str, object]] | None:
    rest = re.sub(r"\s*,\s*", ",", rest.strip())
    if not rest:
        return frozenset()
    version = rest.split()[0]  # a build string may follow
    if "|" in version:
        return None
    pairs = []
    for clause in version.split(","):
        m = _CLAUSE.match(clause)
        if not m:
            return None
        op, ver = m["op"] or "==", m["ver"]
        if op == "=":  # conda's `=1.2` means 1.2.*
            op, ver = "==", ver if ver.endswith("*") else ver + ".*"
        pairs.append((op, ver))
    return _normalize_clauses(pairs)


def _normalize_clauses(pairs: Iterable[tuple[str, str]]) -> frozenset[tuple[str, object]] | None:
    out: set[tuple[str, object]] = set()
    for op, ver in pairs:
        if ver.endswith(".*"):
            out.add((op, ver))
            continue
        try:
            out.add((op, Version(ver)))
        except InvalidVersion:
            out.add((op, ver))
    return frozenset(out)


def _split_conda(entry: str) -> tuple[str, str]:
    m = _CONDA_SPEC.match(entry)
    if not m:
        raise RecipeError(f"cannot parse conda requirement {entry!r}")
    return m["name"], m["rest"].strip()


def compare_requirements(
    pip_requires: list[str],
    conda_run: list[str],
    mapping: Mapping[str, str] | None = None,
    *,
    environment: Mapping[str, str] | None = None,
) -> Drift:
    """Compare install_requires with a recipe's run requirements.

    pip names are mapped to conda names; names are compared normalized;
    requirements behind an extra (or a marker false here) are ignored;
    ``python`` on the conda side is ignored.
    """
    expected: dict[str, tuple[str, str]] = {}
    for text in pip_requires:
        req = _parse_requirement(text)
        if not _applies(req, environment):
            continue
        name = conda_name(req.name, mapping)
        expected[canonicalize_name(name)] = (name, str(req.specifier))
    actual: dict[str, tuple[str, str, str]] = {}
    for entry in conda_run:
        name, rest = _split_conda(entry)
        if canonicalize_name(name) == "python":
            continue
        actual[canonicalize_name(name)] = (name, rest, entry.strip())
    drift = Drift()
    for key, (name, pip_spec) in expected.items():
        if key not in actual:
            drift.missing.append(f"{name} {pip_spec}".strip())
            continue
        _, rest, entry = actual[key]
        want, have = _clauses_from_pip(pip_spec), _clauses_from_conda(rest)
        same = want == have if want is not None and have is not None else pip_spec.replace(" ", "") == rest.replace(" ", "")
        if not same:
            drift.different.append((name, pip_spec or "(any version)", entry))
    for key, (_, _, entry) in actual.items():
        if key not in expected:
            drift.extra.append(entry)
    return drift


# --- lint -------------------------------------------------------------------------------------------

_V1_TEMPLATE = re.compile(r"\$\{\{\s*(\w+)\s*\}\}")


def _resolve_v1(value: Any, context: Mapping[str, Any]) -> str:
    text = "" if value is None else str(value)
    return _V1_TEMPLATE.sub(lambda m: str(context.get(m[1], m[0])), text)


def _has_conditionals(value: Any) -> bool:
    if isinstance(value, dict):
        return "if" in value or any(_has_conditionals(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_conditionals(v) for v in value)
    return False




def _mapping(recipe: Mapping[str, Any], key: str) -> dict[str, Any]:
    value = recipe.get(key)
    return value if isinstance(value, dict) else {}


def lint_recipe(recipe: Mapping[str, Any], version: str, *, template_text: str | None = None) -> list[str]:
    """Problems that would make a conda release wrong; empty when the recipe is fine.

    Accepts a rendered ``meta.yaml`` dict or a v1 recipe dict. ``template_text``
    (the meta.yaml source) lets selectors be checked, which rendering removes.
    """
    problems: list[str] = []
    is_v1 = "tests" in recipe or "context" in recipe or "schema_version" in recipe
    context = recipe.get("context") or {}
    package = _mapping(recipe, "package")
    for key in ("name", "version"):
        if not package.get(key):
            problems.append(f"the recipe has no `package.{key}`")
    if package.get("version") is not None:
        raw = package["version"]
        if isinstance(raw, float):
            problems.append(f"`package.version` is the number {raw!r}; quote it so YAML keeps it a string")
        recipe_version = _resolve_v1(raw, context) if is_v1 else str(raw)
        if recipe_version and not same_version(recipe_version, version):
            problems.append(f"the recipe's version {recipe_version} is not the release version {version}")
    if not recipe.get("source"):
        problems.append("the recipe has no `source` (build from the release's sdist)")
    if not (recipe.get("tests") or recipe.get("test")):
        problems.append("the recipe has no tests (add at least an import test)")
    about = _mapping(recipe, "about")
    for key in ("license", "summary"):
        if not about.get(key):
            problems.append(f"the recipe has no `about.{key}`")
    build = _mapping(recipe, "build")
    reqs = _mapping(recipe, "requirements")
    if build.get("noarch") == "python":
        run_names = {_split_conda(str(r))[0].lower() for r in reqs.get("run") or [] if isinstance(r, str)}
        if "python" not in run_names:
            problems.append("a noarch: python recipe must list `python` in requirements.run")
        if is_v1 and _has_conditionals(reqs):
            problems.append(
                "a noarch: python recipe is built once for every platform, but its requirements use `if:` "
                "conditionals that are decided on the build machine only"
            )
        if template_text:
            for no, expr in selector_lines(template_text):
                problems.append(
                    f"a noarch: python recipe is built once for every platform, but line {no} has the "
                    f"selector [{expr}], which is decided on the build machine only"
                )
    return problems
