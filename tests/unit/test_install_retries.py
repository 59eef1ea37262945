"""verify's install retries: only while the failure is index lag of the released version (real pip/uv outputs)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from releasekit.core.errors import InstallFailed, WaitTimeout
from releasekit.operations.published import install_with_retries

SAMPLES = Path(__file__).parent.parent / "data" / "installer"


@dataclass
class FakeProject:
    package: str
    settings: dict = field(default_factory=lambda: {"wait.timeout": 60.0, "wait.interval": 0.0,
                                                    "wait.max_interval": 0.0})


class Installer:
    """Fails with the given installer outputs in turn, then succeeds."""

    def __init__(self, *samples: str) -> None:
        self.outputs = [(SAMPLES / f"{s}.txt").read_text(encoding="utf-8") for s in samples]
        self.calls = 0

    def __call__(self) -> None:
        self.calls += 1
        if self.outputs:
            output = self.outputs.pop(0)
            raise InstallFailed("install failed", output)


@pytest.mark.parametrize("sample", ["pip-lag-version", "uv-lag-version", "pip-lag-unknown", "uv-lag-file-404"])
def test_lag_is_retried_until_the_install_passes(sample):
    install = Installer(sample, sample)
    package = "rk-new" if "unknown" in sample else "rk-lag"
    assert install_with_retries(FakeProject(package), "0.2.0", install, "the index") == 3
    assert install.calls == 3


@pytest.mark.parametrize("sample", ["pip-missing-dep", "uv-missing-dep", "pip-conflict", "uv-build-backend-missing",
                                    "pip-build-fails", "pip-index-down", "uv-index-down"])
def test_anything_else_fails_at_the_first_attempt(sample):
    install = Installer(sample)
    with pytest.raises(InstallFailed):
        install_with_retries(FakeProject("rk-needs"), "0.2.0", install, "the index")
    assert install.calls == 1


def test_lag_of_another_version_is_not_waited_for():
    install = Installer("pip-lag-version")
    with pytest.raises(InstallFailed):
        install_with_retries(FakeProject("rk-lag"), "0.3.0", install, "the index")
    assert install.calls == 1


def test_lag_that_outlasts_the_wait_timeout_says_so():
    install = Installer(*["pip-lag-version"] * 50)
    project = FakeProject("rk-lag", {"wait.timeout": 0.0, "wait.interval": 0.0, "wait.max_interval": 0.0})
    with pytest.raises(WaitTimeout) as info:
        install_with_retries(project, "0.2.0", install, "the index")
    assert info.value.message.startswith("the index still lacks an installable rk-lag==0.2.0 "
                                         "(No matching distribution found for rk-lag==0.2.0) after ")


def test_without_retry_lag_fails_at_the_first_attempt_saying_it_may_not_be_served_yet():
    install = Installer("uv-lag-version", "uv-lag-version")
    with pytest.raises(WaitTimeout) as info:
        install_with_retries(FakeProject("rk-lag"), "0.2.0", install, "the index", retry=False)
    assert install.calls == 1
    assert info.value.hint == "it may not be served yet: run the same command without --no-wait to wait for it"
