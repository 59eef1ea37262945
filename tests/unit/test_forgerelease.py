"""The forge release's decisions as tables: forge detection, latest or not, the order, what a resume does."""

from __future__ import annotations

import pytest

from releasekit.core import forgerelease as fr
from releasekit.core.errors import ConfigError, CredentialsMissing
from releasekit.core.forgerelease import ExistingRelease, ForgeTarget, PlannedAsset, RemoteAsset

GH = ForgeTarget("github", "https://api.github.com", "octo/proj")
GL = ForgeTarget("gitlab", "https://gitlab.com/api/v4", "grp/sub/proj")


@pytest.mark.parametrize(("remote", "forge", "forge_url", "expected"), [
    ("git@github.com:octo/proj.git", None, None, ("github", "https://api.github.com", "octo/proj")),
    ("https://github.com/octo/proj", None, None, ("github", "https://api.github.com", "octo/proj")),
    ("https://github.com/octo/proj.git/", None, None, ("github", "https://api.github.com", "octo/proj")),
    ("ssh://git@github.com/octo/proj.git", None, None, ("github", "https://api.github.com", "octo/proj")),
    ("https://me:s3cret@github.com/octo/proj.git", None, None, ("github", "https://api.github.com", "octo/proj")),
    ("git@gitlab.com:grp/sub/proj.git", None, None, ("gitlab", "https://gitlab.com/api/v4", "grp/sub/proj")),
    ("ssh://git@gitlab.example.org:2222/grp/proj.git", None, None,
     ("gitlab", "https://gitlab.example.org/api/v4", "grp/proj")),
    ("https://gitlab.com/grp/proj", None, None, ("gitlab", "https://gitlab.com/api/v4", "grp/proj")),
    ("git@ghe.corp.example:team/proj.git", "github", None, ("github", "https://ghe.corp.example/api/v3", "team/proj")),
    ("git@code.corp.example:team/proj.git", None, "https://code.corp.example/api/v3/",
     ("github", "https://code.corp.example/api/v3", "team/proj")),
    ("git@code.corp.example:team/proj.git", None, "https://code.corp.example/api/v4",
     ("gitlab", "https://code.corp.example/api/v4", "team/proj")),
    ("git@github.com:octo/proj.git", "gitlab", "http://127.0.0.1:9/api/v4", ("gitlab", "http://127.0.0.1:9/api/v4", "octo/proj")),
], ids=["scp", "https", "https-slash", "ssh", "https-password", "gitlab-scp", "gitlab-ssh-port", "gitlab-https",
        "ghe-forced", "ghe-by-url", "gitlab-by-url", "forge-and-url-override"])
def test_detect(remote, forge, forge_url, expected):
    target = fr.detect(remote, forge, forge_url)
    assert target is not None
    assert (target.kind, target.api_url, target.project) == expected


@pytest.mark.parametrize(("remote", "forge"), [
    ("/srv/git/proj.git", None),
    ("file:///srv/git/proj.git", None),
    ("git@code.corp.example:team/proj.git", None),
    ("git@github.com:octo/proj.git", "none"),
    (None, None),
], ids=["local-path", "file-url", "unknown-host", "forge-none", "no-remote"])
def test_no_forge(remote, forge):
    assert fr.detect(remote, forge) is None


@pytest.mark.parametrize(("remote", "forge", "says"), [
    ("/srv/git/proj.git", "github", "names no project on a forge"),
    ("git@github.com:a/b/c.git", None, "not a GitHub owner/repository"),
    ("git@gitlab.com:proj.git", None, "not a GitLab group/project"),
    ("git@github.com:a/b.git", "bitbucket", "use one of"),
], ids=["forced-on-local", "github-three-parts", "gitlab-one-part", "unknown-forge"])
def test_detect_refuses(remote, forge, says):
    with pytest.raises(ConfigError) as err:
        fr.detect(remote, forge)
    assert says in err.value.render()


@pytest.mark.parametrize(("version", "released", "hotfix", "latest", "reason"), [
    ("1.3.0", ["1.2.0", "1.1.0"], False, True, "the newest release"),
    ("1.3.0", [], False, True, "the newest release"),
    ("1.2.1", ["1.3.0", "1.2.0"], False, False, "older than 1.3.0"),
    ("1.3.0", ["1.2.0"], True, False, "a hotfix"),
    ("2.0.0rc1", ["1.3.0"], False, False, "a pre-release"),
    ("1.3.0", ["2.0.0rc1", "not-a-version"], False, True, "the newest release"),
], ids=["newest", "first", "older-line", "hotfix", "pre-release", "newer-pre-release-ignored"])
def test_decide_latest(version, released, hotfix, latest, reason):
    assert fr.decide_latest(version, released, hotfix=hotfix) == (latest, reason)


@pytest.mark.parametrize(("tag", "template", "version"), [
    ("v1.2.0", "v{version}", "1.2.0"), ("1.2.0", "{version}", "1.2.0"), ("1.2.0", "v{version}", None),
    ("proj-1.0-final", "proj-{version}-final", "1.0"), ("v", "v{version}", None),
])
def test_version_from_tag(tag, template, version):
    assert fr.version_from_tag(tag, template) == version


WHL = PlannedAsset("proj-1.0-py3-none-any.whl", "dist/proj-1.0-py3-none-any.whl", 100, "a" * 64)
SDIST = PlannedAsset("proj-1.0.tar.gz", "dist/proj-1.0.tar.gz", 200, "b" * 64)


def plan(target=GH, assets=(WHL, SDIST)):
    return fr.build_plan(target, tag="v1.0", version="1.0", package="proj", notes="notes", assets=list(assets))


def remote(asset, *, size=None, sha=True, complete=True, ref="1"):
    return RemoteAsset(asset.name, asset.size if size is None else size, asset.sha256 if sha else None, ref, complete)


def test_order_github_is_draft_assets_publish():
    assert plan().order() == [
        "create draft release v1.0 on octo/proj", f"upload {WHL.name}", f"upload {SDIST.name}",
        "publish v1.0 (latest)"]


def test_order_gitlab_is_files_then_release():
    assert plan(GL).order() == [
        f"upload {WHL.name} to the generic package proj 1.0", f"upload {SDIST.name} to the generic package proj 1.0",
        "create release v1.0 on grp/sub/proj linking 2 file(s)"]


def test_gitlab_says_it_cannot_keep_an_older_release_from_latest():
    p = fr.build_plan(GL, tag="v1.0", version="1.0", package="proj", notes="", assets=[], released_versions=["2.0"])
    assert not p.latest and "GitLab has no 'latest' flag" in p.notices()[0]
    assert plan(GH).notices() == []


def test_two_assets_of_one_name_are_refused():
    with pytest.raises(fr.ForgeError, match="two assets are named"):
        plan(assets=(WHL, WHL))


@pytest.mark.parametrize(("existing", "create", "replace", "upload", "publish"), [
    (None, True, [], [WHL, SDIST], True),
    (ExistingRelease("7", "v1.0", False), False, [], [WHL, SDIST], True),
    (ExistingRelease("7", "v1.0", False, (remote(WHL),)), False, [], [SDIST], True),
    (ExistingRelease("7", "v1.0", False, (remote(WHL, sha=False),)), False, [], [SDIST], True),
    (ExistingRelease("7", "v1.0", False, (remote(WHL), remote(SDIST, size=50, complete=False, ref="9"))),
     False, ["9"], [SDIST], True),
    (ExistingRelease("7", "v1.0", False, (remote(WHL), remote(SDIST, size=50, ref="9"))), False, ["9"], [SDIST], True),
    (ExistingRelease("7", "v1.0", True, (remote(WHL), remote(SDIST))), False, [], [], False),
    (ExistingRelease("7", "v1.0", True, (remote(WHL),)), False, [], [SDIST], False),
], ids=["nothing-yet", "empty-draft", "half-uploaded", "no-digest-size-matches", "interrupted-upload",
        "other-file-on-draft", "done", "published-missing-one"])
def test_resume_github(existing, create, replace, upload, publish):
    todo = fr.resume(plan(), existing)
    assert (todo.create, [a.ref for a in todo.replace], list(todo.upload), todo.publish) == (
        create, replace, upload, publish)
    assert todo.done == (not (create or replace or upload or publish))


def test_resume_never_replaces_a_published_file():
    existing = ExistingRelease("7", "v1.0", True, (remote(WHL, size=99),))
    with pytest.raises(fr.ForgeError) as err:
        fr.resume(plan(), existing)
    assert "already has proj-1.0-py3-none-any.whl with other content" in err.value.render()


@pytest.mark.parametrize(("existing", "upload", "publish"), [
    (None, [WHL, SDIST], True),
    (ExistingRelease("v1.0", "v1.0", False, (remote(WHL),)), [SDIST], True),
    (ExistingRelease("v1.0", "v1.0", True, (remote(WHL), remote(SDIST)), frozenset({WHL.name})), [], True),
    (ExistingRelease("v1.0", "v1.0", True, (remote(WHL), remote(SDIST)), frozenset({WHL.name, SDIST.name})), [], False),
], ids=["nothing-yet", "files-half-up", "release-missing-a-link", "done"])
def test_resume_gitlab(existing, upload, publish):
    todo = fr.resume(plan(GL), existing)
    assert (todo.create, list(todo.upload), todo.publish) == (False, upload, publish)
    assert fr.is_complete(plan(GL), existing) == (not upload and not publish and existing is not None)


def test_remote_assets_the_plan_does_not_name_are_left_alone():
    existing = ExistingRelease("7", "v1.0", True, (remote(WHL), remote(SDIST), RemoteAsset("notes.txt", 3, None, "5")))
    todo = fr.resume(plan(), existing)
    assert todo.done and todo.extra == ("notes.txt",)


@pytest.mark.parametrize(("environ", "found"), [
    ({"GITHUB_TOKEN": "t1", "GH_TOKEN": "t2"}, ("GITHUB_TOKEN", "t1")),
    ({"GITHUB_TOKEN": " ", "GH_TOKEN": "t2"}, ("GH_TOKEN", "t2")),
    ({"GITLAB_TOKEN": "t3"}, None),
])
def test_github_token(environ, found):
    assert fr.find_token("github", environ) == found


def test_missing_token_names_the_variables():
    with pytest.raises(CredentialsMissing) as err:
        fr.require_token(GH, {})
    assert "set GITHUB_TOKEN or GH_TOKEN to a token that may write releases of octo/proj" in err.value.render()
    with pytest.raises(CredentialsMissing) as err:
        fr.require_token(GL, {"GITHUB_TOKEN": "x"})
    assert "set GITLAB_TOKEN" in err.value.render()


def test_call_renders_method_url_and_body():
    call = fr.Call("POST", "https://api.github.com/repos/o/p/releases", {"tag_name": "v1", "draft": True})
    assert call.render() == 'POST https://api.github.com/repos/o/p/releases {"draft": true, "tag_name": "v1"}'
    assert fr.Call("POST", "https://u/x?name=a.whl", None, WHL).render() == (
        "POST https://u/x?name=a.whl <dist/proj-1.0-py3-none-any.whl, 100 bytes>")


def test_planned_asset_from_file(tmp_path):
    f = tmp_path / "a.whl"
    f.write_bytes(b"abc")
    assert PlannedAsset.from_file(f) == PlannedAsset(
        "a.whl", str(f), 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
