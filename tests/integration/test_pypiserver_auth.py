"""The `pypi-server` program of the project's environment, protected by an htpasswd file: it starts
(bcrypt >= 5 made passlib 1.7.4 crash it at start-up with "password cannot be longer than 72 bytes"),
takes an upload with the right password and refuses one with a wrong password."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from releasekit.testing.sample import sample_dists  # noqa: F401  (fixture)
from releasekit.testing.servers import HTPASSWD_SCHEMES, PypiServer, pypiserver_program


def twine_upload(server: PypiServer, password: str, wheel: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TWINE_")}
    argv = [sys.executable, "-m", "twine", "upload", "--non-interactive", "--disable-progress-bar",
            "--repository-url", server.upload_url, "-u", server.username, "-p", password, str(wheel)]
    return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("scheme", HTPASSWD_SCHEMES)
def test_htpasswd_server_takes_the_right_password_and_refuses_a_wrong_one(tmp_path, sample_dists, scheme):  # noqa: F811
    assert Path(pypiserver_program()[0]).name == "pypi-server"  # the program itself, not a patched import
    wheel = Path(shutil.copy(sample_dists.wheel, tmp_path))
    with PypiServer(tmp_path / "index", auth=("uploader", "right-Pa55word"), scheme=scheme).start() as server:
        assert (server.workdir / "htpasswd").read_text().startswith("uploader:$2b$" if scheme == "bcrypt"
                                                                      else "uploader:$5$")
        wrong = twine_upload(server, "wrong-Pa55word", wheel)
        assert wrong.returncode != 0
        assert "HTTPError: 403 Forbidden" in wrong.stdout + wrong.stderr
        assert not (server.dir / wheel.name).exists()

        right = twine_upload(server, "right-Pa55word", wheel)
        assert right.returncode == 0, right.stdout + right.stderr
        assert (server.dir / wheel.name).read_bytes() == wheel.read_bytes()
        assert "password cannot be longer than 72 bytes" not in server.log_path.read_text()
