"""Secrets never reach output or logs: env-var values, token shapes, URL passwords, password flags."""

from __future__ import annotations

import pytest

from releasekit.core import redact as redaction
from releasekit.core import releaselog, ui
from releasekit.core.redact import MASK, redact, secret_values

PYPI_TOKEN = "pypi-AgEIcHlwaS5vcmcCJGQ4ZjM5YzU0LWE2NjgtNDc2Yy1hZDU3LTFmYjQ1ZjE1NDc2YQ"
TESTPYPI_TOKEN = "pypi-AgENdGVzdC5weXBpLm9yZwIkYmQ4ZDJlOGEtYzc2Mi00"
ANACONDA_TOKEN = "ab-0123abcd-4567-89ef-0123-456789abcdef"

ENVIRON = {
    "TWINE_PASSWORD": "hunter2-twine",
    "ANACONDA_API_TOKEN": "anaconda-tok-9f8e7d",
    "MY_APP_SECRET": "s3cr3t-value",
    "AWS_ACCESS_KEY_ID": "AKIAEXAMPLEKEY",
    "github_token": "gh-lower-case-name",
    "DB_PASSWD": "passwd-value",
    "HTTP_AUTH": "basic-auth-value",
    "SHORT_TOKEN": "abc",  # too short to mask without mangling ordinary text
    "HOME": "/root/home-dir",
    "PACKAGE_NAME": "sampleproj",
}


@pytest.mark.parametrize("name", [k for k in ENVIRON if k not in ("SHORT_TOKEN", "HOME", "PACKAGE_NAME")])
def test_values_of_secret_named_env_vars_are_masked(name):
    value = ENVIRON[name]
    out = redact(f"running with {value} in the middle; again:{value}.", environ=ENVIRON)
    assert value not in out
    assert out == f"running with {MASK} in the middle; again:{MASK}."


def test_other_env_values_and_short_secrets_stay():
    text = "home /root/home-dir, package sampleproj, abc"
    assert redact(text, environ=ENVIRON) == text
    assert set(secret_values(ENVIRON)) == {v for k, v in ENVIRON.items()
                                           if k not in ("SHORT_TOKEN", "HOME", "PACKAGE_NAME")}


def test_a_short_explicit_secret_is_masked_only_where_it_stands_alone():
    text = "error: http://127.0.0.1/ refused site-packages/x.py: the password p is wrong"
    assert redact(text, secrets=["p"], environ={}) == \
        f"error: http://127.0.0.1/ refused site-packages/x.py: the password {MASK} is wrong"


def test_process_environment_is_the_default(monkeypatch):
    monkeypatch.setenv("RK_TEST_UPLOAD_TOKEN", "from-the-real-environment")
    assert redact("token=from-the-real-environment") == f"token={MASK}"


def test_longer_secret_masked_whole_even_when_it_contains_a_shorter_one():
    out = redact("a: prefix-secret-suffix b: secret-", secrets=["secret-", "prefix-secret-suffix"], environ={})
    assert out == f"a: {MASK} b: {MASK}"


@pytest.mark.parametrize(("text", "expected"), [
    pytest.param(f"password: {PYPI_TOKEN}", f"password: {MASK}", id="PyPI token"),
    pytest.param(f"TWINE_PASSWORD={TESTPYPI_TOKEN}\n", f"TWINE_PASSWORD={MASK}\n", id="TestPyPI token"),
    pytest.param(f"'{PYPI_TOKEN}'", f"'{MASK}'", id="quoted PyPI token"),
    pytest.param(f"token {ANACONDA_TOKEN} ok", f"token {MASK} ok", id="anaconda token"),
    pytest.param(f"https://__token__:{PYPI_TOKEN}@upload.example.invalid/legacy/",
                 f"https://__token__:{MASK}@upload.example.invalid/legacy/", id="token in a URL"),
    pytest.param("https://alice:hunter22@index.example.invalid/simple/",
                 f"https://alice:{MASK}@index.example.invalid/simple/", id="password in an https URL"),
    pytest.param("git push http://bob:p%40ss@127.0.0.1:8080/repo.git main",
                 f"git push http://bob:{MASK}@127.0.0.1:8080/repo.git main", id="password in an http URL with port"),
    pytest.param("https://carol:a/b+c@index.example.invalid/simple/",
                 f"https://carol:{MASK}@index.example.invalid/simple/", id="unencoded / in a URL password"),
    pytest.param("https://dave:p@ss@w0rd@index.example.invalid/simple/ ok",
                 f"https://dave:{MASK}@index.example.invalid/simple/ ok", id="unencoded @ in a URL password"),
    pytest.param("pip install git+https://erin:tok3n@example.invalid/org/repo.git@v1.0",
                 f"pip install git+https://erin:{MASK}@example.invalid/org/repo.git@v1.0",
                 id="password in a VCS URL with a ref"),
    pytest.param("twine upload --password hunter22 dist/x.whl", f"twine upload --password {MASK} dist/x.whl",
                 id="--password value"),
    pytest.param("twine upload --password=hunter22 dist/x.whl", f"twine upload --password={MASK} dist/x.whl",
                 id="--password=value"),
    pytest.param("twine upload -u me -p hunter22 dist/x.whl", f"twine upload -u me -p {MASK} dist/x.whl",
                 id="-p value"),
    pytest.param("anaconda -t abcdef upload x.conda", f"anaconda -t {MASK} upload x.conda", id="-t value"),
    pytest.param("anaconda --token abcdef upload", f"anaconda --token {MASK} upload", id="--token value"),
    pytest.param("twine upload --password 'two words' dist/x.whl", f"twine upload --password {MASK} dist/x.whl",
                 id="quoted --password value"),
])
def test_secret_shapes_are_masked(text, expected):
    assert redact(text, environ={}) == expected


@pytest.mark.parametrize("text", [
    pytest.param("pypi-server run --port 8080 -a . -P . dist", id="pypi-server is no token"),
    pytest.param("https://index.example.invalid:8443/simple/sampleproj/", id="URL with a port, no password"),
    pytest.param("git@example.invalid:org/repo.git", id="scp-style git URL"),
    pytest.param("pip install git+https://example.invalid:8443/org/repo.git@v1.0", id="VCS URL with port and ref"),
    pytest.param("pip install git+ssh://git@example.invalid:22/repo@main", id="ssh VCS URL with port and ref"),
    pytest.param("ab-0123 is a short id", id="almost an anaconda token"),
    pytest.param("sampleproj 1.0.6.dev0 => 1.0.6", id="ordinary output"),
    pytest.param("pip install my-p 1.0 and rk-t 2.0", id="-p/-t inside a word is no flag"),
    pytest.param("", id="empty"),
])
def test_ordinary_text_is_kept(text):
    assert redact(text, environ={}) == text


def test_ui_and_release_log_redact(tmp_path, monkeypatch, capsys):
    """What the user sees and what the log keeps are both masked."""
    monkeypatch.setenv("TWINE_PASSWORD", "hunter2-twine")
    log = releaselog.ReleaseLog(tmp_path / "release.log")
    releaselog.activate(log)
    try:
        ui.info("uploading with hunter2-twine")
        ui.warn(f"token {PYPI_TOKEN}")
        ui.table(("url",), [("https://u:pw1234@h.invalid/",)])
        log.command("twine upload --password hunter22 x.whl", 0, "ok", 0.1)
    finally:
        releaselog.activate(None)
        log.close()
    seen = capsys.readouterr()
    logged = (tmp_path / "release.log").read_text(encoding="utf-8")
    for secret in ("hunter2-twine", PYPI_TOKEN, "pw1234", "hunter22"):
        assert secret not in seen.out + seen.err
        assert secret not in logged
    assert logged.count(MASK) == 4 and seen.out.count(MASK) + seen.err.count(MASK) == 3


def test_secret_name_pattern():
    for name in ("TOKEN", "PYPI_API_TOKEN", "TWINE_PASSWORD", "SECRET_THING", "SSH_KEY", "key_file_contents"):
        assert redaction.SECRET_NAME.search(name), name
    for name in ("HTTP_AUTHORIZATION", "PROXY_AUTHORIZATION", "AUTH"):
        assert redaction.SECRET_NAME.search(name), name
    for name in ("HOME", "PATH", "USER", "PYTHONPATH", "CI", "GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "AUTHORS"):
        assert not redaction.SECRET_NAME.search(name), name


def test_streamed_output_is_masked_even_when_a_chunk_cuts_the_secret(monkeypatch):
    import io

    from releasekit.adapters.shell import MaskedStream

    monkeypatch.setenv("UPLOAD_TOKEN", "tok-1234567890")
    terminal = io.StringIO()
    stream = MaskedStream(terminal)
    for chunk in ("using tok-12345", "67890 now\nprogress 50%\r", "progress 100%\r\nlast line tok-1234567890"):
        stream.write(chunk)
        stream.flush()
    assert terminal.getvalue() == f"using {MASK} now\nprogress 50%\rprogress 100%\r\n"  # the last line is held
    stream.close()
    assert terminal.getvalue().endswith(f"last line {MASK}") and "tok-1234567890" not in terminal.getvalue()


@pytest.mark.parametrize(("text", "expected"), [
    pytest.param("TWINE_PASSWORD=hunter2 twine upload dist/*", f"TWINE_PASSWORD={MASK} twine upload dist/*",
                 id="echoed assignment"),
    pytest.param("export ANACONDA_API_TOKEN='ab cd'", f"export ANACONDA_API_TOKEN={MASK}", id="quoted value"),
    pytest.param("GET /files?api_key=zz9&page=2", f"GET /files?api_key={MASK}&page=2", id="query string"),
    pytest.param("GIT_AUTHOR_NAME=Jo PATH=/usr/bin", "GIT_AUTHOR_NAME=Jo PATH=/usr/bin", id="names that are no secret"),
    pytest.param("AWS_SECRET_ACCESS_KEY=abc AWS_ACCESS_KEY_ID=def", f"AWS_SECRET_ACCESS_KEY={MASK} AWS_ACCESS_KEY_ID={MASK}",
                 id="secret parts inside a name"),
    pytest.param("Collecting keyring==24.0 monkey=banana SORT_KEYS=1 keywords=[a]",
                 "Collecting keyring==24.0 monkey=banana SORT_KEYS=1 keywords=[a]", id="key inside ordinary words"),
    pytest.param("test_x[key=abc] PASSED dict(key=1)", "test_x[key=abc] PASSED dict(key=1)", id="a bare key"),
    pytest.param("call(api_key=zz9) done", f"call(api_key={MASK}) done", id="value stops at a bracket"),
    pytest.param("python -m pytest -q -p no:cacheprovider", "python -m pytest -q -p no:cacheprovider",
                 id="pytest's -p no:plugin"),
    pytest.param("twine upload -u me -p s3cret dist/*", f"twine upload -u me -p {MASK} dist/*", id="twine's -p"),
])
def test_secret_named_assignments_are_masked_without_the_variable_being_set(text, expected):
    assert redact(text, environ={}) == expected


def test_a_partial_line_is_shown_once_it_has_waited(monkeypatch):
    import io
    import time

    from releasekit.adapters.shell import MaskedStream

    terminal = io.StringIO()
    stream = MaskedStream(terminal, hold=0.05)
    stream.write("tests/test_slow.py ..")
    assert terminal.getvalue() == ""  # held: it might be the start of a secret
    time.sleep(0.1)
    stream.write(".")
    assert terminal.getvalue() == "tests/test_slow.py ..."  # pytest's dots show while the file runs
    stream.write(". [100%]\n")
    stream.close()
    assert terminal.getvalue() == "tests/test_slow.py .... [100%]\n"


@pytest.mark.parametrize("token", [
    "ghp_" + "A1b2" * 9, "github_pat_11ABCDEFG0" + "x1Y2" * 12, "gho_" + "Z9" * 18, "glpat-" + "aB3_" * 5,
], ids=["github-classic", "github-fine-grained", "github-oauth", "gitlab-pat"])
def test_forge_token_shapes_are_masked_wherever_they_appear(token):
    out = redact(f"curl -H 'Authorization: Bearer {token}' https://example.invalid", environ={})
    assert token not in out and f"Bearer {MASK}'" in out


def test_a_registered_secret_is_masked_without_any_variable():
    secret = "registered-3c5e7a9b1d"
    assert redact(f"x {secret} y", environ={}) == f"x {secret} y"
    redaction.register(secret)
    assert redact(f"x {secret} y", environ={}) == f"x {MASK} y"
