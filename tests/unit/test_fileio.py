"""Files are replaced whole or not at all, and a failure is one line naming the file."""

from __future__ import annotations

import os
import re
import stat

import pytest

from releasekit.core import fileio
from releasekit.core.errors import FileAccessError
from releasekit.core.fileio import atomic_write


def test_a_new_file_gets_the_usual_permissions_not_the_temp_files(tmp_path):
    target = tmp_path / "repodata.json"
    atomic_write(target, "{}\n")
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~umask


def test_an_existing_file_keeps_its_permissions(tmp_path):
    target = tmp_path / "run.sh"
    target.write_text("old\n")
    target.chmod(0o750)
    atomic_write(target, "new\n")
    assert target.read_text() == "new\n" and stat.S_IMODE(target.stat().st_mode) == 0o750


def test_a_target_that_cannot_be_replaced_is_a_one_line_error_and_no_litter(tmp_path):
    target = tmp_path / "CHANGES.md"
    target.mkdir()
    (target / "keep.txt").write_text("kept\n")  # a folder where the file should be
    with pytest.raises(FileAccessError) as info:
        atomic_write(target, "text\n")
    assert info.value.render().startswith(f"error: cannot write {target}: ")
    assert "\n" not in info.value.render()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["CHANGES.md"]  # the temp file is gone
    assert (target / "keep.txt").read_text() == "kept\n"


def test_a_missing_folder_is_a_one_line_error(tmp_path):
    with pytest.raises(FileAccessError, match="cannot write"):
        atomic_write(tmp_path / "no" / "such" / "file.txt", "x")


def test_a_yaml_error_is_told_in_one_line_with_its_line_number():
    import yaml

    with pytest.raises(yaml.YAMLError) as info:
        yaml.safe_load("a: 1\nb: [2\nc: 3: 4\n")
    told = fileio.yaml_problem(info.value)
    assert re.fullmatch(r"line \d+: [^\n]+", told), told


# --- several files: all or none -------------------------------------------------------------------


def test_several_files_are_all_written(tmp_path):
    a, b = tmp_path / "a.py", tmp_path / "b.toml"
    a.write_text("old a\n")
    fileio.atomic_write_many({a: "new a\n", b: "new b\n"})  # b is new
    assert (a.read_text(), b.read_text()) == ("new a\n", "new b\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.py", "b.toml"]


def test_a_rename_failing_midway_puts_back_every_file_already_replaced(tmp_path):
    first, new, third = tmp_path / "pkg.py", tmp_path / "NEW.txt", tmp_path / "README.md"
    first.write_bytes(b"__version__ = '1.0'\r\n")
    third.mkdir()  # its temp file can be written, but it cannot replace a folder: the third rename fails
    with pytest.raises(FileAccessError) as info:
        fileio.atomic_write_many({first: "__version__ = '2.0'\n", new: "2.0\n", third: "v2.0\n"})
    assert info.value.render().startswith(f"error: cannot write {third}: ")
    assert first.read_bytes() == b"__version__ = '1.0'\r\n"  # renamed, then restored byte for byte
    assert not new.exists()  # a file that did not exist before does not exist after
    assert sorted(p.name for p in tmp_path.iterdir()) == ["README.md", "pkg.py"]  # no temp file left


def test_a_file_that_cannot_be_staged_leaves_every_file_untouched(tmp_path):
    first = tmp_path / "pkg.py"
    first.write_text("1.0\n")
    missing = tmp_path / "no-such-folder" / "conf.py"
    with pytest.raises(FileAccessError):
        fileio.atomic_write_many({first: "2.0\n", missing: "2.0\n"})
    assert first.read_text() == "1.0\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pkg.py"]
