"""Uploading conda packages to anaconda.org, or any server that speaks its API.

Uploads run ``anaconda upload`` (anaconda-client) through :class:`Shell`; the
token goes to that process as ``ANACONDA_API_TOKEN`` and never into argv or
output. Before uploading we ask the API what the release already holds: a
file with the same hash is skipped (so a resumed release never fails on its
own earlier upload), one with other content is refused unless forced.
Existence checks and label promotion use anaconda-client's Python API
(``binstar_client``), the same calls ``anaconda copy`` / ``anaconda move`` make.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from releasekit.adapters.conda import PackageInfo, file_digests, package_info
from releasekit.adapters.shell import Shell
from releasekit.core import ui
from releasekit.core.errors import (
    CredentialsMissing,
    FilenameTaken,
    IndexUnavailable,
    PreconditionFailed,
    ToolMissing,
    UploadRejected,
)


@dataclass
class AnacondaUpload:
    """What an upload did, by basename (``subdir/filename``)."""

    uploaded: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # same content already there, label included
    labelled: list[str] = field(default_factory=list)  # same content already there; label added


def anaconda_program() -> str:
    """The ``anaconda`` executable: on PATH, else beside this Python (a venv's bin)."""
    found = shutil.which("anaconda")
    if found:
        return found
    sibling = Path(sys.executable).parent / ("anaconda.exe" if sys.platform == "win32" else "anaconda")
    return str(sibling) if sibling.exists() else "anaconda"


def upload_argv(files: Iterable[Path | str], user: str, label: str, *, force: bool = False) -> list[str]:
    """``anaconda upload -u USER --label LABEL [--force] FILE...`` (no token: it goes by env)."""
    argv = [anaconda_program(), "upload", "-u", user, "--label", label]
    if force:
        argv.append("--force")
    return argv + [str(f) for f in files]


# rattler-build's own uploader (`rattler-build upload anaconda`), through py-rattler-build in a child
# process: it holds the GIL while it waits for the server. The token comes by environment, never argv.
_RATTLER_UPLOAD = """
import json, os, sys
import rattler_build
a = json.loads(sys.argv[1])
try:
    rattler_build.upload_package_to_anaconda(a["files"], a["owner"], channel=[a["label"]],
                                             api_key=os.environ.get("ANACONDA_API_TOKEN"), url=a["url"],
                                             force=a["force"])
except Exception as exc:
    print(f"rattler-build upload failed: {exc}", file=sys.stderr)
    sys.exit(1)
"""
UPLOADERS = ("anaconda-client", "rattler-build")


def rattler_upload_argv(files: Iterable[Path | str], user: str, label: str, url: str, *, force: bool = False) -> list[str]:
    import json

    args = {"files": [str(f) for f in files], "owner": user, "label": label, "url": url, "force": force}
    return [sys.executable, "-c", _RATTLER_UPLOAD, json.dumps(args)]


def api_url_for(site_config_dir: Path | None = None) -> str:
    """The API URL anaconda-client will use: from ``DIR/data/config.yaml`` when given,
    else from anaconda-client's own configuration."""
    if site_config_dir is not None:
        config = Path(site_config_dir) / "data" / "config.yaml"
        if config.is_file():
            data = yaml.safe_load(config.read_text(encoding="utf-8")) or {}
            if data.get("url"):
                return str(data["url"])
    try:
        from binstar_client.utils.config import get_config
    except ImportError:
        raise ToolMissing("anaconda-client is not installed", "pip install 'releasekit[conda]'") from None
    return str(get_config().get("url"))


def _api(api_url: str, token: str | None) -> Any:
    try:
        from binstar_client import Binstar
    except ImportError:
        raise ToolMissing("anaconda-client is not installed", "pip install 'releasekit[conda]'") from None
    return Binstar(token, domain=api_url)


_MISSING = object()


def _call(what: str, api_url: str, fn: Any, *args: Any, missing_ok: bool = False, **kwargs: Any) -> Any:
    """Call a binstar_client method, turning its failures into ours.

    A 404 returns ``_MISSING`` when ``missing_ok``, else it is a PreconditionFailed.
    """
    import requests
    from binstar_client import errors

    try:
        return fn(*args, **kwargs)
    except errors.Unauthorized as exc:
        raise CredentialsMissing(
            f"{api_url} refused the token while trying to {what}: {_first(exc)}",
            "set ANACONDA_API_TOKEN to a token with write access to the channel owner",
        ) from None
    except errors.NotFound as exc:
        if missing_ok:
            return _MISSING
        raise PreconditionFailed(f"{api_url} found nothing to {what}: {_first(exc)}") from None
    except errors.Conflict as exc:
        raise UploadRejected(f"{api_url} refused to {what}: {_first(exc)}") from None
    except (errors.BinstarError, requests.RequestException) as exc:
        raise IndexUnavailable(f"cannot {what} at {api_url}: {_first(exc)}") from None


def _first(exc: BaseException) -> str:
    text = str(exc.args[0] if exc.args else exc)
    return text.strip().splitlines()[0] if text.strip() else type(exc).__name__


def existing_files(api_url: str, user: str, package: str, version: str, token: str | None = None) -> dict[str, dict]:
    """``{basename: {"sha256", "md5", "size", "labels"}}`` for the files of one release."""
    api = _api(api_url, token)
    release = _call(f"read {user}/{package}/{version}", api_url, api.release, user, package, version, missing_ok=True)
    if release is _MISSING:
        return {}
    return {
        d["basename"]: {
            "sha256": d.get("sha256"),
            "md5": d.get("md5"),
            "size": d.get("size"),
            "labels": list(d.get("labels") or []),
        }
        for d in release.get("distributions") or []
    }


def _same_content(local: tuple[str, str], remote: dict) -> bool:
    sha256, md5 = local
    if remote.get("sha256"):
        return remote["sha256"] == sha256
    return remote.get("md5") == md5


def upload(
    shell: Shell,
    files: Iterable[Path],
    user: str,
    label: str,
    *,
    token: str | None = None,
    site_config_dir: Path | None = None,
    force: bool = False,
    api_url: str | None = None,
    uploader: str = "anaconda-client",
) -> AnacondaUpload:
    """Upload conda package files to ``user``'s channel under ``label``.

    Raises :class:`FilenameTaken` (before uploading anything) when a file is
    already there with other content, unless ``force``. In a dry run the
    existence check still runs and ``uploaded`` lists what would be uploaded.
    """
    url = api_url or api_url_for(site_config_dir)
    infos = [package_info(Path(f)) for f in files]
    result = AnacondaUpload()
    remote: dict[tuple[str, str], dict[str, dict]] = {}
    for info in infos:
        key = (info.name, info.version)
        if key not in remote:
            remote[key] = existing_files(url, user, info.name, info.version, token)
    to_upload: list[PackageInfo] = []
    to_label: list[PackageInfo] = []
    skipped: list[PackageInfo] = []
    replace = False
    for info in infos:
        there = remote[(info.name, info.version)].get(info.basename)
        if there is None:
            to_upload.append(info)
        elif _same_content(file_digests(info.path), there):
            (skipped if label in there["labels"] else to_label).append(info)
        elif force:
            to_upload.append(info)
            replace = True
        else:
            raise FilenameTaken(f"{user}/{info.name}/{info.version}/{info.basename} is already on {url} with different content")
    for info in skipped:
        ui.info(f"{info.basename} is already on {user}'s channel (label {label}) with the same content; skipped")
        result.skipped.append(info.basename)
    for info in to_label:
        if shell.dry_run:
            ui.info(f"[dry-run] would add label {label} to {user}/{info.name}/{info.version}/{info.basename}")
        else:
            api = _api(url, token)
            _call(f"label {info.basename}", url, api.add_channel, label, user, package=info.name,
                  version=info.version, filename=info.basename)
            ui.info(f"{info.basename} was already uploaded; added label {label}")
        result.labelled.append(info.basename)
    if to_upload and uploader == "rattler-build":
        env = {"ANACONDA_API_TOKEN": token} if token else {}
        shell.run(rattler_upload_argv([i.path for i in to_upload], user, label, url, force=replace), env=env,
                  hint="check the token (ANACONDA_API_TOKEN) and that the user or organization exists")
        if not shell.dry_run:
            _confirm(url, user, label, to_upload, token)
        result.uploaded = [i.basename for i in to_upload]
    elif to_upload:
        if not shell.dry_run and anaconda_program() == "anaconda":
            raise ToolMissing("the `anaconda` program (anaconda-client) is not installed", "pip install 'releasekit[conda]'")
        env = {}
        if token:
            env["ANACONDA_API_TOKEN"] = token
        if site_config_dir is not None:
            env["BINSTAR_CONFIG_DIR"] = str(site_config_dir)
        shell.run(
            upload_argv([i.path for i in to_upload], user, label, force=replace),
            env=env,
            hint="check the token (ANACONDA_API_TOKEN) and that the user or organization exists",
        )
        if not shell.dry_run:
            _confirm(url, user, label, to_upload, token)
        result.uploaded = [i.basename for i in to_upload]
    return result


def _confirm(url: str, user: str, label: str, infos: list[PackageInfo], token: str | None) -> None:
    """Re-read the release: each file must be there, with our bytes, under the label."""
    for info in infos:
        there = existing_files(url, user, info.name, info.version, token).get(info.basename)
        if there is None or not _same_content(file_digests(info.path), there):
            raise UploadRejected(f"after the upload, {url} does not serve {info.basename} with the uploaded content")
        if label not in there["labels"]:
            raise UploadRejected(f"after the upload, {info.basename} is not under the label {label}")


def promote(
    user: str,
    package: str,
    version: str,
    from_label: str,
    to_label: str,
    *,
    token: str | None = None,
    api_url: str | None = None,
    site_config_dir: Path | None = None,
    move: bool = False,
    dry_run: bool = False,
) -> list[str]:
    """Copy (``anaconda copy``) or move (``anaconda move``) a release's files between labels.

    Returns the basenames that now carry ``to_label``.
    """
    if from_label == to_label:
        raise PreconditionFailed(f"cannot promote from label {from_label!r} to itself")
    url = api_url or api_url_for(site_config_dir)
    api = _api(url, token)
    labels = _call(f"list the labels of {user}", url, api.list_channels, user)
    if from_label not in labels:
        raise PreconditionFailed(
            f"{user} has no label {from_label!r} on {url} (labels: {', '.join(sorted(labels)) or 'none'})",
            "upload the release under that label first (`releasekit upload.conda`)",
        )
    files = {b: f for b, f in existing_files(url, user, package, version, token).items() if from_label in f["labels"]}
    if not files:
        raise PreconditionFailed(f"{user}/{package}/{version} has no files under the label {from_label!r}")
    verb = "move" if move else "copy"
    if dry_run:
        for basename in files:
            ui.info(f"[dry-run] would {verb} {user}/{package}/{version}/{basename}: {from_label} -> {to_label}")
        return sorted(files)
    if move:
        _call(f"add label {to_label}", url, api.add_channel, to_label, user, package=package, version=version)
        _call(f"remove label {from_label}", url, api.remove_channel, from_label, user, package=package, version=version)
    else:
        _call(f"copy to label {to_label}", url, api.copy, user, package, version, from_label=from_label, to_label=to_label)
    now = existing_files(url, user, package, version, token)
    promoted = sorted(b for b in files if to_label in now.get(b, {}).get("labels", []))
    if len(promoted) != len(files):
        raise UploadRejected(f"after the {verb}, {len(files) - len(promoted)} file(s) lack the label {to_label}")
    ui.info(f"{verb} of {user}/{package} {version}: {from_label} -> {to_label} ({len(promoted)} file(s))")
    return promoted
