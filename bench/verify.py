"""bench/verify: `releasekit verify.install` on 3 hosts against 1 host, over bare and slow links, in one run.

The hosts are real sshd servers (in network namespaces as root, else on loopback ports) and the
index is a local pypiserver they reach. The hosts are verified in parallel, so 3 hosts should cost
little more than 1. On this machine's few cores, bare links mostly measure the hosts' pip runs
competing for CPU; real hosts are separate machines some way off, so the second figure gives each
host's link a round-trip latency (default 40 ms): `tc qdisc ... netem delay` on our end of each
host's veth where the kernel has sch_netem, else a userspace relay that holds every byte half the
round trip each way (the output says which). The four variants alternate within each round.
Prints each run, the medians and both ratios (goal with latency: <= 1.2).

`--baseline REV` also runs releasekit as it was at git revision REV (its `releasekit/` package,
first on PYTHONPATH) in the same rounds, and prints this tree's medians over the baseline's:
before/after figures for a change, measured side by side.

    .venv/bin/python bench/verify.py [--runs N] [--rtt-ms MS] [--baseline REV]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import _baseline  # bench/_baseline.py (bench/ is first on sys.path when a bench runs)
import yaml

from releasekit.testing.hosts import SshHost, SshHostPool, make_pool
from releasekit.testing.latency import DelayRelay
from releasekit.testing.sample import make_sample_project
from releasekit.testing.servers import PypiServer

GOAL = 1.2
RELEASEKIT = [sys.executable, "-m", "releasekit"]


def host_config(hosts: list[tuple[str, int]], url: str, known_hosts: Path, host: SshHost) -> dict:
    """invoke.yaml for the sample project: these (address, port) hosts, this index."""
    return {"releasekit": {
        "pypi": {"repository": url}, "dist": {"isolation": False},
        "hosts": {f"h{i}": {"host": address, "port": port, "user": host.user, "python": sys.executable}
                  for i, (address, port) in enumerate(hosts)},
        "verify": {"known_hosts": str(known_hosts), "ssh_key": str(host.key_path)},
    }}


class SlowLinks:
    """Round-trip latency on every host's link, by netem if the kernel has it, else by relays."""

    def __init__(self, pool: SshHostPool, hosts: list[SshHost], server: PypiServer, rtt_ms: float,
                 workdir: Path) -> None:
        self.pool = pool
        self.rtt_ms = rtt_ms
        self.relays: list[DelayRelay] = []
        why = pool.set_latency(rtt_ms)
        pool.clear_latency()
        self.netem = why is None
        if self.netem:
            self.how = f"netem delay {rtt_ms:g}ms on our end of each host's veth"
            self.config = host_config([(h.host, h.port) for h in hosts], server.url, hosts[0].known_hosts, hosts[0])
            return
        one_way = rtt_ms / 2000
        far = {h.host for h in hosts}
        index = DelayRelay(("127.0.0.1", server.port), one_way, listen=("0.0.0.0", 0), delayed=far.__contains__)
        self.relays.append(index.start())
        known_hosts = workdir / "known_hosts"
        lines, addresses = [], []
        for h in hosts:
            relay = DelayRelay((h.host, h.port), one_way).start()
            self.relays.append(relay)
            addresses.append(("127.0.0.1", relay.port))
            lines.append(f"[127.0.0.1]:{relay.port} " + " ".join(h.known_hosts_line.split()[1:]))
        known_hosts.write_text("\n".join(lines) + "\n")
        self.how = (f"netem is not available here ({why}); instead a userspace relay holds every byte "
                    f"{one_way * 1000:g} ms each way (SSH and the hosts' index traffic)")
        self.config = host_config(addresses, f"http://{server.address}:{index.port}/", known_hosts, hosts[0])

    def on(self) -> None:
        if self.netem:
            self.pool.set_latency(self.rtt_ms)

    def off(self) -> None:
        if self.netem:
            self.pool.clear_latency()

    def close(self) -> None:
        self.off()
        for relay in self.relays:
            relay.stop()


def verify_seconds(project: Path, config: dict, host_args: list[str], source: Path | None = None) -> float:
    (project / "invoke.yaml").write_text(yaml.safe_dump(config))
    env = _baseline.env_for(source)
    start = time.perf_counter()
    result = subprocess.run([*RELEASEKIT, "verify.install", "--no-wait", "--version", "0.1.0.dev0", *host_args],
                            cwd=project, capture_output=True, text=True, env=env)
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"verify.install {' '.join(host_args)} failed:\n{result.stdout}\n{result.stderr}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--rtt-ms", type=float, default=40.0, help="round-trip latency of each host's link")
    parser.add_argument("--baseline", metavar="REV", help="also time releasekit as of this git revision")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="releasekit-bench-verify-"))
    pool = make_pool(root / "hosts")
    server = None
    links = None
    try:
        hosts = pool.get(3)
        server = PypiServer(root / "index", bind="0.0.0.0", address=hosts[0].gateway).start()
        project = make_sample_project(root, "bench-verify").path
        bare = host_config([(h.host, h.port) for h in hosts], server.url, hosts[0].known_hosts, hosts[0])
        (project / "invoke.yaml").write_text(yaml.safe_dump(bare))
        subprocess.run([*RELEASEKIT, "dist.pypi"], cwd=project, check=True, capture_output=True)
        for artifact in (project / "dist").iterdir():
            shutil.copy(artifact, server.dir / artifact.name)
        links = SlowLinks(pool, hosts, server, args.rtt_ms, root)
        print(f"hosts: {pool.mode}; latency: {links.how}", flush=True)
        slow = f"{args.rtt_ms:g} ms RTT"
        counts = {"1 host": ["--host", "h0"], "3 hosts": ["--host", "all"]}
        trees: dict[str, Path | None] = {"this tree": None}
        if args.baseline:
            trees[args.baseline] = _baseline.export(args.baseline, root / "baseline")
        variants = [(tree, link, count) for tree in trees for link in ("bare", slow) for count in counts]
        times: dict[tuple[str, str, str], list[float]] = {v: [] for v in variants}
        for i in range(args.runs):
            for tree, link, count in variants if i % 2 == 0 else reversed(variants):
                if link == slow:
                    links.on()
                else:
                    links.off()
                seconds = verify_seconds(project, links.config if link == slow else bare, counts[count], trees[tree])
                times[tree, link, count].append(seconds)
                label = f"{tree} " if args.baseline else ""
                print(f"run {i} {label}{link:10} {count:8} {seconds:6.2f}s", flush=True)
        links.off()
        median = {v: statistics.median(t) for v, t in times.items()}
        for tree in trees:
            if args.baseline:
                print(f"{tree}:")
            for link in ("bare", slow):
                one, three = median[tree, link, "1 host"], median[tree, link, "3 hosts"]
                goal = f" (goal <= {GOAL})" if link == slow else ""
                print(f"{link:10} median 1 host {one:.2f}s, 3 hosts {three:.2f}s, ratio 3 hosts / 1 host = "
                      f"{three / one:.2f}{goal}")
        if args.baseline:
            print(f"this tree / {args.baseline} (medians):", ", ".join(
                f"{link} {count} {median['this tree', link, count] / median[args.baseline, link, count]:.2f}"
                for link in ("bare", slow) for count in counts))
    finally:
        if links is not None:
            links.close()
        if server is not None:
            server.stop()
        pool.close()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
