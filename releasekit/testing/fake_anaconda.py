"""A small fake of anaconda.org's API (control plane only) for tests.

It answers exactly the calls anaconda-client 1.16 (``anaconda upload``,
``copy``, ``move``) and rattler-build's uploader make -- ``HEAD /``, users,
packages, releases, dists, ``POST /stage`` then an S3-style multipart POST
then ``POST /commit``, label (channel) changes and label copies -- and records
every call as ``(method, path)`` so tests can assert the sequence. Its data
plane is real: committed files land in a channel folder per owner
(``ROOT/OWNER`` for the ``main`` label, ``ROOT/OWNER/label/NAME`` for others),
indexed with py-rattler, so a real solver can install from it.

Re-uploading a file is refused with 409, as the real service does. Writes
need a token belonging to the owner.

The service (:class:`FakeAnaconda`) runs in a child process
(:class:`FakeAnacondaProcess`, ``python -m releasekit.testing.fake_anaconda``)
stopped by its pid: py-rattler-build's uploader holds the GIL while waiting
for answers, so a server thread in the test process could never reply to it.
Tests read the recorded calls and files over ``/_fake/...`` endpoints.
Fixtures: ``fake_anaconda`` (fresh per test) and ``anaconda_client_config``.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
import yaml

from releasekit.adapters import channel

API = "/api"


@dataclass
class Reply:
    status: int
    body: Any = None
    content_type: str = "application/json"


@dataclass
class _Stage:
    owner: str
    name: str
    version: str
    basename: str
    sha256: str | None
    labels: list[str]
    attrs: dict
    data: bytes | None = None


@dataclass
class FakeAnaconda:
    """The fake service. ``users`` maps each login to its API token."""

    root: Path
    users: dict[str, str] = field(default_factory=dict)
    calls: list[tuple[str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.root = Path(self.root)
        self.packages: dict[tuple[str, str], dict] = {}
        self.releases: dict[tuple[str, str, str], dict] = {}
        self.dists: dict[tuple[str, str, str, str], dict] = {}
        self.stages: dict[str, _Stage] = {}
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle -------------------------------------------------------------------------

    def start(self) -> FakeAnaconda:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # keep test output quiet
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                reply = fake.dispatch(self.command, self.path, dict(self.headers.items()), body)
                payload = b""
                if reply.body is not None:
                    payload = (
                        reply.body
                        if isinstance(reply.body, bytes)
                        else json.dumps(reply.body).encode()
                    )
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.content_type)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(payload)

            do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeAnaconda:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    # --- addresses -------------------------------------------------------------------------

    @property
    def port(self) -> int:
        assert self._server is not None, "start() the fake first"
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        return self.url + API

    # --- dispatch --------------------------------------------------------------------------

    def dispatch(self, method: str, raw_path: str, headers: dict[str, str], body: bytes) -> Reply:
        path = urlsplit(raw_path).path
        parts = [unquote(p) for p in path.split("/") if p]
        with self._lock:
            if parts[:1] == ["_fake"]:
                return self._control(method, parts[1:])
            self.calls.append((method, unquote(path)))
            try:
                if parts[:1] == ["s3"] and method == "POST":
                    return self._s3_post(headers, body)
                if parts[:1] != [API.strip("/")]:
                    return Reply(404, {"error": "not found"})
                token_user = self._token_user(headers)
                data = json.loads(body) if body and body.strip()[:1] in (b"{", b"[") else {}
                return self._api(method, parts[1:], token_user, data)
            except _HTTPError as err:
                return Reply(err.status, {"error": err.message})

    def _control(self, method: str, parts: list[str]) -> Reply:
        """Test-side inspection; not recorded as calls."""
        if parts == ["calls"] and method == "GET":
            return Reply(200, [list(c) for c in self.calls])
        if parts == ["reset"] and method == "POST":
            self.calls.clear()
            return Reply(200, {})
        if parts == ["dists"] and method == "GET":
            return Reply(200, [{"key": list(k), **d} for k, d in self.dists.items()])
        return Reply(404, {"error": "unknown control endpoint"})

    def _token_user(self, headers: dict[str, str]) -> str | None:
        auth = {k.lower(): v for k, v in headers.items()}.get("authorization", "")
        scheme, _, token = auth.partition(" ")
        if scheme.lower() not in ("token", "bearer") or not token:
            return None
        for login, known in self.users.items():
            if known == token.strip():
                return login
        raise _HTTPError(401, "invalid token")

    def _need_owner(self, token_user: str | None, owner: str) -> None:
        if token_user is None:
            raise _HTTPError(401, "authentication required")
        if token_user != owner:
            raise _HTTPError(403, f"{token_user} may not write to {owner}")

    def _api(self, method: str, parts: list[str], user: str | None, data: dict) -> Reply:
        if not parts:
            return Reply(200, {"ok": 1})
        head, rest = parts[0], parts[1:]
        if head == "user":
            return self._user(method, rest, user)
        if head == "package" and len(rest) == 2:
            return self._package(method, rest[0], rest[1], user, data)
        if head == "release" and len(rest) == 3:
            return self._release(method, rest[0], rest[1], rest[2], user, data)
        if head in ("dist", "stage", "commit") and len(rest) >= 4:
            owner, name, version = rest[:3]
            basename = "/".join(rest[3:])
            handler = {"dist": self._dist, "stage": self._stage, "commit": self._commit}[head]
            return handler(method, owner, name, version, basename, user, data)
        if head == "channels" and len(rest) == 1 and method == "GET":
            return self._list_labels(rest[0])
        if head == "channels" and len(rest) == 2 and method in ("POST", "DELETE"):
            return self._label_files(method, rest[0], rest[1], user, data)
        if (
            head == "copy"
            and rest[:1] == ["package"]
            and len(rest) >= 4
            and method in ("POST", "PUT", "PATCH")
        ):
            owner, name, version = rest[1:4]
            return self._copy(owner, name, version, "/".join(rest[4:]), user, data)
        raise _HTTPError(404, f"no such endpoint: {method} /{'/'.join(parts)}")

    # --- users, packages, releases -----------------------------------------------------------

    def _user(self, method: str, rest: list[str], user: str | None) -> Reply:
        if method != "GET":
            raise _HTTPError(405, "method not allowed")
        login = rest[0] if rest else user
        if login is None:
            raise _HTTPError(401, "authentication required")
        if login not in self.users:
            raise _HTTPError(404, f"user {login} does not exist")
        return Reply(200, {"login": login, "name": login, "user_type": "user"})

    def _package_json(self, owner: str, name: str) -> dict:
        pkg = dict(self.packages[(owner, name)])
        pkg["files"] = [d for (o, n, _, _), d in self.dists.items() if (o, n) == (owner, name)]
        pkg["releases"] = [{"version": v} for (o, n, v) in self.releases if (o, n) == (owner, name)]
        pkg["versions"] = [r["version"] for r in pkg["releases"]]
        return pkg

    def _package(self, method: str, owner: str, name: str, user: str | None, data: dict) -> Reply:
        key = (owner, name)
        if method == "GET":
            if key not in self.packages:
                raise _HTTPError(404, f"package {owner}/{name} does not exist")
            return Reply(200, self._package_json(owner, name))
        self._need_owner(user, owner)
        if method == "POST":
            if key in self.packages:
                raise _HTTPError(409, f"package {owner}/{name} exists")
            attrs = data.get("public_attrs") or {}
            self.packages[key] = {
                "name": name,
                "owner": {"login": owner},
                "full_name": f"{owner}/{name}",
                "public": bool(data.get("public", True)),
                "summary": attrs.get("summary"),
                "package_types": list(attrs.get("package_types") or ["conda"]),
                "public_attrs": attrs,
            }
            return Reply(200, self._package_json(owner, name))
        if key not in self.packages:
            raise _HTTPError(404, f"package {owner}/{name} does not exist")
        if method == "PATCH":
            self.packages[key]["public_attrs"].update(data.get("public_attrs") or {})
            return Reply(200, self._package_json(owner, name))
        if method == "DELETE":
            for dist_key in [k for k in self.dists if k[:2] == key]:
                self._drop_dist(dist_key)
            self.packages.pop(key, None)
            for rel in [k for k in self.releases if k[:2] == key]:
                self.releases.pop(rel)
            return Reply(201, {})
        raise _HTTPError(405, "method not allowed")

    def _release_json(self, key: tuple[str, str, str]) -> dict:
        rel = dict(self.releases[key])
        rel["distributions"] = [d for k, d in self.dists.items() if k[:3] == key]
        return rel

    def _release(
        self, method: str, owner: str, name: str, version: str, user: str | None, data: dict
    ) -> Reply:
        key = (owner, name, version)
        if method == "GET":
            if key not in self.releases:
                raise _HTTPError(404, f"release {owner}/{name}/{version} does not exist")
            return Reply(200, self._release_json(key))
        self._need_owner(user, owner)
        if (owner, name) not in self.packages:
            raise _HTTPError(404, f"package {owner}/{name} does not exist")
        if method == "POST":
            if key in self.releases:
                raise _HTTPError(409, f"release {owner}/{name}/{version} exists")
            self.releases[key] = {
                "version": version,
                "full_name": f"{owner}/{name}/{version}",
                "public_attrs": data,
            }
            return Reply(200, self._release_json(key))
        if key not in self.releases:
            raise _HTTPError(404, f"release {owner}/{name}/{version} does not exist")
        if method == "PATCH":
            self.releases[key]["public_attrs"].update(data.get("public_attrs") or {})
            return Reply(200, self._release_json(key))
        if method == "DELETE":
            for dist_key in [k for k in self.dists if k[:3] == key]:
                self._drop_dist(dist_key)
            self.releases.pop(key)
            return Reply(201, {})
        raise _HTTPError(405, "method not allowed")

    # --- files -----------------------------------------------------------------------------

    def _dist(
        self,
        method: str,
        owner: str,
        name: str,
        version: str,
        basename: str,
        user: str | None,
        data: dict,
    ) -> Reply:
        key = (owner, name, version, basename)
        if key not in self.dists:
            raise _HTTPError(404, f"file {basename} does not exist in {owner}/{name}/{version}")
        if method == "GET":
            return Reply(200, self.dists[key])
        if method == "DELETE":
            self._need_owner(user, owner)
            dist = self._drop_dist(key)
            # like the real service: an empty release, then an empty package, goes away
            if not any(k[:3] == key[:3] for k in self.dists):
                self.releases.pop(key[:3], None)
                if not any(k[:2] == key[:2] for k in self.releases):
                    self.packages.pop(key[:2], None)
            return Reply(200, dist)
        raise _HTTPError(405, "method not allowed")

    def _stage(
        self,
        method: str,
        owner: str,
        name: str,
        version: str,
        basename: str,
        user: str | None,
        data: dict,
    ) -> Reply:
        if method != "POST":
            raise _HTTPError(405, "method not allowed")
        self._need_owner(user, owner)
        if (owner, name, version) not in self.releases:
            raise _HTTPError(404, f"release {owner}/{name}/{version} does not exist")
        if (owner, name, version, basename) in self.dists:
            raise _HTTPError(
                409, f"file {basename} already exists for package {name} version {version}"
            )
        dist_id = uuid.uuid4().hex
        labels = [str(c) for c in (data.get("channels") or ["main"])]
        self.stages[dist_id] = _Stage(
            owner, name, version, basename, data.get("sha256"), labels, data.get("attrs") or {}
        )
        form = {
            "key": dist_id,
            "acl": "private",
            "success_action_status": "201",
            "policy": "fake",
            "signature": "fake",
        }
        return Reply(
            200, {"post_url": f"{self.url}/s3/upload", "form_data": form, "dist_id": dist_id}
        )

    def _s3_post(self, headers: dict[str, str], body: bytes) -> Reply:
        content_type = {k.lower(): v for k, v in headers.items()}.get("content-type", "")
        fields = _parse_multipart(content_type, body)
        stage = self.stages.get(fields.get("key", b"").decode())
        if stage is None or "file" not in fields:
            return Reply(400, b"<Error><Code>InvalidArgument</Code></Error>", "application/xml")
        data = fields["file"]
        md5 = base64.b64encode(hashlib.md5(data).digest()).decode()
        if fields.get("Content-MD5", b"").decode() != md5:
            return Reply(400, b"<Error><Code>InvalidDigest</Code></Error>", "application/xml")
        stage.data = data
        return Reply(201, b"<PostResponse><Key>upload</Key></PostResponse>", "application/xml")

    def _commit(
        self,
        method: str,
        owner: str,
        name: str,
        version: str,
        basename: str,
        user: str | None,
        data: dict,
    ) -> Reply:
        if method != "POST":
            raise _HTTPError(405, "method not allowed")
        self._need_owner(user, owner)
        stage = self.stages.pop(str(data.get("dist_id")), None)
        if (
            stage is None
            or stage.data is None
            or (stage.owner, stage.name, stage.version, stage.basename)
            != (owner, name, version, basename)
        ):
            raise _HTTPError(400, "nothing staged for this file")
        sha256 = hashlib.sha256(stage.data).hexdigest()
        if stage.sha256 and stage.sha256 != sha256:
            raise _HTTPError(400, "the uploaded file does not match the staged sha256")
        store = self.root / "_store" / owner / name / version / basename
        store.parent.mkdir(parents=True, exist_ok=True)
        store.write_bytes(stage.data)
        key = (owner, name, version, basename)
        self.dists[key] = {
            "basename": basename,
            "version": version,
            "md5": hashlib.md5(stage.data).hexdigest(),
            "sha256": sha256,
            "size": len(stage.data),
            "labels": [],
            "attrs": stage.attrs,
            "distribution_type": "conda",
            "full_name": f"{owner}/{name}/{version}/{basename}",
            "upload_time": time.strftime("%Y-%m-%d %H:%M:%S"),
        }
        for label in stage.labels:
            self._add_label(key, label)
        return Reply(
            200,
            {"url": f"{self.url}/{owner}/{name}", "basename": basename, "dist_id": data["dist_id"]},
        )

    # --- labels ----------------------------------------------------------------------------

    def _list_labels(self, owner: str) -> Reply:
        labels: dict[str, dict] = {}
        for key, dist in self.dists.items():
            if key[0] == owner:
                for label in dist["labels"]:
                    labels.setdefault(label, {"num_files": 0})["num_files"] += 1
        return Reply(200, labels)

    def _matching(
        self, owner: str, name: str | None, version: str | None, basename: str | None
    ) -> list[tuple]:
        return [
            k
            for k in self.dists
            if k[0] == owner
            and (not name or k[1] == name)
            and (not version or k[2] == version)
            and (not basename or k[3] == basename)
        ]

    def _label_files(
        self, method: str, owner: str, label: str, user: str | None, data: dict
    ) -> Reply:
        self._need_owner(user, owner)
        keys = self._matching(owner, data.get("package"), data.get("version"), data.get("basename"))
        if not keys:
            raise _HTTPError(404, "no files match")
        for key in keys:
            (self._add_label if method == "POST" else self._remove_label)(key, label)
        return Reply(201, {})

    def _copy(
        self, owner: str, name: str, version: str, basename: str, user: str | None, data: dict
    ) -> Reply:
        to_owner = data.get("to_owner") or owner
        self._need_owner(user, to_owner)
        if to_owner != owner:
            raise _HTTPError(400, "the fake copies between labels of one owner only")
        from_label, to_label = data.get("from_channel") or "main", data.get("to_channel") or "main"
        copied = []
        for key in self._matching(owner, name, version, basename or None):
            if from_label in self.dists[key]["labels"]:
                self._add_label(key, to_label)
                copied.append(self.dists[key])
        return Reply(200, copied)

    def _add_label(self, key: tuple, label: str) -> None:
        dist = self.dists[key]
        if label not in dist["labels"]:
            dist["labels"].append(label)
        store = self.root / "_store" / key[0] / key[1] / key[2] / key[3]
        channel.upload([store], self.root / key[0], label, force=True)

    def _remove_label(self, key: tuple, label: str) -> None:
        dist = self.dists[key]
        if label in dist["labels"]:
            dist["labels"].remove(label)
            channel.remove([key[3]], self.root / key[0], label)

    def _drop_dist(self, key: tuple) -> dict:
        dist = self.dists[key]
        for label in list(dist["labels"]):
            self._remove_label(key, label)
        (self.root / "_store" / key[0] / key[1] / key[2] / key[3]).unlink(missing_ok=True)
        return self.dists.pop(key)


class _HTTPError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _parse_multipart(content_type: str, body: bytes) -> dict[str, bytes]:
    """Fields of a multipart/form-data body, byte-exact (the file part is binary)."""
    marker = "boundary="
    if marker not in content_type:
        return {}
    boundary = content_type.split(marker, 1)[1].split(";", maxsplit=1)[0].strip().strip('"').encode()
    fields: dict[str, bytes] = {}
    for part in body.split(b"--" + boundary):
        if part in (b"", b"--", b"--\r\n") or part.startswith(b"--"):
            continue
        part = part[2:] if part.startswith(b"\r\n") else part
        head, sep, value = part.partition(b"\r\n\r\n")
        if not sep:
            continue
        if value.endswith(b"\r\n"):
            value = value[:-2]
        name = None
        for line in head.decode("utf-8", "replace").split("\r\n"):
            if line.lower().startswith("content-disposition"):
                for item in line.split(";"):
                    key, _, val = item.strip().partition("=")
                    if key == "name":
                        name = val.strip('"')
        if name:
            fields[name] = value
    return fields


# --- running the fake in its own process ----------------------------------------------------------
#
# py-rattler-build's uploader keeps the GIL while it waits for HTTP answers, so
# a fake served from a thread of the same process would never answer it. The
# fixtures therefore run the fake as a child process and talk to it over HTTP.


class FakeAnacondaProcess:
    """Handle on a fake started with ``python -m releasekit.testing.fake_anaconda``."""

    def __init__(self, root: Path, users: dict[str, str]) -> None:
        self.root = Path(root)
        self.users = dict(users)
        self.proc: subprocess.Popen | None = None
        self.port = 0

    def start(self) -> FakeAnacondaProcess:
        self.root.mkdir(parents=True, exist_ok=True)
        argv = [sys.executable, "-m", "releasekit.testing.fake_anaconda", "--root", str(self.root)]
        for login, token in self.users.items():
            argv += ["--user", f"{login}={token}"]
        log = open(self.root / "fake-anaconda.log", "ab")
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=log, stdin=subprocess.DEVNULL)
        log.close()
        line = self.proc.stdout.readline().decode().strip() if self.proc.stdout else ""
        if not line.startswith("PORT="):
            self.stop()
            raise RuntimeError(f"the fake anaconda server did not start; see {self.root / 'fake-anaconda.log'}")
        self.port = int(line.split("=", 1)[1])
        return self

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        if self.proc is not None and self.proc.stdout:
            self.proc.stdout.close()
        self.proc = None

    def __enter__(self) -> FakeAnacondaProcess:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        return self.url + API

    def _control(self, method: str, what: str) -> Any:
        req = urllib.request.Request(f"{self.url}/_fake/{what}", method=method, data=b"" if method == "POST" else None)
        with urllib.request.urlopen(req, timeout=30) as resp:
            return json.loads(resp.read() or b"null")

    def calls(self) -> list[tuple[str, str]]:
        """Every API call so far as (method, path), in order."""
        return [tuple(c) for c in self._control("GET", "calls")]

    def reset_calls(self) -> None:
        self._control("POST", "reset")

    def dists(self) -> list[dict]:
        return self._control("GET", "dists")

    def labels_of(self, owner: str, name: str, version: str, basename: str) -> list[str]:
        for dist in self.dists():
            if dist["key"] == [owner, name, version, basename]:
                return dist["labels"]
        return []

    def channel_dir(self, owner: str, label: str = "main") -> Path:
        """The channel folder for an owner's label (a real, indexed conda channel)."""
        return channel.label_root(self.root / owner, label)

    def write_client_config(self, config_dir: Path) -> Path:
        """Write an anaconda-client config pointing at this fake; use it as BINSTAR_CONFIG_DIR."""
        config_dir = Path(config_dir)
        (config_dir / "data").mkdir(parents=True, exist_ok=True)
        (config_dir / "data" / "config.yaml").write_text(
            yaml.safe_dump({"url": self.api_url, "ssl_verify": False, "auto_register": True})
        )
        return config_dir


_RATTLER_UPLOAD = """
import json, sys
import rattler_build
a = json.loads(sys.argv[1])
try:
    rattler_build.upload_package_to_anaconda(
        a["files"], a["owner"], channel=a["labels"], api_key=a["token"], url=a["url"], force=a["force"]
    )
except Exception as exc:
    print(exc, file=sys.stderr)
    sys.exit(1)
"""


def upload_with_rattler_build(
    api_url: str, files: list[Path], owner: str, labels: list[str], token: str, *, force: bool = False
) -> subprocess.CompletedProcess:
    """Upload with py-rattler-build's anaconda uploader, in a child process (it holds the GIL
    while it waits, so an in-process fake could not answer it)."""
    args = {"files": [str(f) for f in files], "owner": owner, "labels": labels, "token": token, "url": api_url, "force": force}
    return subprocess.run(
        [sys.executable, "-c", _RATTLER_UPLOAD, json.dumps(args)], capture_output=True, text=True, timeout=300
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="fake anaconda.org API for tests")
    parser.add_argument("--root", required=True, help="folder for the channels and stored files")
    parser.add_argument("--user", action="append", default=[], help="LOGIN=TOKEN (repeatable)")
    args = parser.parse_args(argv)
    users = dict(u.split("=", 1) for u in args.user)
    fake = FakeAnaconda(Path(args.root), users=users).start()
    print(f"PORT={fake.port}", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    stop.wait()
    fake.stop()


# --- pytest fixtures -------------------------------------------------------------------------------

FAKE_USER = "releasekit-tester"
FAKE_TOKEN = "rk-0123456789abcdef"
OTHER_USER = "someone-else"
OTHER_TOKEN = "rk-fedcba9876543210"


@pytest.fixture
def fake_anaconda(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeAnacondaProcess]:
    """A fresh fake anaconda.org (a child process, ~1 s to start) for one test.

    Users: ``FAKE_USER`` with ``FAKE_TOKEN`` and ``OTHER_USER`` with ``OTHER_TOKEN``.
    """
    users = {FAKE_USER: FAKE_TOKEN, OTHER_USER: OTHER_TOKEN}
    with FakeAnacondaProcess(tmp_path_factory.mktemp("fake-anaconda"), users) as fake:
        yield fake


@pytest.fixture
def anaconda_client_config(fake_anaconda: FakeAnacondaProcess, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A BINSTAR_CONFIG_DIR whose config points anaconda-client at the fake."""
    return fake_anaconda.write_client_config(tmp_path_factory.mktemp("binstar-config"))


if __name__ == "__main__":
    main()
