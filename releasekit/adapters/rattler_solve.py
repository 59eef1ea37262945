"""Solving a recipe's requirements against channels with py-rattler's solver (no conda needed).

One solve is one environment (a recipe's build, host or run requirements) for one platform. The
answer is kept in a small cache keyed by the channel state: the records the channels hold for
the specs and everything they depend on (their filenames and sha256, which change whenever the
repodata does), so a second preview against unchanged channels costs a repodata read, not a
solve. Mechanism only: which specs, channels and platforms is the caller's choice.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from releasekit.adapters.conda import channel_url, run_async
from releasekit.core.errors import IndexUnavailable

# What a solve for a platform other than this machine's assumes the machine has: conda-forge's
# oldest supported systems, so that a package found here installs there too.
_VIRTUAL = {
    "linux": (("__unix", "0"), ("__linux", "5.10"), ("__glibc", "2.28")),
    "osx": (("__unix", "0"), ("__osx", "11.0")),
    "win": (("__win", "0"),),
}


@dataclass(frozen=True)
class Solved:
    """One solve: ``ok``, or the names no channel holds (``missing``) and the solver's own message."""

    platform: str
    specs: tuple[str, ...]
    ok: bool
    missing: tuple[str, ...] = ()
    message: str = ""
    records: tuple[str, ...] = ()  # name=version=build of the solution
    cached: bool = False


def virtual_packages(platform: str) -> list[Any]:
    """This machine's virtual packages for its own platform; conda-forge's baseline for others."""
    from rattler import (
        BuildString,
        GenericVirtualPackage,
        PackageName,
        Subdir,
        Version,
        VirtualPackage,
    )

    if platform == str(Subdir.current()):
        return list(VirtualPackage.detect())
    family = platform.split("-", maxsplit=1)[0]
    return [GenericVirtualPackage(PackageName(name), Version(version), BuildString("0"))
            for name, version in _VIRTUAL.get(family, ())]


def _spec_name(spec: str) -> str:
    from rattler import MatchSpec

    try:
        name = MatchSpec(spec).name
        return name.normalized if name is not None else spec.split(maxsplit=1)[0]
    except Exception:  # an unparsable spec: the solve reports it
        return spec.split(maxsplit=1)[0]


def _state_key(records: Any, specs: Sequence[str], platform: str, sources: Sequence[str]) -> str:
    lines = sorted(f"{r.channel}|{r.file_name}|{r.sha256.hex() if r.sha256 else r.md5}" for group in records
                   for r in group)
    text = "\n".join([platform, *sources, *sorted(specs), *lines])
    return hashlib.sha256(text.encode()).hexdigest()


def _load(cache: Path) -> dict[str, Any]:
    try:
        data = json.loads(cache.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _store(cache: Path, key: str, value: dict[str, Any]) -> None:
    data = _load(cache)
    data[key] = value
    if len(data) > 200:  # old channel states are never asked again
        data = dict(list(data.items())[-200:])
    cache.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=cache.parent, prefix=".solves-", suffix=".json")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(data, fh)
    os.replace(tmp, cache)


def solve(specs: Sequence[str], channels: Sequence[str | Path], platform: str, *,
          cache_dir: Path | None = None) -> Solved:
    """Solve ``specs`` for ``platform`` (and noarch) against ``channels``. ``cache_dir`` keeps the
    repodata of remote channels between runs and the answers per channel state."""
    import rattler
    from rattler import Gateway
    from rattler.exceptions import FetchRepoDataError, GatewayError, SolverError

    specs = tuple(specs)
    sources = [channel_url(c) for c in channels]
    platforms: list[Any] = [platform, "noarch"]
    if not specs:
        return Solved(platform, specs, True)

    async def query(gateway: Any, wanted: Sequence[str], recursive: bool) -> Any:
        return await gateway.query(sources, platforms, list(wanted), recursive=recursive)

    async def run_solve(gateway: Any) -> Any:
        return await rattler.solve(sources, list(specs), gateway=gateway, platforms=platforms,
                                   virtual_packages=virtual_packages(platform), channel_relations="disabled")

    with tempfile.TemporaryDirectory(prefix="releasekit-solve-") as tmp:
        repodata = (Path(cache_dir) / "repodata") if cache_dir is not None else Path(tmp)
        gateway = Gateway(cache_dir=repodata)
        try:
            records = run_async(query(gateway, [_spec_name(s) for s in specs], True))
            key = _state_key(records, specs, platform, sources)
            cache = Path(cache_dir) / "solves.json" if cache_dir is not None else None
            if cache is not None and key in _load(cache):
                hit = _load(cache)[key]
                return Solved(platform, specs, hit["ok"], tuple(hit["missing"]), hit["message"],
                              tuple(hit["records"]), cached=True)
            try:
                solution = run_async(run_solve(gateway))
                result = Solved(platform, specs, True,
                                records=tuple(f"{r.name.normalized}={r.version}={r.build}" for r in solution))
            except SolverError as exc:
                names = sorted({_spec_name(s) for s in specs})
                found = run_async(query(gateway, names, False))
                held = {r.name.normalized for group in found for r in group}
                missing = tuple(n for n in names if n not in held)
                result = Solved(platform, specs, False, missing, _solver_message(exc))
        except (FetchRepoDataError, GatewayError) as exc:
            raise IndexUnavailable(f"cannot read the channels {', '.join(sources)} for {platform}: "
                                   f"{str(exc).strip().splitlines()[0]}",
                                   "check `conda.channels` (names, URLs or folders) and the network") from None
    if cache is not None:
        _store(cache, key, {"ok": result.ok, "missing": list(result.missing), "message": result.message,
                            "records": list(result.records)})
    return result


def _solver_message(exc: BaseException) -> str:
    """The solver's explanation, without its exception prefix (a few lines at most)."""
    lines = [ln.rstrip() for ln in str(exc).strip().splitlines() if ln.strip()]
    if lines and lines[0].startswith(("SolverError", "Cannot solve the request")):
        lines = lines[1:] or lines
    return "\n".join(lines[:8])
