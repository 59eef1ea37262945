"""conda recipes as data: render a conda-build ``meta.yaml``, convert it to a
rattler-build v1 recipe, generate a recipe for a project that has none, and
compare a recipe's run requirements with the project's ``install_requires``.

Pure: text and dicts in, text and dicts out. conda-build itself cannot run
everywhere, so ``meta.yaml`` is rendered here with jinja2 and a context that
imitates conda-build's (``load_setup_py_data``, ``environ``, ``os``), then its
``# [selector]`` lines are evaluated, then it is parsed as YAML -- the order
conda-build uses.
"""

from __future__ import annotations

import ast
import operator
import posixpath
import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import jinja2
import jinja2.sandbox
import yaml
from packaging.markers import default_environment
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from releasekit.core import fileio
from releasekit.core.errors import RecipeError

CONVERT_HINT = "set `releasekit.conda.builder: conda-build` to build this recipe with conda-build itself"

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

# --- rendering meta.yaml ---------------------------------------------------------------------

_SELECTOR_LINE = re.compile(r"^(?P<body>.*?)\s*#\s*\[(?P<expr>[^\[\]]+)\]\s*$")


def default_selectors(platform: str = "linux-64", python: str | None = None) -> dict[str, Any]:
    """The selector names conda-build defines for ``platform`` and a Python ``X.Y``."""
    if python is None:
        python = f"{sys.version_info[0]}.{sys.version_info[1]}"
    major, minor = (int(p) for p in python.split(".")[:2])
    os_name, _, arch = platform.partition("-")
    return {
        "linux": os_name == "linux",
        "osx": os_name == "osx",
        "win": os_name == "win",
        "unix": os_name in ("linux", "osx"),
        "x86": arch in ("32", "64"),
        "x86_64": arch == "64",
        "aarch64": arch == "aarch64",
        "arm64": arch == "arm64",
        "ppc64le": arch == "ppc64le",
        "linux64": platform == "linux-64",
        "win64": platform == "win-64",
        "win32": platform == "win-32",
        "py": int(f"{major}{minor}"),
        "py3k": major == 3,
        "py2k": major == 2,
        "py27": (major, minor) == (2, 7),
        "np": 0,
        "target_platform": platform,
        "build_platform": platform,
    }


_COMPARE = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.In: lambda a, b: a in b,
    ast.NotIn: lambda a, b: a not in b,
}


def _eval_selector(expr: str, names: Mapping[str, Any], line_no: int) -> bool:
    """Evaluate a selector like ``py<38 and not win`` without ``eval``."""
    try:
        tree = ast.parse(expr.strip(), mode="eval")
    except SyntaxError:
        raise RecipeError(f"meta.yaml line {line_no}: selector [{expr}] is not a valid expression") from None

    def ev(node: ast.AST) -> Any:
        if isinstance(node, ast.Expression):
            return ev(node.body)
        if isinstance(node, ast.BoolOp):
            values = [ev(v) for v in node.values]
            return all(values) if isinstance(node.op, ast.And) else any(values)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            return not ev(node.operand)
        if isinstance(node, ast.Name):
            if node.id not in names:
                raise RecipeError(
                    f"meta.yaml line {line_no}: selector [{expr}] uses unknown name `{node.id}`",
                    f"known selector names: {', '.join(sorted(names))}",
                )
            return names[node.id]
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Compare):
            left = ev(node.left)
            for op, comp in zip(node.ops, node.comparators, strict=True):
                right = ev(comp)
                compare = _COMPARE.get(type(op))
                if compare is None:
                    raise RecipeError(f"meta.yaml line {line_no}: selector [{expr}] uses an unsupported comparison")
                try:
                    if not compare(left, right):
                        return False
                except TypeError:
                    raise RecipeError(f"meta.yaml line {line_no}: selector [{expr}] compares values of different kinds") from None
                left = right
            return True
        raise RecipeError(f"meta.yaml line {line_no}: selector [{expr}] uses an unsupported construct")

    return bool(ev(tree))


def apply_selectors(text: str, selectors: Mapping[str, Any]) -> str:
    """Drop every line whose ``# [selector]`` is false, as conda-build does."""
    out = []
    for no, line in enumerate(text.splitlines(keepends=True), start=1):
        m = _SELECTOR_LINE.match(line.rstrip("\r\n"))
        if m and not _eval_selector(m["expr"], selectors, no):
            continue
        out.append(line)
    return "".join(out)


def selector_lines(text: str) -> list[tuple[int, str]]:
    """(line number, selector) for every selector comment in a meta.yaml template."""
    found = []
    for no, line in enumerate(text.splitlines(), start=1):
        m = _SELECTOR_LINE.match(line)
        if m and m["body"].strip():
            found.append((no, m["expr"].strip()))
    return found


def render_meta_yaml(
    template_text: str,
    *,
    setup_data: Mapping[str, Any],
    environ: Mapping[str, str],
    recipe_dir: str,
    selectors: Mapping[str, Any] | None = None,
) -> dict:
    """Render a conda-build ``meta.yaml`` template into a dict.

    ``setup_data`` is what ``load_setup_py_data()`` / ``load_file_data()``
    return (the caller reads it from setup.py or the sdist); names conda-build
    provides that are not imitated here (``compiler``, ``pin_compatible``, ...)
    raise :class:`RecipeError`.
    """
    data = dict(setup_data)

    def load_setup_py_data(setup_file: str = "setup.py", from_recipe_dir: bool = False, **_: Any) -> dict:
        return dict(data)

    def load_file_data(filename: str = "", *args: Any, **_: Any) -> dict:
        return dict(data)

    env = jinja2.sandbox.SandboxedEnvironment(undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    context = {
        "load_setup_py_data": load_setup_py_data,
        "load_file_data": load_file_data,
        "environ": dict(environ),
        "os": SimpleNamespace(environ=dict(environ), path=posixpath, sep="/", linesep="\n"),
        "PYTHON": "$PYTHON",
        "RECIPE_DIR": recipe_dir,
        "SRC_DIR": "$SRC_DIR",
    }
    try:
        rendered = env.from_string(template_text).render(context)
    except jinja2.UndefinedError as exc:
        raise RecipeError(f"meta.yaml uses something the renderer does not provide: {exc.message}", CONVERT_HINT) from None
    except jinja2.TemplateSyntaxError as exc:
        raise RecipeError(f"meta.yaml line {exc.lineno}: jinja syntax error: {exc.message}") from None
    except jinja2.TemplateError as exc:
        raise RecipeError(f"meta.yaml could not be rendered: {exc}") from None
    rendered = apply_selectors(rendered, selectors if selectors is not None else default_selectors())
    try:
        meta = yaml.safe_load(rendered)
    except yaml.YAMLError as exc:
        raise RecipeError(f"rendered meta.yaml is not valid YAML: {fileio.yaml_problem(exc)}") from None
    if not isinstance(meta, dict):
        raise RecipeError("meta.yaml does not render to a mapping (expected `package:`, `source:`, ... keys)")
    return meta


# --- meta.yaml -> rattler-build v1 --------------------------------------------------------------

_TOP_KEYS = {"package", "source", "build", "requirements", "test", "about", "extra"}
_SOURCE_KEYS = {"url", "fn", "path", "sha256", "md5", "sha1", "git_url", "git_rev", "git_tag", "git_depth"}
_BUILD_KEYS = {"number", "noarch", "script", "entry_points"}
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


def spdx_license(name: str) -> str:
    """The SPDX id for a license name setup.py files commonly use; other names unchanged."""
    key = re.sub(r"\s+", " ", name.strip().lower())
    return SPDX_ALIASES.get(key, name.strip())


def _section(meta: Mapping[str, Any], key: str) -> dict:
    value = meta.get(key) or {}
    if not isinstance(value, dict):
        raise RecipeError(f"`{key}` in the recipe must be a mapping, not {type(value).__name__}")
    return value


def _unsupported(path: str) -> RecipeError:
    return RecipeError(f"the recipe uses `{path}`, which the meta.yaml converter does not translate", CONVERT_HINT)


def _str_list(value: Any, path: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list):
        raise RecipeError(f"`{path}` must be a list of strings")
    out = []
    for item in value:
        if item is None:
            continue
        if not isinstance(item, str | int | float):
            raise RecipeError(f"`{path}` has an entry that is not a string: {item!r}")
        out.append(str(item))
    return out


def meta_to_v1(meta: Mapping[str, Any], *, sdist_path: str, recipe_files: Iterable[str] = ()) -> dict:
    """Translate a rendered ``meta.yaml`` into a rattler-build v1 recipe dict.

    The source is always the sdist the caller gives (so what is packaged is
    exactly what went to PyPI). ``recipe_files`` lists the recipe folder's file
    names: conda-build runs ``run_test.py`` / ``run_test.sh`` from there on its
    own, so they become script tests. Keys outside the common subset raise
    :class:`RecipeError` naming the key.
    """
    for key in meta:
        if key not in _TOP_KEYS:
            raise _unsupported(key)
    package = _section(meta, "package")
    for key in package:
        if key not in ("name", "version"):
            raise _unsupported(f"package.{key}")
    name, version = package.get("name"), package.get("version")
    if not name:
        raise RecipeError("the recipe has no `package.name`")
    if version is None or version == "":
        raise RecipeError("the recipe has no `package.version`")
    recipe: dict[str, Any] = {"package": {"name": str(name).lower(), "version": str(version)}}

    source = meta.get("source")
    if isinstance(source, list):
        raise RecipeError("the recipe has several sources; the converter builds from the one sdist", CONVERT_HINT)
    for key in _section(meta, "source"):
        if key not in _SOURCE_KEYS:
            raise _unsupported(f"source.{key}")
    recipe["source"] = {"path": sdist_path}

    build_in = _section(meta, "build")
    build: dict[str, Any] = {"number": 0}
    for key, value in build_in.items():
        if key not in _BUILD_KEYS:
            raise _unsupported(f"build.{key}")
        if key == "number":
            try:
                build["number"] = int(value)
            except (TypeError, ValueError):
                raise RecipeError(f"`build.number` must be an integer, not {value!r}") from None
        elif key == "noarch":
            if value not in ("python", "generic"):
                raise RecipeError(f"`build.noarch` must be `python` or `generic`, not {value!r}")
            build["noarch"] = value
        elif key == "script":
            build["script"] = value if isinstance(value, str) else _str_list(value, "build.script")
        elif key == "entry_points":
            build.setdefault("python", {})["entry_points"] = _str_list(value, "build.entry_points")
    recipe["build"] = build

    reqs_in = _section(meta, "requirements")
    reqs: dict[str, list[str]] = {}
    for key, value in reqs_in.items():
        if key not in _REQ_KEYS:
            raise _unsupported(f"requirements.{key}")
        reqs[_REQ_KEYS[key]] = _str_list(value, f"requirements.{key}")
    if "host" not in reqs and reqs.get("build"):
        # conda-build without a host section builds in one env: the build deps are the host deps
        reqs["host"] = reqs.pop("build")
    if reqs:
        recipe["requirements"] = reqs

    tests = _convert_tests(_section(meta, "test"), list(recipe_files))
    if tests:
        recipe["tests"] = tests

    about_in = _section(meta, "about")
    about = {}
    for key, value in about_in.items():
        if key not in _ABOUT_KEYS:
            raise _unsupported(f"about.{key}")
        if value is not None and value != "":
            if key == "license":
                value = spdx_license(str(value))
            about[_ABOUT_KEYS[key]] = value if key == "license_file" else str(value)
    if about:
        recipe["about"] = about
    if meta.get("extra"):
        recipe["extra"] = meta["extra"]
    return recipe


def _convert_tests(test: Mapping[str, Any], recipe_files: list[str]) -> list[dict]:
    for key in test:
        if key not in _TEST_KEYS:
            raise _unsupported(f"test.{key}")
    imports = _str_list(test.get("imports"), "test.imports")
    commands = _str_list(test.get("commands"), "test.commands")
    requires = _str_list(test.get("requires"), "test.requires")
    files: dict[str, list[str]] = {}
    if test.get("source_files"):
        files["source"] = _str_list(test["source_files"], "test.source_files")
    if test.get("files"):
        files["recipe"] = _str_list(test["files"], "test.files")
    for script, runner in (("run_test.py", "python run_test.py"), ("run_test.sh", "bash run_test.sh")):
        if script in recipe_files:
            commands.append(runner)
            files.setdefault("recipe", []).append(script)
    tests: list[dict] = []
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
    return yaml.safe_dump(recipe, sort_keys=False, default_flow_style=False)


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


def _clauses_from_pip(spec: str) -> frozenset | None:
    if not spec:
        return frozenset()
    req = _parse_requirement(f"x{spec}")
    return _normalize_clauses((s.operator, s.version) for s in req.specifier)


def _clauses_from_conda(rest: str) -> frozenset | None:
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


def _normalize_clauses(pairs: Iterable[tuple[str, str]]) -> frozenset | None:
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


def _versions_equal(a: str, b: str) -> bool:
    try:
        return Version(a) == Version(b)
    except InvalidVersion:
        return a == b


def _mapping(recipe: Mapping[str, Any], key: str) -> dict:
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
        if recipe_version and not _versions_equal(recipe_version, version):
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
