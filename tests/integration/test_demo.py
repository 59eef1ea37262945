"""`releasekit demo`: a release of a sample project end to end; with --keep a sandbox that can release
again (its build outputs ignored by git, `demo --resume DIR` starts its servers and releases the next
version), and a closing log path that exists (or is said to be removed)."""

from __future__ import annotations

import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from releasekit.testing.sample import git


def demo(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "releasekit", "demo", *args], env=env, text=True,
                          capture_output=True, timeout=600, stdin=subprocess.DEVNULL)


def closing(out: str, label: str) -> str:
    """The value of the last ``label: ...`` line (the demo's closing lines come last)."""
    return [line.split(f"{label}: ", 1)[1] for line in out.splitlines() if line.startswith(f"{label}: ")][-1]


def index_url(out: str) -> str:
    return [line.split("pypiserver at ", 1)[1].split()[0] for line in out.splitlines() if "pypiserver at " in line][-1]


def assert_down(url: str) -> None:
    with pytest.raises(OSError):
        urllib.request.urlopen(url, timeout=2)


def served(sandbox: Path) -> list[str]:
    return sorted(p.name for p in (sandbox / "index" / "packages").iterdir() if p.name.startswith("demo"))


def test_demo_keep_leaves_a_sandbox_that_resume_releases_again(tmp_path, cli_env):
    env = dict(cli_env, TMPDIR=str(tmp_path))
    first = demo(env, "--keep")
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    out = first.stdout
    assert "release succeeded" in out
    sandbox = Path(closing(out, "sandbox"))
    project = sandbox / "demo-project"
    log = Path(closing(out, "release log"))
    assert log.is_file() and log.parent == project / ".git" / "releasekit" / "logs"
    assert "release 0.1.0 done" in log.read_text()
    assert served(sandbox) == ["demo-project-0.1.0.tar.gz", "demo_project-0.1.0-py3-none-any.whl"]
    assert len(list((sandbox / "conda-channel" / "noarch").glob("demo-project-0.1.0-*"))) == 1
    assert "installed from" in out and "into a fresh prefix and imported" in out
    assert "GitHub release 0.1.0 published on demo-org/demo-project" in out  # the whole rite, forge included
    assert_down(index_url(out))  # the demo stopped its servers
    # what the release built stays out of git: the kept project is clean, ready for the next release
    assert (project / "dist").is_dir() and (project / "conda-dist").is_dir()
    assert git(project, "status", "--porcelain", "--untracked-files=all") == ""
    assert f"release it again: releasekit demo --resume {sandbox}" in out.splitlines()

    # its old port taken meanwhile: the index moves, and the project's settings follow it
    old_port = int(index_url(out).rsplit(":", 1)[1].strip("/"))
    with socket.socket() as blocker:
        blocker.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # past the old server's TIME_WAITs
        blocker.bind(("127.0.0.1", old_port))
        blocker.listen()
        second = demo(env, "--resume", str(sandbox))
    assert second.returncode == 0, second.stdout[-3000:] + second.stderr[-3000:]
    out2 = second.stdout
    new_url = index_url(out2)
    assert f"port {old_port} is taken: the index moves to port {new_url.rsplit(':', 1)[1].strip('/')}" in out2
    assert f'pypi.repository = "{new_url}"' in (project / "pyproject.toml").read_text()
    assert "==> releasing the next version of demo-project with `releasekit release --yes`" in out2
    assert "release 0.1.1 done" in out2 and "release succeeded" in out2
    assert served(sandbox) == ["demo-project-0.1.0.tar.gz", "demo-project-0.1.1.tar.gz",
                               "demo_project-0.1.0-py3-none-any.whl", "demo_project-0.1.1-py3-none-any.whl"]
    assert "0.1.1" in git(sandbox / "remote.git", "tag").split()
    assert "a second release, made by `releasekit demo --resume`" in git(
        sandbox / "remote.git", "show", "0.1.1:CHANGES.md")
    log2 = Path(closing(out2, "release log"))
    assert log2.is_file() and log2 != log and "release 0.1.1 done" in log2.read_text()
    assert_down(new_url)
    assert git(project, "status", "--porcelain", "--untracked-files=all") == ""
    assert closing(out2, "sandbox") == str(sandbox)


def test_demo_without_keep_says_its_log_was_removed(tmp_path, cli_env):
    result = demo(dict(cli_env, TMPDIR=str(tmp_path)))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    lines = result.stdout.splitlines()
    assert "release succeeded" in lines
    sandbox = closing(result.stdout, "sandbox")
    assert sandbox.endswith(" (removed; pass --keep to keep it)")
    assert not Path(sandbox.split(" (removed", 1)[0]).exists()
    assert closing(result.stdout, "release log") == "removed with the sandbox (pass --keep to keep both)"
    assert not any(line.startswith("release it again") for line in lines)


def test_resume_of_a_folder_that_is_no_kept_sandbox_is_one_line_error(tmp_path, cli_env):
    result = demo(cli_env, "--resume", str(tmp_path))
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"error: {tmp_path} is not a sandbox kept by `releasekit demo --keep` (no demo.json) "
        "(hint: pass the folder that `releasekit demo --keep` printed after 'sandbox:')")
    assert list(tmp_path.iterdir()) == []
