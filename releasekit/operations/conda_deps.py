"""The recipe's dependencies that no channel has (fastai's guide: "Unsatisfiable dependencies"):
each one the package index serves as a pure-Python wheel is built as a noarch conda package into
``conda-dist/deps/``, recursively, and uploaded to the project's channel; one served only as an sdist
is built into a wheel first (``build``, in an isolated env from the same index), and converted the
same way when that wheel is pure Python. The others are reported per target platform with the
guide's advice."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from releasekit.adapters import anaconda, channel, conda, condadeps
from releasekit.adapters.shell import Shell
from releasekit.core import condadeps as decide
from releasekit.core import fileio, ui
from releasekit.core.errors import PreconditionFailed, RecipeError, ReleasekitError
from releasekit.core.project import Project
from releasekit.operations.artifact_checks import deps_index_url
from releasekit.operations.conda_packages import conda_enabled, conda_recipe
from releasekit.operations.publishing import conda_target, index_root, pypi_target
from releasekit.operations.version_edits import current_version

TASK = "releasekit dist.conda-deps"
UPLOAD_TASK = "releasekit upload.conda-deps"


def deps_dir(project: Project) -> Path:
    return project.settings.path("conda.output") / "deps"


def recipe_file(project: Project) -> Path:
    folder = project.settings.path("conda.recipe")
    return folder / ("recipe.yaml" if (folder / "recipe.yaml").is_file() else "meta.yaml")


def recipe_requirements(project: Project, version: str | None = None) -> list[str]:
    """The recipe's run and host requirements a channel must provide. Rendered from the version's
    sdist when it is built (meta.yaml's setup data come from it), else from the project."""
    version = version or current_version(project)
    sdists = sorted(project.dist_dir.glob(f"*-{version}.tar.gz")) if project.dist_dir.is_dir() else []
    path = recipe_file(project)
    if sdists:
        recipe = conda_recipe(project, version, sdists[0])
    elif path.name == "meta.yaml":
        recipe = conda.load_meta_yaml(path.parent)
    else:
        try:
            recipe = yaml.safe_load(fileio.read_text(path)) or {}
        except yaml.YAMLError as exc:
            raise RecipeError(f"{path} is not valid YAML: {fileio.yaml_problem(exc)}") from None
    reqs = recipe.get("requirements") or {}
    if not isinstance(reqs, dict):
        raise RecipeError("the conda recipe's `requirements` should be a mapping", "see `releasekit verify.recipe`")
    return decide.checked_requirements([*(reqs.get("host") or []), *(reqs.get("run") or [])])


def lookup_channels(project: Project) -> list[str | Path]:
    """Where a requirement counts as available: the configured channels and the dependencies built here."""
    return [*project.settings["conda.channels"], deps_dir(project)]


def platforms(project: Project) -> list[str]:
    return list(project.settings["conda.platforms"])


def deps_index(project: Project) -> str:
    """The package index dependencies come from: ``pypi.deps_index_url``, else the target index."""
    return deps_index_url(project) or index_root(pypi_target(project)[2])


@dataclass
class DepsResult:
    built: list[Path] = field(default_factory=list)
    unbuildable: list[decide.Missing] = field(default_factory=list)
    decisions: list[decide.Missing] = field(default_factory=list)


def missing_requirements(project: Project, specs: list[str], channels: list[str | Path] | None = None) -> list[str]:
    have = condadeps.available(lookup_channels(project) if channels is None else channels, specs, platforms(project))
    return [s for s in specs if not have[s]]


def build_deps(project: Project, sh: Shell, version: str | None = None) -> DepsResult:
    """Build every missing requirement that the index serves as a pure-Python wheel, then what those
    need, until everything resolves or only unbuildable packages remain (reported, then refused)."""
    s = project.settings
    out = deps_dir(project)
    root = deps_index(project)
    result = DepsResult()
    pending = [(spec, "the recipe") for spec in recipe_requirements(project, version)]
    seen: set[str] = set()
    while pending:
        missing_now = set(missing_requirements(project, [spec for spec, _ in pending]))
        batch, pending = pending, []
        for spec, needed_by in batch:
            name = decide.spec_name(spec)
            if spec not in missing_now or name in seen:
                continue
            seen.add(name)
            pip = decide.pip_name(name, s["conda.name_map"])
            links = condadeps.project_links(root, pip)
            choice = decide.decide(spec, decide.offer(pip, links, decide.pip_specifier(spec)), platforms(project),
                                   needed_by)
            result.decisions.append(choice)
            if not choice.buildable:
                result.unbuildable.append(choice)
                continue
            if sh.dry_run:
                ui.info(f"[dry-run] would build {name} from {choice.wheel or choice.sdist} into {out}")
                continue
            with tempfile.TemporaryDirectory(prefix="releasekit-wheel-") as tmp:
                if choice.action == decide.FROM_SDIST:
                    wheel = wheel_from_sdist(sh, condadeps.download(links[choice.sdist or ""], Path(tmp)), root)
                    choice = decide.from_sdist(choice, wheel.name, platforms(project))
                    result.decisions[-1] = choice
                    if not choice.buildable:  # compiled code: reported like a platform wheel
                        result.unbuildable.append(choice)
                        continue
                else:
                    wheel = condadeps.download(links[choice.wheel or ""], Path(tmp))
                package = condadeps.wheel_to_conda(wheel, out / "noarch", renames=s["conda.name_map"],
                                                   package_format=s["conda.package_format"])
            ui.info(f"built {package.name} from {choice.wheel}")
            result.built.append(package)
            pending += [(dep, f"{name} (needed by {needed_by})") for dep in
                        decide.checked_requirements(_depends(package))]
        if result.built and not sh.dry_run:
            channel.reindex(out)
    _report(project, result)
    if result.unbuildable:
        text = fileio.read_text(recipe_file(project))
        rel = str(recipe_file(project).relative_to(project.root))
        lines = [f"{m.name}: {m.reason}; {decide.advice(m, text, rel)}" for m in result.unbuildable]
        raise RecipeError(f"{len(result.unbuildable)} conda requirement(s) cannot be built as noarch packages: "
                          + " | ".join(lines),
                          "conda users install them with pip; rerun `releasekit dist.conda-deps` after the change")
    return result


def wheel_from_sdist(sh: Shell, sdist: Path, index_url: str) -> Path:
    """The wheel ``build`` makes from ``sdist`` in an isolated env whose backend comes from ``index_url``
    only, next to the sdist."""
    import tarfile
    import zipfile

    from releasekit.adapters import pypi

    source = Path(tempfile.mkdtemp(prefix="src-", dir=sdist.parent))
    try:
        if sdist.name.endswith(".zip"):
            with zipfile.ZipFile(sdist) as zf:
                zf.extractall(source)
        else:
            with tarfile.open(sdist) as tar:
                tar.extractall(source, filter="data")
    except (OSError, tarfile.TarError, zipfile.BadZipFile) as exc:
        raise RecipeError(f"cannot unpack {sdist.name}: {exc}") from None
    tops = [p for p in source.iterdir() if p.is_dir()]
    root = tops[0] if len(tops) == 1 else source
    built = pypi.build(sh, root, sdist.parent / "wheel", sdist=False, wheel=True, isolation=True,
                       index_url=index_url)
    ui.info(f"built {built[0].name} from {sdist.name}")
    return built[0]


def _depends(package: Path) -> list[str]:
    from rattler import IndexJson

    return list(IndexJson.from_package_archive(package).depends)


def _report(project: Project, result: DepsResult) -> None:
    if not result.decisions:
        ui.info("every conda requirement of the recipe is on a configured channel")
        return
    rows = [(m.name, m.needed_by, m.action, *(m.platforms.get(p, "") for p in platforms(project)))
            for m in result.decisions]
    ui.table(("package", "needed by", "action", *platforms(project)), rows, title="missing conda dependencies")


def dep_packages(project: Project) -> list[Path]:
    out = deps_dir(project)
    return sorted(p for p in out.glob("*/*") if conda.is_package_file(p)) if out.is_dir() else []


def upload_deps(project: Project, sh: Shell, *, label: str | None = None) -> list[str]:
    """Upload the built dependencies to the project's channel; identical files are skipped, other
    content under a taken name stops before anything is uploaded."""
    s = project.settings
    label = label or s["conda.label"]
    conda_target(s)
    files = dep_packages(project)
    if not files:
        raise PreconditionFailed(f"no built dependencies in {deps_dir(project)}", f"run `{TASK}` first")
    if s["conda.channel_dir"]:
        done = channel.upload(files, s.path("conda.channel_dir"), label, dry_run=sh.dry_run)
        uploaded, skipped = done.uploaded, done.skipped
    else:
        sent = anaconda.upload(sh, files, s["conda.user"], label, token=os.environ.get("ANACONDA_API_TOKEN"))
        uploaded, skipped = sent.uploaded, sent.skipped + sent.labelled
    for name in skipped:
        ui.info(f"skipped {name}: the channel has it already, byte for byte")
    for name in uploaded:
        ui.info(("[dry-run] would upload " if sh.dry_run else "uploaded ") + name)
    return uploaded


def deps_preflight(project: Project) -> list[str]:
    """A problem when the recipe needs packages no configured channel has, naming the task that fixes it."""
    if not conda_enabled(project):
        return []
    try:
        specs = recipe_requirements(project)
        absent = missing_requirements(project, specs, list(project.settings["conda.channels"]))
    except ReleasekitError:
        return []  # the recipe checks report a broken recipe or an unreadable channel themselves
    if not absent:
        return []
    names = ", ".join(decide.spec_name(a) for a in absent)
    built = {decide.spec_name(a) for a in absent} & {conda.package_info(p).name for p in dep_packages(project)}
    if built == {decide.spec_name(a) for a in absent}:
        return [f"the conda recipe needs {names}, built in {deps_dir(project)} but on no configured channel: "
                f"run `{UPLOAD_TASK}`"]
    return [f"the conda recipe needs {names}, which no configured channel has: run `{TASK}`, then `{UPLOAD_TASK}`"]
