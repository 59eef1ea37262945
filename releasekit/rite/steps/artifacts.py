"""Build and check: the release's artifacts from a clean export of the tag, checked once per file set."""

from __future__ import annotations

from releasekit.adapters.pypi import sha256
from releasekit.core import ui
from releasekit.operations.artifact_checks import check_artifacts, deps_note, verify_local
from releasekit.operations.building import build_pypi, release_artifacts
from releasekit.operations.conda_packages import (
    build_conda,
    check_conda,
    conda_artifacts,
    conda_enabled,
)
from releasekit.operations.conda_rebuild import refuse_taken_build
from releasekit.rite.model import Step


def build_release(rite) -> None:
    r = rite.release
    if rite.dry_run:  # the tag does not exist yet: nothing to export
        for cmd in build_commands(rite):
            ui.info(f"[dry-run] would run: {cmd}")
        return
    if not build_pypi_done(rite):
        rite.artifacts = build_pypi(rite.project, rite.shell, rite.git, r.tag)
    if conda_enabled(rite.project):
        refuse_taken_build(rite.project, r.version)  # a filename the channel has: release-conda-rebuild
        rite.conda_artifacts = build_conda(rite.project, rite.shell, r.version)
    else:
        ui.info(f"no conda recipe in {rite.settings['conda.recipe']}: the conda steps are skipped")


def build_pypi_done(rite) -> bool:
    paths = release_artifacts(rite.project, rite.release.version)
    return any(p.name.endswith((".tar.gz", ".zip")) for p in paths) and any(p.name.endswith(".whl") for p in paths)


def build_done(rite) -> bool:
    """Artifacts already built for this version are kept: rebuilding would change their hashes
    and make a half-done upload impossible to finish."""
    if not build_pypi_done(rite):
        return False
    return not conda_enabled(rite.project) or bool(conda_artifacts(rite.project, rite.release.version))


def build_commands(rite) -> list[str]:
    r = rite.release
    cmds = [f"git archive {r.tag} | tar -x -C TMP", f"python -m build --outdir {rite.settings['dist.dir']} TMP"]
    if conda_enabled(rite.project):
        cmds.append(f"build conda package from the sdist ({rite.settings['conda.builder']})")
    return cmds


def check_release(rite) -> None:
    r = rite.release
    paths = release_artifacts(rite.project, r.version)
    if rite.dry_run and not paths:
        ui.info("[dry-run] would check the artifacts and install them in clean environments")
        return
    check_artifacts(rite.project, rite.shell, rite.git, paths, r.version, r.tag)
    verify_local(rite.project, rite.shell, paths, r.version)
    if conda_enabled(rite.project):
        check_conda(rite.project, r.version)
    if rite.journal is not None and not rite.dry_run:
        rite.journal.remember("checked", _fingerprints(rite))


def _fingerprints(rite) -> dict[str, str]:
    paths = release_artifacts(rite.project, rite.release.version)
    if conda_enabled(rite.project):
        paths += conda_artifacts(rite.project, rite.release.version)
    return {p.name: sha256(p) for p in paths}


def check_done(rite) -> bool:
    """Checked means: these very files passed. A rebuilt or replaced artifact is checked again
    before anything uploads it."""
    checked = rite.journal.recall("checked") if rite.journal is not None else None
    return bool(checked) and build_done(rite) and checked == _fingerprints(rite)


def check_commands(rite) -> list[str]:
    return ["python -m twine check --strict dist/*", "compare the sdist with git ls-files",
            f"install each artifact in a fresh venv{deps_note(rite.project)}; the installed file's sha256 is the "
            "artifact's; import; compare the version"]


BUILD = Step("build", "build sdist, wheel and conda package from a clean export of the tag", "dist.pypi",
             build_release, build_commands, build_done)
CHECK = Step("check", "check the artifacts and install them in clean environments", "dist.check",
             check_release, check_commands, check_done)
