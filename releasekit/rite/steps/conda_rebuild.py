"""The steps of `release-conda-rebuild`: each with its run, its truth (re-checked on resume) and its
commands for --plan."""

from __future__ import annotations

from releasekit.core.errors import PreconditionFailed
from releasekit.operations import conda_rebuild as ops
from releasekit.operations.conda_packages import conda_enabled
from releasekit.operations.repository import raise_if
from releasekit.rite.model import Rite, Step, commands_from


def _number(rite: Rite) -> int:
    number = rite.release.build_number
    if number is None:
        raise PreconditionFailed("this journal holds no build number", "start again with --restart")
    return number


def preflight(rite: Rite) -> None:
    r, p, git = rite.release, rite.project, rite.git
    problems = []
    if not conda_enabled(p) and git.current_branch() == r.branch:
        problems.append(f"no conda recipe in {p.settings['conda.recipe']}: there is nothing to rebuild")
    if git.status():
        problems.append("the working tree has uncommitted changes: commit or stash them")
    if git.local_tag(r.tag) is None:
        problems.append(f"the tag {r.tag} does not exist here: {r.version} was not released from this repository")
    raise_if(problems, "fix these, then run `release-conda-rebuild` again")
    # Before anything changes: a build number the channel has is refused (a repeat of this very
    # rebuild, whose recipe holds the number already, may find its own identical upload there).
    sdist = ops.release_sdist(p, r.version, dry_run=rite.dry_run)
    if sdist.is_file():
        ops.refuse_taken_number(p, r.version, _number(rite), sdist, ours_ok=recipe_done(rite))


def preflight_done(rite: Rite) -> bool:
    return recipe_done(rite)


def recipe_done(rite: Rite) -> bool:
    r = rite.release
    return ops.recipe_build_number(rite.project, rite.git, f"{r.remote}/{r.branch}") == _number(rite)


def set_number(rite: Rite) -> None:
    r = rite.release
    ops.set_recipe_number(rite.project, rite.git, _number(rite), r.version, r.home)


def build(rite: Rite) -> None:
    if rite.git.current_branch() != rite.release.home and not rite.dry_run:
        rite.git.checkout(rite.release.home)  # a resume builds the recipe the branch holds
    rite.conda_artifacts = ops.rebuild(rite.project, rite.shell, rite.release.version, _number(rite))


def build_done(rite: Rite) -> bool:
    return bool(ops.built(rite.project, rite.release.version, _number(rite)))


def upload(rite: Rite) -> None:
    ops.upload_build(rite.project, rite.shell, rite.release.version, _number(rite))


def upload_done(rite: Rite) -> bool:
    return ops.uploaded_build(rite.project, rite.release.version, _number(rite))


def verify(rite: Rite) -> None:
    if not rite.dry_run:
        ops.verify_build(rite.project, rite.release.version, _number(rite))


def finish(rite: Rite) -> None:
    if rite.git.current_branch() != rite.release.main:
        rite.git.checkout(rite.release.main)


PREFLIGHT = Step("preflight", "rebuild preflight checks", "release-conda-rebuild --dry-run", preflight,
                 commands_from("git status --porcelain", "git rev-parse {r.tag}"), preflight_done, read_only=True)
RECIPE = Step("recipe", "set the recipe's build number", "release-conda-rebuild", set_number,
              commands_from("git checkout {r.branch}", "set build.number to {r.build_number} in the recipe",
                            "git commit -m 'conda: build number {r.build_number} for {r.version}'",
                            "git push {r.remote} {r.branch}"), recipe_done, changes_outside=True)
BUILD = Step("build", "build the conda package again from the release's sdist", "dist.conda", build,
             commands_from("take {p.package}-{r.version}.tar.gz from {s[dist.dir]}/ or the index",
                           "refuse if build {r.build_number} of {r.version} is on the channel",
                           "build the conda package ({s[conda.builder]})"), build_done)
UPLOAD = Step("upload", "upload the new build", "upload.conda", upload,
              commands_from("upload build {r.build_number} to the channel (label {s[conda.label]})"), upload_done,
              changes_outside=True)
VERIFY = Step("verify", "install the new build from the channel", "verify.install", verify,
              commands_from("install {p.package} {r.version} build {r.build_number} into a clean prefix; import"))
FINISH = Step("finish", "back to the main branch", "git.main-branch-switch", finish,
              commands_from("git checkout {r.main}"))
STEPS = [PREFLIGHT, RECIPE, BUILD, UPLOAD, VERIFY, FINISH]
