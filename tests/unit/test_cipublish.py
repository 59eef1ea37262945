"""The publish workflows as text (core), the releasekit pin they install, and the comparison of
published files with the preview build."""

from __future__ import annotations

import fnmatch
import re

import pytest
import yaml
from packaging.requirements import Requirement

from releasekit.core import ciactions, ciconfig, cipublish, published
from releasekit.core.ciinstall import Pin, find_pin
from releasekit.core.errors import ConfigError

PIN = Pin(Requirement("releasekit==0.5.0"), "pyproject.toml [dependency-groups] release")


@pytest.mark.parametrize("template,matches,misses", [
    ("v{version}", ["v1.0", "v2.0.0rc1"], ["1.0", "vnext", "latest"]),
    ("{version}", ["1.0", "10.2.post1"], ["v1.0", "latest"]),
    ("name-{version}", ["name-1.0"], ["name-x", "other-1.0", "1.0"]),
    ("rel+{version}", ["rel+3.1"], ["rell3.1", "rel3.1"]),
], ids=["v-prefix", "bare", "name-prefix", "special-char"])
def test_tag_filters_match_release_tags_only(template, matches, misses):
    glob = cipublish.tag_glob(template)
    regex = cipublish.tag_regex(template)
    assert regex.startswith("/^") and regex.endswith("$/")
    body = regex[1:-1].replace(r"\/", "/")
    for tag in matches:
        assert re.fullmatch(body, tag), (regex, tag)
        assert fnmatch.fnmatchcase(tag, glob.replace("\\+", "+")), (glob, tag)
    for tag in misses:
        assert not re.fullmatch(body, tag), (regex, tag)
        assert not fnmatch.fnmatchcase(tag, glob.replace("\\+", "+")), (glob, tag)


def _github(**kw) -> dict:
    return yaml.safe_load(cipublish.github(cipublish.PublishWorkflow(PIN, **kw)))


def test_github_publish_jobs_hold_the_least_rights_and_run_the_release_tasks():
    doc = _github(tag_template="v{version}")
    assert doc["on"] == {"push": {"tags": ["v[0-9]*"]}}
    assert doc["permissions"] == {}
    jobs = doc["jobs"]
    assert set(jobs) == {"build", "pypi"}  # no conda, no forge unless asked
    assert jobs["build"]["permissions"] == {"contents": "read"}
    build_runs = [s["run"] for s in jobs["build"]["steps"] if "run" in s]
    assert build_runs == ["python -m pip install releasekit==0.5.0", 'releasekit dist.pypi --ref "$GITHUB_REF_NAME"',
                          'releasekit dist.check --ref "$GITHUB_REF_NAME"']
    assert jobs["build"]["steps"][-1]["uses"].startswith("actions/upload-artifact@")
    pypi = jobs["pypi"]
    assert pypi["environment"] == "pypi" and pypi["permissions"] == {"id-token": "write"}
    assert pypi["needs"] == ["build"]
    uses = [s["uses"].split("@")[0] for s in pypi["steps"]]
    assert uses == ["actions/download-artifact", "pypa/gh-action-pypi-publish"]
    assert "secrets." not in cipublish.github(cipublish.PublishWorkflow(PIN))  # no token: Trusted Publishing


def test_every_action_is_pinned_to_the_tables_commit_with_its_release_beside_it():
    text = cipublish.github(cipublish.PublishWorkflow(PIN, conda=True, forge_release=cipublish.FORGE_RELEASE))
    uses = re.findall(r"uses: (\S+)@(\S+) # (\S+)$", text, flags=re.M)
    assert len(uses) == text.count("uses: ")
    assert {a for a, _, _ in uses} == {"actions/checkout", "actions/setup-python", "actions/upload-artifact",
                                       "actions/download-artifact", "pypa/gh-action-pypi-publish"}
    for action, sha, tag in uses:
        assert re.fullmatch(r"[0-9a-f]{40}", sha) and ciactions.PINS[action] == (sha, tag)
    for job in yaml.safe_load(text)["jobs"].values():
        for step in job["steps"]:
            if step.get("uses", "").startswith("actions/checkout@"):
                assert step["with"]["persist-credentials"] is False


def test_attestations_are_asked_for_only_from_a_publish_action_that_makes_them(monkeypatch):
    publish = ciactions.PINS["pypa/gh-action-pypi-publish"]
    for tag, makes in (("v1.8.14", False), ("v1.10.3", False), ("v1.11.0", True), ("v1.13.0", True)):
        monkeypatch.setitem(ciactions.PINS, "pypa/gh-action-pypi-publish", ciactions.Pin(publish.sha, tag))
        assert ciactions.makes_attestations() is makes
        text = cipublish.github(cipublish.PublishWorkflow(PIN))
        step = yaml.safe_load(text)["jobs"]["pypi"]["steps"][-1]
        assert step["with"].get("attestations") is (True if makes else None)
        assert ("makes none" in text) is not makes


def test_the_shipped_publish_pin_makes_attestations_and_the_workflow_asks_for_them():
    assert ciactions.makes_attestations()  # the pinned gh-action-pypi-publish is v1.11.0 or later
    text = cipublish.github(cipublish.PublishWorkflow(PIN))
    assert yaml.safe_load(text)["jobs"]["pypi"]["steps"][-1]["with"]["attestations"] is True
    assert "makes none" not in text


def test_the_conda_job_alone_sees_the_anaconda_token_and_installs_the_conda_extra():
    doc = _github(conda=True)
    conda = doc["jobs"]["conda"]
    assert conda["environment"] == "anaconda" and conda["permissions"] == {"contents": "read"}
    runs = {s["run"]: s.get("env", {}) for s in conda["steps"] if "run" in s}
    assert "python -m pip install 'releasekit[conda]==0.5.0'" in runs
    assert runs["releasekit upload.conda --yes"] == {"ANACONDA_API_TOKEN": "${{ secrets.ANACONDA_API_TOKEN }}"}
    for name, job in doc["jobs"].items():
        if name != "conda":
            assert "ANACONDA" not in yaml.safe_dump(job)


def test_the_forge_job_runs_the_given_command_with_the_version_of_the_tag():
    doc = _github(tag_template="v{version}", conda=True, forge_release="forge.release --version {version}")
    forge = doc["jobs"]["forge_release"]
    assert forge["permissions"] == {"contents": "write"} and forge["needs"] == ["pypi", "conda"]
    assert forge["steps"][-1]["run"] == 'releasekit forge.release --version "${GITHUB_REF_NAME#v}"'
    downloaded = [s["with"]["name"] for s in forge["steps"] if "download-artifact" in s.get("uses", "")]
    assert downloaded == ["dist", "conda"]  # the release's assets


def test_gitlab_publish_uses_an_id_token_for_pypi_and_twine_with_trusted_publishing():
    text = cipublish.gitlab(cipublish.PublishWorkflow(PIN, tag_template="v{version}", conda=True))
    doc = yaml.safe_load(text)
    jobs = ciconfig.jobs_of(doc, "gitlab")
    assert set(jobs) == {"build", "pypi", "conda"} and doc["stages"] == ["build", "publish"]
    for job in jobs.values():
        assert job["rules"] == [{"if": "$CI_COMMIT_TAG =~ /^v[0-9].*$/"}]
    pypi = jobs["pypi"]
    assert pypi["id_tokens"] == {"PYPI_ID_TOKEN": {"aud": "pypi"}} and pypi["environment"] == {"name": "pypi"}
    assert pypi["script"] == ["python -m pip install releasekit==0.5.0 'twine>=6.1'", "python -m twine upload dist/*"]
    assert "id_tokens" not in jobs["build"] and "id_tokens" not in jobs["conda"]
    assert jobs["conda"]["environment"] == {"name": "anaconda"}
    calls = [c[0] for j in jobs.values() for cmd in ciconfig.commands_of(j) for c in ciconfig.releasekit_calls(cmd)]
    assert calls == ["dist.pypi", "dist.check", "dist.conda", "upload.conda"]


def test_gitlab_publish_says_the_conda_job_needs_a_masked_anaconda_variable():
    head = [line for line in cipublish.gitlab(cipublish.PublishWorkflow(PIN, conda=True)).splitlines()
            if line.startswith("#")]
    assert ("# conda: ANACONDA_API_TOKEN is needed as a masked CI/CD variable (Settings > CI/CD > Variables), "
            "scoped to the environment `anaconda`.") in head
    assert "ANACONDA" not in cipublish.gitlab(cipublish.PublishWorkflow(PIN))  # no conda job, no word of it


def test_the_publish_check_asks_for_the_publish_jobs():
    text = cipublish.gitlab(cipublish.PublishWorkflow(PIN))
    known = {"dist.pypi": {"--ref": True}, "dist.check": {"--ref": True}}
    assert ciconfig.check(text, "gitlab", known.get, cipublish.REQUIRED_JOBS) == []
    broken = text.replace("\npypi:", "\npypy:")
    assert ciconfig.check(broken, "gitlab", known.get, cipublish.REQUIRED_JOBS) == ["job `pypi` is missing"]
    problems = ciconfig.check(text.replace("--ref", "--rev"), "gitlab", known.get, cipublish.REQUIRED_JOBS)
    assert "job `build`: `dist.pypi` has no option --rev" in problems
    assert "job `build`: `dist.check` has no option --rev" in problems


# --- the pin -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("pyproject,setup_cfg,files,requirement,source", [
    ({"dependency-groups": {"dev": ["pytest", {"include-group": "release"}], "release": ["releasekit==1.2.0"]}},
     None, {}, "releasekit==1.2.0", "pyproject.toml [dependency-groups] release"),
    ({"project": {"optional-dependencies": {"test": ["Releasekit[ci]~=1.2; python_version >= '3.11'"]}}},
     None, {}, 'Releasekit[ci]~=1.2; python_version >= "3.11"', "pyproject.toml [project.optional-dependencies] test"),
    ({}, "[options.extras_require]\ndev =\n    pytest\n    releasekit>=1.1,<2\n", {},
     "releasekit<2,>=1.1", "setup.cfg [options.extras_require] dev"),
    ({}, None, {"requirements-dev.txt": "-r requirements.txt\n# tools\nreleasekit == 1.3.0  # release tool\n"},
     "releasekit==1.3.0", "requirements-dev.txt"),
    ({}, None, {"requirements-dev.txt": "releasekit @ git+https://example.invalid/releasekit@v1\n"},
     "releasekit @ git+https://example.invalid/releasekit@v1", "requirements-dev.txt"),
], ids=["dependency-group", "extra-with-marker", "setup-cfg", "requirements-file", "direct-url"])
def test_the_pin_is_the_projects_own_requirement(pyproject, setup_cfg, files, requirement, source):
    pin = find_pin(pyproject, setup_cfg, files)
    assert str(pin.requirement) == requirement and pin.source == source
    assert pin.install_command().startswith("python -m pip install ")


def test_the_pin_keeps_markers_when_it_gains_an_extra():
    pin = find_pin({"dependency-groups": {"release": ["releasekit==1.2; python_version >= '3.11'"]}})
    assert pin.with_extras("conda") == 'releasekit[conda]==1.2; python_version >= "3.11"'
    assert pin.install_command("conda") == "python -m pip install 'releasekit[conda]==1.2; python_version >= \"3.11\"'"


def test_a_project_that_pins_no_releasekit_is_refused_naming_what_to_add():
    from releasekit.version import __version__

    with pytest.raises(ConfigError) as nothing:
        find_pin({"dependency-groups": {"dev": ["pytest"]}}, None, {"requirements.txt": "invoke\n"})
    assert nothing.value.message.startswith("the project does not pin releasekit")
    assert f'[dependency-groups] release = ["releasekit=={__version__}"]' in nothing.value.hint
    with pytest.raises(ConfigError) as bare:
        find_pin({"project": {"optional-dependencies": {"dev": ["releasekit"]}}})
    assert bare.value.message.startswith("pyproject.toml [project.optional-dependencies] dev names releasekit "
                                         "without a version")
    assert f"releasekit=={__version__}" in bare.value.hint


# --- published files against the preview ------------------------------------------------------------------------

META = "Metadata-Version: 2.1\nName: demo\nVersion: 1.0\nRequires-Dist: a\nRequires-Dist: b\n\nThe long description.\n"


def _facts(**kw):
    base = {
        "demo-1.0.tar.gz": published.DistFacts("demo-1.0.tar.gz", "aa", members=("PKG-INFO", "setup.py", "demo/__init__.py")),
        "demo-1.0-py3-none-any.whl": published.DistFacts("demo-1.0-py3-none-any.whl", "bb", metadata=META),
    }
    base.update(kw)
    return base


def test_the_same_release_compares_equal_though_its_bytes_and_field_order_differ():
    reordered = META.replace("Requires-Dist: a\nRequires-Dist: b\n", "Requires-Dist: b\nRequires-Dist: a\n")
    ci = _facts(**{"demo-1.0.tar.gz": published.DistFacts("demo-1.0.tar.gz", "cc",
                                                          members=("setup.py", "demo/__init__.py", "PKG-INFO")),
                   "demo-1.0-py3-none-any.whl": published.DistFacts("demo-1.0-py3-none-any.whl", "dd", metadata=reordered)})
    assert published.compare(ci, _facts()) == []
    assert published.compare(ci, _facts(), reproducible=True) == [
        "demo-1.0-py3-none-any.whl: sha256 dd on the index, bb in the preview, and `dist.reproducible` asks for "
        "the same bytes",
        "demo-1.0.tar.gz: sha256 cc on the index, aa in the preview, and `dist.reproducible` asks for the same bytes"]


def test_differences_are_named_file_by_file():
    ci = _facts(**{
        "demo-1.0.tar.gz": published.DistFacts("demo-1.0.tar.gz", "aa", members=("PKG-INFO", "setup.py", "secrets.env")),
        "demo-1.0-py3-none-any.whl": published.DistFacts("demo-1.0-py3-none-any.whl", "bb",
                                                         metadata=META.replace("Requires-Dist: b\n", "")),
        "demo-1.0-cp312-cp312-linux_x86_64.whl": published.DistFacts("demo-1.0-cp312-cp312-linux_x86_64.whl"),
    })
    preview = _facts()
    preview["demo-1.0-py2.py3-none-any.whl"] = published.DistFacts("demo-1.0-py2.py3-none-any.whl")
    assert published.compare(ci, preview) == [
        "the index lacks demo-1.0-py2.py3-none-any.whl (built by the preview)",
        "the index has demo-1.0-cp312-cp312-linux_x86_64.whl, which the preview did not build",
        "demo-1.0-py3-none-any.whl: its METADATA differs from the preview's in requires-dist",
        "demo-1.0.tar.gz differs from the preview built from the tag: the published one has secrets.env that the "
        "preview lacks; the preview has demo/__init__.py that the published one lacks",
    ]


def test_long_file_lists_are_cut_with_a_count():
    many = tuple(f"data/{i:02}.csv" for i in range(8))
    line = published.file_list_problem("x.tar.gz", many, ())
    assert line == ("x.tar.gz differs from the preview built from the tag: the published one has data/00.csv, "
                    "data/01.csv, data/02.csv, data/03.csv, data/04.csv and 3 more that the preview lacks")
