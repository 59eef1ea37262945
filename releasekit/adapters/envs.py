"""Throwaway virtual environments that see nothing but what we hand them.

A check that installs "the release" proves nothing if pip quietly takes the
package from a ``find-links`` folder, a config file's extra index or a stale
cache. Every command here runs with :func:`hermetic_env`, so the only sources
are the ones named on the command line.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

from releasekit.adapters.shell import CommandResult, Shell
from releasekit.core import provenance
from releasekit.core.errors import CommandFailed, InstallFailed, ToolMissing, VerifyFailed
from releasekit.core.hostscripts import KEEP_VARIABLES
from releasekit.core.installcause import install_cause

# pip/uv settings that only carry traffic (certificates, proxies, timeouts) and never decide *which*
# package gets installed: the list the remote install scripts keep, plus local concurrency knobs.
_PLUMBING = {*KEEP_VARIABLES, "UV_CONCURRENT_DOWNLOADS", "UV_CONCURRENT_INSTALLS", "UV_CONCURRENT_BUILDS"}

# Other variables that make an interpreter or installer look outside the env.
_LEAKY = {
    "PYTHONPATH",
    "PYTHONHOME",
    "PYTHONUSERBASE",
    "PYTHONSTARTUP",
    "VIRTUAL_ENV",
    "CONDA_PREFIX",
    "PIP_CONFIG_FILE",
}

_FORCED = {
    "PIP_CONFIG_FILE": os.devnull,
    "PIP_NO_CACHE_DIR": "1",
    "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    "PIP_NO_INPUT": "1",
    "UV_NO_CONFIG": "1",
    "UV_NO_CACHE": "1",
    "UV_NO_PROGRESS": "1",
    "PYTHONNOUSERSITE": "1",
}


def hermetic_env(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """``base`` (default: os.environ) minus everything that adds package sources.

    Drops every PIP_*/UV_* variable except network plumbing (so PIP_FIND_LINKS,
    PIP_INDEX_URL, PIP_EXTRA_INDEX_URL, PIP_NO_INDEX, UV_INDEX_URL, UV_FIND_LINKS
    ... all go), PYTHONPATH and friends, then ignores config files and caches.
    """
    base = os.environ if base is None else base
    env = {
        k: v
        for k, v in base.items()
        if k not in _LEAKY and (not k.startswith(("PIP_", "UV_")) or k in _PLUMBING)
    }
    env.update(_FORCED)
    return env


def uv_binary() -> str | None:
    """The uv executable (the ``uv`` Python package's or one on PATH), if any."""
    if importlib.util.find_spec("uv") is not None:
        try:
            import uv

            return uv.find_uv_bin()
        except Exception:  # a broken uv package: fall back to PATH
            pass
    return shutil.which("uv")


def _is_local(item: str | Path) -> bool:
    return isinstance(item, Path) or Path(item).exists()


def _http_hosts(urls: Sequence[str | None]) -> list[str]:
    """host[:port] of each plain-http URL, once: the indexes named on the command line, as given."""
    from urllib.parse import urlsplit

    return list(dict.fromkeys(urlsplit(u).netloc.rpartition("@")[2] for u in urls if u and u.startswith("http://")))


class CleanEnv:
    """A venv in a temp folder; use through :func:`clean_env`, which removes it."""

    def __init__(self, shell: Shell, path: Path, *, uv: str | None) -> None:
        self.shell = shell
        self.path = Path(path)
        self.uv = uv
        self.env = hermetic_env()

    @property
    def python_path(self) -> Path:
        if os.name == "nt":
            return self.path / "Scripts" / "python.exe"
        return self.path / "bin" / "python"

    def create(self, python: str) -> None:
        # A throwaway env changes nothing outside itself, so these commands run
        # for real in a dry run too (changes=False): checks stay honest.
        if self.uv:
            argv = [self.uv, "venv", "--quiet", "--python", python, str(self.path)]
        else:
            argv = [python, "-m", "venv", "--without-pip", str(self.path)]
        self.shell.run(argv, env=self.env, replace_env=True, changes=False)

    def install(
        self,
        specs_or_paths: Sequence[str | Path],
        *,
        index_url: str | None = None,
        no_deps: bool = False,
        extra_index_urls: Sequence[str] = (),
        report: bool = False,
    ) -> CommandResult:
        """Install requirement specs or local artifact files, from ``index_url`` only.

        Without ``index_url``, a list made only of local files installs with
        ``--no-index`` (nothing may come from anywhere else); specs then come
        from the installer's default index. ``extra_index_urls`` are further
        indexes (dependencies, build backends). ``report`` makes pip write its
        installation report (uv has none, so pip installs then), read with
        :meth:`installed_from`.
        """
        items = [str(s) for s in specs_or_paths]
        if not items:
            raise ValueError("nothing to install")
        if self.uv and not report:
            argv = [self.uv, "pip", "install", "--python", str(self.python_path)]
        else:
            argv = [sys.executable, "-m", "pip", "--python", str(self.python_path), "install"]
        if report:
            self.report_path.unlink(missing_ok=True)
            argv += ["--report", str(self.report_path)]
        if extra_index_urls and not index_url:
            raise ValueError("extra indexes need an index_url: the installer's default index is never hermetic")
        for url in extra_index_urls:
            argv += ["--extra-index-url", url]
        if argv[0] == sys.executable:  # pip ignores a plain-http index unless told; uv reads it as given
            argv += [arg for host in _http_hosts([index_url, *extra_index_urls]) for arg in ("--trusted-host", host)]
        if index_url:
            argv += ["--index-url", index_url]
        elif all(_is_local(s) for s in specs_or_paths):
            argv.append("--no-index")
        if no_deps:
            argv.append("--no-deps")
        argv += items
        try:
            return self.shell.run(argv, env=self.env, replace_env=True, changes=False)
        except CommandFailed as exc:
            cause = install_cause(exc.output)
            raise InstallFailed(f"installing {' '.join(items)} into a clean environment failed: {cause}",
                                exc.output, cause=cause) from None

    @property
    def report_path(self) -> Path:
        return self.path.parent / "install-report.json"

    def installed_from(self, package: str):
        """The file the last install took ``package`` from: pip's installation report after
        ``install(report=True)``, else (a local file installed by uv or pip) the ``direct_url.json``
        the installer recorded (PEP 610), with the sha256 of the file it names. None if neither says."""
        import json

        try:
            report = json.loads(self.report_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return self._installed_from_direct_url(package)
        return provenance.from_report(report, package)

    def _installed_from_direct_url(self, package: str):
        import json
        from urllib.parse import unquote, urlsplit

        wanted = provenance.canonical_name(package)
        for record in self.path.glob("[lL]ib*/**/site-packages/*.dist-info/direct_url.json"):
            if provenance.canonical_name(record.parent.name.removesuffix(".dist-info").rsplit("-", 1)[0]) != wanted:
                continue
            try:
                url = str(json.loads(record.read_text(encoding="utf-8")).get("url", ""))
            except (OSError, ValueError):
                return None
            parts = urlsplit(url)
            local = Path(unquote(parts.path)) if parts.scheme == "file" else None
            if local is None or not local.is_file():
                return provenance.InstalledFile(name=url.rsplit("/", 1)[-1], url=url)
            return provenance.InstalledFile(name=local.name, url=url, sha256=_sha256(local))
        return None

    def python(self, args: Sequence[str], *, check: bool = True) -> CommandResult:
        """Run the env's interpreter (isolated mode: no cwd, no PYTHON* vars, no user site)."""
        argv = [str(self.python_path), "-I", *args]
        return self.shell.run(
            argv, cwd=self.path, env=self.env, replace_env=True, changes=False, check=check
        )

    def check_import(self, module: str, dist: str | None = None) -> str:
        """Import ``module`` from this env and return the installed version of ``dist``.

        Fails if the module comes from anywhere but the env itself.
        """
        dist = dist or module
        code = (
            "import importlib, importlib.metadata as md, sys\n"
            f"m = importlib.import_module({module!r})\n"
            "print(getattr(m, '__file__', '') or '')\n"
            f"print(md.version({dist!r}))\n"
        )
        result = self.python(["-c", code], check=False)
        if not result.ok:
            raise VerifyFailed(f"`import {module}` failed in a clean environment: {install_cause(result.output)}")
        lines = result.stdout.strip().splitlines()
        where, version = (
            (lines[-2], lines[-1]) if len(lines) >= 2 else ("", lines[-1] if lines else "")
        )
        if where and not Path(where).resolve().is_relative_to(self.path.resolve()):
            raise VerifyFailed(
                f"`import {module}` found {where}, outside the clean environment {self.path}"
            )
        return version.strip()


@contextmanager
def clean_env(
    shell: Shell,
    python: str = sys.executable,
    tmp_root: str | Path | None = None,
    *,
    use_uv: bool | None = None,
) -> Iterator[CleanEnv]:
    """A fresh venv for ``python`` that is deleted on exit, also after an error.

    ``use_uv=None`` uses uv when available, else ``venv --without-pip`` plus the
    outer interpreter's pip (``pip --python``), the two fastest ways measured.
    """
    uv = uv_binary() if use_uv in (None, True) else None
    if use_uv and not uv:
        raise ToolMissing(
            "uv was requested for clean environments but is not installed", "pip install uv"
        )
    folder = Path(tempfile.mkdtemp(prefix="releasekit-env-", dir=tmp_root))
    env = CleanEnv(shell, folder / "venv", uv=uv)
    try:
        env.create(python)
        yield env
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _sha256(path: Path) -> str:
    import hashlib

    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
