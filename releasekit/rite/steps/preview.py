"""Preview: build HEAD and check it before the tag, while a fix can still land on main."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from releasekit.core import ui
from releasekit.operations.artifact_checks import check_artifacts
from releasekit.operations.building import build_pypi
from releasekit.operations.conda_packages import conda_enabled, lint_conda_recipe
from releasekit.operations.conda_solve import solve_recipe, target_platforms
from releasekit.rite.model import Step
from releasekit.rite.steps.preflight import before_changes


def preview_release(rite) -> None:
    """Build HEAD into a scratch folder and check it before the rite changes anything: a README that
    does not render or a file missing from the sdist is found while it can be fixed on main, not
    after the tag is pushed (the release's own artifacts are still built from the tag)."""
    r = rite.release
    if rite.dry_run:
        for cmd in preview_commands(rite):
            ui.info(f"[dry-run] would run: {cmd}")
        return
    scratch = Path(tempfile.mkdtemp(prefix="releasekit-preview-"))
    try:
        paths = build_pypi(rite.project, rite.shell, rite.git, "HEAD", out_dir=scratch)
        check_artifacts(rite.project, rite.shell, rite.git, paths, r.from_version, "HEAD")
        sdists = [p for p in paths if p.name.endswith(".tar.gz")]
        if conda_enabled(rite.project) and sdists:  # a broken recipe, found before the tag too
            recipe = lint_conda_recipe(rite.project, r.from_version, sdists[0])
            # and a requirement no channel holds, for every target platform (not at the build after the tag)
            solve_recipe(rite.project, recipe)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def preview_commands(rite) -> list[str]:
    cmds = ["git archive HEAD | tar -x -C TMP", "python -m build --outdir PREVIEW TMP",
            "python -m twine check --strict PREVIEW/*", "compare the sdist with git ls-files"]
    if conda_enabled(rite.project):
        cmds.append("lint the conda recipe against the PREVIEW sdist")
        cmds.append(f"solve its build/host/run requirements for {', '.join(target_platforms(rite.project))} "
                    f"against {', '.join(map(str, rite.settings['conda.channels'])) or 'no channel'}")
    return cmds


PREVIEW = Step("preview", "build HEAD and check the artifacts before anything changes", "dist.check",
               preview_release, preview_commands, before_changes, needs=("build", "check"), read_only=True)
