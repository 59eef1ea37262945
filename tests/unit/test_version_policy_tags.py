"""The version policy on main, what a release does under it, and the tag template from a project's tags."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from packaging.version import Version

from releasekit.core.config import resolve as resolve_settings
from releasekit.core.conventions.versions import policy
from releasekit.core.conventions.versions.tags import detect_template, release_versions
from releasekit.core.errors import ConfigError, ConventionAmbiguous


@pytest.mark.parametrize(("current", "configured", "expected"), [
    ("1.2.0.dev0", None, "dev"),
    ("1.2.0rc2.dev0", None, "dev"),
    ("1.1.0", None, "release"),
    ("1.1.0.post1", None, "release"),
    ("1.2.0rc1", None, "release"),
    ("1.1.0", "dev", "dev"),  # the setting overrides what the version suggests
    ("1.2.0.dev0", "release", "release"),
])
def test_the_policy_follows_the_version_unless_set(current, configured, expected):
    assert policy.detect(current, configured) == expected


def test_an_unknown_policy_is_refused():
    with pytest.raises(ConfigError, match="version_policy` is 'nightly'"):
        policy.detect("1.0.0", "nightly")


@pytest.mark.parametrize(("current", "pol", "part", "pre", "next_part", "release", "main_after", "dev_cycle"), [
    ("1.2.0.dev0", "dev", "patch", None, None, "1.2.0", "1.2.1.dev0", True),  # fastai's
    ("1.2.0.dev0", "dev", "patch", "rc", None, "1.2.0rc1", "1.2.0rc2.dev0", True),
    ("1.2.0rc2.dev0", "dev", "patch", "rc", None, "1.2.0rc2", "1.2.0rc3.dev0", True),
    ("1.2.0rc2.dev0", "dev", "patch", None, None, "1.2.0", "1.2.1.dev0", True),
    ("1.2.0.dev0", "dev", "patch", "rc", "minor", "1.2.0rc1", "1.3.0.dev0", True),  # --part says otherwise
    ("1.2.3.dev0", "dev", "minor", None, None, "1.3.0", "1.3.1.dev0", True),
    ("1.1.0", "release", "patch", None, None, "1.1.1", "1.1.1", False),
    ("1.1.0", "release", "minor", "b", None, "1.2.0b1", "1.2.0b1", False),
    ("1.2.0b1", "release", "patch", "rc", None, "1.2.0rc1", "1.2.0rc1", False),
    ("1.2.0rc1", "release", "patch", None, None, "1.2.0", "1.2.0", False),
    ("1.9.2", "release", "major", None, None, "2.0.0", "2.0.0", False),
])
def test_what_a_release_does_under_each_policy(current, pol, part, pre, next_part, release, main_after, dev_cycle):
    plan = policy.plan(current, pol, part, pre, next_part)
    assert (plan.release, plan.main_after, plan.dev_cycle) == (release, main_after, dev_cycle)


@given(st.tuples(st.integers(0, 30), st.integers(0, 30), st.integers(0, 30)),
       st.sampled_from(["patch", "minor", "major"]), st.sampled_from([None, "a", "b", "rc"]))
def test_under_dev_main_ends_above_the_release_and_is_a_valid_main_version(release, part, pre):
    current = ".".join(map(str, release)) + ".dev0"
    plan = policy.plan(current, "dev", part, pre)
    assert Version(plan.main_after) > Version(plan.release) > Version(current)
    assert policy.check_main(plan.main_after, "dev") is None


@pytest.mark.parametrize(("current", "pol", "problem"), [
    ("1.2.0.dev0", "dev", None),
    ("1.2.0rc2.dev0", "dev", None),
    ("1.2.0", "dev", "should be a development version like 1.2.0.dev0"),
    ("1.2.0.dev1", "dev", "should be a development version like 1.2.0.dev0"),
    ("1.1.0", "release", None),
    ("1.2.0.dev0", "release", "is a development version, but the version policy is release"),
])
def test_main_version_under_each_policy(current, pol, problem):
    found = policy.check_main(current, pol)
    assert (found is None) if problem is None else (problem in found)


# --- tag templates -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("tags", "package", "expected"), [
    (["v1.0.0", "v1.1.0", "v1.2.0rc1"], "spam", "v{version}"),
    (["1.0.0", "1.0.1", "1.1.0.post1"], "spam", "{version}"),
    (["spam-eggs-1.0.0", "spam-eggs-1.1.0"], "spam_eggs", "spam-eggs-{version}"),
    (["spam_eggs-2.0"], "spam_eggs", "spam_eggs-{version}"),
    (["v1.0.0", "nightly", "docs-2024", "v1.0-beta"], "spam", "v{version}"),  # others are not release tags
    ([], "spam", "{version}"),  # none: the configured default
    (["nightly", "stable"], "spam", "{version}"),
    (["v-1.0"], "v", "v-{version}"),  # `name-{version}` for the package `v`; "-1.0" is no version for `v{version}`
])
def test_the_tag_template_is_detected_from_release_tags(tags, package, expected):
    assert detect_template(tags, package=package, default="{version}") == expected


def test_known_versions_keep_tags_of_other_releases_out():
    assert detect_template(["v1.0", "2.0"], package="spam", default="{version}", versions=["1.0"]) == "v{version}"
    assert detect_template(["1.0"], package="spam", default="v{version}", versions=["2.0"]) == "v{version}"


def test_mixed_templates_are_refused_naming_the_tag_setting():
    with pytest.raises(ConventionAmbiguous) as info:
        detect_template(["0.9", "1.0", "v1.1", "v1.2"], package="spam", default="{version}")
    line = info.value.render()
    assert line == ("error: the release tags follow 2 templates ({version}: 0.9, 1.0; v{version}: v1.1, v1.2) "
                    "(hint: set `releasekit.tag` to the template new tags should follow, e.g. 'v{version}')")


def test_release_versions_are_read_through_the_template_and_sorted_by_pep440():
    tags = ["v1.10.0", "v1.9.0", "v1.10.0rc1", "v2.0.0+local", "v1.09", "1.11.0"]
    assert [str(v) for v in release_versions(tags, "v{version}")] == ["1.9.0", "1.10.0rc1", "1.10.0"]


# --- the settings -----------------------------------------------------------------------------------


def test_version_settings_are_validated_when_loaded(tmp_path):
    ok = resolve_settings(tmp_path, [("pyproject.toml", {
        "version_source": "files", "version_policy": "release", "tag_sign": True,
        "version_files": ["a.py", "docs/conf.py:release = '(.*)'", {"path": "README.md", "pattern": "v(?P<version>.*)"}],
    })])
    assert ok["version_source"] == "files" and ok["tag_sign"] is True and len(ok["version_files"]) == 3
    with pytest.raises(ConfigError, match="version_source` .* is 'git'"):
        resolve_settings(tmp_path, [("pyproject.toml", {"version_source": "git"})])
    with pytest.raises(ConfigError, match="version_files` .* should list strings"):
        resolve_settings(tmp_path, [("pyproject.toml", {"version_files": [{"file": "a.py"}]})])
    with pytest.raises(ConfigError, match="tag_sign` .* should be a bool"):
        resolve_settings(tmp_path, [("pyproject.toml", {"tag_sign": "yes"})])
