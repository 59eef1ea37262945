"""Remake the installer-output samples: real pip and uv failures against a local pypiserver.

    .venv/bin/python tests/data/installer/make_samples.py

Each case installs one requirement into a fresh venv with the hermetic environment releasekit uses;
ports, temp folders and the venv path are replaced so the samples stay stable. Not a test.
"""

from __future__ import annotations

import io
import re
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

from releasekit.adapters.envs import hermetic_env, uv_binary
from releasekit.testing.sample import write_wheel
from releasekit.testing.servers import PypiServer, free_port
from releasekit.testing.wheelhouse import seed

HERE = Path(__file__).parent


def sdist(folder: Path, name: str, version: str, files: dict[str, str]) -> None:
    base = f"{name.replace('-', '_')}-{version}"
    with tarfile.open(folder / f"{base}.tar.gz", "w:gz") as tf:
        for rel, text in {**files, "PKG-INFO": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"}.items():
            data = text.encode()
            info = tarfile.TarInfo(f"{base}/{rel}")
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))


def fill(d: Path) -> None:
    write_wheel(d, "rk-lag", "0.1.0")
    write_wheel(d, "rk-needs", "0.2.0", requires=["rk-missing>=1.0"])
    write_wheel(d, "rk-dep", "1.0")
    write_wheel(d, "rk-needs-newer", "0.2.0", requires=["rk-dep>=2"])
    write_wheel(d, "rk-b", "1.0")
    write_wheel(d, "rk-b", "2.0")
    write_wheel(d, "rk-c", "1.0", requires=["rk-b==2.0"])
    write_wheel(d, "rk-conflict", "0.2.0", requires=["rk-b==1.0", "rk-c"])
    seed(d)  # setuptools and wheel, not hatchling
    sdist(d, "rk-hatch", "0.2.0", {"pyproject.toml": '[build-system]\nrequires = ["hatchling>=1.18"]\n'
                                   'build-backend = "hatchling.build"\n[project]\nname = "rk-hatch"\nversion = "0.2.0"\n'})
    sdist(d, "rk-broken", "0.2.0", {
        "pyproject.toml": '[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n',
        "setup.py": 'raise RuntimeError("rk-broken cannot be built: the C compiler is missing")\n'})


def run(work: Path, tool: str, index: str, spec: str) -> str:
    venv = Path(tempfile.mkdtemp(dir=work)) / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    py = str(venv / "bin" / "python")
    if tool == "pip":
        argv = [sys.executable, "-m", "pip", "--python", py, "install", "--index-url", index, spec]
    else:
        argv = [str(uv_binary()), "pip", "install", "--python", py, "--index-url", index, spec]
    r = subprocess.run(argv, env=hermetic_env(), capture_output=True, text=True, timeout=300)
    return (r.stdout + ("\n" if r.stdout and r.stderr else "") + r.stderr).strip() + "\n"


def scrub(text: str, work: Path, ports: list[int]) -> str:
    for port in ports:
        text = text.replace(str(port), "PORT")
    text = text.replace(str(work), "/tmp/WORK").replace(sys.prefix, "/venv")
    text = re.sub(r"/tmp/[A-Za-z0-9_.-]*(?:releasekit|pip|tmp|build)[A-Za-z0-9_.-]*", "/tmp/TMP", text)
    return re.sub(r"\.tmp[A-Za-z0-9]{6}", ".tmpXXXXXX", text)


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="rk-samples-"))
    server = PypiServer(work / "server").start()
    fill(server.dir)
    # A page that lists a file it cannot serve yet (a CDN's page ahead of its files).
    site = work / "site" / "simple" / "rk-lag"
    site.mkdir(parents=True)
    (site / "index.html").write_text('<a href="/files/rk_lag-0.2.0-py3-none-any.whl#sha256=' + "0" * 64 +
                                     '">rk_lag-0.2.0-py3-none-any.whl</a>')
    port = free_port()
    static = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "-d",
                               str(work / "site")], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1)
    cases = {
        "lag-version": (server.simple_url, "rk-lag==0.2.0"),
        "lag-unknown": (server.simple_url, "rk-new==0.2.0"),
        "lag-file-404": (f"http://127.0.0.1:{port}/simple/", "rk-lag==0.2.0"),
        "missing-dep": (server.simple_url, "rk-needs==0.2.0"),
        "dep-too-old": (server.simple_url, "rk-needs-newer==0.2.0"),
        "conflict": (server.simple_url, "rk-conflict==0.2.0"),
        "build-backend-missing": (server.simple_url, "rk-hatch==0.2.0"),
        "build-fails": (server.simple_url, "rk-broken==0.2.0"),
        "index-down": ("http://127.0.0.1:9/simple/", "rk-lag==0.1.0"),
    }
    try:
        for case, (index, spec) in cases.items():
            for tool in ("pip", "uv"):
                text = scrub(run(work, tool, index, spec), work, [server.port, port])
                (HERE / f"{tool}-{case}.txt").write_text(text, encoding="utf-8")
                print(f"{tool}-{case}.txt")
    finally:
        static.kill()
        server.stop()


if __name__ == "__main__":
    main()
