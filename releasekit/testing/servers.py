"""Real package indexes on loopback ports: pypiserver and devpi-server.

pypiserver is small and fast (PEP 503 HTML pages only); devpi-server behaves
more like the public index (PEP 691 JSON, identical re-uploads accepted,
different ones refused). Both run as child processes of the test session,
listen on 127.0.0.1 only, and are stopped by their own pid.

Use the fixtures (``pypiserver``, ``pypiserver_auth``, ``devpi``) by importing
them into a test module or conftest; they are session-scoped, so tests keep
independent by using package names of their own.
"""

from __future__ import annotations

import base64
import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

START_TIMEOUT = 60.0
PORT_ATTEMPTS = 3
_PORT_TAKEN = b"ddress already in use"  # "Address already in use" / "[Errno 98] address already in use"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _bin(name: str) -> str:
    """A console script of the interpreter running the tests."""
    path = Path(sys.executable).parent / name
    if not path.exists():
        pytest.skip(f"{name} is not installed next to {sys.executable}")
    return str(path)


def _request(
    url: str, *, method: str = "GET", data: dict | None = None, auth: tuple[str, str] | None = None
):
    body = json.dumps(data).encode() if data is not None else None
    req = urllib.request.Request(url, data=body, method=method)
    req.add_header("Accept", "application/json")
    if body is not None:
        req.add_header("Content-Type", "application/json")
    if auth:
        req.add_header(
            "Authorization", "Basic " + base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
        )
    with urllib.request.urlopen(req, timeout=10) as resp:
        return resp.status, resp.read()


class _Process:
    """A server child process with its log file; waits for an URL to answer."""

    name = "server"

    def __init__(self, workdir: Path) -> None:
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.proc: subprocess.Popen | None = None
        self.log_path = self.workdir / f"{self.name}.log"

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc else None

    def _spawn(self, command: Callable[[], tuple[list[str], str]]) -> None:
        """Start ``command()`` (argv and the URL that answers once it is up, both built from
        ``self.port``). The port was free when chosen, but another process may take it before
        the child binds it: then a new port is chosen and the child started again."""
        for attempt in range(PORT_ATTEMPTS):
            argv, ready_url = command()
            if self._start_and_wait(argv, ready_url):
                return
            if attempt + 1 < PORT_ATTEMPTS:
                self.port = free_port()
        raise RuntimeError(f"{self.name} found its port taken {PORT_ATTEMPTS} times: {self.log_tail()}")

    def _start_and_wait(self, argv: list[str], ready_url: str) -> bool:
        """True once the child answers; False if it died because its port was taken."""
        start = self.log_path.stat().st_size if self.log_path.exists() else 0
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
            )
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if self.proc.poll() is not None:
                if _PORT_TAKEN in self.log_path.read_bytes()[start:]:
                    return False
                raise RuntimeError(
                    f"{self.name} exited with {self.proc.returncode}: {self.log_tail()}"
                )
            try:
                _request(ready_url)
                return True
            except urllib.error.HTTPError:
                return True  # it answers: any HTTP status will do
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(
                    f"{self.name} did not answer {ready_url} within {START_TIMEOUT}s: {self.log_tail()}"
                )
            time.sleep(0.05)

    def log_tail(self, lines: int = 15) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> None:
        """Terminate the child by its pid; kill it if it does not go."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


HTPASSWD_SCHEMES = ("bcrypt", "sha256_crypt")


def write_htpasswd(path: Path, users: dict[str, str], scheme: str = "sha256_crypt") -> Path:
    """An Apache htpasswd file hashed with passlib: ``bcrypt`` (what ``htpasswd -B`` writes) or
    ``sha256_crypt``."""
    if scheme not in HTPASSWD_SCHEMES:
        raise ValueError(f"unknown htpasswd scheme {scheme!r}: use one of {', '.join(HTPASSWD_SCHEMES)}")
    with warnings.catch_warnings():  # passlib imports the deprecated crypt module
        warnings.simplefilter("ignore", DeprecationWarning)
        from passlib import hash as passlib_hash

    hasher = getattr(passlib_hash, scheme)
    lines = [f"{user}:{hasher.hash(password)}" for user, password in users.items()]
    Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return Path(path)


def pypiserver_program() -> list[str]:
    """The ``pypi-server`` program of the running interpreter's environment (the console script
    when it is installed, else the same entry point through ``-m``)."""
    script = Path(sys.executable).parent / "pypi-server"
    return [str(script)] if script.exists() else [sys.executable, "-m", "pypiserver"]


class PypiServer(_Process):
    """``pypi-server run`` on 127.0.0.1 serving the files in ``.dir``.

    Without ``auth`` anyone may upload (any username/password is accepted);
    with ``auth=(user, password)`` uploads need exactly those credentials.
    Files copied into ``.dir`` appear on the next request, which is how a test
    simulates an index that lags behind.
    """

    name = "pypiserver"

    def __init__(self, workdir: Path, *, auth: tuple[str, str] | None = None, bind: str = "127.0.0.1",
                 address: str | None = None, scheme: str = "sha256_crypt", port: int | None = None) -> None:
        """``bind`` is the interface to listen on ("0.0.0.0" to serve other network namespaces) and
        ``address`` the one clients use in URLs (default: 127.0.0.1); ``scheme`` hashes the htpasswd
        file; ``port`` asks for a port (a restarted server keeps its URL), else a free one is chosen."""
        super().__init__(workdir)
        if port is not None:
            self.port = port
        self.auth = auth
        self.scheme = scheme
        self.bind = bind
        self.address = address or "127.0.0.1"
        self.dir = self.workdir / "packages"
        self.dir.mkdir(exist_ok=True)

    @property
    def url(self) -> str:
        return f"http://{self.address}:{self.port}/"

    @property
    def upload_url(self) -> str:
        return self.url

    @property
    def simple_url(self) -> str:
        return f"{self.url}simple/"

    def start(self) -> PypiServer:
        if self.auth:
            htpasswd = write_htpasswd(self.workdir / "htpasswd", {self.auth[0]: self.auth[1]}, self.scheme)
            access = ["-P", str(htpasswd), "-a", "update"]
        else:
            access = ["-P", ".", "-a", "."]

        def command() -> tuple[list[str], str]:
            # -v logs every request to the log file: tests can see when a client asked for a page.
            argv = [*pypiserver_program(), "run", "-v", "-p", str(self.port), "-i", self.bind]
            return [*argv, *access, "--disable-fallback", str(self.dir)], self.simple_url

        self._spawn(command)
        return self

    @property
    def username(self) -> str:
        return self.auth[0] if self.auth else "anyone"

    @property
    def password(self) -> str:
        return self.auth[1] if self.auth else "anything"


class IndexProxy:
    """An HTTP proxy on loopback in front of a real index, for tests that make the index misbehave
    as a hosted one does. A subclass answers some requests itself (``intercept``) or acts once one
    went through (``forwarded``). While the index is down, the proxy drops each connection, as a dead
    host would; the index may come back on the same port."""

    _HOP_BY_HOP = ("connection", "transfer-encoding", "content-length", "server", "date")

    def __init__(self, index: PypiServer) -> None:
        import http.server
        import threading

        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _forward(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if not proxy.intercept(self, body):
                    proxy._pass_on(self, index, body)

            do_GET = do_POST = do_HEAD = _forward

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def intercept(self, handler, body: bytes) -> bool:
        """Answer the request here instead of the index; True when it did."""
        return False

    def forwarded(self, handler) -> None:
        """Called after the index answered a request, before the answer goes back."""

    def _pass_on(self, handler, index: PypiServer, body: bytes) -> None:
        import http.client

        headers = {k: v for k, v in handler.headers.items() if k.lower() not in ("connection", "keep-alive")}
        try:
            upstream = http.client.HTTPConnection("127.0.0.1", index.port, timeout=60)
            upstream.request(handler.command, handler.path, body=body or None, headers=headers)
            answer = upstream.getresponse()
            data = answer.read()
            upstream.close()
        except OSError:  # the index is down: so is the proxy
            handler.close_connection = True
            handler.connection.shutdown(socket.SHUT_RDWR)
            return
        self.forwarded(handler)
        handler.send_response(answer.status)
        for key, value in answer.getheaders():
            if key.lower() not in self._HOP_BY_HOP:
                handler.send_header(key, value)
        # A HEAD answer has no body but tells the size of the one a GET would get.
        size = answer.getheader("Content-Length") if handler.command == "HEAD" else None
        handler.send_header("Content-Length", size or str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class DevpiServer(_Process):
    """devpi-server on 127.0.0.1 with one user and one non-volatile index.

    A non-volatile index refuses to replace a file (409) but accepts a
    byte-identical re-upload, as the public index does. Start-up uses cheap
    argon2 settings: secure enough for a throwaway server, 7 s faster.
    """

    name = "devpi"

    def __init__(
        self,
        workdir: Path,
        *,
        user: str = "releasekit",
        password: str = "devpi-test-password",
        index: str = "dev",
    ) -> None:
        super().__init__(workdir)
        self.serverdir = self.workdir / "serverdir"
        self.username = user
        self.password = password
        self.index = index

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    @property
    def upload_url(self) -> str:
        return f"{self.url}{self.username}/{self.index}/"

    @property
    def simple_url(self) -> str:
        return f"{self.upload_url}+simple/"

    def start(self) -> DevpiServer:
        init = [_bin("devpi-init"), "--serverdir", str(self.serverdir), "--no-root-pypi"]
        with open(self.log_path, "ab") as log:
            subprocess.run(
                init,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                check=True,
                timeout=120,
            )
        def command() -> tuple[list[str], str]:
            argv = [
                _bin("devpi-server"),
                "--serverdir", str(self.serverdir),
                "--host", "127.0.0.1",
                "--port", str(self.port),
                "--argon2-time-cost", "1",
                "--argon2-memory-cost", "8",
                "--argon2-parallelism", "1",
            ]  # fmt: skip
            return argv, f"{self.url}+api"

        self._spawn(command)
        try:
            self.create_index(self.index)
        except BaseException:
            self.stop()
            raise
        return self

    @property
    def auth(self) -> tuple[str, str]:
        return (self.username, self.password)

    def create_index(self, index: str, *, volatile: bool = False) -> str:
        """Create the user (once) and an index; return the index's upload URL."""
        auth = self.auth
        try:
            _request(
                f"{self.url}{self.username}",
                method="PUT",
                data={"password": self.password, "email": "tests@example.invalid"},
            )
        except urllib.error.HTTPError as exc:
            if exc.code != 409:  # 409: the user exists already
                raise
        _request(
            f"{self.url}{self.username}/{index}",
            method="PUT",
            data={"volatile": volatile, "bases": []},
            auth=auth,
        )
        return f"{self.url}{self.username}/{index}/"


@pytest.fixture(scope="session")
def pypiserver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PypiServer]:
    """A pypiserver that accepts any credentials."""
    with PypiServer(tmp_path_factory.mktemp("pypiserver")).start() as server:
        yield server


@pytest.fixture(scope="session")
def pypiserver_auth(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PypiServer]:
    """A pypiserver whose uploads need ``server.auth`` (listing and download stay open)."""
    auth = ("uploader", "s3cret-upload-pw")
    with PypiServer(tmp_path_factory.mktemp("pypiserver-auth"), auth=auth).start() as server:
        yield server


@pytest.fixture(scope="session")
def devpi(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevpiServer]:
    """A devpi-server with user ``devpi.username`` and a non-volatile index."""
    with DevpiServer(tmp_path_factory.mktemp("devpi")).start() as server:
        yield server
