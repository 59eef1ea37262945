"""bench/verify: `releasekit verify.install` against 3 hosts and against 1 host, alternating, in one run.

The hosts are real sshd servers (in network namespaces as root, else on loopback ports) and the
index is a local pypiserver they reach. The hosts are verified in parallel, so 3 hosts should cost
little more than 1. Prints each run and the ratio of the medians (goal <= 1.5).

    .venv/bin/python bench/verify.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from releasekit.testing.hosts import make_pool
from releasekit.testing.sample import make_sample_project
from releasekit.testing.servers import PypiServer


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="releasekit-bench-verify-"))
    pool = make_pool(root / "hosts")
    server = None
    try:
        hosts = pool.get(3)
        server = PypiServer(root / "index", bind="0.0.0.0", address=hosts[0].gateway).start()
        index_dir, url = server.dir, server.url
        project = make_sample_project(root, "bench-verify")
        (project.path / "invoke.yaml").write_text(yaml.safe_dump({"releasekit": {
            "pypi": {"repository": url}, "dist": {"isolation": False},
            "hosts": {f"h{i}": {"host": h.host, "port": h.port, "user": h.user, "python": sys.executable}
                      for i, h in enumerate(hosts)},
            "verify": {"known_hosts": str(hosts[0].known_hosts), "ssh_key": str(hosts[0].key_path)},
        }}))
        releasekit = [sys.executable, "-m", "releasekit"]
        subprocess.run([*releasekit, "dist.pypi"], cwd=project.path, check=True, capture_output=True)
        for artifact in (project.path / "dist").iterdir():
            shutil.copy(artifact, index_dir / artifact.name)
        variants = {"1 host": ["--host", "h0"], "3 hosts": ["--host", "all"]}
        times: dict[str, list[float]] = {k: [] for k in variants}
        for i in range(args.runs):
            order = list(variants) if i % 2 == 0 else list(reversed(variants))
            for name in order:
                start = time.perf_counter()
                result = subprocess.run([*releasekit, "verify.install", "--no-wait", "--version", "0.1.0.dev0",
                                         *variants[name]], cwd=project.path, capture_output=True, text=True,
                                        env=dict(os.environ))
                seconds = time.perf_counter() - start
                if result.returncode != 0:
                    raise SystemExit(f"{name} failed:\n{result.stdout}\n{result.stderr}")
                times[name].append(seconds)
                print(f"run {i} {name:8} {seconds:6.2f}s", flush=True)
        one, three = statistics.median(times["1 host"]), statistics.median(times["3 hosts"])
        print(f"median 1 host {one:.2f}s, 3 hosts {three:.2f}s")
        print(f"ratio 3 hosts / 1 host = {three / one:.2f} (goal <= 1.5)")
    finally:
        if server is not None:
            server.stop()
        pool.close()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
