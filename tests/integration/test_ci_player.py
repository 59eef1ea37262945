"""The `publish: ci` test harness itself: a tag push to the bare remote makes its post-receive hook
play the publish workflow against a real pypiserver, and each fault does what it says."""

from __future__ import annotations

import tarfile

import pytest

from releasekit.adapters import distfiles, index
from releasekit.core import cipublish, published
from releasekit.testing.ci_player import EXTRA_MEMBER, CiPlayer
from releasekit.testing.sample import make_sample_project
from releasekit.testing.servers import pypiserver  # noqa: F401  (session fixture)


def _release(tmp_path, name: str, server):
    """A sample at version 1.0.0 whose bare remote plays the CI, and a player ready for a push; its
    tag filter is the one the generated workflow has for the tag template ``v{version}``."""
    project = make_sample_project(tmp_path, name, "1.0.0")
    player = CiPlayer(project.remote, server.upload_url, tmp_path / "ci",
                      tag_glob=cipublish.tag_glob("v{version}")).install()
    return project, player


def _push_tag(project, tag: str) -> str:
    project.git("tag", tag)
    return project.git("push", "origin", tag)


def _on_index(server, name: str) -> dict[str, str | None]:
    return index.files_for_version(index.fetch_files(f"{server.simple_url}{name}/"), name, "1.0.0")


@pytest.fixture
def stop_jobs():
    players: list[CiPlayer] = []
    yield players.append
    for player in players:
        player.stop()


def _preview(project, tmp_path):
    """releasekit's own build of the tag from a clean export: the preview the rite compares with."""
    from releasekit.adapters import pypi
    from releasekit.adapters.git import Git
    from releasekit.adapters.shell import Shell

    export = Git(Shell(), project.path).export("v1.0.0", tmp_path / "export")
    return pypi.build(Shell(), export, tmp_path / "preview", isolation=False)


def test_a_tag_push_builds_the_tag_and_uploads_its_files_to_the_index(tmp_path, pypiserver, stop_jobs):  # noqa: F811
    project, player = _release(tmp_path, "ciplay-ok", pypiserver)
    stop_jobs(player)
    project.git("push", "origin", "main")
    _push_tag(project, "notes-1")  # not a release tag: the workflow's filter skips it
    _push_tag(project, "v1.0.0")
    done = player.wait_for("v1.0.0")
    assert done["state"] == "uploaded", player.log("v1.0.0")
    assert player.runs()[0]["tag"] == "v1.0.0" and not player.states("notes-1")
    served = _on_index(pypiserver, "ciplay-ok")
    assert sorted(served) == sorted(done["files"]) and len(served) == 2
    assert all(served.values())  # every file with its sha256
    # What CI built equals the preview of the same tag: filenames, sdist file list, wheel METADATA.
    facts = distfiles.published_facts(f"{pypiserver.simple_url}ciplay-ok/", served, tmp_path / "downloaded")
    assert published.compare(facts, distfiles.facts_of(_preview(project, tmp_path))) == []


def test_the_late_fault_holds_the_upload_in_the_background_until_let_through(tmp_path, pypiserver, stop_jobs):  # noqa: F811
    project, player = _release(tmp_path, "ciplay-late", pypiserver)
    stop_jobs(player)
    player.configure(fault="late")
    _push_tag(project, "v1.0.0")  # returns while the job still runs: the hook only starts it
    player.wait_state("v1.0.0", "holding")  # built, and holding the upload
    assert _on_index(pypiserver, "ciplay-late") == {}  # a first wait would time out here
    player.let_through("v1.0.0")
    assert player.wait_for("v1.0.0")["state"] == "uploaded", player.log("v1.0.0")
    assert len(_on_index(pypiserver, "ciplay-late")) == 2


def test_the_never_fault_uploads_nothing(tmp_path, pypiserver, stop_jobs):  # noqa: F811
    project, player = _release(tmp_path, "ciplay-never", pypiserver)
    stop_jobs(player)
    player.configure(fault="never")
    _push_tag(project, "v1.0.0")
    assert player.wait_for("v1.0.0")["state"] == "skipped"
    assert _on_index(pypiserver, "ciplay-never") == {}


def test_the_different_sdist_fault_is_caught_by_the_comparison_with_both_lists_named(tmp_path, pypiserver, stop_jobs):  # noqa: F811
    project, player = _release(tmp_path, "ciplay-diff", pypiserver)
    stop_jobs(player)
    player.configure(fault="different-sdist")
    _push_tag(project, "v1.0.0")
    assert player.wait_for("v1.0.0")["state"] == "uploaded", player.log("v1.0.0")
    served = _on_index(pypiserver, "ciplay-diff")
    facts = distfiles.published_facts(f"{pypiserver.simple_url}ciplay-diff/", served, tmp_path / "downloaded")
    sdist = next(f for f in facts.values() if f.members is not None)
    with tarfile.open(tmp_path / "downloaded" / sdist.filename) as tf:  # the published file itself
        assert any(m.name.endswith("/" + EXTRA_MEMBER) for m in tf.getmembers())
    problems = published.compare(facts, distfiles.facts_of(_preview(project, tmp_path)))
    assert problems == [f"{sdist.filename} differs from the preview built from the tag: the published one has "
                        f"{EXTRA_MEMBER} that the preview lacks"]
