"""bench/release: the same release of the sample project two ways, alternating, in one run.

1. `releasekit release --yes` (preflight, version, changelog, branches, tag, build from a
   clean export, twine check, sdist contents, clean installs of both artifacts, upload,
   wait for the index, install the published version);
2. the Makefile's plain sequence as a shell script: git commands, `python -m build`,
   `twine upload`, `python -m venv` + `pip install` of the published version.

Both build with isolation, from a local pypiserver seeded with the build backend (offline),
and run no test command. Prints each run and the ratio of the medians (goal <= 1.0).

    .venv/bin/python bench/release.py [--runs N]
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

from releasekit.testing import wheelhouse
from releasekit.testing.sample import make_sample_project
from releasekit.testing.servers import PypiServer

PLAIN = r"""
set -euo pipefail
V=$(python -c "import re;print(re.search(r\"'(.+)'\", open('$PKG/version.py').read()).group(1))")
R=${V%.dev0}
git checkout -q main
git status --porcelain | grep -q . && exit 1
sed -i "s/'$V'/'$R'/" $PKG/version.py
sed -i "s/^## $V (Work In Progress)/## $R ($(date +%F))/" CHANGES.md
git checkout -q -b release-$R
git commit -qm "starting release branch: $R" $PKG/version.py CHANGES.md
git checkout -q main
N=$(python -c "v='$R'.split('.');v[-1]=str(int(v[-1])+1);print('.'.join(v))").dev0
sed -i "s/'$V'/'$N'/" $PKG/version.py
git pull -q origin main
git commit -qm "new dev cycle: $N" $PKG/version.py
git push -q origin main
git checkout -q release-$R
git push -q --set-upstream origin release-$R
git tag -a $R -m $R
git push -q origin tag $R
rm -rf dist build
python -m build -q --outdir dist . >/dev/null
python -m twine upload -u u -p p --repository-url $INDEX dist/* >/dev/null
python -m venv $TMPV
$TMPV/bin/pip install -q --no-cache-dir --index-url ${INDEX}simple/ $DIST==$R
$TMPV/bin/python -c "import $PKG"
rm -rf $TMPV
git checkout -q main
"""


def one_run(kind: str, i: int, root: Path, server: PypiServer) -> float:
    name = f"bench-{kind}-{i}"
    project = make_sample_project(root / name, name)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "UV_"))}
    env.update(PIP_CONFIG_FILE=os.devnull, PIP_INDEX_URL=server.simple_url, UV_INDEX_URL=server.simple_url,
               PIP_DISABLE_PIP_VERSION_CHECK="1", PATH=f"{Path(sys.executable).parent}:{env['PATH']}")
    if kind == "releasekit":
        pyproject = project.path / "pyproject.toml"
        pyproject.write_text(pyproject.read_text() + f'\n[tool.releasekit]\npypi.repository = "{server.url}"\n'
                             'test_command = ""\n')
        project.git("commit", "-qam", "configure")
        project.git("push", "-q", "origin", "main")
        env.update(TWINE_USERNAME="u", TWINE_PASSWORD="p")
        argv = [sys.executable, "-m", "releasekit", "release", "--yes"]
    else:
        env.update(PKG=project.package, DIST=project.name, INDEX=server.url, TMPV=str(root / f"venv-{i}"))
        argv = ["bash", "-c", PLAIN]
    start = time.perf_counter()
    result = subprocess.run(argv, cwd=project.path, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"{kind} run {i} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="releasekit-bench-"))
    server = PypiServer(root / "index").start()
    wheelhouse.seed(server.dir)
    times: dict[str, list[float]] = {"releasekit": [], "plain": []}
    try:
        for i in range(args.runs):
            for kind in ("releasekit", "plain") if i % 2 == 0 else ("plain", "releasekit"):
                seconds = one_run(kind, i, root, server)
                times[kind].append(seconds)
                print(f"run {i} {kind:10} {seconds:6.2f}s", flush=True)
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)
    rk, plain = statistics.median(times["releasekit"]), statistics.median(times["plain"])
    print(f"median releasekit {rk:.2f}s, plain sequence {plain:.2f}s")
    print(f"ratio releasekit/plain = {rk / plain:.2f} (goal <= 1.0)")


if __name__ == "__main__":
    main()
