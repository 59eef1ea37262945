"""Conda installs on the verify hosts (issue 13 item 6, issue 15 item 2): the conda-forge wait's install
and the staged label's install run on real sshd hosts too, against prebuilt channels (the package is
built once per session; no rite runs here)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from releasekit.testing.conda import (
    SAMPLE_NAME,
    SAMPLE_VERSION,
    conda_build_channel,
    sample_conda_package,
    sample_project,
    sample_sdist,
    write_sample_project,
)
from releasekit.testing.hosts import ssh_hosts
from tests.integration.test_conda_wiring import project_of

__all__ = ["conda_build_channel", "sample_conda_package", "sample_project", "sample_sdist",
           "ssh_hosts"]  # fixtures, imported on purpose


def hosted_project(tmp_path, host, settings: str, python: str = sys.executable):
    root = write_sample_project(tmp_path / "p", meta_yaml=None)
    with open(root / "pyproject.toml", "a") as fh:
        fh.write(f'\n[tool.releasekit]\npackage = "{SAMPLE_NAME}"\nversion_file = "{SAMPLE_NAME}/__init__.py"\n'
                 f'state_dir = "{tmp_path / "state"}"\nconda.enabled = true\n{settings}'
                 f'verify.known_hosts = "{host.known_hosts}"\nverify.ssh_key = "{host.key_path}"\n'
                 f'hosts.h0 = {{host = "{host.host}", port = {host.port}, user = "{host.user}", '
                 f'python = "{python}"}}\n')
    return project_of(root)


def test_the_conda_forge_install_runs_on_a_host_too(tmp_path, ssh_hosts, conda_build_channel, sample_conda_package,
                                                    capsys):
    from releasekit.adapters import channel
    from releasekit.operations import conda_forge_wait

    [host] = ssh_hosts(1)
    forge = tmp_path / "forge-channel"  # conda-forge, as its bot left it: the version published
    channel.upload([sample_conda_package], forge)
    project = hosted_project(tmp_path, host, f'conda.target = "conda-forge"\nconda.forge_channel = "{forge}"\n'
                                             f'conda.channels = ["{conda_build_channel.path}"]\n')
    since = host.log_size()
    assert conda_forge_wait.verify_forge_install(project, SAMPLE_VERSION, ["h0"]) == str(forge)
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if line.strip().startswith("h0 "))
    assert " ok " in row and SAMPLE_VERSION in row, out  # the host's own report: installed, imported, version
    assert f"{SAMPLE_NAME}=={SAMPLE_VERSION} installed from {forge} locally and on 1 host(s)" in out
    assert host.logins_and_sessions(since) == (1, 1)  # it really ran there, in one session


def test_the_staged_label_install_runs_on_a_host_and_a_host_failure_stops_the_promotion(
        tmp_path, ssh_hosts, conda_build_channel, sample_conda_package, capsys):
    from releasekit.adapters import channel
    from releasekit.adapters.shell import Shell
    from releasekit.core.errors import HostError
    from releasekit.operations import conda_staging

    [host] = ssh_hosts(1)
    channel_dir = tmp_path / "channel"
    channel.reindex(channel_dir)
    channel.upload([sample_conda_package], channel_dir, "test")  # uploaded to the staging label only
    settings = (f'conda.channel_dir = "{channel_dir}"\nconda.staging_label = "test"\n'
                f'conda.channels = ["{conda_build_channel.path}"]\nwait.timeout = 20\nwait.interval = 0.2\n')
    project = hosted_project(tmp_path, host, settings)
    (project.root / "conda-dist" / "noarch").mkdir(parents=True)
    shutil.copy(sample_conda_package, project.root / "conda-dist" / "noarch")

    staging = str(channel.label_root(channel_dir, "test"))
    assert conda_staging.verify_from(project, SAMPLE_VERSION, "test", ["h0"]) == staging
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if line.strip().startswith("h0 "))
    assert " ok " in row and SAMPLE_VERSION in row, out
    assert f"installed from {staging} locally and on 1 host(s)" in out

    # A host whose python has no py-rattler gets it in a throwaway venv, from `pypi.deps_index_url`: an
    # index that answers nothing fails that host only, and the release stays on the staging label.
    bare = tmp_path / "bare"
    import venv

    venv.EnvBuilder(with_pip=False).create(bare)
    broken = hosted_project(tmp_path / "b", host, settings + 'pypi.deps_index_url = "file:///nonexistent-index"\n',
                            python=str(bare / "bin" / "python"))
    (broken.root / "conda-dist" / "noarch").mkdir(parents=True)
    shutil.copy(sample_conda_package, broken.root / "conda-dist" / "noarch")
    with pytest.raises(HostError) as caught:
        conda_staging.verify_and_promote(broken, Shell(), SAMPLE_VERSION, ["h0"])
    assert caught.value.message.startswith("1 of 2 conda installs"), caught.value.message
    assert "h0: cannot install py-rattler==" in caught.value.message
    assert conda_staging.on_label(broken, SAMPLE_VERSION, "test")
    assert not conda_staging.on_label(broken, SAMPLE_VERSION, "main")  # not promoted


def test_the_plan_shows_the_conda_installs_on_the_hosts(tmp_path):
    from releasekit.operations import conda_staging

    root = write_sample_project(tmp_path / "p", meta_yaml=None)
    with open(root / "pyproject.toml", "a") as fh:
        fh.write(f'\n[tool.releasekit]\npackage = "{SAMPLE_NAME}"\nversion_file = "{SAMPLE_NAME}/__init__.py"\n'
                 f'conda.enabled = true\nconda.channel_dir = "{tmp_path / "ch"}"\nconda.staging_label = "test"\n')
    _label, lines = conda_staging.plan_lines(project_of(root), ["me@build-linux"])
    assert lines[0].endswith("import; same on host me@build-linux")
    assert lines[2].endswith("import; same on host me@build-linux")


def test_a_solver_that_crashes_is_reported_as_a_crash_and_tried_once_more(tmp_path):
    """The host program's solve runs in its own process; one killed by a signal (seen under load as
    SIGSEGV in py-rattler's runtime) is named a crash, not the package's failure, and gets one more try."""
    import os
    import signal
    import subprocess
    import venv

    from releasekit.core import hostscripts

    env_dir = tmp_path / "host-python"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                          capture_output=True, text=True, check=True).stdout.strip()
    # a rattler that the program's own check imports, and that crashes the solve process (argv: the job)
    (tmp_path / "crashes").write_text("")
    (Path(site) / "rattler.py").write_text(
        "import os, signal, sys\n"
        "if len(sys.argv) > 1:\n"
        f"    open({str(tmp_path / 'crashes')!r}, 'a').write('x')\n"
        f"    os.kill(os.getpid(), {int(signal.SIGSEGV)})\n")
    spec = hostscripts.VerifySpec(package="rk-x", version="1.0", attempts=1, backoff=0,
                                  conda=hostscripts.CondaSource("rk-x", ["file:///nowhere"]))
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONFAULTHANDLER",)}
    ran = subprocess.run([str(python), "-c", hostscripts.conda_program(spec, spec.conda)], capture_output=True,
                         text=True, env=env, timeout=120)
    said = dict(line[3:].split("=", 1) for line in ran.stdout.splitlines() if line.startswith("RK ") and "=" in line)
    assert ran.returncode != 0 and said["result"] == "fail"
    assert said["error"] == f"the solver crashed (signal {int(signal.SIGSEGV)})"
    assert said["install_attempts"] == "2" and (tmp_path / "crashes").read_text() == "xx"
