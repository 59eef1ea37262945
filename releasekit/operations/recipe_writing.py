"""A new conda recipe for a project that has none, from the release's metadata: conda-forge's
staged-recipes shape (recipe.yaml), the project's own buildable recipe.yaml, or a meta.yaml."""

from __future__ import annotations

from releasekit.adapters import pypi
from releasekit.adapters.shell import Shell
from releasekit.core import condarecipe, forgerecipe
from releasekit.core.errors import MetadataMissing, PreconditionFailed, ReleasekitError, UsageError
from releasekit.core.project import Project
from releasekit.operations.building import release_artifacts
from releasekit.operations.conda_packages import release_metadata, require_conda
from releasekit.operations.version_edits import current_version


def write_conda_recipe(project: Project, sh: Shell, *, fmt: str = "v1", force: bool = False) -> None:
    """A conda recipe from the project's metadata (noarch python, mapped dependencies, import test)."""
    if project.settings["conda.enabled"] is False:
        require_conda(project, "dist.conda-recipe")
    folder = project.settings.path("conda.recipe")
    if fmt not in ("v1", "forge", "meta", "meta.yaml"):
        raise UsageError(f"--format {fmt!r} is unknown",
                         "use v1 (recipe.yaml), forge (recipe.yaml as conda-forge's staged-recipes takes it) "
                         "or meta (meta.yaml)")
    target = folder / ("meta.yaml" if fmt.startswith("meta") else "recipe.yaml")
    existing = [p.name for p in (folder.glob("*.yaml") if folder.is_dir() else []) if p.name in ("recipe.yaml", "meta.yaml")]
    if existing and not (force or sh.dry_run):
        raise ReleasekitError(f"{folder.name}/ already has {', '.join(existing)}", "pass --force to overwrite")
    version = current_version(project)
    meta = release_metadata(project, version)  # refuses, naming the field, where the metadata lacks one
    mapping = project.settings["conda.name_map"]
    sdist_path = f"../{project.settings['dist.dir']}/{project.package}-{version}.tar.gz"
    if fmt == "forge":  # conda-forge staged-recipes' shape: python_min, the index's sdist URL and its sha256
        sdists = [p for p in release_artifacts(project, version) if p.name.endswith(".tar.gz")]
        if not sdists:
            raise PreconditionFailed("a conda-forge recipe names the sdist's sha256, and no sdist is built",
                                     "run `releasekit dist.sdist` first")
        text = forgerecipe.v1_recipe_yaml(meta, source_url=sdists[0].resolve().as_uri(),
                                          sha256=pypi.sha256(sdists[0]), mapping=mapping,
                                          import_names=[project.import_name])
    else:
        missing = [label for label, value in (("Summary", meta.summary), ("License", meta.license)) if not value]
        if missing:
            raise MetadataMissing(f"the release's metadata ({meta.origin or 'as built'}) has no "
                                  f"{', no '.join(missing)}: a conda recipe needs it",
                                  "add it to the project's metadata (pyproject.toml [project] or setup.py) "
                                  "and build again")
        text = condarecipe.generate_recipe(
            project.package, version, list(meta.dependencies), summary=meta.summary or "",
            license=meta.license or "", homepage=meta.url("homepage") or meta.url("repository") or "",
            import_name=project.import_name, mapping=mapping, sdist_path=sdist_path,
            fmt="v1" if fmt == "v1" else "meta.yaml", python_requires=meta.requires_python,
            entry_points=meta.console_scripts or None)
    if not sh.dry_run:
        folder.mkdir(parents=True, exist_ok=True)
    sh.write_file(target, text, label=str(target.relative_to(project.root)))
