"""Faults found by injecting them into real releases (issue 14, item 5), each as a test that injects
the fault or the bad input and compares the end state with an uninterrupted release's.

- a bad ``--host`` is refused in preflight, before the first change;
- a step that changed something outside is re-checked against the outside on resume, not its journal:
  delete the pushed commit, branch or tag in the bare remote, or the uploaded file on the index, and
  the next ``release`` puts it back;
- a push the remote refuses shows the remote's reason.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import socket
import sys
import threading
from pathlib import Path

import pytest

from releasekit.testing import wheelhouse
from releasekit.testing.conda import conda_build_channel
from releasekit.testing.fake_anaconda import anaconda_client_config, fake_anaconda
from releasekit.testing.sample import make_sample_project
from releasekit.testing.servers import IndexProxy, PypiServer
from tests.conftest import Cli, configure
from tests.integration.test_rite import RELEASE_DATE, final_state, git_project, hook, remote_git

__all__ = ["anaconda_client_config", "conda_build_channel", "fake_anaconda"]  # fixtures, imported on purpose

# --- helpers ---------------------------------------------------------------------------------------------


def summary_of(result) -> dict[str, str]:
    """step -> status, from the release summary table."""
    rows = {}
    for line in result.stdout.split("release summary", 1)[1].splitlines():
        found = re.match(r"^(\S+)\s+(already done|done|failed|not run|skipped)\b", line)
        if found:
            rows[found[1]] = found[2]
    return rows


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class NotSsh:
    """A TCP port that accepts connections and closes them at once: a host that is up for preflight
    (its SSH port answers) but whose ssh never works, so verify fails on it, quickly."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.closed = False
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while not self.closed:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            conn.close()

    def close(self) -> None:
        self.closed = True
        self.sock.close()


@pytest.fixture
def not_ssh():
    port = NotSsh()
    yield f"nobody@127.0.0.1:{port.port}"
    port.close()


def snapshot(project, server: PypiServer | None = None):
    """Everything a refused release must leave alone: local and remote refs, HEAD, the tracked
    files' contents, git's index, untracked files, and the package index's files."""
    tracked = {p: (project.path / p).read_bytes() for p in project.git("ls-files").split() if (project.path / p).is_file()}
    served = sorted(p.name for p in server.dir.iterdir()) if server else None
    return (project.git("for-each-ref"), remote_git(project, "for-each-ref"), project.git("rev-parse", "HEAD"),
            project.git("symbolic-ref", "HEAD"), tracked, project.git("ls-files", "--stage"),
            project.git("status", "--porcelain", "--untracked-files=all"), served)


# --- every input is checked before the first change -----------------------------------------------------

BAD_HOSTS = {
    "user-without-host": ("me@", "--host: 'me@' is not an address of the form user@host[:port]"),
    "unknown-name": ("nosuchhost", "unknown host 'nosuchhost'; configured hosts: none"),
    "port-not-a-number": ("me@127.0.0.1:notaport",
                          "--host: 'me@127.0.0.1:notaport' has port 'notaport', not a number from 1 to 65535"),
    "port-without-host": (":99999", "--host: ':99999' is not an address of the form user@host[:port]"),
    "does-not-resolve": ("me@no-such-host.invalid", "--host me@no-such-host.invalid: cannot resolve no-such-host.invalid"),
    "nothing-listens": ("me@127.0.0.1:1", "--host me@127.0.0.1:1: cannot connect to 127.0.0.1:1: Connection refused"),
}


@pytest.mark.parametrize("spec,says", BAD_HOSTS.values(), ids=BAD_HOSTS.keys())
def test_a_bad_host_is_refused_in_preflight_and_nothing_changes(spec, says, release_project, release_cli, index_server):
    before = snapshot(release_project, index_server)
    result = release_cli("release", "--yes", "--host", spec)
    assert result.returncode != 0
    # The one problem is the error line, with what to do; the release stopped at preflight.
    line = next(line for line in result.stdout.splitlines() if line.startswith("error: "))
    assert line.startswith("error: " + says), line
    assert re.search(r"; (write it as|use a configured name|check that the host is up)", line), line
    rows = summary_of(result)
    assert rows["preflight"] == "failed" and set(rows.values()) - {"failed"} == {"not run"}
    assert "Traceback" not in result.stdout + result.stderr
    assert snapshot(release_project, index_server) == before


def test_every_bad_host_is_reported_at_once(release_project, release_cli):
    result = release_cli("release", "--yes", "--host", "me@", "--host", "me@127.0.0.1:1")
    assert result.returncode != 0
    assert "  - --host: 'me@' is not an address" in result.stdout
    assert "  - --host me@127.0.0.1:1: cannot connect" in result.stdout
    assert "error: 2 problems" in result.stdout


def test_reachability_follows_ssh_config_and_leaves_jump_hosts_to_ssh(tmp_path, monkeypatch):
    """ssh's own HostName and Port decide where preflight connects; a ProxyJump host is reached only
    through its jump host, so preflight cannot tell and does not refuse it."""
    from releasekit.adapters.hosts import HostSpec, unreachable

    listening = NotSsh()
    try:
        (tmp_path / ".ssh").mkdir()
        (tmp_path / ".ssh" / "config").write_text(
            f"Host build-box\n  HostName 127.0.0.1\n  Port {listening.port}\n"
            "Host gone-box\n  HostName 127.0.0.1\n  Port 1\n"
            "Host hidden-box\n  HostName 10.255.255.1\n  ProxyJump gone-box\n")
        monkeypatch.setenv("HOME", str(tmp_path))
        assert unreachable(HostSpec("build", "build-box"), 2) is None
        assert unreachable(HostSpec("gone", "gone-box"), 2) == "cannot connect to 127.0.0.1:1: Connection refused"
        assert unreachable(HostSpec("hidden", "hidden-box"), 2) is None
    finally:
        listening.close()


# --- a changelog date that is not a date ----------------------------------------------------------------


def test_changelog_check_and_preflight_report_a_date_in_words(tmp_path, cli_env):
    project = git_project(tmp_path)
    text = project.changelog.read_text()
    project.changelog.write_text(text + "\n## 0.0.9 (yesterday)\n\n- the first one\n")
    line = len(text.splitlines()) + 2
    project.git("commit", "-qam", "an old release, dated in words")
    project.git("push", "-q", "origin", "main")
    cli = Cli(project.path, cli_env)
    checked = cli("changelog.check")
    assert checked.returncode != 0
    assert f"CHANGES.md:{line}: 'yesterday' is not a real date; write YYYY-MM-DD" in checked.stdout + checked.stderr
    before = final_state(project)
    released = cli("release", "--yes")
    assert released.returncode != 0 and "'yesterday' is not a real date" in released.stdout
    assert summary_of(released)["preflight"] == "failed" and final_state(project) == before


# --- a push refused by the remote says why -------------------------------------------------------------------


def test_a_push_refused_by_a_hook_shows_the_remotes_reason(tmp_path, cli_env):
    project = git_project(tmp_path)
    hook(project, "pre-receive", 'echo "main is frozen until Monday: ask #release" >&2\nexit 1\n', remote=True)
    result = Cli(project.path, cli_env)("release", "--yes", "--date", RELEASE_DATE)
    assert result.returncode != 0
    assert ("error: 'origin' refused the push of HEAD:refs/heads/main: main is frozen until Monday: ask #release "
            "(pre-receive hook declined)") in result.stdout
    assert "failed to push some refs" not in result.stdout
    assert summary_of(result)["dev-cycle"] == "failed"


def test_a_refused_tag_push_shows_the_reason_too(tmp_path, cli_env):
    project = git_project(tmp_path)
    hook(project, "pre-receive", """
while read old new ref; do case "$ref" in refs/tags/*)
  echo "tags need a signed-off release ticket" >&2; echo "see RELEASING.md" >&2; exit 1
esac; done
""", remote=True)
    result = Cli(project.path, cli_env)("release", "--yes", "--date", RELEASE_DATE)
    assert result.returncode != 0
    assert ("error: 'origin' refused the push of refs/tags/0.1.0: tags need a signed-off release ticket; "
            "see RELEASING.md (pre-receive hook declined)") in result.stdout
    assert summary_of(result)["tag"] == "failed" and remote_git(project, "tag") == ""


# --- a resumed step checks the outside, not its journal: git ---------------------------------------------

REJECT_TAGS_ONCE = """
while read old new ref; do case "$ref" in refs/tags/*)
  if [ ! -f "$GIT_DIR/rejected-once" ]; then touch "$GIT_DIR/rejected-once"; echo "tags are frozen" >&2; exit 1; fi
esac; done
"""

# Kills the release at the finish step, right after the tag step was recorded done.
KILL_AT_FINISH = """
if [ "$(git rev-parse --abbrev-ref HEAD)" = main ] && git rev-parse -q --verify refs/tags/0.1.0 >/dev/null; then
  kill -9 "$(cat .git/releasekit/lock)"
fi
"""


def _drop_dev_cycle_commit(project) -> None:
    remote_git(project, "update-ref", "refs/heads/main", "refs/heads/main~1")


def _drop_release_branch(project) -> None:
    remote_git(project, "update-ref", "-d", "refs/heads/release-0.1.0")


def _drop_tag(project) -> None:
    remote_git(project, "update-ref", "-d", "refs/tags/0.1.0")


GIT_TRUTHS = {
    # step whose outside truth is deleted: (how the first run stops after it, how the truth is deleted)
    "dev-cycle": (("pre-receive", REJECT_TAGS_ONCE, True), _drop_dev_cycle_commit),
    "push-release-branch": (("pre-receive", REJECT_TAGS_ONCE, True), _drop_release_branch),
    "tag": (("post-checkout", KILL_AT_FINISH, False), _drop_tag),
}


@pytest.mark.parametrize("step", list(GIT_TRUTHS), ids=list(GIT_TRUTHS))
def test_a_deleted_push_is_pushed_again_on_resume(step, tmp_path, cli_env, reference_state):
    project = git_project(tmp_path)
    cli = Cli(project.path, cli_env)
    (name, body, on_remote), delete = GIT_TRUTHS[step]
    stopper = hook(project, name, body, remote=on_remote)
    first = cli("release", "--yes", "--date", RELEASE_DATE)
    assert first.returncode != 0
    if not on_remote:
        stopper.unlink()
    journal = (project.path / ".git" / "releasekit" / "journal.json").read_text()
    assert re.search(rf'"{step}": {{\s*"status": "done"', journal), journal  # the journal recorded it
    delete(project)
    second = cli("release", "--yes", "--date", RELEASE_DATE)
    assert second.returncode == 0, second.stdout + second.stderr
    assert summary_of(second)[step] == "done"  # done again, not "already done" on the journal's word
    assert final_state(project) == reference_state


# --- a resumed step checks the outside, not its journal: the package index and the conda channel ---------


def _pypi_release(root: Path, name: str, *extra_settings):
    server = PypiServer(root / "index").start()
    wheelhouse.seed(server.dir)
    project = make_sample_project(root, name)
    # A short wait: a file that never comes fails verify in seconds, not in wait.timeout's half hour.
    configure(project, pypi__repository=server.url, dist__isolation=False, test_command="true",
              wait__timeout=20, wait__interval=1, **dict(extra_settings))
    return project, server


def published_state(project, server: PypiServer, package: str) -> dict:
    """What a finished release leaves: the git state, and the index serving exactly the built files."""
    dist = {p.name: sha256(p) for p in (project.path / "dist").iterdir()}
    prefixes = (package, package.replace("-", "_"))
    served = {p.name: sha256(p) for p in server.dir.iterdir() if p.name.startswith(prefixes)}
    state: dict = {}  # the index's port is in pyproject.toml, so trees differ: compare what the rite wrote
    for ref in remote_git(project, "for-each-ref", "--format=%(refname)").split():
        state[ref] = (remote_git(project, "log", "--format=%s", ref).splitlines(),
                      remote_git(project, "show", f"{ref}:rk_deleted/version.py"),
                      remote_git(project, "show", f"{ref}:CHANGES.md"))
    state["local-branch"] = project.git("rev-parse", "--abbrev-ref", "HEAD").strip()
    state["clean"] = project.git("status", "--porcelain").strip() == ""
    state["index serves the built files"] = served == dist
    state["index files"] = sorted(served)
    return state


@pytest.fixture(scope="session")
def pypi_reference(tmp_path_factory):
    """What an uninterrupted release leaves; made once per run."""
    from tests.conftest import clean_cli_env, shared_once

    def release():
        project, server = _pypi_release(tmp_path_factory.mktemp("pypi-reference"), "rk-deleted")
        try:
            cli = Cli(project.path, dict(clean_cli_env(), TWINE_USERNAME="u", TWINE_PASSWORD="p"))
            result = cli("release", "--yes", "--date", RELEASE_DATE)
            assert result.returncode == 0, result.stdout + result.stderr
            return published_state(project, server, "rk-deleted")
        finally:
            server.stop()

    return shared_once(tmp_path_factory, "pypi-reference", release)


@pytest.mark.parametrize("kind", ["sdist", "wheel"])
def test_a_file_deleted_from_the_index_is_uploaded_again(kind, tmp_path, cli_env, not_ssh, pypi_reference):
    project, server = _pypi_release(tmp_path, "rk-deleted")
    cli = Cli(project.path, dict(cli_env, TWINE_USERNAME="u", TWINE_PASSWORD="p"))
    try:
        first = cli("release", "--yes", "--date", RELEASE_DATE, "--host", not_ssh)  # stops at verify
        assert first.returncode != 0
        rows = summary_of(first)
        assert (rows["upload"], rows["verify"]) == ("done", "failed"), first.stdout
        # The index loses one file after the journal recorded the upload.
        gone = next(p for p in server.dir.iterdir() if p.name.startswith(("rk-deleted", "rk_deleted"))
                    and p.name.endswith(".whl" if kind == "wheel" else ".tar.gz"))
        gone.unlink()
        second = cli("release", "--yes", "--date", RELEASE_DATE)
        assert second.returncode == 0, second.stdout + second.stderr
        assert f"uploaded {gone.name}" in second.stdout
        assert re.search(r"skipped \S+: the index has it already", second.stdout)  # the other file stayed
        rows = summary_of(second)
        assert (rows["upload"], rows["verify"]) == ("done", "done")
        assert published_state(project, server, "rk-deleted") == pypi_reference
    finally:
        server.stop()


class RefusesFilenamesOnceUsed(IndexProxy):
    """A proxy in front of a real pypiserver that, like PyPI, never accepts a filename a second time,
    even after the file was deleted: an upload of a name in ``used`` gets PyPI's 400."""

    def __init__(self, index: PypiServer) -> None:
        self.used: set[str] = set()
        super().__init__(index)

    def intercept(self, handler, body: bytes) -> bool:
        if handler.command != "POST" or not any(name.encode() in body for name in self.used):
            return False
        message = b"This filename has already been used, use a different version."
        handler.send_response(400, message.decode())
        handler.send_header("Content-Length", str(len(message)))
        handler.end_headers()
        handler.wfile.write(message)
        return True


def test_a_deleted_file_the_index_will_not_take_again_stops_the_release_naming_it(tmp_path, cli_env, not_ssh):
    server = PypiServer(tmp_path / "index").start()
    wheelhouse.seed(server.dir)
    proxy = RefusesFilenamesOnceUsed(server)
    project = make_sample_project(tmp_path, "rk-refused")
    configure(project, pypi__repository=proxy.url, dist__isolation=False, test_command="true")
    cli = Cli(project.path, dict(cli_env, TWINE_USERNAME="u", TWINE_PASSWORD="p"))
    try:
        first = cli("release", "--yes", "--host", not_ssh)  # stops at verify
        assert summary_of(first)["upload"] == "done", first.stdout
        sdist = server.dir / "rk-refused-0.1.0.tar.gz"
        sdist.unlink()  # deleted from the index, which keeps the name used
        proxy.used.add(sdist.name)
        second = cli("release", "--yes")
        assert second.returncode != 0
        assert re.search(r"^error: \S+ refused rk-refused-0\.1\.0\.tar\.gz: .*400.*already been used", second.stdout,
                         re.M), second.stdout
        assert "release a post-release" in second.stdout  # what to do
        assert (summary_of(second)["upload"], summary_of(second)["verify"]) == ("failed", "not run")
        assert not sdist.exists()
    finally:
        proxy.close()
        server.stop()


# --- the conda channel ---------------------------------------------------------------------------------------


def _conda_release(root: Path, name: str, base_channel, cli_env, **conda_target):
    """A project releasing to a pypiserver and a conda channel directory (or ``conda_target``), its
    recipe written by `dist.conda-recipe` and committed (the release builds from the tag)."""
    channel_dir = root / "channel"
    target = conda_target or {"conda__channel_dir": str(channel_dir)}
    project, server = _pypi_release(root, name, ("conda__channels", [str(base_channel.path)]),
                                    ("conda__package_format", "tar.bz2"), *target.items())
    cli = Cli(project.path, dict(cli_env, TWINE_USERNAME="u", TWINE_PASSWORD="p"))
    cli("dist.pypi", check=True)
    cli("dist.conda-recipe", check=True)
    cli("dist.clean", check=True)
    project.git("add", "conda")
    project.git("commit", "-qm", "conda recipe")
    project.git("push", "-q", "origin", "main")
    return project, server, cli, channel_dir


def channel_state(project, channel_dir: Path) -> dict:
    """The channel holds exactly the built conda packages, byte for byte, and its index lists them."""
    from releasekit.adapters import channel

    built = {f"{p.parent.name}/{p.name}": sha256(p) for p in (project.path / "conda-dist").glob("*/*.tar.bz2")}
    indexed = {}
    for subdir in {b.split("/")[0] for b in built}:
        data = json.loads((channel_dir / subdir / "repodata.json").read_text())
        indexed.update({f"{subdir}/{n}": e["sha256"] for n, e in data.get("packages", {}).items()})
    return {"served": channel.existing(channel_dir) == built, "indexed": indexed == built, "files": sorted(built)}


def uploaded_to_the_channel(project) -> bool:
    """The upload step's truth for the conda channel, asked the way the rite asks it."""
    from releasekit.core.config import pyproject_layer, resolve
    from releasekit.core.project import Project
    from releasekit.operations.publishing import conda_uploaded

    return conda_uploaded(Project(resolve(project.path, [("pyproject.toml", pyproject_layer(project.path))])), "0.1.0")


@pytest.fixture(scope="session")
def conda_reference(tmp_path_factory, conda_build_channel):
    """What an uninterrupted release with a conda channel leaves; made once per run."""
    from tests.conftest import clean_cli_env, shared_once

    def release():
        root = tmp_path_factory.mktemp("conda-reference")
        project, server, cli, channel_dir = _conda_release(root, "rk-deleted", conda_build_channel, clean_cli_env())
        try:
            result = cli("release", "--yes", "--date", RELEASE_DATE)
            assert result.returncode == 0, result.stdout + result.stderr
            return published_state(project, server, "rk-deleted"), channel_state(project, channel_dir)
        finally:
            server.stop()

    return shared_once(tmp_path_factory, "conda-reference", release)


def test_a_package_deleted_from_the_conda_channel_is_uploaded_again(tmp_path, cli_env, not_ssh, conda_build_channel,
                                                                    conda_reference):
    from releasekit.adapters import channel

    project, server, cli, channel_dir = _conda_release(tmp_path, "rk-deleted", conda_build_channel, cli_env)
    try:
        first = cli("release", "--yes", "--date", RELEASE_DATE, "--host", not_ssh)  # stops at verify
        assert first.returncode != 0
        assert (summary_of(first)["upload"], summary_of(first)["verify"]) == ("done", "failed"), first.stdout
        gone = list(channel.existing(channel_dir))
        assert len(gone) == 1
        assert uploaded_to_the_channel(project)
        assert channel.remove(gone, channel_dir) == gone  # someone removes the package from the channel
        assert not uploaded_to_the_channel(project)
        second = cli("release", "--yes", "--date", RELEASE_DATE)
        assert second.returncode == 0, second.stdout + second.stderr
        assert f"copied {gone[0].split('/')[1]} to" in second.stdout
        assert summary_of(second)["upload"] == "done" and uploaded_to_the_channel(project)
        assert (published_state(project, server, "rk-deleted"), channel_state(project, channel_dir)) == conda_reference
    finally:
        server.stop()


def test_a_package_deleted_from_anaconda_org_is_uploaded_again(tmp_path, cli_env, conda_build_channel, fake_anaconda,
                                                               anaconda_client_config, conda_reference):
    from binstar_client import Binstar

    from releasekit.adapters import anaconda
    from releasekit.testing.fake_anaconda import FAKE_TOKEN, FAKE_USER

    env = dict(cli_env, HOME=str(tmp_path / "home"), BINSTAR_CONFIG_DIR=str(anaconda_client_config),
               ANACONDA_API_TOKEN=FAKE_TOKEN, PATH=f"{Path(sys.executable).parent}{os.pathsep}{cli_env['PATH']}")
    # anaconda.org's packages cannot be installed here: the release ends with the upload; the
    # finish step is where it is killed, after the journal recorded the upload.
    project, server, cli, _ = _conda_release(tmp_path, "rk-deleted", conda_build_channel, env,
                                             conda__user=FAKE_USER, skip_steps=["verify"])
    stopper = hook(project, "post-checkout", KILL_AT_FINISH)
    try:
        first = cli("release", "--yes", "--date", RELEASE_DATE)
        assert first.returncode != 0
        stopper.unlink()
        journal = json.loads((project.path / ".git" / "releasekit" / "journal.json").read_text())
        assert journal["steps"].get("upload", {}).get("status") == "done", first.stdout + first.stderr
        built = {f"{p.parent.name}/{p.name}": sha256(p) for p in (project.path / "conda-dist").glob("*/*.tar.bz2")}
        (basename,) = built
        name = basename.split("/")[1].rsplit("-", 2)[0]
        assert set(anaconda.existing_files(fake_anaconda.api_url, FAKE_USER, name, "0.1.0")) == {basename}
        Binstar(FAKE_TOKEN, domain=fake_anaconda.api_url).remove_dist(FAKE_USER, name, "0.1.0", basename)
        assert anaconda.existing_files(fake_anaconda.api_url, FAKE_USER, name, "0.1.0") == {}
        second = cli("release", "--yes", "--date", RELEASE_DATE)
        assert second.returncode == 0, second.stdout + second.stderr
        assert summary_of(second)["upload"] == "done"
        there = anaconda.existing_files(fake_anaconda.api_url, FAKE_USER, name, "0.1.0")
        assert {b: (d["sha256"], d["labels"]) for b, d in there.items()} == {basename: (built[basename], ["main"])}
        state = published_state(project, server, "rk-deleted")
        reference = conda_reference[0]
        assert {k: v for k, v in state.items() if k.startswith("refs/")} == \
            {k: v for k, v in reference.items() if k.startswith("refs/")}
        assert state["index serves the built files"] and state["index files"] == reference["index files"]
    finally:
        server.stop()


def test_a_bad_host_given_on_resume_is_refused_before_the_upload(tmp_path, cli_env):
    """A resume is past preflight, but a --host it is given is new input: checked before uploading."""
    project, server = _pypi_release(tmp_path, "rk-resumed")
    hook(project, "pre-receive", REJECT_TAGS_ONCE, remote=True)
    cli = Cli(project.path, dict(cli_env, TWINE_USERNAME="u", TWINE_PASSWORD="p"))
    try:
        first = cli("release", "--yes")
        assert first.returncode != 0 and summary_of(first)["tag"] == "failed"
        served = sorted(p.name for p in server.dir.iterdir())
        second = cli("release", "--yes", "--host", "me@127.0.0.1:1")
        assert second.returncode != 0
        assert "error: --host me@127.0.0.1:1: cannot connect to 127.0.0.1:1" in second.stdout
        assert "nothing was uploaded" in second.stdout
        assert (summary_of(second)["tag"], summary_of(second)["upload"]) == ("done", "failed")
        assert sorted(p.name for p in server.dir.iterdir()) == served
    finally:
        server.stop()
