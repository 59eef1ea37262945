"""Tag: the release's annotated tag, pushed."""

from __future__ import annotations

from releasekit.operations import repository
from releasekit.rite.model import Rite, Step, commands_from
from releasekit.rite.steps import facts


def tag(rite: Rite) -> None:
    facts.checkout(rite, rite.release.branch)
    repository.tag_and_push(rite.project, rite.git, rite.release.version)


def tag_done(rite: Rite) -> bool:
    r = rite.release
    local = rite.git.rev(f"refs/heads/{r.branch}")
    return local is not None and rite.git.remote_tag(r.remote, r.tag) == local


RELEASE_TAG = Step(
    "tag", "tag the release and push the tag", "git.tag-version-push", tag,
    commands_from("git tag -a {r.tag} -m {r.tag}", "git push {r.remote} refs/tags/{r.tag}",
                  "git ls-remote --tags {r.remote} refs/tags/{r.tag}"),
    tag_done, changes_outside=True)
HOTFIX_TAG = Step(
    "tag", "tag the hotfix and push the tag", "git.tag-version-push", tag,
    commands_from("git tag -a {r.tag} -m {r.tag}", "git push {r.remote} refs/tags/{r.tag}"),
    tag_done, changes_outside=True)
