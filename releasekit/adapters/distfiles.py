"""Reading what :mod:`releasekit.core.published` compares: from distribution files on disk, and
the published files themselves, downloaded from an index's simple page. Mechanism only."""

from __future__ import annotations

import hashlib
import json
import urllib.parse
import urllib.request
from collections.abc import Iterable, Mapping
from html.parser import HTMLParser
from pathlib import Path

from releasekit.adapters import index, pypi
from releasekit.core.errors import IndexUnavailable
from releasekit.core.published import DistFacts
from releasekit.core.redact import redact


def facts(path: Path, sha256: str | None = None) -> DistFacts:
    """The facts of one sdist or wheel: its sha256, and its file list (sdist) or METADATA (wheel)."""
    path = Path(path)
    digest = sha256 or pypi.sha256(path)
    if path.name.endswith(".whl"):
        return DistFacts(path.name, digest, metadata=pypi._metadata_text(path))
    members = tuple(sorted(pypi._strip_top(name) for name, _ in pypi.archive_members(path)))
    return DistFacts(path.name, digest, members=members)


def facts_of(paths: Iterable[Path]) -> dict[str, DistFacts]:
    return {Path(p).name: facts(Path(p)) for p in paths}


class _Links(HTMLParser):
    def __init__(self, base: str) -> None:
        super().__init__()
        self.base = base
        self.urls: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = dict(attrs).get("href") if tag == "a" else None
        if href:
            url = urllib.parse.urljoin(self.base, href)
            name = urllib.parse.unquote(urllib.parse.urlsplit(url).path.rsplit("/", 1)[-1])
            self.urls[name] = url.split("#", 1)[0]


def file_urls(simple_project_url: str, timeout: float = 30) -> dict[str, str]:
    """Filename -> download URL, from a project's simple page (PEP 691 JSON or PEP 503 HTML)."""
    shown = redact(simple_project_url)
    request = urllib.request.Request(simple_project_url, headers={"Accept": index.ACCEPT, "Cache-Control": "no-cache"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read().decode(response.headers.get_content_charset() or "utf-8", errors="replace")
            kind, base = response.headers.get_content_type(), response.geturl()
    except OSError as exc:
        raise IndexUnavailable(f"cannot read {shown}: {getattr(exc, 'reason', exc)}") from None
    if kind == index.JSON_TYPE:
        return {f["filename"]: urllib.parse.urljoin(base, f["url"]) for f in json.loads(body)["files"]}
    parser = _Links(base)
    parser.feed(body)
    return parser.urls


def download(simple_project_url: str, files: Mapping[str, str | None], dest: Path, timeout: float = 60) -> list[Path]:
    """Download ``files`` (filename -> the sha256 the index states, or None) into ``dest``; a file
    whose bytes do not have the stated sha256 is refused, as an installer would refuse it."""
    urls = file_urls(simple_project_url)
    dest.mkdir(parents=True, exist_ok=True)
    out = []
    for name, expected in sorted(files.items()):
        if name not in urls:
            raise IndexUnavailable(f"{redact(simple_project_url)} lists no link to {name}")
        with urllib.request.urlopen(urls[name], timeout=timeout) as response:
            data = response.read()
        if expected and hashlib.sha256(data).hexdigest() != expected:
            raise IndexUnavailable(f"{name} downloaded with another sha256 than the index states",
                                   "retry: the index may be replacing the file")
        target = dest / name
        target.write_bytes(data)
        out.append(target)
    return out


def published_facts(simple_project_url: str, files: Mapping[str, str | None], dest: Path) -> dict[str, DistFacts]:
    """The facts of the published files, downloaded into ``dest``, with the sha256 the index states."""
    return {p.name: facts(p, files.get(p.name)) for p in download(simple_project_url, files, dest)}
