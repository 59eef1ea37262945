"""Building, checking and uploading Python artifacts (build + twine).

Mechanism only: which files to build, check or upload is decided by the
caller. Uploads are made idempotent here because twine cannot do it for
indexes other than the public one: :func:`plan_upload` compares local sha256
digests with what the index's simple page lists, before anything is sent.
"""

from __future__ import annotations

import email.parser
import fnmatch
import hashlib
import logging
import os
import re
import shutil
import sys
import tarfile
import tempfile
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from packaging.utils import canonicalize_name

from releasekit.adapters import index
from releasekit.adapters.envs import hermetic_env, uv_binary
from releasekit.adapters.shell import Shell
from releasekit.core.errors import (
    ArtifactCheckFailed,
    BuildError,
    ConfigError,
    FilenameTaken,
    IndexUnavailable,
    UploadRejected,
)
from releasekit.core.installcause import install_cause
from releasekit.core.redact import redact

# Tracked files an sdist normally leaves out on purpose.
DEFAULT_SDIST_IGNORE = [
    ".git*",
    ".github/*",
    ".gitlab/*",
    ".ci/*",
    ".circleci/*",
    ".azure-pipelines/*",
    "azure-pipelines.yml",
    ".travis.yml",
    ".gitlab-ci.yml",
    ".pre-commit-config.yaml",
    ".pre-commit-hooks.yaml",
    ".readthedocs.yml",
    ".readthedocs.yaml",
    ".editorconfig",
    ".mailmap",
    ".coveragerc",
    "codecov.yml",
    ".codecov.yml",
    "tox.ini",
    "noxfile.py",
    "tasks.py",  # invoke's task file and configuration: how the project is released, not what it ships
    "invoke.yaml",
    "invoke.yml",
]

_TWINE = [sys.executable, "-m", "twine", "--no-color"]
# twine's output goes through rich, which wraps at the terminal width: make it one line a message.
_WIDE = {"COLUMNS": "1000", "NO_COLOR": "1", "TERM": "dumb"}


# --- building -----------------------------------------------------------------------------


def build(
    shell: Shell,
    source_dir: Path,
    out_dir: Path,
    *,
    sdist: bool = True,
    wheel: bool = True,
    isolation: bool = True,
    installer: str = "auto",
    env: Mapping[str, str] | None = None,
    timeout: float | None = None,
    index_url: str | None = None,
) -> list[Path]:
    """Build with ``python -m build``; return the artifact paths in ``out_dir``.

    With both ``sdist`` and ``wheel``, build's default runs: the sdist first,
    then the wheel *from the unpacked sdist*, so a file missing from the sdist
    breaks the wheel too instead of slipping through. ``installer="auto"`` uses
    uv for the isolated build environment when it is installed. With
    ``index_url`` the isolated environment's backend comes from that index only:
    the machine's pip/uv indexes, find-links, config files and caches are left
    out (:func:`~releasekit.adapters.envs.hermetic_env`), as a build against a
    local or a dependencies index must. In a dry run nothing is built and the
    list is empty.
    """
    if not (sdist or wheel):
        raise BuildError("nothing to build: both sdist and wheel are off")
    if installer not in ("auto", "uv", "pip"):
        raise ConfigError(f"unknown installer {installer!r}; use auto, uv or pip")
    out_dir = Path(out_dir)
    flags = []
    if sdist and not wheel:
        flags.append("--sdist")
    elif wheel and not sdist:
        flags.append("--wheel")
    if not isolation:
        flags.append("--no-isolation")
    elif installer == "uv" or (installer == "auto" and uv_binary()):
        flags += ["--installer", "uv"]
    argv = [sys.executable, "-m", "build", *flags, str(source_dir)]
    replace_env = False
    if index_url:
        env = {**hermetic_env(), "PIP_INDEX_URL": index_url, "UV_DEFAULT_INDEX": index_url, **(env or {})}
        replace_env = True
    if shell.dry_run:
        shell.run([*argv, "--outdir", str(out_dir)], env=env)
        return []
    out_dir.mkdir(parents=True, exist_ok=True)
    # Build into a fresh folder first: whatever appears there is exactly this build's output.
    staging = Path(tempfile.mkdtemp(prefix=".build-", dir=out_dir))
    try:
        result = shell.run([*argv, "--outdir", str(staging)], env=env, replace_env=replace_env, check=False,
                           timeout=timeout)
        if not result.ok:
            raise BuildError(f"building {source_dir} failed: {install_cause(result.output)}")
        built = sorted(p for p in staging.iterdir() if p.name.endswith((".whl", ".tar.gz", ".zip")))
        want = (["sdist"] if sdist else []) + (["wheel"] if wheel else [])
        got = {"wheel" if p.name.endswith(".whl") else "sdist" for p in built}
        if set(want) - got:
            raise BuildError(
                f"build of {source_dir} produced {[p.name for p in built]}, expected {want}"
            )
        paths = []
        for artifact in built:
            target = out_dir / artifact.name
            os.replace(artifact, target)
            paths.append(target)
        return _upload_order(paths)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _tail(text: str, lines: int = 12) -> str:
    kept = [line.rstrip() for line in text.strip().splitlines() if line.strip()]
    return "\n".join(kept[-lines:])


def _is_wheel(path: Path | str) -> bool:
    return str(path).endswith(".whl")


def _upload_order(paths: Iterable[Path]) -> list[Path]:
    """Wheels first, then sdists: an sdist-only window would make installers build from source."""
    return sorted(paths, key=lambda p: (not _is_wheel(p), Path(p).name))


# --- looking at artifacts --------------------------------------------------------------------


def sha256(path: Path) -> str:
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def human_size(size: int) -> str:
    """1536 -> '1.5 KiB'."""
    if size < 1024:
        return f"{size} B"
    value, unit = size / 1024, "KiB"
    for bigger in ("MiB", "GiB"):
        if value < 1024:
            break
        value, unit = value / 1024, bigger
    return f"{value:.1f} {unit}"


def artifact_table(paths: Iterable[Path]) -> list[tuple[str, str, str]]:
    """(file name, human size, sha256) per artifact, for ui.table."""
    return [(Path(p).name, human_size(Path(p).stat().st_size), sha256(Path(p))) for p in paths]


def archive_members(path: Path) -> list[tuple[str, int]]:
    """(member path, size) of every file inside a wheel, .tar.gz or .zip."""
    path = Path(path)
    try:
        if path.name.endswith((".whl", ".zip")):
            with zipfile.ZipFile(path) as zf:
                return [(i.filename, i.file_size) for i in zf.infolist() if not i.is_dir()]
        if path.name.endswith((".tar.gz", ".tgz")):
            with tarfile.open(path, "r:gz") as tf:
                return [(m.name, m.size) for m in tf.getmembers() if m.isfile()]
    except (OSError, zipfile.BadZipFile, tarfile.TarError) as exc:
        raise ArtifactCheckFailed(f"{path.name} is not a readable archive: {exc}") from None
    raise ArtifactCheckFailed(f"{path.name} is neither a wheel nor an sdist (.tar.gz/.zip)")


def duplicate_members(path: Path) -> list[str]:
    """Member paths stored more than once. Installers disagree on which copy wins (uv unpacks in
    parallel, so even one installer may differ run to run): such an archive is not one package."""
    names = [name for name, _ in archive_members(path)]
    return sorted({n for n in names if names.count(n) > 1}) if len(set(names)) < len(names) else []


def _strip_top(name: str) -> str:
    """``pkg-1.0/src/x.py`` -> ``src/x.py``: sdists wrap everything in one folder."""
    return name.split("/", 1)[1] if "/" in name else ""


def sdist_missing_files(
    sdist: Path, tracked: Sequence[str], ignore: Sequence[str] | None = None
) -> list[str]:
    """Tracked files (paths relative to the repo root, as ``git ls-files`` prints them)
    that the sdist does not contain, minus fnmatch ``ignore`` patterns
    (default :data:`DEFAULT_SDIST_IGNORE`; pass a list to replace it)."""
    patterns = DEFAULT_SDIST_IGNORE if ignore is None else list(ignore)
    present = {_strip_top(name) for name, _ in archive_members(sdist)}
    missing = []
    for rel in tracked:
        rel = rel.replace("\\", "/").removeprefix("./")
        if rel in present or any(fnmatch.fnmatch(rel, pat) for pat in patterns):
            continue
        missing.append(rel)
    return sorted(missing)


def covering_globs(paths: Sequence[str]) -> list[str]:
    """fnmatch patterns (as ``dist.check_ignore`` takes them) that cover ``paths``: one ``FOLDER/*``
    per top-level folder (``*`` crosses ``/``), then each top-level file by name."""
    folders = sorted({p.split("/", 1)[0] for p in paths if "/" in p})
    files = sorted(p for p in paths if "/" not in p)
    return [f"{folder}/*" for folder in folders] + files


@dataclass(frozen=True)
class Oversize:
    """A file over the size limit: an artifact itself (``member`` None) or a file inside it."""

    artifact: str
    member: str | None
    size: int

    def __str__(self) -> str:
        where = f"{self.artifact}: {self.member}" if self.member else self.artifact
        return f"{where} ({human_size(self.size)})"


def oversized(paths: Iterable[Path], limit_bytes: int) -> list[Oversize]:
    """Artifacts, and files inside them, larger than ``limit_bytes``: the data
    folder or model file that slipped into a package, biggest first."""
    found = []
    for path in paths:
        path = Path(path)
        size = path.stat().st_size
        if size > limit_bytes:
            found.append(Oversize(path.name, None, size))
        found += [
            Oversize(path.name, name, n) for name, n in archive_members(path) if n > limit_bytes
        ]
    return sorted(found, key=lambda o: (-o.size, o.artifact, o.member or ""))


def _metadata_text(path: Path) -> str:
    path = Path(path)
    pattern = r"[^/]+\.dist-info/METADATA" if _is_wheel(path) else r"[^/]+/PKG-INFO"
    try:
        if path.name.endswith((".whl", ".zip")):
            with zipfile.ZipFile(path) as zf:
                names = [n for n in zf.namelist() if re.fullmatch(pattern, n)]
                if len(names) == 1:
                    return zf.read(names[0]).decode("utf-8")
        elif path.name.endswith((".tar.gz", ".tgz")):
            with tarfile.open(path, "r:gz") as tf:
                found = [m for m in tf.getmembers() if m.isfile() and re.fullmatch(pattern, m.name)]
                if len(found) == 1:
                    return tf.extractfile(found[0]).read().decode("utf-8")  # type: ignore[union-attr]
    except (OSError, zipfile.BadZipFile, tarfile.TarError, UnicodeDecodeError) as exc:
        raise ArtifactCheckFailed(f"cannot read the metadata of {path.name}: {exc}") from None
    raise ArtifactCheckFailed(f"{path.name} has no single top-level METADATA/PKG-INFO file")


def built_metadata(path: Path) -> tuple[str, str]:
    """(Name, Version) as the artifact's own metadata states them."""
    headers = email.parser.HeaderParser().parsestr(_metadata_text(path))
    name, version = headers.get("Name"), headers.get("Version")
    if not name or not version:
        raise ArtifactCheckFailed(f"{Path(path).name}: metadata lacks Name or Version")
    return name.strip(), version.strip()


def built_requires(path: Path) -> list[str]:
    """The artifact's Requires-Dist lines (its run-time dependencies, markers included)."""
    headers = email.parser.HeaderParser().parsestr(_metadata_text(path))
    return [r.strip() for r in headers.get_all("Requires-Dist") or []]


def built_about(path: Path) -> dict[str, str]:
    """Summary, license and home page from the artifact's metadata (whatever backend built it)."""
    headers = email.parser.HeaderParser().parsestr(_metadata_text(path))
    home = headers.get("Home-page") or ""
    if not home:
        for url in headers.get_all("Project-URL") or []:
            home = url.split(",", 1)[-1].strip()
            break
    license_ = headers.get("License-Expression") or headers.get("License") or ""
    return {"summary": headers.get("Summary") or "", "license": license_.strip(), "homepage": home.strip()}


def built_version(path: Path) -> str:
    """The version inside the artifact (wheel METADATA / sdist PKG-INFO), not its file name."""
    return built_metadata(path)[1]


# --- twine check ----------------------------------------------------------------------------------


# The last line of the traceback twine prints when the connection itself fails (it only
# reports HTTP answers as ERROR lines).
_CONNECTION_ERROR = re.compile(
    r"^(?:requests\.exceptions|urllib3\.exceptions|http\.client)\.\w*(?:Connection|Timeout|Disconnected|"
    r"ProtocolError|ChunkedEncodingError)\w*: (?P<why>.*)$",
    re.M,
)


def _connection_lost(output: str) -> str | None:
    """Why twine could not talk to the index at all (refused, reset, timed out), or None."""
    found = _CONNECTION_ERROR.findall(output)
    if not found:
        return None
    why = found[-1]
    inner = re.findall(r"(\w+(?:Error|Disconnected|Timeout)\w*)\((['\"])(.*?)\2", why)
    if not inner:
        return why[:200]
    name, _quote, text = inner[-1]
    # urllib3 puts the connection object first: "<...HTTPConnection object at 0x..>: " or "HTTPConnection(...): "
    text = re.sub(r"^(?:<[^>]*>|\w+\([^)]*\)):\s*", "", text)
    return f"{name}: {text}"


def _twine_reason(output: str) -> str:
    """twine's ERROR/WARNING messages with their continuation lines, on one line."""
    reason: list[str] = []
    keep = False
    for raw in output.splitlines():
        line = raw.rstrip()
        level = re.match(r"(ERROR|WARNING)\s+(.*)", line)
        if level:
            reason.append(level[2].strip())
            keep = True
        elif keep and line.startswith(" ") and line.strip():
            reason.append(line.strip())
        else:
            keep = False
    return " ".join(reason)


class _AsTwinePrintsIt(logging.Formatter):
    """twine's log records as its CLI prints them: ``ERROR text``, further lines indented under it
    (which :func:`_twine_reason` reads)."""

    def format(self, record: logging.LogRecord) -> str:
        return f"{record.levelname} " + record.getMessage().replace("\n", "\n  ")


def _twine_check_one(path: Path) -> tuple[bool, str]:
    """``twine check --strict`` of one file, in this process (twine's own ``check``; an interpreter
    start and twine's imports per call were most of its cost): (passed, what twine said)."""
    import contextlib
    import io

    from twine.commands import check as twine_check_command

    said = io.StringIO()
    handler = logging.StreamHandler(said)
    handler.setFormatter(_AsTwinePrintsIt())
    logger = logging.getLogger(twine_check_command.__name__)
    logger.addHandler(handler)
    propagate, logger.propagate = logger.propagate, False  # said once, in the report, not on stderr too
    try:
        with contextlib.redirect_stdout(said):
            failed = twine_check_command.check([str(path)], strict=True)
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate
    return not failed, said.getvalue()


def twine_check(shell: Shell, paths: Sequence[Path]) -> None:
    """``twine check --strict``: metadata complete, README renders. Raises ArtifactCheckFailed
    naming each failing file and twine's reason."""
    import time

    from releasekit.core import releaselog

    if not paths:
        raise ArtifactCheckFailed(
            "no artifacts to check", "build them first (`releasekit dist.pypi`)"
        )
    problems = []
    for path in paths:
        start = time.monotonic()
        passed, output = _twine_check_one(Path(path))
        log = releaselog.active()
        if log:
            log.command(f"twine check --strict {path}", 0 if passed else 1, output, time.monotonic() - start)
        if not passed:
            problems.append(f"{Path(path).name}: {_twine_reason(output) or _tail(output, 3)}")
    if problems:
        raise ArtifactCheckFailed(
            "twine check failed: " + "; ".join(problems),
            "fix the metadata (long_description and its content type) and rebuild",
        )


# --- upload ---------------------------------------------------------------------------------------


@dataclass
class UploadPlan:
    """What an upload would do: files to send, and files the index already has byte for byte."""

    upload: list[Path] = field(default_factory=list)
    skip: list[Path] = field(default_factory=list)

    @property
    def nothing_to_do(self) -> bool:
        return not self.upload


def plan_upload(local: Sequence[Path], remote: Mapping[str, str | None]) -> UploadPlan:
    """Decide per file: upload (absent), skip (same sha256 on the index) or stop.

    A file name the index has with another hash, or without a hash to compare,
    raises :class:`FilenameTaken` for all such files at once, before anything
    is uploaded: an index never accepts a file name twice.
    """
    plan = UploadPlan()
    taken = []
    for path in _upload_order(Path(p) for p in local):
        if path.name not in remote:
            plan.upload.append(path)
            continue
        theirs = remote[path.name]
        if theirs is not None and theirs.lower() == sha256(path):
            plan.skip.append(path)
        elif theirs is None:
            taken.append(f"{path.name} (the index shows no sha256 to compare)")
        else:
            taken.append(
                f"{path.name} (index sha256 {theirs[:12]}..., local {sha256(path)[:12]}...)"
            )
    if taken:
        raise FilenameTaken("the index already has other content under: " + "; ".join(taken))
    return plan


def _is_url(repository: str) -> bool:
    return "://" in repository


def _config_file(config_file: str | Path | None, environ: Mapping[str, str]) -> str | None:
    """The .pypirc to use: the argument, else $TWINE_CONFIG_FILE, else twine's default."""
    chosen = config_file or environ.get("TWINE_CONFIG_FILE")
    return str(chosen) if chosen else None


def repository_config(
    repository: str,
    *,
    config_file: str | Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> dict[str, str | None]:
    """twine's view of a repository name or URL: ``repository`` (URL), ``username``, ``password``."""
    from twine import exceptions as twine_exceptions
    from twine import utils as twine_utils

    environ = os.environ if environ is None else environ
    path = _config_file(config_file, environ) or twine_utils.DEFAULT_CONFIG_FILE
    try:
        if _is_url(repository):
            return dict(twine_utils.get_repository_from_config(path, "pypi", repository))
        return dict(twine_utils.get_repository_from_config(path, repository))
    except twine_exceptions.TwineException as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ConfigError(
            f"repository {redact(repository)!r}: {first}",
            "set releasekit.pypi.repository to a URL or to a section of your .pypirc",
        ) from None


def repository_url(
    repository: str,
    *,
    config_file: str | Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> str:
    """The upload URL of a twine repository name (``pypi``, a .pypirc section) or URL."""
    return str(
        repository_config(repository, config_file=config_file, environ=environ)["repository"]
    )


def _simple_root(repository_url: str) -> str:
    """The simple index root (what pip's ``--index-url`` takes) of the index an upload URL belongs to."""
    return index.simple_url(repository_url, "any").rstrip("/").rsplit("/", 1)[0] + "/"


def default_deps_index(upload_url: str, index_root: str) -> str | None:
    """PyPI's simple index when the target is TestPyPI, else None.

    TestPyPI carries few of the dependencies and build backends a clean install needs, so they come
    from PyPI. Both indexes are known by the URLs twine itself uses for its ``pypi`` and ``testpypi``
    repositories: no host name is written down here.
    """
    from urllib.parse import urlsplit

    from twine import utils as twine_utils

    test = twine_utils.TEST_REPOSITORY
    if urlsplit(upload_url).hostname == urlsplit(test).hostname or index_root == _simple_root(test):
        return _simple_root(twine_utils.DEFAULT_REPOSITORY)
    return None


def upload(
    shell: Shell,
    paths: Sequence[Path],
    repository: str,
    *,
    username: str | None = None,
    password: str | None = None,
    config_file: str | Path | None = None,
    timeout: float | None = None,
) -> list[Path]:
    """Upload each file with its own ``twine upload`` call, wheels first; return them.

    ``repository`` is a .pypirc section name or an upload URL. Credentials go
    through TWINE_USERNAME/TWINE_PASSWORD in the child's environment only,
    never on the command line. A refusal raises :class:`UploadRejected` naming
    the file and the index's reason; files before it are uploaded, files after
    it are not. Call :func:`plan_upload` first so re-runs skip what is there.
    """
    secrets = [s for s in (password,) if s]
    target = (
        ["--repository-url", repository] if _is_url(repository) else ["--repository", repository]
    )
    cfg = _config_file(config_file, os.environ)
    env = dict(_WIDE)
    if not _is_url(repository):
        # twine prefers TWINE_REPOSITORY_URL over --repository: blank it so the name wins
        env["TWINE_REPOSITORY_URL"] = ""
    if username is not None:
        env["TWINE_USERNAME"] = username
    if password is not None:
        env["TWINE_PASSWORD"] = password
    done = []
    for path in _upload_order(Path(p) for p in paths):
        argv = [*_TWINE, "upload", "--non-interactive", "--disable-progress-bar", *target]
        argv += (["--config-file", cfg] if cfg else []) + [str(path)]
        result = shell.run(argv, env=env, check=False, timeout=timeout)
        if not result.ok:
            lost = _connection_lost(result.output)
            if lost:
                raise IndexUnavailable(
                    redact(f"lost the connection to {redact(repository)} while uploading {path.name}: {lost}",
                           secrets=secrets),
                    "check that the index is up and reachable, then run the same command again: "
                    "files already uploaded are skipped",
                )
            reason = _twine_reason(result.output) or _tail(result.output, 3)
            raise UploadRejected(
                redact(f"{redact(repository)} refused {path.name}: {reason}", secrets=secrets),
                _rejection_hint(reason),
            )
        done.append(path)
    return done


def upload_missing(
    shell: Shell,
    paths: Sequence[Path],
    repository: str,
    *,
    index_url: str | None = None,
    username: str | None = None,
    password: str | None = None,
    config_file: str | Path | None = None,
    timeout: float | None = None,
) -> UploadPlan:
    """The idempotent upload: read the index's simple page, plan, upload only what is missing.

    Safe to re-run after any failure: files already there byte for byte are
    skipped, and a file name taken by other content stops everything before
    the first upload (:class:`FilenameTaken`). ``index_url`` overrides where
    the simple pages are (see :func:`releasekit.adapters.index.simple_url`).
    Returns the plan that was carried out.
    """
    names = {canonicalize_name(built_metadata(p)[0]) for p in paths}
    if len(names) != 1:
        raise ArtifactCheckFailed(
            f"artifacts of {len(names)} projects given ({', '.join(sorted(names))}); upload one project at a time"
        )
    url = repository_url(repository, config_file=config_file)
    auth = (username, password) if username and password else None
    remote = index.fetch_files(index.simple_url(url, names.pop(), index_url), auth=auth)
    plan = plan_upload(paths, remote)
    if plan.upload:
        upload(
            shell,
            plan.upload,
            repository,
            username=username,
            password=password,
            config_file=config_file,
            timeout=timeout,
        )
    return plan


def _rejection_hint(reason: str) -> str:
    if re.search(r"\b(401|403)\b", reason):
        return (
            "check the upload credentials (TWINE_USERNAME/TWINE_PASSWORD or .pypirc) for this index"
        )
    if re.search(r"\b(400|409)\b", reason):
        return ("the index refused the file: if it has this filename already with other content, release a "
                "post-release (`releasekit release-hotfix` on the release branch)")
    return ""  # the rendered error names the log with twine's full output


@dataclass(frozen=True)
class Credentials:
    """What twine would authenticate with; ``source`` says where the password came from.
    The password never shows in repr."""

    username: str
    password: str = field(repr=False)
    source: str


def credentials(
    repository: str,
    environ: Mapping[str, str] | None = None,
    *,
    config_file: str | Path | None = None,
) -> Credentials | None:
    """Credentials twine would use for ``repository``, without prompting; None if it would have to ask.

    Same order as twine: TWINE_USERNAME/TWINE_PASSWORD, then the .pypirc section
    (or user:password in the URL), then keyring if it is installed. The public
    index and its test instance default the user name to ``__token__``.
    Trusted publishing (OIDC) is not detected here.
    """
    from twine import utils as twine_utils

    environ = os.environ if environ is None else environ
    config = repository_config(repository, config_file=config_file, environ=environ)
    system = str(config.get("repository") or "")
    is_public = system.startswith((twine_utils.DEFAULT_REPOSITORY, twine_utils.TEST_REPOSITORY))
    where = "the repository URL" if _is_url(repository) else f".pypirc [{repository}]"

    username = environ.get("TWINE_USERNAME")
    if username is None and is_public:
        username = "__token__"
    elif username is None and config.get("username"):
        username = config["username"]
    password, pw_from = environ.get("TWINE_PASSWORD"), "TWINE_PASSWORD"
    if password is None and config.get("password"):
        password, pw_from = config["password"], where
    if username is None:
        username = _keyring_username(system)
    if password is None and username:
        password = _keyring_password(system, username)
        pw_from = "keyring"
    if not username or not password:
        return None
    return Credentials(username, password, pw_from)


def _keyring():
    try:
        import keyring
    except ImportError:  # keyring is optional, as for twine
        return None
    return keyring


def _keyring_username(system: str) -> str | None:
    keyring = _keyring()
    try:
        cred = keyring.get_credential(system, None) if keyring else None
    except Exception:  # no backend, locked store, no D-Bus: twine shrugs too
        return None
    return cred.username if cred else None


def _keyring_password(system: str, username: str) -> str | None:
    keyring = _keyring()
    try:
        return keyring.get_password(system, username) if keyring else None
    except Exception:
        return None
