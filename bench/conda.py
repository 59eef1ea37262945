"""bench/conda: dist.conda's time as a ratio to dist.wheel's for the same project, alternating, in one run.

The project is the sample project with a generated recipe; the conda build (rattler-build, from the
sdist, with the recipe's import test) uses a local build channel holding a python shim, so it runs
offline. Prints each run and the ratio of the medians (goal <= 3).

    .venv/bin/python bench/conda.py [--runs N]
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

from releasekit.testing.conda import cached_local_channel
from releasekit.testing.sample import make_sample_project


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="releasekit-bench-conda-"))
    try:
        channel = cached_local_channel(Path(tempfile.gettempdir()) / "releasekit-demo-cache")
        project = make_sample_project(root, "bench-conda")
        pyproject = project.path / "pyproject.toml"
        pyproject.write_text(pyproject.read_text() + "\n[tool.releasekit]\ndist.isolation = false\n"
                             f'conda.channels = ["{channel.path}"]\nconda.package_format = "tar.bz2"\n')
        project.git("commit", "-qam", "configure")
        rk = [sys.executable, "-m", "releasekit"]

        def run(*task: str) -> float:
            start = time.perf_counter()
            result = subprocess.run([*rk, *task], cwd=project.path, capture_output=True, text=True)
            if result.returncode != 0:
                raise SystemExit(f"{task} failed:\n{result.stdout}\n{result.stderr}")
            return time.perf_counter() - start

        run("dist.sdist")  # dist.conda builds from it
        run("dist.conda-recipe")
        times: dict[str, list[float]] = {"dist.wheel": [], "dist.conda": []}
        for i in range(args.runs):
            for task in ("dist.wheel", "dist.conda") if i % 2 == 0 else ("dist.conda", "dist.wheel"):
                if task == "dist.conda":
                    shutil.rmtree(project.path / "conda-dist", ignore_errors=True)
                seconds = run(task)
                times[task].append(seconds)
                print(f"run {i} {task:10} {seconds:6.2f}s", flush=True)
        wheel, conda = statistics.median(times["dist.wheel"]), statistics.median(times["dist.conda"])
        print(f"median dist.wheel {wheel:.2f}s, dist.conda {conda:.2f}s")
        print(f"ratio dist.conda / dist.wheel = {conda / wheel:.2f} (goal <= 3)")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
