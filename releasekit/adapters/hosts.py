"""Remote hosts over SSH (fabric): naming them, connecting safely, fanning out, verifying.

Mechanism only: which hosts to use and what to do when one fails is the
caller's policy. :func:`run_on_hosts` never raises for a host; it returns one
:class:`HostResult` per host, and :func:`raise_for_failures` turns them into
one error at the end, as fabric's ``GroupException`` does.

Host keys are checked: the user's and the system's known_hosts (plus any
file given) are loaded and an unknown host is refused unless the caller
explicitly trusts unknown hosts. (fabric on its own accepts any key.)
"""

from __future__ import annotations

import base64
import dataclasses
import difflib
import hashlib
import io
import queue
import re
import select
import socket
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from releasekit.adapters.shell import CommandResult, Shell
from releasekit.core import hostscripts, provenance, releaselog, ui
from releasekit.core.errors import (
    CommandFailed,
    ConfigError,
    HostError,
    InstallFailed,
    ReleasekitError,
    VerifyFailed,
)
from releasekit.core.installcause import install_cause, short
from releasekit.core.redact import redact

if TYPE_CHECKING:
    from fabric import Connection

SHELLS = ("auto", *hostscripts.DIALECTS)
HOST_KEYS = ("host", "user", "port", "python", "shell")
SYSTEM_KNOWN_HOSTS = Path("/etc/ssh/ssh_known_hosts")


@dataclass(frozen=True)
class HostSpec:
    """One remote host: where it is, which Python to use, and its shell dialect.

    ``port=None`` and ``user=None`` leave the choice to ~/.ssh/config and ssh's
    defaults. ``shell="auto"`` asks the host (see :func:`detect_dialect`).
    """

    name: str
    host: str
    user: str | None = None
    port: int | None = None
    python: str | None = None
    shell: str = "auto"

    @property
    def address(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        user = f"{self.user}@" if self.user else ""
        port = f":{self.port}" if self.port else ""
        return f"{user}{host}{port}"


# --- naming hosts --------------------------------------------------------------------------

_ADDRESS = re.compile(r"^(?:(?P<user>[^@\s]+)@)?(?P<host>\[[^\]\s]+\]|[^:@\s\[\]]+)(?::(?P<port>[^:]*))?$")


_ADDRESS_HINT = "write it as user@host[:port] (e.g. me@build-linux:22), or name a host of releasekit.hosts"


def _parse_address(text: str, what: str) -> tuple[str | None, str, int | None]:
    match = _ADDRESS.match(text.strip())
    if not match:
        raise ConfigError(f"{what}: {text!r} is not an address of the form user@host[:port]", hint=_ADDRESS_HINT)
    port = None
    if match["port"] is not None:
        try:
            port = _parse_port(match["port"], what)
        except ConfigError:  # the whole address, so the user sees which one
            raise ConfigError(f"{what}: {text.strip()!r} has port {match['port']!r}, not a number from 1 to 65535",
                              hint=_ADDRESS_HINT) from None
    return match["user"], match["host"].strip("[]"), port


def _parse_port(value: object, what: str) -> int:
    try:
        port = int(str(value))
    except ValueError:
        port = 0
    if not 1 <= port <= 65535:
        raise ConfigError(f"{what}: port {value!r} is not a number from 1 to 65535")
    return port


def host_from_config(name: str, entry: str | Mapping[str, Any]) -> HostSpec:
    """A HostSpec from one ``releasekit.hosts`` entry (an address, or a mapping with ``host``)."""
    what = f"releasekit.hosts.{name}"
    if isinstance(entry, str):
        entry = {"host": entry}
    elif hasattr(entry, "keys") and not isinstance(entry, Mapping):
        entry = {key: entry[key] for key in entry}  # invoke's DataProxy is mapping-like only
    if not isinstance(entry, Mapping):
        raise ConfigError(f"{what} must be an address or a mapping with `host`, not {type(entry).__name__}")
    for key in entry:
        if key not in HOST_KEYS:
            close = difflib.get_close_matches(str(key), HOST_KEYS, n=1)
            guess = f"; did you mean `{close[0]}`?" if close else ""
            raise ConfigError(f"{what}: unknown key `{key}`{guess} (known: {', '.join(HOST_KEYS)})")
    if not entry.get("host"):
        raise ConfigError(f"{what} has no `host`", hint="e.g. hosts: {linux: {host: me@build-linux}}")
    user, host, port = _parse_address(str(entry["host"]), what)
    if entry.get("user"):
        user = str(entry["user"])
    if entry.get("port") is not None:
        port = _parse_port(entry["port"], what)
    shell = str(entry.get("shell") or "auto")
    if shell not in SHELLS:
        raise ConfigError(f"{what}: shell {shell!r} is not one of {', '.join(SHELLS)}")
    python = entry.get("python")
    return HostSpec(name=name, host=host, user=user, port=port, python=str(python) if python else None, shell=shell)


def parse_host(arg: str, configured: Mapping[str, Any]) -> list[HostSpec]:
    """Hosts named by one ``--host`` value: a configured name, ``user@host[:port]``, or ``all``."""
    arg = arg.strip()
    if not arg:
        raise ConfigError("--host is empty", hint="give a configured host name, `all`, or user@host[:port]")
    if arg == "all":
        if not configured:
            raise ConfigError("--host all: no hosts are configured", hint="add them under `releasekit.hosts`")
        return [host_from_config(name, entry) for name, entry in configured.items()]
    if arg in configured:
        return [host_from_config(arg, configured[arg])]
    if "@" in arg or ":" in arg:
        user, host, port = _parse_address(arg, "--host")
        return [HostSpec(name=arg, host=host, user=user, port=port)]
    known = ", ".join(sorted(configured)) or "none"
    close = difflib.get_close_matches(arg, list(configured), n=1)
    guess = f"did you mean `{close[0]}`? " if close else ""
    raise ConfigError(
        f"unknown host {arg!r}; configured hosts: {known}",
        hint=f"{guess}use a configured name, `all`, or user@host[:port] for a host not in the configuration",
    )


def parse_hosts(args: Sequence[str], configured: Mapping[str, Any]) -> list[HostSpec]:
    """Every host named by repeated ``--host`` values, each once, in order."""
    seen: set[tuple[str | None, str, int | None]] = set()
    specs = []
    for arg in args:
        for spec in parse_host(arg, configured):
            key = (spec.user, spec.host, spec.port)
            if key not in seen:
                seen.add(key)
                specs.append(spec)
    return specs


# --- connecting ------------------------------------------------------------------------------


def _fingerprint(key) -> str:
    digest = hashlib.sha256(key.asbytes()).digest()
    return "SHA256:" + base64.b64encode(digest).decode().rstrip("=")


def _policies():
    """paramiko host-key policies, built lazily so importing this module stays cheap."""
    import paramiko

    class UnknownHostKey(paramiko.SSHException):
        pass

    class Refuse(paramiko.MissingHostKeyPolicy):
        def missing_host_key(self, client, hostname, key):
            raise UnknownHostKey(hostname)

    class TrustAndWarn(paramiko.MissingHostKeyPolicy):
        def missing_host_key(self, client, hostname, key):
            ui.warn(f"trusting the unknown host key of {hostname} ({key.get_name()} {_fingerprint(key)})")

    return UnknownHostKey, Refuse, TrustAndWarn


def connect(
    spec: HostSpec,
    *,
    known_hosts: str | Path | None = None,
    trust_unknown: bool = False,
    connect_timeout: float = 10,
    key_filename: str | Path | None = None,
    system_known_hosts: bool = True,
) -> Connection:
    """An open fabric Connection to ``spec``, its host key checked.

    Raises HostError when the host is unreachable, its key is unknown (unless
    ``trust_unknown``) or does not match, or authentication fails.
    """
    import paramiko
    from fabric import Connection

    connect_kwargs: dict[str, Any] = {"banner_timeout": connect_timeout, "auth_timeout": connect_timeout}
    if key_filename:
        connect_kwargs["key_filename"] = [str(key_filename)]
    conn = Connection(
        spec.host,
        user=spec.user,
        port=spec.port,
        connect_timeout=max(1, int(connect_timeout)),
        connect_kwargs=connect_kwargs,
    )
    unknown_host_key, refuse, trust_and_warn = _policies()
    client = conn.client
    if system_known_hosts:
        client.load_system_host_keys()
        if SYSTEM_KNOWN_HOSTS.is_file():
            client.load_system_host_keys(str(SYSTEM_KNOWN_HOSTS))
    if known_hosts:
        try:
            client.load_system_host_keys(str(known_hosts))
        except OSError as exc:
            raise HostError(f"cannot read known_hosts file {known_hosts}: {exc.strerror or exc}") from None
    client.set_missing_host_key_policy(trust_and_warn() if trust_unknown else refuse())
    port = conn.port
    where = f"{spec.name} ({conn.host}:{port})" if spec.name != spec.address else f"{conn.host}:{port}"
    try:
        conn.open()
    except unknown_host_key:
        conn.close()
        target = known_hosts or "~/.ssh/known_hosts"
        raise HostError(
            f"host key of {conn.host} is not known",
            hint=f"add it with `ssh-keyscan -p {port} {conn.host} >> {target}` "
            "or set releasekit.verify.trust_unknown_hosts",
        ) from None
    except paramiko.BadHostKeyException as exc:
        conn.close()
        raise HostError(
            f"host key of {conn.host} does not match known_hosts (got {_fingerprint(exc.key)})",
            hint=f"if the host was reinstalled, `ssh-keygen -R '[{conn.host}]:{port}'` and add its new key; "
            "otherwise someone may be intercepting the connection",
        ) from None
    except paramiko.AuthenticationException as exc:
        conn.close()
        raise HostError(
            f"ssh authentication as {conn.user} to {where} failed: {exc}",
            hint="check the key (ssh-agent, ~/.ssh/config IdentityFile) and the user in releasekit.hosts",
        ) from None
    except (OSError, EOFError, paramiko.SSHException) as exc:
        conn.close()
        reason = str(exc) or type(exc).__name__
        raise HostError(
            f"cannot reach {where}: {reason}",
            hint="check that the host is up and its address and port in releasekit.hosts",
        ) from None
    return conn


# --- fanning out -------------------------------------------------------------------------------


@dataclass
class HostResult:
    """What happened on one host. ``data`` holds what the host reported, even on failure."""

    spec: HostSpec
    ok: bool
    error: str = ""
    hint: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def name(self) -> str:
        return self.spec.name


class _Job:
    def __init__(self, index: int, spec: HostSpec, timeout: float) -> None:
        self.index = index
        self.spec = spec
        self.deadline = time.monotonic() + timeout
        self.conn: Connection | None = None
        self.abandoned = False


def _failure(spec: HostSpec, exc: BaseException) -> HostResult:
    if isinstance(exc, ReleasekitError):
        return HostResult(spec, False, redact(exc.message), redact(exc.hint or ""), dict(getattr(exc, "data", {}) or {}))
    if isinstance(exc, socket.timeout | TimeoutError):
        return HostResult(spec, False, f"timed out: {exc}")
    return HostResult(spec, False, redact(f"{type(exc).__name__}: {exc}"))


def _close(conn: Connection | None) -> None:
    if conn is not None:
        try:
            conn.close()
        except Exception:  # closing a broken transport must not hide the real result
            pass


def _work(job: _Job, fn: Callable, options: dict, done: queue.Queue) -> None:
    start = time.monotonic()
    try:
        job.conn = connect(job.spec, **options)
        if job.abandoned:
            return
        data = fn(job.conn, job.spec)
        result = HostResult(job.spec, True, data=dict(data or {}))
    except BaseException as exc:  # every failure belongs to this host only
        result = _failure(job.spec, exc)
    finally:
        _close(job.conn)
    result.seconds = time.monotonic() - start
    done.put((job.index, result))


def run_on_hosts(
    specs: Sequence[HostSpec],
    fn: Callable[[Connection, HostSpec], Mapping[str, Any] | None],
    *,
    max_parallel: int = 4,
    timeout: float = 600,
    known_hosts: str | Path | None = None,
    trust_unknown: bool = False,
    connect_timeout: float = 10,
    key_filename: str | Path | None = None,
    system_known_hosts: bool = True,
) -> list[HostResult]:
    """Connect to each host and run ``fn(conn, spec)``, at most ``max_parallel`` at once.

    Each host gets ``timeout`` seconds from its start, connecting included; a
    host that overruns is reported as failed and its connection closed. One
    result per spec, in the order given; this never raises for a host.
    """
    if max_parallel < 1:
        raise ConfigError(f"max_parallel must be at least 1, not {max_parallel}")
    if timeout <= 0:
        raise ConfigError(f"the per-host timeout must be positive, not {timeout}")
    options = dict(
        known_hosts=known_hosts,
        trust_unknown=trust_unknown,
        connect_timeout=connect_timeout,
        key_filename=key_filename,
        system_known_hosts=system_known_hosts,
    )
    results: dict[int, HostResult] = {}
    pending = list(enumerate(specs))
    running: dict[int, _Job] = {}
    done: queue.Queue = queue.Queue()
    while pending or running:
        while pending and len(running) < max_parallel:
            index, spec = pending.pop(0)
            job = _Job(index, spec, timeout)
            running[index] = job
            # Daemon threads: a host that hangs past its timeout must not hold up exit.
            threading.Thread(target=_work, args=(job, fn, options, done), daemon=True, name=f"host-{spec.name}").start()
        wait = max(0.0, min(job.deadline for job in running.values()) - time.monotonic())
        try:
            index, result = done.get(timeout=wait)
        except queue.Empty:
            now = time.monotonic()
            for index, job in list(running.items()):
                if job.deadline <= now:
                    job.abandoned = True
                    _close(job.conn)
                    results[index] = HostResult(job.spec, False, f"did not finish within {timeout:g}s", seconds=timeout)
                    del running[index]
            continue
        if index in running:
            results[index] = result
            del running[index]
    return [results[i] for i in range(len(specs))]


def raise_for_failures(results: Sequence[HostResult], what: str = "host(s)") -> None:
    """One HostError naming every failed host (each with its short problem), if any failed:
    "1 of 3 host(s) failed: NAME: PROBLEM"."""
    failed = [r for r in results if not r.ok]
    if failed:
        log = releaselog.active()
        if log is not None:  # the line below cuts each problem short: the log keeps them whole
            log.write("\n".join(f"{what} failed on {r.name}: {r.error}" for r in failed))
        details = "; ".join(f"{r.name}: {short(r.error)}" for r in failed)
        hints = [r.hint for r in failed if r.hint]
        raise HostError(f"{len(failed)} of {len(results)} {what} failed: {details}",
                        hint=hints[0] if len(set(hints)) == 1 else None)


REPORT_HEADERS = ("host", "result", "os", "python", "install s", "import", "version", "problem")


def report_rows(results: Sequence[HostResult]) -> list[list[str]]:
    """Rows for ``ui.table(REPORT_HEADERS, rows)``: one line per host."""
    rows = []
    for r in results:
        d = r.data
        rows.append(
            [
                r.name,
                "ok" if r.ok else "FAILED",
                str(d.get("os", "")),
                str(d.get("python", "")),
                str(d.get("install_seconds", "")),
                str(d.get("import", "")),
                str(d.get("version", "")),
                short(r.error),
            ]
        )
    return rows


# --- verifying an install on a host ---------------------------------------------------------------


def detect_dialect(conn: Connection) -> str:
    """Which script dialect the host needs: ``sh``, or ``powershell`` on Windows."""
    result = Shell(conn).run(hostscripts.detect_dialect_command(), changes=False, check=False)
    return hostscripts.parse_probe(result.stdout)


def _remove_remote(conn: Connection, path: str) -> None:
    try:
        sftp = conn.sftp()
        sftp.remove(path)
    except Exception as exc:  # the verdict matters more than a leftover script
        ui.warn(f"could not remove {path} on {conn.host}: {exc}")


def _provenance_problem(verify: hostscripts.VerifySpec, data: Mapping[str, str]) -> str | None:
    """When released files were given: the installed file's sha256 must be one of theirs."""
    if not verify.expected_files or data.get("install") != "ok":
        return None
    return provenance.mismatch(verify.requirement, provenance.from_results(data), verify.expected_files)
TICK = 0.1  # seconds between looks at a session's stderr, which paramiko signals to no file descriptor


def run_with_input(conn: Connection, command: str, data: bytes, *, timeout: float | None = None) -> CommandResult:
    """Run ``command`` in one new session of the open connection, ``data`` its whole standard input.

    Straight on the paramiko channel: invoke's ``in_stream`` forwards one byte per 10 ms. Never
    raises for the command's exit status; a command still running after ``timeout`` seconds is a
    CommandFailed, as in :meth:`Shell.run`. Logged to the release log like every command.
    """
    start = time.monotonic()
    deadline = None if timeout is None else start + timeout
    out, err = bytearray(), bytearray()
    channel = conn.client.get_transport().open_session()
    try:
        channel.exec_command(command)
        try:
            channel.sendall(data)
            channel.shutdown_write()
        except OSError:  # the command ended without reading its input (as a Windows shell does)
            pass
        while True:
            closed = channel.closed  # the host closes the session after the last byte and the exit status
            while channel.recv_ready():
                out += channel.recv(65536)
            while channel.recv_stderr_ready():
                err += channel.recv_stderr(65536)
            if closed:
                break
            wait = TICK if deadline is None else deadline - time.monotonic()
            if wait <= 0:
                raise CommandFailed(command, -1, f"timed out after {timeout}s")
            select.select([channel], [], [], min(wait, TICK))  # wakes on stdout and on close, not on stderr
        exited = channel.recv_exit_status()
    finally:
        channel.close()
    seconds = time.monotonic() - start
    result = CommandResult([command], exited, out.decode(errors="replace"), err.decode(errors="replace"), seconds)
    log = releaselog.active()
    if log:
        log.command(command, exited, result.output, seconds)
    return result


def verify_on_host(
    conn: Connection,
    spec: HostSpec,
    verify: hostscripts.VerifySpec | Callable[[str], hostscripts.VerifySpec],
    *,
    timeout: float | None = None,
) -> dict[str, str]:
    """Install and check ``verify`` on the host; return what it reported.

    ``verify`` may be a function of the host's dialect (the smoke command is written in it). On
    a POSIX host (``shell`` sh, or auto) one session does it all: the probe, then the sh script
    sent as its input (:func:`hostscripts.probe_then_sh_command`). A Windows host's script is
    uploaded to its home directory, run there, and removed. Raises VerifyFailed (with ``.data``,
    the parsed report) when a check failed, HostError when the script could not be uploaded.
    """
    def for_dialect(dialect: str) -> hostscripts.VerifySpec:
        chosen = verify(dialect) if callable(verify) else verify
        return dataclasses.replace(chosen, python=spec.python) if spec.python else chosen

    dialect = spec.shell
    if dialect in ("auto", "sh"):
        try:
            sh_spec = for_dialect("sh")
            script = hostscripts.render(sh_spec, "sh")
        except ConfigError:
            if dialect == "sh":
                raise
            dialect = detect_dialect(conn)  # not renderable for sh: ask first, then render its own
        else:
            result = run_with_input(conn, hostscripts.probe_then_sh_command(), script.encode(), timeout=timeout)
            if dialect == "sh" or hostscripts.probe_ran_sh(result.stdout):
                return _verdict(spec, sh_spec, "sh", result)
            dialect = hostscripts.parse_probe(result.stdout)
    chosen = for_dialect(dialect)
    script = hostscripts.render(chosen, dialect)
    name = hostscripts.script_filename(dialect)
    try:
        conn.put(io.BytesIO(hostscripts.encode_script(script, dialect)), remote=name)
    except Exception as exc:  # paramiko and sftp errors come in many types
        raise HostError(f"cannot upload the verify script to {spec.name}: {exc}", hint="the host needs sftp and a writable home directory") from None
    try:
        result = Shell(conn).run(hostscripts.run_command(dialect, name), changes=False, check=False, timeout=timeout)
    finally:
        _remove_remote(conn, name)
    return _verdict(spec, chosen, dialect, result, script=name)


def _verdict(spec: HostSpec, verify: hostscripts.VerifySpec, dialect: str, result: CommandResult,
             script: str | None = None) -> dict[str, str]:
    """The host's report as a dict, or VerifyFailed (carrying it) when a check failed."""
    data = hostscripts.parse_results(result.stdout)
    data["shell"] = dialect
    if script:
        data["script"] = script
    data["exit_code"] = str(result.exited)
    if result.exited != 0 or data.get("result") != "ok":
        raise _verify_failure(verify, data, result.stdout + "\n" + result.stderr, result.exited)
    mismatch = _provenance_problem(verify, data)
    if mismatch:  # installed fine, but not from the released file
        error = VerifyFailed(mismatch, "another index serves a file of this very release: remove it there, or "
                                       "drop that index from `pypi.deps_index_url`")
        error.data = data  # type: ignore[attr-defined]
        raise error
    return data


def _verify_failure(verify: hostscripts.VerifySpec, data: dict[str, str], output: str, exited: int) -> VerifyFailed:
    """The host's failed check as one cause (the installer's or Python's own line), with the report
    as ``.data``; a failed install is an InstallFailed carrying the output, so the caller can tell lag."""
    hint = "log in to the host and try the install by hand"
    error: VerifyFailed
    if data.get("install") == "fail":
        cause = install_cause(output)
        if data.get("error") and (not cause or hostscripts.PROBE.removeprefix("echo ") in cause):
            cause = data["error"]  # the conda program's own line: the solver's stderr is not in the output
        error = InstallFailed(cause or "the install failed", output, hint)
    else:
        if data.get("import") == "fail":
            cause = f"`import {verify.import_name}` failed: {install_cause(output)}"
        elif data.get("version_match") == "no":
            cause = f"installed version is {data.get('version') or 'unknown'}, not {verify.version}"
        elif data.get("smoke") == "fail":
            cause = f"the smoke command failed: {install_cause(output)}"
        else:
            cause = "; ".join(hostscripts.failed_checks(data)) or f"the verify script exited with {exited}"
        error = VerifyFailed(cause, hint)
    error.data = data  # type: ignore[attr-defined]
    return error


# --- reaching a host before using it ---------------------------------------------------------------------


def ssh_endpoint(spec: HostSpec) -> tuple[str, int] | None:
    """Where ssh would open its TCP connection for ``spec`` (~/.ssh/config's HostName and Port apply),
    or None when it goes through a ProxyJump or ProxyCommand, which only ssh itself can follow."""
    from fabric import Connection

    conn = Connection(spec.host, user=spec.user, port=spec.port)
    if conn.gateway or conn.ssh_config.get("proxycommand") or conn.ssh_config.get("proxyjump"):
        return None
    return conn.host, int(conn.port)


def unreachable(spec: HostSpec, timeout: float) -> str | None:
    """Why ``spec`` cannot be reached (its name does not resolve, nothing accepts a TCP connection on
    its SSH port within ``timeout`` seconds), or None. Only the network: keys and login are verify's."""
    endpoint = ssh_endpoint(spec)
    if endpoint is None:
        return None
    host, port = endpoint
    try:
        socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        return f"cannot resolve {host}: {getattr(exc, 'strerror', None) or exc}"
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return None
    except TimeoutError:
        return f"nothing answers on {host}:{port} within {timeout:g}s"
    except OSError as exc:
        return f"cannot connect to {host}:{port}: {exc.strerror or exc}"


def unreachable_hosts(specs: Sequence[HostSpec], timeout: float) -> list[tuple[HostSpec, str]]:
    """(spec, why) for every host that cannot be reached, in the order given; checked in parallel."""
    from concurrent.futures import ThreadPoolExecutor

    if not specs:
        return []
    with ThreadPoolExecutor(max_workers=min(8, len(specs))) as pool:
        reasons = list(pool.map(lambda spec: unreachable(spec, timeout), specs))
    return [(spec, why) for spec, why in zip(specs, reasons, strict=True) if why]
