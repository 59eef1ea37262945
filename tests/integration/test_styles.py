"""The corpus of sample styles (releasekit.testing.styles): each is a real project of its kind.

For every style: a git repository pushed to a bare remote, with its earlier release tagged in its
own template; a real isolated build with its real backend, fetched from the session's local index
only, yields the version the style says (for the scm styles, the one git's tags give); the table of
what detection and a release should find is coherent with the project as made. The towncrier style's
fragments build with towncrier itself, and the uv style's lock is current.
"""

from __future__ import annotations

import email.parser
import re
import shutil
import subprocess
import tarfile
import tomllib
import zipfile
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from releasekit.adapters.envs import hermetic_env, uv_binary
from releasekit.adapters.pypi import build
from releasekit.adapters.shell import Shell
from releasekit.core import versioning
from releasekit.testing.styles import STYLES, Style, StyleProject, expand, towncrier

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")


@pytest.fixture(scope="module", params=list(STYLES), ids=list(STYLES))
def made(request, tmp_path_factory) -> tuple[Style, StyleProject]:
    """One project per style, shared by this module's tests of that style (they only read it)."""
    style = STYLES[request.param]
    return style, style.make(tmp_path_factory.mktemp(request.param))


def remote_git(project: StyleProject, *args: str) -> str:
    return subprocess.run(["git", "--git-dir", str(project.remote), *args], capture_output=True, text=True,
                          check=True).stdout.strip()


def test_style_is_a_git_repo_pushed_with_its_release_tagged_in_its_template(made):
    style, project = made
    c = style.conventions_for(project)
    assert project.git("status", "--porcelain").strip() == ""
    assert project.git("rev-parse", "HEAD").strip() == remote_git(project, "rev-parse", "refs/heads/main")
    tags = remote_git(project, "tag", "--list").split()
    assert style.last_tag in tags and c.tag.format(version=style.last_release) == style.last_tag
    # Every release tag follows the template, and each is annotated as releasekit makes them.
    pattern = re.compile(re.escape(c.tag).replace(re.escape("{version}"), r"(?P<v>\d[\w.]*)") + "$")
    for tag in tags:
        assert pattern.match(tag), f"{tag} does not follow {c.tag}"
        assert remote_git(project, "cat-file", "-t", f"refs/tags/{tag}") == "tag"
    newest = max(tags, key=lambda t: Version(pattern.match(t)["v"]))  # type: ignore[index]
    assert newest == style.last_tag
    branches = remote_git(project, "for-each-ref", "--format=%(refname:short)", "refs/heads").split()
    tag_commit = remote_git(project, "rev-parse", f"{style.last_tag}^{{commit}}")
    if c.release_branch:  # released from its release branch: the tag is there, not on main
        branch = c.release_branch.format(version=style.last_release)
        assert sorted(branches) == sorted(["main", branch])
        assert remote_git(project, "rev-parse", f"refs/heads/{branch}") == tag_commit
    else:
        assert branches == ["main"]
        assert remote_git(project, "merge-base", "--is-ancestor", tag_commit, "refs/heads/main") == ""
    # What the files say: the version where the style keeps it, the changelog where it says.
    for entry in c.version_files:
        rel, _, where = entry.partition(":")
        text = (project.path / rel).read_text(encoding="utf-8")
        assert (where.format(version=project.version) if where else project.version) in text, rel
    pyproject = tomllib.loads((project.path / "pyproject.toml").read_text(encoding="utf-8"))
    assert pyproject["build-system"]["build-backend"] == c.build_backend
    if c.version_source == "scm":
        assert "version" in pyproject["project"]["dynamic"] and "version" not in pyproject["project"]
    if c.changelog is None:
        assert not list(project.path.glob("CHANGE*")) and not list(project.path.glob("HISTORY*"))
    else:
        assert project.changelog == project.path / c.changelog and project.changelog.is_file()


def test_style_table_matches_the_project_and_releasekits_version_arithmetic(made):
    style, project = made
    c, end = style.conventions_for(project), style.release_end(project, "2026-12-01")
    assert end.tag == c.tag.format(version=end.version)
    if c.version_policy == "dev":  # the WIP version is released; main opens the next .dev0
        assert str(versioning.release_of(Version(project.version))) == end.version
        assert str(versioning.bump_dev(end.version)) == end.main_version
    else:  # main holds the last release (or git's tags do): the release bumps it by --part
        assert str(versioning.bump(style.last_release, end.part)) == end.version
        assert end.main_version == (None if c.version_source == "scm" else end.version)
    assert (c.release_branch is None) == (end.tag_on == "main")
    # What a release must keep, and the entries it releases, are there now.
    text = project.changelog.read_text(encoding="utf-8") if project.changelog else ""
    for kept in end.changelog_kept:
        assert kept in text
    for rel in end.gone:
        assert (project.path / rel).is_file()
    log = project.git("log", "--format=%s", f"{style.last_tag}..HEAD").splitlines()
    for note in end.notes:
        if c.changelog_format == "towncrier":  # still in its fragment
            assert any(note in (project.path / rel).read_text(encoding="utf-8") for rel in end.gone)
        elif c.changelog_format == "none":
            assert note in log
        else:
            assert note in text
    for rel, snippets in end.absent.items():  # what the release replaces is there to replace
        assert all(s in (project.path / rel).read_text(encoding="utf-8") for s in snippets)


def _backend_names(project: StyleProject) -> list[str]:
    pyproject = tomllib.loads((project.path / "pyproject.toml").read_text(encoding="utf-8"))
    return [canonicalize_name(Requirement(r).name) for r in pyproject["build-system"]["requires"]]


def _versions(paths: list[Path]) -> dict[str, str]:
    """The Version field of the built wheel's METADATA and the sdist's PKG-INFO."""
    found = {}
    for path in paths:
        if path.name.endswith(".whl"):
            with zipfile.ZipFile(path) as zf:
                meta = next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))
                text = zf.read(meta).decode()
            found["wheel"] = email.parser.Parser().parsestr(text)["Version"]
        else:
            with tarfile.open(path) as tf:
                member = next(m for m in tf.getmembers() if m.name.count("/") == 1 and m.name.endswith("/PKG-INFO"))
                text = tf.extractfile(member).read().decode()  # type: ignore[union-attr]
            found["sdist"] = email.parser.Parser().parsestr(text)["Version"]
    return found


@pytest.mark.skipif(uv_binary() is None, reason="needs uv for the isolated build environment")
def test_style_builds_in_isolation_with_its_real_backend_from_the_local_index(made, index_server, tmp_path):
    style, project = made
    log_start = index_server.log_path.stat().st_size
    paths = build(Shell(), project.path, tmp_path / "dist", installer="uv", index_url=index_server.simple_url)
    assert sorted(p.name.endswith(".whl") for p in paths) == [False, True]
    versions = _versions(paths)
    head = project.git("rev-parse", "HEAD").strip()
    if "{node}" in style.build_version:  # from git: the next patch's .devN (N commits since the tag) + g<hash>
        distance = int(project.git("rev-list", "--count", f"{style.last_tag}..HEAD"))
        base = versioning.bump(style.last_release, "patch")
        assert style.build_version.startswith(f"{base}.dev{distance}+g")
        want = re.escape(style.build_version).replace(re.escape("{node}"), "(?P<node>[0-9a-f]{7,})")
        for kind, got in versions.items():
            match = re.fullmatch(want, got)
            assert match and head.startswith(match["node"]), f"{kind} version {got}, HEAD {head}"
    else:
        assert versions == {"wheel": style.build_version, "sdist": style.build_version}
    # The backend came from the session's index, the only one the build could see.
    served = index_server.log_path.read_text(errors="replace")[log_start:]
    for name in _backend_names(project):
        assert f"/simple/{name}/" in served, name
    # The wheel holds the project's package.
    with zipfile.ZipFile(next(p for p in paths if p.name.endswith(".whl"))) as zf:
        assert f"{project.package}/__init__.py" in zf.namelist()


@pytest.fixture(scope="module")
def crier(tmp_path_factory) -> StyleProject:
    return STYLES["hatchvcs-towncrier"].make(tmp_path_factory.mktemp("crier"))


def test_towncrier_builds_a_draft_of_the_next_release_from_the_fragments_and_changes_nothing(crier):
    style = crier.style
    before = {p: p.read_bytes() for p in crier.path.rglob("*") if p.is_file() and ".git" not in p.parts}
    draft = towncrier(crier.path, "build", "--draft", "--version", "0.4.0", "--date", "2026-12-01").stdout
    end = style.release_end(crier, "2026-12-01")
    for snippet in end.files["CHANGELOG.md"]:
        assert snippet in draft
    heads = [s for s in end.changelog_order if s.startswith("### ") or "0.4.0" in s]
    positions = [draft.index(s) for s in heads]
    assert positions == sorted(positions)
    assert {p: p.read_bytes() for p in crier.path.rglob("*") if p.is_file() and ".git" not in p.parts} == before
    # The earlier release was built by towncrier too: its section is there, its fragments are gone.
    changelog = (crier.path / "CHANGELOG.md").read_text(encoding="utf-8")
    assert expand("## [0.3.0](https://github.com/example/{name}/tree/v0.3.0) - 2026-02-20", crier) in changelog
    assert sorted(p.name for p in (crier.path / "changelog.d").iterdir()) == [".gitkeep", "12.change.md",
                                                                             "14.breaking.md"]


@pytest.mark.skipif(uv_binary() is None, reason="needs uv")
def test_uv_style_lock_is_current_and_holds_the_version(tmp_path):
    project = STYLES["uv-three-files"].make(tmp_path)
    result = subprocess.run([str(uv_binary()), "lock", "--check", "--offline"], cwd=project.path,
                            env=hermetic_env(), capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    lock = tomllib.loads((project.path / "uv.lock").read_text(encoding="utf-8"))
    assert {p["name"]: p["version"] for p in lock["package"]} == {project.name: project.version}
    assert project.git("log", "-1", "--format=%s", "v0.5.0", "--", "uv.lock").strip() == "Release 0.5.0"


def test_every_style_of_the_issue_is_in_the_table():
    backends = {s.conventions.build_backend for s in STYLES.values()}
    assert {"setuptools.build_meta", "hatchling.build", "flit_core.buildapi", "poetry.core.masonry.api",
            "pdm.backend", "uv_build"} <= backends
    formats = {s.conventions.changelog_format for s in STYLES.values()}
    assert {"wip", "keepachangelog", "towncrier", "rst", "none"} <= formats
    assert {s.conventions.version_source for s in STYLES.values()} == {"file", "files", "scm"}
    assert {s.conventions.tag for s in STYLES.values()} == {"{version}", "v{version}"}


@pytest.mark.skipif(uv_binary() is None, reason="needs uv for the isolated build environment")
def test_a_build_against_an_index_ignores_the_machines_own_package_sources(index_server, tmp_path, monkeypatch):
    # Every source a developer's machine may set points nowhere: the build still finds its backend.
    for name in ("PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "UV_INDEX_URL", "UV_DEFAULT_INDEX", "UV_EXTRA_INDEX_URL",
                 "UV_INDEX"):
        monkeypatch.setenv(name, "http://127.0.0.1:9/simple/")
    monkeypatch.setenv("PIP_FIND_LINKS", str(tmp_path / "nowhere"))
    monkeypatch.setenv("UV_FIND_LINKS", str(tmp_path / "nowhere"))
    project = STYLES["flit-rst"].make(tmp_path / "p")
    log_start = index_server.log_path.stat().st_size
    paths = build(Shell(), project.path, tmp_path / "dist", installer="uv", index_url=index_server.simple_url)
    assert _versions(paths) == {"wheel": "2.1.0.dev0", "sdist": "2.1.0.dev0"}
    assert "/simple/flit-core/" in index_server.log_path.read_text(errors="replace")[log_start:]
