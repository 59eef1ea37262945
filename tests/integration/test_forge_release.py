"""The forge-release step in a whole `release --yes` against the fake GitHub: draft, assets, publish in
that order; a resume after an asset upload broke halfway uploads the rest; a release already there is
reused; a missing token stops preflight before anything changes; the token is never shown."""

from __future__ import annotations

import json

import pytest

from releasekit.testing.fake_forge import READER_TOKEN, WRITER_TOKEN
from tests.conftest import on_forge


def _setup(release_project, release_cli, forge_server, token: str | None = WRITER_TOKEN):
    repo = f"octo-org/{release_project.name}"
    forge_server.add_github_repo(repo)
    on_forge(release_project, repo)
    env = dict(release_cli.env, INVOKE_RELEASEKIT_FORGE_URL=forge_server.github_api)
    env.pop("GITHUB_TOKEN", None)
    env.pop("GH_TOKEN", None)
    if token:
        env["GITHUB_TOKEN"] = token
    return repo, env


def _writes(writes: list[str], repo: str) -> list[str]:
    return [w for w in writes if f"/repos/{repo}/" in w]


def _ids(forge_server, repo: str) -> list[int]:
    """The ids of the repository's releases of 0.1.0."""
    return [rid for rid, r in forge_server.releases.items() if r["tag_name"] == "0.1.0" and r["_repo"] == repo]


@pytest.mark.parametrize("case", ["fresh", "broken-upload", "existing"])
def test_release_makes_the_forge_release_draft_assets_publish(case, release_project, release_cli, forge_server):
    repo, env = _setup(release_project, release_cli, forge_server)
    name = release_project.name
    wheel, sdist = f"{name.replace('-', '_')}-0.1.0-py3-none-any.whl", f"{name}-0.1.0.tar.gz"
    before = len(forge_server.writes())
    if case == "existing":  # a draft someone (or a first run) made already: reused, never a second release
        from github import Auth, Github

        gh = Github(auth=Auth.Token(WRITER_TOKEN), base_url=forge_server.github_api)
        gh.get_repo(repo).create_git_release("0.1.0", "by hand", "notes by hand", draft=True)
        before = len(forge_server.writes())
    if case == "broken-upload":
        forge_server.break_upload(sdist)

    plan = release_cli("release", "--plan", env=env)
    assert plan.returncode == 0, plan.stdout + plan.stderr
    assert "forge-release: make the forge release" in plan.stdout
    assert f"GitHub release on {repo}" in plan.stdout

    result = release_cli("release", "--yes", env=env)
    out = result.stdout + result.stderr
    resumed_at, starter = None, None
    if case == "broken-upload":
        assert result.returncode == 1, out
        assert f"name={sdist}" in out and "release 0.1.0 stopped" in out
        journal = json.loads((release_project.path / ".git" / "releasekit" / "journal.json").read_text())
        assert journal["steps"]["forge-release"]["status"] == "failed"
        assert journal["steps"]["verify"]["status"] == "done"
        (rid,) = _ids(forge_server, repo)
        starter = next(a["id"] for a in forge_server.releases[rid]["assets"] if a["state"] == "starter")
        resumed_at = len(forge_server.writes())
        result = release_cli("release", "--yes", env=env)  # the resume: only what is missing
        out += result.stdout + result.stderr
    assert result.returncode == 0, out
    assert "release 0.1.0 done" in result.stdout

    (rid,) = _ids(forge_server, repo)  # never a second release
    writes = _writes(forge_server.writes()[before:resumed_at], repo)
    upload = f"POST /api/uploads/repos/{repo}/releases/{rid}/assets?name="
    publish = f"PATCH /api/v3/repos/{repo}/releases/{rid}"
    create = f"POST /api/v3/repos/{repo}/releases"
    if case == "fresh":
        assert writes == [create, upload + wheel, upload + sdist, publish]
    elif case == "existing":
        assert writes == [upload + wheel, upload + sdist, publish]
    else:
        assert writes == [create, upload + wheel, upload + sdist]
        assert _writes(forge_server.writes()[resumed_at:], repo) == [
            f"DELETE /api/v3/repos/{repo}/releases/assets/{starter}", upload + sdist, publish]
    release = forge_server.releases[rid]
    assert not release["draft"] and sorted(a["name"] for a in release["assets"]) == sorted([wheel, sdist])
    assert all(a["state"] == "uploaded" for a in release["assets"])
    if case != "existing":
        assert "0.1.0" in release["body"]  # the changelog's section of the release

    # the canary: the token is in no output, no log, no journal
    state = release_project.path / ".git" / "releasekit"
    written = out + plan.stdout + plan.stderr + "".join(p.read_text(errors="replace") for p in state.rglob("*")
                                                         if p.is_file() and p.suffix in (".log", ".json"))
    assert WRITER_TOKEN not in written
    journal = json.loads((state / "journal.json").read_text())
    assert any(c.startswith("PATCH ") for c in journal["facts"]["forge-calls"])


def test_a_missing_or_refused_token_stops_preflight_before_any_change(release_project, release_cli, forge_server):
    repo, env = _setup(release_project, release_cli, forge_server, token=None)
    missing = release_cli("release", "--yes", env=env)
    assert missing.returncode == 1
    assert "no GitHub token to make the release" in missing.stdout + missing.stderr
    assert "GITHUB_TOKEN or GH_TOKEN" in missing.stdout + missing.stderr
    refused = release_cli("release", "--yes", env=dict(env, GITHUB_TOKEN=READER_TOKEN))
    assert refused.returncode == 1
    assert "may read but not write" in refused.stdout + refused.stderr
    assert READER_TOKEN not in refused.stdout + refused.stderr
    # nothing changed: no tag, still on main at the dev version, no release pending, no call made
    assert release_project.git("tag").strip() == ""
    assert release_project.git("ls-remote", "--tags", "origin").strip() == ""
    assert release_project.git("rev-parse", "--abbrev-ref", "HEAD").strip() == "main"
    assert not (release_project.path / ".git" / "releasekit" / "journal.json").exists()
    assert _writes(forge_server.writes(), repo) == []


def test_release_dry_run_prints_the_forge_calls_with_their_bodies_and_makes_none(release_project, release_cli,
                                                                                 forge_server):
    """`release --dry-run` on a forge: the release's calls, each with its JSON body (the notes are the
    section the prepare step would date), the token masked; the fake records no changing call."""
    repo, env = _setup(release_project, release_cli, forge_server)
    before = len(forge_server.calls)
    result = release_cli("release", "--dry-run", env=env)
    out = result.stdout + result.stderr
    assert result.returncode == 0, out
    calls = [line.split("would call: ", 1)[1] for line in out.splitlines() if "[dry-run] would call: " in line]
    api = f"{forge_server.github_api}/repos/{repo}/releases"
    assert [c.split(" {", 1)[0] for c in calls] == [f"POST {api}", f"PATCH {api}/{{id}}"], out
    create, publish = (json.loads(c.split(" ", 2)[2]) for c in calls)
    assert create == {"tag_name": "0.1.0", "name": f"{release_project.name} 0.1.0", "draft": True,
                      "prerelease": False, "body": create["body"]}
    assert create["body"].startswith("## 0.1.0 (")  # the changelog section the prepare step would date
    assert publish == {"draft": False, "make_latest": "true", "prerelease": False}
    assert "one upload per sdist, wheel and conda package" in out
    logs = release_project.path / ".git" / "releasekit"
    assert WRITER_TOKEN not in out + "".join(p.read_text(errors="replace") for p in logs.rglob("*") if p.is_file())
    # only reads (the access check, the list of releases): no call that changes the forge
    assert all(c.method in ("GET", "HEAD") for c in forge_server.calls[before:])
    assert _writes(forge_server.writes(), repo) == [] and _ids(forge_server, repo) == []
    assert release_project.git("ls-remote", "--tags", "origin").strip() == ""


@pytest.mark.parametrize("make", ["keepachangelog", "wip"])
def test_release_plan_shows_the_notes_of_the_pending_section(make, tmp_path, cli_env, forge_server):
    """Before prepare dates it, the release's section is the pending one: the plan's forge step shows
    its notes as the release will post them, not "(no section for X)"."""
    from releasekit.testing.styles import make_hatchling_keepachangelog, make_setuptools_wip
    from tests.conftest import Cli
    from tests.integration.test_style_releases import configure_release

    project = (make_hatchling_keepachangelog if make == "keepachangelog" else make_setuptools_wip)(tmp_path)
    cli = Cli(project.path, cli_env)
    configure_release(project, cli, "http://127.0.0.1:9/simple/")  # init's block; the plan uploads nothing
    repo = f"octo-org/{project.name}"
    forge_server.add_github_repo(repo)
    on_forge(project, repo)
    pending = project.changelog.read_text()
    plan = cli("release", "--plan", env={"INVOKE_RELEASEKIT_FORGE_URL": forge_server.github_api,
                                         "GITHUB_TOKEN": WRITER_TOKEN})
    assert plan.returncode == 0, plan.stdout + plan.stderr
    forge = plan.stdout.split("forge-release:", 1)[1].split("finish:", 1)[0]
    assert "(no section" not in forge, forge
    version, first = (("1.1.1", "- `hatchkeep.greet()` takes a `punctuation` argument.") if make == "keepachangelog"
                      else ("0.1.1", "- `wipkeep.greet()` takes a `name`."))
    assert first in pending  # the pending section's first entry, as the changelog holds it
    assert f"notes: the changelog's section of {version}, " in forge and f"line(s): {first}" in forge, forge
    assert project.changelog.read_text() == pending  # the plan wrote nothing
