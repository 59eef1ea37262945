"""anaconda.org uploads and label promotion against the fake API, driven by two
independent clients: anaconda-client (``anaconda upload`` as a subprocess) and
py-rattler-build's uploader. The fake's data plane is a real channel folder, so
what arrives under a label is installed with a real solver."""

from __future__ import annotations

from pathlib import Path

import pytest

from releasekit.adapters import anaconda, conda
from releasekit.adapters.shell import Shell
from releasekit.core import releaselog
from releasekit.core.errors import CredentialsMissing, FilenameTaken, PreconditionFailed
from releasekit.testing.conda import (
    SAMPLE_NAME,
    SAMPLE_VERSION,
    conda_build_channel,
    same_name_other_bytes,
    sample_conda_package,
    sample_project,
    sample_sdist,
)
from releasekit.testing.fake_anaconda import (
    FAKE_TOKEN,
    FAKE_USER,
    OTHER_TOKEN,
    anaconda_client_config,
    fake_anaconda,
    upload_with_rattler_build,
)

pytestmark = pytest.mark.integration
__all__ = [  # fixtures, imported on purpose
    "anaconda_client_config",
    "conda_build_channel",
    "fake_anaconda",
    "sample_conda_package",
    "sample_project",
    "sample_sdist",
]

U, N, V = FAKE_USER, SAMPLE_NAME, SAMPLE_VERSION


@pytest.fixture(autouse=True)
def _no_user_config(tmp_path, monkeypatch):
    """anaconda-client also reads ~/.continuum; keep a machine's own login out of these tests."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("ANACONDA_API_TOKEN", raising=False)
    monkeypatch.delenv("BINSTAR_API_TOKEN", raising=False)


def basename_of(package: Path) -> str:
    return f"noarch/{package.name}"


def seed(fake, package: Path, labels: list[str]) -> None:
    """Put a file on the fake with rattler-build's uploader."""
    proc = upload_with_rattler_build(fake.api_url, [package], U, labels, FAKE_TOKEN)
    assert proc.returncode == 0, proc.stderr
    fake.reset_calls()


def remote_sha(fake, package: Path) -> str:
    return anaconda.existing_files(fake.api_url, U, N, V)[basename_of(package)]["sha256"]


# --- anaconda-client ---------------------------------------------------------------------------


def test_upload_runs_anaconda_client_and_the_file_arrives_under_the_label(
    fake_anaconda, anaconda_client_config, sample_conda_package, tmp_path, capsys
):
    log = releaselog.ReleaseLog(tmp_path / "release.log")
    releaselog.activate(log)
    try:
        result = anaconda.upload(
            Shell(), [sample_conda_package], U, "dev", token=FAKE_TOKEN, site_config_dir=anaconda_client_config
        )
    finally:
        releaselog.activate(None)
        log.close()
    b = basename_of(sample_conda_package)
    assert result.uploaded == [b] and result.skipped == [] and result.labelled == []
    assert fake_anaconda.calls() == [
        ("GET", f"/api/release/{U}/{N}/{V}"),  # our existence check
        # anaconda upload:
        ("HEAD", "/api"),
        ("GET", f"/api/user/{U}"),
        ("GET", f"/api/dist/{U}/{N}/{V}/{b}"),
        ("GET", f"/api/package/{U}/{N}"),
        ("POST", f"/api/package/{U}/{N}"),
        ("GET", f"/api/release/{U}/{N}/{V}"),
        ("POST", f"/api/release/{U}/{N}/{V}"),
        ("POST", f"/api/stage/{U}/{N}/{V}/{b}"),
        ("POST", "/s3/upload"),
        ("POST", f"/api/commit/{U}/{N}/{V}/{b}"),
        ("GET", f"/api/release/{U}/{N}/{V}"),  # our confirmation
    ]
    assert fake_anaconda.labels_of(U, N, V, b) == ["dev"]
    assert (fake_anaconda.channel_dir(U, "dev") / b).read_bytes() == sample_conda_package.read_bytes()
    assert not (fake_anaconda.channel_dir(U) / b).exists()
    text = (tmp_path / "release.log").read_text()
    assert f"upload -u {U} --label dev {sample_conda_package}" in text
    assert FAKE_TOKEN not in text and FAKE_TOKEN not in capsys.readouterr().out


def test_force_replaces_a_file_with_other_content(fake_anaconda, anaconda_client_config, sample_conda_package, tmp_path):
    seed(fake_anaconda, sample_conda_package, ["main"])
    other = same_name_other_bytes(sample_conda_package, tmp_path)
    result = anaconda.upload(
        Shell(), [other], U, "main", token=FAKE_TOKEN, site_config_dir=anaconda_client_config, force=True
    )
    b = basename_of(other)
    assert result.uploaded == [b]
    calls = fake_anaconda.calls()
    assert ("DELETE", f"/api/dist/{U}/{N}/{V}/{b}") in calls  # anaconda upload --force
    assert calls.index(("DELETE", f"/api/dist/{U}/{N}/{V}/{b}")) < calls.index(("POST", "/s3/upload"))
    assert remote_sha(fake_anaconda, other) == conda.file_digests(other)[0]
    assert (fake_anaconda.channel_dir(U) / b).read_bytes() == other.read_bytes()


# --- our existence check (no anaconda-client run needed) ----------------------------------------


def test_identical_reupload_is_skipped(fake_anaconda, sample_conda_package):
    seed(fake_anaconda, sample_conda_package, ["dev"])
    result = anaconda.upload(Shell(), [sample_conda_package], U, "dev", token=FAKE_TOKEN, api_url=fake_anaconda.api_url)
    assert result.skipped == [basename_of(sample_conda_package)] and result.uploaded == []
    assert fake_anaconda.calls() == [("GET", f"/api/release/{U}/{N}/{V}")]


def test_identical_file_under_a_new_label_gets_the_label(fake_anaconda, sample_conda_package):
    seed(fake_anaconda, sample_conda_package, ["dev"])
    b = basename_of(sample_conda_package)
    result = anaconda.upload(Shell(), [sample_conda_package], U, "main", token=FAKE_TOKEN, api_url=fake_anaconda.api_url)
    assert result.labelled == [b] and result.uploaded == []
    assert fake_anaconda.calls() == [("GET", f"/api/release/{U}/{N}/{V}"), ("POST", f"/api/channels/{U}/main")]
    assert fake_anaconda.labels_of(U, N, V, b) == ["dev", "main"]
    assert (fake_anaconda.channel_dir(U) / b).is_file()


def test_different_content_under_the_same_name_is_refused(fake_anaconda, sample_conda_package, tmp_path):
    seed(fake_anaconda, sample_conda_package, ["main"])
    other = same_name_other_bytes(sample_conda_package, tmp_path)
    with pytest.raises(FilenameTaken, match="different content") as err:
        anaconda.upload(Shell(), [other], U, "main", token=FAKE_TOKEN, api_url=fake_anaconda.api_url)
    assert "post" in err.value.hint
    assert fake_anaconda.calls() == [("GET", f"/api/release/{U}/{N}/{V}")]
    assert remote_sha(fake_anaconda, other) == conda.file_digests(sample_conda_package)[0]


def test_a_bad_token_is_a_credentials_error(fake_anaconda, sample_conda_package):
    with pytest.raises(CredentialsMissing, match="refused the token"):
        anaconda.upload(Shell(), [sample_conda_package], U, "main", token="rk-wrong", api_url=fake_anaconda.api_url)


def test_dry_run_uploads_nothing(fake_anaconda, anaconda_client_config, sample_conda_package, capsys):
    result = anaconda.upload(
        Shell(dry_run=True), [sample_conda_package], U, "main", token=FAKE_TOKEN, site_config_dir=anaconda_client_config
    )
    assert result.uploaded == [basename_of(sample_conda_package)]  # what would be uploaded
    assert fake_anaconda.calls() == [("GET", f"/api/release/{U}/{N}/{V}")]
    out = capsys.readouterr().out
    assert "[dry-run] would run:" in out and "upload -u" in out and FAKE_TOKEN not in out


# --- rattler-build's uploader ------------------------------------------------------------------


def test_rattler_build_uploader_drives_the_fake_and_labels_arrive(
    fake_anaconda, sample_conda_package, conda_build_channel, tmp_path
):
    b = basename_of(sample_conda_package)
    proc = upload_with_rattler_build(fake_anaconda.api_url, [sample_conda_package], U, ["main", "dev"], FAKE_TOKEN)
    assert proc.returncode == 0, proc.stderr
    assert fake_anaconda.calls() == [
        ("GET", f"/api/package/{U}/{N}"),
        ("POST", f"/api/package/{U}/{N}"),
        ("GET", f"/api/release/{U}/{N}/{V}"),
        ("POST", f"/api/release/{U}/{N}/{V}"),
        ("POST", f"/api/stage/{U}/{N}/{V}/{b}"),
        ("POST", "/s3/upload"),
        ("POST", f"/api/commit/{U}/{N}/{V}/{b}"),
    ]
    assert fake_anaconda.labels_of(U, N, V, b) == ["main", "dev"]

    # the fake refuses a second upload of the same file with 409, as the real service does
    fake_anaconda.reset_calls()
    again = upload_with_rattler_build(fake_anaconda.api_url, [sample_conda_package], U, ["main"], FAKE_TOKEN)
    assert again.returncode != 0 and "already exists" in again.stderr
    assert fake_anaconda.calls()[-1] == ("POST", f"/api/stage/{U}/{N}/{V}/{b}")

    # writes need the owner's token: another user's token is refused at the first write
    fake_anaconda.reset_calls()
    other = upload_with_rattler_build(fake_anaconda.api_url, [sample_conda_package], U, ["main"], OTHER_TOKEN)
    assert other.returncode != 0 and "failed to create or update package" in other.stderr
    assert fake_anaconda.calls() == [("GET", f"/api/package/{U}/{N}"), ("PATCH", f"/api/package/{U}/{N}")]
    assert fake_anaconda.labels_of(U, N, V, b) == ["main", "dev"]

    # the label's channel folder is real: solve and install from it
    prefix = tmp_path / "env"
    conda.install_from_channel(
        fake_anaconda.channel_dir(U, "dev"), f"{N} =={V}", prefix,
        extra_channels=[conda_build_channel.path], cache_dir=tmp_path / "cache",
    )
    assert any((prefix / "lib").glob(f"python*/site-packages/{N}/__init__.py"))


# --- promotion ---------------------------------------------------------------------------------


def test_promote_copies_then_moves_between_labels(fake_anaconda, sample_conda_package):
    seed(fake_anaconda, sample_conda_package, ["dev"])
    b = basename_of(sample_conda_package)
    api = fake_anaconda.api_url

    assert anaconda.promote(U, N, V, "dev", "rc", token=FAKE_TOKEN, api_url=api) == [b]
    assert fake_anaconda.calls() == [
        ("GET", f"/api/channels/{U}"),
        ("GET", f"/api/release/{U}/{N}/{V}"),
        ("POST", f"/api/copy/package/{U}/{N}/{V}/"),  # anaconda copy's endpoint
        ("GET", f"/api/release/{U}/{N}/{V}"),
    ]
    assert fake_anaconda.labels_of(U, N, V, b) == ["dev", "rc"]

    fake_anaconda.reset_calls()
    assert anaconda.promote(U, N, V, "rc", "main", token=FAKE_TOKEN, api_url=api, move=True) == [b]
    assert fake_anaconda.calls() == [
        ("GET", f"/api/channels/{U}"),
        ("GET", f"/api/release/{U}/{N}/{V}"),
        ("POST", f"/api/channels/{U}/main"),  # anaconda move: add the new label ...
        ("DELETE", f"/api/channels/{U}/rc"),  # ... then drop the old one
        ("GET", f"/api/release/{U}/{N}/{V}"),
    ]
    assert fake_anaconda.labels_of(U, N, V, b) == ["dev", "main"]
    assert (fake_anaconda.channel_dir(U) / b).is_file()
    assert not (fake_anaconda.channel_dir(U, "rc") / b).exists()


def test_promote_needs_the_source_label(fake_anaconda, sample_conda_package, capsys):
    seed(fake_anaconda, sample_conda_package, ["dev"])
    with pytest.raises(PreconditionFailed, match="no label 'beta'"):
        anaconda.promote(U, N, V, "beta", "main", token=FAKE_TOKEN, api_url=fake_anaconda.api_url)
    assert anaconda.promote(U, N, V, "dev", "main", token=FAKE_TOKEN, api_url=fake_anaconda.api_url, dry_run=True) == [
        basename_of(sample_conda_package)
    ]
    assert "[dry-run] would copy" in capsys.readouterr().out
    assert fake_anaconda.labels_of(U, N, V, basename_of(sample_conda_package)) == ["dev"]
