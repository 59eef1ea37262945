"""`verify.deps`: the release's Python requirements (from whatever is built, or its metadata built on
the spot) against the conda recipe's run requirements, and against the conda-forge feedstock's
recipe (a local checkout, ``conda.feedstock_dir``), saying which of its lines to change in the bot's
version PR."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from packaging.utils import canonicalize_name

from releasekit.adapters import conda
from releasekit.core import condarecipe, fileio, ui
from releasekit.core.errors import PreconditionFailed, RecipeError
from releasekit.core.project import Project
from releasekit.operations.building import release_artifacts
from releasekit.operations.conda_packages import (
    conda_enabled,
    conda_recipe,
    has_recipe,
    release_metadata,
    requirement_drift,
)

_SET_NAME = re.compile(r"""\{%-?\s*set\s+name\s*=\s*["']([^"']+)["']""")
_ITEM = re.compile(r"^(?P<indent>\s*)-\s+(?P<spec>.+?)\s*$")


@dataclass(frozen=True)
class RecipeLine:
    number: int  # 1-based line in the recipe file
    text: str  # the spec as written (selectors and comments dropped)


def feedstock_recipe(feedstock_dir: Path) -> Path:
    """recipe/recipe.yaml (v1) or recipe/meta.yaml of a feedstock checkout."""
    for name in ("recipe.yaml", "meta.yaml"):
        path = Path(feedstock_dir) / "recipe" / name
        if path.is_file():
            return path
    raise PreconditionFailed(f"{feedstock_dir} holds no recipe/recipe.yaml or recipe/meta.yaml: is it a feedstock "
                             "checkout?", "set `conda.feedstock_dir` to a clone of the project's feedstock")


def feedstock_package_name(feedstock_dir: Path) -> str | None:
    try:
        text = fileio.read_text(feedstock_recipe(feedstock_dir))
    except PreconditionFailed:
        return None
    m = _SET_NAME.search(text) or re.search(r"^context:\s*\n(?:\s+.*\n)*?\s+name:\s*[\"']?([\w.\-]+)", text, re.M) \
        or re.search(r"^package:\s*\n(?:\s+.*\n)*?\s+name:\s*[\"']?([\w.\-]+)", text, re.M)
    return m[1].lower() if m else None


def run_lines(path: Path) -> list[RecipeLine]:
    """The run requirements of a recipe as written, with their lines: the ``run:`` list under
    ``requirements:`` (selectors, ``if:`` blocks' items and jinja are kept as text)."""
    lines = fileio.read_text(path).splitlines()
    out: list[RecipeLine] = []
    in_requirements, run_indent = False, None
    for number, raw in enumerate(lines, 1):
        stripped = raw.split("#", 1)[0].rstrip()
        if not stripped.strip():
            continue
        indent = len(raw) - len(raw.lstrip())
        if indent == 0:
            in_requirements, run_indent = stripped.startswith("requirements:"), None
            continue
        if in_requirements and stripped.strip() == "run:":
            run_indent = indent
            continue
        if run_indent is not None:
            if indent <= run_indent and not stripped.lstrip().startswith("-"):
                run_indent = None
                continue
            m = _ITEM.match(stripped)
            if m and not m["spec"].startswith(("if:", "then:", "else:")):
                spec = m["spec"].strip("\"'")
                out.append(RecipeLine(number, spec))
    return out


def _plain(spec: str) -> str:
    """A spec without jinja (``python >={{ python_min }}`` -> ``python``) for the comparison."""
    return re.sub(r"\s*[<>=!~]*\s*\$?\{\{[^}]*\}\}.*$", "", spec).strip()


def feedstock_changes(project: Project, version: str) -> list[str]:
    """Which lines of the feedstock's recipe to change so its run requirements match the release's."""
    path = feedstock_recipe(project.settings.path("conda.feedstock_dir"))
    meta = release_metadata(project, version)
    written = run_lines(path)
    drift = condarecipe.compare_requirements(list(meta.dependencies), [_plain(r.text) for r in written],
                                             project.settings["conda.name_map"])
    by_name = {canonicalize_name(re.split(r"[\s<>=!~]", _plain(r.text), maxsplit=1)[0]): r
               for r in written if _plain(r.text)}
    where = path.relative_to(path.parent.parent)
    last = max((r.number for r in written), default=0)
    changes = [f"{where}: add `- {m}` to requirements/run (after line {last})" for m in drift.missing]
    for extra in drift.extra:
        line = by_name.get(canonicalize_name(re.split(r"[\s<>=!~]", extra, maxsplit=1)[0]))
        changes.append(f"{where} line {line.number}: remove `- {line.text}` (the release does not require it)"
                       if line else f"{where}: remove `{extra}` from requirements/run")
    for name, pip_spec, _conda in drift.different:
        line = by_name.get(canonicalize_name(name))
        want = f"{name} {pip_spec}".strip()
        changes.append(f"{where} line {line.number}: `- {line.text}` -> `- {want}`" if line
                       else f"{where}: set `{want}` in requirements/run")
    return changes


def _setup_data(meta) -> dict:
    """What conda-build's load_setup_py_data would give a meta.yaml, from the release's metadata."""
    return {"name": meta.name, "version": meta.version, "description": meta.summary or "",
            "license": meta.license or "", "url": meta.url("homepage") or meta.url("repository") or "",
            "install_requires": list(meta.dependencies), "python_requires": meta.requires_python or "",
            "entry_points": {"console_scripts": meta.console_scripts}}


def check_deps(project: Project, version: str) -> None:
    """The whole of `verify.deps`: the project's recipe, then the feedstock's; non-zero on drift."""
    checked = False
    failures = []
    meta = release_metadata(project, version)
    ui.info(f"the release's requirements, from {meta.origin}: {', '.join(meta.dependencies) or 'none'}")
    if conda_enabled(project) and has_recipe(project):
        sdists = [p for p in release_artifacts(project, version) if p.name.endswith(".tar.gz")]
        if sdists:
            recipe = conda_recipe(project, version, sdists[0])
        else:  # nothing to unpack: the recipe's setup data comes from the metadata
            sdist = project.dist_dir / f"{project.package}-{version}.tar.gz"
            recipe = conda.load_recipe(project.settings.path("conda.recipe"), sdist=sdist,
                                       setup_data=_setup_data(meta))
        drift = requirement_drift(project, version, recipe)
        checked = True
        for line in drift.lines():
            ui.info(f"  - {line}")
        if not drift.ok:
            failures.append("the conda recipe's run requirements drifted from the pip requirements (listed above)")
    if project.settings["conda.feedstock_dir"]:
        changes = feedstock_changes(project, version)
        checked = True
        for line in changes:
            ui.info(f"  - {line}")
        if changes:
            failures.append(f"the feedstock's recipe needs {len(changes)} change(s) in the bot's version PR "
                            "(listed above)")
    if not checked:
        raise PreconditionFailed("no conda recipe and no `conda.feedstock_dir`: nothing to compare",
                                 "write a recipe (`releasekit dist.conda-recipe`) or set `conda.feedstock_dir`")
    if failures:
        raise RecipeError("; ".join(failures), "update conda/ or the feedstock's recipe (or `conda.name_map` for "
                          "names that differ)")
    ui.info("pip and conda requirements agree")
