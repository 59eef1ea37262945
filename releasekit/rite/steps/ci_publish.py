"""``publish: ci``: the tag's workflow builds, checks and uploads (a step of the plan that runs in CI);
this machine then waits for the upload and proves it is the release the tag builds."""

from __future__ import annotations

from releasekit.core import cipublish, ui
from releasekit.operations import ci_upload
from releasekit.operations.conda_packages import conda_enabled
from releasekit.rite.model import Rite, Step


def ci_commands(rite: Rite) -> list[str]:
    r = rite.release
    cmds = [f"the push of {r.tag} starts the publish workflow ({' or '.join(cipublish.PATHS.values())}):",
            f"releasekit dist.pypi --ref {r.tag}", f"releasekit dist.check --ref {r.tag}",
            "upload with Trusted Publishing (OIDC id-token; pypa/gh-action-pypi-publish or twine)"]
    if conda_enabled(rite.project):
        cmds += ["releasekit dist.conda", "releasekit upload.conda --yes"]
    return cmds


def await_upload(rite: Rite) -> None:
    r = rite.release
    if rite.dry_run:
        for cmd in await_commands(rite):
            ui.info(f"[dry-run] would: {cmd}")
        return
    preview = ci_upload.build_preview(rite.project, rite.shell, rite.git, r.tag, r.version)
    files = ci_upload.wait_for_upload(rite.project, r.version, [p.name for p in preview])
    ci_upload.check(rite.project, r.version, preview, files)


def await_done(rite: Rite) -> bool:
    """A CI upload that already happened (and is the release) is recognised, on resume too."""
    return ci_upload.uploaded(rite.project, rite.release.version)


def await_commands(rite: Rite) -> list[str]:
    r, s = rite.release, rite.settings
    folder = ci_upload.preview_dir(rite.project, r.version)
    return [f"git archive {r.tag} | tar -x -C TMP; python -m build --outdir {folder} TMP  (the preview of the tag)",
            f"poll the index until it serves every preview filename with a sha256 (at most {s['wait.timeout']:.0f}s)",
            "download them; compare the filenames, the sdist's file list with the tag's export, the wheels' METADATA"
            + (", the sha256 (dist.reproducible)" if s["dist.reproducible"] else "")]


CI_PUBLISH = Step("ci-publish", "the tag's publish workflow builds, checks and uploads", "ci.config --release",
                  lambda rite: None, ci_commands, where="ci")
AWAIT_CI_UPLOAD = Step("await-ci-upload", "wait for CI's upload and check it against the tag's preview build",
                       "verify.wait", await_upload, await_commands, await_done)
