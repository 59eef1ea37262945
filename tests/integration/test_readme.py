"""The README's command blocks, run as written, so the README cannot drift from the program.

Each block the README marks with ``<!-- readme-test: NAME -->`` is read from README.md itself and run
line by line with bash in a sample project (releasekit.testing.sample) configured for a local
pypiserver, each line under a pseudo-terminal as a person types it: a ``[y/N]`` question is answered
``y``. The README's example values are the only things replaced: the project folder ``your-project``
is the sample's own name, and the hotfix block's ``1.0.6`` and ``abc1234`` become the sample's
released version and its fix commit. ``pip install releasekit`` is not run: the environment running
the tests has releasekit installed already (its ``releasekit`` program is first on PATH).
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from releasekit.testing.sample import SampleProject, make_sample_project
from tests.conftest import configure

README = Path(__file__).resolve().parents[2] / "README.md"
ANSWER_AT = b"[y/N]"
LINE_TIMEOUT = 600
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\r")


def readme_block(name: str) -> list[str]:
    """The command lines of the ```sh block after ``<!-- readme-test: NAME -->`` (blank lines and
    whole-line comments left out; a trailing comment stays, bash ignores it)."""
    text = README.read_text(encoding="utf-8")
    marker = f"<!-- readme-test: {name} -->"
    assert text.count(marker) == 1, f"README.md must mark exactly one block with {marker}"
    found = re.search(re.escape(marker) + r"\s*```sh\n(.*?)\n```", text, re.S)
    assert found, f"no ```sh block right after {marker} in README.md"
    return [line for line in found.group(1).splitlines() if line.strip() and not line.lstrip().startswith("#")]


@dataclass
class Ran:
    line: str
    returncode: int
    output: str  # stdout and stderr as the terminal showed them, escape sequences removed
    answered: int  # how many [y/N] questions were answered y


def run_in_pty(line: str, cwd: Path, env: dict) -> Ran:
    """Run one line with bash under a pseudo-terminal, answering ``y`` to each ``[y/N]`` question."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 200, 0, 0))
    proc = subprocess.Popen(["bash", "-c", line], cwd=cwd, env=env, stdin=slave, stdout=slave, stderr=slave,
                            start_new_session=True)
    os.close(slave)
    out, answered = b"", 0
    deadline = time.monotonic() + LINE_TIMEOUT
    try:
        while True:
            if time.monotonic() > deadline:
                proc.kill()
                raise AssertionError(f"`{line}` did not finish within {LINE_TIMEOUT}s:\n{out.decode(errors='replace')}")
            ready, _, _ = select.select([master], [], [], 1.0)
            if not ready:
                continue
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: every holder of the terminal has closed it
                break
            if not chunk:
                break
            out += chunk
            if out.count(ANSWER_AT) > answered:
                os.write(master, b"y\n")
                answered += 1
    finally:
        os.close(master)
    returncode = proc.wait(timeout=60)
    return Ran(line, returncode, _ANSI.sub("", out.decode(errors="replace")), answered)


def run_block(lines: list[str], cwd: Path, env: dict, replace: dict[str, str] | None = None,
              after: Callable[[Ran], None] | None = None) -> list[Ran]:
    """Run the lines in order, each must exit 0 (``after`` checks each one as it ends); ``cd DIR``
    changes the folder of the lines after it."""
    results = []
    for line in lines:
        for example, value in (replace or {}).items():
            line = line.replace(example, value)
        command = line.split("#", 1)[0].strip()
        if command.startswith("pip install releasekit"):
            continue  # installed already: the tests run in releasekit's own environment
        if command.startswith("cd "):
            cwd = (cwd / command[3:].strip()).resolve()
            assert cwd.is_dir(), f"`{line}`: no folder {cwd}"
            continue
        ran = run_in_pty(line, cwd, env)
        assert ran.returncode == 0, f"`{line}` exited {ran.returncode}:\n{ran.output[-4000:]}"
        if after is not None:
            after(ran)
        results.append(ran)
    return results


def by_command(results: list[Ran]) -> dict[str, Ran]:
    return {r.line.split("#", 1)[0].strip(): r for r in results}


def snapshot(project: SampleProject) -> dict:
    """What a command may change: files, local and remote refs."""
    return {"status": project.git("status", "--porcelain", "--untracked-files=all"),
            "refs": project.git("show-ref"), "head": project.git("rev-parse", "--abbrev-ref", "HEAD").strip(),
            "remote": project.git("ls-remote", "origin"), "journal": (project.path / ".git" / "releasekit").exists()}


def served(server, name: str) -> list[str]:
    prefixes = (name, name.replace("-", "_"))
    return sorted(p.name for p in server.dir.iterdir() if p.name.startswith(prefixes))


@pytest.fixture
def readme_env(cli_env) -> dict:
    """A user's shell: releasekit first on PATH, credentials for the local index, a dumb terminal."""
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    return dict(cli_env, PATH=path, TWINE_USERNAME="readme", TWINE_PASSWORD="readme-pw", TERM="dumb")


def readme_project(root: Path, name: str, server) -> SampleProject:
    project = make_sample_project(root, name)
    configure(project, pypi__repository=server.url, dist__isolation=False,
              test_command=f"{sys.executable} -m pytest -q -p no:cacheprovider -p no:hypothesispytest")
    return project


def remote_tags(project: SampleProject) -> list[str]:
    return sorted(project.git("ls-remote", "--tags", "--refs", "origin").replace("refs/tags/", "").split()[1::2])


def test_quick_start_runs_as_written(tmp_path, index_server, readme_env):
    project = readme_project(tmp_path, "your-project", index_server)
    before = snapshot(project)

    def read_only_until_release(ran: Ran) -> None:
        if ran.line.split("#", 1)[0].strip() != "releasekit release":  # the one line that changes things
            assert snapshot(project) == before, f"`{ran.line}` changed the project or its remote"
            assert served(index_server, "your-project") == []

    ran = by_command(run_block(readme_block("quick-start"), tmp_path, readme_env, after=read_only_until_release))

    listing = ran["releasekit --list"].output
    assert all(task in listing for task in ("release", "release-hotfix", "demo", "version.bump", "upload.pypi"))
    assert index_server.url in ran["releasekit config"].output
    plan = ran["releasekit release --plan"].output
    assert "release 0.1.0 of your-project (from 0.1.0.dev0)" in plan and "upload" in plan
    assert "dry run of the release of 0.1.0: nothing will be changed" in ran["releasekit release --dry-run"].output
    assert ran["releasekit release --plan"].answered == ran["releasekit release --dry-run"].answered == 0

    release = ran["releasekit release"]
    assert release.answered == 1  # it asked once, on the terminal, and went on after `y`
    assert "release 0.1.0 done" in release.output
    assert served(index_server, "your-project") == ["your-project-0.1.0.tar.gz", "your_project-0.1.0-py3-none-any.whl"]
    assert remote_tags(project) == ["0.1.0"]
    assert project.version_file.read_text() == "__version__ = '0.1.1.dev0'\n"
    assert snapshot(project)["head"] == before["head"] == "main"


def test_hotfix_flow_runs_as_written(tmp_path, index_server, readme_env):
    name = "rk-readme-hotfix"
    project = readme_project(tmp_path, name, index_server)
    assert run_in_pty("releasekit release --yes", project.path, readme_env).returncode == 0
    # the fix, made on main first; the README's block cherry-picks it onto the release branch
    init = project.path / project.package / "__init__.py"
    init.write_text(init.read_text() + "\nFIXED = True\n")
    project.git("commit", "-q", "-am", "Fix the crash on start")
    project.git("push", "-q", "origin", "main")
    fix = project.git("rev-parse", "--short", "HEAD").strip()

    ran = run_block(readme_block("hotfix"), project.path, readme_env, {"1.0.6": "0.1.0", "abc1234": fix})

    assert "0.1.0.post1" in ran[-1].output and "done" in ran[-1].output
    assert remote_tags(project) == ["0.1.0", "0.1.0.post1"]
    assert "FIXED = True" in project.git("show", f"0.1.0.post1:{project.package}/__init__.py")
    assert "- Fixed the crash on start" in project.git("show", "0.1.0.post1:CHANGES.md")
    assert f"{name}-0.1.0.post1.tar.gz" in served(index_server, name)
    assert project.git("status", "--porcelain") == ""


def end_state(project: SampleProject) -> dict:
    """A release's outcome, free of dates and hashes: branches, tags, and the files each one holds."""
    def files(ref: str) -> tuple[str, str]:
        changes = project.git("show", f"{ref}:CHANGES.md").replace(project.name, "NAME")
        return project.git("show", f"{ref}:{project.package}/version.py"), changes

    remote = project.git("ls-remote", "--refs", "origin").split()[1::2]
    return {"remote refs": sorted(remote), "branch": project.git("rev-parse", "--abbrev-ref", "HEAD").strip(),
            "status": project.git("status", "--porcelain"),
            **{ref: files(f"origin/{ref}") for ref in ("main", "release-0.1.0")}, "tag": files("0.1.0")}


def test_makefile_order_ends_where_release_ends(tmp_path, index_server, readme_env):
    by_hand = readme_project(tmp_path / "hand", "rk-readme-makefile", index_server)
    run_block(readme_block("makefile-order"), by_hand.path, readme_env)
    released = readme_project(tmp_path / "rite", "rk-readme-rite", index_server)
    assert run_in_pty("releasekit release --yes", released.path, readme_env).returncode == 0

    assert end_state(by_hand) == end_state(released)
    assert served(index_server, "rk-readme-makefile") == ["rk-readme-makefile-0.1.0.tar.gz",
                                                          "rk_readme_makefile-0.1.0-py3-none-any.whl"]
