"""verify.wait and verify.install against real indexes whose files arrive late, or never."""

from __future__ import annotations

import re
import shutil
import threading
import time

import pytest

from releasekit.core.waiting import Poll, wait_until
from releasekit.testing.conda import (  # noqa: F401 - fixtures
    conda_build_channel,
    sample_conda_package,
    sample_project,
    sample_sdist,
)
from releasekit.testing.sample import make_sample_project
from releasekit.testing.servers import PypiServer
from tests.conftest import Cli, configure


@pytest.fixture
def late_index(tmp_path, cli_env):
    """A built sample project and an empty pypiserver configured as its index."""
    server = PypiServer(tmp_path / "index").start()
    project = make_sample_project(tmp_path, "rk-late")
    configure(project, pypi__repository=server.url, dist__isolation=False, wait__interval=0.2,
              wait__max_interval=0.5)
    cli = Cli(project.path, cli_env)
    cli("dist.pypi", check=True)
    yield project, cli, server
    server.stop()


def answered(server: PypiServer, page: str) -> bool:
    """Whether the index has answered a request for ``page``: pypiserver logs the request line when
    it arrives and the status line once the answer is made."""
    log = server.log_path.read_text(errors="replace")
    return re.search(rf"GET \S*{re.escape(page)}>\n\d{{3}} ", log) is not None


def copy_after_first_poll(files, server: PypiServer, page: str) -> threading.Thread:
    """Copy the files into the index once it has answered the wait's first request for ``page``."""
    def work():
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not answered(server, page):
            time.sleep(0.05)
        for f in files:
            shutil.copy(f, server.dir / f.name)

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    return thread


def test_files_that_appear_late_are_detected(late_index):
    project, cli, server = late_index
    copy_after_first_poll(sorted((project.path / "dist").iterdir()), server, "/simple/rk-late/")
    result = cli("verify.wait", "--timeout", "60")
    assert result.returncode == 0, result.stdout + result.stderr
    polls = int(result.stdout.split("file(s), ")[1].split(" poll")[0])
    assert polls >= 2  # it did wait, and found them once they were there
    assert "waiting for rk-late 0.1.0.dev0: " in result.stdout  # a log without a terminal hears of it too


def test_wait_times_out_naming_what_never_appeared(late_index):
    project, cli, server = late_index
    wheel = next((project.path / "dist").glob("*.whl"))
    shutil.copy(wheel, server.dir / wheel.name)  # only the wheel ever arrives
    result = cli("verify.wait", "--timeout", "1")
    assert result.returncode != 0
    assert "still lacks rk-late-0.1.0.dev0.tar.gz" in result.stderr
    assert wheel.name not in result.stderr.split("still lacks")[1]


def test_a_file_with_other_content_on_the_index_is_not_ours(late_index):
    project, cli, server = late_index
    for f in (project.path / "dist").iterdir():
        (server.dir / f.name).write_bytes(b"other bytes")
    result = cli("verify.wait", "--timeout", "600")  # no waiting out the timeout: this never fixes itself
    assert result.returncode != 0 and "with other content than the built file(s)" in result.stderr


def test_verify_is_hermetic_leaked_find_links_do_not_count(late_index):
    project, cli, server = late_index
    # The package sits in a folder that PIP_FIND_LINKS points at, but the index does not have it.
    result = cli("verify.install", "--no-wait", env={"PIP_FIND_LINKS": str(project.path / "dist"),
                                                      "UV_FIND_LINKS": str(project.path / "dist")})
    assert result.returncode != 0
    assert "FAILED" in result.stdout and "Traceback" not in result.stderr


def test_conda_channel_repodata_is_polled_fresh(tmp_path, sample_conda_package):  # noqa: F811
    from releasekit.adapters import channel, conda
    from releasekit.adapters.pypi import sha256

    channel_dir = tmp_path / "channel"
    (channel_dir / "noarch").mkdir(parents=True)
    channel.reindex(channel_dir)
    name = conda.package_info(sample_conda_package).name
    want = {sample_conda_package.name: sha256(sample_conda_package)}

    def probe() -> Poll:
        files = conda.channel_files(channel_dir, name)
        missing = [n for n, s in want.items() if files.get(n) != s]
        return Poll(not missing, missing)

    looks: list[list[str]] = []

    def probe_then_publish() -> Poll:
        poll = probe()
        looks.append(poll.missing)
        if len(looks) == 1:  # the package lands right after the first look
            channel.upload([sample_conda_package], channel_dir)
        return poll

    polls = wait_until(probe_then_publish, what="channel", timeout=60, interval=0.2, max_interval=0.5)
    assert looks[0] == [sample_conda_package.name] and looks[-1] == [] and polls >= 2
