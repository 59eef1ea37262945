"""A new conda recipe for a project that has none, from the release's metadata: conda-forge's
staged-recipes shape (recipe.yaml, the default), a recipe.yaml that builds from the local sdist only, or
a meta.yaml.

conda-forge's shape names the sdist by URL and sha256. Once the index serves the version, those are the
index's, as ``rattler-build generate-recipe pypi`` writes them; before that they are this machine's sdist
(built when none is), which releasekit's own builds replace with the release's sdist anyway."""

from __future__ import annotations

from pathlib import Path

from releasekit.adapters import index, pypi
from releasekit.adapters.git import Git
from releasekit.adapters.shell import Shell
from releasekit.core import condarecipe, forgerecipe, ui
from releasekit.core.errors import MetadataMissing, PreconditionFailed, ReleasekitError, UsageError
from releasekit.core.project import Project
from releasekit.operations.building import build_pypi, release_artifacts
from releasekit.operations.conda_packages import release_metadata, require_conda
from releasekit.operations.publishing import pypi_target
from releasekit.operations.version_edits import current_version, tag_name, version_conventions

FORMATS = {"forge": "recipe.yaml as conda-forge's staged-recipes takes it (the default)",
           "v1": "recipe.yaml that builds from ../dist's sdist, for builds here only",
           "meta": "meta.yaml (conda-build)"}


def write_conda_recipe(project: Project, sh: Shell, git: Git, *, fmt: str = "forge", version: str | None = None,
                       force: bool = False) -> None:
    """A conda recipe from the release's metadata (noarch python, mapped dependencies, import test)."""
    if project.settings["conda.enabled"] is False:
        require_conda(project, "dist.conda-recipe")
    fmt = "meta" if fmt == "meta.yaml" else fmt
    if fmt not in FORMATS:
        raise UsageError(f"--format {fmt!r} is unknown",
                         "use " + ", ".join(f"{name} ({what})" for name, what in FORMATS.items()))
    folder = project.settings.path("conda.recipe")
    target = folder / ("meta.yaml" if fmt == "meta" else "recipe.yaml")
    existing = [p.name for p in (folder.glob("*.yaml") if folder.is_dir() else []) if p.name in ("recipe.yaml", "meta.yaml")]
    if existing and not (force or sh.dry_run):
        raise ReleasekitError(f"{folder.name}/ already has {', '.join(existing)}", "pass --force to overwrite")
    version = version or current_version(project, git)
    mapping = project.settings["conda.name_map"]
    if fmt == "forge":
        source_url, sha256 = _forge_source(project, sh, git, version)
        meta = release_metadata(project, version)  # refuses, naming the field, where the metadata lacks one
        text = forgerecipe.v1_recipe_yaml(meta, source_url=source_url, sha256=sha256, mapping=mapping,
                                          import_names=[project.import_name])
    else:
        meta = release_metadata(project, version)
        missing = [label for label, value in (("Summary", meta.summary), ("License", meta.license)) if not value]
        if missing:
            raise MetadataMissing(f"the release's metadata ({meta.origin or 'as built'}) has no "
                                  f"{', no '.join(missing)}: a conda recipe needs it",
                                  "add it to the project's metadata (pyproject.toml [project] or setup.py) "
                                  "and build again")
        sdist_path = f"../{project.settings['dist.dir']}/{project.package}-{version}.tar.gz"
        text = condarecipe.generate_recipe(
            project.package, version, list(meta.dependencies), summary=meta.summary or "",
            license=meta.license or "", homepage=meta.url("homepage") or meta.url("repository") or "",
            import_name=project.import_name, mapping=mapping, sdist_path=sdist_path,
            fmt="v1" if fmt == "v1" else "meta.yaml", python_requires=meta.requires_python,
            entry_points=meta.console_scripts or None)
    if not sh.dry_run:
        folder.mkdir(parents=True, exist_ok=True)
    sh.write_file(target, text, label=str(target.relative_to(project.root)))


def _forge_source(project: Project, sh: Shell, git: Git, version: str) -> tuple[str, str]:
    """(url, sha256) of the sdist the recipe names: the index's once it serves the released version,
    else this machine's, built from the version's tag (or HEAD for the current version) when none is."""
    tag = tag_name(version_conventions(project, git), version)
    tagged = git.local_tag(tag) is not None
    if tagged:  # only a tagged version can be on the index: nothing is asked for a version in the making
        served = _served_sdist(project, version)
        if served is not None:
            return served
    sdist = _built_sdist(project, version)
    if sdist is None:
        if not tagged and version != current_version(project, git):
            raise PreconditionFailed(f"there is no tag {tag} to build {version}'s sdist from, and none is built",
                                     "pass a released --version, or build that version's sdist first")
        built = build_pypi(project, sh, git, tag if tagged else "HEAD", wheel=False)
        sdist = next((p for p in built if p.name.endswith(".tar.gz")), None)
        if sdist is None:  # --dry-run builds nothing
            return (project.dist_dir / f"{project.package}-{version}.tar.gz").resolve().as_uri(), "<the sha256 of the sdist that dist.sdist builds>"
    ui.warn(f"the recipe's source is this machine's {sdist.name}: once the index serves {version}, "
            "run `releasekit dist.conda-recipe --force` again to name the index's sdist (conda-forge needs it)")
    return sdist.resolve().as_uri(), pypi.sha256(sdist)


def _served_sdist(project: Project, version: str) -> tuple[str, str] | None:
    """The index's URL and sha256 of the version's sdist, or None when it serves none (or cannot be read)."""
    try:
        _repo, _url, page = pypi_target(project)
        links = index.fetch_links(page)
    except ReleasekitError as exc:
        ui.warn(f"cannot ask the index for {version}'s sdist ({exc.message}): naming this machine's")
        return None
    for name in index.files_for_version({n: link.sha256 for n, link in links.items()}, project.package, version):
        link = links[name]
        if name.endswith(".tar.gz") and link.sha256:
            return link.url, link.sha256
    return None


def _built_sdist(project: Project, version: str) -> Path | None:
    return next((p for p in release_artifacts(project, version) if p.name.endswith(".tar.gz")), None)
