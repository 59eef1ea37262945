"""The version conventions wired into the tasks and the rite, end to end on real git with bare remotes
(and, for the git-tag source, real isolated builds against the session's pypiserver).

The samples whose own changelog format is not wired into the rite yet (Keep a Changelog) are given
a `wip` CHANGES.md here; their version side is what these tests are about.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from releasekit.adapters.envs import uv_binary
from releasekit.testing.sample import make_sample_project, write_wheel
from releasekit.testing.styles import (
    PDM_SUBJECTS,
    make_flit_rst,
    make_pdm_scm,
    make_setuptools_scm_keepachangelog,
    make_uv_three_files,
)
from tests.conftest import Cli, clean_cli_env, configure

pytestmark = pytest.mark.integration

DATE = "2026-12-01"
GIT_ONLY = {"skip_steps": ["build", "check", "upload", "verify"], "test_command": "true"}
WIP = "# Changes\n\n## {cycle} (Work In Progress)\n\n### New:\n\n- {entry}\n\n## {last} (2026-03-08)\n\n- Earlier.\n"


def remote_git(project, *args: str) -> str:
    return subprocess.run(["git", "--git-dir", str(project.remote), *args], text=True, capture_output=True,
                          check=True).stdout.strip()


def commit_all(project, message: str) -> None:
    project.git("add", "-A")
    project.git("commit", "-q", "-m", message)
    project.git("push", "-q", "origin", "main")


def one_line_error(result) -> str:
    assert result.returncode != 0, result.stdout
    assert result.stderr.startswith("error: ") and "Traceback" not in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    return result.stderr


def three_files(tmp_path: Path, *, release_branch: bool = False):
    """uv_build, uv.lock, the version 0.5.0 in pyproject.toml, __init__.py and docs/conf.py, v tags;
    a wip CHANGES.md (Keep a Changelog is not wired into the rite yet)."""
    project = make_uv_three_files(tmp_path, "uvthree")
    (project.path / "CHANGELOG.md").unlink()
    (project.path / "CHANGES.md").write_text(WIP.format(cycle="0.5.1.dev0", entry="`greet()` takes a `greeting`.",
                                                        last="0.5.0"))
    lines = ["", "[tool.releasekit]", 'changelog = "CHANGES.md"', 'test_command = "true"',
             'skip_steps = ["build", "check", "upload", "verify"]',
             "version_files = ['pyproject.toml', 'src/uvthree/__init__.py', "
             "'docs/conf.py:^release = \"(?P<version>[^\"]+)\"']"]
    if not release_branch:
        lines.append("release_branch = false")
    pyproject = project.path / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + "\n".join(lines) + "\n")
    commit_all(project, "configure releasekit")
    return project


def uv_env() -> dict:
    return dict(clean_cli_env(), UV_OFFLINE="1")  # the sample has no dependencies: uv lock needs no index


needs_uv = pytest.mark.skipif(uv_binary() is None, reason="uv is not installed (scripts/setup installs it)")


# --- several files: all or none, checked ----------------------------------------------------------------


@needs_uv
def test_three_files_are_written_together_and_uv_lock_follows(tmp_path):
    project = three_files(tmp_path)
    cli = Cli(project.path, uv_env())
    files = ("pyproject.toml", "src/uvthree/__init__.py", "docs/conf.py")
    out = cli("version.show", "version.check", "version.bump", "--part", "minor", check=True).stdout
    assert "uvthree 0.5.0  (pyproject.toml, src/uvthree/__init__.py, docs/conf.py)" in out
    assert "version 0.5.0 ok" in out and "0.5.0 => 0.6.0" in out
    for rel in files:
        assert "0.6.0" in (project.path / rel).read_text() and "0.5.0" not in (project.path / rel).read_text()
    assert 'name = "uvthree"\nversion = "0.6.0"' in (project.path / "uv.lock").read_text()


def test_a_disagreeing_file_is_reported_and_a_failed_write_changes_none(tmp_path):
    project = three_files(tmp_path)
    cli = Cli(project.path, uv_env())
    conf = project.path / "docs" / "conf.py"
    conf.write_text(conf.read_text().replace('release = "0.5.0"', 'release = "0.4.9"'))
    err = one_line_error(cli("version.check"))
    assert "docs/conf.py" in err and "0.4.9" in err
    conf.write_text(conf.read_text().replace('release = "0.4.9"', "release = VERSION"))  # the pattern no longer fits
    before = {rel: (project.path / rel).read_bytes() for rel in ("pyproject.toml", "src/uvthree/__init__.py",
                                                                 "docs/conf.py", "uv.lock")}
    err = one_line_error(cli("version.bump"))
    assert "docs/conf.py" in err
    assert {rel: (project.path / rel).read_bytes() for rel in before} == before


# --- release policy, v tags, no release branch, uv.lock committed ---------------------------------------


@needs_uv
def test_release_policy_without_a_release_branch(tmp_path):
    project = three_files(tmp_path)
    cli = Cli(project.path, uv_env())
    plan = json.loads(cli("release", "--plan", "--json", "--part", "minor", check=True).stdout)
    r = plan["release"]
    assert (r["version"], r["tag"], r["branch"], r["next_dev"], r["policy"]) == ("0.6.0", "v0.6.0", None, None,
                                                                                  "release")
    assert [s["name"] for s in plan["steps"]] == ["preflight", "tests", "prepare", "release-commit", "tag",
                                                  "dev-cycle", "finish"]
    main_before = remote_git(project, "rev-parse", "main")

    result = cli("release", "--yes", "--part", "minor", "--date", DATE)
    assert result.returncode == 0, result.stdout + result.stderr
    assert remote_git(project, "for-each-ref", "--format=%(refname)", "refs/heads").split() == ["refs/heads/main"]
    tagged = remote_git(project, "rev-parse", "v0.6.0^{commit}")
    assert remote_git(project, "cat-file", "-t", "v0.6.0") == "tag"  # annotated
    assert remote_git(project, "log", "--format=%s", f"{main_before}..main").splitlines() == [
        "open the next cycle after 0.6.0", "release 0.6.0"]
    assert remote_git(project, "log", "-1", "--format=%s", tagged) == "release 0.6.0"
    changed = remote_git(project, "show", "--name-only", "--format=", tagged).split()
    assert sorted(changed) == ["CHANGES.md", "docs/conf.py", "pyproject.toml", "src/uvthree/__init__.py", "uv.lock"]
    assert 'version = "0.6.0"' in remote_git(project, "show", "main:uv.lock")
    for rel in ("pyproject.toml", "src/uvthree/__init__.py", "docs/conf.py"):
        assert "0.6.0" in remote_git(project, "show", f"main:{rel}")  # main holds the release: no .dev0
    changes = remote_git(project, "show", "main:CHANGES.md")
    assert changes.index("## 0.6.1.dev0 (Work In Progress)") < changes.index(f"## 0.6.0 ({DATE})")
    assert project.git("status", "--porcelain").strip() == ""
    assert "version 0.6.0 ok" in cli("version.check", check=True).stdout

    # a hotfix starts from the tag: the branch is made from it when needed, and the backport check works
    out = cli("git.release-branch-create", "--from-tag", "0.6.0", check=True).stdout
    assert "created release-0.6.0" in out
    assert project.git("rev-parse", "release-0.6.0").strip() == tagged
    assert "Nothing to backport" in cli("git.backport-check", check=True).stdout


# --- pre-releases from main ---------------------------------------------------------------------------------


def test_pre_release_from_main(tmp_path):
    project = make_sample_project(tmp_path, "sampleproj", "1.2.0.dev0")
    configure(project, **GIT_ONLY)
    cli = Cli(project.path, clean_cli_env())
    plan = json.loads(cli("release", "--pre", "rc", "--plan", "--json", check=True).stdout)["release"]
    assert (plan["version"], plan["next_dev"], plan["branch"]) == ("1.2.0rc1", "1.2.0rc2.dev0", "release-1.2.0rc1")
    bumped = json.loads(cli("release", "--pre", "rc", "--part", "minor", "--plan", "--json", check=True).stdout)
    assert bumped["release"]["next_dev"] == "1.3.0.dev0"  # --part names the next cycle

    result = cli("release", "--pre", "rc", "--yes", "--date", DATE)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "__version__ = '1.2.0rc2.dev0'" in remote_git(project, "show", "main:sampleproj/version.py")
    assert "__version__ = '1.2.0rc1'" in remote_git(project, "show", "1.2.0rc1:sampleproj/version.py")
    assert "version 1.2.0rc2.dev0 ok" in cli("version.check", check=True).stdout  # main after a pre-release


# --- tags: the template detected, signing -------------------------------------------------------------------


@pytest.mark.parametrize(("old_tag", "new_tag"), [("v0.0.9", "v0.1.0"), ("sampleproj-0.0.9", "sampleproj-0.1.0"),
                                                  ("0.0.9", "0.1.0")])
def test_the_tag_template_is_detected_from_the_tags(tmp_path, old_tag, new_tag):
    project = make_sample_project(tmp_path, "sampleproj", "0.1.0.dev0")
    configure(project, **GIT_ONLY)
    project.git("tag", "-a", old_tag, "-m", old_tag, "HEAD~1")
    cli = Cli(project.path, clean_cli_env())
    assert json.loads(cli("release", "--plan", "--json", check=True).stdout)["release"]["tag"] == new_tag


def test_tag_sign_without_a_key_is_refused_before_anything_changes(tmp_path):
    project = make_sample_project(tmp_path, "sampleproj", "0.1.0.dev0")
    configure(project, tag_sign=True, **GIT_ONLY)
    refs = remote_git(project, "for-each-ref")
    empty = tmp_path / "gnupg"
    empty.mkdir(mode=0o700)
    result = Cli(project.path, dict(clean_cli_env(), GNUPGHOME=str(empty)))("release", "--yes")
    assert result.returncode != 0 and "Traceback" not in result.stdout + result.stderr
    said = [line for line in result.stdout.splitlines() if "git cannot sign" in line]
    assert said and "`releasekit.tag_sign` is true" in said[0]  # preflight's problem line
    assert remote_git(project, "for-each-ref") == refs
    assert "git tag -s 0.1.0" in Cli(project.path, clean_cli_env())("release", "--plan", check=True).stdout


# --- git tags hold the version: setuptools-scm, released end to end -----------------------------------------


def test_setuptools_scm_project_released_end_to_end(tmp_path, index_server):
    project = make_setuptools_scm_keepachangelog(tmp_path, "scmwire")
    (project.path / "CHANGELOG.md").unlink()
    (project.path / "CHANGES.md").write_text(WIP.format(cycle="2.3.1.dev0", entry="`greet()` strips the name.",
                                                        last="2.3.0"))
    commit_all(project, "a wip changelog")
    configure(project, changelog="CHANGES.md", release_branch=False, pypi__repository=index_server.url,
              dist__isolation=True, dist__check_ignore=["CHANGES.md"], skip_steps=["verify"], test_command="true")
    env = dict(clean_cli_env(), TWINE_USERNAME="tester", TWINE_PASSWORD="s3cret-twine-pass",
               PIP_INDEX_URL=index_server.simple_url, UV_DEFAULT_INDEX=index_server.simple_url)
    cli = Cli(project.path, env)
    assert "scmwire 2.3.0" in cli("version.show", check=True).stdout
    main_before = remote_git(project, "rev-parse", "main")

    result = cli("release", "--yes", "--date", DATE)
    assert result.returncode == 0, result.stdout + result.stderr
    tagged = remote_git(project, "rev-parse", "2.3.1^{commit}")
    assert remote_git(project, "show", "--name-only", "--format=", tagged).split() == ["CHANGES.md"]  # no version file
    assert remote_git(project, "diff", "--name-only", main_before, "main").split() == ["CHANGES.md"]
    built = sorted(p.name for p in (project.path / "dist").iterdir())
    assert built == ["scmwire-2.3.1-py3-none-any.whl", "scmwire-2.3.1.tar.gz"]
    from releasekit.adapters import pypi

    assert {pypi.built_version(project.path / "dist" / name) for name in built} == {"2.3.1"}
    assert "scmwire 2.3.1" in cli("version.show", check=True).stdout  # the tag is the version now


def test_a_local_version_is_refused_before_upload(tmp_path, capsys):
    """A build that did not see the release tag says 2.3.1.dev1+g1234abc: dist.check refuses it."""
    from releasekit.adapters.git import Git
    from releasekit.adapters.shell import Shell
    from releasekit.core import config
    from releasekit.core.errors import ArtifactCheckFailed
    from releasekit.core.project import Project
    from releasekit.operations.artifact_checks import check_artifacts

    project = make_sample_project(tmp_path, "sampleproj", "0.1.0")
    wheel = write_wheel(tmp_path / "dist", "sampleproj", "0.1.0+g1234abc")
    settings = config.resolve(project.path, [])
    with pytest.raises(ArtifactCheckFailed) as caught:
        check_artifacts(Project(settings), Shell(), Git(Shell(), project.path), [wheel], "0.1.0", "HEAD")
    assert "problems with the artifacts of 0.1.0" in caught.value.message
    assert "0.1.0+g1234abc is a local version (+g1234abc)" in capsys.readouterr().out


# --- the version from git tags, asked for by the tasks that default to the current version ----------------


def test_tasks_that_default_to_the_current_version_read_it_from_the_tags(tmp_path):
    """pdm-backend's scm source, `v` tags made on main, no setting for either: the standalone tasks find
    0.9.0 from the tag v0.9.0 (there is no version file to read), and the release names its tag and
    leaves out the release branch as the project's earlier releases did."""
    project = make_pdm_scm(tmp_path, "pdmtasks")
    cli = Cli(project.path, clean_cli_env())
    notes = cli("forge.notes", check=True).stdout  # the pending notes: the subjects since v0.9.0
    assert [line.removeprefix("- ") for line in notes.splitlines() if line.startswith("- ")] == list(
        reversed(PDM_SUBJECTS))
    for args in (("changelog.check",), ("changelog.finalize", "--dry-run"), ("forge.notes", "--version", "0.9.0")):
        result = cli(*args)
        assert result.returncode == 0 and "Traceback" not in result.stderr, (args, result.stderr)
    assert "- Add hello()" in cli("forge.notes", "--version", "0.9.0", check=True).stdout
    plan = json.loads(cli("release", "--plan", "--json", check=True).stdout)["release"]
    assert (plan["tag"], plan["branch"], plan["from_version"]) == ("v0.9.1", None, "0.9.0")
    shown = json.loads(cli("config", "--json", check=True).stdout)
    assert (shown["tag"]["detected"], shown["release_branch"]["detected"]) == (
        "v{version}", "none (release from main, tag only)")


def _ssh_signing(project, home: Path) -> dict:
    key = home / "id_ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "test@example.invalid", "-f", str(key)],
                   check=True)
    signers = home / "allowed_signers"
    signers.write_text(f"test@example.invalid {(home / 'id_ed25519.pub').read_text()}")
    for k, v in (("gpg.format", "ssh"), ("user.signingkey", str(key)), ("gpg.ssh.allowedSignersFile", str(signers))):
        project.git("config", k, v)
    return {}


def _gpg_key_for_the_committer(project, home: Path) -> dict:
    """No user.signingkey: git asks gpg for a key of the committer's email, as `git tag -s` does."""
    gnupg = home / "gnupg"
    gnupg.mkdir(mode=0o700)
    subprocess.run(["gpg", "--batch", "--quiet", "--homedir", str(gnupg), "--passphrase", "", "--quick-gen-key",
                    "Test <test@example.invalid>", "ed25519", "sign", "never"], check=True, capture_output=True)
    return {"GNUPGHOME": str(gnupg)}


@pytest.mark.parametrize("setup", [_ssh_signing, _gpg_key_for_the_committer], ids=["ssh-key", "gpg-committer-key"])
def test_tag_sign_signs_the_release_tag_with_the_key_git_would_use(tmp_path, setup):
    project = make_sample_project(tmp_path, "signproj", "0.1.0.dev0")
    configure(project, tag_sign=True, **GIT_ONLY)
    home = tmp_path / "keys"
    home.mkdir()
    env = {**clean_cli_env(), "GNUPGHOME": str(home / "empty"), **setup(project, home)}
    try:
        result = Cli(project.path, env)("release", "--yes", "--date", DATE)
        verified = subprocess.run(["git", "tag", "-v", "0.1.0"], cwd=project.path, env=env, text=True,
                                  capture_output=True)
    finally:
        subprocess.run(["gpgconf", "--kill", "gpg-agent"], env=env, capture_output=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert verified.returncode == 0, verified.stderr  # a signature git itself accepts
    assert remote_git(project, "cat-file", "-p", "0.1.0").count("-----BEGIN") == 1  # the pushed tag is the signed one


# --- the Pallets spelling of a dev version ------------------------------------------------------------------


def test_a_dev_version_spelled_without_its_number_is_released_and_main_keeps_the_spelling(tmp_path):
    """flask and click keep `3.2.0.dev` on main (PEP 440's implicit dev number), tag releases on main
    and keep CHANGES.rst as "Version X / Unreleased": released as they are, main ends at `2.1.1.dev`."""
    project = make_flit_rst(tmp_path, "palletsdev")
    init = project.path / project.version_file
    init.write_text(init.read_text().replace('"2.1.0.dev0"', '"2.1.0.dev"'))
    commit_all(project, "the Pallets spelling")
    configure(project, **GIT_ONLY)
    cli = Cli(project.path, clean_cli_env())
    plan = json.loads(cli("release", "--plan", "--json", check=True).stdout)["release"]
    assert (plan["version"], plan["next_dev"], plan["branch"]) == ("2.1.0", "2.1.1.dev0", None)
    result = cli("release", "--yes", "--date", DATE)
    assert result.returncode == 0, result.stdout + result.stderr
    rel = init.relative_to(project.path).as_posix()
    assert '__version__ = "2.1.0"' in remote_git(project, "show", f"2.1.0:{rel}")
    assert '__version__ = "2.1.1.dev"' in remote_git(project, "show", f"main:{rel}")
    changes = remote_git(project, "show", "main:CHANGES.rst")
    assert "Version 2.1.0\n-------------\n\nReleased 2026-12-01" in changes
    assert "version 2.1.1.dev0 ok" in cli("version.check", check=True).stdout


@pytest.mark.parametrize("written, committed, after", [
    ("1.0.0.dev", False, "1.0.1.dev"),
    ("1.0.0.dev", True, "1.0.1.dev"),
    ("1.0.0.dev0", True, "1.0.1.dev0"),
], ids=["pallets-uncommitted", "pallets-after-the-release-commit", "normalized"])
def test_bump_then_bump_dev_one_by_one_keep_the_dev_spelling(tmp_path, written, committed, after):
    """The Makefile order run one task at a time: `version.bump` writes `1.0.0` over `1.0.0.dev`, so
    `version.bump-dev` takes the spelling from the version the files held before (git's history)."""
    project = make_sample_project(tmp_path, "spelled", version=written)
    cli = Cli(project.path, clean_cli_env())
    assert "=> 1.0.0" in cli("version.bump", check=True).stdout
    assert project.version_file is not None
    assert project.version_file.read_text() == "__version__ = '1.0.0'\n"
    if committed:  # what git.commit-version does on main when there is no release branch
        project.git("commit", "-q", "-am", "release 1.0.0")
    assert f"1.0.0 => {after}" in cli("version.bump-dev", check=True).stdout
    assert project.version_file.read_text() == f"__version__ = '{after}'\n"
