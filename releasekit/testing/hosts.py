"""Real SSH hosts for tests: one OpenSSH server per Linux network namespace.

As root with iproute2, each host is a network namespace joined to this one
by a veth pair (10.77.A.B+1 here, 10.77.A.B+2 there, a /30 each), running
its own ``sshd`` on port 22 of its own address: several machines, as far as
SSH and the network can tell. Elsewhere, if ``sshd`` can run at all, the
hosts are sshd processes on free 127.0.0.1 ports of this machine.

Every host shares one generated client key and one known_hosts file listing
every host key; ``host.stop()`` takes a host down, the next ``ssh_hosts(n)``
brings it back. Teardown kills each sshd by its pid and deletes the
namespaces and veths.

Use ``ssh_hosts`` (session scope) by importing it into a test module::

    from releasekit.testing.hosts import ssh_hosts  # noqa: F401

    def test_x(ssh_hosts):
        a, b = ssh_hosts(2)
"""

from __future__ import annotations

import fcntl
import os
import pwd
import random
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from releasekit.adapters.hosts import HostSpec, connect

SSHD = Path("/usr/sbin/sshd")
SUBNET_PREFIX = "10.77"
START_TIMEOUT = 15.0
MODE_ENV = "RELEASEKIT_TEST_HOSTS"  # "netns" or "loopback" forces a mode; default: best available

NEEDS_NETNS = "needs root and iproute2 for network namespaces"
NEEDS_SSHD = f"needs {SSHD} (apt-get install openssh-server)"
NEEDS_KEYGEN = "needs ssh-keygen (apt-get install openssh-client)"


def _run(argv: list[str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(argv, check=True, capture_output=True, text=True, **kwargs)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _keygen(path: Path, comment: str) -> str:
    """A new ed25519 key pair at ``path``; returns the public key line."""
    _run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", str(path)])
    return path.with_name(path.name + ".pub").read_text().strip()


def missing_for_sshd() -> str | None:
    """Why SSH hosts cannot run here, or None when they can."""
    if not SSHD.exists():
        return NEEDS_SSHD
    if not shutil.which("ssh-keygen"):
        return NEEDS_KEYGEN
    return None


def netns_available() -> bool:
    """Root, iproute2, and the kernel lets us make a namespace (containers may not)."""
    if os.geteuid() != 0 or not shutil.which("ip"):
        return False
    name = f"rk-probe-{secrets.token_hex(3)}"
    if subprocess.run(["ip", "netns", "add", name], capture_output=True).returncode != 0:
        return False
    subprocess.run(["ip", "netns", "del", name], capture_output=True)
    return True


@dataclass
class SshHost:
    """One running sshd that tests reach as ``user@host:port``.

    ``gateway`` is this machine's address as the host sees it: serve things
    there (e.g. a package index bound to 0.0.0.0) for the host to fetch.
    """

    name: str
    host: str
    port: int
    user: str
    gateway: str
    key_path: Path
    known_hosts: Path
    known_hosts_line: str
    workdir: Path
    netns: str | None = None
    python: str = sys.executable
    _proc: subprocess.Popen | None = field(default=None, repr=False)

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def spec(self, **changes) -> HostSpec:
        """This host as releasekit names it (POSIX shell, the test interpreter as python)."""
        values = dict(
            name=self.name,
            host=self.host,
            user=self.user,
            port=self.port,
            python=self.python,
            shell="sh",
        )
        values.update(changes)
        return HostSpec(**values)  # type: ignore[arg-type]

    def connect(self, **kwargs):
        """An open fabric Connection that checks this pool's known_hosts."""
        kwargs.setdefault("known_hosts", self.known_hosts)
        kwargs.setdefault("key_filename", self.key_path)
        kwargs.setdefault("system_known_hosts", False)
        return connect(self.spec(), **kwargs)

    def start(self) -> None:
        """Start (or restart) sshd and wait until it accepts connections."""
        if self.running:
            return
        argv = [str(SSHD), "-D", "-e", "-f", str(self.workdir / "sshd_config")]
        if self.netns:
            argv = ["ip", "netns", "exec", self.netns, *argv]  # execs sshd: the pid is sshd's
        log = open(self.workdir / "sshd.log", "ab")
        with log:
            self._proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if self._proc.poll() is not None:
                raise RuntimeError(
                    f"sshd for {self.name} exited with {self._proc.returncode}: {self.log_tail()}"
                )
            try:
                with socket.create_connection((self.host, self.port), timeout=1):
                    return
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(
                    f"sshd for {self.name} did not listen within {START_TIMEOUT}s: {self.log_tail()}"
                )
            time.sleep(0.02)

    def stop(self) -> None:
        """Take the host down: terminate its sshd by pid (connections are then refused)."""
        if self._proc is None or self._proc.poll() is not None:
            return
        self._proc.terminate()
        try:
            self._proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait(timeout=10)

    def log_size(self) -> int:
        """Where sshd's log ends now: pass it to :meth:`logins_and_sessions` to count from here."""
        path = self.workdir / "sshd.log"
        return path.stat().st_size if path.exists() else 0

    def logins_and_sessions(self, since: int = 0) -> tuple[int, int]:
        """SSH logins (connections) and sessions (exec, shell or sftp channels) sshd logged after
        byte ``since`` of its log (``LogLevel VERBOSE`` logs one line for each)."""
        with open(self.workdir / "sshd.log", "rb") as fh:
            fh.seek(since)
            lines = fh.read().decode(errors="replace").splitlines()
        return (sum(line.startswith("Accepted publickey for ") for line in lines),
                sum(line.startswith("Starting session: ") for line in lines))

    def log_tail(self, lines: int = 10) -> str:
        try:
            text = (self.workdir / "sshd.log").read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


_SSHD_CONFIG = """\
ListenAddress {listen}
HostKey {host_key}
PidFile none
StrictModes no
UsePAM no
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
AuthorizedKeysFile {authorized_keys}
Subsystem sftp internal-sftp
# VERBOSE logs one line per login and per session: tests count SSH round trips with it.
LogLevel VERBOSE
"""


class SshHostPool:
    """Creates hosts on demand and removes every trace of them on ``close()``."""

    def __init__(self, root: Path, mode: str = "auto") -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        if mode == "auto":
            mode = os.environ.get(MODE_ENV) or ("netns" if netns_available() else "loopback")
        if mode not in ("netns", "loopback"):
            raise ValueError(f"unknown host mode {mode!r}; use netns or loopback")
        self.mode = mode
        self.tag = secrets.token_hex(3)
        self.hosts: list[SshHost] = []
        self.key_path = self.root / "client_key"
        self.client_public_key = _keygen(self.key_path, "releasekit-test-client")
        self.authorized_keys = self.root / "authorized_keys"
        self.authorized_keys.write_text(self.client_public_key + "\n")
        self.known_hosts = self.root / "known_hosts"
        self.known_hosts.write_text("")
        self._veths: list[str] = []
        self._namespaces: list[str] = []
        if os.geteuid() == 0:
            Path("/run/sshd").mkdir(parents=True, exist_ok=True)  # sshd's privilege separation dir

    def get(self, n: int) -> list[SshHost]:
        """The first ``n`` hosts, created if needed and started if stopped."""
        while len(self.hosts) < n:
            self.hosts.append(self._create(len(self.hosts)))
        for host in self.hosts[:n]:
            host.start()
        return self.hosts[:n]

    def _create(self, index: int) -> SshHost:
        name = f"host{index}"
        workdir = self.root / name
        workdir.mkdir()
        host_key = workdir / "ssh_host_ed25519_key"
        public = _keygen(host_key, f"releasekit-test-{name}")
        if self.mode == "netns":
            netns = f"rk-{self.tag}-{index}"
            gateway, address = self._add_namespace(netns, index)
            port, listen, user = 22, address, "root"
        else:
            netns = None
            gateway = address = "127.0.0.1"
            port = _free_port()
            listen, user = f"127.0.0.1:{port}", pwd.getpwuid(os.geteuid()).pw_name
        (workdir / "sshd_config").write_text(
            _SSHD_CONFIG.format(
                listen=listen, host_key=host_key, authorized_keys=self.authorized_keys
            )
        )
        key_type, key_data = public.split()[:2]
        line = f"{address if port == 22 else f'[{address}]:{port}'} {key_type} {key_data}"
        with open(self.known_hosts, "a") as fh:
            fh.write(line + "\n")
        return SshHost(
            name=name,
            host=address,
            port=port,
            user=user,
            gateway=gateway,
            key_path=self.key_path,
            known_hosts=self.known_hosts,
            known_hosts_line=line,
            workdir=workdir,
            netns=netns,
        )

    def _add_namespace(self, netns: str, index: int) -> tuple[str, str]:
        """A namespace with a veth to this one; returns (our address, its address)."""
        outside, inside = f"rk{self.tag}h{index}", f"rk{self.tag}n{index}"
        _run(["ip", "netns", "add", netns])
        self._namespaces.append(netns)
        _run(["ip", "link", "add", outside, "type", "veth", "peer", "name", inside, "netns", netns])
        self._veths.append(outside)
        # Pick a /30 no other interface uses; the lock keeps parallel test sessions apart.
        lock_path = Path(tempfile.gettempdir()) / "releasekit-netns.lock"
        with open(lock_path, "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            used = _run(["ip", "-o", "-4", "addr", "show"]).stdout
            while True:
                block = random.randrange(0, 256 * 64)
                a, b = divmod(block, 64)
                gateway, address = (
                    f"{SUBNET_PREFIX}.{a}.{b * 4 + 1}",
                    f"{SUBNET_PREFIX}.{a}.{b * 4 + 2}",
                )
                if f" {gateway}/" not in used:
                    break
            _run(["ip", "addr", "add", f"{gateway}/30", "dev", outside])
        _run(["ip", "link", "set", outside, "up"])
        inns = ["ip", "netns", "exec", netns]
        _run([*inns, "ip", "addr", "add", f"{address}/30", "dev", inside])
        _run([*inns, "ip", "link", "set", inside, "up"])
        _run([*inns, "ip", "link", "set", "lo", "up"])
        _run([*inns, "ip", "route", "add", "default", "via", gateway])
        return gateway, address

    def set_latency(self, delay_ms: float) -> str | None:
        """Delay every packet this machine sends to each host by ``delay_ms`` (netem on our end of
        each veth, so each round trip to a host takes that much longer). None once it is in place,
        else why it cannot be (the kernel may lack sch_netem; loopback hosts have no link)."""
        if self.mode != "netns":
            return "the hosts are loopback ports, not network namespaces (needs root)"
        if not shutil.which("tc"):
            return "tc is not installed (apt-get install iproute2)"
        for veth in self._veths:
            argv = ["tc", "qdisc", "replace", "dev", veth, "root", "netem", "delay", f"{delay_ms:g}ms"]
            result = subprocess.run(argv, capture_output=True, text=True)
            if result.returncode != 0:
                self.clear_latency()
                return f"`{' '.join(argv)}` failed: {result.stderr.strip() or result.returncode}"
        return None

    def clear_latency(self) -> None:
        """Take the netem delay off every host's link again (nothing if there is none)."""
        for veth in self._veths:
            subprocess.run(["tc", "qdisc", "del", "dev", veth, "root"], capture_output=True)

    def close(self) -> None:
        """Stop every sshd by pid, then delete veths and namespaces; never raises."""
        for host in self.hosts:
            try:
                host.stop()
            except Exception:
                pass
        for veth in self._veths:
            subprocess.run(["ip", "link", "del", veth], capture_output=True)
        for netns in self._namespaces:
            subprocess.run(["ip", "netns", "del", netns], capture_output=True)
        self._veths.clear()
        self._namespaces.clear()


def make_pool(root: Path, *, netns: bool | None = None) -> SshHostPool:
    """A pool, or a pytest skip naming what this machine lacks."""
    reason = missing_for_sshd()
    if reason:
        pytest.skip(reason)
    if netns is True and not netns_available():
        pytest.skip(NEEDS_NETNS)
    mode = "auto" if netns is None else "netns" if netns else "loopback"
    return SshHostPool(root, mode)


@pytest.fixture(scope="session")
def ssh_hosts(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[int], list[SshHost]]]:
    """``ssh_hosts(n)`` -> n running SshHosts (shared by the session; stopped ones restart)."""
    pool = make_pool(tmp_path_factory.mktemp("ssh-hosts"))
    try:
        yield pool.get
    finally:
        pool.close()
