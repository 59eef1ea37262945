"""Per-OS scripts that prove a published release installs on a host. Pure: data in, text out.

A remote host gets one self-contained script in its own dialect: POSIX ``sh``
(Linux, macOS), ``powershell`` or ``cmd`` (Windows). The script makes a temp
dir, creates a venv there, installs ``PKG==VERSION`` with pip or uv cut off
from every machine-level setting (config files, PIP_*/UV_* variables, caches),
retries the install with backoff because index caches disagree for a while
after an upload, checks import and version, runs an optional smoke command,
always removes the temp dir, and exits with the first failing step's code.

It reports on stdout as ``RK key=value`` lines, so the caller never has to
parse tool output; :func:`parse_results` turns them into a dict.

Every value from outside (package, URLs, python command) reaches the script
through :func:`quote`, the one place that knows each dialect's quoting.
"""

from __future__ import annotations

import re
import secrets
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from packaging.version import InvalidVersion, Version

from releasekit.core.errors import ConfigError, VersionError
from releasekit.core.provenance import REPORT_PRINTER

DIALECTS = ("sh", "powershell", "cmd")
INSTALLERS = ("pip", "uv")
DEFAULT_PYTHON = {"sh": "python3", "powershell": "py -3", "cmd": "py -3"}

# pip/uv variables that only carry traffic (certificates, proxies, timeouts) and
# never decide which package gets installed: a host may need them to reach the
# index at all. Every other PIP_*/UV_* variable is cleared.
KEEP_VARIABLES = (
    "PIP_CERT",
    "PIP_CLIENT_CERT",
    "PIP_PROXY",
    "PIP_TIMEOUT",
    "PIP_DEFAULT_TIMEOUT",
    "PIP_RETRIES",
    "PIP_TRUSTED_HOST",
    "UV_NATIVE_TLS",
    "UV_HTTP_TIMEOUT",
    "UV_REQUEST_TIMEOUT",
    "UV_HTTP_RETRIES",
    "UV_INSECURE_HOST",
)
# Variables that make an interpreter look outside its env.
CLEAR_VARIABLES = ("PYTHONPATH", "PYTHONHOME", "PYTHONUSERBASE", "PYTHONSTARTUP", "VIRTUAL_ENV", "CONDA_PREFIX")

# PEP 508 distribution name; a dotted Python module path for the import check.
_DIST_NAME = re.compile(r"^([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9._-]*[A-Za-z0-9])$")
_IMPORT_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")


@dataclass(frozen=True)
class CondaSource:
    """A conda install instead of pip's: ``name==version`` solved from ``channels`` (rattler URLs or
    names, the first the release's own) into a clean prefix with py-rattler. A host whose python cannot
    import ``rattler`` gets it in a throwaway venv: ``pip install RATTLER`` (from ``rattler_index_url``,
    else pip's own index)."""

    name: str
    channels: Sequence[str]
    rattler: str = "py-rattler"
    rattler_index_url: str | None = None

    def __post_init__(self) -> None:
        if not _DIST_NAME.match(self.name or ""):
            raise ConfigError(f"{self.name!r} is not a valid conda package name")
        object.__setattr__(self, "channels", tuple(str(c) for c in self.channels))
        if not self.channels or any(not c or any(ch.isspace() for ch in c) for c in self.channels):
            raise ConfigError(f"the conda channels {list(self.channels)!r} are empty or contain whitespace")


@dataclass(frozen=True)
class VerifySpec:
    """What to install on a host, from where, and how to check it.

    ``python`` is a command line in the host's own syntax (``python3``,
    ``py -3.12``, ``"C:\\Program Files\\Python312\\python.exe"``); None
    means the dialect's usual one (:data:`DEFAULT_PYTHON`). ``smoke`` is
    a command in the host's dialect, run with the new env first on PATH.
    ``backoff`` is the wait in seconds before the second attempt; it doubles.
    ``trusted_hosts`` lets pip (``--trusted-host``) and uv
    (``--allow-insecure-host``) use a plain-http or self-signed index.
    ``expected_files`` (filename -> sha256 of the released files) makes pip
    write its installation report and the script print which file it
    installed the package from (``RK installed_file/url/sha256``), for the
    caller to compare; uv writes no such report, so it cannot be used then.
    """

    package: str
    version: str
    import_name: str | None = None
    index_url: str | None = None
    extra_index_urls: Sequence[str] = field(default_factory=tuple)
    trusted_hosts: Sequence[str] = field(default_factory=tuple)
    python: str | None = None
    smoke: str | None = None
    installer: str = "pip"
    uv_command: str = "uv"
    attempts: int = 4
    backoff: int = 5
    expected_files: Mapping[str, str] = field(default_factory=dict)
    conda: CondaSource | None = None

    def __post_init__(self) -> None:
        if not _DIST_NAME.match(self.package or ""):
            raise ConfigError(f"{self.package!r} is not a valid distribution name")
        try:
            canonical = str(Version(self.version))
        except InvalidVersion:
            raise VersionError(f"{self.version!r} is not a PEP 440 version") from None
        object.__setattr__(self, "version", canonical)
        if self.import_name is None:
            object.__setattr__(self, "import_name", self.package.replace("-", "_").replace(".", "_").lower())
        if not _IMPORT_NAME.match(self.import_name or ""):
            raise ConfigError(f"{self.import_name!r} is not an importable module name")
        object.__setattr__(self, "extra_index_urls", tuple(self.extra_index_urls))
        object.__setattr__(self, "trusted_hosts", tuple(self.trusted_hosts))
        for host in self.trusted_hosts:
            if not host or any(c.isspace() or c == "/" for c in host):
                raise ConfigError(f"trusted host {host!r} must be a host name or host:port")
        for url in (self.index_url, *self.extra_index_urls):
            if url is not None and (not url or any(c.isspace() for c in url)):
                raise ConfigError(f"index URL {url!r} is empty or contains whitespace")
        if self.installer not in INSTALLERS:
            raise ConfigError(f"unknown installer {self.installer!r}; use one of {', '.join(INSTALLERS)}")
        if self.python is not None and not self.python.strip():
            raise ConfigError("the python command is empty", hint="set the host's `python`, e.g. python3 or `py -3.12`")
        object.__setattr__(self, "expected_files", dict(self.expected_files))
        for name, sha in self.expected_files.items():
            if not re.fullmatch(r"[0-9a-f]{64}", str(sha)):
                raise ConfigError(f"the sha256 of {name!r} is not 64 hex digits: {sha!r}")
        if self.expected_files and self.installer == "uv":
            raise ConfigError("uv writes no installation report, so the file it installs cannot be compared "
                              "with the released one", hint="use the pip installer on this host")
        if self.attempts < 1 or self.backoff < 0:
            raise ConfigError(f"attempts must be >= 1 and backoff >= 0 (got {self.attempts}, {self.backoff})")

    @property
    def requirement(self) -> str:
        return f"{self.package}=={self.version}"


# --- quoting ---------------------------------------------------------------------------------

_CMD_BARE = re.compile(r"^[A-Za-z0-9_\-+./:\\@]+$")
_PS_BARE = re.compile(r"^(?:[A-Za-z_][A-Za-z0-9_\-./:\\]*|--?[A-Za-z][A-Za-z0-9_\-]*)$")
# PowerShell treats all of these as single quotes inside a single-quoted string.
_PS_SINGLE_QUOTES = "'\u2018\u2019\u201a\u201b"


def quote(arg: str, dialect: str) -> str:
    """Quote one argument so the dialect's shell hands it to a program unchanged."""
    if "\0" in arg:
        raise ConfigError(f"{arg!r} contains a NUL character, which no shell can pass")
    if dialect == "sh":
        return shlex.quote(arg)
    if dialect == "powershell":
        return _quote_powershell(arg)
    if dialect == "cmd":
        return _quote_cmd(arg)
    raise _unknown_dialect(dialect)


def _quote_powershell(arg: str) -> str:
    """A single-quoted literal, for an argument to a native program.

    Windows PowerShell 5.1 and PowerShell 7 build the program's command line
    differently when an argument holds a double quote, or ends in a backslash
    and holds whitespace; no quoting is right for both, so such values are
    refused instead of being passed mangled.
    """
    if '"' in arg or (re.search(r"\s", arg) and arg.endswith("\\")) or arg == "":
        raise ConfigError(
            f"{arg!r} cannot be passed to a program from PowerShell reliably "
            "(empty, a double quote, or whitespace with a trailing backslash)",
            hint="drop the double quotes / trailing backslash, or set the host's `shell: cmd`",
        )
    return arg if _PS_BARE.match(arg) else _ps_string(arg)


def _ps_string(text: str) -> str:
    """A PowerShell single-quoted string literal: nothing inside is special but the quotes."""
    return "'" + "".join(c * 2 if c in _PS_SINGLE_QUOTES else c for c in text) + "'"


def _quote_cmd(arg: str) -> str:
    """Quote for a program started from a cmd batch file.

    Two parsers read the text: cmd (``%`` expansion, ``^&|<>()`` outside
    quotes) and then the program's C runtime (``"`` and backslashes). Without
    a double quote in the value, a plain ``"..."`` protects everything but
    ``%``, which is doubled. With one, every cmd metacharacter, the quotes
    included, is escaped with ``^`` so cmd never changes its quote state.
    """
    if "\n" in arg or "\r" in arg:
        raise ConfigError(f"{arg!r} contains a line break, which cmd cannot pass as an argument")
    if _CMD_BARE.match(arg):
        return arg
    crt = _crt_quote(arg)
    if '"' not in arg:
        return crt.replace("%", "%%")
    out = []
    for c in crt:
        if c == "%":
            out.append("%%")
        elif c in '^&|<>()"!':
            out.append("^" + c)
        else:
            out.append(c)
    return "".join(out)


def _crt_quote(arg: str) -> str:
    """Quote for the Microsoft C runtime's argv parser (CommandLineToArgvW rules)."""
    out = ['"']
    backslashes = 0
    for c in arg:
        if c == "\\":
            backslashes += 1
            continue
        if c == '"':
            out.append("\\" * (2 * backslashes + 1) + '"')
        else:
            out.append("\\" * backslashes + c)
        backslashes = 0
    out.append("\\" * (2 * backslashes) + '"')
    return "".join(out)


def split_command(command: str, dialect: str) -> list[str]:
    """Split a configured command line (e.g. the python command) into words.

    POSIX rules for sh; on Windows only double quotes group and backslashes
    are path separators, as users write them there.
    """
    if dialect == "sh":
        try:
            words = shlex.split(command)
        except ValueError as exc:
            raise ConfigError(f"cannot parse command {command!r}: {exc}") from None
    elif dialect in ("powershell", "cmd"):
        if command.count('"') % 2:
            raise ConfigError(f"cannot parse command {command!r}: unbalanced double quote")
        words = [w.replace('"', "") for w in re.findall(r'(?:"[^"]*"|[^\s"])+', command)]
    else:
        raise _unknown_dialect(dialect)
    if not words:
        raise ConfigError(f"command {command!r} is empty")
    return words


def _unknown_dialect(dialect: str) -> ConfigError:
    return ConfigError(f"unknown shell {dialect!r}; use one of {', '.join(DIALECTS)} (or auto)")


# --- the Python the script runs (single quotes only, so every dialect passes it intact) ---------

_PY_INFO = (
    "import platform as p;s=p.system();"
    "print('RK os='+(('macOS '+p.mac_ver()[0]) if s=='Darwin' else (s+' '+p.release())));"
    "print('RK arch='+p.machine());print('RK python='+p.python_version())"
)
_PY_CLOCK = "import sys,time;print('RK '+sys.argv[1]+'='+repr(time.time()))"
_PY_IMPORT = "import sys,importlib;importlib.import_module(sys.argv[1])"
# Whether the base interpreter's pip can fill another env (`pip --python`, pip >= 22.3): asked of
# pip's version string, which costs one import instead of a whole `pip --version` run.
_PY_PIP_PYTHON = (
    "import re,sys,pip;m=re.match(r'(\\d+)\\.(\\d+)',pip.__version__);"
    "sys.exit(0 if m and (int(m[1]),int(m[2]))>=(22,3) else 1)"
)
_PY_VERSION = (
    "import sys,importlib.metadata as m;v=m.version(sys.argv[1]);"
    "print('RK version='+v);sys.exit(0 if v==sys.argv[2] else 1)"
)


@dataclass
class _Parts:
    """Every quoted piece a dialect template needs."""

    py: str
    install_args: str  # after `install`
    uv: str
    info: str
    clock: str
    check_import: str
    check_version: str
    print_report: str  # prints RK installed_* from pip's report; "" when no file is expected
    pip_python: str


# Where pip's installation report goes, in each dialect's own reference to the script's temp dir.
_REPORT = {"sh": '"$rk_tmp/rk-report.json"', "powershell": "$rkReport", "cmd": '"%RK_TMP%\\rk-report.json"'}


def _parts(spec: VerifySpec, dialect: str) -> _Parts:
    def q(a: str) -> str:
        return quote(a, dialect)

    py = " ".join(q(w) for w in split_command(spec.python or DEFAULT_PYTHON[dialect], dialect))
    args = ["--no-cache" if spec.installer == "uv" else "--no-cache-dir"]
    if spec.index_url:
        args += ["--index-url", spec.index_url]
    for url in spec.extra_index_urls:
        args += ["--extra-index-url", url]
    for host in spec.trusted_hosts:
        args += ["--allow-insecure-host" if spec.installer == "uv" else "--trusted-host", host]
    args.append(spec.requirement)
    uv = " ".join(q(w) for w in split_command(spec.uv_command, dialect))
    install_args = " ".join(q(a) for a in args)
    print_report = ""
    if spec.expected_files:
        install_args += f" --report {_REPORT[dialect]}"
        print_report = f"{py} -c {q(REPORT_PRINTER)} {_REPORT[dialect]} {q(spec.package)}"
    return _Parts(
        py=py,
        install_args=install_args,
        uv=uv,
        info=q(_PY_INFO),
        clock=q(_PY_CLOCK),
        check_import=f"{q(_PY_IMPORT)} {q(spec.import_name or '')}",
        check_version=f"{q(_PY_VERSION)} {q(spec.package)} {q(spec.version)}",
        print_report=print_report,
        pip_python=q(_PY_PIP_PYTHON),
    )


def render(spec: VerifySpec, dialect: str) -> str:
    """The whole verify script for one dialect."""
    if spec.conda is not None:
        return _render_conda(spec, spec.conda, dialect)
    if dialect == "sh":
        return _render_sh(spec, _parts(spec, dialect))
    if dialect == "powershell":
        return _render_powershell(spec, _parts(spec, dialect))
    if dialect == "cmd":
        return _render_cmd(spec, _parts(spec, dialect))
    raise _unknown_dialect(dialect)


def _report_line(p: _Parts, dialect: str) -> str:
    """The line that prints which file pip installed the package from (its sha256 is checked by the caller)."""
    if not p.print_report:
        return ""
    comment = "rem" if dialect == "cmd" else "#"
    indent = "    " if dialect == "powershell" else ""
    call = "& " if dialect == "powershell" else ""
    return (f"{indent}{comment} Which file the package came from: the caller compares its sha256 with the release's.\n"
            f"{indent}{call}{p.print_report}\n")


def _header(spec: VerifySpec, comment: str) -> str:
    return (
        f"{comment} releasekit: check that {spec.requirement} installs and imports in a clean environment.\n"
        f"{comment} Generated by releasekit.hostscripts; values are quoted there, one function per shell.\n"
    )


def _render_sh(spec: VerifySpec, p: _Parts) -> str:
    if spec.installer == "uv":
        setup_env = f"""\
{p.py} -m venv --without-pip "$rk_env" || {{ rk_rc=$?; echo "RK venv=fail"; echo "RK result=fail"; exit "$rk_rc"; }}
rk_install() {{ {p.uv} pip install --python "$rk_envpy" {p.install_args}; }}
"""
    else:
        setup_env = f"""\
# Fast path: an env without pip, filled by the base interpreter's pip (--python needs pip >= 22.3).
if {p.py} -m venv --without-pip "$rk_env" && {p.py} -c {p.pip_python} >/dev/null 2>&1; then
  rk_install() {{ {p.py} -m pip --python "$rk_envpy" install {p.install_args}; }}
else
  rm -rf "$rk_env"
  {p.py} -m venv "$rk_env" || {{ rk_rc=$?; echo "RK venv=fail"; echo "RK result=fail"; exit "$rk_rc"; }}
  rk_install() {{ "$rk_envpy" -m pip install {p.install_args}; }}
fi
"""
    smoke = ""
    if spec.smoke:
        smoke = f"""
# Smoke command, with the new env first on PATH.
(
PATH="$rk_env/bin:$PATH"; VIRTUAL_ENV="$rk_env"; export PATH VIRTUAL_ENV
{spec.smoke}
)
rk_rc=$?
if [ "$rk_rc" -eq 0 ]; then echo "RK smoke=ok"; else echo "RK smoke=fail"; rk_fail "$rk_rc"; fi
"""
    return f"""#!/bin/sh
{_header(spec, "#")}
rk_status=0
rk_fail() {{ [ "$rk_status" -ne 0 ] || rk_status=$1; }}
rk_tmp=$(mktemp -d "${{TMPDIR:-/tmp}}/releasekit-verify.XXXXXX") || {{ echo "RK error=cannot create a temp dir"; exit 70; }}
# The temp dir goes on every exit: success, failed check, or signal.
rk_cleanup() {{ cd / && rm -rf "$rk_tmp"; }}
trap rk_cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM
echo "RK tmp=$rk_tmp"
cd "$rk_tmp" || exit 70

# Hermetic installs: no config file, no inherited PIP_*/UV_* settings, no user site.
for rk_var in $(env | sed -n 's/^\\(PIP_[A-Za-z0-9_]*\\)=.*/\\1/p; s/^\\(UV_[A-Za-z0-9_]*\\)=.*/\\1/p'); do
  case "$rk_var" in
    {"|".join(KEEP_VARIABLES)}) ;;  # certificates, proxies, timeouts
    *) unset "$rk_var" ;;
  esac
done
PIP_CONFIG_FILE=/dev/null; PIP_DISABLE_PIP_VERSION_CHECK=1; PIP_NO_INPUT=1; UV_NO_CONFIG=1; PYTHONNOUSERSITE=1
export PIP_CONFIG_FILE PIP_DISABLE_PIP_VERSION_CHECK PIP_NO_INPUT UV_NO_CONFIG PYTHONNOUSERSITE
unset {" ".join(CLEAR_VARIABLES)}

{p.py} -c {p.info} || {{ rk_rc=$?; echo "RK python=fail"; echo "RK result=fail"; exit "$rk_rc"; }}
rk_env="$rk_tmp/env"
rk_envpy="$rk_env/bin/python"
{setup_env}
# Retry with backoff: an index's caches can lag behind a fresh upload.
{p.py} -c {p.clock} install_start
rk_attempt=1
rk_wait={spec.backoff}
while :; do
  rk_install
  rk_rc=$?
  if [ "$rk_rc" -eq 0 ] || [ "$rk_attempt" -ge {spec.attempts} ]; then break; fi
  echo "RK retry=$rk_attempt wait=$rk_wait"
  sleep "$rk_wait"
  rk_attempt=$((rk_attempt + 1))
  rk_wait=$((rk_wait * 2))
done
{p.py} -c {p.clock} install_end
echo "RK install_attempts=$rk_attempt"
if [ "$rk_rc" -ne 0 ]; then echo "RK install=fail"; echo "RK result=fail"; exit "$rk_rc"; fi
echo "RK install=ok"
{_report_line(p, "sh")}
"$rk_envpy" -c {p.check_import}
rk_rc=$?
if [ "$rk_rc" -eq 0 ]; then echo "RK import=ok"; else echo "RK import=fail"; rk_fail "$rk_rc"; fi
"$rk_envpy" -c {p.check_version}
rk_rc=$?
if [ "$rk_rc" -eq 0 ]; then echo "RK version_match=yes"; else echo "RK version_match=no"; rk_fail "$rk_rc"; fi
{smoke}
if [ "$rk_status" -eq 0 ]; then echo "RK result=ok"; else echo "RK result=fail"; fi
exit "$rk_status"
"""


def _render_powershell(spec: VerifySpec, p: _Parts) -> str:
    if spec.installer == "uv":
        setup_env = f"""\
    & {p.py} -m venv --without-pip $rkEnv
    if ($LASTEXITCODE -ne 0) {{ $rkStatus = $LASTEXITCODE; 'RK venv=fail'; break }}
    function rk_install {{ & {p.uv} pip install --python $rkEnvPy {p.install_args} }}
"""
    else:
        setup_env = f"""\
    # Fast path: an env without pip, filled by the base interpreter's pip (--python needs pip >= 22.3).
    $rkFast = $false
    & {p.py} -m venv --without-pip $rkEnv
    if ($LASTEXITCODE -eq 0) {{
        & {p.py} -c {p.pip_python} *> $null
        $rkFast = ($LASTEXITCODE -eq 0)
    }}
    if (-not $rkFast) {{
        Remove-Item -LiteralPath $rkEnv -Recurse -Force -ErrorAction SilentlyContinue
        & {p.py} -m venv $rkEnv
        if ($LASTEXITCODE -ne 0) {{ $rkStatus = $LASTEXITCODE; 'RK venv=fail'; break }}
    }}
    function rk_install {{
        if ($rkFast) {{ & {p.py} -m pip --python $rkEnvPy install {p.install_args} }}
        else {{ & $rkEnvPy -m pip install {p.install_args} }}
    }}
"""
    smoke = ""
    if spec.smoke:
        smoke = f"""
    # Smoke command, with the new env first on PATH.
    $env:PATH = (Join-Path $rkEnv 'Scripts') + ';' + $env:PATH
    $env:VIRTUAL_ENV = $rkEnv
    $global:LASTEXITCODE = 0
    & {{
{spec.smoke}
    }}
    $rkOk = $?
    $rkRc = $LASTEXITCODE
    if ($rkRc -eq 0 -and -not $rkOk) {{ $rkRc = 1 }}
    if ($rkRc -eq 0) {{ 'RK smoke=ok' }} else {{ 'RK smoke=fail'; rk_fail $rkRc }}
"""
    return f"""{_header(spec, "#")}
$ErrorActionPreference = 'Continue'
$rkStatus = 0
function rk_fail($code) {{ if ($script:rkStatus -eq 0) {{ $script:rkStatus = $code }} }}
$rkTmp = Join-Path ([System.IO.Path]::GetTempPath()) ('releasekit-verify-' + [guid]::NewGuid().ToString('N'))
New-Item -ItemType Directory -Path $rkTmp -ErrorAction Stop | Out-Null
'RK tmp=' + $rkTmp
Push-Location -LiteralPath $rkTmp
# The temp dir goes in `finally`: success, failed check, or error.
try {{ do {{
    # Hermetic installs: no config file, no inherited PIP_*/UV_* settings, no user site.
    $rkKeep = {", ".join(_ps_string(v) for v in KEEP_VARIABLES)}  # certificates, proxies, timeouts
    Get-ChildItem Env: | Where-Object {{ ($_.Name -like 'PIP_*' -or $_.Name -like 'UV_*') -and $rkKeep -notcontains $_.Name }} |
        ForEach-Object {{ Remove-Item -LiteralPath ('Env:' + $_.Name) }}
    $env:PIP_CONFIG_FILE = 'NUL'
    $env:PIP_DISABLE_PIP_VERSION_CHECK = '1'
    $env:PIP_NO_INPUT = '1'
    $env:UV_NO_CONFIG = '1'
    $env:PYTHONNOUSERSITE = '1'
    foreach ($rkVar in {", ".join(_ps_string(v) for v in CLEAR_VARIABLES)}) {{ Remove-Item -LiteralPath ('Env:' + $rkVar) -ErrorAction SilentlyContinue }}

    & {p.py} -c {p.info}
    if ($LASTEXITCODE -ne 0) {{ $rkStatus = $LASTEXITCODE; 'RK python=fail'; break }}
    $rkEnv = Join-Path $rkTmp 'env'
    $rkReport = Join-Path $rkTmp 'rk-report.json'
    $rkEnvPy = Join-Path $rkEnv 'Scripts\\python.exe'
{setup_env}
    # Retry with backoff: an index's caches can lag behind a fresh upload.
    & {p.py} -c {p.clock} install_start
    $rkAttempt = 1
    $rkWait = {spec.backoff}
    while ($true) {{
        rk_install
        $rkRc = $LASTEXITCODE
        if ($rkRc -eq 0 -or $rkAttempt -ge {spec.attempts}) {{ break }}
        'RK retry=' + $rkAttempt + ' wait=' + $rkWait
        Start-Sleep -Seconds $rkWait
        $rkAttempt += 1
        $rkWait *= 2
    }}
    & {p.py} -c {p.clock} install_end
    'RK install_attempts=' + $rkAttempt
    if ($rkRc -ne 0) {{ 'RK install=fail'; $rkStatus = $rkRc; break }}
    'RK install=ok'
{_report_line(p, "powershell")}
    & $rkEnvPy -c {p.check_import}
    $rkRc = $LASTEXITCODE
    if ($rkRc -eq 0) {{ 'RK import=ok' }} else {{ 'RK import=fail'; rk_fail $rkRc }}
    & $rkEnvPy -c {p.check_version}
    $rkRc = $LASTEXITCODE
    if ($rkRc -eq 0) {{ 'RK version_match=yes' }} else {{ 'RK version_match=no'; rk_fail $rkRc }}
{smoke}}} while ($false) }}
catch {{
    'RK error=' + $_.Exception.Message
    rk_fail 1
}}
finally {{
    Pop-Location
    Remove-Item -LiteralPath $rkTmp -Recurse -Force -ErrorAction SilentlyContinue
}}
if ($rkStatus -eq 0) {{ 'RK result=ok' }} else {{ 'RK result=fail' }}
exit $rkStatus
"""


def _render_cmd(spec: VerifySpec, p: _Parts) -> str:
    if spec.installer == "uv":
        setup_env = f"""\
{p.py} -m venv --without-pip "%RK_ENV%"
set "RK_RC=%ERRORLEVEL%"
if not "%RK_RC%"=="0" goto rk_venv_failed
set "RK_FAST=uv"
"""
    else:
        setup_env = f"""\
rem Fast path: an env without pip, filled by the base interpreter's pip (--python needs pip 22.3+).
set "RK_FAST=0"
{p.py} -m venv --without-pip "%RK_ENV%"
if not "%ERRORLEVEL%"=="0" goto rk_venv_full
{p.py} -c {p.pip_python} >nul 2>&1
if not "%ERRORLEVEL%"=="0" goto rk_venv_full
set "RK_FAST=1"
goto rk_venv_done
:rk_venv_full
rmdir /s /q "%RK_ENV%" >nul 2>&1
{p.py} -m venv "%RK_ENV%"
set "RK_RC=%ERRORLEVEL%"
if not "%RK_RC%"=="0" goto rk_venv_failed
:rk_venv_done
"""
    if spec.installer == "uv":
        install = f"""\
{p.uv} pip install --python "%RK_ENVPY%" {p.install_args}
set "RK_RC=%ERRORLEVEL%"
"""
    else:
        install = f"""\
if "%RK_FAST%"=="1" goto rk_install_fast
"%RK_ENVPY%" -m pip install {p.install_args}
set "RK_RC=%ERRORLEVEL%"
goto rk_install_check
:rk_install_fast
{p.py} -m pip --python "%RK_ENVPY%" install {p.install_args}
set "RK_RC=%ERRORLEVEL%"
"""
    smoke = ""
    if spec.smoke:
        smoke = f"""
rem Smoke command, with the new env first on PATH.
set "PATH=%RK_ENV%\\Scripts;%PATH%"
set "VIRTUAL_ENV=%RK_ENV%"
{spec.smoke}
set "RK_RC=%ERRORLEVEL%"
if "%RK_RC%"=="0" (echo RK smoke=ok) else (echo RK smoke=fail)
if not "%RK_RC%"=="0" if "%RK_STATUS%"=="0" set "RK_STATUS=%RK_RC%"
"""
    keep = " ".join(f'/c:"{name}="' for name in KEEP_VARIABLES)  # certificates, proxies, timeouts
    clear = "\n".join(f'set "{name}="' for name in CLEAR_VARIABLES)
    return f"""@echo off
{_header(spec, "rem")}setlocal EnableExtensions DisableDelayedExpansion
chcp 65001 >nul 2>&1
set "RK_STATUS=0"
:rk_mktemp
set "RK_TMP=%TEMP%\\releasekit-verify-%RANDOM%%RANDOM%"
if exist "%RK_TMP%" goto rk_mktemp
mkdir "%RK_TMP%" || exit /b 70
echo RK tmp=%RK_TMP%
pushd "%RK_TMP%"

rem Hermetic installs: no config file, no inherited PIP_*/UV_* settings, no user site.
for /f "delims==" %%V in ('set PIP_ 2^>nul ^| findstr /v /i /b /l {keep}') do set "%%V="
for /f "delims==" %%V in ('set UV_ 2^>nul ^| findstr /v /i /b /l {keep}') do set "%%V="
set "PIP_CONFIG_FILE=NUL"
set "PIP_DISABLE_PIP_VERSION_CHECK=1"
set "PIP_NO_INPUT=1"
set "UV_NO_CONFIG=1"
set "PYTHONNOUSERSITE=1"
{clear}

{p.py} -c {p.info}
set "RK_RC=%ERRORLEVEL%"
if not "%RK_RC%"=="0" goto rk_python_failed
set "RK_ENV=%RK_TMP%\\env"
set "RK_ENVPY=%RK_TMP%\\env\\Scripts\\python.exe"
{setup_env}
rem Retry with backoff: an index's caches can lag behind a fresh upload.
{p.py} -c {p.clock} install_start
set "RK_ATTEMPT=1"
set "RK_WAIT={spec.backoff}"
:rk_install
{install}:rk_install_check
if "%RK_RC%"=="0" goto rk_installed
if %RK_ATTEMPT% GEQ {spec.attempts} goto rk_install_failed
echo RK retry=%RK_ATTEMPT% wait=%RK_WAIT%
set /a RK_PINGS=RK_WAIT+1
rem `timeout` refuses to run without a console; ping waits about a second per echo.
ping -n %RK_PINGS% 127.0.0.1 >nul
set /a RK_ATTEMPT+=1
set /a RK_WAIT*=2
goto rk_install
:rk_install_failed
{p.py} -c {p.clock} install_end
echo RK install_attempts=%RK_ATTEMPT%
echo RK install=fail
goto rk_failed
:rk_installed
{p.py} -c {p.clock} install_end
echo RK install_attempts=%RK_ATTEMPT%
echo RK install=ok
{_report_line(p, "cmd")}
"%RK_ENVPY%" -c {p.check_import}
set "RK_RC=%ERRORLEVEL%"
if "%RK_RC%"=="0" (echo RK import=ok) else (echo RK import=fail)
if not "%RK_RC%"=="0" if "%RK_STATUS%"=="0" set "RK_STATUS=%RK_RC%"
"%RK_ENVPY%" -c {p.check_version}
set "RK_RC=%ERRORLEVEL%"
if "%RK_RC%"=="0" (echo RK version_match=yes) else (echo RK version_match=no)
if not "%RK_RC%"=="0" if "%RK_STATUS%"=="0" set "RK_STATUS=%RK_RC%"
{smoke}goto rk_cleanup

:rk_python_failed
echo RK python=fail
goto rk_failed
:rk_venv_failed
echo RK venv=fail
:rk_failed
set "RK_STATUS=%RK_RC%"
rem The temp dir goes on every path out of this script.
:rk_cleanup
popd
rmdir /s /q "%RK_TMP%" >nul 2>&1
if "%RK_STATUS%"=="0" (echo RK result=ok) else (echo RK result=fail)
exit /b %RK_STATUS%
"""


# --- a conda install (py-rattler) on a host --------------------------------------------------------

# The whole check as one Python program, the same on every OS: the dialect's script only starts it,
# base64-encoded, so no shell ever sees a quote of it. It reports as ``RK key=value`` lines too.
_CONDA_PROGRAM = r'''
import base64, json, os, platform, shutil, subprocess, sys, tempfile, time

SOLVE = """
import asyncio, json, os, sys
import rattler
from rattler import Gateway, Subdir, VirtualPackage
a = json.loads(sys.argv[1])
async def go():
    gateway = Gateway(cache_dir=a['cache'] + '/repodata')
    records = await rattler.solve(a['channels'], [a['spec']], gateway=gateway,
                                  platforms=[Subdir.current(), Subdir('noarch')],
                                  virtual_packages=VirtualPackage.detect(), channel_relations='disabled')
    await rattler.install(records, target_prefix=a['prefix'], cache_dir=a['cache'] + '/pkgs', show_progress=False)
asyncio.run(go())
sys.stdout.flush()
sys.stderr.flush()
os._exit(0)  # done: the runtime's worker threads are not torn down, where a crash was seen under load
"""
CHECK = ("import sys,importlib,importlib.metadata as m;importlib.import_module(sys.argv[1]);print('RK import=ok');"
         "v=m.version(sys.argv[2]);print('RK version='+v);sys.exit(0 if v==sys.argv[3] else 3)")


def say(key, value):
    print('RK ' + key + '=' + str(value), flush=True)


def env_without(names, keep):
    """The environment without what makes an interpreter look outside its env, and (``keep`` aside:
    certificates, proxies, timeouts) without PIP_* and CONDA_* settings."""
    env = {k: v for k, v in os.environ.items()
           if k not in names and (k in keep or not k.startswith(('PIP_', 'UV_', 'CONDA_')))}
    env['PYTHONNOUSERSITE'] = '1'
    return env


def main(a):
    s = platform.system()
    say('os', ('macOS ' + platform.mac_ver()[0]) if s == 'Darwin' else (s + ' ' + platform.release()))
    say('arch', platform.machine())
    say('python', platform.python_version())
    env = env_without(set(a['clear']), set(a['keep']))
    tmp = tempfile.mkdtemp(prefix='releasekit-conda-verify-')
    say('tmp', tmp)
    try:
        return check(a, tmp, env)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def check(a, tmp, env):
    try:
        import rattler  # noqa: F401
        tool = sys.executable
        say('rattler', 'present')
    except ImportError:  # a throwaway venv with py-rattler
        venv = os.path.join(tmp, 'rattler')
        if subprocess.run([sys.executable, '-m', 'venv', venv], env=env).returncode != 0:
            say('venv', 'fail')
            return 1
        tool = os.path.join(venv, 'Scripts', 'python.exe') if os.name == 'nt' else os.path.join(venv, 'bin', 'python')
        pip = [tool, '-m', 'pip', 'install', '--disable-pip-version-check', '-q', a['rattler']]
        if a['rattler_index']:
            pip += ['--index-url', a['rattler_index']]
        if subprocess.run(pip, env=env).returncode != 0:
            say('rattler', 'fail')
            say('error', 'cannot install ' + a['rattler'] + ' on this host')
            return 1
        say('rattler', 'installed')
    prefix = os.path.join(tmp, 'env')
    job = json.dumps({'channels': a['channels'], 'spec': a['spec'], 'prefix': prefix,
                      'cache': os.path.join(tmp, 'cache')})
    say('install_start', repr(time.time()))
    attempt, wait, crashes = 1, a['backoff'], 0
    while True:
        solved = subprocess.run([tool, '-c', SOLVE, job], env=env, stderr=subprocess.PIPE, text=True)
        rc = solved.returncode
        sys.stderr.write(solved.stderr)
        if rc < 0 or rc >= 0xC0000000:  # a signal, or a Windows NTSTATUS such as an access violation:
            crashes += 1                 # the solver crashed, which says nothing of the package
            say('error', 'the solver crashed (' + ('signal ' + str(-rc) if rc < 0 else hex(rc)) + ')')
        elif rc != 0:  # the solver's or installer's own last line, as the cause the report shows
            said = [line.strip() for line in solved.stderr.splitlines() if line.strip()]
            say('error', said[-1][:300] if said else 'the solve exited with ' + str(rc))
        if rc == 0 or attempt >= a['attempts'] + min(crashes, 1):  # one more try after a crash
            break
        say('retry', str(attempt) + ' wait=' + str(wait))
        time.sleep(wait)
        attempt, wait = attempt + 1, wait * 2
    say('install_end', repr(time.time()))
    say('install_attempts', attempt)
    if rc != 0:
        say('install', 'fail')
        return rc
    say('install', 'ok')
    python = os.path.join(prefix, 'python.exe') if os.name == 'nt' else os.path.join(prefix, 'bin', 'python')
    rc = subprocess.run([python, '-I', '-c', CHECK, a['import_name'], a['package'], a['version']], env=env,
                        cwd=tmp).returncode
    if rc == 0:
        say('version_match', 'yes')
    elif rc == 3:
        say('version_match', 'no')
    else:
        say('import', 'fail')
    return rc


rc = main(json.loads(base64.b64decode(ARGS).decode()))
say('result', 'ok' if rc == 0 else 'fail')
sys.exit(rc)
'''


def conda_program(spec: VerifySpec, conda: CondaSource) -> str:
    """The Python program a host runs for a conda verify (its arguments inside, as base64 JSON)."""
    import base64
    import json

    args = {"package": spec.package, "version": spec.version, "import_name": spec.import_name,
            "spec": f"{conda.name}=={spec.version}", "channels": list(conda.channels), "rattler": conda.rattler,
            "rattler_index": conda.rattler_index_url, "attempts": spec.attempts, "backoff": spec.backoff,
            "clear": list(CLEAR_VARIABLES), "keep": list(KEEP_VARIABLES)}
    encoded = base64.b64encode(json.dumps(args).encode()).decode()
    return f"ARGS = '{encoded}'\n" + _CONDA_PROGRAM


def _render_conda(spec: VerifySpec, conda: CondaSource, dialect: str) -> str:
    """A conda verify in the dialect: the host's python runs :func:`conda_program`, passed as one
    compressed base64 word (only single quotes and parentheses around it, which every dialect passes
    intact; the cmd line stays far below cmd's 8191 characters)."""
    import base64
    import zlib

    py = " ".join(quote(w, dialect) for w in split_command(spec.python or DEFAULT_PYTHON[dialect], dialect))
    payload = base64.b64encode(zlib.compress(conda_program(spec, conda).encode(), 9)).decode()
    start = quote(f"import base64,zlib;exec(zlib.decompress(base64.b64decode('{payload}')))", dialect)
    header = _header(spec, "rem" if dialect == "cmd" else "#").replace(
        f"{spec.requirement} installs", f"conda package {conda.name}=={spec.version} installs")
    if dialect == "sh":
        return f"#!/bin/sh\n{header}unset {' '.join(CLEAR_VARIABLES)}\n{py} -c {start}\nexit $?\n"
    if dialect == "powershell":
        return f"{header}& {py} -c {start}\nexit $LASTEXITCODE\n"
    if dialect == "cmd":
        return f"@echo off\n{header}{py} -c {start}\nexit /b %ERRORLEVEL%\n"
    raise _unknown_dialect(dialect)


# --- running the script on a host -------------------------------------------------------------

_EXTENSIONS = {"sh": ".sh", "powershell": ".ps1", "cmd": ".cmd"}


def script_filename(dialect: str, token: str | None = None) -> str:
    """A unique file name for the script in the remote user's home directory."""
    if dialect not in _EXTENSIONS:
        raise _unknown_dialect(dialect)
    return f".releasekit-verify-{token or secrets.token_hex(6)}{_EXTENSIONS[dialect]}"


def encode_script(text: str, dialect: str) -> bytes:
    """The bytes to upload: CRLF for Windows (cmd's goto needs it), a BOM so
    Windows PowerShell 5.1 reads UTF-8 instead of the ANSI code page."""
    if dialect == "sh":
        return text.encode("utf-8")
    crlf = text.replace("\r\n", "\n").replace("\n", "\r\n")
    if dialect == "powershell":
        return b"\xef\xbb\xbf" + crlf.encode("utf-8")
    if dialect == "cmd":
        return crlf.encode("utf-8")
    raise _unknown_dialect(dialect)


def run_command(dialect: str, filename: str) -> str:
    """The command that runs an uploaded script; it works from any login shell of that OS."""
    if dialect == "sh":
        return f"sh {shlex.quote(filename)}"
    if dialect == "powershell":
        return f'powershell -NoLogo -NoProfile -NonInteractive -ExecutionPolicy Bypass -File "{filename}"'
    if dialect == "cmd":
        return f'cmd /d /c "{filename}"'
    raise _unknown_dialect(dialect)


# --- telling the OS --------------------------------------------------------------------------

PROBE = "echo RKPROBE %OS% RKEND"


def detect_dialect_command() -> str:
    """A command every login shell runs, whose output tells sh, cmd and PowerShell apart.

    cmd expands ``%OS%`` to ``Windows_NT``; PowerShell leaves it but prints each
    argument of ``echo`` on its own line; a POSIX shell prints the line as is.
    """
    return PROBE


def probe_then_sh_command() -> str:
    """One command for every login shell that tells the dialect and, on a POSIX host, also runs
    the sh script sent as its standard input: probe and verify in one session, one round trip.

    A POSIX login shell (and csh, fish) prints the probe line, then becomes ``sh``, which reads
    the whole script before running it, so nothing the script starts can read the script as its
    own input. cmd echoes the whole line (%OS% expanded); PowerShell prints the probe's words and
    fails on ``exec``: a Windows host runs nothing, and :func:`parse_probe` tells its dialect.
    The line holds none of cmd's operators (``& | < >``), so cmd can only echo it.
    """
    return f"""{PROBE}; exec sh -c 'eval "$(cat)"'"""


def probe_ran_sh(output: str) -> bool:
    """Whether :func:`probe_then_sh_command`'s output shows a POSIX shell (which ran the script)."""
    return PROBE.removeprefix("echo ") in (line.strip() for line in output.replace("\r", "").splitlines())


def parse_probe(output: str) -> str:
    """The dialect to render for a host, from the probe's output.

    Windows hosts get PowerShell whichever shell answered, since it is always
    there and far less fragile than cmd; ask for ``cmd`` per host to override.
    """
    lines = [line.strip() for line in output.replace("\r", "").splitlines() if line.strip()]
    if any("Windows_NT" in line for line in lines):
        return "powershell"
    if lines and lines[0] == "RKPROBE":
        return "powershell"
    if "RKPROBE %OS% RKEND" in lines:
        return "sh"
    raise ConfigError(
        f"cannot tell the host's shell from the probe output {output.strip()[:80]!r}",
        hint="set `shell: sh`, `shell: powershell` or `shell: cmd` for this host",
    )


# --- reading the results ---------------------------------------------------------------------


def parse_results(stdout: str) -> dict[str, str]:
    """The ``RK key=value`` lines as a dict (the last value of a key wins).

    ``install_seconds`` is derived from the ``install_start``/``install_end``
    stamps, which the scripts take with Python so every dialect measures alike.
    """
    results: dict[str, str] = {}
    for raw in stdout.splitlines():
        line = raw.strip()
        if not line.startswith("RK ") or "=" not in line:
            continue
        key, _, value = line[3:].partition("=")
        results[key.strip()] = value.strip()
    if "install_seconds" not in results and "install_start" in results and "install_end" in results:
        try:
            seconds = float(results["install_end"]) - float(results["install_start"])
        except ValueError:
            pass
        else:
            results["install_seconds"] = f"{max(seconds, 0.0):.1f}"
    return results


def failed_checks(results: dict[str, str]) -> list[str]:
    """Human phrases for every check the results show as failed."""
    problems = []
    if results.get("python") == "fail":
        problems.append("the python command did not run")
    if results.get("venv") == "fail":
        problems.append("creating a venv failed")
    if results.get("install") == "fail":
        problems.append(f"install failed after {results.get('install_attempts', '?')} attempt(s)")
    if results.get("import") == "fail":
        problems.append("import failed")
    if results.get("version_match") == "no":
        problems.append(f"installed version is {results.get('version') or 'unknown'}")
    if results.get("smoke") == "fail":
        problems.append("smoke command failed")
    if "error" in results:
        problems.append(results["error"])
    return problems
