"""``publish: ci``: the tag's workflow builds, checks and uploads (a step of the plan that runs in CI);
this machine then waits for the upload and proves it is the release the tag builds."""

from __future__ import annotations

from releasekit.core import cipublish, ui
from releasekit.core.errors import ReleasekitError
from releasekit.operations import ci_conda, ci_upload
from releasekit.operations.conda_packages import conda_enabled, conda_target_kind
from releasekit.operations.publishing import conda_target
from releasekit.rite.model import Rite, Step


def ci_commands(rite: Rite) -> list[str]:
    r = rite.release
    cmds = [f"the push of {r.tag} starts the publish workflow ({' or '.join(cipublish.PATHS.values())}):",
            f"releasekit dist.pypi --ref {r.tag}", f"releasekit dist.check --ref {r.tag}",
            "upload with Trusted Publishing (OIDC id-token; pypa/gh-action-pypi-publish or twine)"]
    if conda_enabled(rite.project):
        try:
            target = conda_target(rite.settings)
        except ReleasekitError as exc:  # preflight refuses it; the plan says so
            target = f"nowhere yet ({exc.message})"
        token = (f"; ANACONDA_API_TOKEN from the environment `{cipublish.CONDA_ENVIRONMENT}`"
                 if conda_target_kind(rite.settings) == "anaconda" else "")
        cmds += [f"the conda job{token}:", "releasekit dist.conda",
                 f"releasekit upload.conda --yes  (to {target}, label {rite.settings['conda.label']})"]
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


def await_conda(rite: Rite) -> None:
    r = rite.release
    if rite.dry_run:
        for cmd in await_conda_commands(rite):
            ui.info(f"[dry-run] would: {cmd}")
        return
    ci_upload.build_preview(rite.project, rite.shell, rite.git, r.tag, r.version)  # kept: built once
    rendered = ci_conda.recipe(rite.project, r.version)
    records = ci_conda.wait_for_upload(rite.project, r.version, ci_conda.package_name(rendered))
    ci_conda.check(rendered, r.version, records)


def await_conda_done(rite: Rite) -> bool:
    """CI's conda upload that already happened (and is the tag's package) is recognised on resume."""
    return ci_conda.uploaded(rite.project, rite.release.version)


def await_conda_commands(rite: Rite) -> list[str]:
    return ci_conda.plan_lines(rite.project, rite.release.version)


AWAIT_CI_CONDA = Step("await-ci-conda", "wait for CI's conda upload and check it against the tag's recipe",
                      "verify.wait", await_conda, await_conda_commands, await_conda_done)
