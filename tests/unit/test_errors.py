"""One-line errors: a failed command quotes the line of its output that says why; a list of problems is counted."""

from __future__ import annotations

import pytest

from releasekit.core.errors import CommandFailed, PreflightFailed, problems_message, telling_line

GIT_UNREACHABLE = """fatal: '/srv/x.git' does not appear to be a git repository
fatal: Could not read from remote repository.

Please make sure you have the correct access rights
and the repository exists.
"""
PYTEST_COLLECTION = """==== ERRORS ====
E   ModuleNotFoundError: No module named 'foo'
=== short test summary info ===
ERROR tests/test_x.py
=== 1 error in 1.33s ===
"""
PYTEST_FAILED = "collected 3 items\n\nFAILED tests/test_a.py::test_x - assert 1 == 2\n=== 1 failed, 2 passed ===\n"


@pytest.mark.parametrize(("output", "expected"), [
    pytest.param(GIT_UNREACHABLE, "fatal: '/srv/x.git' does not appear to be a git repository", id="git"),
    pytest.param(PYTEST_COLLECTION, "E   ModuleNotFoundError: No module named 'foo'", id="pytest-error"),
    pytest.param(PYTEST_FAILED, "FAILED tests/test_a.py::test_x - assert 1 == 2", id="pytest-failed"),
    pytest.param("building...\nerror: linker failed\ndone\n", "error: linker failed", id="error-line"),
    pytest.param("one\ntwo\n\n", "two", id="last-line"),
    pytest.param("", "", id="no-output"),
])
def test_the_telling_line(output, expected):
    assert telling_line(output) == expected


def test_command_failed_is_one_line_with_the_reason():
    error = CommandFailed(["git", "fetch", "origin"], 128, GIT_UNREACHABLE, hint="check the remote")
    assert error.render() == ("error: `git fetch origin` exited with 128: fatal: '/srv/x.git' does not appear "
                              "to be a git repository (hint: check the remote)")


def test_one_problem_is_the_message_and_several_point_at_their_list():
    assert PreflightFailed(["the branch is behind origin/main"]).message == "the branch is behind origin/main"
    several = PreflightFailed(["a is wrong", "b is wrong"], "fix them")
    assert several.message == "2 problems (listed above)" and several.problems == ["a is wrong", "b is wrong"]
    assert problems_message(["x", "y", "z"], "with the artifacts of 1.0") == "3 problems with the artifacts of 1.0 (listed above)"


def test_the_hint_names_the_log_only_when_there_is_one(tmp_path):
    from releasekit.core import releaselog
    from releasekit.core.errors import ReleasekitError

    assert ReleasekitError("it broke", "fix it").render() == "error: it broke (hint: fix it)"
    kept = ReleasekitError("it broke", "fix it")
    kept.log = "/state/logs/dist.conda-1.log"
    assert kept.render() == "error: it broke (hint: fix it; the full output is in /state/logs/dist.conda-1.log)"
    log = releaselog.ReleaseLog(tmp_path / "release-1.log")
    releaselog.activate(log)
    try:
        assert ReleasekitError("it broke").render() == f"error: it broke (hint: the full output is in {log.path})"
    finally:
        releaselog.activate(None)
        log.close()
    assert ReleasekitError("it broke").render() == "error: it broke"
