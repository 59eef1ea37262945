"""Which backend wheels the wheelhouse hands out: the last download's, else the newest of each on disk."""

from __future__ import annotations

import pytest

from releasekit.testing import wheelhouse


@pytest.fixture
def house(tmp_path, monkeypatch):
    monkeypatch.setenv("RELEASEKIT_WHEELHOUSE", str(tmp_path))
    return tmp_path


def touch(folder, *names):
    for name in names:
        (folder / name).write_bytes(b"")
    return [folder / n for n in names]


def test_the_last_download_is_what_it_hands_out_and_plain_seeding_keeps_to_setuptools_and_wheel(house, tmp_path):
    names = ["hatchling-1.33.0-py3-none-any.whl", "pluggy-1.7.0-py3-none-any.whl",
             "setuptools-84.2.1-py3-none-any.whl", "wheel-0.48.0-py3-none-any.whl"]
    touch(house, *names, "setuptools-9.0-py3-none-any.whl")  # an older download's leftover
    (house / wheelhouse.MANIFEST).write_text("\n".join([wheelhouse._key(), *names]) + "\n")
    assert [p.name for p in wheelhouse.backend_wheels(download=False, every=True)] == names
    assert [p.name for p in wheelhouse.backend_wheels(download=False)] == [names[2], names[3]]
    index = tmp_path / "index"
    index.mkdir()
    assert sorted(p.name for p in wheelhouse.seed(index)) == [names[2], names[3]]
    assert sorted(p.name for p in index.iterdir()) == [names[2], names[3]]


def test_an_outdated_download_is_fetched_again(house, monkeypatch):
    touch(house, "wheel-0.48.0-py3-none-any.whl")
    (house / wheelhouse.MANIFEST).write_text("# another set\nwheel-0.48.0-py3-none-any.whl\n")
    fetched = []
    monkeypatch.setattr(wheelhouse, "_download", lambda folder: fetched.append(folder) or [])
    wheelhouse.backend_wheels()
    assert fetched == [house]


def test_without_a_download_record_the_newest_of_each_on_disk_by_version(house):
    touch(house, "setuptools-9.0-py3-none-any.whl", "setuptools-10.0-py3-none-any.whl",
          "wheel-0.48.0-py3-none-any.whl")
    assert [p.name for p in wheelhouse.backend_wheels(download=False)] == [
        "setuptools-10.0-py3-none-any.whl", "wheel-0.48.0-py3-none-any.whl"]


def test_the_pins_come_from_constraints_txt_except_the_wheelhouses_own_setuptools():
    if wheelhouse.constraints_file() is None:
        pytest.skip("not a checkout: no constraints.txt")
    pins = wheelhouse._pins()
    assert any(p.startswith("hatchling==") for p in pins) and not [p for p in pins if p.lower().startswith("setuptools==")]
    assert f"setuptools=={wheelhouse.SETUPTOOLS}" in wheelhouse._requirements()
