"""Start-up cost of the `releasekit` program, relative to importing invoke alone.

Prints the ratio of the median wall time of ``releasekit --list`` to that of
``python -c "import invoke"``. Both run as subprocesses of this venv's Python,
alternating, so that load on the machine hits both sides alike; the ratio,
not either time, is the result. Goal: at most 1.5.

    python bench/startup.py [--runs N] [--importtime]

``--importtime`` also prints the modules that ``releasekit --list`` imports
beyond ``import invoke``, slowest first (from ``python -X importtime``), to
show what to move into function bodies when the ratio is too high.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GOAL = 1.5
PYTHON = sys.executable


def releasekit_argv() -> list[str]:
    """The installed console script when there is one (what users run), else ``-m``."""
    script = Path(PYTHON).with_name("releasekit")
    return [str(script), "--list"] if script.exists() else [PYTHON, "-m", "releasekit", "--list"]


INVOKE_ARGV = [PYTHON, "-c", "import invoke"]


def clean_env(pycache: str) -> dict[str, str]:
    """No INVOKE_* settings from the caller's shell: they would change what is loaded.

    Bytecode on, cached under ``pycache`` for both sides: an installed package has its .pyc
    files, and PYTHONDONTWRITEBYTECODE (set in some shells and CI) would otherwise make every
    run compile releasekit's sources while invoke's come precompiled from site-packages.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("INVOKE_") and k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = pycache
    return env


def wall_time(argv: list[str], cwd: str, env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def measure(runs: int, cwd: str, env: dict[str, str]) -> tuple[float, float]:
    """Median seconds of (releasekit --list, import invoke) over ``runs`` alternating pairs."""
    rk_argv = releasekit_argv()
    for argv in (rk_argv, INVOKE_ARGV):  # warm the page cache and write the bytecode first
        wall_time(argv, cwd, env)
    rk, inv = [], []
    for n in range(runs):
        pair = [(rk_argv, rk), (INVOKE_ARGV, inv)]
        if n % 2:  # alternate which goes first, so neither always runs on a warmer machine
            pair.reverse()
        for argv, times in pair:
            times.append(wall_time(argv, cwd, env))
    return statistics.median(rk), statistics.median(inv)


def _self_times(argv: list[str], cwd: str, env: dict[str, str]) -> dict[str, int]:
    """module -> self import time (microseconds), from ``-X importtime``."""
    out = subprocess.run([PYTHON, "-X", "importtime", *argv], cwd=cwd, env=env, capture_output=True,
                         text=True, check=True).stderr
    times: dict[str, int] = {}
    for line in out.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, _cumulative, name = line.removeprefix("import time:").split("|")
        times[name.strip()] = int(self_us)
    return times


def extra_imports(cwd: str, env: dict[str, str], top: int = 25) -> list[tuple[str, int]]:
    """Modules imported by ``releasekit --list`` but not by ``import invoke``, slowest first."""
    rk = _self_times(["-m", "releasekit", "--list"], cwd, env)
    base = _self_times(["-c", "import invoke"], cwd, env)
    extra = [(name, us) for name, us in rk.items() if name not in base]
    return sorted(extra, key=lambda item: item[1], reverse=True)[:top]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="alternating pairs to run (default 15)")
    parser.add_argument("--importtime", action="store_true", help="list what releasekit imports beyond invoke")
    args = parser.parse_args(argv)
    # An empty folder: no invoke.yaml or pyproject.toml of the caller's project is read.
    with tempfile.TemporaryDirectory(prefix="rk-bench-") as cwd:
        env = clean_env(str(Path(cwd) / ".pycache"))
        rk, inv = measure(args.runs, cwd, env)
        ratio = rk / inv
        print(f"releasekit --list: {rk * 1000:.0f} ms   import invoke: {inv * 1000:.0f} ms   "
              f"(medians of {args.runs} alternating runs)")
        print(f"ratio {ratio:.2f} (goal <= {GOAL}): {'ok' if ratio <= GOAL else 'too slow'}")
        if args.importtime or ratio > GOAL:
            print("\nimported beyond `import invoke` (self time, slowest first):")
            for name, us in extra_imports(cwd, env):
                print(f"  {us / 1000:7.1f} ms  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
