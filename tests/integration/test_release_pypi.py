"""The artifact half of the rite against a real pypiserver: build from a clean export, check
before upload, upload idempotently, verify the published version (the demo: test_demo.py)."""

from __future__ import annotations

import re
import subprocess
import tarfile
import zipfile
from pathlib import Path

import pytest

from releasekit.testing import wheelhouse
from releasekit.testing.sample import make_sample_project
from releasekit.testing.servers import IndexProxy, PypiServer
from releasekit.testing.wheels import rewrite_wheel
from tests.conftest import Cli, configure
from tests.integration.test_faults import not_ssh

__all__ = ["not_ssh"]  # a fixture, imported on purpose


def served(server: PypiServer, package: str) -> list[str]:
    return sorted(p.name for p in server.dir.iterdir() if p.name.startswith(package.replace("-", "_"))
                  or p.name.startswith(package))


def test_release_publishes_and_verifies_the_package(release_project, release_cli, index_server):
    result = release_cli("release", "--yes")
    assert result.returncode == 0, result.stdout + result.stderr
    name = release_project.name
    files = served(index_server, name)
    assert len(files) == 2 and any(f.endswith(".whl") for f in files) and any(f.endswith(".tar.gz") for f in files)
    out = result.stdout
    assert "artifacts of 0.1.0 pass the checks" in out
    assert "installed from the index" in out and "release 0.1.0 done" in out
    # Running it again after it finished starts a new release, which preflight stops: 0.1.1 is fine, but
    # re-releasing 0.1.0 is impossible because main moved on; the index check protects an explicit re-run:
    again = release_cli("upload.pypi")
    assert again.returncode != 0 and "dist.pypi" in again.stderr  # main is at 0.1.1.dev0: no artifacts
    # The released artifacts can still be named: everything is on the index already, byte for byte.
    refused = release_cli("upload.pypi", "--version", "0.1.0")  # no terminal to ask, no --yes
    assert refused.returncode == 1
    assert refused.stderr.strip() == "error: standard input is not a terminal: pass --yes to upload non-interactively"
    named = release_cli("upload.pypi", "--yes", "--version", "0.1.0")
    assert named.returncode == 0, named.stdout + named.stderr
    assert "uploaded" not in named.stdout and served(index_server, name) == files
    bad = release_cli("upload.all", "--version", "0.1.0-final!")
    assert bad.returncode != 0 and "is not a PEP 440 version" in bad.stderr and "Traceback" not in bad.stderr


class KillAfterFirstUpload(IndexProxy):
    """A proxy in front of a real pypiserver that kills the server as soon as it has stored the
    first upload, before the client hears back: the crash lands between the wheel and the sdist
    every time, not when a watcher thread happens to look. While the server is down the proxy
    drops each connection, as a dead host would."""

    def __init__(self, index: PypiServer) -> None:
        self.index = index
        self.uploads = 0
        super().__init__(index)

    def forwarded(self, handler) -> None:
        if handler.command == "POST":
            self.uploads += 1
            if self.uploads == 1:
                self.index.stop()  # stored, and then the server dies


def test_killed_index_after_the_wheel_then_resume_uploads_only_the_sdist(tmp_path, cli_env):
    server = PypiServer(tmp_path / "index").start()
    wheelhouse.seed(server.dir)
    proxy = KillAfterFirstUpload(server)  # the project's index address stays the same across the restart
    project = make_sample_project(tmp_path, "rk-killed-index")
    configure(project, pypi__repository=proxy.url, dist__isolation=False, test_command="true")
    cli = Cli(project.path, dict(cli_env, TWINE_USERNAME="u", TWINE_PASSWORD="p"))
    try:
        first = cli("release", "--yes")
        assert first.returncode != 0
        assert proxy.uploads == 1 and server.proc is not None and server.proc.poll() is not None  # killed
        assert "error: lost the connection to" in first.stdout and "Traceback" not in first.stdout
        assert [p.name for p in server.dir.iterdir() if p.name.startswith("rk_killed")] != []  # the wheel went first
        assert not any(p.name.startswith("rk-killed") for p in server.dir.iterdir())  # no sdist yet
        server.start()  # the index is back
        second = cli("release", "--yes")
        assert second.returncode == 0, second.stdout + second.stderr
        assert "skipped rk_killed_index-0.1.0-py3-none-any.whl" in second.stdout
        assert "uploaded rk-killed-index-0.1.0.tar.gz" in second.stdout
        assert "uploaded rk_killed_index-0.1.0-py3-none-any.whl" not in second.stdout
    finally:
        proxy.close()
        server.stop()


def test_hotfix_publishes_the_post_release(release_project, release_cli, index_server):
    assert release_cli("release", "--yes").returncode == 0
    project = release_project
    project.git("checkout", "-q", "release-0.1.0")
    project.git("pull", "-q", "origin", "release-0.1.0")
    fix = project.path / project.name.replace("-", "_") / "fix.py"
    fix.write_text("FIXED = True\n")
    project.git("add", "-A")
    project.git("commit", "-q", "-m", "fix the crash")
    project.git("push", "-q", "origin", "release-0.1.0")
    result = release_cli("release-hotfix", "--yes", "--note", "Fixed the crash")
    assert result.returncode == 0, result.stdout + result.stderr
    summary = result.stdout.split("release summary")[1]
    for step in ("preview", "build", "check", "upload", "verify"):
        assert re.search(rf"^{step}\s+done", summary, re.M), step
    post = [f for f in served(index_server, project.name) if "0.1.0.post1" in f]
    assert len(post) == 2 and "installed from the index" in result.stdout


def test_a_failed_verify_is_all_that_resume_runs_again(release_project, release_cli, not_ssh):
    # The published version is verified on a host whose SSH port answers in preflight but whose ssh
    # fails at verify: a verify failure, and the release is not done.
    first = release_cli("release", "--yes", "--host", not_ssh)
    assert first.returncode != 0
    assert re.search(rf"^error: 1 of 2 installs of \S+ \(local and 1 host\(s\)\) failed: {re.escape(not_ssh)}: cannot reach",
                     first.stdout, re.M), first.stdout
    assert "no conda recipe in conda/: the conda steps are skipped" in first.stdout
    summary = first.stdout.split("release summary")[1]
    assert "upload               done" in summary and "verify               failed" in summary
    second = release_cli("release", "--yes")
    assert second.returncode == 0, second.stdout + second.stderr
    rows = {line.split()[0]: line.split()[1] for line in second.stdout.split("release summary")[1].splitlines()[3:]
            if len(line.split()) >= 2 and line.split()[1] in ("done", "already")}
    assert rows.pop("verify") == "done" and rows.pop("finish") == "done"  # finish never ran the first time
    assert set(rows.values()) == {"already"} and len(rows) == 11  # every step before verify: recognised as done


def test_an_artifact_replaced_after_its_check_is_checked_again(release_project, release_cli, not_ssh):
    first = release_cli("release", "--yes", "--host", not_ssh)  # stops at verify
    assert first.returncode != 0
    wheel = next((release_project.path / "dist").glob("*.whl"))
    module = release_project.name.replace("-", "_")
    # someone swaps in a (well-formed) wheel whose import fails
    rewrite_wheel(wheel, wheel, replace={f"{module}/__init__.py": b"raise ImportError('swapped wheel')\n"})
    second = release_cli("release", "--yes")
    assert second.returncode != 0
    summary = second.stdout.split("release summary")[1]
    assert re.search(r"build\s+already done", summary) and re.search(r"check\s+failed", summary)
    assert "swapped wheel" in second.stdout


def test_missing_credentials_stop_preflight_before_any_change(release_project, cli_env, tmp_path):
    env = dict(cli_env, HOME=str(tmp_path / "home"))  # no .pypirc, no keyring, no TWINE_* variables
    result = Cli(release_project.path, env)("release", "--yes")
    assert result.returncode != 0
    assert "no upload credentials" in result.stdout + result.stderr
    assert release_project.git("tag").strip() == ""
    assert release_project.git("rev-parse", "--abbrev-ref", "HEAD").strip() == "main"


def test_a_password_in_a_tracked_repository_url_stops_preflight(tmp_path, cli_env, index_server):
    project = make_sample_project(tmp_path, "rk-url-password")
    url = index_server.url.replace("http://", "http://uploader:S3cret-in-file@")
    configure(project, pypi__repository=url, dist__isolation=False, test_command="true")
    result = Cli(project.path, cli_env)("release", "--yes")
    assert result.returncode != 0
    assert "pypi.repository in pyproject.toml holds a password" in result.stdout
    assert "S3cret-in-file" not in result.stdout + result.stderr
    assert project.git("tag").strip() == "" and not [p for p in index_server.dir.iterdir() if "url" in p.name]


def test_an_sdist_missing_a_tracked_file_is_reported(tmp_path, cli_env, index_server):
    project = make_sample_project(tmp_path, "rk-missing-file",
                                  extra_files={"sampledata/table.csv": "a,b\n1,2\n"})
    configure(project, pypi__repository=index_server.url, dist__isolation=False, test_command="true")
    cli = Cli(project.path, dict(cli_env, TWINE_USERNAME="u", TWINE_PASSWORD="p"))
    result = cli("release", "--yes")
    assert result.returncode != 0
    assert "error: rk-missing-file-0.1.0.dev0.tar.gz lacks 1 tracked file(s): sampledata/table.csv (hint: ship them " \
           "(MANIFEST.in or package data) or, if they need not ship, set `dist.check_ignore` to " \
           '["sampledata/*"]' in result.stdout
    assert not [p for p in index_server.dir.iterdir() if "missing" in p.name]  # nothing uploaded
    assert_caught_by_the_preview(project, result)


@pytest.mark.filterwarnings("ignore:Duplicate name")
def test_a_wheel_storing_a_file_twice_fails_the_check(release_project, release_cli):
    assert release_cli("dist.pypi").returncode == 0
    assert release_cli("dist.check").returncode == 0
    wheel = next((release_project.path / "dist").glob("*.whl"))
    with zipfile.ZipFile(wheel, "a") as zf:  # which copy an installer keeps is chance
        zf.writestr(f"{release_project.name.replace('-', '_')}/__init__.py", "X = 2\n")
    result = release_cli("dist.check")
    assert result.returncode != 0
    assert f"{wheel.name} stores {release_project.name.replace('-', '_')}/__init__.py more than once" in result.stderr
    assert "Traceback" not in result.stdout + result.stderr


def test_a_conda_recipe_without_tests_is_caught_by_the_preview(release_project, release_cli, tmp_path):
    recipe = release_project.path / "conda" / "recipe.yaml"
    recipe.parent.mkdir()
    recipe.write_text(f"package:\n  name: {release_project.name}\n  version: ${{{{ version }}}}\n"
                      "context:\n  version: 0.0.0\nsource:\n  path: .\nbuild:\n  noarch: python\n"
                      "requirements:\n  run:\n    - python\n")
    (release_project.path / "invoke.yaml").write_text(f"releasekit:\n  conda:\n    channel_dir: {tmp_path / 'channel'}\n")
    release_project.git("add", "conda", "invoke.yaml")
    release_project.git("commit", "-qm", "a conda recipe")
    release_project.git("push", "-q", "origin", "main")
    result = release_cli("release", "--yes")
    assert result.returncode != 0
    assert "the recipe has no tests" in result.stdout + result.stderr
    assert_caught_by_the_preview(release_project, result)


def assert_caught_by_the_preview(project, result) -> None:
    """The preview of HEAD failed before the rite changed anything: no tag, no branch, main as it was."""
    summary = result.stdout.split("release summary")[1]
    assert re.search(r"preview\s+failed", summary) and re.search(r"prepare\s+not run", summary)
    remote = subprocess.run(["git", "--git-dir", str(project.remote), "for-each-ref", "--format=%(refname)"],
                            capture_output=True, text=True, check=True).stdout.split()
    assert remote == ["refs/heads/main"]
    assert project.git("status", "--porcelain").strip() == "" and "0.1.0.dev0" in project.version_file.read_text()


def test_a_readme_that_does_not_render_fails_before_upload(tmp_path, cli_env, index_server):
    project = make_sample_project(tmp_path, "rk-bad-readme", readme_type="text/x-rst",
                                  readme="Title\n=====\n\n.. bogus-directive:: nope\n\n`unclosed\n")
    configure(project, pypi__repository=index_server.url, dist__isolation=False, test_command="true")
    cli = Cli(project.path, dict(cli_env, TWINE_USERNAME="u", TWINE_PASSWORD="p"))
    result = cli("release", "--yes")
    assert result.returncode != 0
    assert "twine check failed" in result.stdout and "would not be rendered" in result.stdout
    assert not [p for p in index_server.dir.iterdir() if "bad" in p.name]
    assert_caught_by_the_preview(project, result)
    # Fixed on main, the same command carries the release through.
    project.readme.write_text("Title\n=====\n\nFine now.\n")
    project.git("commit", "-qam", "fix the README")
    project.git("push", "-q", "origin", "main")
    again = cli("release", "--yes")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "release 0.1.0 done" in again.stdout


def test_a_package_whose_import_fails_is_stopped_by_verify_local(tmp_path, cli_env, index_server):
    project = make_sample_project(tmp_path, "rk-broken-import")
    init = project.path / "rk_broken_import" / "__init__.py"
    init.write_text(init.read_text() + "\nimport a_module_that_is_not_there\n")
    project.git("commit", "-qam", "break the import")
    project.git("push", "-q", "origin", "main")
    configure(project, pypi__repository=index_server.url, dist__isolation=False, test_command="true")
    result = Cli(project.path, dict(cli_env, TWINE_USERNAME="u", TWINE_PASSWORD="p"))("release", "--yes")
    assert result.returncode != 0
    line = next(x for x in result.stdout.splitlines() if x.startswith("error: "))
    prefix = ("error: `import rk_broken_import` failed in a clean environment: ModuleNotFoundError: "
              "No module named 'a_module_that_is_not_there' (hint: the full output is in ")
    assert line.startswith(prefix), line
    log = Path(line.removeprefix(prefix).rstrip(")"))  # the release's own log, which exists
    assert log.name.startswith("release-") and "a_module_that_is_not_there" in log.read_text()
    assert not [p for p in index_server.dir.iterdir() if "broken" in p.name]


def test_the_build_ignores_untracked_files(release_project, release_cli):
    big = release_project.path / release_project.package / "huge-untracked.bin"
    with open(big, "wb") as fh:
        fh.truncate(50 * 1024 * 1024)
    result = release_cli("dist.pypi")
    assert result.returncode == 0, result.stderr
    dist = release_project.path / "dist"
    sdist = next(dist.glob("*.tar.gz"))
    assert sdist.stat().st_size < 1024 * 1024
    with tarfile.open(sdist) as tar:
        assert not [m for m in tar.getnames() if "huge-untracked" in m]


def test_index_already_has_the_version_is_caught_by_preflight(release_project, release_cli, index_server):
    # Someone uploaded this version before: preflight refuses before any git change.
    (index_server.dir / f"{release_project.package}-0.1.0.tar.gz").write_bytes(b"not ours")
    result = release_cli("release", "--yes")
    assert result.returncode != 0
    assert "already on the index" in result.stdout + result.stderr
    assert release_project.git("tag").strip() == ""
