"""Settings: every key's default, validation with the key named, and the origin of every value."""

from __future__ import annotations

import copy

import pytest
from invoke import Config

from releasekit.core import config
from releasekit.core.config import SCHEMA, SOURCES, Settings, from_invoke, resolve, validate_layer
from releasekit.core.errors import ConfigError


def test_every_key_has_its_default(tmp_path):
    settings = resolve(tmp_path, [])
    assert set(settings.values) == set(SCHEMA)
    for key, (default, _types, help_text) in SCHEMA.items():
        assert settings[key] == default, key
        assert settings.origins[key] == "default", key
        assert help_text, f"{key} has no help line"
    assert [row[0] for row in settings.rows()] == list(SCHEMA)


def test_defaults_tree_is_the_schema_nested():
    tree = config.defaults_tree()
    assert tree["dist"]["isolation"] is True and tree["wait"]["timeout"] == 1800
    assert config.flatten(tree) == {key: default for key, (default, _t, _h) in SCHEMA.items()}


def test_defaults_are_copies(tmp_path):
    """Changing one project's list or map never changes the defaults of the next."""
    before = copy.deepcopy({k: v[0] for k, v in SCHEMA.items()})
    settings = resolve(tmp_path, [])
    settings["changelog_template"].append("Security")
    settings["conda.name_map"]["x"] = "y"
    config.defaults_tree()["skip_steps"].append("tests")
    assert {k: v[0] for k, v in SCHEMA.items()} == before
    assert resolve(tmp_path, [])["changelog_template"] == ["New", "Changed", "Fixed"]


@pytest.mark.parametrize(("layer", "key", "suggestion"), [
    pytest.param({"main_brach": "x"}, "main_brach", "main_branch", id="typo"),
    pytest.param({"dist": {"isolaton": False}}, "dist.isolaton", "dist.isolation", id="nested typo"),
    pytest.param({"wait": {"timout": 3}}, "wait.timout", "wait.timeout", id="nested typo 2"),
    pytest.param({"isolation": False}, "isolation", "dist.isolation", id="leaf at the wrong level"),
    pytest.param({"pypi": {"repo": "x"}}, "pypi.repo", "pypi.repository", id="abbreviation"),
    pytest.param({"versionfile": "x.py"}, "versionfile", "version_file", id="missing underscore"),
])
def test_unknown_key_is_named_with_the_nearest_known_one(layer, key, suggestion):
    with pytest.raises(ConfigError) as info:
        validate_layer(layer, "invoke.yaml")
    assert f"unknown setting `releasekit.{key}` (from invoke.yaml)" in info.value.message
    assert info.value.hint == f"did you mean `{suggestion}`?"


def test_unknown_key_far_from_any_says_where_to_look():
    with pytest.raises(ConfigError) as info:
        validate_layer({"zzzzzzzz": 1}, "pyproject.toml")
    assert "releasekit.zzzzzzzz" in info.value.message
    assert "releasekit config" in info.value.hint


@pytest.mark.parametrize(("layer", "key", "wanted"), [
    pytest.param({"dist": {"isolation": "yes"}}, "dist.isolation", "bool", id="str for bool"),
    pytest.param({"wait": {"timeout": "abc"}}, "wait.timeout", "int or float", id="str for number"),
    pytest.param({"verify": {"max_parallel": True}}, "verify.max_parallel", "int", id="bool for int"),
    pytest.param({"changelog_template": "New"}, "changelog_template", "list", id="str for list"),
    pytest.param({"tag": 1}, "tag", "str", id="int for str"),
    pytest.param({"changelog": None}, "changelog", "str", id="None where a value is required"),
    pytest.param({"dist": "dist/"}, "dist", "table of settings", id="str for a table"),
])
def test_wrong_type_names_the_key(layer, key, wanted):
    with pytest.raises(ConfigError) as info:
        validate_layer(layer, "pyproject.toml")
    assert f"`releasekit.{key}`" in info.value.message
    assert "(from pyproject.toml)" in info.value.message
    assert f"should be a {wanted}" in info.value.message


@pytest.mark.parametrize(("layer", "key", "hint"), [
    pytest.param({"conda": {"builder": "rattler"}}, "conda.builder", "did you mean 'rattler-build'?", id="builder"),
    pytest.param({"conda": {"package_format": "zip"}}, "conda.package_format", "use one of: conda, tar.bz2",
                 id="package format"),
    pytest.param({"dist": {"installer": "pipx"}}, "dist.installer", "did you mean 'pip'?", id="installer"),
    pytest.param({"publish": "github"}, "publish", "use one of: local, ci", id="publish"),
])
def test_a_word_outside_its_choices_is_refused_when_loaded(layer, key, hint):
    with pytest.raises(ConfigError) as info:
        validate_layer(layer, "invoke.yaml")
    assert f"`releasekit.{key}` (from invoke.yaml) is" in info.value.message
    assert info.value.hint == hint


def test_right_types_pass():
    flat = validate_layer({"wait": {"timeout": 2.5, "interval": 1}, "dist": {"isolation": False, "installer": "uv"},
                           "conda": {"builder": "rattler-build", "package_format": "tar.bz2"},
                           "remote_url": None, "hosts": {"linux": {"host": "me@h", "port": 22}, "mac": "me@mac"}},
                          "invoke.yaml")
    assert flat["wait.timeout"] == 2.5 and flat["dist.isolation"] is False and flat["remote_url"] is None
    assert flat["hosts"]["mac"] == "me@mac"  # a free-form map stays whole


def test_publish_defaults_to_local_and_takes_ci():
    from pathlib import Path

    from releasekit.core.config import resolve

    assert resolve(Path(), [])["publish"] == "local"
    settings = resolve(Path(), [("pyproject.toml", {"publish": "ci", "dist": {"reproducible": True}})])
    assert settings["publish"] == "ci" and settings["dist.reproducible"] is True
    assert settings.origins["publish"] == "pyproject.toml"


@pytest.mark.parametrize(("hosts", "message"), [
    pytest.param({"linux": {"host": "h", "pyhton": "python3"}}, "unknown setting `releasekit.hosts.linux.pyhton`",
                 id="unknown host key"),
    pytest.param({"linux": {"python": "python3"}}, "`releasekit.hosts.linux` (from tasks.py) needs a `host`",
                 id="no host"),
    pytest.param({"linux": {"host": "h", "port": "22"}}, "`releasekit.hosts.linux.port`", id="port as str"),
    pytest.param({"linux": ["h"]}, "`releasekit.hosts.linux`", id="list"),
])
def test_host_entries_are_validated(hosts, message):
    with pytest.raises(ConfigError) as info:
        validate_layer({"hosts": hosts}, "tasks.py")
    assert message in info.value.message


def test_host_key_typo_suggests_the_key():
    with pytest.raises(ConfigError) as info:
        validate_layer({"hosts": {"linux": {"host": "h", "pyhton": "python3"}}}, "tasks.py")
    assert info.value.hint == "did you mean `python`?"


# --- provenance ------------------------------------------------------------------------------------


def test_each_source_overrides_the_one_before(tmp_path):
    """default < pyproject.toml < tasks.py < invoke.yaml < environment < config file < command line."""
    layers = [(source, {"remote": source, "test_command": f"run {source}"}) for source in SOURCES[1:-1]]
    for n in range(len(layers) + 1):
        settings = resolve(tmp_path, layers[:n])
        expected = layers[n - 1][0] if n else "default"
        assert settings.origins["remote"] == expected
        assert settings["remote"] == (expected if n else "origin")
    settings = resolve(tmp_path, layers, {"remote": "flag", "tag": None})
    assert (settings["remote"], settings.origins["remote"]) == ("flag", "command line")
    assert (settings["test_command"], settings.origins["test_command"]) == ("run config file", "config file")
    assert settings.origins["tag"] == "default"  # a flag not given (None) is no override


def test_tasks_py_values_equal_to_the_defaults_stay_default(tmp_path):
    """ns.configure carries every default; only what tasks.py changed is its."""
    tree = config.defaults_tree()
    tree["main_branch"] = "master"
    settings = resolve(tmp_path, [("pyproject.toml", {"tag": "v{version}"}), ("tasks.py", tree)])
    assert settings.origins["main_branch"] == "tasks.py"
    assert settings.origins["tag"] == "pyproject.toml"  # not hidden by the default the collection carries
    assert settings.origins["remote"] == "default"


def test_command_line_overrides_are_validated(tmp_path):
    with pytest.raises(ConfigError, match="`releasekit.wait.timeout` \\(from command line\\)"):
        resolve(tmp_path, [], {"wait.timeout": "soon"})


def test_pyproject_layer(tmp_path):
    assert config.pyproject_layer(tmp_path) == {}
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n', encoding="utf-8")
    assert config.pyproject_layer(tmp_path) == {}
    (tmp_path / "pyproject.toml").write_text('[tool.releasekit]\ntag = "v{version}"\n[tool.releasekit.dist]\n'
                                             "isolation = false\n", encoding="utf-8")
    assert config.pyproject_layer(tmp_path) == {"tag": "v{version}", "dist": {"isolation": False}}
    (tmp_path / "pyproject.toml").write_text("[tool.releasekit\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="pyproject.toml is not valid TOML"):
        config.pyproject_layer(tmp_path)


def test_from_invoke_reads_the_origin_of_each_value(tmp_path, monkeypatch):
    """A real invoke Config, loaded the way invoke's Program loads it."""
    (tmp_path / "pyproject.toml").write_text('[tool.releasekit]\ntag = "v{version}"\nremote = "py"\n',
                                             encoding="utf-8")
    (tmp_path / "invoke.yaml").write_text("releasekit:\n  remote: upstream\n  dist:\n    dir: out\n",
                                          encoding="utf-8")
    runtime = tmp_path / "extra.yaml"
    runtime.write_text("releasekit:\n  changelog: NEWS.md\n", encoding="utf-8")
    monkeypatch.setenv("INVOKE_RELEASEKIT_WAIT_TIMEOUT", "60")
    monkeypatch.setenv("INVOKE_RELEASEKIT_CONDA_USER", "me")
    collection = config.defaults_tree()
    collection["test_command"] = "make test"

    c = Config(project_location=str(tmp_path), runtime_path=str(runtime))
    c.load_collection({"releasekit": collection})
    c.load_project()
    c.load_runtime()
    c.load_shell_env()
    c.load_overrides({"releasekit": {"main_branch": "trunk"}})
    settings = from_invoke(c, tmp_path)

    expected = {
        "tag": ("v{version}", "pyproject.toml"),
        "test_command": ("make test", "tasks.py"),
        "remote": ("upstream", "invoke.yaml"),
        "dist.dir": ("out", "invoke.yaml"),
        "wait.timeout": (60, "environment"),
        "conda.user": ("me", "environment"),
        "changelog": ("NEWS.md", "config file"),
        "main_branch": ("trunk", "command line"),
        "dist.isolation": (True, "default"),
    }
    assert {k: (settings[k], settings.origins[k]) for k in expected} == expected
    assert settings.path("dist.dir") == (tmp_path / "out").resolve()


def test_from_invoke_rejects_an_unknown_key_in_invoke_yaml(tmp_path):
    (tmp_path / "invoke.yaml").write_text("releasekit:\n  remtoe: upstream\n", encoding="utf-8")
    c = Config(project_location=str(tmp_path))
    c.load_collection({"releasekit": config.defaults_tree()})
    c.load_project()
    with pytest.raises(ConfigError) as info:
        from_invoke(c, tmp_path)
    assert "`releasekit.remtoe` (from invoke.yaml)" in info.value.message
    assert "`remote`" in info.value.hint


def test_settings_refuse_unknown_keys(tmp_path):
    settings = Settings(root=tmp_path)
    with pytest.raises(KeyError):
        settings["main_brach"]


@pytest.mark.parametrize(("environ", "current", "problem"), [
    pytest.param({"INVOKE_RELEASEKIT_WAIT_TIMEOUT": "soon"}, None,
                 "INVOKE_RELEASEKIT_WAIT_TIMEOUT='soon': `releasekit.wait.timeout` should be a number",
                 id="not a number"),
    pytest.param({"INVOKE_RELEASEKIT_DIST_MAX_FILE_SIZE": "1e3"}, None, "`releasekit.dist.max_file_size`",
                 id="not a whole number"),
    pytest.param({"INVOKE_RELEASEKIT_WAIT_TIMEOUT": "2.5x"}, {"wait.timeout": 2.5}, "should be a number",
                 id="float set in invoke.yaml"),
    pytest.param({"INVOKE_RELEASEKIT_SKIP_STEPS": "tests"}, None,
                 "`releasekit.skip_steps` is a list and cannot be set from the environment", id="list"),
])
def test_env_problems_name_the_variable(environ, current, problem):
    assert [p for p in config.env_problems(environ, current) if problem in p]


def test_env_values_invoke_can_load_are_no_problem():
    environ = {"INVOKE_RELEASEKIT_WAIT_TIMEOUT": "60", "INVOKE_RELEASEKIT_DIST_ISOLATION": "",
               "INVOKE_RELEASEKIT_REMOTE_URL": "file:///x", "INVOKE_RELEASEKIT_TAG": "v{version}",
               "INVOKE_RELEASEKIT_HOSTS": "ignored by invoke", "INVOKE_RELEASEKIT_NOT_A_KEY": "x"}
    assert config.env_problems(environ) == []
    assert config.env_problems({"INVOKE_RELEASEKIT_WAIT_TIMEOUT": "2.5"}, {"wait.timeout": 2.5}) == []


def test_an_empty_release_branch_means_none_and_other_templates_still_need_their_placeholder():
    assert validate_layer({"release_branch": ""}, "pyproject.toml") == {"release_branch": None}  # release from main
    for key, value in (("release_branch", "release"), ("tag", ""), ("tag", "v")):
        with pytest.raises(ConfigError, match="not a template with one"):
            validate_layer({key: value}, "pyproject.toml")


def test_the_package_name_is_read_from_poetrys_own_table(tmp_path):
    from releasekit.core.project import Project

    (tmp_path / "pyproject.toml").write_text('[tool.poetry]\nname = "poetrykeep"\nversion = "1.4.2"\n')
    assert Project(resolve(tmp_path, [])).package == "poetrykeep"
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "pep621"\n\n[tool.poetry]\nname = "other"\n')
    assert Project(resolve(tmp_path, [])).package == "pep621"  # [project] first, as the backends read it


def test_conventions_found_in_the_repository_stand_only_for_settings_left_unset(tmp_path):
    from releasekit.core.project import Project

    found = {"tag": "v{version}", "release_branch": None}
    unset = Project(resolve(tmp_path, []), detected=found)
    assert (unset.tag("1.2.0"), unset.release_branch("1.2.0")) == ("v1.2.0", None)
    pinned = Project(resolve(tmp_path, [("pyproject.toml", {"tag": "{version}", "release_branch": "rel/{version}"})]),
                     detected=found)
    assert (pinned.tag("1.2.0"), pinned.release_branch("1.2.0")) == ("1.2.0", "rel/1.2.0")
    assert Project(resolve(tmp_path, [])).tag("1.2.0") == "1.2.0"  # nothing found: the defaults
