"""Tag: the release's annotated (or, with `tag_sign`, signed) tag, pushed: on the release branch's
commit, or, without a release branch, on main's release commit."""

from __future__ import annotations

from releasekit.operations import repository
from releasekit.rite.model import Rite, Step, commands_from
from releasekit.rite.steps import facts


def tagged_commit(rite: Rite) -> str | None:
    """The commit the tag belongs on: the release branch's head, or main's release commit."""
    r = rite.release
    if r.branch is None:
        return rite.git.rev(facts.release_commit(rite))
    return rite.git.rev(f"refs/heads/{r.branch}")


def tag(rite: Rite) -> None:
    r = rite.release
    if r.branch is None:
        repository.tag_and_push(rite.project, rite.git, r.version, tag=r.tag, ref=facts.release_commit(rite))
        return
    facts.checkout(rite, r.branch)
    repository.tag_and_push(rite.project, rite.git, r.version, tag=r.tag)


def tag_done(rite: Rite) -> bool:
    r = rite.release
    local = tagged_commit(rite)
    return local is not None and rite.git.remote_tag(r.remote, r.tag) == local


def _tag_commands(rite: Rite) -> list[str]:
    flag = "-s" if rite.settings["tag_sign"] else "-a"
    return commands_from(f"git tag {flag} {{r.tag}} -m {{r.tag}}", "git push {r.remote} refs/tags/{r.tag}",
                         "git ls-remote --tags {r.remote} refs/tags/{r.tag}")(rite)


RELEASE_TAG = Step(
    "tag", "tag the release and push the tag", "git.tag-version-push", tag, _tag_commands,
    tag_done, changes_outside=True)
MAIN_TAG = Step(
    "tag", "tag main's release commit and push the tag", "git.tag-version-push", tag,
    lambda rite: [f"git tag {'-s' if rite.settings['tag_sign'] else '-a'} {rite.release.tag} -m {rite.release.tag} "
                  "RELEASE-COMMIT", *_tag_commands(rite)[1:]],
    tag_done, changes_outside=True)
HOTFIX_TAG = Step(
    "tag", "tag the hotfix and push the tag", "git.tag-version-push", tag,
    lambda rite: _tag_commands(rite)[:2], tag_done, changes_outside=True)
