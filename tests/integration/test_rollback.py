"""`release --rollback`: back to the state before the release, on real git with a bare remote.

A release is stopped after each step up to the tag push (a remote hook refuses the next push, or a
local hook the next commit); the rollback must leave the local and the remote refs, the tracked files
and the journal as they were before the release, and a fresh release from there must end where an
uninterrupted one does. What is compared are trees, not commit ids: a pushed commit is reverted by a
new commit (never a force-push), so main's history grows but its content is restored.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess

import pytest

from tests.conftest import RELEASEKIT, Cli, configure
from tests.integration.test_consent import in_terminal
from tests.integration.test_release_pypi import served
from tests.integration.test_rite import (
    GIT_ONLY,
    RELEASE_DATE,
    colleague_pushes_to_main_mid_release,
    final_state,
    git_project,
    hook,
    remote_git,
)

pytestmark = pytest.mark.integration

REFUSE_REMOTE = 'while read o n ref; do case "$ref" in {}) echo "refused by test" >&2; exit 1;; esac; done\n'
STOPS = {
    # where the release stops: (hook name, body, remote?) and the last step that is done by then
    "after-prepare": ("pre-commit", 'exit 1\n', False),
    "after-release-branch": ("pre-receive", REFUSE_REMOTE.format("refs/heads/main"), True),
    "after-dev-cycle": ("pre-receive", REFUSE_REMOTE.format("refs/heads/release-*"), True),
    "after-push-release-branch": ("pre-receive", REFUSE_REMOTE.format("refs/tags/*"), True),
    "after-tag": None,  # the whole git release ran (upload and the rest are skipped here)
}


def trees(project) -> dict:
    """The content of every ref here and on the remote, the checked-out branch and the tracked files."""
    def refs(git_args: list[str]) -> dict:
        out = subprocess.run([*git_args, "for-each-ref", "--format=%(refname)"], text=True, capture_output=True,
                             check=True).stdout.split()
        return {ref: subprocess.run([*git_args, "rev-parse", f"{ref}^{{tree}}"], text=True, capture_output=True,
                                    check=True).stdout.strip() for ref in out if not ref.startswith("refs/remotes/")}

    files = {}
    for rel in project.git("ls-files").split():
        files[rel] = hashlib.sha256((project.path / rel).read_bytes()).hexdigest()
    return {"remote": refs(["git", "--git-dir", str(project.remote)]),
            "local": refs(["git", "-C", str(project.path)]),
            "head": project.git("rev-parse", "--abbrev-ref", "HEAD").strip(),
            "status": project.git("status", "--porcelain").strip(), "files": files}


def content_only(state: dict) -> dict:
    """final_state without the commit subjects (a rolled-back main has two more commits in its history)."""
    return {ref: value[0] if isinstance(value, tuple) else value for ref, value in state.items()}


def journal(project) -> dict:
    return json.loads((project.path / ".git" / "releasekit" / "journal.json").read_text())


@pytest.mark.parametrize("stop", list(STOPS))
def test_rollback_after_each_step_restores_the_state_before_the_release(tmp_path, cli_env, reference_state, stop):
    project = git_project(tmp_path)
    cli = Cli(project.path, cli_env)
    before = trees(project)
    injected = STOPS[stop]
    if injected:
        path = hook(project, injected[0], injected[1], remote=injected[2])
        assert cli("release", "--yes", "--date", RELEASE_DATE).returncode != 0
        path.unlink()
    else:
        assert cli("release", "--yes", "--date", RELEASE_DATE).returncode == 0
    rolled = cli("release", "--rollback", "--yes")
    assert rolled.returncode == 0, rolled.stdout + rolled.stderr
    assert trees(project) == before
    assert journal(project)["rolled_back"]["actions"]  # closed, saying what it undid
    logs = "".join(p.read_text() for p in (project.path / ".git" / "releasekit" / "logs").glob("*.log"))
    assert "rollback of the release of 0.1.0" in logs
    assert not re.search(r"^\$ git push\b.*(--force|\s-f\b|\s\+)", logs, re.M)  # nothing rewrites the remote
    plan = cli("release", "--plan", check=True).stdout
    assert plan.startswith("release 0.1.0 of sampleproj (from 0.1.0.dev0)")  # a fresh release from here
    again = cli("release", "--yes", "--date", RELEASE_DATE)
    assert again.returncode == 0, again.stdout + again.stderr
    assert content_only(final_state(project)) == content_only(reference_state)


def test_rollback_keeps_a_colleagues_commit_pushed_to_main_during_the_release(tmp_path, cli_env):
    project = git_project(tmp_path / "p")
    cli = Cli(project.path, cli_env)
    colleague_pushes_to_main_mid_release(project, tmp_path / "colleague")
    refuse_tags = hook(project, "pre-receive", REFUSE_REMOTE.format("refs/tags/*"), remote=True)
    version_before = remote_git(project, "show", "main:sampleproj/version.py")
    assert cli("release", "--yes").returncode != 0  # main (with the colleague's fix) and the branch were pushed
    refuse_tags.unlink()
    rolled = cli("release", "--rollback", "--yes")
    assert rolled.returncode == 0, rolled.stdout + rolled.stderr
    subjects = remote_git(project, "log", "--format=%s", "main").splitlines()
    assert subjects[:3] == ['rollback of release 0.1.0: revert "new dev cycle: 0.1.1.dev0"',
                            "new dev cycle: 0.1.1.dev0", "colleague fix"]
    assert remote_git(project, "show", "main:fix.txt") == "fix"  # the colleague's work is kept
    assert remote_git(project, "show", "main:sampleproj/version.py") == version_before
    assert remote_git(project, "for-each-ref", "refs/heads/release-0.1.0", "refs/tags") == ""
    assert project.git("rev-parse", "main").strip() == remote_git(project, "rev-parse", "main")


def test_rollback_asks_first_and_without_a_terminal_needs_yes(tmp_path, cli_env):
    project = git_project(tmp_path)
    cli = Cli(project.path, cli_env)
    hook(project, "pre-receive", REFUSE_REMOTE.format("refs/tags/*"), remote=True)
    assert cli("release", "--yes").returncode != 0
    after_release = trees(project)
    refused = cli("release", "--rollback")
    assert refused.returncode == 1
    assert refused.stderr.strip() == "error: standard input is not a terminal: pass --yes to roll back non-interactively"
    code, shown = in_terminal([*RELEASEKIT, "release", "--rollback"], project.path, cli_env, "n")
    assert code == 1 and "nothing was changed, as asked" in shown, shown
    for listed in ("delete the branch release-0.1.0 on origin", "delete the local branch release-0.1.0",
                   "revert", "push main to origin (a new commit, no force-push)", "Roll back the release of 0.1.0?"):
        assert listed in shown, (listed, shown)
    assert trees(project) == after_release
    dry = cli("release", "--rollback", "--dry-run")
    assert dry.returncode == 0 and "[dry-run] would run: git push --quiet --porcelain origin :refs/heads/release-0.1.0" in dry.stdout
    assert trees(project) == after_release


def test_a_rollback_stopped_at_its_push_finishes_when_run_again(tmp_path, cli_env):
    project = git_project(tmp_path)
    cli = Cli(project.path, cli_env)
    before = trees(project)
    refuse = hook(project, "pre-receive", REFUSE_REMOTE.format("refs/tags/*"), remote=True)
    assert cli("release", "--yes").returncode != 0  # main and the release branch are pushed
    refuse.write_text("#!/bin/sh\n" + REFUSE_REMOTE.format("refs/heads/main"))  # the revert's push is refused
    first = cli("release", "--rollback", "--yes")
    assert first.returncode != 0 and "refused by test" in first.stderr  # the remote's own reason
    refuse.unlink()
    second = cli("release", "--rollback", "--yes")
    assert second.returncode == 0, second.stdout + second.stderr
    assert "revert" not in second.stdout.split("Roll back")[0].replace("push main", "")  # nothing reverted twice
    assert trees(project) == before
    subjects = remote_git(project, "log", "--format=%s", "main").splitlines()
    assert subjects.count('rollback of release 0.1.0: revert "new dev cycle: 0.1.1.dev0"') == 1


def test_a_changelog_edit_made_after_the_release_stopped_is_refused_or_stashed_never_lost(tmp_path, cli_env):
    project = git_project(tmp_path)
    cli = Cli(project.path, cli_env)
    hook(project, "pre-receive", REFUSE_REMOTE.format("refs/heads/main"), remote=True)
    assert cli("release", "--yes").returncode != 0
    changes = project.path / "CHANGES.md"
    changes.write_text(changes.read_text() + "- a note I wrote by hand\n")
    refused = cli("release", "--rollback", "--yes")  # the edit is the maintainer's, not the release's
    assert refused.returncode == 1 and "not the release's (CHANGES.md)" in refused.stderr
    assert "a note I wrote by hand" in changes.read_text()
    rolled = cli("release", "--rollback", "--yes", "--stash")
    assert rolled.returncode == 0, rolled.stdout + rolled.stderr
    assert "a note I wrote by hand" not in changes.read_text()
    assert "a note I wrote by hand" in project.git("stash", "show", "-p", "stash@{0}")


def test_rollback_refuses_uncommitted_work_unless_stashed(tmp_path, cli_env):
    project = git_project(tmp_path)
    cli = Cli(project.path, cli_env)
    hook(project, "pre-receive", REFUSE_REMOTE.format("refs/tags/*"), remote=True)
    assert cli("release", "--yes").returncode != 0
    (project.path / "notes.txt").write_text("mine\n")
    refused = cli("release", "--rollback", "--yes")
    assert refused.returncode == 1
    assert refused.stderr.strip() == ("error: the working tree has changes that are not the release's (notes.txt) "
                                      "(hint: commit or stash them, or pass --stash to have them stashed)")
    assert (project.path / "notes.txt").exists()
    stashed = cli("release", "--rollback", "--yes", "--stash")
    assert stashed.returncode == 0, stashed.stdout + stashed.stderr
    assert "releasekit: before the rollback of 0.1.0" in project.git("stash", "list")


def test_a_hotfix_rollback_keeps_the_fix_and_reverts_only_the_hotfix_commit(tmp_path, cli_env):
    project = git_project(tmp_path)
    cli = Cli(project.path, cli_env)
    assert cli("release", "--yes").returncode == 0
    project.git("checkout", "-q", "release-0.1.0")
    (project.path / "sampleproj" / "fix.py").write_text("FIXED = True\n")
    project.git("add", "-A")
    project.git("commit", "-q", "-m", "fix the crash")
    fixed_tree = project.git("rev-parse", "HEAD^{tree}").strip()
    refuse_tags = hook(project, "pre-receive", REFUSE_REMOTE.format("refs/tags/*"), remote=True)
    assert cli("release-hotfix", "--yes", "--note", "Fixed").returncode != 0  # fix and hotfix commit pushed
    refuse_tags.unlink()
    rolled = cli("release-hotfix", "--rollback", "--yes")
    assert rolled.returncode == 0, rolled.stdout + rolled.stderr
    subjects = remote_git(project, "log", "--format=%s", "release-0.1.0").splitlines()
    assert subjects[:3] == ['rollback of hotfix 0.1.0.post1: revert "hotfix: 0.1.0.post1"', "hotfix: 0.1.0.post1",
                            "fix the crash"]
    assert remote_git(project, "rev-parse", "release-0.1.0^{tree}") == fixed_tree
    assert remote_git(project, "tag").split() == ["0.1.0"]


def test_rollback_after_an_upload_is_refused_and_force_rolls_back_git_only(release_project, release_cli,
                                                                            index_server):
    project, cli = release_project, release_cli
    result = cli("release", "--yes")
    assert result.returncode == 0, result.stdout + result.stderr
    released = trees(project)
    assert "s3cret-twine-pass" not in (project.path / ".git" / "releasekit" / "journal.json").read_text()
    files = served(index_server, project.name)
    assert files
    refused = cli("release", "--rollback", "--yes")
    assert refused.returncode == 1
    assert refused.stderr.strip() == (
        "error: 0.1.0 was uploaded (its upload step ran), and PyPI and anaconda.org never accept a filename twice, "
        "so it cannot be rolled back (hint: release the fix as a post-release with `releasekit release-hotfix`, "
        "or pass --force to roll back git only (the uploaded files stay published))")
    assert trees(project) == released
    forced = cli("release", "--rollback", "--yes", "--force")
    assert forced.returncode == 0, forced.stdout + forced.stderr
    assert "rolling back git only; the uploaded files of 0.1.0 stay published" in forced.stdout + forced.stderr
    assert remote_git(project, "tag") == "" and "release-0.1.0" not in remote_git(project, "branch")
    assert served(index_server, project.name) == files  # still published


def test_rollback_is_refused_when_the_remote_release_branch_has_someone_elses_commit(tmp_path, cli_env):
    project = git_project(tmp_path / "p")
    cli = Cli(project.path, cli_env)
    refuse = hook(project, "pre-receive", REFUSE_REMOTE.format("refs/tags/*"), remote=True)
    assert cli("release", "--yes").returncode != 0  # main and release-0.1.0 pushed, the tag refused
    refuse.unlink()
    other = tmp_path / "colleague"
    subprocess.run(["git", "clone", "-q", "-b", "release-0.1.0", str(project.remote), str(other)], check=True)
    (other / "hotfix.txt").write_text("x\n")
    for args in (["add", "hotfix.txt"], ["-c", "user.name=C", "-c", "user.email=c@x.invalid", "commit", "-qm",
                                         "a colleague's fix"], ["push", "-q", "origin", "release-0.1.0"]):
        subprocess.run(["git", *args], cwd=other, check=True)
    before = trees(project)
    remote_refs = remote_git(project, "for-each-ref")
    refused = cli("release", "--rollback", "--yes")
    assert refused.returncode == 1
    assert refused.stderr.strip() == (
        "error: origin/release-0.1.0 has commits the release did not make (a colleague's fix) (hint: keep them on "
        "another branch, or delete origin/release-0.1.0 by hand; then run the same command again)")
    assert remote_git(project, "for-each-ref") == remote_refs  # refused before anything was changed
    assert trees(project)["local"] == before["local"]


def test_restart_help_points_to_rollback(tmp_path, cli_env):
    project = git_project(tmp_path)
    shown = Cli(project.path, cli_env)("release", "-h", check=True).stdout
    restart = " ".join(shown[shown.index("--restart"):].split()[:20])
    assert "--rollback" in restart


# A towncrier project (attrs' shape: hatch-vcs, changelog.d/ fragments, no release branch): prepare runs
# `towncrier build`, which writes CHANGELOG.md and deletes the fragments. The rollback brings both back,
# whether the build is still uncommitted (the release commit was refused) or committed and pushed (the
# tag push was refused, so the release commit is reverted on main).
@pytest.mark.parametrize("stop", ["after-prepare", "after-release-commit"])
def test_rollback_of_a_towncrier_build_restores_the_changelog_and_the_fragments(tmp_path, cli_env, stop):
    from releasekit.testing.styles import CRIER_FRAGMENTS_NEXT, STYLES

    project = STYLES["hatchvcs-towncrier"].make(tmp_path, "crierback")
    configure(project, **GIT_ONLY, changelog_format="towncrier", version_source="scm", tag="v{version}",
              release_branch=False)
    cli = Cli(project.path, cli_env)
    before = trees(project)
    changelog = (project.path / "CHANGELOG.md").read_text()
    if stop == "after-prepare":
        path = hook(project, "pre-commit", "exit 1\n")
    else:
        path = hook(project, "pre-receive", REFUSE_REMOTE.format("refs/tags/*"), remote=True)
    stopped = cli("release", "--yes", "--part", "minor", "--date", RELEASE_DATE)
    assert stopped.returncode != 0
    assert not any((project.path / rel).exists() for rel in CRIER_FRAGMENTS_NEXT)  # towncrier built them
    assert "## [0.4.0](" in (project.path / "CHANGELOG.md").read_text()
    path.unlink()
    if stop == "after-prepare":  # the build is known by what it wrote: a hand edit on top of it is not the release's
        built = project.path / "CHANGELOG.md"
        text = built.read_text()
        built.write_text(text + "- a note I wrote by hand\n")
        refused = cli("release", "--rollback", "--yes")
        assert refused.returncode == 1 and "not the release's (CHANGELOG.md)" in refused.stderr
        built.write_text(text)
    rolled = cli("release", "--rollback", "--yes")
    assert rolled.returncode == 0, rolled.stdout + rolled.stderr
    assert trees(project) == before
    assert (project.path / "CHANGELOG.md").read_text() == changelog
    assert all((project.path / rel).read_text() == text for rel, text in CRIER_FRAGMENTS_NEXT.items())
    plan = cli("release", "--plan", "--part", "minor", check=True).stdout
    assert "build 2 news fragments in changelog.d/ into CHANGELOG.md" in plan  # a fresh release from here
