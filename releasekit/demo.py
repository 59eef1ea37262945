"""`releasekit demo`: a whole release of a sample project against local servers.

It makes a sample project with a bare git remote in a temp folder, starts a
pypiserver on a free loopback port (seeded with the build backend, so installing
the sdist works offline), a local conda channel directory when conda support is
installed, runs `releasekit release --yes` in the project exactly as a user
would, prints where the log and the sandbox are, and stops its servers by pid.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from releasekit import ui


def _conda_available() -> bool:
    return all(importlib.util.find_spec(m) for m in ("rattler", "rattler_build"))


def run_demo(keep: bool = False, root: Path | None = None) -> int:
    """Run the demo; returns the release's exit status."""
    from releasekit.testing import wheelhouse
    from releasekit.testing.sample import make_sample_project
    from releasekit.testing.servers import PypiServer

    sandbox = Path(root) if root else Path(tempfile.mkdtemp(prefix="releasekit-demo-"))
    sandbox.mkdir(parents=True, exist_ok=True)
    server = None
    status = 1
    try:
        ui.step(f"sample project and its bare git remote in {sandbox}")
        project = make_sample_project(sandbox, "demo-project")
        server = PypiServer(sandbox / "index").start()
        wheelhouse.seed(server.dir)
        ui.step(f"pypiserver at {server.url} (pid {server.pid})")
        settings = [
            "[tool.releasekit]",
            f'pypi.repository = "{server.url}"',
            f'test_command = "{sys.executable} -m pytest -q"',
            "dist.isolation = false",
        ]
        conda_lines = _conda_setup(project, sandbox) if _conda_available() else []
        settings += conda_lines
        pyproject = project.path / "pyproject.toml"
        pyproject.write_text(pyproject.read_text(encoding="utf-8") + "\n" + "\n".join(settings) + "\n",
                             encoding="utf-8")
        project.git("add", "-A")
        project.git("commit", "-q", "-m", "configure releasekit for the demo")
        project.git("push", "-q", "origin", project.main_branch)
        env = dict(os.environ, TWINE_USERNAME="demo", TWINE_PASSWORD="demo-password")
        ui.step(f"releasing {project.name} {project.version} with `releasekit release --yes`")
        status = subprocess.run([sys.executable, "-m", "releasekit", "release", "--yes"], cwd=project.path,
                                env=env).returncode
        logs = sorted((project.path / ".git" / "releasekit" / "logs").glob("release-*.log"))
        ui.info("")
        ui.info(f"release {'succeeded' if status == 0 else 'FAILED'}")
        if logs:
            ui.info(f"release log: {logs[-1]}")
        ui.info(f"sandbox: {sandbox}" + ("" if keep else " (removed; pass --keep to keep it)"))
        return status
    finally:
        if server is not None:
            server.stop()
        if not keep:
            shutil.rmtree(sandbox, ignore_errors=True)


def _conda_setup(project, sandbox: Path) -> list[str]:
    """A conda recipe for the sample project, a local build channel (python shim, pip, setuptools) and
    a channel directory to upload to; returns the settings that point the release at them."""
    from releasekit import condarecipe
    from releasekit.testing.conda import cached_local_channel

    build_channel = cached_local_channel(Path(tempfile.gettempdir()) / "releasekit-demo-cache")
    ui.step(f"conda build channel {build_channel.path}; uploads go to {sandbox / 'conda-channel'}")
    recipe = condarecipe.generate_recipe(
        project.name, project.version, [], summary="releasekit demo project", license="MIT",
        homepage="https://example.invalid/demo", import_name=project.package, mapping=None,
        sdist_path=f"../dist/{project.name}-{project.version}.tar.gz")
    (project.path / "conda").mkdir(exist_ok=True)
    (project.path / "conda" / "recipe.yaml").write_text(recipe, encoding="utf-8")
    return [
        f'conda.channels = ["{build_channel.path}"]',
        f'conda.channel_dir = "{sandbox / "conda-channel"}"',
        'conda.package_format = "tar.bz2"',
    ]
