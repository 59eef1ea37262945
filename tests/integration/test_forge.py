"""Forge releases against the fake forge: releasekit's adapter (the calls it makes, in order, and its
resume), and PyGithub and python-gitlab as independent clients of the same fake, so the fake answers
as the real APIs do. Faults: an upload broken halfway, a release already there, a token missing or
refused, and the token never shown."""

from __future__ import annotations

from pathlib import Path

import github
import gitlab
import pytest

from releasekit.adapters import forges
from releasekit.core import releaselog, ui
from releasekit.core.errors import CredentialsMissing
from releasekit.core.forgerelease import (
    ForgeError,
    ForgeTarget,
    ForgeTokenRefused,
    PlannedAsset,
    build_plan,
    is_complete,
    version_from_tag,
)
from releasekit.testing.fake_forge import (
    GITHUB_REPO,
    GITLAB_PROJECT,
    GITLAB_READER_TOKEN,
    GITLAB_WRITER_TOKEN,
    READER_TOKEN,
    WRITER_TOKEN,
    FakeForge,
    fake_forge,
)

pytestmark = pytest.mark.integration
__all__ = ["fake_forge"]  # a fixture, imported on purpose

GH_RELEASES = f"/api/v3/repos/{GITHUB_REPO}/releases"
GH_UPLOADS = f"/api/uploads/repos/{GITHUB_REPO}/releases"


@pytest.fixture
def assets(tmp_path: Path) -> list[PlannedAsset]:
    """Three files of distinct sizes and contents, named as a release's files are."""
    names = ["sampleproj-1.0.tar.gz", "sampleproj-1.0-py3-none-any.whl", "sampleproj-1.0-py_0.conda"]
    files = []
    for i, name in enumerate(names):
        path = tmp_path / "dist" / name
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(bytes([65 + i]) * (4096 * (i + 1)) + name.encode())
        files.append(PlannedAsset.from_file(path))
    return files


def github_target(fake: FakeForge) -> ForgeTarget:
    return ForgeTarget("github", fake.github_api, GITHUB_REPO)


def gitlab_target(fake: FakeForge) -> ForgeTarget:
    return ForgeTarget("gitlab", fake.gitlab_api, GITLAB_PROJECT)


def plan_for(target: ForgeTarget, assets, forge=None, version="1.0", tag="v1.0", hotfix=False):
    released = []
    if forge is not None:
        released = [v for v in (version_from_tag(t, "v{version}") for t in forge.released_tags()) if v]
    return build_plan(target, tag=tag, version=version, package="sampleproj", notes="## Fixed\n- a bug\n",
                      assets=assets, released_versions=released, hotfix=hotfix)


def pygithub(fake: FakeForge, token: str = WRITER_TOKEN) -> github.Github:
    # no pauses between calls: PyGithub waits 1 s between writes by default, for github.com's secondary limits
    return github.Github(auth=github.Auth.Token(token), base_url=fake.github_api, retry=None,
                         seconds_between_requests=None, seconds_between_writes=None)


def pygitlab(fake: FakeForge, token: str = GITLAB_WRITER_TOKEN) -> gitlab.Gitlab:
    return gitlab.Gitlab(fake.url, private_token=token, retry_transient_errors=False)


# --- GitHub: releasekit's adapter ------------------------------------------------------------------


def test_github_release_is_draft_then_every_asset_then_publish(fake_forge, assets):
    forge = forges.connect(github_target(fake_forge), {"GITHUB_TOKEN": WRITER_TOKEN})
    forge.check_access()
    plan = plan_for(github_target(fake_forge), assets, forge)
    todo = forges.make_release(forge, plan)

    assert todo.create and todo.publish
    (release_id,) = fake_forge.releases
    assert fake_forge.writes() == [
        f"POST {GH_RELEASES}",
        *(f"POST {GH_UPLOADS}/{release_id}/assets?name={a.name}" for a in assets),
        f"PATCH {GH_RELEASES}/{release_id}",
    ]
    created = [c for c in fake_forge.calls if c.method == "POST" and c.path == GH_RELEASES][0]
    assert created.body["draft"] is True and created.body["body"] == plan.notes
    published = [c for c in fake_forge.calls if c.method == "PATCH"][0]
    assert published.body == {"draft": False, "prerelease": False, "make_latest": "true"}

    # what an independent client sees: published, latest, every file with its size and sha256
    repo = pygithub(fake_forge).get_repo(GITHUB_REPO)
    release = repo.get_release("v1.0")
    assert not release.draft and repo.get_latest_release().tag_name == "v1.0"
    seen = {a.name: (a.size, a.digest) for a in release.get_assets()}
    assert seen == {a.name: (a.size, f"sha256:{a.sha256}") for a in assets}
    assert is_complete(plan, forge.find(plan))


def test_github_older_release_is_not_made_latest(fake_forge, assets):
    repo = pygithub(fake_forge).get_repo(GITHUB_REPO)
    repo.create_git_release("v2.0", "sampleproj 2.0", "", draft=False)
    forge = forges.connect(github_target(fake_forge), {"GH_TOKEN": WRITER_TOKEN})
    plan = plan_for(github_target(fake_forge), assets, forge, version="1.0.1", tag="v1.0.1")
    assert (plan.latest, plan.latest_reason) == (False, "older than 2.0")

    forges.make_release(forge, plan)
    assert [c.body for c in fake_forge.calls if c.method == "PATCH"][-1]["make_latest"] == "false"
    assert repo.get_latest_release().tag_name == "v2.0"
    assert not repo.get_release("v1.0.1").draft


def test_github_pre_release_is_flagged_and_not_latest(fake_forge, assets):
    forge = forges.connect(github_target(fake_forge), {"GITHUB_TOKEN": WRITER_TOKEN})
    plan = plan_for(github_target(fake_forge), assets, forge, version="1.0rc1", tag="v1.0rc1")
    forges.make_release(forge, plan)
    release = pygithub(fake_forge).get_repo(GITHUB_REPO).get_release("v1.0rc1")
    assert release.prerelease and not release.draft
    with pytest.raises(github.UnknownObjectException):
        pygithub(fake_forge).get_repo(GITHUB_REPO).get_latest_release()


def test_github_upload_broken_halfway_resumes_with_the_rest(fake_forge, assets):
    target = github_target(fake_forge)
    forge = forges.connect(target, {"GITHUB_TOKEN": WRITER_TOKEN})
    plan = plan_for(target, assets)
    fake_forge.break_upload(assets[1].name)
    with pytest.raises(ForgeError) as err:
        forges.make_release(forge, plan)
    assert f"name={assets[1].name}" in err.value.render()
    (release_id,) = fake_forge.releases
    states = {a["name"]: a["state"] for a in fake_forge.releases[release_id]["assets"]}
    assert states == {assets[0].name: "uploaded", assets[1].name: "starter"}  # what GitHub keeps
    assert fake_forge.releases[release_id]["draft"]

    first = len(fake_forge.writes())
    starter = next(a["id"] for a in fake_forge.releases[release_id]["assets"] if a["state"] == "starter")
    todo = forges.make_release(forges.connect(target, {"GITHUB_TOKEN": WRITER_TOKEN}), plan)
    assert not todo.create
    assert fake_forge.writes()[first:] == [
        f"DELETE /api/v3/repos/{GITHUB_REPO}/releases/assets/{starter}",
        f"POST {GH_UPLOADS}/{release_id}/assets?name={assets[1].name}",
        f"POST {GH_UPLOADS}/{release_id}/assets?name={assets[2].name}",
        f"PATCH {GH_RELEASES}/{release_id}",
    ]
    assert list(fake_forge.releases) == [release_id]  # never a second release
    assert is_complete(plan, forge.find(plan))


def test_github_release_made_elsewhere_is_reused(fake_forge, assets):
    """A draft PyGithub made with one file: releasekit finds it (drafts are not found by tag),
    uploads the other two and publishes; a second run changes nothing."""
    repo = pygithub(fake_forge).get_repo(GITHUB_REPO)
    draft = repo.create_git_release("v1.0", "sampleproj 1.0", "notes", draft=True)
    draft.upload_asset(assets[0].path)
    target = github_target(fake_forge)
    forge = forges.connect(target, {"GITHUB_TOKEN": WRITER_TOKEN})
    plan = plan_for(target, assets)
    before = len(fake_forge.writes())

    forges.make_release(forge, plan)
    assert fake_forge.writes()[before:] == [
        f"POST {GH_UPLOADS}/{draft.id}/assets?name={assets[1].name}",
        f"POST {GH_UPLOADS}/{draft.id}/assets?name={assets[2].name}",
        f"PATCH {GH_RELEASES}/{draft.id}",
    ]
    again = len(fake_forge.writes())
    assert forges.make_release(forge, plan).done
    assert fake_forge.writes()[again:] == []
    assert list(fake_forge.releases) == [draft.id]


def test_github_published_file_with_other_content_stops_the_release(fake_forge, assets, tmp_path):
    other = tmp_path / assets[0].name
    other.write_bytes(b"not the file built here")
    release = pygithub(fake_forge).get_repo(GITHUB_REPO).create_git_release("v1.0", "x", "", draft=False)
    release.upload_asset(str(other))
    forge = forges.connect(github_target(fake_forge), {"GITHUB_TOKEN": WRITER_TOKEN})
    before = len(fake_forge.writes())
    with pytest.raises(ForgeError) as err:
        forges.make_release(forge, plan_for(github_target(fake_forge), assets))
    assert f"already has {assets[0].name} with other content" in err.value.render()
    assert fake_forge.writes()[before:] == []


def test_immutable_release_takes_no_asset_after_publish_so_the_order_matters(fake_forge, assets):
    fake_forge.immutable = True
    forge = forges.connect(github_target(fake_forge), {"GITHUB_TOKEN": WRITER_TOKEN})
    forges.make_release(forge, plan_for(github_target(fake_forge), assets))
    release = pygithub(fake_forge).get_repo(GITHUB_REPO).get_release("v1.0")
    assert release.immutable and len(list(release.get_assets())) == len(assets)
    with pytest.raises(github.GithubException) as err:
        release.upload_asset(assets[0].path, name="late.txt")
    assert err.value.status == 422


# --- GitHub through PyGithub alone: the fake answers as the API does -------------------------------


def test_pygithub_create_upload_list_publish(fake_forge, assets):
    repo = pygithub(fake_forge).get_repo(GITHUB_REPO)
    draft = repo.create_git_release("v1.0", "sampleproj 1.0", "notes", draft=True, prerelease=False)
    assert draft.upload_url.startswith(f"{fake_forge.url}/api/uploads/")
    with pytest.raises(github.UnknownObjectException):
        repo.get_release("v1.0")  # drafts are not found by tag
    assert [r.id for r in repo.get_releases()] == [draft.id]
    for a in assets:
        uploaded = draft.upload_asset(a.path)
        assert (uploaded.name, uploaded.size, uploaded.state) == (a.name, a.size, "uploaded")
    with pytest.raises(github.GithubException) as taken:
        draft.upload_asset(assets[0].path)
    assert taken.value.status == 422 and taken.value.data["errors"][0]["code"] == "already_exists"
    published = draft.update_release("sampleproj 1.0", "notes", draft=False, make_latest="true")
    assert not published.draft and repo.get_latest_release().id == draft.id
    assert sorted(a.name for a in repo.get_release("v1.0").get_assets()) == sorted(a.name for a in assets)
    with pytest.raises(github.GithubException) as second:
        repo.create_git_release("v1.0", "again", "", draft=False)
    assert second.value.status == 422

    # releasekit's adapter reads what PyGithub made as complete, and so changes nothing
    forge = forges.connect(github_target(fake_forge), {"GITHUB_TOKEN": WRITER_TOKEN})
    plan = plan_for(github_target(fake_forge), assets)
    assert is_complete(plan, forge.find(plan))
    before = len(fake_forge.writes())
    assert forges.make_release(forge, plan).done and fake_forge.writes()[before:] == []


def test_pygithub_pages_through_many_releases(fake_forge):
    repo = pygithub(fake_forge).get_repo(GITHUB_REPO)
    for i in range(35):
        repo.create_git_release(f"v0.{i}", f"0.{i}", "", draft=False)
    assert len(list(repo.get_releases())) == 35  # a second page, by the Link header
    forge = forges.connect(github_target(fake_forge), {"GITHUB_TOKEN": WRITER_TOKEN})
    assert len(forge.released_tags()) == 35


# --- GitLab ---------------------------------------------------------------------------------------


def gl_prefix(fake: FakeForge) -> str:
    return f"/api/v4/projects/{GITLAB_PROJECT}"


def test_gitlab_release_uploads_files_then_creates_the_release_with_links(fake_forge, assets):
    target = gitlab_target(fake_forge)
    forge = forges.connect(target, {"GITLAB_TOKEN": GITLAB_WRITER_TOKEN})
    forge.check_access()
    plan = plan_for(target, assets, forge)
    forges.make_release(forge, plan)
    prefix = gl_prefix(fake_forge)
    assert fake_forge.writes() == [
        *(f"PUT {prefix}/packages/generic/sampleproj/1.0/{a.name}" for a in assets),
        f"POST {prefix}/releases",
    ]
    project = pygitlab(fake_forge).projects.get(GITLAB_PROJECT)
    release = project.releases.get("v1.0")
    assert release.description == plan.notes and not release.upcoming_release
    assert sorted(link.name for link in release.links.list(get_all=True)) == sorted(a.name for a in assets)
    for a in assets:
        assert project.generic_packages.download("sampleproj", "1.0", a.name) == Path(a.path).read_bytes()
    assert is_complete(plan, forge.find(plan))


def test_gitlab_upload_broken_halfway_resumes_with_the_rest(fake_forge, assets):
    target = gitlab_target(fake_forge)
    plan = plan_for(target, assets)
    fake_forge.break_upload(assets[1].name)
    with pytest.raises(ForgeError):
        forges.make_release(forges.connect(target, {"GITLAB_TOKEN": GITLAB_WRITER_TOKEN}), plan)
    assert fake_forge.gl_releases == {}  # no release without its files
    first = len(fake_forge.writes())
    forges.make_release(forges.connect(target, {"GITLAB_TOKEN": GITLAB_WRITER_TOKEN}), plan)
    prefix = gl_prefix(fake_forge)
    assert fake_forge.writes()[first:] == [
        f"PUT {prefix}/packages/generic/sampleproj/1.0/{assets[1].name}",
        f"PUT {prefix}/packages/generic/sampleproj/1.0/{assets[2].name}",
        f"POST {prefix}/releases",
    ]
    assert len(fake_forge.gl_releases) == 1


def test_gitlab_release_made_elsewhere_is_reused_and_linked(fake_forge, assets):
    """python-gitlab made the release and put one file up: releasekit adds the rest and the links."""
    project = pygitlab(fake_forge).projects.get(GITLAB_PROJECT)
    project.generic_packages.upload("sampleproj", "1.0", assets[0].name, path=assets[0].path)
    project.generic_packages.upload("sampleproj-docs", "1.0", "other.zip", data=b"docs")  # a partial name match
    project.releases.create({"tag_name": "v1.0", "name": "sampleproj 1.0", "description": "by hand"})
    target = gitlab_target(fake_forge)
    forge = forges.connect(target, {"GITLAB_TOKEN": GITLAB_WRITER_TOKEN})
    plan = plan_for(target, assets)
    before = len(fake_forge.writes())
    forges.make_release(forge, plan)
    prefix = gl_prefix(fake_forge)
    assert fake_forge.writes()[before:] == [
        f"PUT {prefix}/packages/generic/sampleproj/1.0/{assets[1].name}",
        f"PUT {prefix}/packages/generic/sampleproj/1.0/{assets[2].name}",
        *(f"POST {prefix}/releases/v1.0/assets/links" for _ in assets),
    ]
    assert len(fake_forge.gl_releases) == 1
    again = len(fake_forge.writes())
    assert forges.make_release(forge, plan).done and fake_forge.writes()[again:] == []


def test_python_gitlab_create_upload_list(fake_forge, assets):
    gl = pygitlab(fake_forge)
    project = gl.projects.get(GITLAB_PROJECT)
    links = []
    for a in assets:
        uploaded = project.generic_packages.upload("sampleproj", "1.0", a.name, path=a.path, select="package_file")
        assert (uploaded.file_name, uploaded.size, uploaded.file_sha256) == (a.name, a.size, a.sha256)
        links.append({"name": a.name, "url": f"{fake_forge.gitlab_api}/projects/{project.id}/packages/generic/"
                      f"sampleproj/1.0/{a.name}", "link_type": "package"})
    project.releases.create({"tag_name": "v1.0", "name": "sampleproj 1.0", "description": "notes",
                             "assets": {"links": links}})
    with pytest.raises(gitlab.GitlabCreateError) as twice:
        project.releases.create({"tag_name": "v1.0", "name": "again"})
    assert twice.value.response_code == 409
    release = project.releases.get("v1.0")
    with pytest.raises(gitlab.GitlabCreateError) as taken:
        release.links.create(links[0])
    assert taken.value.response_code == 400
    assert [r.tag_name for r in project.releases.list(get_all=True)] == ["v1.0"]
    (package,) = [p for p in project.packages.list(get_all=True) if p.name == "sampleproj"]
    files = package.package_files.list(get_all=True)
    assert sorted((f.file_name, f.size, f.file_sha256) for f in files) == sorted((a.name, a.size, a.sha256) for a in assets)

    # releasekit's adapter reads what python-gitlab made as complete (its links have the same names)
    forge = forges.connect(gitlab_target(fake_forge), {"GITLAB_TOKEN": GITLAB_WRITER_TOKEN})
    plan = plan_for(gitlab_target(fake_forge), assets)
    assert is_complete(plan, forge.find(plan))


# --- tokens -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "says"), [("github", "set GITHUB_TOKEN or GH_TOKEN"), ("gitlab", "set GITLAB_TOKEN")])
def test_missing_token_is_refused_before_any_call(fake_forge, kind, says):
    target = github_target(fake_forge) if kind == "github" else gitlab_target(fake_forge)
    with pytest.raises(CredentialsMissing) as err:
        forges.connect(target, {"HOME": "/root"})
    assert says in err.value.render()
    assert fake_forge.calls == []


@pytest.mark.parametrize(("kind", "var", "token", "says"), [
    ("github", "GITHUB_TOKEN", "ghp_wrongwrongwrongwrongwrongwrongwrong00", "refused the token in GITHUB_TOKEN (401: Bad credentials)"),
    ("github", "GH_TOKEN", READER_TOKEN, "the token in GH_TOKEN may read but not write"),
    ("gitlab", "GITLAB_TOKEN", "glpat-wrongwrongwrongwrong00", "refused the token in GITLAB_TOKEN (401: 401 Unauthorized)"),
    ("gitlab", "GITLAB_TOKEN", GITLAB_READER_TOKEN, "the token in GITLAB_TOKEN may not create releases"),
], ids=["github-wrong", "github-read-only", "gitlab-wrong", "gitlab-reporter"])
def test_refused_token_stops_before_anything_changes(fake_forge, kind, var, token, says):
    target = github_target(fake_forge) if kind == "github" else gitlab_target(fake_forge)
    forge = forges.connect(target, {var: token})
    with pytest.raises(ForgeTokenRefused) as err:
        forge.check_access()
    line = err.value.render()
    assert says in line and f"set {'GITHUB_TOKEN or GH_TOKEN' if kind == 'github' else 'GITLAB_TOKEN'}" in line
    assert token not in line
    assert fake_forge.writes() == []


def test_token_refused_at_a_write_names_the_variable(fake_forge, assets):
    """A token that reads but may not write, found only at the step (no preflight): the error says so
    and the release is left as it was, for a resume."""
    forge = forges.connect(github_target(fake_forge), {"GITHUB_TOKEN": READER_TOKEN})
    with pytest.raises(ForgeTokenRefused) as err:
        forges.make_release(forge, plan_for(github_target(fake_forge), assets))
    assert "refused the token in GITHUB_TOKEN (403" in err.value.render()
    assert fake_forge.releases == {}


# --- dry run and the canary ---------------------------------------------------------------------------


def test_dry_run_prints_the_calls_with_bodies_and_changes_nothing(fake_forge, assets):
    lines: list[str] = []
    target = github_target(fake_forge)
    forge = forges.connect(target, {"GITHUB_TOKEN": WRITER_TOKEN}, dry_run=True, echo=lines.append)
    forges.make_release(forge, plan_for(target, assets, forge))
    assert fake_forge.writes() == [] and fake_forge.releases == {}
    assert lines[0].startswith(f"[dry-run] would call: POST {fake_forge.github_api}/repos/{GITHUB_REPO}/releases {{")
    assert '"draft": true' in lines[0] and '"tag_name": "v1.0"' in lines[0]
    assert [line.split("?name=")[1].split(" ")[0] for line in lines[1:-1]] == [a.name for a in assets]
    assert f"{fake_forge.url}/api/uploads/repos/{GITHUB_REPO}/releases/{{id}}/assets" in lines[1]
    assert lines[-1] == (f"[dry-run] would call: PATCH {fake_forge.github_api}/repos/{GITHUB_REPO}/releases/{{id}} "
                         '{"draft": false, "make_latest": "true", "prerelease": false}')


def test_the_token_never_appears_in_output_errors_or_the_log(fake_forge, assets, tmp_path, capsys):
    """The canary: a token passed in (not from a secret-named variable of this process) and echoed
    back by a misbehaving server is masked in the dry run's lines, the error and the release log."""
    canary = "canary-7f3a9c1e5b2d4086"  # no known token shape: only its registration can mask it
    fake_forge.tokens[canary] = True
    log = releaselog.ReleaseLog(tmp_path / "release.log")
    releaselog.activate(log)
    try:
        target = github_target(fake_forge)
        dry = forges.connect(target, {"GITHUB_TOKEN": canary}, dry_run=True)  # echo: ui.info -> stdout and log
        forges.make_release(dry, plan_for(target, assets))
        fake_forge.fail_next("POST", "/releases", 500, f"proxy error, request had Authorization: Bearer {canary}")
        with pytest.raises(ForgeError) as err:
            forges.make_release(forges.connect(target, {"GITHUB_TOKEN": canary}), plan_for(target, assets))
        ui.info(err.value.render())
    finally:
        releaselog.activate(None)
        log.close()
    out = capsys.readouterr()
    text = log.path.read_text()
    assert "would call: POST" in out.out and "proxy error" in text
    for where in (out.out, out.err, text, err.value.render()):
        assert canary not in where
