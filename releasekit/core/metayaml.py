"""Rendering a conda-build ``meta.yaml`` without conda-build: jinja2 with a
context that imitates conda-build's, then its ``# [selector]`` lines, then
YAML -- conda-build's own order.

Every rendered key keeps the line of the template it came from, so a
converter can name the line of each key it cannot translate.

Pure: text in, data out. Files the template loads (``load_file_data``,
``load_file_regex``) come through a ``read_file`` callback the caller gives.
"""

from __future__ import annotations

import ast
import difflib
import json
import operator
import posixpath
import re
import sys
import tomllib
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import jinja2
import jinja2.sandbox
import yaml

from releasekit.core import fileio
from releasekit.core.errors import RecipeError

CONVERT_HINT = "set `releasekit.conda.builder: conda-build` to build this recipe with conda-build itself"

# The subdirs conda knows (conda.base.constants.KNOWN_SUBDIRS, plus the newer ones); conda-build
# makes one selector per OS and per architecture out of them (conda_build.metadata.get_selectors).
KNOWN_SUBDIRS = (
    "linux-32", "linux-64", "linux-aarch64", "linux-armv6l", "linux-armv7l", "linux-ppc64",
    "linux-ppc64le", "linux-riscv64", "linux-s390x", "osx-64", "osx-arm64", "win-32", "win-64",
    "win-arm64", "zos-z", "emscripten-wasm32", "wasi-wasm32", "freebsd-64",
)
_ARCH_NAMES = {"32": "x86", "64": "x86_64"}  # conda-build's ARCH_MAP

# Variant keys conda-forge's global pinning defines and its feedstocks' selectors use; a recipe
# written for conda-forge renders with these unless the caller's variant says otherwise.
CONDA_FORGE_VARIANT: dict[str, str] = {"python_impl": "cpython", "python_min": "3.10"}

# conda-build's default numpy per Python (conda_build.variants.DEFAULT_VARIANTS).
_DEFAULT_NUMPY = {(3, 8): "1.22", (3, 9): "1.22", (3, 10): "1.22", (3, 11): "1.23", (3, 12): "1.26"}


def default_selectors(
    platform: str = "linux-64",
    python: str | None = None,
    *,
    numpy: str | None = None,
    variant: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The names conda-build defines for selectors and jinja on ``platform`` with Python ``X.Y``.

    As conda-build does: one name per OS and per architecture conda knows, ``py`` as an int
    (``py>=37``), ``py3k``/``py2k``, ``py26`` .. ``py36`` (conda-build stops there), ``np``,
    ``build_platform``/``target_platform``, then environment variables, then variant keys
    (conda-forge's ``python_impl``, ``python_min`` by default) that are not names already.
    """
    if python is None:
        python = f"{sys.version_info[0]}.{sys.version_info[1]}"
    major, minor = (int(p) for p in python.split(".")[:2])
    py = int(f"{major}{minor}")
    names: dict[str, Any] = {
        "linux32": platform == "linux-32",
        "linux64": platform == "linux-64",
        "arm": platform.startswith("linux-arm"),
        "unix": platform.startswith(("linux-", "osx-", "emscripten-")),
        "win32": platform == "win-32",
        "win64": platform == "win-64",
        "nomkl": False,
    }
    subdirs = [*KNOWN_SUBDIRS, platform]
    for os_name in {s.split("-")[0] for s in subdirs if "-" in s}:
        names[os_name] = platform.startswith(f"{os_name}-")
    for arch in {s.split("-", 1)[1] for s in subdirs if "-" in s}:
        names[_ARCH_NAMES.get(arch, arch)] = platform.endswith(f"-{arch}")
    names["x86"] = platform.endswith(("-32", "-64"))
    if numpy is None:
        numpy = _DEFAULT_NUMPY.get((major, minor), "1.26")
    names.update(
        build_platform=platform,
        target_platform=platform,
        py=py,
        py3k=major == 3,
        py2k=major == 2,
        **{f"py{v}": py == v for v in (26, 27, 33, 34, 35, 36)},
        np=int("".join(numpy.split(".")[:2])),
        pl="5.26.2",
        lua="5",
        luajit=False,
    )
    names.update(environ or {})
    for key, value in {**CONDA_FORGE_VARIANT, "python": python, "numpy": numpy, **(variant or {})}.items():
        names.setdefault(key, _variant_value(value))
    return names


def _variant_value(value: Any) -> Any:
    """conda-build's conversion of variant values: ints where they parse, ``true``/``false`` as bools."""
    try:
        return int(value)
    except (TypeError, ValueError):
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        return value


# --- selectors ------------------------------------------------------------------------------------

_SELECTOR_LINE = re.compile(r"^(?P<body>.*?)\s*#\s*\[(?P<expr>[^\[\]]+)\]\s*$")

_COMPARE: dict[type, Callable[[Any, Any], bool]] = {
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
    where = f"meta.yaml line {line_no}: selector [{expr}]"
    try:
        tree = ast.parse(expr.strip(), mode="eval")
    except SyntaxError:
        raise RecipeError(f"{where} is not a valid expression") from None

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
                raise RecipeError(f"{where} uses unknown name `{node.id}`",
                                  "conda-build's selector names are the platform's OS and architecture "
                                  "(linux, win, osx, unix, x86_64, arm64, ...), py, py3k, py36, np and variant keys")
            return names[node.id]
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Compare):
            left = ev(node.left)
            for op, comp in zip(node.ops, node.comparators, strict=True):
                right = ev(comp)
                compare = _COMPARE.get(type(op))
                if compare is None:
                    raise RecipeError(f"{where} uses an unsupported comparison")
                try:
                    if not compare(left, right):
                        return False
                except TypeError:
                    raise RecipeError(f"{where} compares values of different kinds") from None
                left = right
            return True
        raise RecipeError(f"{where} uses an unsupported construct")

    return bool(ev(tree))


def _select(text: str, selectors: Mapping[str, Any], line_of: Callable[[int], int]) -> tuple[str, list[int]]:
    """The lines whose selector holds, and for each kept line the (1-based) line it was."""
    out, kept = [], []
    for no, line in enumerate(text.splitlines(keepends=True), start=1):
        m = _SELECTOR_LINE.match(line.rstrip("\r\n"))
        if m and not _eval_selector(m["expr"], selectors, line_of(no)):
            continue
        out.append(line)
        kept.append(no)
    return "".join(out), kept


def apply_selectors(text: str, selectors: Mapping[str, Any]) -> str:
    """Drop every line whose ``# [selector]`` is false, as conda-build does."""
    return _select(text, selectors, lambda no: no)[0]


def selector_lines(text: str) -> list[tuple[int, str]]:
    """(line number, selector) for every selector comment in a meta.yaml template."""
    found = []
    for no, line in enumerate(text.splitlines(), start=1):
        m = _SELECTOR_LINE.match(line)
        if m and m["body"].strip():
            found.append((no, m["expr"].strip()))
    return found


# --- conda-build's jinja functions -------------------------------------------------------------------


def _v1_call(name: str, args: list[str], kwargs: Mapping[str, Any]) -> str:
    parts = [repr(a) for a in args] + [f"{k}={v!r}" for k, v in kwargs.items()]
    return f"${{{{ {name}({', '.join(parts)}) }}}}"


def _pin(kind: str) -> Callable[..., str]:
    """``pin_compatible`` / ``pin_subpackage`` as rattler-build v1 jinja: conda-build's
    ``min_pin``/``max_pin`` patterns and ``lower_bound``/``upper_bound`` versions both become
    v1's ``lower_bound``/``upper_bound``; ``exact`` stays."""

    def pin(package: str, min_pin: str | None = None, max_pin: str | None = None, exact: bool = False,
            lower_bound: str | None = None, upper_bound: str | None = None, **_: Any) -> str:
        kwargs: dict[str, Any] = {}
        if exact:
            kwargs["exact"] = True
        else:
            low, high = lower_bound or min_pin, upper_bound or max_pin
            if low is not None:
                kwargs["lower_bound"] = str(low)
            if high is not None:
                kwargs["upper_bound"] = str(high)
        return _v1_call(kind, [package], kwargs)

    return pin


def _passthrough(name: str) -> Callable[..., str]:
    """``compiler('c')``, ``stdlib('c')``, ``cdt('x')``: the same call in v1 jinja."""
    return lambda *args, **kwargs: _v1_call(name, list(args), kwargs)


_ReadFile = Callable[[str, bool], str]


def _file_loaders(read_file: _ReadFile | None) -> dict[str, Callable[..., Any]]:
    def read(path: str, from_recipe_dir: bool) -> str:
        if read_file is None:
            raise RecipeError(f"meta.yaml loads {path}, but no source was given to read it from")
        return read_file(path, from_recipe_dir)

    def load_file_data(filename: str, fmt: str | None = None, *_: Any, from_recipe_dir: bool = False,
                       **__: Any) -> Any:
        text = read(filename, from_recipe_dir)
        kind = (fmt or posixpath.splitext(filename)[1].lstrip(".")).lower()
        try:
            if kind == "toml":
                return tomllib.loads(text)
            if kind == "json":
                return json.loads(text)
            if kind in ("yaml", "yml"):
                return yaml.safe_load(text)
        except (ValueError, yaml.YAMLError) as exc:
            raise RecipeError(f"meta.yaml loads {filename}, which is not valid {kind}: {exc}") from None
        raise RecipeError(f"meta.yaml loads {filename}: load_file_data reads toml, json or yaml, not {kind!r}")

    def load_file_regex(load_file: str, regex_pattern: str, from_recipe_dir: bool = False, **_: Any) -> Any:
        return re.search(regex_pattern, read(load_file, from_recipe_dir))

    return {"load_file_data": load_file_data, "load_file_regex": load_file_regex,
            "load_str_data": lambda text, fmt="yaml", **_: _load_str_data(text, fmt)}


def _load_str_data(text: str, fmt: str) -> Any:
    if fmt == "toml":
        return tomllib.loads(text)
    if fmt == "json":
        return json.loads(text)
    return yaml.safe_load(text)


# --- rendering ---------------------------------------------------------------------------------------


@dataclass
class RenderedMeta:
    """A rendered meta.yaml and, for each key path (``about.license_url``), its template line."""

    meta: dict[str, Any]
    lines: dict[str, int] = field(default_factory=dict)

    def line(self, path: str) -> int | None:
        """The template line of ``path``, or of its nearest enclosing key."""
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path.rpartition(".")[0]
        return None


def render(
    template_text: str,
    *,
    setup_data: Mapping[str, Any],
    environ: Mapping[str, str],
    recipe_dir: str,
    selectors: Mapping[str, Any] | None = None,
    read_file: _ReadFile | None = None,
) -> RenderedMeta:
    """Render a conda-build ``meta.yaml`` template, keeping each key's template line.

    ``setup_data`` is what ``load_setup_py_data()`` returns; ``read_file(path, from_recipe_dir)``
    gives the text of a file ``load_file_data`` / ``load_file_regex`` names. conda-build names
    whose value is decided at build time (``pin_compatible``, ``pin_subpackage``, ``compiler``,
    ``stdlib``, ``cdt``) become the same calls in rattler-build's v1 jinja.
    """
    names = dict(selectors if selectors is not None else default_selectors(environ=environ))
    package: dict[str, Any] = {"PKG_NAME": "", "PKG_VERSION": "", "PKG_BUILDNUM": "0"}
    if "PKG_" in template_text:  # conda-build's second pass: the package's own name, version, build number
        first = _render(template_text, names, setup_data, environ, recipe_dir, read_file, package)
        pkg, build = first.meta.get("package") or {}, first.meta.get("build") or {}
        if isinstance(pkg, dict) and isinstance(build, dict):
            package = {"PKG_NAME": str(pkg.get("name", "")), "PKG_VERSION": str(pkg.get("version", "")),
                       "PKG_BUILDNUM": str(build.get("number", 0))}
    return _render(template_text, names, setup_data, environ, recipe_dir, read_file, package)


def _render(
    template_text: str,
    names: Mapping[str, Any],
    setup_data: Mapping[str, Any],
    environ: Mapping[str, str],
    recipe_dir: str,
    read_file: _ReadFile | None,
    package: Mapping[str, Any],
) -> RenderedMeta:
    data = dict(setup_data)
    env = jinja2.sandbox.SandboxedEnvironment(undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    context: dict[str, Any] = {k: v for k, v in names.items() if k.isidentifier()}
    context.update(
        load_setup_py_data=lambda *a, **k: dict(data),
        load_setuptools=lambda *a, **k: dict(data),
        **_file_loaders(read_file),
        pin_compatible=_pin("pin_compatible"),
        pin_subpackage=_pin("pin_subpackage"),
        compiler=_passthrough("compiler"),
        stdlib=_passthrough("stdlib"),
        cdt=_passthrough("cdt"),
        environ=dict(environ),
        os=SimpleNamespace(environ=dict(environ), path=posixpath, sep="/", linesep="\n", getenv=environ.get),
        PYTHON="${{ PYTHON }}",
        RECIPE_DIR=recipe_dir,
        SRC_DIR="$SRC_DIR",
        PREFIX="$PREFIX",
        SP_DIR="$SP_DIR",
        PKG_HASH="${{ hash }}",
        **package,
    )
    try:
        with warnings.catch_warnings():  # fastai's own `replace("#", '\#')` is a deprecated escape
            warnings.simplefilter("ignore", DeprecationWarning)
            rendered = env.from_string(template_text).render(context)
    except jinja2.UndefinedError as exc:
        raise RecipeError(f"meta.yaml uses something the renderer does not provide: {exc.message}", CONVERT_HINT) from None
    except jinja2.TemplateSyntaxError as exc:
        raise RecipeError(f"meta.yaml line {exc.lineno}: jinja syntax error: {exc.message}") from None
    except jinja2.TemplateError as exc:
        raise RecipeError(f"meta.yaml could not be rendered: {exc}") from None
    template_line = _line_map(template_text, rendered)
    selected, kept = _select(rendered, names, template_line)
    try:
        root = yaml.compose(selected, Loader=yaml.SafeLoader)
        meta = yaml.safe_load(selected)
    except yaml.YAMLError as exc:
        raise RecipeError(f"rendered meta.yaml is not valid YAML: {fileio.yaml_problem(exc)}") from None
    if not isinstance(meta, dict):
        raise RecipeError("meta.yaml does not render to a mapping (expected `package:`, `source:`, ... keys)")
    lines: dict[str, int] = {}
    _key_lines(root, "", lambda at: template_line(kept[min(at, len(kept) - 1)]), lines)
    return RenderedMeta(meta, lines)


def render_meta_yaml(
    template_text: str,
    *,
    setup_data: Mapping[str, Any],
    environ: Mapping[str, str],
    recipe_dir: str,
    selectors: Mapping[str, Any] | None = None,
    read_file: _ReadFile | None = None,
) -> dict[str, Any]:
    """:func:`render` without the line numbers."""
    return render(template_text, setup_data=setup_data, environ=environ, recipe_dir=recipe_dir,
                  selectors=selectors, read_file=read_file).meta


def _line_map(template: str, rendered: str) -> Callable[[int], int]:
    """rendered line number -> template line number. Lines jinja left alone match exactly; a line
    jinja changed maps to its place in the changed block (or the block's first line when the block
    grew, as a multi-line description does)."""
    a, b = template.splitlines(), rendered.splitlines()
    mapping: dict[int, int] = {}
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        for j in range(j1, j2):
            if tag == "equal" or (i2 - i1) == (j2 - j1):
                mapping[j + 1] = i1 + (j - j1) + 1
            else:
                mapping[j + 1] = min(i1 + (j - j1), max(i2 - 1, i1)) + 1
    return lambda no: mapping.get(no, no)


def _key_lines(node: yaml.Node, prefix: str, line_of: Callable[[int], int], out: dict[str, int]) -> None:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            name = f"{prefix}.{key.value}" if prefix else str(key.value)
            out.setdefault(name, line_of(key.start_mark.line))
            _key_lines(value, name, line_of, out)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            name = f"{prefix}[{index}]"
            out.setdefault(name, line_of(item.start_mark.line))
            _key_lines(item, name, line_of, out)
