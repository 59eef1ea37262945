"""Bad input gets a one-line `error: ...`, a non-zero exit and no traceback (found by review)."""

from __future__ import annotations

import subprocess

import pytest
import yaml

from tests.conftest import RELEASEKIT, Cli

CASES = {
    "releasekit-is-a-number": ({"releasekit": 5}, ["version.show"], "should be a mapping"),
    "a-list-where-a-table-is": ({"releasekit": {"hosts": ["a"]}}, ["version.show"], "wrong kind of value"),
    "skip-steps-not-strings": ({"releasekit": {"skip_steps": [1, 2]}}, ["release", "--plan"], "should list strings"),
    "branch-template-typo": ({"releasekit": {"release_branch": "release-{versio}"}}, ["release", "--plan"], "{version}"),
    "tag-template-empty-field": ({"releasekit": {"tag": "v{}"}}, ["release", "--plan"], "{version}"),
    "version-file-is-a-folder": ({"releasekit": {"version_file": "sampleproj"}}, ["version.show"], "not a file"),
    "changelog-is-a-folder": ({"releasekit": {"changelog": "sampleproj"}}, ["changelog.show"], "does not exist"),
    "negative-timeout": ({"releasekit": {"wait": {"timeout": -1}}}, ["config"], "cannot be negative"),
    "unknown-host": ({}, ["verify.install", "--host", "nonsense", "--version", "0.1.0"], "nonsense"),
    "verify-local-without-artifacts": ({}, ["verify.local"], "run `releasekit dist.pypi` first"),
    "wait-timeout-not-a-number": ({}, ["verify.wait", "--timeout", "abc"], "not a number of seconds"),
    "verify-version-not-pep440": ({}, ["verify.wait", "--version", "notaversion"], "not a PEP 440 version"),
    "conda-upload-nowhere": ({}, ["upload.conda", "--dry-run"], "no anaconda.org user to upload to"),
    "conda-builder-typo": ({"releasekit": {"conda": {"builder": "rattler"}}}, ["release", "--plan"],
                           "did you mean 'rattler-build'?"),
    "state-dir-under-a-file": ({"releasekit": {"state_dir": "README.md/state"}}, ["release", "--yes"],
                               "README.md/state"),
}


@pytest.mark.parametrize("name", list(CASES), ids=list(CASES))
def test_bad_configuration_and_arguments_are_one_line_errors(name, cli):
    config, args, fragment = CASES[name]
    if config:
        (cli.cwd / "invoke.yaml").write_text(yaml.safe_dump(config))
    result = cli(*args)
    assert result.returncode != 0
    assert result.stderr.startswith("error: ") and "Traceback" not in result.stderr, result.stderr
    assert fragment in result.stderr


def test_the_plan_says_a_conda_upload_has_no_target_instead_of_printing_none(cli):
    (cli.cwd / "conda").mkdir()
    (cli.cwd / "conda" / "recipe.yaml").write_text("package:\n  name: sampleproj\n")
    plan = cli("release", "--plan")
    assert "-u None" not in plan.stdout and "no anaconda.org user to upload to" in plan.stdout
    (cli.cwd / "invoke.yaml").write_text(yaml.safe_dump({"releasekit": {"conda": {"user": "someorg"}}}))
    assert "anaconda.org user someorg" in cli("release", "--plan").stdout


def test_outside_a_git_repository(tmp_path, cli_env):
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "loose"\nversion = "0.1.0.dev0"\n')
    result = Cli(tmp_path, cli_env)("release", "--yes")
    assert result.returncode != 0 and "is not a git repository" in result.stderr


def test_json_outputs_mask_passwords_in_urls(cli):
    (cli.cwd / "invoke.yaml").write_text(yaml.safe_dump(
        {"releasekit": {"pypi": {"repository": "http://alice:hunter2secret@127.0.0.1:9/legacy/"}}}))
    for args in (["config", "--json"], ["release", "--plan", "--json"]):
        result = cli(*args)
        assert "hunter2secret" not in result.stdout + result.stderr, args
    assert "alice:********@" in cli("config", "--json").stdout


def test_logs_clean_keeps_bytes_that_are_not_utf8_and_skips_files_that_are_not_ci_logs(tmp_path, cli):
    folder = tmp_path / "logs"
    folder.mkdir()
    latin = folder / "1_build.log"
    latin.write_bytes(b"2024-03-01T12:34:56.1234567Z caf\xe9\n\n\n2024-03-01T12:34:57.0000000Z done\n")
    notes = folder / "requirements.txt"
    notes.write_bytes(b"a\n\n\nb\n")
    result = cli("ci.logs-clean", str(folder))
    assert result.returncode == 0, result.stderr
    assert latin.read_bytes() == b"caf\xe9\n\ndone\n"
    assert notes.read_bytes() == b"a\n\n\nb\n"  # no CI timestamps: not a CI log, left alone


def test_a_recipe_with_malformed_requirements(cli):
    (cli.cwd / "invoke.yaml").write_text(yaml.safe_dump({"releasekit": {"dist": {"isolation": False}}}))  # offline
    cli("dist.pypi", check=True)
    (cli.cwd / "conda").mkdir()
    (cli.cwd / "conda" / "recipe.yaml").write_text(
        "package: {name: sampleproj, version: 0.1.0.dev0}\nrequirements: 5\n")
    result = cli("verify.deps")
    assert result.returncode != 0 and result.stderr.startswith("error: ") and "Traceback" not in result.stderr


def test_channel_dry_run_creates_nothing(tmp_path):
    from releasekit.adapters import channel

    target = tmp_path / "new-channel"
    channel.upload([], target, "main", dry_run=True)
    assert not target.exists()


def test_output_cut_short_by_a_pipe_is_no_traceback(cli):
    proc = subprocess.Popen([*RELEASEKIT, "release", "--plan"], cwd=cli.cwd, env=cli.env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # the reader is gone before the first line, as with `| head -0`
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 141 and err == "", err  # 141: the shell's code for SIGPIPE
