"""A small fake of GitHub's REST release endpoints and GitLab's release and generic package endpoints.

One local server answers both: GitHub Enterprise's shape under ``/api/v3`` (repositories, releases,
release assets, ``releases/tags/TAG``, ``releases/latest``) with uploads on its own host under
``/api/uploads/...`` as GitHub Enterprise serves them (github.com's ``uploads.github.com`` is another
host; a release's ``upload_url`` template says where), and GitLab's under ``/api/v4`` (projects by
URL-encoded path or id, releases by tag, release links, generic packages and their files).

The shapes follow the forges' REST docs and what PyGithub 2.x and python-gitlab 8.x send and parse;
the tests drive the fake with both as well as with releasekit's own adapter, so it answers as the
real APIs do. Behaviour kept on purpose: a draft is not found by ``releases/tags/TAG``; several drafts
may share a tag while a second *published* release for a tag is refused (422 already_exists); an
asset name is taken once per release (422), even by an interrupted upload, which stays in state
"starter"; assets carry ``digest: sha256:...``; with ``immutable`` a published release refuses new
or deleted assets; GitLab refuses a second release for a tag (409) and a second link of one name (400),
and lists a package's files with ``file_sha256``; ``package_name`` filters partially.

Every call is recorded (:class:`Recorded`), so tests assert the sequence. Faults: :meth:`break_upload`
(the connection drops halfway through one file), :meth:`fail_next` (one call answers an error).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import signal
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlencode, urlsplit

import pytest

GITHUB_API = "/api/v3"
GITHUB_UPLOADS = "/api/uploads"
GITLAB_API = "/api/v4"

WRITER_TOKEN = "ghp_fakeforgewriter0123456789abcdefABCDEF"  # a GitHub-token shape: redaction masks it anyway
READER_TOKEN = "ghp_fakeforgereader0123456789abcdefABCDEF"
GITLAB_WRITER_TOKEN = "glpat-fakeforgewriter0123456789"
GITLAB_READER_TOKEN = "glpat-fakeforgereader0123456789"


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Reply:
    status: int
    body: Any = None
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str  # unquoted, without the query
    query: dict[str, str]
    body: Any = None  # the JSON body, or the size of an uploaded file

    def short(self) -> str:
        """``METHOD path`` (``?name=`` kept for GitHub uploads): what sequence assertions compare."""
        name = f"?name={self.query['name']}" if "name" in self.query and self.path.startswith(GITHUB_UPLOADS) else ""
        return f"{self.method} {self.path}{name}"


class _HTTPError(Exception):
    def __init__(self, status: int, body: Any) -> None:
        super().__init__(str(body))
        self.status = status
        self.body = body


class _Drop(Exception):
    """Close the connection without an answer (an upload broken halfway)."""


@dataclass
class FakeForge:
    """The fake service. ``tokens`` maps a token to whether it may write."""

    tokens: dict[str, bool] = field(default_factory=lambda: {
        WRITER_TOKEN: True, READER_TOKEN: False, GITLAB_WRITER_TOKEN: True, GITLAB_READER_TOKEN: False})
    immutable: bool = False  # GitHub's immutable releases: a published release's assets are frozen
    calls: list[Recorded] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.repos: dict[str, dict[str, Any]] = {}  # GitHub "owner/repo"
        self.releases: dict[int, dict[str, Any]] = {}  # GitHub release id -> release (assets inside)
        self.blobs: dict[int, bytes] = {}  # GitHub asset id -> bytes
        self.projects: dict[str, dict[str, Any]] = {}  # GitLab "group/project"
        self.gl_releases: dict[tuple[int, str], dict[str, Any]] = {}
        self.packages: dict[int, dict[str, Any]] = {}  # GitLab package id -> package (files inside)
        self.package_blobs: dict[int, bytes] = {}
        self._ids = iter(range(1, 1 << 30))
        self._broken: set[str] = set()
        self._failures: list[tuple[str, str, int, str]] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # --- set-up ----------------------------------------------------------------------------

    def add_github_repo(self, full_name: str) -> FakeForge:
        owner, name = full_name.split("/")
        rid = next(self._ids)
        self.repos[full_name] = {"id": rid, "name": name, "full_name": full_name, "owner": {"login": owner},
                                 "private": False, "default_branch": "main"}
        return self

    def add_gitlab_project(self, path: str) -> FakeForge:
        pid = next(self._ids)
        self.projects[path] = {"id": pid, "path_with_namespace": path, "path": path.rsplit("/", 1)[1],
                               "name": path.rsplit("/", 1)[1], "default_branch": "main"}
        return self

    def break_upload(self, name: str) -> None:
        """The next upload of ``name`` loses its connection halfway (GitHub keeps a "starter" asset)."""
        self._broken.add(name)

    def fail_next(self, method: str, path_contains: str, status: int = 502, message: str = "Server Error") -> None:
        """The next ``method`` call whose path contains ``path_contains`` answers ``status`` with ``message``."""
        self._failures.append((method, path_contains, status, message))

    # --- lifecycle -------------------------------------------------------------------------

    def start(self) -> FakeForge:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                try:
                    reply = fake.dispatch(self.command, self.path, dict(self.headers.items()),
                                          lambda n=length: self.rfile.read(n) if n else b"", length)
                except _Drop:
                    self.close_connection = True
                    return
                payload = reply.body if isinstance(reply.body, bytes) else (
                    b"" if reply.body is None else json.dumps(reply.body).encode())
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.content_type)
                self.send_header("Content-Length", str(len(payload)))
                for key, value in reply.headers.items():
                    self.send_header(key, value)
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(payload)

            do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeForge:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self._server is not None, "start() the fake first"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def github_api(self) -> str:
        return self.url + GITHUB_API

    @property
    def gitlab_api(self) -> str:
        return self.url + GITLAB_API

    def writes(self) -> list[str]:
        """The changing calls so far, in order, as ``METHOD path``."""
        return [c.short() for c in self.calls if c.method not in ("GET", "HEAD")]

    # --- dispatch --------------------------------------------------------------------------

    def dispatch(self, method: str, raw_path: str, headers: dict[str, str], read: Any, length: int) -> Reply:
        split = urlsplit(raw_path)
        parts = [unquote(p) for p in split.path.split("/") if p]
        query = {k: v[-1] for k, v in parse_qs(split.query).items()}
        lower = {k.lower(): v for k, v in headers.items()}
        with self._lock:
            body: Any = None
            raw = b""
            upload = method in ("POST", "PUT") and (
                split.path.startswith(GITHUB_UPLOADS) or "/packages/generic/" in split.path)
            if upload and any(query.get("name") == b or parts[-1:] == [b] for b in self._broken):
                broken = query.get("name") or parts[-1]
                self._broken.discard(broken)
                partial = read(length // 2)
                self.calls.append(Recorded(method, unquote(split.path), query, len(partial)))
                if split.path.startswith(GITHUB_UPLOADS):
                    self._gh_starter(parts, broken, partial)
                raise _Drop()
            raw = read()
            if upload:
                body = len(raw)
            elif raw.strip()[:1] in (b"{", b"["):
                body = json.loads(raw)
            self.calls.append(Recorded(method, unquote(split.path), query, body))
            for i, (m, needle, status, message) in enumerate(self._failures):
                if m == method and needle in unquote(split.path):
                    del self._failures[i]
                    return Reply(status, {"message": message})
            try:
                if split.path.startswith(GITHUB_UPLOADS + "/"):
                    writer = self._github_user(lower)
                    return self._gh_upload(parts[2:], query, raw, lower, writer)
                if split.path.startswith(GITHUB_API + "/"):
                    writer = self._github_user(lower)
                    return self._github(method, parts[2:], query, body if isinstance(body, dict) else {},
                                        lower, writer)
                if split.path.startswith(GITLAB_API + "/"):
                    writer = self._gitlab_user(lower)
                    return self._gitlab(method, split.path[len(GITLAB_API):], query,
                                        body if isinstance(body, dict) else {}, raw, writer)
                if len(parts) >= 5 and parts[2:4] == ["releases", "download"]:
                    return self._gh_browser_download(parts)
                raise _HTTPError(404, {"message": "Not Found"})
            except _HTTPError as err:
                return Reply(err.status, err.body)

    # --- GitHub ----------------------------------------------------------------------------

    def _github_user(self, headers: dict[str, str]) -> bool | None:
        """None: anonymous; else whether the token may write. A wrong token is refused outright."""
        scheme, _, token = headers.get("authorization", "").partition(" ")
        if not token:
            return None
        if scheme.lower() not in ("token", "bearer") or token.strip() not in self.tokens:
            raise _HTTPError(401, {"message": "Bad credentials", "status": "401",
                                   "documentation_url": "https://docs.github.com/rest"})
        return self.tokens[token.strip()]

    def _gh_need_write(self, writer: bool | None) -> None:
        if writer is None:
            raise _HTTPError(401, {"message": "Requires authentication", "status": "401"})
        if not writer:
            raise _HTTPError(403, {"message": "Resource not accessible by personal access token", "status": "403"})

    def _repo(self, parts: list[str]) -> tuple[str, list[str]]:
        if len(parts) < 3 or parts[0] != "repos" or f"{parts[1]}/{parts[2]}" not in self.repos:
            raise _HTTPError(404, {"message": "Not Found", "status": "404"})
        return f"{parts[1]}/{parts[2]}", parts[3:]

    def _github(self, method: str, parts: list[str], query: dict[str, str], data: dict[str, Any],
                headers: dict[str, str], writer: bool | None) -> Reply:
        full, rest = self._repo(parts)
        repo_releases = [r for r in self.releases.values() if r["_repo"] == full]
        if not rest and method == "GET":
            repo = dict(self.repos[full], url=f"{self.github_api}/repos/{full}")
            if writer is not None:
                repo["permissions"] = {"admin": False, "push": writer, "pull": True}
            return Reply(200, repo)
        if rest == ["releases"] and method == "GET":
            visible = [r for r in repo_releases if not r["draft"] or writer]
            visible.sort(key=lambda r: r["id"], reverse=True)
            return self._page(visible, query, f"{self.github_api}/repos/{full}/releases", self._gh_release_json, 30)
        if rest == ["releases"] and method == "POST":
            self._gh_need_write(writer)
            tag = data.get("tag_name")
            if not tag:
                raise _HTTPError(422, {"message": "Validation Failed",
                                       "errors": [{"resource": "Release", "code": "missing_field", "field": "tag_name"}]})
            if any(r["tag_name"] == tag and not r["draft"] for r in repo_releases) and not data.get("draft"):
                raise _HTTPError(422, {"message": "Validation Failed",
                                       "errors": [{"resource": "Release", "code": "already_exists", "field": "tag_name"}]})
            rid = next(self._ids)
            release = {"_repo": full, "id": rid, "tag_name": tag, "target_commitish": data.get("target_commitish", "main"),
                       "name": data.get("name") or tag, "body": data.get("body") or "", "draft": bool(data.get("draft")),
                       "prerelease": bool(data.get("prerelease")), "created_at": _now(), "published_at": None,
                       "assets": [], "_seq": rid}
            self.releases[rid] = release
            if not release["draft"]:
                self._gh_published(release, data.get("make_latest", "true"))
            return Reply(201, self._gh_release_json(release),
                         headers={"Location": f"{self.github_api}/repos/{full}/releases/{rid}"})
        if rest[:1] != ["releases"] or len(rest) < 2:
            raise _HTTPError(404, {"message": "Not Found", "status": "404"})
        if rest[1] == "tags" and len(rest) == 3 and method == "GET":
            found = [r for r in repo_releases if r["tag_name"] == rest[2] and not r["draft"]]
            if not found:
                raise _HTTPError(404, {"message": "Not Found", "status": "404"})
            return Reply(200, self._gh_release_json(found[0]))
        if rest[1] == "latest" and method == "GET":
            latest = self.repos[full].get("_latest")
            if latest is None or latest not in self.releases:
                raise _HTTPError(404, {"message": "Not Found", "status": "404"})
            return Reply(200, self._gh_release_json(self.releases[latest]))
        if rest[1] == "assets" and len(rest) == 3:
            return self._gh_asset(method, full, int(rest[2]), headers, writer)
        if not rest[1].isdigit() or int(rest[1]) not in self.releases or self.releases[int(rest[1])]["_repo"] != full:
            raise _HTTPError(404, {"message": "Not Found", "status": "404"})
        release = self.releases[int(rest[1])]
        if release["draft"] and not writer:
            raise _HTTPError(404, {"message": "Not Found", "status": "404"})
        if len(rest) == 3 and rest[2] == "assets" and method == "GET":
            return self._page(release["assets"], query, f"{self.github_api}/repos/{full}/releases/{release['id']}/assets",
                              self._gh_asset_json, 30)
        if len(rest) != 2:
            raise _HTTPError(404, {"message": "Not Found", "status": "404"})
        if method == "GET":
            return Reply(200, self._gh_release_json(release))
        self._gh_need_write(writer)
        if method == "PATCH":
            was_draft = release["draft"]
            for key in ("tag_name", "target_commitish", "name", "body", "prerelease", "draft"):
                if key in data:
                    release[key] = data[key]
            if was_draft and not release["draft"]:
                if any(r["tag_name"] == release["tag_name"] and not r["draft"] and r["id"] != release["id"]
                       for r in repo_releases):
                    release["draft"] = True
                    raise _HTTPError(422, {"message": "Validation Failed", "errors": [
                        {"resource": "Release", "code": "already_exists", "field": "tag_name"}]})
                self._gh_published(release, data.get("make_latest", "true"))
            elif not release["draft"] and data.get("make_latest") == "true":
                self._gh_published(release, "true")
            return Reply(200, self._gh_release_json(release))
        if method == "DELETE":
            if self.immutable and not release["draft"]:
                raise _HTTPError(422, {"message": "Cannot delete an immutable release."})
            self.releases.pop(release["id"])
            return Reply(204)
        raise _HTTPError(404, {"message": "Not Found", "status": "404"})

    def _gh_published(self, release: dict[str, Any], make_latest: str) -> None:
        release["published_at"] = _now()
        release["immutable"] = self.immutable
        repo = self.repos[release["_repo"]]
        if release["prerelease"] or make_latest == "false":
            return
        if make_latest == "legacy":
            candidates = [r for r in self.releases.values()
                          if r["_repo"] == release["_repo"] and not r["draft"] and not r["prerelease"]]
            repo["_latest"] = max(candidates, key=lambda r: r["_seq"])["id"]
            return
        repo["_latest"] = release["id"]

    def _gh_release_json(self, release: dict[str, Any]) -> dict[str, Any]:
        full, rid = release["_repo"], release["id"]
        api = f"{self.github_api}/repos/{full}/releases/{rid}"
        out = {k: v for k, v in release.items() if not k.startswith("_") and k != "assets"}
        out.update({
            "url": api, "assets_url": f"{api}/assets", "node_id": f"RE_{rid}",
            "upload_url": f"{self.url}{GITHUB_UPLOADS}/repos/{full}/releases/{rid}/assets{{?name,label}}",
            "html_url": f"{self.url}/{full}/releases/tag/{quote(release['tag_name'])}",
            "tarball_url": f"{self.github_api}/repos/{full}/tarball/{quote(release['tag_name'])}",
            "zipball_url": f"{self.github_api}/repos/{full}/zipball/{quote(release['tag_name'])}",
            "author": {"login": "releasekit-tester", "id": 1}, "immutable": bool(release.get("immutable")),
            "assets": [self._gh_asset_json(a) for a in release["assets"]],
        })
        return out

    def _gh_asset_json(self, asset: dict[str, Any]) -> dict[str, Any]:
        release = self.releases[asset["_release"]]
        out = {k: v for k, v in asset.items() if not k.startswith("_")}
        out.update({
            "url": f"{self.github_api}/repos/{release['_repo']}/releases/assets/{asset['id']}",
            "browser_download_url": f"{self.url}/{release['_repo']}/releases/download/"
                                    f"{quote(release['tag_name'])}/{quote(asset['name'])}",
            "node_id": f"RA_{asset['id']}", "uploader": {"login": "releasekit-tester", "id": 1},
        })
        return out

    def _gh_release_for_upload(self, parts: list[str]) -> dict[str, Any]:
        # parts: repos OWNER REPO releases ID assets
        if len(parts) != 6 or parts[0] != "repos" or parts[3] != "releases" or parts[5] != "assets" \
                or not parts[4].isdigit() or int(parts[4]) not in self.releases:
            raise _HTTPError(404, {"message": "Not Found"})
        release = self.releases[int(parts[4])]
        if release["_repo"] != f"{parts[1]}/{parts[2]}":
            raise _HTTPError(404, {"message": "Not Found"})
        return release

    def _gh_starter(self, parts: list[str], name: str, partial: bytes) -> None:
        try:
            release = self._gh_release_for_upload(parts[2:])
        except _HTTPError:
            return
        if not any(a["name"] == name for a in release["assets"]):
            release["assets"].append(self._gh_new_asset(release, name, partial, "starter", "application/octet-stream"))

    def _gh_new_asset(self, release: dict[str, Any], name: str, data: bytes, state: str, content_type: str,
                      label: str = "") -> dict[str, Any]:
        aid = next(self._ids)
        self.blobs[aid] = data
        return {"_release": release["id"], "id": aid, "name": name, "label": label, "state": state,
                "content_type": content_type, "size": len(data), "download_count": 0,
                "digest": f"sha256:{hashlib.sha256(data).hexdigest()}" if state == "uploaded" else None,
                "created_at": _now(), "updated_at": _now()}

    def _gh_upload(self, parts: list[str], query: dict[str, str], data: bytes, headers: dict[str, str],
                   writer: bool | None) -> Reply:
        self._gh_need_write(writer)
        release = self._gh_release_for_upload(parts)
        name = query.get("name")
        if not name:
            raise _HTTPError(422, {"message": "Validation Failed",
                                   "errors": [{"resource": "ReleaseAsset", "code": "missing_field", "field": "name"}]})
        if release.get("immutable"):
            raise _HTTPError(422, {"message": "Cannot upload assets to an immutable release."})
        if any(a["name"] == name for a in release["assets"]):
            raise _HTTPError(422, {"message": "Validation Failed",
                                   "errors": [{"resource": "ReleaseAsset", "code": "already_exists", "field": "name"}]})
        asset = self._gh_new_asset(release, name, data, "uploaded",
                                   headers.get("content-type", "application/octet-stream"), query.get("label", ""))
        release["assets"].append(asset)
        return Reply(201, self._gh_asset_json(asset))

    def _gh_asset(self, method: str, full: str, aid: int, headers: dict[str, str], writer: bool | None) -> Reply:
        for release in self.releases.values():
            for asset in release["assets"]:
                if asset["id"] == aid and release["_repo"] == full:
                    if method == "GET":
                        if "application/octet-stream" in headers.get("accept", ""):
                            return Reply(200, self.blobs[aid], "application/octet-stream")
                        return Reply(200, self._gh_asset_json(asset))
                    if method == "DELETE":
                        self._gh_need_write(writer)
                        if release.get("immutable"):
                            raise _HTTPError(422, {"message": "Cannot delete assets of an immutable release."})
                        release["assets"].remove(asset)
                        self.blobs.pop(aid, None)
                        return Reply(204)
        raise _HTTPError(404, {"message": "Not Found", "status": "404"})

    def _gh_browser_download(self, parts: list[str]) -> Reply:
        full = f"{parts[0]}/{parts[1]}"
        for release in self.releases.values():
            if release["_repo"] == full and release["tag_name"] == parts[4] and not release["draft"]:
                for asset in release["assets"]:
                    if asset["name"] == "/".join(parts[5:]) and asset["state"] == "uploaded":
                        return Reply(200, self.blobs[asset["id"]], "application/octet-stream")
        raise _HTTPError(404, {"message": "Not Found"})

    # --- paging (both forges: per_page, page, a Link header) ----------------------------------

    def _page(self, items: list[Any], query: dict[str, str], url: str, render: Any, default: int) -> Reply:
        per_page = max(1, min(100, int(query.get("per_page", default))))
        page = max(1, int(query.get("page", 1)))
        chunk = items[(page - 1) * per_page: page * per_page]
        headers = {"X-Total": str(len(items)), "X-Page": str(page), "X-Per-Page": str(per_page)}
        pages = max(1, -(-len(items) // per_page))
        links = []
        keep = {k: v for k, v in query.items() if k not in ("page", "per_page")}
        if page < pages:
            headers["X-Next-Page"] = str(page + 1)
            links.append(f'<{url}?{urlencode({**keep, "per_page": per_page, "page": page + 1})}>; rel="next"')
        links.append(f'<{url}?{urlencode({**keep, "per_page": per_page, "page": pages})}>; rel="last"')
        headers["Link"] = ", ".join(links)
        headers["X-Total-Pages"] = str(pages)
        return Reply(200, [render(i) for i in chunk], headers=headers)

    # --- GitLab ----------------------------------------------------------------------------

    def _gitlab_user(self, headers: dict[str, str]) -> bool | None:
        token = headers.get("private-token") or ""
        if not token:
            scheme, _, bearer = headers.get("authorization", "").partition(" ")
            token = bearer if scheme.lower() == "bearer" else ""
        if not token:
            return None
        if token not in self.tokens:
            raise _HTTPError(401, {"message": "401 Unauthorized"})
        return self.tokens[token]

    def _gl_need_write(self, writer: bool | None) -> None:
        if writer is None:
            raise _HTTPError(401, {"message": "401 Unauthorized"})
        if not writer:
            raise _HTTPError(403, {"message": "403 Forbidden"})

    def _gl_project(self, ident: str) -> dict[str, Any]:
        for project in self.projects.values():
            if ident in (project["path_with_namespace"], str(project["id"])):
                return project
        raise _HTTPError(404, {"message": "404 Project Not Found"})

    def _gitlab(self, method: str, path: str, query: dict[str, str], data: dict[str, Any], raw: bytes,
                writer: bool | None) -> Reply:
        # path keeps its %2F: /projects/group%2Fproject/releases/v1.0
        encoded = [p for p in path.split("/") if p]
        parts = [unquote(p) for p in encoded]
        if len(parts) < 2 or parts[0] != "projects":
            raise _HTTPError(404, {"message": "404 Not Found"})
        project = self._gl_project(parts[1])
        pid, rest = project["id"], parts[2:]
        base = f"{self.gitlab_api}/projects/{pid}"
        if not rest and method == "GET":
            out = dict(project, web_url=f"{self.url}/{project['path_with_namespace']}")
            level = 40 if writer else 20 if writer is not None else None
            out["permissions"] = {"project_access": {"access_level": level, "notification_level": 3} if level else None,
                                  "group_access": None}
            return Reply(200, out)
        if rest[:1] == ["releases"]:
            return self._gl_releases(method, project, rest[1:], query, data, writer, base)
        if rest[:2] == ["packages", "generic"] and len(rest) == 5:
            return self._gl_generic(method, project, rest[2], rest[3], rest[4], query, raw, writer)
        if rest == ["packages"] and method == "GET":
            wanted_type, wanted_name = query.get("package_type"), query.get("package_name")
            found = [p for p in self.packages.values() if p["project_id"] == pid
                     and (not wanted_type or p["package_type"] == wanted_type)
                     and (not wanted_name or wanted_name in p["name"])]  # GitLab's filter matches partially
            return self._page(found, query, f"{base}/packages",
                              lambda p: {k: v for k, v in p.items() if k != "files"}, 20)
        if len(rest) >= 3 and rest[0] == "packages" and rest[1].isdigit() and rest[2] == "package_files":
            package = self.packages.get(int(rest[1]))
            if package is None or package["project_id"] != pid:
                raise _HTTPError(404, {"message": "404 Package Not Found"})
            if len(rest) == 3 and method == "GET":
                return self._page(package["files"], query, f"{base}/packages/{package['id']}/package_files",
                                  dict, 20)
            if len(rest) == 4 and method == "DELETE":
                self._gl_need_write(writer)
                for f in package["files"]:
                    if str(f["id"]) == rest[3]:
                        package["files"].remove(f)
                        self.package_blobs.pop(f["id"], None)
                        return Reply(204)
                raise _HTTPError(404, {"message": "404 Not found"})
        raise _HTTPError(404, {"message": "404 Not Found"})

    def _gl_release_json(self, release: dict[str, Any], base: str) -> dict[str, Any]:
        out = {k: v for k, v in release.items() if not k.startswith("_")}
        released = release["released_at"]
        out["upcoming_release"] = released > _now()
        out["historical_release"] = released < release["created_at"]
        out["assets"] = {"count": len(release["_links"]), "sources": [], "links": [dict(link) for link in release["_links"]]}
        out["_links"] = {"self": f"{self.url}/{release['_project']}/-/releases/{quote(release['tag_name'])}"}
        return out

    def _gl_releases(self, method: str, project: dict[str, Any], rest: list[str], query: dict[str, str],
                     data: dict[str, Any], writer: bool | None, base: str) -> Reply:
        pid = project["id"]
        if not rest:
            if method == "GET":
                mine = sorted((r for (p, _), r in self.gl_releases.items() if p == pid),
                              key=lambda r: r["released_at"], reverse=query.get("sort", "desc") == "desc")
                return self._page(mine, query, f"{base}/releases", lambda r: self._gl_release_json(r, base), 20)
            if method == "POST":
                self._gl_need_write(writer)
                tag = data.get("tag_name")
                if not tag:
                    raise _HTTPError(400, {"error": "tag_name is missing"})
                if (pid, tag) in self.gl_releases:
                    raise _HTTPError(409, {"message": "Release already exists"})
                now = _now()
                release = {"_project": project["path_with_namespace"], "tag_name": tag, "name": data.get("name") or tag,
                           "description": data.get("description") or "", "created_at": now,
                           "released_at": data.get("released_at") or now, "author": {"username": "releasekit-tester"},
                           "commit": {"id": "0" * 40}, "_links": []}
                links = ((data.get("assets") or {}).get("links") or [])
                for link in links:
                    self._gl_add_link(release, link)
                self.gl_releases[(pid, tag)] = release
                return Reply(201, self._gl_release_json(release, base))
            raise _HTTPError(405, {"message": "405 Method Not Allowed"})
        tag = rest[0]
        found = self.gl_releases.get((pid, tag))
        if found is None:
            raise _HTTPError(404, {"message": "404 Not Found"})
        release = found
        if len(rest) == 1:
            if method == "GET":
                return Reply(200, self._gl_release_json(release, base))
            self._gl_need_write(writer)
            if method == "PUT":
                for key in ("name", "description", "released_at"):
                    if key in data:
                        release[key] = data[key]
                return Reply(200, self._gl_release_json(release, base))
            if method == "DELETE":
                self.gl_releases.pop((pid, tag))
                return Reply(200, self._gl_release_json(release, base))
        if rest[1:3] == ["assets", "links"]:
            if len(rest) == 3 and method == "GET":
                return self._page(release["_links"], query, f"{base}/releases/{quote(tag)}/assets/links", dict, 20)
            if len(rest) == 3 and method == "POST":
                self._gl_need_write(writer)
                return Reply(201, self._gl_add_link(release, data))
            if len(rest) == 4 and method == "DELETE":
                self._gl_need_write(writer)
                for link in release["_links"]:
                    if str(link["id"]) == rest[3]:
                        release["_links"].remove(link)
                        return Reply(200, link)
                raise _HTTPError(404, {"message": "404 Not found"})
        raise _HTTPError(404, {"message": "404 Not Found"})

    def _gl_add_link(self, release: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
        name, url = data.get("name"), data.get("url")
        if not name or not url:
            raise _HTTPError(400, {"error": "name is missing" if not name else "url is missing"})
        if any(link["name"] == name for link in release["_links"]):
            raise _HTTPError(400, {"message": {"name": ["has already been taken"]}})
        if any(link["url"] == url for link in release["_links"]):
            raise _HTTPError(400, {"message": {"url": ["has already been taken"]}})
        path = data.get("direct_asset_path") or data.get("filepath")
        link = {"id": next(self._ids), "name": name, "url": url, "link_type": data.get("link_type") or "other",
                "direct_asset_url": (f"{self.url}/{release['_project']}/-/releases/{quote(release['tag_name'])}"
                                     f"/downloads{path}") if path else url}
        release["_links"].append(link)
        return link

    def _gl_generic(self, method: str, project: dict[str, Any], name: str, version: str, file_name: str,
                    query: dict[str, str], raw: bytes, writer: bool | None) -> Reply:
        pid = project["id"]
        package = next((p for p in self.packages.values() if p["project_id"] == pid and p["name"] == name
                        and p["version"] == version and p["package_type"] == "generic"), None)
        if method == "GET":
            files = [f for f in (package or {"files": []})["files"] if f["file_name"] == file_name]
            if not files:
                raise _HTTPError(404, {"message": "404 Package Not Found"})
            return Reply(200, self.package_blobs[files[-1]["id"]], "application/octet-stream")
        if method != "PUT":
            raise _HTTPError(405, {"message": "405 Method Not Allowed"})
        self._gl_need_write(writer)
        if package is None:
            package = {"id": next(self._ids), "project_id": pid, "name": name, "version": version,
                       "package_type": "generic", "status": "default", "created_at": _now(), "files": []}
            self.packages[package["id"]] = package
        fid = next(self._ids)
        self.package_blobs[fid] = raw
        entry = {"id": fid, "package_id": package["id"], "created_at": _now(), "updated_at": _now(),
                 "file_name": file_name, "size": len(raw), "file_store": 1,
                 "file_md5": hashlib.md5(raw).hexdigest(), "file_sha1": hashlib.sha1(raw).hexdigest(),
                 "file_sha256": hashlib.sha256(raw).hexdigest()}
        package["files"].append(entry)  # GitLab keeps duplicates of a file name by default
        if query.get("select") == "package_file":
            return Reply(201, dict(entry))
        return Reply(201, {"message": "201 Created"})


# --- a process of its own (the demo) -------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="fake GitHub/GitLab release API for tests and the demo")
    parser.add_argument("--github-repo", action="append", default=[], help="OWNER/REPO (repeatable)")
    parser.add_argument("--gitlab-project", action="append", default=[], help="GROUP/PROJECT (repeatable)")
    parser.add_argument("--token", action="append", default=[], help="a token that may write (repeatable)")
    args = parser.parse_args(argv)
    fake = FakeForge()
    fake.tokens.update({t: True for t in args.token})
    for repo in args.github_repo:
        fake.add_github_repo(repo)
    for project in args.gitlab_project:
        fake.add_gitlab_project(project)
    fake.start()
    print(f"PORT={fake.url.rsplit(':', 1)[1]}", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    stop.wait()
    fake.stop()


# --- pytest fixtures -------------------------------------------------------------------------------

GITHUB_REPO = "octo-org/sampleproj"
GITLAB_PROJECT = "group/subgroup/sampleproj"


@pytest.fixture
def fake_forge() -> Iterator[FakeForge]:
    """A fresh fake forge (a thread, started in milliseconds) with ``GITHUB_REPO`` and ``GITLAB_PROJECT``."""
    with FakeForge() as fake:
        fake.add_github_repo(GITHUB_REPO).add_gitlab_project(GITLAB_PROJECT)
        yield fake


if __name__ == "__main__":
    main()
