"""Reading a package index the way pip does: its simple project page.

The simple page is what installers read, so "is this file on the index, with
which hash" is answered there, not by an upload API or a JSON API that can run
ahead of it. Plain urllib on purpose: no extra dependency in the core path.
"""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.parse
import urllib.request
from html.parser import HTMLParser
from http.client import HTTPException
from pathlib import Path
from typing import NamedTuple

from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import InvalidVersion, Version

from releasekit.core.errors import IndexUnavailable, VersionError
from releasekit.core.redact import redact

JSON_TYPE = "application/vnd.pypi.simple.v1+json"
ACCEPT = f"{JSON_TYPE}, text/html;q=0.1"


def simple_url(repository_url: str, project: str, index_url: str | None = None) -> str:
    """The simple page of ``project`` on the index that ``repository_url`` uploads to.

    ``index_url`` (a simple root such as ``https://host/simple/``) wins when given.
    Otherwise the upload URL decides:

    ==========================================  ===================================
    upload URL                                  simple project page
    ==========================================  ===================================
    ``https://upload.HOST/legacy/``             ``https://HOST/simple/NAME/``
    ``https://HOST/legacy/``                    ``https://HOST/simple/NAME/``
    ``http://HOST/USER/INDEX/`` (devpi)         ``http://HOST/USER/INDEX/+simple/NAME/``
    ``http://HOST/`` or ``http://HOST/PREFIX/`` ``<upload URL>/simple/NAME/``
    ==========================================  ===================================

    The last row covers pypiserver and the hosted repositories of most
    artifact managers (``/repository/NAME/`` is one of them, not devpi).
    NAME is the PEP 503 normalized project name.
    """
    name = canonicalize_name(project)
    if index_url:
        return f"{index_url.rstrip('/')}/{name}/"
    parts = urllib.parse.urlsplit(repository_url)
    segments = [s for s in parts.path.split("/") if s]
    if segments and segments[-1] == "legacy":
        host = parts.netloc
        userinfo, at, hostport = host.rpartition("@")
        if hostport.startswith("upload."):
            hostport = hostport[len("upload.") :]
        netloc = f"{userinfo}{at}{hostport}"
        path = "/".join(segments[:-1] + ["simple", name])
        return urllib.parse.urlunsplit((parts.scheme, netloc, f"/{path}/", "", ""))
    if len(segments) == 2 and segments[0] != "repository":
        path = "/".join(segments + ["+simple", name])
    else:
        path = "/".join(segments + ["simple", name])
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, f"/{path}/", "", ""))


def _split_userinfo(url: str) -> tuple[str, tuple[str, str] | None]:
    """urllib cannot send ``user:pw@`` from a URL; turn it into Basic auth."""
    parts = urllib.parse.urlsplit(url)
    if parts.username is None:
        return url, None
    netloc = parts.hostname or ""
    if parts.port:
        netloc += f":{parts.port}"
    clean = urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    user = urllib.parse.unquote(parts.username)
    return clean, (user, urllib.parse.unquote(parts.password or ""))


def _require_index_root(project_request: urllib.request.Request, shown: str, timeout: float) -> None:
    """A project page that is missing means "not released yet" only if the index itself is there: a
    wrong index URL would otherwise pass every "not on the index yet" check and make waits time out."""
    root = project_request.full_url.rstrip("/").rsplit("/", 1)[0] + "/"
    request = urllib.request.Request(root, method="HEAD", headers=dict(project_request.header_items()))
    try:
        urllib.request.urlopen(request, timeout=timeout).close()
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            shown_root = shown.rstrip("/").rsplit("/", 1)[0] + "/"
            raise IndexUnavailable(f"there is no simple index at {shown_root} (HTTP 404)",
                                   "check `pypi.index_url` (or `pypi.repository`, which it is derived from)") from None
    except (OSError, HTTPException):
        pass  # the project page answered a moment ago: a hiccup here is no verdict on the URL


class Link(NamedTuple):
    """A file the simple page lists: where it is served (absolute, no credentials, no fragment)."""

    url: str
    sha256: str | None


def fetch_files(
    simple_project_url: str,
    *,
    auth: tuple[str, str] | None = None,
    timeout: float = 10,
) -> dict[str, str | None]:
    """Filename -> sha256 (None when the page carries none) for one project page.

    Asks for PEP 691 JSON and accepts PEP 503 HTML, bypassing caches. A 404
    means the project is not on the index yet (an empty dict) when the index
    root answers; anything else that is not a page raises :class:`IndexUnavailable`.
    """
    return {name: link.sha256 for name, link in fetch_links(simple_project_url, auth=auth, timeout=timeout).items()}


def fetch_links(
    simple_project_url: str,
    *,
    auth: tuple[str, str] | None = None,
    timeout: float = 10,
) -> dict[str, Link]:
    """Filename -> :class:`Link` for one project page, read as :func:`fetch_files` reads it."""
    url, url_auth = _split_userinfo(simple_project_url)
    auth = auth or url_auth
    shown = redact(simple_project_url, secrets=[auth[1]] if auth and auth[1] else None)
    request = urllib.request.Request(url)
    request.add_header("Accept", ACCEPT)
    request.add_header("Cache-Control", "no-cache")
    request.add_header("Pragma", "no-cache")
    request.add_header("User-Agent", "releasekit")
    if auth:
        token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode("ascii")
        request.add_header("Authorization", f"Basic {token}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            content_type = response.headers.get_content_type()
            base = response.geturl() or url  # links are relative to the page as finally served
            body = response.read()
            charset = response.headers.get_content_charset() or "utf-8"
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            _require_index_root(request, shown, timeout)
            return {}
        hint = (
            "check the credentials for this index"
            if exc.code in (401, 403)
            else "retry later or check the index URL"
        )
        raise IndexUnavailable(f"{shown} answered HTTP {exc.code} {exc.reason}", hint) from None
    except (OSError, HTTPException) as exc:  # refused, DNS, timeouts, resets, truncated replies
        reason = getattr(exc, "reason", None) or exc
        raise IndexUnavailable(
            f"cannot read {shown}: {reason}", "check the index URL and that the index is up"
        ) from None
    text = body.decode(charset, errors="replace")
    try:
        hrefs = _parse_json(text) if content_type == JSON_TYPE else _parse_html(text)
        return {name: Link(_served_at(base, href), sha) for name, (href, sha) in hrefs.items()}
    except (ValueError, KeyError, TypeError) as exc:
        raise IndexUnavailable(f"{shown} is not a simple index page: {exc}") from None


def _served_at(page_url: str, href: str) -> str:
    """``href`` made absolute against the page, without credentials, query (signed URLs carry tokens
    there) or hash fragment."""
    parts = urllib.parse.urlsplit(urllib.parse.urljoin(page_url, href))
    netloc = parts.hostname or ""
    if ":" in netloc:
        netloc = f"[{netloc}]"
    if parts.port:
        netloc += f":{parts.port}"
    return urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def download(url: str, dest: Path, *, timeout: float = 60) -> Path:
    """``url`` saved as ``dest`` (a file the index serves, such as a release's sdist)."""
    shown = redact(url)
    request = urllib.request.Request(url, headers={"User-Agent": "releasekit"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response, open(dest, "wb") as out:
            while chunk := response.read(1 << 16):
                out.write(chunk)
    except urllib.error.HTTPError as exc:
        raise IndexUnavailable(f"{shown} answered HTTP {exc.code} {exc.reason}", "retry later") from None
    except (OSError, HTTPException) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise IndexUnavailable(f"cannot download {shown}: {reason}", "check that the index is up") from None
    return dest


def _parse_json(text: str) -> dict[str, tuple[str, str | None]]:
    data = json.loads(text)
    files: dict[str, tuple[str, str | None]] = {}
    for entry in data["files"]:
        hashes = entry.get("hashes") or {}
        files[entry["filename"]] = (entry.get("url") or entry["filename"], hashes.get("sha256"))
    return files


class _AnchorParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.files: dict[str, tuple[str, str | None]] = {}
        self._href: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._href = dict(attrs).get("href") or ""
            self._text = []

    def handle_data(self, data: str) -> None:
        if self._href is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag != "a" or self._href is None:
            return
        link = urllib.parse.urlsplit(self._href)
        name = "".join(self._text).strip() or urllib.parse.unquote(link.path.rsplit("/", 1)[-1])
        algo, _, digest = link.fragment.partition("=")
        if name:
            self.files[name] = (self._href, digest.lower() if algo == "sha256" and digest else None)
        self._href = None


def _parse_html(text: str) -> dict[str, tuple[str, str | None]]:
    parser = _AnchorParser()
    parser.feed(text)
    parser.close()
    return parser.files


def parse_filename(filename: str) -> tuple[str, Version] | None:
    """(normalized name, version) of a wheel or sdist filename; None for anything else."""
    try:
        if filename.endswith(".whl"):
            name, version, _, _ = parse_wheel_filename(filename)
        elif filename.endswith((".tar.gz", ".zip")):
            name, version = parse_sdist_filename(filename)
        else:
            return None
    except (InvalidWheelFilename, InvalidSdistFilename, InvalidVersion):
        return None
    return canonicalize_name(name), version


def files_for_version(
    files: dict[str, str | None], project: str, version: str
) -> dict[str, str | None]:
    """The entries of ``files`` that belong to exactly ``project`` ``version``.

    Compares parsed, normalized names and versions: 1.0.1 never matches
    1.0.10, and ``Foo_Bar-1.0`` matches project ``foo-bar`` version ``1.0.0``.
    """
    try:
        want_name, want_version = canonicalize_name(project), Version(version)
    except InvalidVersion:
        raise VersionError(f"{version!r} is not a PEP 440 version") from None
    matched = {}
    for filename, digest in files.items():
        parsed = parse_filename(filename)
        if parsed and parsed == (want_name, want_version):
            matched[filename] = digest
    return matched
