"""The git part of the rite, end to end, on real git with a bare file:// remote.

Faults are injected the way they happen: a pre-receive hook on the remote that
rejects a push, a tag made behind the rite's back, the process killed mid-way,
a colleague pushing to main while the release runs (git hooks in the project).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from releasekit.testing.sample import make_sample_project
from tests.conftest import Cli, configure

# States are compared across runs that may straddle midnight: releases compared with the reference pin the date.
RELEASE_DATE = "2026-01-02"
GIT_ONLY = {"skip_steps": ["build", "check", "upload", "verify"], "test_command": "true"}


def git_project(root: Path, version: str = "0.1.0.dev0", **settings):
    project = make_sample_project(root, "sampleproj", version)
    configure(project, **{**GIT_ONLY, **settings})
    return project


def remote_git(project, *args: str) -> str:
    return subprocess.run(["git", "--git-dir", str(project.remote), *args], text=True, capture_output=True,
                          check=True).stdout.strip()


def final_state(project) -> dict:
    """What a release leaves behind, independent of commit times: trees and subjects per ref."""
    state = {}
    refs = remote_git(project, "for-each-ref", "--format=%(refname)").split()
    for ref in refs:
        state[ref] = (remote_git(project, "rev-parse", f"{ref}^{{tree}}"),
                      remote_git(project, "log", "--format=%s", ref).splitlines())
    state["local-branch"] = project.git("rev-parse", "--abbrev-ref", "HEAD").strip()
    state["clean"] = project.git("status", "--porcelain").strip() == ""
    return state


def hook(project, name: str, body: str, *, remote: bool = False) -> Path:
    folder = (project.remote / "hooks") if remote else (project.path / ".git" / "hooks")
    path = folder / name
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(0o755)
    return path


@pytest.fixture
def gp(tmp_path, cli_env):
    project = git_project(tmp_path / "a")
    return project, Cli(project.path, cli_env)


def test_release_does_the_whole_git_dance(gp, reference_state):
    project, cli = gp
    result = cli("release", "--yes", "--date", RELEASE_DATE)
    assert result.returncode == 0, result.stdout + result.stderr
    # The release branch holds both files: the release version and the finalized changelog.
    assert "__version__ = '0.1.0'" in remote_git(project, "show", "release-0.1.0:sampleproj/version.py")
    shipped = remote_git(project, "show", "release-0.1.0:CHANGES.md")
    assert f"## 0.1.0 ({RELEASE_DATE})" in shipped and "Work In Progress" not in shipped
    # The tag is on the remote, at the release branch's tip.
    assert remote_git(project, "rev-parse", "refs/tags/0.1.0^{commit}") == remote_git(project, "rev-parse", "release-0.1.0")
    # main moved to the next .dev0, with a fresh WIP section above the dated release.
    assert "__version__ = '0.1.1.dev0'" in remote_git(project, "show", "main:sampleproj/version.py")
    main_log = remote_git(project, "show", "main:CHANGES.md")
    assert main_log.index("## 0.1.1.dev0 (Work In Progress)") < main_log.index(f"## 0.1.0 ({RELEASE_DATE})")
    assert "Nothing to backport" in result.stdout
    assert final_state(project) == reference_state


# fastai's Makefile order, one task at a time (git part), as a maintainer types it.
MAKEFILE_ORDER = [
    ["version.bump"], ["changelog.finalize", "--date", RELEASE_DATE], ["git.release-branch-create"],
    ["git.commit-version"], ["git.main-branch-switch"], ["version.bump-dev"], ["changelog.dev-cycle"],
    ["git.commit-dev-cycle-push", "--yes"], ["git.prev-branch-switch"], ["git.commit-release-push", "--yes"],
    ["git.tag-version-push", "--yes"], ["git.backport-check"], ["git.main-branch-switch"],
]


def test_the_makefile_order_task_by_task_ends_where_release_does(gp, reference_state):
    project, cli = gp
    for argv in MAKEFILE_ORDER:
        if "--yes" in argv:  # a task that pushes: without a terminal, refused until --yes, changing nothing
            refs = (project.git("for-each-ref"), remote_git(project, "for-each-ref"), project.git("status", "--porcelain"))
            refused = cli(*[a for a in argv if a != "--yes"])
            assert refused.returncode == 1 and refused.stderr.strip() == (
                "error: standard input is not a terminal: pass --yes to push non-interactively"), argv
            assert (project.git("for-each-ref"), remote_git(project, "for-each-ref"),
                    project.git("status", "--porcelain")) == refs
        result = cli(*argv)
        assert result.returncode == 0, (argv, result.stdout + result.stderr)
    assert final_state(project) == reference_state


def test_the_makefile_order_ignores_tags_that_are_no_release(gp):
    project, cli = gp
    for odd in ("2", "nightly", "1.0.0-beta", "0.0.1.post1.dev3"):  # loose versions, names, another scheme
        project.git("tag", odd)
    for argv in MAKEFILE_ORDER:
        result = cli(*argv)
        assert result.returncode == 0, (argv, result.stdout + result.stderr)
    assert "## 0.1.0 (" + RELEASE_DATE + ")" in remote_git(project, "show", "main:CHANGES.md")


def test_pushing_the_dev_cycle_before_bump_dev_is_refused(gp):
    project, cli = gp
    at = MAKEFILE_ORDER.index(["version.bump-dev"])
    for argv in MAKEFILE_ORDER[:at]:
        assert cli(*argv).returncode == 0, argv
    main_before = remote_git(project, "rev-parse", "main")
    early = cli("git.commit-dev-cycle-push")  # bump-dev forgotten: it used to push nothing, silently
    assert early.returncode != 0
    assert "main is still at 0.1.0.dev0, but 0.1.0 is already cut (release-0.1.0)" in early.stderr
    assert "version.bump-dev" in early.stderr and remote_git(project, "rev-parse", "main") == main_before
    for argv in MAKEFILE_ORDER[at:]:  # then the order goes on as written
        assert cli(*argv).returncode == 0, argv
    assert "## 0.1.0 (" + RELEASE_DATE + ")" in remote_git(project, "show", "main:CHANGES.md")


def test_branch_switches_have_dry_runs(gp):
    project, cli = gp
    project.git("branch", "release-0.1.0")
    for argv in (["git.release-branch-switch", "--version", "0.1.0"], ["git.prev-branch-switch"],
                 ["git.main-branch-switch"]):
        result = cli(*argv, "--dry-run")
        assert result.returncode == 0 and "git checkout" in result.stdout, argv
        assert project.git("rev-parse", "--abbrev-ref", "HEAD").strip() == "main", argv
    assert cli("git.release-branch-switch", "--version", "0.1.0").returncode == 0
    assert project.git("rev-parse", "--abbrev-ref", "HEAD").strip() == "release-0.1.0"


def test_minor_release_moves_main_past_the_released_version(tmp_path, cli_env):
    project = git_project(tmp_path, "1.0.51.dev0")
    before = date.today().isoformat()
    result = Cli(project.path, cli_env)("release", "--yes", "--part", "minor")
    after = date.today().isoformat()
    assert result.returncode == 0, result.stdout + result.stderr
    assert remote_git(project, "rev-parse", "--verify", "refs/tags/1.1.0")
    # Without --date the release is dated today (the run may cross midnight).
    header = re.search(r"^## 1\.1\.0 \((\S+)\)$", remote_git(project, "show", "release-1.1.0:CHANGES.md"), re.M)
    assert header and header[1] in {before, after}
    assert "__version__ = '1.1.1.dev0'" in remote_git(project, "show", "main:sampleproj/version.py")


def test_plan_lists_the_concrete_steps(gp):
    project, cli = gp
    plan = json.loads(cli("release", "--plan", "--json", check=True).stdout)
    release = plan["release"]
    assert (release["version"], release["branch"], release["tag"], release["next_dev"]) == \
        ("0.1.0", "release-0.1.0", "0.1.0", "0.1.1.dev0")
    names = [s["name"] for s in plan["steps"]]
    assert names == ["preflight", "tests", "prepare", "release-branch", "dev-cycle", "push-release-branch", "tag",
                     "finish"]  # the artifact steps are switched off for this project
    text = cli("release", "--plan", check=True).stdout
    assert "git push origin refs/tags/0.1.0" in text and "git checkout -b release-0.1.0" in text


def test_dry_run_changes_nothing(gp):
    project, cli = gp

    def snapshot():
        files = {p: p.read_bytes() for p in project.path.rglob("*") if p.is_file() and ".git" not in p.parts}
        return (files, project.git("for-each-ref"), remote_git(project, "for-each-ref"),
                project.git("status", "--porcelain"), (project.path / ".git" / "releasekit").exists())

    before = snapshot()
    result = cli("release", "--dry-run")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "[dry-run] would run: git push" in result.stdout
    assert "+## 0.1.1.dev0 (Work In Progress)" in result.stdout  # diffs of the files it would write
    assert snapshot() == before


def colleague_pushes_to_main_mid_release(project, clone: Path) -> None:
    """When the rite commits on the release branch, a colleague (a clone of the remote) pushes a fix to main."""
    subprocess.run(["git", "clone", "-q", str(project.remote), str(clone)], check=True)
    hook(project, "post-commit", f"""
case "$(git log -1 --format=%s)" in "starting release branch"*)
  cd {clone} && echo fix > fix.txt && git add fix.txt && git -c user.name=C -c user.email=c@x.invalid commit -qm "colleague fix" && git push -q origin main
esac
""")


def test_a_colleague_pushing_to_main_mid_release_is_integrated(gp, tmp_path):
    project, cli = gp
    colleague_pushes_to_main_mid_release(project, tmp_path / "colleague")
    result = cli("release", "--yes")
    assert result.returncode == 0, result.stdout + result.stderr
    main_subjects = remote_git(project, "log", "--format=%s", "main").splitlines()
    assert main_subjects[:2] == ["new dev cycle: 0.1.1.dev0", "colleague fix"]
    assert "colleague fix" not in remote_git(project, "log", "--format=%s", "release-0.1.0")
    assert remote_git(project, "tag").split() == ["0.1.0"]  # released once
    assert "__version__ = '0.1.1.dev0'" in remote_git(project, "show", "main:sampleproj/version.py")


FAULTS = {
    # a pre-receive hook on the remote rejects the first push of the tag
    "remote-rejects-tag": dict(remote_hook=("pre-receive", """
while read old new ref; do case "$ref" in refs/tags/*)
  if [ ! -f "$GIT_DIR/rejected-once" ]; then touch "$GIT_DIR/rejected-once"; echo "tags are frozen" >&2; exit 1; fi
esac; done
""")),
    # a pre-receive hook rejects the dev-cycle push to main once
    "remote-rejects-main": dict(remote_hook=("pre-receive", """
while read old new ref; do case "$ref" in refs/heads/main)
  if [ ! -f "$GIT_DIR/rejected-once" ]; then touch "$GIT_DIR/rejected-once"; echo "main is locked" >&2; exit 1; fi
esac; done
""")),
    # someone makes the tag, on the wrong commit, behind the rite's back
    "tag-behind-the-back": dict(local_hook=("post-commit", """
case "$(git log -1 --format=%s)" in "starting release branch"*) git tag 0.1.0 HEAD~1 ;; esac
"""), repair=lambda project: project.git("tag", "-d", "0.1.0")),
    # the release process is killed right after the dev-cycle commit, before pushing
    "killed-after-dev-commit": dict(local_hook=("post-commit", """
case "$(git log -1 --format=%s)" in "new dev cycle"*) kill -9 "$(cat .git/releasekit/lock)" ;; esac
""")),
    # killed right after the release branch commit
    "killed-after-branch-commit": dict(local_hook=("post-commit", """
case "$(git log -1 --format=%s)" in "starting release branch"*) kill -9 "$(cat .git/releasekit/lock)" ;; esac
""")),
}


@pytest.mark.parametrize("fault", list(FAULTS), ids=list(FAULTS))
def test_fault_then_resume_equals_an_uninterrupted_release(fault, gp, reference_state):
    project, cli = gp
    spec = FAULTS[fault]
    if "remote_hook" in spec:
        path = hook(project, *spec["remote_hook"], remote=True)
    else:
        path = hook(project, *spec["local_hook"])
    first = cli("release", "--yes", "--date", RELEASE_DATE)
    assert first.returncode != 0, first.stdout
    if "local_hook" in spec:
        path.unlink()  # the fault was one-off
    if "repair" in spec:
        spec["repair"](project)
    second = cli("release", "--yes", "--date", RELEASE_DATE)
    assert second.returncode == 0, second.stdout + second.stderr
    if "killed" not in fault:
        assert "already done" in second.stdout
    assert final_state(project) == reference_state


def test_an_uncommitted_changelog_edit_is_no_half_done_release(gp):
    """Only the version file and changelog changed looks like a crash inside prepare, but without a
    journal that says preflight passed it is the maintainer's own edit: preflight runs and stops."""
    project, cli = gp
    assert cli("changelog.add", "an entry not yet committed").returncode == 0
    before = final_state(project)
    result = cli("release", "--yes")
    assert result.returncode != 0
    assert re.search(r"preflight\s+failed", result.stdout) and "CHANGES.md" in result.stdout
    assert final_state(project) == before


def test_a_bad_date_is_refused_before_anything_is_written(gp):
    project, cli = gp
    before = final_state(project)
    for args in (["--yes"], ["--plan"]):
        result = cli("release", *args, "--date", "2024-13-45")
        assert result.returncode != 0 and "'2024-13-45' is not a real date" in result.stderr, args
        assert "Traceback" not in result.stderr
    assert final_state(project) == before
    assert not (project.path / ".git" / "releasekit" / "journal.json").exists()
    again = cli("release", "--yes", "--date", RELEASE_DATE)
    assert again.returncode == 0, again.stdout + again.stderr
    assert f"## 0.1.0 ({RELEASE_DATE})" in remote_git(project, "show", "release-0.1.0:CHANGES.md")


def test_steps_out_of_order_name_the_step_to_run_first(gp):
    project, cli = gp
    for task in ("git.tag-version-push", "git.commit-release-push", "git.commit-version"):
        result = cli(task)
        assert result.returncode != 0
        assert "git.release-branch-create" in result.stderr and "Traceback" not in result.stderr, task
    result = cli("git.release-branch-create")
    assert result.returncode != 0 and "version.bump" in result.stderr
    result = cli("upload.pypi")
    assert result.returncode != 0 and "dist.pypi" in result.stderr


def test_a_second_release_while_one_runs_is_refused(gp):
    project, cli = gp
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        lock = project.path / ".git" / "releasekit" / "lock"
        lock.parent.mkdir(parents=True, exist_ok=True)
        lock.write_text(str(sleeper.pid))
        result = cli("release", "--yes")
        assert result.returncode != 0
        assert "another release" in result.stderr + result.stdout
        assert remote_git(project, "tag") == ""
    finally:
        sleeper.kill()
        sleeper.wait()


def test_restart_after_a_push_needs_force(gp):
    project, cli = gp
    hook(project, "pre-receive", 'while read o n ref; do case "$ref" in refs/tags/*) exit 1;; esac; done\n', remote=True)
    assert cli("release", "--yes").returncode != 0  # main and the release branch were pushed, the tag was not
    refused = cli("release", "--yes", "--restart")
    assert refused.returncode != 0 and "--force" in refused.stderr


def test_secrets_never_reach_the_log_or_output(tmp_path, cli_env):
    secret_token, secret_pw = "tok-5up3r-s3cr3t-value", "pw-0th3r-s3cr3t"
    project = git_project(tmp_path, test_command="sh -c 'echo token=$MY_API_TOKEN; echo pw=$TWINE_PASSWORD; exit 1'")
    cli = Cli(project.path, dict(cli_env, MY_API_TOKEN=secret_token, TWINE_PASSWORD=secret_pw))
    result = cli("release", "--yes")
    assert result.returncode != 0  # the test command fails on purpose, after printing the secrets
    logs = list((project.path / ".git" / "releasekit" / "logs").glob("release-*.log"))
    assert len(logs) == 1
    text = logs[0].read_text()
    assert "token=********" in text  # the command's output was logged...
    for secret in (secret_token, secret_pw):  # ...without the secrets
        assert secret not in text and secret not in result.stdout + result.stderr
    # It stopped before changing anything, so no pending release (nor any secret) was recorded.
    assert not (project.path / ".git" / "releasekit" / "journal.json").exists()


def test_preflight_reports_every_problem_at_once(gp):
    project, cli = gp
    (project.path / "untracked.txt").write_text("x")
    project.git("remote", "set-url", "origin", str(project.path / "nowhere.git"))
    result = cli("release", "--yes")
    assert result.returncode != 0
    out = result.stdout + result.stderr
    assert "untracked.txt" in out and "cannot fetch" in out
    assert "Traceback" not in out


def test_hotfix_tags_a_post_release_and_reports_the_fix_for_backport(gp):
    project, cli = gp
    assert cli("release", "--yes").returncode == 0
    project.git("checkout", "-q", "release-0.1.0")
    project.git("pull", "-q", "origin", "release-0.1.0")
    (project.path / "sampleproj" / "fix.py").write_text("FIXED = True\n")
    project.git("add", "-A")
    project.git("commit", "-q", "-m", "fix the crash")
    fix_sha = project.git("rev-parse", "--short", "HEAD").strip()
    project.git("push", "-q", "origin", "release-0.1.0")
    result = cli("release-hotfix", "--yes", "--note", "Fixed the crash on start", "--date", "2026-02-03")
    assert result.returncode == 0, result.stdout + result.stderr
    assert remote_git(project, "rev-parse", "refs/tags/0.1.0.post1^{commit}") == remote_git(project, "rev-parse", "release-0.1.0")
    assert "__version__ = '0.1.0.post1'" in remote_git(project, "show", "release-0.1.0:sampleproj/version.py")
    changes = remote_git(project, "show", "release-0.1.0:CHANGES.md")
    assert "## 0.1.0.post1 (2026-02-03)" in changes and "Fixed the crash on start" in changes
    assert "may need to be backported" in result.stdout and f"{fix_sha} fix the crash" in result.stdout
    assert project.git("rev-parse", "--abbrev-ref", "HEAD").strip() == "main"
    backport = cli("git.backport", "--version", "0.1.0")
    assert backport.returncode == 0, backport.stderr
    assert (project.path / "sampleproj" / "fix.py").exists()


def test_hotfix_refuses_to_run_on_main(gp):
    project, cli = gp
    result = cli("release-hotfix", "--yes")
    assert result.returncode != 0 and "release branch" in result.stderr


def test_inv_runs_the_rite_from_a_tasks_py(tmp_path, cli_env):
    project = git_project(tmp_path)
    (project.path / "tasks.py").write_text("from releasekit.tasks import namespace\nns = namespace()\n"
                                           "ns.configure({'releasekit': {'tag': 'v{version}'}})\n")
    project.git("add", "tasks.py")
    project.git("commit", "-qm", "tasks.py")
    project.git("push", "-q", "origin", "main")
    inv = [str(Path(sys.executable).with_name("inv"))]
    result = Cli(project.path, cli_env)("release", "--yes", program=inv)
    assert result.returncode == 0, result.stdout + result.stderr
    assert remote_git(project, "rev-parse", "--verify", "refs/tags/v0.1.0")



def _fail_tests_once(cli) -> None:
    first = cli("release", "--yes", env={"INVOKE_RELEASEKIT_TEST_COMMAND": "false"})
    assert first.returncode != 0 and "tests" in first.stdout


def _stop_once_after_the_first_change(project, cli) -> None:
    """A release that changed something (version bumped, release branch cut) and then stopped: its
    commit on the release branch is refused once by a local hook. Only such a release is pending."""
    hook(project, "pre-commit", 'if [ ! -f .git/refused-once ]; then touch .git/refused-once; exit 1; fi\n')
    first = cli("release", "--yes")
    assert first.returncode != 0 and "release-branch" in first.stdout
    assert (project.path / ".git" / "releasekit" / "journal.json").exists()


def test_resume_refuses_a_release_the_project_has_moved_away_from(gp):
    project, cli = gp
    _stop_once_after_the_first_change(project, cli)  # the journal now holds an unfinished release of 0.1.0
    project.git("checkout", "-q", "-f", "main")  # the maintainer drops the bumped files and moves on
    for path, old, new in (("sampleproj/version.py", "0.1.0.dev0", "0.2.0.dev0"), ("CHANGES.md", "0.1.0.dev0", "0.2.0.dev0")):
        f = project.path / path
        f.write_text(f.read_text().replace(old, new))
    project.git("commit", "-qam", "move to 0.2.0.dev0")
    project.git("push", "-q", "origin", "main")
    refused = cli("release", "--yes")
    assert refused.returncode != 0 and "--restart" in refused.stderr and "0.2.0.dev0" in refused.stderr
    assert remote_git(project, "tag") == ""
    restarted = cli("release", "--yes", "--restart")
    assert restarted.returncode == 0, restarted.stdout + restarted.stderr
    assert remote_git(project, "tag").split() == ["0.2.0"]


def test_resume_refuses_another_part(gp):
    project, cli = gp
    _stop_once_after_the_first_change(project, cli)
    refused = cli("release", "--yes", "--part", "minor")
    assert refused.returncode != 0 and "--part patch" in refused.stderr


def test_a_release_stopped_before_any_change_checks_the_branch_again(gp):
    project, cli = gp
    _fail_tests_once(cli)
    project.git("checkout", "-q", "-b", "wip-experiment")
    (project.path / "experiment.txt").write_text("unreviewed\n")
    project.git("add", "experiment.txt")
    project.git("commit", "-qm", "experiment")
    result = cli("release", "--yes")
    assert result.returncode != 0
    assert "not 'main'" in result.stdout + result.stderr
    assert project.git("branch", "--list", "release-0.1.0").strip() == "" and remote_git(project, "tag") == ""


def test_dry_run_of_an_unfinished_release_shows_the_rest_and_changes_nothing(gp):
    project, cli = gp
    hook_path = hook(project, "post-commit", """
case "$(git log -1 --format=%s)" in "new dev cycle"*) kill -9 "$(cat .git/releasekit/lock)" ;; esac
""")
    assert cli("release", "--yes").returncode != 0
    hook_path.unlink()
    journal = (project.path / ".git" / "releasekit" / "journal.json").read_text()
    refs = (project.git("for-each-ref"), remote_git(project, "for-each-ref"))
    dry = cli("release", "--dry-run")
    assert dry.returncode == 0, dry.stdout + dry.stderr
    assert "preflight checks: already done" in dry.stdout and "[dry-run] would run: git push" in dry.stdout
    assert (project.path / ".git" / "releasekit" / "journal.json").read_text() == journal
    assert (project.git("for-each-ref"), remote_git(project, "for-each-ref")) == refs
