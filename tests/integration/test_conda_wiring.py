"""Issue 13's wiring: the recipe solved in the preview against local channels (before any tag),
conda.enabled, verify.deps from whatever is built, the feedstock's lines, a failing dist.conda's output
and log, the conda-forge wait and install, and rattler-build's uploader against the anaconda.org fake.
No test here reaches conda-forge: every project names local channels, and the CLI runs behind a
proxy that does not exist, so a request to any outside host would fail the test."""

from __future__ import annotations

import re
import shutil
import threading
from pathlib import Path

import pytest
import yaml

from releasekit.testing.conda import (
    SAMPLE_NAME,
    SAMPLE_VERSION,
    conda_build_channel,
    sample_conda_package,
    sample_project,
    sample_sdist,
    write_sample_project,
)
from releasekit.testing.fake_anaconda import (
    FAKE_TOKEN,
    FAKE_USER,
    anaconda_client_config,
    fake_anaconda,
)
from tests.conftest import Cli, configure
from tests.integration.test_release_pypi import assert_caught_by_the_preview

__all__ = ["anaconda_client_config", "conda_build_channel", "fake_anaconda", "sample_conda_package",
           "sample_project", "sample_sdist"]  # fixtures, imported on purpose

DATA = Path(__file__).resolve().parents[1] / "data"
NO_OUTSIDE = {"HTTPS_PROXY": "http://127.0.0.1:9", "HTTP_PROXY": "http://127.0.0.1:9",
              "NO_PROXY": "127.0.0.1,localhost"}

# fastai's conda/meta.yaml shape (1.0.x): setup data, noarch python, an entry point, a run list
FASTAI_META = """\
{% set data = load_setup_py_data() %}
package:
  name: {{ data.get('name')|lower }}
  version: {{ data.get('version') }}

source:
  path: ..

build:
  number: 0
  noarch: python
  script: {{ PYTHON }} -m pip install . --no-deps --ignore-installed -vv

requirements:
  host:
    - python
    - pip
    - setuptools
    - wheel
  run:
    - python
RUN
test:
  imports:
    - IMPORT

about:
  home: {{ data.get('url') }}
  license: Apache-2.0
  license_file: LICENSE
  summary: {{ data.get('description') }}
"""


def project_of(path: Path):
    from releasekit.core.config import pyproject_layer, resolve
    from releasekit.core.project import Project

    return Project(resolve(path, [("pyproject.toml", pyproject_layer(path))]))


def add_settings(project, **settings) -> None:
    """More [tool.releasekit] settings for a project `configure` set up already (its table is the last)."""
    lines = [f"{k.replace('__', '.')} = {'false' if v is False else repr(v).replace(chr(39), chr(34))}"
             for k, v in settings.items()]
    path = project.path / "pyproject.toml"
    path.write_text(path.read_text() + "\n".join(lines) + "\n")
    project.git("commit", "-qam", "more settings")
    project.git("push", "-q", "origin", "main")


def _fastai_recipe(project, run: list[str]) -> None:
    text = FASTAI_META.replace("RUN\n", "".join(f"    - {r}\n" for r in run))
    (project.path / "conda").mkdir(exist_ok=True)
    (project.path / "conda" / "meta.yaml").write_text(text.replace("IMPORT", project.package))
    project.git("add", "conda")
    project.git("commit", "-qm", "conda recipe (fastai's shape)")
    project.git("push", "-q", "origin", "main")


def test_fastai_shaped_recipe_absent_requirement_is_found_in_preview_then_the_rite_runs(
        release_project, release_cli, conda_build_channel, tmp_path):
    add_settings(release_project, conda__channels=[str(conda_build_channel.path)],
                 conda__channel_dir=str(tmp_path / "channel"), conda__package_format="tar.bz2")
    _fastai_recipe(release_project, ["fastprogress >=0.1.18"])
    cli = Cli(release_project.path, dict(release_cli.env, **NO_OUTSIDE))
    result = cli("release", "--yes")
    assert result.returncode != 0
    line = next(x for x in result.stdout.splitlines() if x.startswith("error: "))
    assert "run requirements cannot be solved for" in line and "no channel holds fastprogress" in line, line
    assert str(conda_build_channel.path) in line  # the channels searched
    assert_caught_by_the_preview(release_project, result)

    # fixed on main, the same command carries the release through, the conda package included
    (release_project.path / "conda" / "meta.yaml").write_text(
        (release_project.path / "conda" / "meta.yaml").read_text().replace("    - fastprogress >=0.1.18\n", ""))
    release_project.git("commit", "-qam", "drop fastprogress")
    release_project.git("push", "-q", "origin", "main")
    again = cli("release", "--yes")
    assert again.returncode == 0, again.stdout + again.stderr
    solved = re.search(r"requirements solve for linux-64, osx-64, osx-arm64, win-64 .*\((\d+) environment\(s\), "
                       r"(\d+) from the cache\)", again.stdout)
    assert solved and int(solved[2]) >= 1, again.stdout  # the host solve of the first preview was kept
    assert list((tmp_path / "channel" / "noarch").glob(f"{release_project.name}-0.1.0-*.tar.bz2"))


def test_a_solve_is_cached_per_channel_state(conda_build_channel, sample_conda_package, tmp_path):
    from releasekit.adapters import channel, rattler_solve

    ch = tmp_path / "ch"
    shutil.copytree(conda_build_channel.path, ch)
    cache = tmp_path / "cache"
    specs = ["python", f"{SAMPLE_NAME} >=1"]
    first = rattler_solve.solve(specs, [ch], "win-64", cache_dir=cache)
    assert not first.ok and not first.cached and first.missing == (SAMPLE_NAME,)
    again = rattler_solve.solve(specs, [ch], "win-64", cache_dir=cache)
    assert again.cached and again.missing == (SAMPLE_NAME,)
    channel.upload([sample_conda_package], ch)  # the channel's state for these specs changed, and so the key
    after = rattler_solve.solve(specs, [ch], "win-64", cache_dir=cache)
    assert after.ok and not after.cached and any(r.startswith(f"{SAMPLE_NAME}=") for r in after.records)
    assert rattler_solve.solve(specs, [ch], "win-64", cache_dir=cache).cached


def test_conda_enabled_false_switches_the_conda_steps_and_tasks_off(release_project, release_cli):
    _fastai_recipe(release_project, [])
    add_settings(release_project, conda__enabled=False)
    plan = release_cli("release", "--plan")
    assert plan.returncode == 0, plan.stdout + plan.stderr
    commands = [x for x in plan.stdout.splitlines() if x.lstrip().startswith("$")]
    assert commands and not [x for x in commands if re.search(r"conda (package|recipe)|solve its build", x)]
    refused = release_cli("dist.conda")
    assert refused.returncode != 0 and "conda is switched off (`conda.enabled: false`)" in refused.stderr
    release_cli("dist.pypi", check=True)
    checked = release_cli("dist.check")  # the sdist lacks conda/, and the check does not ask for it
    assert checked.returncode == 0, checked.stdout + checked.stderr


@pytest.fixture
def deps_project(plain_project, cli_env, conda_build_channel, tmp_path):
    configure(plain_project, dist__isolation=False, conda__channels=[str(conda_build_channel.path)],
              conda__channel_dir=str(tmp_path / "channel"))
    cli = Cli(plain_project.path, dict(cli_env, **NO_OUTSIDE))
    cli("dist.pypi", check=True)
    cli("dist.conda-recipe", check=True)
    return plain_project, cli


@pytest.mark.parametrize(("state", "origin"), [("sdist-only", "from sampleproj-0.1.0.dev0.tar.gz"),
                                               ("wheel-only", "METADATA of sampleproj-0.1.0.dev0"),
                                               ("nothing-built", "the build backend of")])
def test_verify_deps_reads_whatever_is_built(deps_project, state, origin):
    project, cli = deps_project
    dist = project.path / "dist"
    for path in list(dist.iterdir()):
        if state == "nothing-built" or (state == "sdist-only") == path.name.endswith(".whl"):
            path.unlink()
    agree = cli("verify.deps")
    assert agree.returncode == 0, agree.stdout + agree.stderr
    assert origin in agree.stdout.splitlines()[0] and "pip and conda requirements agree" in agree.stdout
    recipe = project.path / "conda" / "recipe.yaml"
    data = yaml.safe_load(recipe.read_text())
    data["requirements"]["run"].append("numpy >=1.20")
    recipe.write_text(yaml.safe_dump(data, sort_keys=False))
    drift = cli("verify.deps")
    assert drift.returncode != 0 and "in the recipe but not in install_requires: numpy" in drift.stdout
    assert "drifted" in drift.stderr


@pytest.mark.parametrize("feedstock", ["feedstock", "feedstock-v1"])
def test_verify_deps_says_which_feedstock_lines_to_change(feedstock, tmp_path, capsys):
    from releasekit.core.errors import RecipeError
    from releasekit.operations.feedstock import check_deps

    root = write_sample_project(tmp_path / "p", meta_yaml=None)
    shutil.copytree(DATA / feedstock, tmp_path / "feedstock")
    with open(root / "pyproject.toml", "a") as fh:
        fh.write(f'\n[tool.releasekit]\npackage = "{SAMPLE_NAME}"\nversion_file = "{SAMPLE_NAME}/__init__.py"\n'
                 f'dist.isolation = false\nconda.feedstock_dir = "{tmp_path / "feedstock"}"\n')
    project = project_of(root)
    name = "meta.yaml" if feedstock == "feedstock" else "recipe.yaml"
    lines = (tmp_path / "feedstock" / "recipe" / name).read_text().splitlines()
    if feedstock == "feedstock":
        number = next(i for i, x in enumerate(lines, 1) if "packaging >=19" in x)
        with pytest.raises(RecipeError, match="needs 2 change"):
            check_deps(project, SAMPLE_VERSION)
        out = capsys.readouterr().out
        assert f"recipe/meta.yaml line {number}: `- packaging >=19` -> `- packaging >=20`" in out, out
        requests = next(i for i, x in enumerate(lines, 1) if "- requests" in x)
        assert f"recipe/meta.yaml line {requests}: remove `- requests`" in out
    else:
        check_deps(project, SAMPLE_VERSION)  # this one agrees with the release
        assert "pip and conda requirements agree" in capsys.readouterr().out


def test_a_failing_dist_conda_shows_the_builders_last_lines_and_keeps_a_log(deps_project):
    project, cli = deps_project
    recipe = project.path / "conda" / "recipe.yaml"
    data = yaml.safe_load(recipe.read_text())
    data["requirements"]["host"].append("a-package-no-channel-has")
    recipe.write_text(yaml.safe_dump(data, sort_keys=False))
    result = cli("dist.conda")
    assert result.returncode != 0
    shown = [x for x in result.stdout.splitlines() if x.strip().startswith("rattler-build:")]
    assert any("a-package-no-channel-has" in x for x in shown), result.stdout
    m = re.search(r"the full output is in (\S+?)\)?$", result.stderr.strip())
    assert m, result.stderr
    log = Path(m[1])
    assert log.is_file() and log.parent == project.path / ".git" / "releasekit" / "logs"
    assert "a-package-no-channel-has" in log.read_text()


# --- conda-forge's way -------------------------------------------------------------------------------


@pytest.fixture
def forge_project(tmp_path, conda_build_channel):
    from releasekit.adapters import channel

    forge = tmp_path / "forge-channel"  # plays conda-forge: empty until the "bot" publishes
    channel.reindex(forge)
    root = write_sample_project(tmp_path / "p", meta_yaml=None)
    with open(root / "pyproject.toml", "a") as fh:
        fh.write(f'\n[tool.releasekit]\npackage = "{SAMPLE_NAME}"\nversion_file = "{SAMPLE_NAME}/__init__.py"\n'
                 f'state_dir = "{tmp_path / "state"}"\n'
                 f'conda.enabled = true\nconda.target = "conda-forge"\nconda.forge_channel = "{forge}"\n'
                 f'conda.channels = ["{conda_build_channel.path}"]\nwait.interval = 0.3\n')
    return project_of(root), forge


def test_conda_forge_target_uploads_nothing_and_the_wait_notices_the_version_within_one_poll(
        forge_project, sample_conda_package, monkeypatch):
    from releasekit.adapters import channel, conda
    from releasekit.adapters.shell import Shell
    from releasekit.operations import conda_forge_wait
    from releasekit.operations.publishing import conda_uploaded, upload_conda

    project, forge = forge_project
    upload_conda(project, Shell(), SAMPLE_VERSION)  # nothing to upload, and that counts as uploaded
    assert conda_uploaded(project, SAMPLE_VERSION)
    assert not conda_forge_wait.forge_has(project, SAMPLE_VERSION)

    polls = []
    real = conda.channel_files
    monkeypatch.setattr(conda, "channel_files", lambda *a, **k: (polls.append(1), real(*a, **k))[1])
    copied_at = []

    def publish():  # the bot's build lands mid-wait
        while len(polls) < 2:
            threading.Event().wait(0.05)
        channel.upload([sample_conda_package], forge)
        copied_at.append(len(polls))

    bot = threading.Thread(target=publish)
    bot.start()
    total = conda_forge_wait.wait_for_forge(project, SAMPLE_VERSION, timeout=60)
    bot.join()
    assert total <= copied_at[0] + 1  # noticed within one poll of the copy
    assert conda_forge_wait.forge_has(project, SAMPLE_VERSION)
    assert conda_forge_wait.verify_forge_install(project, SAMPLE_VERSION) == str(forge)


def test_conda_forge_wait_times_out_naming_the_resume(forge_project):
    from releasekit.core.errors import WaitTimeout
    from releasekit.operations import conda_forge_wait
    from releasekit.rite import order

    project, _ = forge_project
    assert [s.name for s in order.release_steps(project)][-3:] == ["verify", "conda-forge", "finish"]
    assert "conda-forge" not in [s.name for s in order.release_steps()]
    with pytest.raises(WaitTimeout) as caught:
        conda_forge_wait.wait_for_forge(project, SAMPLE_VERSION, timeout=0)
    assert f"{SAMPLE_NAME} {SAMPLE_VERSION}" in caught.value.message
    assert "it resumes at this wait" in caught.value.hint


# --- rattler-build's uploader ----------------------------------------------------------------------


def test_rattler_build_uploader_through_the_adapter(fake_anaconda, sample_conda_package):
    from releasekit.adapters import anaconda, conda
    from releasekit.adapters.shell import Shell

    info = conda.package_info(sample_conda_package)
    u, n, v, b = FAKE_USER, info.name, info.version, info.basename
    result = anaconda.upload(Shell(), [sample_conda_package], u, "main", token=FAKE_TOKEN,
                             api_url=fake_anaconda.api_url, uploader="rattler-build")
    assert result.uploaded == [b]
    assert fake_anaconda.calls() == [
        ("GET", f"/api/release/{u}/{n}/{v}"),  # what the release holds already
        ("GET", f"/api/package/{u}/{n}"),  # rattler-build's own upload:
        ("POST", f"/api/package/{u}/{n}"),
        ("GET", f"/api/release/{u}/{n}/{v}"),
        ("POST", f"/api/release/{u}/{n}/{v}"),
        ("POST", f"/api/stage/{u}/{n}/{v}/{b}"),
        ("POST", "/s3/upload"),
        ("POST", f"/api/commit/{u}/{n}/{v}/{b}"),
        ("GET", f"/api/release/{u}/{n}/{v}"),  # the upload confirmed
    ]
    assert fake_anaconda.labels_of(u, n, v, b) == ["main"]
    fake_anaconda.reset_calls()
    again = anaconda.upload(Shell(), [sample_conda_package], u, "main", token=FAKE_TOKEN,
                            api_url=fake_anaconda.api_url, uploader="rattler-build")
    assert again.skipped == [b] and fake_anaconda.calls() == [("GET", f"/api/release/{u}/{n}/{v}")]
