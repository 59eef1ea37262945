"""Nothing acts without consent: `-h` is help on every task, a release asks once before its first
change (and again on a resume), and without a terminal nothing pushes, tags or uploads unless --yes.
Also: Ctrl-C, `--restart` on a release branch or in a dry run, and the README's hotfix flow.

Each case compares the state before and after: tracked and untracked files, the local refs, the
remote's refs, the index and the journal. A terminal is a real pseudo-terminal, answered like a user.
"""

from __future__ import annotations

import hashlib
import os
import pty
import re
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from invoke import Program

from releasekit.tasks import namespace
from releasekit.tasks.base import CORE_SHORT_FLAGS, SHORT_FLAGS
from tests.conftest import INV, RELEASEKIT, Cli, clean_cli_env, configure
from tests.integration.test_rite import RELEASE_DATE, final_state, git_project, hook, remote_git

pytestmark = pytest.mark.integration

NO_TERMINAL = "error: standard input is not a terminal: pass --yes to {} non-interactively"


def every_task() -> list[str]:
    return sorted(namespace().task_names)


def state(project, index_dir: Path | None = None) -> dict:
    """Everything a task could change: every file of the work tree (tracked or not) with its
    content, the local and the remote refs, HEAD, the journal, and the index's files."""
    files = {}
    for path in sorted(project.path.rglob("*")):
        rel = path.relative_to(project.path)
        if rel.parts[0] == ".git" or not path.is_file():
            continue
        files[str(rel)] = hashlib.sha256(path.read_bytes()).hexdigest()
    journal = project.path / ".git" / "releasekit" / "journal.json"
    return {
        "files": files,
        "head": project.git("symbolic-ref", "-q", "HEAD").strip(),
        "local": project.git("for-each-ref", "--format=%(refname) %(objectname)"),
        "remote": remote_git(project, "for-each-ref", "--format=%(refname) %(objectname)"),
        "journal": journal.read_text() if journal.exists() else None,
        "index": sorted(p.name for p in index_dir.rglob("*") if p.is_file()) if index_dir else None,
    }


# --- -h is help ---------------------------------------------------------------------------------------------------


def test_no_task_option_takes_a_short_flag_of_invokes_own_options():
    program = Program()
    core = {name for arg in program.core_args() + program.task_args() for name in arg.names if len(name) == 1}
    assert core == set(CORE_SHORT_FLAGS)  # the table cannot drift from invoke's own options
    for name in every_task():
        task = namespace()[name]
        for arg in task.get_arguments():
            short = {n for n in arg.names if len(n) == 1}
            assert not short & core, (name, arg.names)
            assert short <= {SHORT_FLAGS.get(arg.attr_name or arg.names[0], "")} - {""}, (name, arg.names)


@pytest.fixture(scope="module")
def help_project(tmp_path_factory, index_server):
    """A project configured to release to the session's index, with a tasks.py for `inv`."""
    from releasekit.testing.sample import make_sample_project

    project = make_sample_project(tmp_path_factory.mktemp("help"), "rk-help-project")
    (project.path / "tasks.py").write_text("from releasekit.tasks import namespace\nns = namespace()\n")
    configure(project, pypi__repository=index_server.url, test_command="true")
    return project


@pytest.mark.parametrize("program", ["releasekit", "inv"])
def test_dash_h_is_help_on_every_task_and_changes_nothing(help_project, index_server, program):
    cli = Cli(help_project.path, clean_cli_env())
    before = state(help_project, index_server.dir)
    for name in every_task():
        result = cli(name, "-h", program=RELEASEKIT if program == "releasekit" else INV)
        assert result.returncode == 0, (name, result.stdout + result.stderr)
        usage = "releasekit" if program == "releasekit" else "inv[oke]"
        assert result.stdout.startswith(f"Usage: {usage} [--core-opts] {name} "), (name, result.stdout[:200])
        assert state(help_project, index_server.dir) == before, name


# --- no terminal, no --yes: refused before anything ------------------------------------------------------------------


@pytest.mark.parametrize("argv", [["release"], ["release-hotfix"], ["release", "--host", "me@build-box"]])
def test_a_release_without_a_terminal_or_yes_is_refused_and_changes_nothing(tmp_path, cli_env, argv):
    project = git_project(tmp_path)
    before = state(project)
    result = subprocess.run([*RELEASEKIT, *argv], cwd=project.path, env=cli_env, text=True, capture_output=True,
                            stdin=subprocess.DEVNULL, timeout=120)
    assert result.returncode == 1
    assert result.stderr.strip() == NO_TERMINAL.format("release")
    assert state(project) == before
    assert not (project.path / ".git" / "releasekit" / "logs").exists()  # refused before it even began


# --- at a terminal: one question, before the first change --------------------------------------------------------------


def in_terminal(argv: list[str], cwd: Path, env: dict, answer: str | None, timeout: float = 300) -> tuple[int, str]:
    """Run ``argv`` on a real pseudo-terminal; type ``answer`` at the first `[y/N]` prompt. Returns
    (exit status, everything the terminal showed)."""
    main, child = pty.openpty()
    proc = subprocess.Popen(argv, cwd=cwd, env=env, stdin=child, stdout=child, stderr=child, start_new_session=True)
    os.close(child)
    shown, answered, deadline = b"", answer is None, time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([main], [], [], 1.0)
            if not ready:
                if proc.poll() is not None:
                    break
                continue
            try:
                chunk = os.read(main, 4096)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            shown += chunk
            if not answered and b"[y/N]" in shown:
                os.write(main, answer.encode() + b"\n")
                answered = True
        code = proc.wait(timeout=max(1.0, deadline - time.monotonic()))
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(main)
    return code, shown.decode(errors="replace").replace("\r\n", "\n")


def test_answering_no_at_the_terminal_changes_nothing(tmp_path, cli_env):
    project = git_project(tmp_path)
    before = state(project)
    code, shown = in_terminal([*RELEASEKIT, "release", "--date", RELEASE_DATE], project.path, cli_env, "n")
    assert code == 1, shown
    question = shown[shown.index("release of sampleproj 0.1.0"):]
    assert "tag 0.1.0 on origin" in question and "branch release-0.1.0" in question and "main at 0.1.1.dev0" in question
    assert "Release sampleproj 0.1.0 now? [y/N]" in question
    assert "error: nothing was changed, as asked" in shown and "failed" not in shown
    assert "preflight checks" in shown and "run the project's tests" in shown  # asked after the read-only steps
    assert state(project) == before


def test_answering_yes_at_the_terminal_releases(tmp_path, cli_env, reference_state):
    project = git_project(tmp_path)
    code, shown = in_terminal([*RELEASEKIT, "release", "--date", RELEASE_DATE], project.path, cli_env, "y")
    assert code == 0, shown
    assert shown.count("[y/N]") == 1  # one question for the whole release
    assert final_state(project) == reference_state


def _stop_after_the_first_change(project, cli) -> None:
    """The release bumped the version and cut its branch, then its commit there was refused once."""
    hook(project, "pre-commit", 'if [ ! -f .git/refused-once ]; then touch .git/refused-once; exit 1; fi\n')
    assert cli("release", "--yes", "--date", RELEASE_DATE).returncode != 0


def test_a_resume_asks_again_naming_the_step_it_resumes_at(tmp_path, cli_env, reference_state):
    project = git_project(tmp_path)
    cli = Cli(project.path, cli_env)
    _stop_after_the_first_change(project, cli)
    before = state(project)
    code, shown = in_terminal([*RELEASEKIT, "release", "--date", RELEASE_DATE], project.path, cli_env, "n")
    assert code == 1, shown
    assert re.search(r"Resume the release of 0\.1\.0 at step \d+/\d+ \(release-branch\)\? \[y/N\]", shown), shown
    assert "nothing more was changed" in shown
    assert state(project) == before
    code, shown = in_terminal([*RELEASEKIT, "release", "--date", RELEASE_DATE], project.path, cli_env, "y")
    assert code == 0, shown
    assert final_state(project) == reference_state


# --- --restart ------------------------------------------------------------------------------------------------------


def test_restart_on_a_release_branch_is_refused_and_forgets_nothing(tmp_path, cli_env):
    project = git_project(tmp_path)
    cli = Cli(project.path, cli_env)
    _stop_after_the_first_change(project, cli)
    assert project.git("rev-parse", "--abbrev-ref", "HEAD").strip() == "release-0.1.0"
    before = state(project)
    result = cli("release", "--yes", "--restart")
    assert result.returncode == 1
    assert result.stderr.strip() == ("error: you are on the release branch 'release-0.1.0': a release starts on "
                                     "'main' (hint: run `git checkout main`, then the same command)")
    assert state(project) == before


def test_restart_dry_run_shows_what_it_forgets_and_the_plan_then(tmp_path, cli_env):
    project = git_project(tmp_path)
    cli = Cli(project.path, cli_env)
    _stop_after_the_first_change(project, cli)
    project.git("checkout", "-q", "-f", "main")
    before = state(project)
    result = cli("release", "--restart", "--dry-run")
    assert result.returncode == 0, result.stdout + result.stderr
    assert ("--restart would forget the unfinished release of 0.1.0 (done: preflight, tests, prepare); "
            "then it would run the release of 0.1.0:") in result.stdout
    assert "[dry-run] would run: git push" in result.stdout
    assert state(project) == before


# --- Ctrl-C ------------------------------------------------------------------------------------------------------------

SLOW_TESTS = """import os, sys, time
mark = os.environ.get("RK_SLOW_MARK")
if mark:
    open(mark, "w").close()
    print("tests running", flush=True)
    time.sleep(120)
"""


# A terminal's foreground job starts with Ctrl-C at its default action. A suite started in the background
# (`pytest ... &` from a script: the shell sets SIGINT to ignored, and exec keeps that) would hand the ignore
# to releasekit and to every command it runs, and nothing would stop: releasekit rightly leaves alone a
# Ctrl-C that its parent chose to ignore. So the default action is restored before releasekit starts.
AS_A_FOREGROUND_JOB = [sys.executable, "-I", "-S", "-c", "import os, signal, sys; "
                       "signal.signal(signal.SIGINT, signal.SIG_DFL); os.execv(sys.argv[1], sys.argv[1:])"]


def interrupt_when(argv: list[str], project, env: dict, mark: Path) -> subprocess.CompletedProcess:
    """Run releasekit in its own process group, as a terminal's foreground job, and press Ctrl-C (SIGINT
    to the group, as a terminal does) once ``mark`` exists."""
    proc = subprocess.Popen([*AS_A_FOREGROUND_JOB, *argv], cwd=project.path, env=env, text=True, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 120
    while not mark.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert mark.exists(), "the release never reached the point to interrupt"
    time.sleep(0.3)
    os.killpg(proc.pid, signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    return subprocess.CompletedProcess(argv, proc.returncode, out, err)


def test_ctrl_c_in_a_step_before_any_change_says_where_and_leaves_nothing(tmp_path, cli_env):
    script = tmp_path / "slow_tests.py"
    script.write_text(SLOW_TESTS)
    project = git_project(tmp_path / "p", test_command=f"{sys.executable} {script}")
    before = state(project)
    mark = tmp_path / "running"
    result = interrupt_when([*RELEASEKIT, "release", "--yes"], project, dict(cli_env, RK_SLOW_MARK=str(mark)), mark)
    assert result.returncode == 130, result.stdout + result.stderr
    assert result.stderr.strip().splitlines()[-1] == (
        "error: interrupted at step 2 (nothing was changed: run the same command to start again)")
    assert "Traceback" not in result.stdout + result.stderr and "KeyboardInterrupt" not in result.stdout + result.stderr
    assert state(project) == before


def test_ctrl_c_during_a_push_resumes_to_the_end_of_an_uninterrupted_release(tmp_path, cli_env, reference_state):
    project = git_project(tmp_path)
    mark = tmp_path / "pushing"
    slow = tmp_path / "slow"
    slow.touch()
    hook(project, "pre-receive", f'if [ -f "{slow}" ]; then touch "{mark}"; sleep 120; fi\n', remote=True)
    result = interrupt_when([*RELEASEKIT, "release", "--yes", "--date", RELEASE_DATE], project, cli_env, mark)
    assert result.returncode == 130, result.stdout + result.stderr
    assert re.fullmatch(r"error: interrupted at step \d+ \(nothing half-done: run the same command to resume\)",
                        result.stderr.strip().splitlines()[-1]), result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    slow.unlink()
    resumed = Cli(project.path, cli_env)("release", "--yes", "--date", RELEASE_DATE)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert final_state(project) == reference_state


# --- the README's hotfix flow ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["commit", "cherry-pick"])
def test_the_readme_hotfix_flow_pushes_the_fix_with_the_hotfix(tmp_path, cli_env, how):
    """Switch to the release branch, commit or cherry-pick the fix (not pushed), `release-hotfix --note`."""
    project = git_project(tmp_path)
    cli = Cli(project.path, cli_env)
    assert cli("release", "--yes").returncode == 0
    if how == "cherry-pick":
        (project.path / "sampleproj" / "fix.py").write_text("FIXED = True\n")
        project.git("add", "-A")
        project.git("commit", "-q", "-m", "fix the crash")
        fix = project.git("rev-parse", "HEAD").strip()
    assert cli("git.release-branch-switch", "--version", "0.1.0").returncode == 0
    if how == "cherry-pick":
        project.git("cherry-pick", fix)
    else:
        (project.path / "sampleproj" / "fix.py").write_text("FIXED = True\n")
        project.git("add", "-A")
        project.git("commit", "-q", "-m", "fix the crash")
    result = cli("release-hotfix", "--yes", "--note", "Fixed the crash")
    assert result.returncode == 0, result.stdout + result.stderr
    subjects = remote_git(project, "log", "--format=%s", "release-0.1.0").splitlines()
    assert subjects[:2] == ["hotfix: 0.1.0.post1", "fix the crash"]
    assert "FIXED = True" in remote_git(project, "show", "refs/tags/0.1.0.post1:sampleproj/fix.py")


def test_ctrl_c_in_a_task_run_alone_stops_it_without_a_traceback(tmp_path, cli_env):
    """`ci.test` streams the command's output: the child's own KeyboardInterrupt traceback stays out."""
    script = tmp_path / "slow_tests.py"
    script.write_text(SLOW_TESTS)
    project = git_project(tmp_path / "p", test_command=f"{sys.executable} {script}")
    mark = tmp_path / "running"
    result = interrupt_when([*RELEASEKIT, "ci.test"], project, dict(cli_env, RK_SLOW_MARK=str(mark)), mark)
    assert result.returncode == 130, result.stdout + result.stderr
    assert "tests running" in result.stdout  # streamed while it ran
    assert result.stderr.strip().splitlines()[-1] == "error: interrupted"
    assert "Traceback" not in result.stdout + result.stderr and "KeyboardInterrupt" not in result.stdout + result.stderr


def test_a_declined_restart_keeps_the_release_it_would_have_forgotten(tmp_path, cli_env):
    project = git_project(tmp_path)
    cli = Cli(project.path, cli_env)
    _stop_after_the_first_change(project, cli)
    project.git("checkout", "-q", "-f", "main")
    before = state(project)
    code, shown = in_terminal([*RELEASEKIT, "release", "--restart", "--date", RELEASE_DATE], project.path, cli_env,
                              "n")
    assert code == 1 and "nothing was changed, as asked" in shown, shown
    assert state(project) == before  # the journal of the stopped release included: it can still be resumed


def test_ctrl_c_at_the_question_marks_no_step_as_run(tmp_path):
    """A step is recorded as interrupted only once its run began: a Ctrl-C at the resume question
    must not make an upload look as if it had run (a rollback would then be refused)."""
    from releasekit.adapters.shell import Shell
    from releasekit.core.errors import Interrupted
    from releasekit.rite import executor as plan

    ran = []
    steps = [plan.Step("preflight", "preflight", "t", lambda rite: ran.append("preflight"), lambda rite: [],
                       read_only=True),
             plan.Step("upload", "upload", "t", lambda rite: ran.append("upload"), lambda rite: [])]
    release = plan.Release("release", "0.1.0.dev0", "0.1.0", "0.1.1.dev0", "patch", "2026-01-02", "main",
                           "release-0.1.0", "0.1.0", "origin")
    journal = plan.Journal(tmp_path)
    journal.begin()
    journal.start(release, {})
    rite = plan.Rite(None, Shell(), None, release, journal=journal)  # type: ignore[arg-type]

    def gate(index, step):
        raise KeyboardInterrupt

    with pytest.raises(Interrupted, match="interrupted at step 2 .nothing half-done"):
        plan.execute(rite, steps, journal, gate)
    assert ran == ["preflight"]
    assert plan.Journal(tmp_path).step_status("upload") is None


@pytest.mark.parametrize("argv", [["release", "-h"], ["--list"]])
def test_help_into_a_closed_pipe_stops_quietly(tmp_path, cli_env, argv):
    """`releasekit release -h | head -1`: the reader is gone before invoke prints its help."""
    project = git_project(tmp_path)
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        result = subprocess.run([*RELEASEKIT, *argv], cwd=project.path, env=cli_env, stdout=write_end,
                                stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True, timeout=120)
    finally:
        os.close(write_end)
    assert result.returncode == 141, result.stderr
    assert "Traceback" not in result.stderr
