"""A conda channel that is a folder: a file server's docroot, a shared drive, a test fixture.

Layout follows anaconda.org's URLs: the ``main`` label is the channel root
(``CHANNEL/noarch/...``), any other label lives under ``CHANNEL/label/NAME/``,
so ``file://CHANNEL/label/dev`` is a channel of its own. Every change re-indexes
with py-rattler into a staging folder and then replaces each repodata file
with a rename, so a reader never sees a half-written index.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from releasekit.adapters.conda import file_digests, is_package_file, package_info, run_async
from releasekit.core import ui
from releasekit.core.errors import ConfigError, FilenameTaken, PreconditionFailed

MAIN = "main"
_SUBDIR = re.compile(r"^(noarch|[a-z]+-[a-z0-9_]+)$")
_LOCK_NAME = ".releasekit.lock"


@dataclass
class UploadResult:
    """Basenames (``subdir/filename``) that were copied in, and those already there unchanged."""

    uploaded: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def label_root(channel_dir: Path, label: str = MAIN) -> Path:
    """The folder that is the channel for ``label``."""
    if not label or "/" in label or label.startswith("."):
        raise ConfigError(f"{label!r} is not a usable channel label")
    return Path(channel_dir) if label == MAIN else Path(channel_dir) / "label" / label


def _subdirs(root: Path) -> list[Path]:
    if not root.is_dir():
        return []
    return sorted(d for d in root.iterdir() if d.is_dir() and _SUBDIR.match(d.name))


def _repodata_entries(subdir: Path) -> dict[str, dict]:
    try:
        data = json.loads((subdir / "repodata.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    entries = dict(data.get("packages") or {})
    entries.update(data.get("packages.conda") or {})
    return entries


def existing(channel_dir: Path, label: str = MAIN) -> dict[str, str]:
    """``{"subdir/filename": sha256}`` for every package file the label holds.

    Hashes come from repodata.json where it matches the file's size; files the
    index does not know yet are hashed from disk.
    """
    found: dict[str, str] = {}
    for subdir in _subdirs(label_root(channel_dir, label)):
        entries = _repodata_entries(subdir)
        for path in subdir.iterdir():
            if not is_package_file(path):
                continue
            entry = entries.get(path.name) or {}
            if entry.get("sha256") and entry.get("size") == path.stat().st_size:
                found[f"{subdir.name}/{path.name}"] = entry["sha256"]
            else:
                found[f"{subdir.name}/{path.name}"] = file_digests(path)[0]
    return found


@contextlib.contextmanager
def _locked(channel_dir: Path, dry_run: bool = False) -> Iterator[None]:
    """One writer at a time per channel folder (where the OS has flock); a dry run creates nothing."""
    if dry_run:
        yield
        return
    channel_dir.mkdir(parents=True, exist_ok=True)
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks; single writer assumed
        yield
        return
    with open(channel_dir / _LOCK_NAME, "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def reindex(root: Path) -> None:
    """Rebuild the repodata of every subdir of one label's folder, replacing it file by file."""
    from rattler.index import index_fs

    root = Path(root)
    (root / "noarch").mkdir(parents=True, exist_ok=True)  # every channel must have noarch
    subdirs = _subdirs(root)
    with tempfile.TemporaryDirectory(dir=root, prefix=".reindex-") as tmp:
        stage = Path(tmp)
        for subdir in subdirs:
            (stage / subdir.name).mkdir()
            for path in subdir.iterdir():
                if is_package_file(path):
                    _link_or_copy(path, stage / subdir.name / path.name)
        run_async(index_fs(stage, force=True))
        for subdir in subdirs:
            _swap_index(stage / subdir.name, subdir)


def _link_or_copy(src: Path, dst: Path) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def _swap_index(staged: Path, live: Path) -> None:
    """Move the staged index files over the live ones: shards first, repodata.json last."""
    new_shards = set()
    if (staged / "shards").is_dir():
        (live / "shards").mkdir(exist_ok=True)
        for shard in (staged / "shards").iterdir():
            os.replace(shard, live / "shards" / shard.name)
            new_shards.add(shard.name)
    produced = [p for p in staged.iterdir() if p.is_file() and not is_package_file(p)]
    produced.sort(key=lambda p: p.name == "repodata.json")
    for path in produced:
        os.replace(path, live / path.name)
    # index files the new index did not write are stale
    for name in ("repodata.json.zst", "repodata_shards.msgpack.zst", "repodata.json.bz2", "current_repodata.json"):
        if (live / name).exists() and not any(p.name == name for p in produced):
            (live / name).unlink()
    if (live / "shards").is_dir():
        for shard in (live / "shards").iterdir():
            if shard.name not in new_shards:
                shard.unlink()


def upload(
    files: Iterable[Path],
    channel_dir: Path,
    label: str = MAIN,
    *,
    force: bool = False,
    dry_run: bool = False,
) -> UploadResult:
    """Copy package files into the label and re-index it.

    A file already there with the same sha256 is skipped; with other content it
    raises :class:`FilenameTaken` (nothing is copied) unless ``force``.
    """
    channel_dir = Path(channel_dir)
    root = label_root(channel_dir, label)
    infos = [package_info(Path(f)) for f in files]
    result = UploadResult()
    with _locked(channel_dir, dry_run):
        have = existing(channel_dir, label) if channel_dir.is_dir() else {}
        todo = []
        for info in infos:
            sha = file_digests(info.path)[0]
            if info.basename not in have:
                todo.append(info)
            elif have[info.basename] == sha:
                result.skipped.append(info.basename)
            elif force:
                todo.append(info)
            else:
                raise FilenameTaken(
                    f"{info.basename} is already in {root} with different content",
                    "release a post-release instead (`releasekit release-hotfix` on the release branch), or replace it with --force",
                )
        for basename in result.skipped:
            ui.info(f"{basename} is already in {root} with the same content; skipped")
        if dry_run:
            for info in todo:
                ui.info(f"[dry-run] would copy {info.path} to {root / info.subdir}")
            return result
        for info in todo:
            dest_dir = root / info.subdir
            dest_dir.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=dest_dir, prefix=f".{info.filename}.", suffix=".part")
            os.close(fd)
            try:
                shutil.copyfile(info.path, tmp)
                os.chmod(tmp, 0o644)  # a channel is served to others: not mkstemp's private 0600
                os.replace(tmp, dest_dir / info.filename)
            except BaseException:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(tmp)
                raise
            result.uploaded.append(info.basename)
            ui.info(f"copied {info.filename} to {dest_dir}")
        if todo:
            reindex(root)
    return result


def remove(basenames: Iterable[str], channel_dir: Path, label: str = MAIN) -> list[str]:
    """Delete ``subdir/filename`` entries from a label and re-index it; returns those removed."""
    channel_dir = Path(channel_dir)
    root = label_root(channel_dir, label)
    removed = []
    with _locked(channel_dir):
        for basename in basenames:
            path = root / basename
            if is_package_file(path) and path.is_file():
                path.unlink()
                removed.append(basename)
        if removed:
            reindex(root)
    return removed


def _release_files(root: Path, package: str, version: str) -> list[Path]:
    files = []
    for subdir in _subdirs(root):
        entries = _repodata_entries(subdir)
        for filename, entry in entries.items():
            if entry.get("name") == package and str(entry.get("version")) == version and (subdir / filename).is_file():
                files.append(subdir / filename)
    return sorted(files)


def promote(
    channel_dir: Path,
    package: str,
    version: str,
    from_label: str,
    to_label: str,
    move: bool = False,
    *,
    force: bool = False,
    dry_run: bool = False,
) -> list[str]:
    """Copy (or with ``move``, move) every file of ``package`` ``version`` between labels.

    Returns the basenames promoted. Files already in the target label with the
    same content count as promoted; with other content they raise
    :class:`FilenameTaken` unless ``force``.
    """
    if from_label == to_label:
        raise ConfigError(f"cannot promote from label {from_label!r} to itself", "name two different labels")
    channel_dir = Path(channel_dir)
    from_root = label_root(channel_dir, from_label)
    files = _release_files(from_root, package.lower(), version)
    if not files:
        raise PreconditionFailed(
            f"{package} {version} is not in label {from_label!r} of {channel_dir}",
            "upload it there first (`releasekit upload.conda`)",
        )
    verb = "move" if move else "copy"
    if dry_run:
        for path in files:
            ui.info(f"[dry-run] would {verb} {path.parent.name}/{path.name} from {from_label} to {to_label}")
        return [f"{p.parent.name}/{p.name}" for p in files]
    result = upload(files, channel_dir, to_label, force=force)
    if move:
        remove([f"{p.parent.name}/{p.name}" for p in files], channel_dir, from_label)
    ui.info(f"{verb} of {package} {version}: {from_label} -> {to_label} ({len(files)} file(s))")
    return result.uploaded + result.skipped
