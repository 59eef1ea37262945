"""`publish: ci` end to end with no network: the bare remote's post-receive hook plays the publish
workflow (builds the pushed tag from a clean export, uploads to the session's pypiserver after a
delay); the rite waits, compares with its own preview build of the tag, and verifies. Faults: CI
uploads a different sdist (stopped, both file lists named), never uploads (timed out, resumable),
uploads late (a resume finds it and verifies)."""

from __future__ import annotations

import json
import re

import pytest

from releasekit.core import cipublish
from releasekit.testing.ci_player import EXTRA_MEMBER, CiPlayer
from releasekit.testing.conda import conda_build_channel

__all__ = ["conda_build_channel"]  # a fixture, imported on purpose


def with_conda_recipe(project, cli, env, base_channel, channel_dir) -> None:
    """The project's conda package goes to a channel directory: the settings and the recipe that
    `dist.conda-recipe` writes, committed (CI builds the tag's export)."""
    pyproject = project.path / "pyproject.toml"  # [tool.releasekit] is its last table
    pyproject.write_text(pyproject.read_text() + f'conda.channels = ["{base_channel.path}"]\n'
                         f'conda.channel_dir = "{channel_dir}"\nconda.package_format = "tar.bz2"\n')
    for task in ("dist.pypi", "dist.conda-recipe", "dist.clean"):
        cli(task, env=env, check=True)
    project.git("add", "pyproject.toml", "conda")
    project.git("commit", "-qm", "conda recipe")
    project.git("push", "-q", "origin", "main")


@pytest.mark.parametrize("fault,conda", [(None, False), ("different-sdist", False), ("late", False), (None, True)],
                         ids=["ok", "different-sdist", "never-then-late", "ok-conda"])
def test_publish_ci_waits_for_the_upload_compares_and_verifies(fault, conda, release_project, release_cli,
                                                               index_server, tmp_path, request):
    """With ``conda``, CI's conda job also builds and uploads the conda package (to a channel directory):
    this machine builds none, waits for the channel, checks the package against the tag's recipe and
    installs it from the channel."""
    project = release_project
    player = CiPlayer(project.remote, index_server.upload_url, tmp_path / "ci", delay=0.5,
                      tag_glob=cipublish.tag_glob("{version}"), conda=conda)
    player.install()
    player.configure(fault=fault)
    env = dict(release_cli.env, INVOKE_RELEASEKIT_PUBLISH="ci", INVOKE_RELEASEKIT_WAIT_TIMEOUT="3" if fault == "late" else "120",
               INVOKE_RELEASEKIT_WAIT_INTERVAL="0.2")
    env.pop("TWINE_PASSWORD")  # nothing uploads from here: no credentials needed
    env.pop("TWINE_USERNAME")
    channel_dir = tmp_path / "channel"
    if conda:
        with_conda_recipe(project, release_cli, env, request.getfixturevalue("conda_build_channel"), channel_dir)
    try:
        plan = release_cli("release", "--plan", env=env)
        assert plan.returncode == 0, plan.stdout + plan.stderr
        assert "ci-publish: the tag's publish workflow builds, checks and uploads   [ci.config --release]   (in CI)" \
            in plan.stdout
        assert "await-ci-upload: wait for CI's upload" in plan.stdout and "(here)" in plan.stdout
        assert " upload: " not in plan.stdout and " build: " not in plan.stdout  # neither builds nor uploads here
        if conda:  # the conda job runs in CI; here the channel is awaited and checked, then installed from
            in_ci = plan.stdout.split("ci-publish:", 1)[1].split("await-ci-upload:", 1)[0]
            assert "releasekit dist.conda" in in_ci and f"upload.conda --yes  (to channel directory {channel_dir}" \
                in in_ci, plan.stdout
            assert "await-ci-conda: wait for CI's conda upload and check it against the tag's recipe   " \
                   "[verify.wait]   (here)" in plan.stdout
            assert f"install the conda package from {channel_dir}" in plan.stdout

        result = release_cli("release", "--yes", env=env)
        out = result.stdout + result.stderr
        journal_path = project.path / ".git" / "releasekit" / "journal.json"
        if fault == "different-sdist":
            assert result.returncode == 1, out
            sdist = f"{project.name}-0.1.0.tar.gz"
            assert f"{sdist} differs from the preview built from the tag: the published one has {EXTRA_MEMBER} " \
                   "that the preview lacks" in out
            assert json.loads(journal_path.read_text())["steps"]["await-ci-upload"]["status"] == "failed"
            assert "installed from the index" not in out  # stopped before verify
            return
        if fault == "late":  # the first run times out while CI holds the upload: the state is saved
            assert result.returncode == 1, out
            assert "CI has not uploaded them" in out and "release 0.1.0 stopped" in out
            journal = json.loads(journal_path.read_text())
            assert journal["steps"]["await-ci-upload"]["status"] == "failed" and not journal["finished"]
            assert journal["steps"]["tag"]["status"] == "done"
            player.let_through("0.1.0")
            assert player.wait_for("0.1.0")["state"] == "uploaded", player.log("0.1.0")
            result = release_cli("release", "--yes", env=env)  # the resume finds CI's upload and verifies
            out = result.stdout + result.stderr
            assert "await-ci-upload" in out and "already done" in out
        assert result.returncode == 0, out
        assert "the published files of 0.1.0 are the tag's release" in out or fault == "late"
        assert "installed from the index" in out and "release 0.1.0 done" in out
        assert player.states("0.1.0")[-1] == "uploaded"
        journal = json.loads(journal_path.read_text())
        assert journal["finished"] and "ci-publish" not in journal["steps"]  # CI's step is never recorded here
        assert not list(project.path.glob("dist/*0.1.0*"))  # nothing was built for upload here
        if conda:
            (package,) = [p.name for p in (channel_dir / "noarch").glob(f"{project.name}-0.1.0-*.tar.bz2")]
            assert package in player.wait_for("0.1.0")["files"]  # CI's conda job uploaded it
            assert journal["steps"]["await-ci-conda"]["status"] == "done"
            assert f"the conda channel {channel_dir} serves {project.name} 0.1.0 as CI uploaded it" in out
            assert f"the conda package of 0.1.0 on the channel is the tag's recipe's: noarch/{package}" in out
            assert f"conda: {project.name} 0.1.0 installed from {channel_dir} into a fresh prefix and imported" in out
            assert not list(project.path.glob("conda-dist/*/*0.1.0*"))  # no conda package was built here
    finally:
        player.stop()


def test_publish_ci_never_uploaded_times_out_saved_and_resumes_at_the_wait(release_project, release_cli,
                                                                          index_server, tmp_path):
    """The `never` fault alone: CI's job ends without an upload, the release stops at the wait with a
    timeout and its state saved; a second run resumes at that same step (the tag is not pushed again)."""
    project = release_project
    player = CiPlayer(project.remote, index_server.upload_url, tmp_path / "ci",
                      tag_glob=cipublish.tag_glob("{version}")).install()
    player.configure(fault="never")
    env = dict(release_cli.env, INVOKE_RELEASEKIT_PUBLISH="ci", INVOKE_RELEASEKIT_WAIT_TIMEOUT="2",
               INVOKE_RELEASEKIT_WAIT_INTERVAL="0.2")
    env.pop("TWINE_PASSWORD")
    env.pop("TWINE_USERNAME")
    journal_path = project.path / ".git" / "releasekit" / "journal.json"
    try:
        first = release_cli("release", "--yes", env=env)
        out = first.stdout + first.stderr
        assert first.returncode == 1, out
        assert "CI has not uploaded them" in out and "release 0.1.0 stopped" in out
        assert player.wait_for("0.1.0")["state"] == "skipped"  # the job ran and uploaded nothing
        journal = json.loads(journal_path.read_text())
        assert journal["steps"]["await-ci-upload"]["status"] == "failed" and not journal["finished"]
        assert journal["steps"]["tag"]["status"] == "done"
        tag_on_remote = project.git("ls-remote", "--tags", "origin", "0.1.0").split()[0]

        second = release_cli("release", "--yes", env=env)  # CI still never uploads: the same stop, resumed
        out2 = second.stdout + second.stderr
        assert second.returncode == 1, out2
        assert "resuming the release of 0.1.0" in out2
        statuses = dict(re.findall(r"^(\S+) +(already done|done|in CI|failed|not run) +[\d.]+$", out2, flags=re.M))
        assert statuses["tag"] == "already done", out2  # its truth rechecked: the tag is not pushed again
        order = list(statuses)
        before = order[:order.index("await-ci-upload")]
        assert before and all(statuses[s] in ("already done", "in CI") for s in before), out2
        assert statuses["await-ci-upload"] == "failed" and statuses["verify"] == "not run", out2  # the wait ran again
        assert "CI has not uploaded them" in out2 and "release 0.1.0 stopped" in out2
        journal = json.loads(journal_path.read_text())
        assert journal["steps"]["await-ci-upload"]["status"] == "failed" and not journal["finished"]
        assert "verify" not in journal["steps"] or journal["steps"]["verify"]["status"] != "done"
        assert project.git("ls-remote", "--tags", "origin", "0.1.0").split()[0] == tag_on_remote
        assert player.states("0.1.0") == ["started", "skipped"]  # one job: the tag was pushed once
    finally:
        player.stop()
