"""Fixtures shared by the integration modules that release the git part of the rite."""

from __future__ import annotations

import pytest

from tests.conftest import Cli


@pytest.fixture(scope="session")
def reference_state(tmp_path_factory):
    """The final state of an uninterrupted release of the same project (git part, dated RELEASE_DATE);
    made once per run."""
    from tests.conftest import clean_cli_env, shared_once
    from tests.integration.test_rite import RELEASE_DATE, final_state, git_project

    def release():
        project = git_project(tmp_path_factory.mktemp("reference"))
        result = Cli(project.path, clean_cli_env())("release", "--yes", "--date", RELEASE_DATE)
        assert result.returncode == 0, result.stdout + result.stderr
        return final_state(project)

    return shared_once(tmp_path_factory, "reference-state", release)
