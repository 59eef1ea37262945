"""build, twine check, simple-page reading and idempotent upload against real
indexes: pypiserver (PEP 503 HTML, htpasswd auth) and devpi (PEP 691 JSON,
non-volatile index)."""

from __future__ import annotations

import http.server
import io
import itertools
import shutil
import tarfile
import threading
import urllib.request
import zipfile
from pathlib import Path

import pytest
from packaging.version import Version

from releasekit.adapters import index, pypi
from releasekit.adapters.envs import hermetic_env
from releasekit.adapters.shell import Shell
from releasekit.core import releaselog
from releasekit.core.errors import (
    ArtifactCheckFailed,
    ConfigError,
    FilenameTaken,
    IndexUnavailable,
    UploadRejected,
)
from releasekit.testing.sample import SampleDists, make_sample_project, sample_dists, write_wheel
from releasekit.testing.servers import (
    DevpiServer,
    PypiServer,
    devpi,
    free_port,
    pypiserver,
    pypiserver_auth,
)

pytestmark = pytest.mark.integration
__all__ = [
    "devpi",
    "pypiserver",
    "pypiserver_auth",
    "sample_dists",
]  # fixtures, imported on purpose

_index_names = (f"idx{n}" for n in itertools.count())


def fresh_devpi_index(server: DevpiServer) -> str:
    """A new empty index on the session's devpi, so each test starts from nothing."""
    return server.create_index(next(_index_names))


def altered_copy(artifact: Path, folder: Path) -> Path:
    """Same file name, other bytes: the artifact with one more file inside."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / artifact.name
    if artifact.name.endswith(".whl"):
        shutil.copy(artifact, target)
        with zipfile.ZipFile(target, "a") as zf:
            zf.writestr("extra.txt", "other content\n")
    else:
        with tarfile.open(artifact) as src, tarfile.open(target, "w:gz") as dst:
            for member in src.getmembers():
                dst.addfile(member, src.extractfile(member) if member.isfile() else None)
            extra = tarfile.TarInfo(f"{src.getmembers()[0].name.split('/')[0]}/extra.txt")
            data = b"other content\n"
            extra.size = len(data)
            dst.addfile(extra, io.BytesIO(data))
    assert pypi.sha256(target) != pypi.sha256(artifact)
    return target


# --- simple_url and version matching: tables ---------------------------------------------------------


@pytest.mark.parametrize(
    ("repository_url", "index_url", "expected"),
    [
        ("https://upload.index.example/legacy/", None, "https://index.example/simple/my-proj/"),
        ("https://test.index.example/legacy/", None, "https://test.index.example/simple/my-proj/"),
        ("http://127.0.0.1:8080/", None, "http://127.0.0.1:8080/simple/my-proj/"),
        ("http://127.0.0.1:8080", None, "http://127.0.0.1:8080/simple/my-proj/"),
        (
            "http://127.0.0.1:3141/alice/dev/",
            None,
            "http://127.0.0.1:3141/alice/dev/+simple/my-proj/",
        ),
        (
            "http://127.0.0.1:3141/alice/dev",
            None,
            "http://127.0.0.1:3141/alice/dev/+simple/my-proj/",
        ),
        (
            "https://repo.example/repository/pypi-hosted/",
            None,
            "https://repo.example/repository/pypi-hosted/simple/my-proj/",
        ),
        (
            "https://repo.example/api/pypi/team/",
            None,
            "https://repo.example/api/pypi/team/simple/my-proj/",
        ),
        (
            "https://upload.index.example/legacy/",
            "https://mirror.example/simple",
            "https://mirror.example/simple/my-proj/",
        ),
    ],
    ids=[
        "public",
        "public-test",
        "pypiserver",
        "pypiserver-noslash",
        "devpi",
        "devpi-noslash",
        "nexus",
        "prefix",
        "override",
    ],
)
def test_simple_url_maps_upload_urls_to_project_pages(repository_url, index_url, expected):
    assert index.simple_url(repository_url, "My_Proj", index_url) == expected


FILES = {
    "pkg-1.0.1.tar.gz": "a",
    "pkg-1.0.1-py3-none-any.whl": "b",
    "pkg-1.0.10.tar.gz": "c",
    "pkg-1.0.10-py3-none-any.whl": "d",
    "Pkg_Name-2.0-py3-none-any.whl": "e",
    "pkg_name-2.0.0.tar.gz": "f",
    "pkg-1.0.1.exe": "g",
    "not a dist": "h",
    "pkg-1.0.1rc1.tar.gz": "i",
    "pkg-extra-1.0.1.tar.gz": "j",
}


@pytest.mark.parametrize(
    ("project", "version", "expected"),
    [
        ("pkg", "1.0.1", {"pkg-1.0.1.tar.gz", "pkg-1.0.1-py3-none-any.whl"}),
        ("pkg", "1.0.10", {"pkg-1.0.10.tar.gz", "pkg-1.0.10-py3-none-any.whl"}),
        ("pkg", "1.0.1rc1", {"pkg-1.0.1rc1.tar.gz"}),
        ("pkg", "1.0", set()),
        ("pkg-name", "2.0", {"Pkg_Name-2.0-py3-none-any.whl", "pkg_name-2.0.0.tar.gz"}),
        ("PKG.NAME", "2.0.0", {"Pkg_Name-2.0-py3-none-any.whl", "pkg_name-2.0.0.tar.gz"}),
        ("pkg-extra", "1.0.1", {"pkg-extra-1.0.1.tar.gz"}),
    ],
    ids=[
        "1.0.1-not-1.0.10",
        "1.0.10",
        "pre-release",
        "prefix-version",
        "normalized-name",
        "dotted-name",
        "dashed-name",
    ],
)
def test_files_for_version_matches_exactly(project, version, expected):
    assert set(index.files_for_version(FILES, project, version)) == expected


# --- reading simple pages ---------------------------------------------------------------------------------


def test_fetch_files_reads_pypiserver_html(pypiserver: PypiServer, sample_dists: SampleDists):
    shutil.copy(sample_dists.wheel, pypiserver.dir)
    url = index.simple_url(pypiserver.upload_url, "RK_Sample")
    assert index.fetch_files(url) == {sample_dists.wheel.name: pypi.sha256(sample_dists.wheel)}


def test_fetch_files_reads_devpi_json(devpi: DevpiServer, sample_dists: SampleDists):
    upload_url = fresh_devpi_index(devpi)
    auth = (devpi.username, devpi.password)
    pypi.upload(Shell(), sample_dists.paths, upload_url, username=auth[0], password=auth[1])
    url = index.simple_url(upload_url, "rk-sample")
    # devpi answers our Accept header with PEP 691 JSON, so this exercises the JSON reader
    req = urllib.request.Request(url, headers={"Accept": index.ACCEPT})
    with urllib.request.urlopen(req) as resp:
        assert resp.headers.get_content_type() == index.JSON_TYPE
    assert index.fetch_files(url) == {p.name: pypi.sha256(p) for p in sample_dists.paths}


def test_fetch_links_name_where_each_file_is_served_without_credentials(pypiserver: PypiServer,
                                                                        devpi: DevpiServer,
                                                                        sample_dists: SampleDists):
    """The links a recipe's source may name: absolute, downloadable, the bytes built, no password."""
    shutil.copy(sample_dists.wheel, pypiserver.dir)
    upload_url = fresh_devpi_index(devpi)
    pypi.upload(Shell(), sample_dists.paths, upload_url, username=devpi.username, password=devpi.password)
    pages = [(index.simple_url(pypiserver.upload_url, "rk-sample"), [sample_dists.wheel]),  # HTML
             (index.simple_url(upload_url, "rk-sample"), sample_dists.paths)]  # PEP 691 JSON
    for page, built in pages:
        with_password = page.replace("http://", "http://someone:hunter2-secret@")
        links = index.fetch_links(with_password)
        assert sorted(links) == sorted(p.name for p in built)
        for path in built:
            link = links[path.name]
            assert link.sha256 == pypi.sha256(path)
            assert link.url.startswith("http://") and "hunter2-secret" not in link.url and "#" not in link.url
            with urllib.request.urlopen(link.url) as resp:
                assert resp.read() == path.read_bytes()


def test_a_served_link_keeps_no_token_of_the_page_or_the_href():
    """Signed download URLs carry their token in the query, private indexes in the userinfo: a link a
    recipe may name has neither, and a relative href is resolved against the page."""
    served = index._served_at("https://me:pw@host.example/simple/p/",
                              "../../files/p-1.0.tar.gz?X-Amz-Signature=SECRET#sha256=ab")
    assert served == "https://host.example/files/p-1.0.tar.gz"


def test_fetch_files_of_an_unknown_project_is_empty(pypiserver: PypiServer, devpi: DevpiServer):
    assert index.fetch_files(index.simple_url(pypiserver.upload_url, "no-such-project")) == {}
    assert index.fetch_files(index.simple_url(devpi.upload_url, "no-such-project")) == {}


def test_a_wrong_index_url_is_not_taken_for_a_project_not_released_yet(pypiserver: PypiServer, devpi: DevpiServer):
    wrong = [pypiserver.url.rstrip("/") + "/nothing-here/no-such-project/",
             devpi.upload_url.rstrip("/").rsplit("/", 1)[0] + "/no-such-index/+simple/no-such-project/"]
    for url in wrong:
        with pytest.raises(IndexUnavailable) as info:
            index.fetch_files(url.replace("http://", "http://someone:hunter2-secret@"))
        assert "there is no simple index at" in info.value.message and "(HTTP 404)" in info.value.message
        assert "pypi.index_url" in info.value.hint and "hunter2-secret" not in str(info.value)


def test_fetch_files_from_a_dead_port_is_index_unavailable_without_the_password():
    port = free_port()
    with pytest.raises(IndexUnavailable) as info:
        index.fetch_files(f"http://someone:hunter2-secret@127.0.0.1:{port}/simple/pkg/", timeout=5)
    assert f"127.0.0.1:{port}/simple/pkg/" in str(info.value)
    assert "hunter2-secret" not in str(info.value)


class _ErrorHandler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - http.server's naming
        self.send_response(503)
        self.end_headers()
        self.wfile.write(b"down for maintenance")

    def log_message(self, *args):
        pass


def test_fetch_files_on_a_server_error_is_index_unavailable():
    server = http.server.HTTPServer(("127.0.0.1", 0), _ErrorHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with pytest.raises(IndexUnavailable, match="HTTP 503"):
            index.fetch_files(f"http://127.0.0.1:{server.server_port}/simple/pkg/")
    finally:
        server.shutdown()
        server.server_close()


# --- building and looking at artifacts ---------------------------------------------------------------------


def test_build_returns_wheel_then_sdist_with_the_version_inside(sample_dists: SampleDists):
    assert [p.suffix for p in sample_dists.paths] == [".whl", ".gz"]
    assert [index.parse_filename(p.name) for p in sample_dists.paths] == [
        ("rk-sample", Version("0.1.0"))
    ] * 2
    assert [pypi.built_version(p) for p in sample_dists.paths] == ["0.1.0", "0.1.0"]
    assert pypi.built_metadata(sample_dists.sdist) == ("rk-sample", "0.1.0")
    assert not [p for p in sample_dists.wheel.parent.iterdir() if p.name.startswith(".build-")]


def test_built_requires_reads_requires_dist(tmp_path):
    wheel = write_wheel(
        tmp_path, "rk-deps", "1.0", requires=["packaging>=23", 'rich; python_version > "3"']
    )
    assert pypi.built_requires(wheel) == ["packaging>=23", 'rich; python_version > "3"']
    assert pypi.built_metadata(wheel) == ("rk-deps", "1.0")


def test_dry_run_build_builds_nothing(sample_dists: SampleDists, tmp_path, capsys):
    out = tmp_path / "dist"
    assert pypi.build(Shell(dry_run=True), sample_dists.project.path, out) == []
    assert "would run" in capsys.readouterr().out and not out.exists()


def test_artifact_table_lists_name_size_and_sha256(sample_dists: SampleDists):
    rows = pypi.artifact_table(sample_dists.paths)
    assert [r[0] for r in rows] == [p.name for p in sample_dists.paths]
    assert all(r[1].endswith(("B", "KiB")) for r in rows)
    assert rows[0][2] == pypi.sha256(sample_dists.wheel) and len(rows[0][2]) == 64


def test_oversized_reports_artifacts_and_members_over_the_limit(
    sample_dists: SampleDists, tmp_path
):
    assert pypi.oversized(sample_dists.paths, 1_000_000) == []
    big = altered_copy(sample_dists.wheel, tmp_path)
    with zipfile.ZipFile(big, "a") as zf:
        zf.writestr("rk_sample/data/model.bin", b"\0" * 300_000)
    found = pypi.oversized([big, sample_dists.sdist], 100_000)
    # the model file, and the wheel it makes too big (stored, not compressed); the sdist is fine
    assert {(o.artifact, o.member) for o in found} == {
        (big.name, "rk_sample/data/model.bin"),
        (big.name, None),
    }
    assert all(o.size > 100_000 for o in found)


@pytest.mark.filterwarnings("ignore:Duplicate name")
def test_duplicate_members_names_what_a_wheel_or_sdist_stores_twice(sample_dists: SampleDists, tmp_path):
    assert [pypi.duplicate_members(p) for p in sample_dists.paths] == [[], []]
    wheel = altered_copy(sample_dists.wheel, tmp_path / "w")
    with zipfile.ZipFile(wheel, "a") as zf:
        zf.writestr("rk_sample/__init__.py", "X = 2\n")
    sdist = tmp_path / "s" / sample_dists.sdist.name
    sdist.parent.mkdir()
    with tarfile.open(sample_dists.sdist) as src, tarfile.open(sdist, "w:gz") as dst:
        members = [m for m in src.getmembers() if m.isfile()]
        for member in [*src.getmembers(), members[0]]:
            dst.addfile(member, src.extractfile(member) if member.isfile() else None)
    assert pypi.duplicate_members(wheel) == ["rk_sample/__init__.py"]
    assert pypi.duplicate_members(sdist) == [members[0].name]


def test_twine_check_passes_good_artifacts(sample_dists: SampleDists):
    pypi.twine_check(Shell(), sample_dists.paths)


def test_twine_check_names_the_file_whose_readme_does_not_render(tmp_path):
    broken = "Title\n=====\n\n.. image::\n\nSome text.\n"
    project = make_sample_project(
        tmp_path, "rk-badreadme", "1.0", readme=broken, readme_type="text/x-rst", with_git=False
    )
    paths = pypi.build(Shell(), project.path, tmp_path / "dist", wheel=False, isolation=False)
    assert [p.suffix for p in paths] == [".gz"]
    with pytest.raises(ArtifactCheckFailed) as info:
        pypi.twine_check(Shell(), paths)
    message = str(info.value)
    assert f"{paths[0].name}:" in message
    assert "long_description" in message and "image" in message


def test_build_failure_is_a_build_error_with_the_reason(tmp_path):
    project = make_sample_project(tmp_path, "rk-broken", "1.0", with_git=False)
    (project.path / "setup.py").write_text("raise SystemExit('setup.py is broken on purpose')\n")
    with pytest.raises(pypi.BuildError, match="broken on purpose"):
        pypi.build(Shell(), project.path, tmp_path / "dist", isolation=False)
    assert not (tmp_path / "dist").exists() or list((tmp_path / "dist").iterdir()) == []


@pytest.fixture(scope="module")
def leaky_project(tmp_path_factory):
    """A project whose sdist misses a tracked doc and excludes a tracked module."""
    root = tmp_path_factory.mktemp("leaky")
    project = make_sample_project(
        root,
        "rk-leaky",
        "1.0",
        extra_files={
            "docs/guide.md": "# guide\n",
            "rk_leaky/extra.py": "X = 1\n",
            "MANIFEST.in": "include CHANGES.md LICENSE\nrecursive-include tests *.py\nexclude rk_leaky/extra.py\n",
            ".github/workflows/ci.yml": "on: push\n",
        },
    )
    paths = pypi.build(Shell(), project.path, root / "dist", isolation=False)
    return project, paths


def test_sdist_missing_files_reports_tracked_files_the_sdist_lacks(leaky_project):
    project, paths = leaky_project
    sdist = next(p for p in paths if p.name.endswith(".tar.gz"))
    tracked = project.tracked_files()
    assert ".github/workflows/ci.yml" in tracked and ".gitignore" in tracked
    assert pypi.sdist_missing_files(sdist, tracked) == ["docs/guide.md", "rk_leaky/extra.py"]
    assert pypi.sdist_missing_files(sdist, tracked, ignore=["docs/*"]) == [
        ".github/workflows/ci.yml",
        ".gitignore",
        "rk_leaky/extra.py",
    ]


def test_sample_sdist_has_every_tracked_file(sample_dists: SampleDists):
    assert pypi.sdist_missing_files(sample_dists.sdist, sample_dists.project.tracked_files()) == []


def test_wheel_is_built_from_the_sdist(leaky_project):
    _, paths = leaky_project
    wheel = next(p for p in paths if p.name.endswith(".whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "rk_leaky/__init__.py" in names
    assert "rk_leaky/extra.py" not in names  # in the tree, but not in the sdist the wheel came from


def test_isolated_build_fetches_its_build_backend_from_the_index(tmp_path, index_server):
    """The one build with isolation (sdist only, to keep it short): setuptools comes from the
    index the environment names alone (a local one holding the backend), every other package
    source switched off."""
    project = make_sample_project(tmp_path, "rk-isolated", "2.0", with_git=False)
    env = dict(hermetic_env(), PIP_INDEX_URL=index_server.simple_url, UV_INDEX_URL=index_server.simple_url)
    asked = index_server.log_path.read_text(errors="replace").count("/simple/setuptools/")
    paths = pypi.build(Shell(), project.path, tmp_path / "dist", wheel=False, env=env)
    assert [index.parse_filename(p.name) for p in paths] == [("rk-isolated", Version("2.0"))]
    assert index_server.log_path.read_text(errors="replace").count("/simple/setuptools/") > asked


# --- planning uploads: pure -------------------------------------------------------------------------------


def test_plan_upload_sends_missing_skips_identical_wheels_first(sample_dists: SampleDists):
    wheel, sdist = sample_dists.wheel, sample_dists.sdist
    plan = pypi.plan_upload([sdist, wheel], {})
    assert plan.upload == [wheel, sdist] and plan.skip == []
    plan = pypi.plan_upload(
        [sdist, wheel], {sdist.name: pypi.sha256(sdist).upper(), "other.whl": "x"}
    )
    assert plan.upload == [wheel] and plan.skip == [sdist]


def test_plan_upload_refuses_taken_names_and_names_without_hash(sample_dists: SampleDists):
    wheel, sdist = sample_dists.wheel, sample_dists.sdist
    with pytest.raises(FilenameTaken) as info:
        pypi.plan_upload([wheel, sdist], {wheel.name: "0" * 64, sdist.name: None})
    assert wheel.name in str(info.value) and sdist.name in str(info.value)
    assert "post" in str(info.value)  # the hint says what to do


# --- uploading to real indexes ----------------------------------------------------------------------------


def test_upload_to_devpi_is_idempotent(devpi: DevpiServer, sample_dists: SampleDists):
    upload_url = fresh_devpi_index(devpi)
    kwargs = {"username": devpi.username, "password": devpi.password}
    first = pypi.upload_missing(Shell(), sample_dists.paths, upload_url, **kwargs)
    assert first.upload == sample_dists.paths and first.skip == []
    remote = index.fetch_files(index.simple_url(upload_url, "rk-sample"))
    assert remote == {p.name: pypi.sha256(p) for p in sample_dists.paths}
    again = pypi.upload_missing(Shell(), sample_dists.paths, upload_url, **kwargs)
    assert again.upload == [] and again.skip == sample_dists.paths


def test_taken_filename_stops_before_any_upload_and_devpi_refuses_it(
    devpi: DevpiServer, sample_dists: SampleDists, tmp_path
):
    upload_url = fresh_devpi_index(devpi)
    kwargs = {"username": devpi.username, "password": devpi.password}
    other_sdist = altered_copy(sample_dists.sdist, tmp_path / "other")
    pypi.upload(Shell(), [other_sdist], upload_url, **kwargs)
    with pytest.raises(FilenameTaken, match=sample_dists.sdist.name):
        pypi.upload_missing(Shell(), sample_dists.paths, upload_url, **kwargs)
    # the wheel, absent and first in upload order, was not sent either
    remote = index.fetch_files(index.simple_url(upload_url, "rk-sample"))
    assert remote == {other_sdist.name: pypi.sha256(other_sdist)}
    # twine alone would have sent the wheel, then been refused the sdist with 409
    with pytest.raises(UploadRejected, match="409") as info:
        pypi.upload(Shell(), [sample_dists.sdist], upload_url, **kwargs)
    assert sample_dists.sdist.name in str(info.value) and devpi.password not in str(info.value)


def test_upload_to_an_index_that_is_down_says_so_in_one_line(sample_dists: SampleDists):
    port = free_port()  # nothing listens there
    with pytest.raises(IndexUnavailable) as info:
        pypi.upload(Shell(), [sample_dists.wheel], f"http://127.0.0.1:{port}/", username="u", password="pw-1234")
    message = info.value.render()
    assert f"lost the connection to http://127.0.0.1:{port}/ while uploading {sample_dists.wheel.name}" in message
    assert "Connection refused" in message and "run the same command again" in message
    assert "\n" not in message and "Traceback" not in message and "pw-1234" not in message


def test_pypiserver_upload_needs_the_right_password(
    pypiserver_auth: PypiServer, sample_dists: SampleDists, tmp_path
):
    user, password = pypiserver_auth.auth
    url = index.simple_url(pypiserver_auth.upload_url, "rk-sample")
    log = releaselog.ReleaseLog(tmp_path / "release.log")
    releaselog.activate(log)
    try:
        with pytest.raises(UploadRejected) as info:
            pypi.upload_missing(
                Shell(),
                sample_dists.paths,
                pypiserver_auth.upload_url,
                username=user,
                password="wrong-pw-1234",
            )
        assert "403" in str(info.value) and sample_dists.wheel.name in str(info.value)
        assert index.fetch_files(url) == {}
        plan = pypi.upload_missing(
            Shell(),
            sample_dists.paths,
            pypiserver_auth.upload_url,
            username=user,
            password=password,
        )
        assert plan.upload == sample_dists.paths
    finally:
        releaselog.activate(None)
        log.close()
    assert index.fetch_files(url) == {p.name: pypi.sha256(p) for p in sample_dists.paths}
    logged = (tmp_path / "release.log").read_text()
    assert (
        "upload --non-interactive" in logged
        and "wrong-pw-1234" not in logged
        and password not in logged
    )
    # pypiserver answers 400 to any re-upload, so only the plan keeps a re-run green
    again = pypi.upload_missing(
        Shell(), sample_dists.paths, pypiserver_auth.upload_url, username=user, password=password
    )
    assert again.upload == [] and again.skip == sample_dists.paths


def test_dry_run_upload_sends_nothing(devpi: DevpiServer, sample_dists: SampleDists, capsys):
    upload_url = fresh_devpi_index(devpi)
    plan = pypi.upload_missing(
        Shell(dry_run=True),
        sample_dists.paths,
        upload_url,
        username=devpi.username,
        password=devpi.password,
    )
    assert plan.upload == sample_dists.paths
    out = capsys.readouterr().out
    assert (
        out.count("would run") == 2
        and "upload --non-interactive" in out
        and devpi.password not in out
    )
    assert index.fetch_files(index.simple_url(upload_url, "rk-sample")) == {}


# --- credentials -------------------------------------------------------------------------------------------


@pytest.fixture
def no_keyring(monkeypatch):
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")


def test_credentials_follow_twines_order(tmp_path, no_keyring):
    pypirc = tmp_path / "pypirc"
    pypirc.write_text(
        "[distutils]\nindex-servers =\n    pypi\n    private\n\n"
        "[pypi]\npassword = pypi-token-from-file\n\n"
        "[private]\nrepository = http://127.0.0.1:9/\nusername = alice\npassword = from-file-pw\n"
    )
    env = {"TWINE_CONFIG_FILE": str(pypirc)}
    private = pypi.credentials("private", env)
    assert (private.username, private.password, private.source) == (
        "alice",
        "from-file-pw",
        ".pypirc [private]",
    )
    assert "from-file-pw" not in repr(private)
    public = pypi.credentials("pypi", env)
    assert (public.username, public.password) == ("__token__", "pypi-token-from-file")
    both = pypi.credentials("private", {**env, "TWINE_USERNAME": "bob", "TWINE_PASSWORD": "env-pw"})
    assert (both.username, both.password, both.source) == ("bob", "env-pw", "TWINE_PASSWORD")
    assert pypi.repository_url("private", environ=env) == "http://127.0.0.1:9/"
    assert pypi.credentials("http://127.0.0.1:9/", {}) is None
    in_url = pypi.credentials("http://carol:url-pw@127.0.0.1:9/", {})
    assert (in_url.username, in_url.password) == ("carol", "url-pw")


def test_credentials_of_an_unknown_section_is_a_config_error(tmp_path, no_keyring):
    pypirc = tmp_path / "pypirc"
    pypirc.write_text("[distutils]\nindex-servers = pypi\n")
    with pytest.raises(ConfigError, match="nosuch"):
        pypi.credentials("nosuch", {"TWINE_CONFIG_FILE": str(pypirc)})
