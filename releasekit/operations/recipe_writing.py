"""A new conda recipe for a project that has none, from the release's metadata: conda-forge's
staged-recipes shape (recipe.yaml, the default), a recipe.yaml that builds from the local sdist only, or
a meta.yaml.

conda-forge's shape names the sdist by URL and sha256, and its metadata is that very sdist's. Once the
index serves the tagged version, the sdist is the index's (downloaded and checked against its sha256);
before that it is this machine's, built from the tag or HEAD when none is. releasekit's own builds
replace the source with the release's sdist anyway."""

from __future__ import annotations

import tempfile
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from packaging.version import Version

from releasekit.adapters import index, pymeta, pypi
from releasekit.adapters.git import Git
from releasekit.adapters.shell import Shell
from releasekit.core import condarecipe, forgerecipe, ui
from releasekit.core.errors import (
    ArtifactCheckFailed,
    MetadataMissing,
    PreconditionFailed,
    ReleasekitError,
    UsageError,
)
from releasekit.core.project import Project
from releasekit.core.pymetadata import ProjectMetadata
from releasekit.core.versioning import same_version
from releasekit.operations.building import build_pypi, release_artifacts
from releasekit.operations.conda_packages import release_metadata, require_conda
from releasekit.operations.publishing import pypi_target
from releasekit.operations.version_edits import (
    current_version,
    tag_name,
    version_arg,
    version_conventions,
)

FORMATS = {"forge": "recipe.yaml in conda-forge's staged-recipes shape, the default",
           "v1": "recipe.yaml that builds from ../dist's sdist here only",
           "meta": "meta.yaml for conda-build"}


def write_conda_recipe(project: Project, sh: Shell, git: Git, *, fmt: str = "forge", version: str | None = None,
                       force: bool = False) -> None:
    """A conda recipe from the release's metadata (noarch python, mapped dependencies, import test)."""
    if project.settings["conda.enabled"] is False:
        require_conda(project, "dist.conda-recipe")
    fmt = "meta" if fmt == "meta.yaml" else fmt
    if fmt not in FORMATS:
        raise UsageError(f"--format {fmt!r} is unknown",
                         "use " + "; ".join(f"{name}: {what}" for name, what in FORMATS.items()))
    folder = project.settings.path("conda.recipe")
    target = folder / ("meta.yaml" if fmt == "meta" else "recipe.yaml")
    existing = [p.name for p in (folder.glob("*.yaml") if folder.is_dir() else []) if p.name in ("recipe.yaml", "meta.yaml")]
    if existing and not (force or sh.dry_run):
        raise ReleasekitError(f"{folder.name}/ already has {', '.join(existing)}", "pass --force to overwrite")
    current = current_version(project, git)
    version = version_arg(project, version) if version else current
    mapping = project.settings["conda.name_map"]
    if fmt == "forge":
        with _forge_source(project, sh, git, version, current) as source:
            meta = _metadata_of(project, source.sdist, version)  # refuses, naming the field, where it lacks one
            text = forgerecipe.v1_recipe_yaml(meta, source_url=source.url, sha256=source.sha256, mapping=mapping,
                                              import_names=[project.import_name])
    else:
        if version != current:
            raise UsageError(f"--format {fmt} describes the version in the making ({current}), not {version}",
                             "leave out --version, or use --format forge for a released version")
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


@dataclass(frozen=True)
class _Source:
    """What the recipe's ``source`` names, and the sdist it is (None in a dry run that built nothing)."""

    url: str
    sha256: str
    sdist: Path | None


@contextmanager
def _forge_source(project: Project, sh: Shell, git: Git, version: str, current: str) -> Iterator[_Source]:
    """The index's sdist once it serves the tagged version, else this machine's, built from the tag
    (or HEAD, for the version in the making) when none is built."""
    tag = tag_name(version_conventions(project, git), version)
    tagged = git.local_tag(tag) is not None
    if tagged:  # only a tagged version can be on the index: nothing is asked for a version in the making
        with tempfile.TemporaryDirectory(prefix="releasekit-served-sdist-") as tmp:
            served = _served_sdist(project, version, Path(tmp))
            if served is not None:
                yield served
                return
    sdist = _built_sdist(project, version)
    if sdist is None:
        if not tagged and version != current:
            raise PreconditionFailed(f"there is no tag {tag} to build {version}'s sdist from, and none is built",
                                     "pass a released --version, or build that version's sdist first")
        built = [p for p in build_pypi(project, sh, git, tag if tagged else "HEAD", wheel=False)
                 if p.name.endswith(".tar.gz")]
        if not built:  # --dry-run builds nothing
            url = (project.dist_dir / f"{project.package}-{version}.tar.gz").resolve().as_uri()
            yield _Source(url, "<the sha256 of the sdist that dist.sdist builds>", None)
            return
        sdist = built[0]
        made = index.parse_filename(sdist.name)
        if made is None or made[1] != Version(version):
            raise PreconditionFailed(f"{'the tag ' + tag if tagged else 'HEAD'} builds {sdist.name}, "
                                     f"not version {version}: the version files are not committed",
                                     "commit the version first (`releasekit git.commit-version`), then try again")
    again = "releasekit dist.conda-recipe --force" + (f" --version {version}" if version != current else "")
    ui.warn(f"the recipe's source is this machine's {sdist.name}: once the index serves {version}, "
            f"run `{again}` again to name the index's sdist (conda-forge needs it)")
    yield _Source(sdist.resolve().as_uri(), pypi.sha256(sdist), sdist)


def _served_sdist(project: Project, version: str, tmp: Path) -> _Source | None:
    """The index's sdist of the version, downloaded into ``tmp`` and checked against the index's sha256;
    None when the index serves none, cannot be read, or needs credentials (conda-forge could not fetch it)."""
    try:
        _repo, _url, page = pypi_target(project)
        parts = urllib.parse.urlsplit(page)
        if parts.username or parts.password:
            ui.warn("the index's page needs credentials, which conda-forge's builders would not have: "
                    "naming this machine's sdist")
            return None
        links = index.fetch_links(page)
    except ReleasekitError as exc:
        ui.warn(f"cannot ask the index for {version}'s sdist ({exc.message}): naming this machine's")
        return None
    for name in index.files_for_version({n: link.sha256 for n, link in links.items()}, project.package, version):
        link = links[name]
        if not (name.endswith(".tar.gz") and link.sha256):
            continue
        path = index.download(link.url, tmp / name)
        if pypi.sha256(path) != link.sha256:
            raise ArtifactCheckFailed(f"{name} as downloaded from {link.url} does not have the sha256 the index "
                                      "lists for it", "try again; if it persists, the index serves a broken file")
        return _Source(forgerecipe.source_url_template(page, link.url, version), link.sha256, path)
    return None


def _metadata_of(project: Project, sdist: Path | None, version: str) -> ProjectMetadata:
    """The metadata of the sdist the recipe names (the project's own in a dry run that built nothing)."""
    if sdist is None:
        return release_metadata(project, version)
    meta = pymeta.release_metadata([sdist], project.root, isolated=project.settings["dist.isolation"])
    if not same_version(meta.version, version):
        raise PreconditionFailed(f"{sdist.name} says it is version {meta.version}, not {version}",
                                 "build the sdist of that version again (`releasekit dist.sdist`)")
    return meta


def _built_sdist(project: Project, version: str) -> Path | None:
    return next((p for p in release_artifacts(project, version) if p.name.endswith(".tar.gz")), None)
