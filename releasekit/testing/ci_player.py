"""A bare remote that plays the publish workflow, for testing ``publish: ci`` with no network.

:class:`CiPlayer` installs a ``post-receive`` hook in a bare repository. When a tag that matches
the workflow's tag filter is pushed, the hook starts a job in the background and returns at once,
as a forge does: the job waits ``delay`` seconds, builds the tag from a clean export
(``git archive``, tracked files only) with ``python -m build``, and uploads the files to a real
index with twine. It is another machine: it shares no code with releasekit's own build.

With ``conda=True`` it also plays the workflow's conda job as the generated workflow runs it: in
the export, with the built files in the project's ``dist/`` (the job downloads the build's artifact
there), ``releasekit dist.conda`` then ``releasekit upload.conda --yes``, to the channel the tag's
own configuration names (a channel directory in tests). That job runs releasekit, as the real one does.

Faults, set with :meth:`CiPlayer.configure` before a push:

- ``different-sdist``: the sdist it uploads holds one file more than the tag's build;
- ``never``: the job ends without uploading anything (a workflow that failed or never ran);
- ``late``: the job holds the upload until :meth:`CiPlayer.let_through` (after a first wait
  timed out, say), then uploads.

Each job appends its progress to ``runs.jsonl`` (``started``, then ``uploaded``, ``skipped`` or
``failed``) and writes its output to ``job-TAG.log``; :meth:`CiPlayer.wait_for` waits for a job's end.

Run as a program (the hook does): ``python -m releasekit.testing.ci_player hook CONFIG`` reads
git's ref lines on stdin; ``... job CONFIG TAG`` is one background job.
"""

from __future__ import annotations

import fnmatch
import io
import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

FAULTS = ("different-sdist", "never", "late")
EXTRA_MEMBER = "CI-ONLY.txt"  # the file the different sdist holds and the tag's build does not
ZERO = "0" * 40


@dataclass
class Config:
    remote: str
    upload_url: str
    username: str = "ci"
    password: str = "ci"
    tag_glob: str = "*"
    delay: float = 0.0
    fault: str | None = None
    python: str = sys.executable
    workdir: str = ""
    conda: bool = False


class CiPlayer:
    """The CI of one bare remote, uploading to one index (e.g. :class:`releasekit.testing.servers.PypiServer`)."""

    def __init__(self, remote: Path, upload_url: str, workdir: Path, *, username: str = "ci",
                 password: str = "ci", tag_glob: str = "*", delay: float = 0.0, conda: bool = False) -> None:
        self.remote = Path(remote)
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.config_path = self.workdir / "ci-player.json"
        self.config = Config(str(self.remote), upload_url, username, password, tag_glob, delay,
                             python=sys.executable, workdir=str(self.workdir), conda=conda)

    # --- set-up --------------------------------------------------------------------------------------------------

    def install(self) -> CiPlayer:
        """Write the config and the remote's ``hooks/post-receive``."""
        self._save()
        hook = self.remote / "hooks" / "post-receive"
        hook.parent.mkdir(exist_ok=True)
        argv = [self.config.python, "-m", "releasekit.testing.ci_player", "hook", str(self.config_path)]
        hook.write_text("#!/bin/sh\nexec " + " ".join(shlex.quote(a) for a in argv) + "\n", encoding="utf-8")
        hook.chmod(0o755)
        return self

    def configure(self, *, fault: str | None = None, delay: float | None = None) -> None:
        """The behaviour of the next jobs: a fault of :data:`FAULTS` (None: a workflow that works)."""
        if fault is not None and fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r}: use one of {', '.join(FAULTS)}")
        self.config.fault = fault
        if delay is not None:
            self.config.delay = delay
        self._save()

    def _save(self) -> None:
        self.config_path.write_text(json.dumps(asdict(self.config), indent=1), encoding="utf-8")

    # --- watching ------------------------------------------------------------------------------------------------

    def runs(self) -> list[dict]:
        path = self.workdir / "runs.jsonl"
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]

    def states(self, tag: str) -> list[str]:
        return [r["state"] for r in self.runs() if r["tag"] == tag]

    def wait_for(self, tag: str, timeout: float = 120.0) -> dict:
        """The last record of the job of ``tag`` once it ended (uploaded, skipped or failed)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            ended = [r for r in self.runs() if r["tag"] == tag and r["state"] in ("uploaded", "skipped", "failed")]
            if ended:
                return ended[-1]
            time.sleep(0.05)
        raise TimeoutError(f"the CI job of {tag} did not end within {timeout}s: {self.states(tag)}; "
                           f"{self.log(tag)[-2000:]}")

    def wait_state(self, tag: str, state: str, timeout: float = 120.0) -> None:
        """Wait until the job of ``tag`` recorded ``state`` (``started``, ``holding``, ...)."""
        deadline = time.monotonic() + timeout
        while state not in self.states(tag):
            if "failed" in self.states(tag) or time.monotonic() > deadline:
                raise TimeoutError(f"the CI job of {tag} never got to {state}: {self.states(tag)}; "
                                   f"{self.log(tag)[-2000:]}")
            time.sleep(0.05)

    def log(self, tag: str) -> str:
        path = self.workdir / f"job-{_safe(tag)}.log"
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""

    def let_through(self, tag: str) -> None:
        """Let a job held by the ``late`` fault upload now."""
        (self.workdir / f"go-{_safe(tag)}").touch()

    def stop(self) -> None:
        """End the jobs still running, each by the pid it recorded (the leader of its own session)."""
        ended = {r["tag"] for r in self.runs() if r["state"] in ("uploaded", "skipped", "failed")}
        for record in self.runs():
            if record["state"] == "started" and record["tag"] not in ended:
                try:
                    os.killpg(record["pid"], signal.SIGTERM)
                except (ProcessLookupError, PermissionError):
                    pass


def _safe(tag: str) -> str:
    return "".join(c if c.isalnum() or c in ".-_" else "_" for c in tag)


def _load(config_path: str) -> Config:
    return Config(**json.loads(Path(config_path).read_text(encoding="utf-8")))


def _clean_env() -> dict[str, str]:
    """The hook runs with git's GIT_DIR and friends set; a job is a fresh machine."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "TWINE_", "PIP_"))}


def _record(cfg: Config, tag: str, state: str, **more: object) -> None:
    line = json.dumps({"tag": tag, "state": state, "pid": os.getpid(), **more})
    with open(Path(cfg.workdir) / "runs.jsonl", "a", encoding="utf-8") as fh:
        fh.write(line + "\n")


# --- the hook and the job (run as a program) ------------------------------------------------------------------------


def hook(config_path: str, lines: list[str]) -> None:
    """post-receive: start a job for each pushed (not deleted) tag the tag filter matches."""
    cfg = _load(config_path)
    for line in lines:
        parts = line.split()
        if len(parts) != 3:
            continue
        _old, new, ref = parts
        if new == ZERO or not ref.startswith("refs/tags/"):
            continue
        tag = ref[len("refs/tags/"):]
        if not fnmatch.fnmatchcase(tag, cfg.tag_glob):
            continue
        log = open(Path(cfg.workdir) / f"job-{_safe(tag)}.log", "ab")  # noqa: SIM115 (the child keeps it)
        subprocess.Popen([cfg.python, "-m", "releasekit.testing.ci_player", "job", config_path, tag],
                         stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=_clean_env(),
                         cwd=cfg.workdir, start_new_session=True)
        log.close()
        print(f"ci-player: started the publish job of {tag}", flush=True)


def _add_member(sdist: Path, name: str, text: str) -> None:
    """Rewrite an sdist with one more file in its top folder (the different sdist of the fault)."""
    with tarfile.open(sdist, "r:gz") as src:
        members = [(m, src.extractfile(m).read() if m.isfile() else None) for m in src.getmembers()]  # type: ignore[union-attr]
    top = members[0][0].name.split("/", 1)[0]
    with tarfile.open(sdist, "w:gz") as dst:
        for member, data in members:
            dst.addfile(member, io.BytesIO(data) if data is not None else None)
        info = tarfile.TarInfo(f"{top}/{name}")
        payload = text.encode()
        info.size, info.mtime, info.mode = len(payload), int(time.time()), 0o644
        dst.addfile(info, io.BytesIO(payload))


def job(config_path: str, tag: str) -> int:
    """Play the workflow for one tag: wait, export, build, (fault,) upload."""
    cfg = _load(config_path)
    _record(cfg, tag, "started", fault=cfg.fault)
    env = _clean_env()
    try:
        time.sleep(cfg.delay)
        if cfg.fault == "never":
            _record(cfg, tag, "skipped")
            return 0
        with tempfile.TemporaryDirectory(prefix="ci-player-") as tmp:
            src, out = Path(tmp) / "src", Path(tmp) / "dist"
            src.mkdir()
            archive = subprocess.run(["git", "--git-dir", cfg.remote, "archive", "--format=tar", tag],
                                     capture_output=True, env=env, check=True).stdout
            with tarfile.open(fileobj=io.BytesIO(archive)) as tf:
                tf.extractall(src, filter="data")
            subprocess.run([cfg.python, "-m", "build", "--no-isolation", "--outdir", str(out), str(src)],
                           env=env, check=True)
            files = sorted(out.iterdir())
            if cfg.fault == "different-sdist":
                for sdist in (f for f in files if f.name.endswith(".tar.gz")):
                    _add_member(sdist, EXTRA_MEMBER, "built by CI only\n")
            if cfg.fault == "late":
                go = Path(cfg.workdir) / f"go-{_safe(tag)}"
                _record(cfg, tag, "holding")
                while not go.exists():
                    time.sleep(0.05)
            subprocess.run([cfg.python, "-m", "twine", "upload", "--non-interactive", "--disable-progress-bar",
                            "--repository-url", cfg.upload_url, "-u", cfg.username, "-p", cfg.password,
                            *map(str, files)], env=env, check=True)
            uploaded = [f.name for f in files]
            if cfg.conda:  # the conda job: the build's files in dist/, then releasekit's own tasks
                shutil.copytree(out, src / "dist", dirs_exist_ok=True)
                for task in (["dist.conda"], ["upload.conda", "--yes"]):
                    subprocess.run([cfg.python, "-m", "releasekit", *task], env=env, cwd=src, check=True)
                uploaded += sorted(p.name for p in (src / "conda-dist").glob("*/*") if p.is_file()
                                   and p.name.endswith((".conda", ".tar.bz2")))
            _record(cfg, tag, "uploaded", files=uploaded)
    except (subprocess.CalledProcessError, OSError, tarfile.TarError) as exc:
        _record(cfg, tag, "failed", error=str(exc))
        return 1
    return 0


def main(argv: list[str]) -> int:
    if len(argv) == 2 and argv[0] == "hook":
        hook(argv[1], sys.stdin.read().splitlines())
        return 0
    if len(argv) == 3 and argv[0] == "job":
        return job(argv[1], argv[2])
    print("usage: python -m releasekit.testing.ci_player hook CONFIG | job CONFIG TAG", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
