"""bench/wait: how long after the index starts serving a release does `releasekit verify.wait` notice?

A real pypiserver (it rescans its folder on every request) starts empty; `verify.wait` runs against
it, and at a random moment after its first poll the files are moved in (each one whole, by rename). The delay from the
moment the last file is served to the moment `verify.wait` reports the index serves the release
is measured in poll intervals (`wait.interval`), over a bounded number of trials. The interval and
its cap keep the defaults' proportion (5 s and 60 s), scaled down so the run stays under a minute.
Prints each trial and the median delay in intervals (goal <= 1).

`--baseline REV` also runs releasekit as it was at git revision REV, at the same random moments,
alternating with this tree, and prints both medians (the run then takes twice as long).

    .venv/bin/python bench/wait.py [--trials N] [--interval S] [--seed N] [--baseline REV]
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import _baseline  # bench/_baseline.py (bench/ is first on sys.path when a bench runs)
import yaml

from releasekit.testing.sample import make_sample_project
from releasekit.testing.servers import PypiServer

GOAL = 1.0
RELEASEKIT = [sys.executable, "-m", "releasekit"]
CAP = 12  # wait.max_interval / wait.interval, as in the defaults (60 / 5)
LATEST = 20  # the files appear within this many intervals of the first poll (lags of minutes are common)


def serve(files: list[Path], staging: Path, index_dir: Path) -> float:
    """Move ``files`` into the index whole (a copy, then a rename); the moment the last one is served."""
    for f in files:
        shutil.copy(f, staging / f.name)
    for f in files:
        os.replace(staging / f.name, index_dir / f.name)
    return time.perf_counter()


def polled(server: PypiServer, since: int, proc: subprocess.Popen) -> float:
    """The moment the index has answered the wait's first request for the project page (pypiserver
    logs the request line, then the status line) after byte ``since`` of its log."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        with open(server.log_path, "rb") as log:
            log.seek(since)
            if re.search(rb"GET \S*/simple/bench-wait/>\n\d{3} ", log.read()):
                return time.perf_counter()
        time.sleep(0.005)
    raise SystemExit(f"verify.wait never asked the index for the page: {server.log_tail()}")


def trial(project: Path, files: list[Path], server: PypiServer, staging: Path, appear_after: float,
          source: Path | None) -> float:
    """Seconds from the index serving every file to `verify.wait` (of ``source``) saying so."""
    for f in server.dir.iterdir():
        f.unlink()
    since = server.log_path.stat().st_size
    env = _baseline.env_for(source, dict(os.environ, PYTHONUNBUFFERED="1"))
    proc = subprocess.Popen([*RELEASEKIT, "verify.wait", "--timeout", "120"], cwd=project, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    noticed: list[float] = []
    lines: list[str] = []

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)
            if "the index serves" in line and not noticed:
                noticed.append(time.perf_counter())

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    first_poll = polled(server, since, proc)
    time.sleep(max(0.0, first_poll + appear_after - time.perf_counter()))
    served = serve(files, staging, server.dir)
    code = proc.wait(timeout=180)
    reader.join(timeout=10)
    if code != 0 or not noticed:
        raise SystemExit(f"verify.wait failed ({code}):\n{''.join(lines)}")
    return max(0.0, noticed[0] - served)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--trials", type=int, default=7)
    parser.add_argument("--interval", type=float, default=0.4, help="wait.interval in seconds")
    parser.add_argument("--seed", type=int, default=None, help="for the random moments (default: a new one)")
    parser.add_argument("--baseline", metavar="REV", help="also time releasekit as of this git revision")
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.randrange(2**32)
    rng = random.Random(seed)
    root = Path(tempfile.mkdtemp(prefix="releasekit-bench-wait-"))
    server = None
    try:
        server = PypiServer(root / "index").start()
        project = make_sample_project(root, "bench-wait").path
        (project / "invoke.yaml").write_text(yaml.safe_dump({"releasekit": {
            "pypi": {"repository": server.url}, "dist": {"isolation": False},
            "wait": {"interval": args.interval, "max_interval": args.interval * CAP},
        }}))
        subprocess.run([*RELEASEKIT, "dist.pypi"], cwd=project, check=True, capture_output=True)
        files = sorted((project / "dist").iterdir())
        staging = root / "staging"
        staging.mkdir()
        print(f"wait.interval {args.interval:g}s, wait.max_interval {args.interval * CAP:g}s; "
              f"{len(files)} file(s) appear within {LATEST} intervals of the first poll (seed {seed})", flush=True)
        trees: dict[str, Path | None] = {"this tree": None}
        if args.baseline:
            trees[args.baseline] = _baseline.export(args.baseline, root / "baseline")
        delays: dict[str, list[float]] = {tree: [] for tree in trees}
        for i in range(args.trials):
            appear_after = rng.uniform(0, LATEST * args.interval)
            for tree in list(trees) if i % 2 == 0 else reversed(list(trees)):
                delay = trial(project, files, server, staging, appear_after, trees[tree]) / args.interval
                delays[tree].append(delay)
                label = f"{tree} " if args.baseline else ""
                print(f"trial {i} {label}served {appear_after:5.2f}s after the first poll, noticed {delay:5.2f} intervals later",
                      flush=True)
        for tree, values in delays.items():
            label = f"{tree}: " if args.baseline else ""
            print(f"{label}median delay {statistics.median(values):.2f} poll intervals (goal <= {GOAL:g}), "
                  f"worst {max(values):.2f}")
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
