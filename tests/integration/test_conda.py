"""conda builds with rattler-build (and the conda-build adapter), channel folders, installs.

Real parts only: rattler-build builds the sample sdist and runs the recipe's
tests, py-rattler indexes channels and solves and links prefixes, and the
installed package is imported by the prefix's own Python.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from releasekit.adapters import channel, conda
from releasekit.adapters.shell import Shell
from releasekit.core import releaselog
from releasekit.core.errors import (
    BuildError,
    ConfigError,
    FilenameTaken,
    PreconditionFailed,
    RecipeError,
    VerifyFailed,
)
from releasekit.testing.conda import (
    SAMPLE_NAME,
    SAMPLE_VERSION,
    LocalChannel,
    conda_build_channel,
    conda_build_recorder,
    same_name_other_bytes,
    sample_conda_package,
    sample_project,
    sample_recipe,
    sample_sdist,
)

pytestmark = pytest.mark.integration
__all__ = [  # fixtures, imported on purpose
    "conda_build_channel",
    "conda_build_recorder",
    "sample_conda_package",
    "sample_project",
    "sample_sdist",
]


def run_python(prefix: Path, code: str) -> str:
    proc = subprocess.run([str(conda.prefix_python(prefix)), "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


# --- building ----------------------------------------------------------------------------------


def test_fastai_style_meta_yaml_is_converted_and_built_with_its_tests(sample_project, sample_sdist, conda_build_channel, tmp_path):
    log = releaselog.ReleaseLog(tmp_path / "release.log")
    releaselog.activate(log)
    try:
        (package,) = conda.build_with_rattler(
            sample_project / "conda", sdist=sample_sdist, output_dir=tmp_path / "out", channels=[conda_build_channel.path]
        )
    finally:
        releaselog.activate(None)
        log.close()
    info = conda.package_info(package)
    assert (info.name, info.version, info.subdir) == (SAMPLE_NAME, SAMPLE_VERSION, "noarch")
    assert info.build.endswith("_1")  # meta.yaml's build number
    assert package.parent == tmp_path / "out" / "noarch"
    text = (tmp_path / "release.log").read_text()
    # the meta.yaml's test command ran inside the build
    assert f"{SAMPLE_NAME}-hello" in text and f"hello from {SAMPLE_NAME} {SAMPLE_VERSION}" in text


def test_v1_recipe_builds_from_the_sdist(sample_conda_package):
    info = conda.package_info(sample_conda_package)
    assert (info.name, info.version, info.subdir) == (SAMPLE_NAME, SAMPLE_VERSION, "noarch")
    assert info.build.endswith("_0")
    assert sample_conda_package.name.endswith(".conda")


FAILING_COMMAND = "python -c 'import sys; sys.exit(3)'"


def meta_recipe_with_failing_test(sample_project: Path, dest: Path) -> Path:
    """The sample's meta.yaml with one more test command, which fails."""
    text = (sample_project / "conda" / "meta.yaml").read_text()
    dest.mkdir()
    (dest / "meta.yaml").write_text(text.replace("  commands:\n", f"  commands:\n    - {FAILING_COMMAND}\n"))
    return dest


def test_a_failing_recipe_test_fails_the_build(sample_project, sample_sdist, conda_build_channel, tmp_path):
    recipe = meta_recipe_with_failing_test(sample_project, tmp_path / "recipe")
    out = tmp_path / "out"
    with pytest.raises(BuildError) as err:
        conda.build_with_rattler(recipe, sdist=sample_sdist, output_dir=out, channels=[conda_build_channel.path])
    assert "Test failed" in err.value.message and "status 3" in err.value.message
    assert "broken" in err.value.hint
    assert not list((out / "noarch").glob("*.conda"))  # nothing testable left to upload
    assert list((out / "broken").glob(f"{SAMPLE_NAME}-*.conda"))


def test_build_without_tests_skips_them(sample_project, sample_sdist, conda_build_channel, tmp_path):
    recipe = meta_recipe_with_failing_test(sample_project, tmp_path / "recipe")
    (package,) = conda.build_with_rattler(
        recipe, sdist=sample_sdist, output_dir=tmp_path / "out", channels=[conda_build_channel.path], test=False,
        package_format="tar.bz2",
    )
    assert package.name.endswith(".tar.bz2")


def test_missing_sdist_and_bad_recipe_are_clear_errors(sample_sdist, conda_build_channel, tmp_path):
    with pytest.raises(BuildError, match="does not exist"):
        conda.build_with_rattler(sample_recipe(sample_sdist), sdist=tmp_path / "nope.tar.gz", output_dir=tmp_path, channels=[])
    bad = sample_recipe(sample_sdist)
    bad["about"]["license"] = "Not A License"
    with pytest.raises(RecipeError, match="rejects the recipe.*SPDX"):
        conda.build_with_rattler(bad, sdist=sample_sdist, output_dir=tmp_path, channels=[conda_build_channel.path])
    (tmp_path / "recipe").mkdir()
    (tmp_path / "recipe" / "meta.yaml").write_text("package:\n  name: x\n  version: '1'\noutputs: []\n")
    with pytest.raises(RecipeError, match="`outputs`"):
        conda.build_with_rattler(tmp_path / "recipe", sdist=sample_sdist, output_dir=tmp_path, channels=[])


def test_conda_build_adapter_runs_fastais_command(sample_project, conda_build_channel, conda_build_recorder, tmp_path):
    recipe_dir = sample_project / "conda"
    channels = [str(conda_build_channel.path)]
    out = tmp_path / "conda-dist"
    files = conda.build_with_conda_build(Shell(), recipe_dir, channels, out, env=conda_build_recorder.env())
    expected = ["conda-build", str(recipe_dir), "-c", str(conda_build_channel.path), "--output-folder", str(out)]
    assert conda.conda_build_argv(recipe_dir, channels, out) == expected
    (call,) = conda_build_recorder.calls()
    assert Path(call[0]).name == "conda-build" and call[1:] == expected[1:]
    assert [f.parent for f in files] == [out / "noarch"]
    assert conda.package_info(files[0]).name == SAMPLE_NAME


def test_conda_build_dry_run_runs_nothing(sample_project, conda_build_recorder, tmp_path, capsys):
    files = conda.build_with_conda_build(
        Shell(dry_run=True), sample_project / "conda", ["pytorch", "fastai/label/main"], tmp_path, env=conda_build_recorder.env()
    )
    assert files == []
    assert conda_build_recorder.calls() == []
    assert "would run: conda-build" in capsys.readouterr().out


def test_builder_choice(tmp_path, monkeypatch):
    meta_dir, v1_dir, empty = tmp_path / "meta", tmp_path / "v1", tmp_path / "empty"
    for d in (meta_dir, v1_dir, empty):
        d.mkdir()
    (meta_dir / "meta.yaml").write_text("package: {}\n")
    (v1_dir / "recipe.yaml").write_text("package: {}\n")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    monkeypatch.setenv("PATH", str(bin_dir))
    assert conda.builder_for("auto", meta_dir) == "rattler-build"
    (bin_dir / "conda-build").write_text("#!/bin/sh\n")
    (bin_dir / "conda-build").chmod(0o755)
    assert conda.builder_for("auto", meta_dir) == "conda-build"
    assert conda.builder_for("auto", v1_dir) == "rattler-build"
    assert conda.builder_for("rattler-build", meta_dir) == "rattler-build"
    with pytest.raises(RecipeError, match="conda-build cannot build"):
        conda.builder_for("conda-build", v1_dir)
    with pytest.raises(ConfigError, match="'boa'"):
        conda.builder_for("boa", meta_dir)
    with pytest.raises(RecipeError, match="no conda recipe"):
        conda.builder_for("auto", empty)


def test_setup_data_comes_from_the_sdist_or_setup_py(sample_project, sample_sdist):
    from_sdist = conda.setup_data_from_sdist(sample_sdist)
    from_setup = conda.read_setup_py_data(sample_project / "setup.py")
    for key in ("name", "version", "license", "url", "install_requires", "python_requires"):
        assert from_sdist[key] == from_setup[key], key
    assert from_sdist["install_requires"] == ["packaging>=20"]


# --- channel folders ---------------------------------------------------------------------------


def test_channel_upload_then_a_real_install_imports_the_package(sample_conda_package, conda_build_channel, tmp_path):
    chan = tmp_path / "channel"
    result = channel.upload([sample_conda_package], chan)
    basename = f"noarch/{sample_conda_package.name}"
    assert result.uploaded == [basename]
    assert basename in channel.existing(chan)
    repodata = json.loads((chan / "noarch" / "repodata.json").read_text())
    assert sample_conda_package.name in repodata["packages.conda"]
    assert not list(chan.rglob(".reindex-*")) and not list(chan.rglob("*.part"))
    assert (chan / basename).stat().st_mode & 0o777 == 0o644  # others can read what the channel serves

    prefix = tmp_path / "env"
    installed = conda.install_from_channel(
        chan, f"{SAMPLE_NAME} =={SAMPLE_VERSION}", prefix, extra_channels=[conda_build_channel.path], cache_dir=tmp_path / "cache"
    )
    assert any(r.startswith(f"{SAMPLE_NAME}={SAMPLE_VERSION}=") for r in installed)
    assert run_python(prefix, f"import {SAMPLE_NAME}; print({SAMPLE_NAME}.__version__)") == SAMPLE_VERSION
    hello = subprocess.run([str(prefix / "bin" / f"{SAMPLE_NAME}-hello")], capture_output=True, text=True)
    assert hello.stdout.strip() == f"hello from {SAMPLE_NAME} {SAMPLE_VERSION}"


def test_identical_reupload_is_skipped_and_other_content_refused(sample_conda_package, tmp_path):
    chan = tmp_path / "channel"
    channel.upload([sample_conda_package], chan, "dev")
    before = (channel.label_root(chan, "dev") / "noarch" / "repodata.json").stat().st_mtime_ns
    again = channel.upload([sample_conda_package], chan, "dev")
    assert again.uploaded == [] and again.skipped == [f"noarch/{sample_conda_package.name}"]
    assert (channel.label_root(chan, "dev") / "noarch" / "repodata.json").stat().st_mtime_ns == before

    other = same_name_other_bytes(sample_conda_package, tmp_path / "rebuilt")
    with pytest.raises(FilenameTaken, match="different content"):
        channel.upload([other], chan, "dev")
    sha_other = conda.file_digests(other)[0]
    assert channel.existing(chan, "dev")[f"noarch/{other.name}"] != sha_other
    forced = channel.upload([other], chan, "dev", force=True)
    assert forced.uploaded == [f"noarch/{other.name}"]
    assert channel.existing(chan, "dev")[f"noarch/{other.name}"] == sha_other


def test_labels_are_separate_channels_and_promote_copies_or_moves(sample_conda_package, conda_build_channel, tmp_path):
    chan = tmp_path / "channel"
    basename = f"noarch/{sample_conda_package.name}"
    channel.upload([sample_conda_package], chan, "dev")
    assert channel.existing(chan) == {}
    assert (chan / "label" / "dev" / basename).is_file()

    assert channel.promote(chan, SAMPLE_NAME, SAMPLE_VERSION, "dev", "rc") == [basename]
    assert basename in channel.existing(chan, "dev") and basename in channel.existing(chan, "rc")

    assert channel.promote(chan, SAMPLE_NAME, SAMPLE_VERSION, "rc", "main", move=True) == [basename]
    assert basename not in channel.existing(chan, "rc") and basename in channel.existing(chan, "main")
    rc_repodata = json.loads((chan / "label" / "rc" / "noarch" / "repodata.json").read_text())
    assert rc_repodata["packages.conda"] == {}

    # the label folder is a channel a solver reads on its own
    installed = conda.install_from_channel(
        chan / "label" / "dev", SAMPLE_NAME, tmp_path / "env", extra_channels=[conda_build_channel.path], cache_dir=tmp_path / "c"
    )
    assert any(r.startswith(SAMPLE_NAME) for r in installed)

    with pytest.raises(PreconditionFailed, match="not in label 'rc'"):
        channel.promote(chan, SAMPLE_NAME, SAMPLE_VERSION, "rc", "main")
    with pytest.raises(ConfigError):
        channel.promote(chan, SAMPLE_NAME, SAMPLE_VERSION, "dev", "dev")


def test_channel_dry_run_copies_nothing(sample_conda_package, tmp_path, capsys):
    result = channel.upload([sample_conda_package], tmp_path / "channel", dry_run=True)
    assert result.uploaded == []
    assert channel.existing(tmp_path / "channel") == {}
    assert "would copy" in capsys.readouterr().out


def test_install_of_a_missing_version_fails_verification(sample_conda_package, conda_build_channel, tmp_path):
    chan = tmp_path / "channel"
    channel.upload([sample_conda_package], chan)
    with pytest.raises(VerifyFailed, match=f"{SAMPLE_NAME} ==9.9.9"):
        conda.install_from_channel(
            chan, f"{SAMPLE_NAME} ==9.9.9", tmp_path / "env", extra_channels=[conda_build_channel.path], cache_dir=tmp_path / "c"
        )


def test_the_python_shim_channel_runs_this_interpreter(conda_build_channel: LocalChannel, tmp_path):
    conda.install_from_channel(conda_build_channel.path, "pip", tmp_path / "env", cache_dir=tmp_path / "c")
    out = run_python(tmp_path / "env", "import sys, pip; print(sys.prefix); print(pip.__file__)")
    prefix, pip_file = out.splitlines()
    assert Path(prefix) == tmp_path / "env"
    assert Path(pip_file).is_relative_to(tmp_path / "env")
