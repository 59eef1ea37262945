"""`releasekit verify.install --host ...` end to end: real sshd hosts (network namespaces as root),
a real index they reach, the published version installed on each in parallel, one table."""

from __future__ import annotations

import shutil
import sys

import pytest
import yaml

from releasekit.testing.hosts import ssh_hosts
from releasekit.testing.sample import make_sample_project
from releasekit.testing.servers import PypiServer
from tests.conftest import Cli

__all__ = ["ssh_hosts"]  # a fixture, imported on purpose


@pytest.fixture
def published(tmp_path, ssh_hosts, cli_env):
    """A sample project built and 'published' on an index every host can reach, hosts configured."""
    hosts = ssh_hosts(3)
    gateway = hosts[0].gateway
    server = PypiServer(tmp_path / "index", bind="0.0.0.0", address=gateway).start()
    index_dir, url = server.dir, server.url
    project = make_sample_project(tmp_path, "rk-hosts-verify")
    settings = {"releasekit": {
        "pypi": {"repository": url}, "dist": {"isolation": False},
        "hosts": {f"h{i}": {"host": h.host, "port": h.port, "user": h.user, "python": sys.executable}
                  for i, h in enumerate(hosts)},
        "verify": {"known_hosts": str(hosts[0].known_hosts), "ssh_key": str(hosts[0].key_path)},
        "wait": {"timeout": 30, "interval": 0.2},
    }}
    (project.path / "invoke.yaml").write_text(yaml.safe_dump(settings))
    cli = Cli(project.path, cli_env)
    cli("dist.pypi", check=True)
    for artifact in (project.path / "dist").iterdir():
        shutil.copy(artifact, index_dir / artifact.name)
    yield project, cli, hosts
    server.stop()


def test_verify_install_on_three_hosts_in_parallel(published):
    project, cli, hosts = published
    result = cli("verify.install", "--host", "all", "--version", "0.1.0.dev0")
    assert result.returncode == 0, result.stdout + result.stderr
    rows = [line.split() for line in result.stdout.splitlines() if line.split()[:1] in (["local"], ["h0"], ["h1"], ["h2"])]
    assert [r[0] for r in rows] == ["local", "h0", "h1", "h2"]
    assert all(r[1] == "ok" and "0.1.0.dev0" in r for r in rows)


def test_one_host_down_the_others_pass_and_the_exit_is_non_zero(published):
    project, cli, hosts = published
    hosts[1].stop()
    result = cli("verify.install", "--host", "h0", "--host", "h1", "--host", "h2", "--version", "0.1.0.dev0")
    assert result.returncode != 0
    table = {line.split()[0]: line for line in result.stdout.splitlines() if line.split()[:1] in (["h0"], ["h1"], ["h2"])}
    assert " ok " in table["h0"] and " ok " in table["h2"]
    assert "FAILED" in table["h1"]
    assert "1 of 3 host(s) failed" in result.stderr and "Traceback" not in result.stderr


def test_an_unknown_host_key_is_refused(published, tmp_path):
    project, cli, hosts = published
    empty = tmp_path / "known_hosts_empty"
    empty.write_text("")
    config = yaml.safe_load((project.path / "invoke.yaml").read_text())
    config["releasekit"]["verify"]["known_hosts"] = str(empty)
    (project.path / "invoke.yaml").write_text(yaml.safe_dump(config))
    result = cli("verify.install", "--host", "h0", "--version", "0.1.0.dev0", "--no-wait", env={"HOME": str(tmp_path)})
    assert result.returncode != 0
    assert "is not known" in result.stdout + result.stderr


def test_a_verify_logs_in_once_per_host_and_runs_one_session_there(published):
    # Round trips are what a far-away host makes slow: one SSH login and one session (the probe,
    # the script and its report together) per host, counted by the hosts' own sshd logs.
    project, cli, hosts = published
    marks = [h.log_size() for h in hosts]
    result = cli("verify.install", "--host", "all", "--version", "0.1.0.dev0", "--no-wait")
    assert result.returncode == 0, result.stdout + result.stderr
    assert [h.logins_and_sessions(mark) for h, mark in zip(hosts, marks, strict=True)] == [(1, 1)] * 3
