"""The towncrier format's commands, run by the adapter with the real towncrier on a real git project:
the fragments the format finds are the ones towncrier builds, then removes; the format reads the
section towncrier wrote."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from releasekit.adapters import towncrier as adapter
from releasekit.adapters.shell import Shell
from releasekit.core import config, fileio
from releasekit.core.conventions.changelogs import detect
from releasekit.core.errors import CommandFailed

PYPROJECT = """\
[project]
name = "widget"
version = "1.2.0"

[tool.towncrier]
directory = "changelog.d"
filename = "{filename}"
"""


def _git(root: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, text=True).stdout


def towncrier_project(root: Path, filename: str) -> Path:
    (root / "pyproject.toml").write_text(PYPROJECT.format(filename=filename), encoding="utf-8")
    start = "<!-- towncrier release notes start -->" if filename.endswith(".md") else ".. towncrier release notes start"
    (root / filename).write_text(f"Changes\n\n{start}\n", encoding="utf-8")
    _git(root, "init", "-q", "-b", "main")
    _git(root, "add", "-A")
    _git(root, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "start")
    return root


@pytest.mark.parametrize("filename", ["CHANGES.md", "NEWS.rst"])
def test_build_removes_the_fragments_and_show_reads_the_built_section(tmp_path, filename):
    root = towncrier_project(tmp_path, filename)
    fmt = detect(root, config.resolve(root, []))
    assert (fmt.name, fmt.path, fmt.fragment_dir) == ("towncrier", filename, "changelog.d")
    for change in (fmt.add_entry("", "Frobnicate faster.", "feature"), fmt.add_entry("", "No more crash.", "fixed")):
        for rel, text in change.files.items():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            fileio.atomic_write(root / rel, text)
    _git(root, "add", "-A")
    _git(root, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "fragments")
    names = sorted(p.name for p in (root / "changelog.d").iterdir())
    assert fmt.pending("", names) and fmt.problems("", fragments=names) == []

    change = fmt.finalize(fileio.read_text(root / filename), "1.2.0", "2026-12-01")
    assert change.text is None
    adapter.run_all(Shell(), root, change.commands)

    assert not (root / "changelog.d").exists() or not list((root / "changelog.d").iterdir())
    news = fileio.read_text(root / filename)
    assert fmt.has_release(news, "1.2.0") and fmt.release_date(news, "1.2.0") == "2026-12-01"
    notes = fmt.show(news, "1.2.0")
    assert "widget 1.2.0 (2026-12-01)" in notes.splitlines()[0]
    assert "Frobnicate faster." in notes and "No more crash." in notes
    assert fmt.problems(news, "1.2.0", release_branch=True) == []
    assert not fmt.pending(news, [])


def test_check_runs_towncrier_check_and_its_refusal_is_one_error(tmp_path):
    root = towncrier_project(tmp_path, "CHANGES.md")
    fmt = detect(root, config.resolve(root, []))
    _git(root, "checkout", "-q", "-b", "feature")
    (root / "code.py").write_text("x = 1\n", encoding="utf-8")
    _git(root, "add", "-A")
    _git(root, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "code without a fragment")
    (command,) = fmt.check_commands("main")
    with pytest.raises(CommandFailed, match="towncrier check --compare-with main` exited with 1"):
        adapter.run(Shell(), root, command)
    (root / "changelog.d").mkdir()
    (root / "changelog.d" / "+x.feature.md").write_text("New code.\n", encoding="utf-8")
    _git(root, "add", "-A")
    _git(root, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "fragment")
    assert adapter.run(Shell(), root, command).exited == 0


def test_a_dry_run_builds_nothing_and_draft_shows_what_would_be_written(tmp_path):
    root = towncrier_project(tmp_path, "CHANGES.md")
    fmt = detect(root, config.resolve(root, []))
    (root / "changelog.d").mkdir()
    (root / "changelog.d" / "7.bugfix.md").write_text("Fixed it.\n", encoding="utf-8")
    before = fileio.read_text(root / "CHANGES.md")
    adapter.run_all(Shell(dry_run=True), root, fmt.finalize(before, "1.3.0", "2026-12-01").commands)
    assert fileio.read_text(root / "CHANGES.md") == before and (root / "changelog.d" / "7.bugfix.md").exists()
    assert "Fixed it. (#7)" in adapter.draft(Shell(dry_run=True), root, "1.3.0")
