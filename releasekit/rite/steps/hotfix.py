"""The hotfix commit: the post-release version and its changelog entry, committed and pushed."""

from __future__ import annotations

from releasekit.operations import changelog_edits, repository
from releasekit.rite.model import Rite, Step, commands_from
from releasekit.rite.steps import facts
from releasekit.rite.steps.branches import publish_branch_done
from releasekit.rite.steps.prepare import set_release_files


def hotfix_commit(rite: Rite) -> None:
    """Bump to .postN, date or write its changelog section, commit `hotfix: X`, push the branch."""
    r, p = rite.release, rite.project
    text = set_release_files(rite)
    if text is not None:  # no section yet: write one from --note entries or the commits since the last tag
        notes = r.notes or rite.git.subjects_since(facts.conventions(rite).tag.format(version=r.from_version)) or [f"hotfix release {r.version}"]
        change = changelog_edits.changelog_format(p).add_release(text, r.version, r.date, notes)
        changelog_edits.apply_change(p, rite.shell, change)
    repository.commit_release_files(p, rite.git, f"hotfix: {r.version}")
    assert r.branch is not None  # a hotfix is made on its branch
    rite.git.push(r.remote, r.branch, set_upstream=True)


def hotfix_commit_done(rite: Rite) -> bool:
    r = rite.release
    rite.git.fetch(r.remote)
    upstream = f"{r.remote}/{r.branch}"
    if facts.conventions(rite).source.paths:
        carried = facts.version_at(rite, upstream) == r.version
    else:  # git tags hold the version: the hotfix commit is the one that writes its changelog section
        carried = facts.has_release_section(rite, upstream, r.version)
    return carried and publish_branch_done(rite)


HOTFIX_COMMIT = Step(
    "hotfix-commit", "bump to the post-release, changelog, commit and push", "version.bump-post-release",
    hotfix_commit, lambda rite: [*facts.version_commands(rite, rite.release.from_version, rite.release.version),
                                 *commands_from("write {p.changelog_rel}: ## {r.version} ({r.date})",
                                                "git commit -m 'hotfix: {r.version}'", "git push {r.remote} {r.branch}")(rite)],
    hotfix_commit_done, changes_outside=True)
