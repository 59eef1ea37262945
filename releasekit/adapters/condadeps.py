"""What conda channels hold (py-rattler's gateway and matcher), where a package index serves a
project's files (its simple page, with links), and a pure-Python wheel made into a noarch conda
package (whl2conda, which keeps the wheel's metadata and turns its entry points into conda's).
Mechanism only: which channels, which index and which requirements are the caller's."""

from __future__ import annotations

import logging
import shutil
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from releasekit.adapters.conda import channel_url, run_async
from releasekit.core.condadeps import spec_name
from releasekit.core.errors import BuildError, IndexUnavailable, ToolMissing

# --- channels ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Record:
    name: str
    version: str
    build: str
    build_number: int
    file_name: str
    subdir: str
    depends: tuple[str, ...]
    sha256: str | None = None


def usable_channels(channels: Iterable[str | Path]) -> list[str]:
    """Channel URLs, leaving out local folders that are not a channel (yet): a project's own channel
    folder before its first upload holds nothing to find."""
    out = []
    for ch in channels:
        url = channel_url(ch)
        if url.startswith("file://"):
            path = Path(urllib.parse.unquote(urllib.parse.urlsplit(url).path))
            if not (path / "noarch" / "repodata.json").is_file():
                continue
        if url not in out:
            out.append(url)
    return out


def query(channels: Sequence[str | Path], names: Iterable[str], platforms: Sequence[str]) -> dict[str, list[Record]]:
    """name -> every record of that package the channels list for ``platforms`` (and noarch), read
    fresh (a temporary cache)."""
    from rattler import Gateway
    from rattler.exceptions import FetchRepoDataError, GatewayError

    names = sorted(set(names))
    urls = usable_channels(channels)
    found: dict[str, list[Record]] = {n: [] for n in names}
    if not names or not urls:
        return found
    subdirs: list[Any] = list(dict.fromkeys(["noarch", *platforms]))

    async def ask(cache: Path):
        gateway = Gateway(cache_dir=cache)
        return await gateway.query(urls, subdirs, names, recursive=False)

    with tempfile.TemporaryDirectory(prefix="releasekit-repodata-") as tmp:
        try:
            per_channel = run_async(ask(Path(tmp)))
        except (FetchRepoDataError, GatewayError) as exc:
            raise IndexUnavailable(f"cannot read the channels {', '.join(urls)}: {str(exc).splitlines()[0]}") from None
    for records in per_channel:
        for r in records:
            found.setdefault(r.name.normalized, []).append(
                Record(r.name.normalized, str(r.version), r.build, int(r.build_number), r.file_name,
                       r.subdir, tuple(r.depends), r.sha256.hex() if r.sha256 else None))
    return found


def available(channels: Sequence[str | Path], specs: Iterable[str], platforms: Sequence[str]) -> dict[str, bool]:
    """spec -> whether some channel has a package matching it (for ``platforms`` or noarch)."""
    from rattler import MatchSpec, Version, VersionSpec

    specs = list(specs)
    records = query(channels, {spec_name(s) for s in specs}, platforms)

    def matches(spec: str, record: Record) -> bool:
        wanted = MatchSpec(spec).version
        return wanted is None or VersionSpec(str(wanted)).matches(Version(record.version))

    return {s: any(matches(s, r) for r in records.get(spec_name(s), [])) for s in specs}


# --- a package index ------------------------------------------------------------------------------------


class _Links(HTMLParser):
    def __init__(self, base: str) -> None:
        super().__init__()
        self.base = base
        self.links: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = dict(attrs).get("href") if tag == "a" else None
        if href:
            url = urllib.parse.urljoin(self.base, href)
            name = urllib.parse.unquote(urllib.parse.urlsplit(url).path.rsplit("/", 1)[-1])
            self.links[name] = url


def project_links(index_root: str, name: str, timeout: float = 30) -> dict[str, str]:
    """filename -> download URL for every file of ``name`` on a PEP 503 index; {} when it has none."""
    from packaging.utils import canonicalize_name

    page = index_root.rstrip("/") + "/" + canonicalize_name(name) + "/"
    request = urllib.request.Request(page, headers={"Accept": "text/html", "Cache-Control": "no-cache",
                                                    "User-Agent": "releasekit"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            text = response.read().decode(response.headers.get_content_charset() or "utf-8", errors="replace")
            base = response.geturl()
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            return {}
        raise IndexUnavailable(f"{page} answered HTTP {exc.code} {exc.reason}") from None
    except OSError as exc:
        raise IndexUnavailable(f"cannot read {page}: {getattr(exc, 'reason', exc)}",
                               "check `pypi.deps_index_url` (or `pypi.repository`) and that the index is up") from None
    parser = _Links(base)
    parser.feed(text)
    return {n: u.split("#", 1)[0] for n, u in parser.links.items()}


def download(url: str, dest_dir: Path, timeout: float = 120) -> Path:
    dest_dir = Path(dest_dir)
    dest_dir.mkdir(parents=True, exist_ok=True)
    target = dest_dir / urllib.parse.unquote(urllib.parse.urlsplit(url).path.rsplit("/", 1)[-1])
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response, open(target, "wb") as fh:
            shutil.copyfileobj(response, fh)
    except OSError as exc:
        target.unlink(missing_ok=True)
        raise IndexUnavailable(f"cannot download {url}: {getattr(exc, 'reason', exc)}") from None
    return target


# --- wheel -> noarch conda package -------------------------------------------------------------------------


def wheel_to_conda(wheel: Path, out_dir: Path, *, renames: Mapping[str, str] | None = None,
                   package_format: str = "conda", extra_depends: Sequence[str] = ("python",)) -> Path:
    """A noarch python conda package from a pure-Python wheel: the wheel's dist-info (metadata) is kept,
    its console scripts become conda entry points, its requirements conda dependencies (pip names
    mapped with ``renames`` on top of whl2conda's standard map)."""
    try:
        from whl2conda.api.converter import (
            CondaPackageFormat,
            DependencyRename,
            Wheel2CondaConverter,
        )
    except ImportError:
        raise ToolMissing("whl2conda is not installed", "pip install 'releasekit[conda]'") from None
    logging.getLogger("whl2conda").setLevel(logging.ERROR)  # it logs every skipped extra
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    converter = Wheel2CondaConverter(Path(wheel), out_dir)
    converter.out_format = CondaPackageFormat.V2 if package_format == "conda" else CondaPackageFormat.V1
    converter.overwrite = True
    converter.dependency_rename = [DependencyRename.from_strings(k, v) for k, v in (renames or {}).items()]
    converter.extra_dependencies = list(extra_depends)
    try:
        return Path(converter.convert())
    except Exception as exc:  # whl2conda raises plain exceptions for wheels it cannot convert
        raise BuildError(f"whl2conda cannot convert {Path(wheel).name}: {exc}") from None
