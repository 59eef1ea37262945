"""Per-OS verify scripts as generated text, the quoting under them, and naming hosts.

Windows can't run here, so PowerShell and cmd quoting are checked against
emulations of how those shells and the Microsoft C runtime read a command
line; sh quoting is also checked with a real ``sh``. The sh script itself
runs for real in tests/integration/test_hosts.py.
"""

from __future__ import annotations

import re
import shlex
import subprocess

import pytest
from hypothesis import given
from hypothesis import strategies as st

from releasekit.adapters.hosts import (
    HostResult,
    HostSpec,
    host_from_config,
    parse_host,
    parse_hosts,
    raise_for_failures,
    report_rows,
)
from releasekit.core import hostscripts
from releasekit.core.errors import ConfigError, HostError, VersionError
from releasekit.core.hostscripts import VerifySpec, quote, render

NASTY = [
    "plain",
    "with space",
    "C:\\Program Files\\Python 3.12\\python.exe",
    "it's",
    'say "hi"',
    "$HOME and ${x}",
    "100%",
    "%PATH%",
    "back`tick",
    "a&b|c<d>e(f)g^h",
    "!bang!",
    "semi;colon,comma=eq",
    "trailing\\",
    'quote at end\\"',
    "ünïcødé",
    "-3.12",
    "--flag",
]

# --- sh ---------------------------------------------------------------------------------


@pytest.mark.parametrize("arg", NASTY + ["", "multi\nline", "*glob?"], ids=repr)
def test_sh_quote_survives_a_real_sh(arg):
    out = subprocess.run(
        ["sh", "-c", f"printf '%s' {quote(arg, 'sh')}"], capture_output=True, text=True, check=True
    ).stdout
    assert out == arg


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\0")))
def test_sh_quote_round_trips(arg):
    assert shlex.split(quote(arg, "sh")) == [arg]


# --- PowerShell --------------------------------------------------------------------------

PS_QUOTES = "'\u2018\u2019\u201a\u201b"
PS_SPECIAL = set(" \t$`'\"@#{}();,|&<>") | set(PS_QUOTES)


def ps_read_argument(token: str) -> str:
    """What PowerShell makes of one argument token: a single-quoted literal or a bare word."""
    if token[0] not in PS_QUOTES:
        assert not (set(token) & PS_SPECIAL), f"bare word {token!r} holds a PowerShell metacharacter"
        assert not re.match(r"^-?\d", token), f"bare word {token!r} could be read as a number"
        return token
    out, i = [], 1
    while i < len(token):
        c = token[i]
        if c in PS_QUOTES:
            if i + 1 < len(token) and token[i + 1] in PS_QUOTES:
                out.append(c)
                i += 2
                continue
            assert i == len(token) - 1, f"string ends early in {token!r}"
            return "".join(out)
        out.append(c)
        i += 1
    raise AssertionError(f"unterminated string {token!r}")


@pytest.mark.parametrize(
    "arg, expected",
    [
        ("python3", "python3"),
        ("--no-cache-dir", "--no-cache-dir"),
        ("http://127.0.0.1:8080/simple/", "http://127.0.0.1:8080/simple/"),
        ("-3.12", "'-3.12'"),
        ("C:\\Program Files\\py.exe", "'C:\\Program Files\\py.exe'"),
        ("C:\\Users\\O'Brien\\py.exe", "'C:\\Users\\O''Brien\\py.exe'"),
        ("it\u2019s", "'it\u2019\u2019s'"),
        ("$env:PATH", "'$env:PATH'"),
        ("back`tick", "'back`tick'"),
        ("100%", "'100%'"),
        ("pkg==1.0", "'pkg==1.0'"),
    ],
    ids=repr,
)
def test_powershell_quote(arg, expected):
    assert quote(arg, "powershell") == expected
    assert ps_read_argument(quote(arg, "powershell")) == arg


@pytest.mark.parametrize("arg", ['say "hi"', "C:\\my dir\\", ""], ids=repr)
def test_powershell_refuses_what_it_cannot_pass_reliably(arg):
    with pytest.raises(ConfigError, match="PowerShell"):
        quote(arg, "powershell")


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters='\0"'), min_size=1))
def test_powershell_quote_round_trips(arg):
    if re.search(r"\s", arg) and arg.endswith("\\"):
        return  # refused, see above
    assert ps_read_argument(quote(arg, "powershell")) == arg


# --- cmd ---------------------------------------------------------------------------------


def cmd_read_line(line: str) -> str:
    """What cmd passes on after its percent and caret phases (batch file, no delayed expansion)."""
    assert "%" not in line.replace("%%", ""), f"single % in {line!r} would expand a variable"
    line = line.replace("%%", "%")
    out, in_quotes, i = [], False, 0
    while i < len(line):
        c = line[i]
        if c == '"':
            in_quotes = not in_quotes
        elif not in_quotes and c == "^":
            i += 1
            c = line[i]
        elif not in_quotes and c in "&|<>()":
            raise AssertionError(f"unescaped {c!r} outside quotes in {line!r}")
        out.append(c)
        i += 1
    return "".join(out)


def crt_split(text: str) -> list[str]:
    """The Microsoft C runtime's argv parser (the rules CommandLineToArgvW documents)."""
    args, i, n = [], 0, len(text)
    while i < n:
        while i < n and text[i] in " \t":
            i += 1
        if i >= n:
            break
        arg, in_quotes = [], False
        while i < n:
            c = text[i]
            if c == "\\":
                j = i
                while j < n and text[j] == "\\":
                    j += 1
                count = j - i
                if j < n and text[j] == '"':
                    arg.append("\\" * (count // 2))
                    if count % 2:
                        arg.append('"')
                        j += 1
                else:
                    arg.append("\\" * count)
                i = j
                continue
            if c == '"':
                if in_quotes and i + 1 < n and text[i + 1] == '"':
                    arg.append('"')
                    i += 2
                    continue
                in_quotes = not in_quotes
                i += 1
                continue
            if c in " \t" and not in_quotes:
                break
            arg.append(c)
            i += 1
        args.append("".join(arg))
    return args


@pytest.mark.parametrize("arg", NASTY, ids=repr)
def test_cmd_quote_reaches_the_program_intact(arg):
    assert crt_split(cmd_read_line(quote(arg, "cmd"))) == [arg]


@pytest.mark.parametrize(
    "arg, expected",
    [
        ("python", "python"),
        ("C:\\Program Files\\py.exe", '"C:\\Program Files\\py.exe"'),
        ("100%", '"100%%"'),
        ("C:\\dir with space\\", '"C:\\dir with space\\\\"'),
        ('say "hi" & go', '^"say \\^"hi\\^" ^& go^"'),
    ],
    ids=repr,
)
def test_cmd_quote(arg, expected):
    assert quote(arg, "cmd") == expected


def test_cmd_refuses_line_breaks():
    with pytest.raises(ConfigError, match="line break"):
        quote("a\nb", "cmd")


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\0\r\n"), min_size=1))
def test_cmd_quote_round_trips(arg):
    assert crt_split(cmd_read_line(quote(arg, "cmd"))) == [arg]


def test_unknown_dialect_is_a_config_error():
    with pytest.raises(ConfigError, match="unknown shell 'fish'"):
        quote("x", "fish")


@pytest.mark.parametrize(
    "command, dialect, words",
    [
        ("python3", "sh", ["python3"]),
        ("'/opt/my py/bin/python3' -I", "sh", ["/opt/my py/bin/python3", "-I"]),
        ("py -3.12", "powershell", ["py", "-3.12"]),
        ('"C:\\Program Files\\Python312\\python.exe" -X utf8', "cmd", ["C:\\Program Files\\Python312\\python.exe", "-X", "utf8"]),
    ],
    ids=repr,
)
def test_split_command(command, dialect, words):
    assert hostscripts.split_command(command, dialect) == words


# --- the scripts ---------------------------------------------------------------------------


def spec(**kw) -> VerifySpec:
    values = dict(package="my-pkg", version="1.2.0", index_url="https://idx.example/simple/")
    values.update(kw)
    return VerifySpec(**values)


def test_spec_defaults_and_validation():
    s = spec(version="1.2.0-RC1")
    assert s.version == "1.2.0rc1"
    assert s.import_name == "my_pkg"
    assert s.requirement == "my-pkg==1.2.0rc1"
    with pytest.raises(VersionError):
        spec(version="one")
    with pytest.raises(ConfigError, match="distribution name"):
        spec(package="bad name")
    with pytest.raises(ConfigError, match="importable"):
        spec(import_name="not-a-module")
    with pytest.raises(ConfigError, match="installer"):
        spec(installer="conda")
    with pytest.raises(ConfigError, match="whitespace"):
        spec(index_url="http://a b/")
    with pytest.raises(ConfigError, match="attempts"):
        spec(attempts=0)


@pytest.mark.parametrize(
    "dialect, null_device, clears",
    [
        ("sh", "PIP_CONFIG_FILE=/dev/null", r"s/^\(PIP_[A-Za-z0-9_]*\)=.*/\1/p; s/^\(UV_[A-Za-z0-9_]*\)=.*/\1/p"),
        ("powershell", "$env:PIP_CONFIG_FILE = 'NUL'", "$_.Name -like 'PIP_*' -or $_.Name -like 'UV_*'"),
        ("cmd", 'set "PIP_CONFIG_FILE=NUL"', "for /f \"delims==\" %%V in ('set PIP_ 2^>nul ^| findstr /v /i /b /l "),
    ],
)
def test_scripts_install_hermetically(dialect, null_device, clears):
    text = render(spec(), dialect)
    assert null_device in text
    assert clears in text
    assert "PYTHONNOUSERSITE" in text
    # Network plumbing (certificates, proxies) is kept, named in one place.
    keep_line = next(line for line in text.splitlines() if "PIP_CERT" in line)
    assert all(name in keep_line for name in hostscripts.KEEP_VARIABLES)
    assert "PIP_FIND_LINKS" not in text and "PIP_INDEX_URL" not in text
    index = quote("https://idx.example/simple/", dialect)
    requirement = quote("my-pkg==1.2.0", dialect)
    installs = [line for line in text.splitlines() if " install " in line and "--no-cache-dir" in line]
    assert installs, "no pip install line"
    for line in installs:
        assert f"--index-url {index}" in line
        assert line.rstrip(" };").endswith(requirement)
    # The clearing comes before the first install.
    assert text.index(null_device) < text.index(installs[0])


@pytest.mark.parametrize("dialect", hostscripts.DIALECTS)
def test_uv_installs_are_hermetic_too(dialect):
    text = render(spec(installer="uv", uv_command="uv", trusted_hosts=["10.0.0.1"]), dialect)
    line = next(line for line in text.splitlines() if "uv pip install" in line)
    assert "--no-cache " in line and f"--allow-insecure-host {quote('10.0.0.1', dialect)}" in line
    assert "UV_NO_CONFIG" in text


@pytest.mark.parametrize("dialect", hostscripts.DIALECTS)
def test_scripts_retry_with_backoff(dialect):
    text = render(spec(attempts=5, backoff=3), dialect)
    assert re.search(r"\b5\b", text.split("install_start")[1]), "attempt limit missing from the loop"
    assert {"sh": "rk_wait=3", "powershell": "$rkWait = 3", "cmd": 'set "RK_WAIT=3"'}[dialect] in text
    assert {"sh": 'sleep "$rk_wait"', "powershell": "Start-Sleep -Seconds $rkWait", "cmd": "ping -n %RK_PINGS%"}[dialect] in text


@pytest.mark.parametrize(
    "dialect, python, expected",
    [
        ("sh", "'/opt/my py/bin/python3'", "'/opt/my py/bin/python3' -m venv"),
        ("sh", '"/opt/it\'s/python3" -I', "'/opt/it'\"'\"'s/python3' -I -m venv"),
        ("powershell", '"C:\\Program Files\\Python312\\python.exe"', "& 'C:\\Program Files\\Python312\\python.exe' -m venv"),
        ("powershell", "C:\\Users\\O'Brien\\py.exe -3.12", "& 'C:\\Users\\O''Brien\\py.exe' '-3.12' -m venv"),
        ("cmd", '"C:\\Program Files\\Python312\\python.exe"', '"C:\\Program Files\\Python312\\python.exe" -m venv'),
    ],
    ids=["sh-space", "sh-single-quote", "ps-space", "ps-single-quote", "cmd-space"],
)
def test_python_paths_are_quoted(dialect, python, expected):
    assert expected in render(spec(python=python), dialect)


@pytest.mark.parametrize("dialect", hostscripts.DIALECTS)
def test_default_python_depends_on_dialect(dialect):
    first = {"sh": "python3 -m venv", "powershell": "& py '-3' -m venv", "cmd": "py -3 -m venv"}[dialect]
    assert first in render(spec(), dialect)


def test_sh_script_cleans_up_on_every_exit_and_propagates_codes():
    text = render(spec(smoke="pytest --pyargs my_pkg"), "sh")
    lines = text.splitlines()
    trap = lines.index("trap rk_cleanup EXIT")
    assert 'rk_cleanup() { cd / && rm -rf "$rk_tmp"; }' in lines[:trap]
    # Nothing can fail before the trap is set, except making the temp dir itself.
    code = [line for line in lines[lines.index("rk_status=0") + 3 : trap] if not line.startswith("#")]
    assert code and not any("exit" in line for line in code)
    assert 'trap \'exit 130\' INT' in lines
    assert lines[-1] == 'exit "$rk_status"'
    assert 'if [ "$rk_rc" -ne 0 ]; then echo "RK install=fail"; echo "RK result=fail"; exit "$rk_rc"; fi' in lines
    assert "pytest --pyargs my_pkg" in lines
    assert 'rk_rc=$?' in lines[lines.index("pytest --pyargs my_pkg") + 2]


def test_powershell_script_cleans_up_in_finally_and_propagates_codes():
    text = render(spec(smoke="pytest --pyargs my_pkg"), "powershell")
    body = text[text.index("try { do {") : text.index("finally {")]
    assert not re.search(r"^\s*exit\b", body, re.M), "leave the try block with break, so the status is set once"
    assert "break" in body
    finally_block = text[text.index("finally {") :]
    assert "Remove-Item -LiteralPath $rkTmp -Recurse -Force" in finally_block
    assert "Pop-Location" in finally_block.split("Remove-Item")[0], "cannot delete the current directory on Windows"
    assert text.rstrip().endswith("exit $rkStatus")
    assert "$rkStatus = $rkRc; break" in body
    assert "pytest --pyargs my_pkg" in body


def test_cmd_script_cleans_up_on_every_path_and_propagates_codes():
    text = render(spec(smoke="pytest --pyargs my_pkg"), "cmd")
    lines = text.splitlines()
    labels = {line[1:] for line in lines if line.startswith(":")}
    targets = set(re.findall(r"goto (\w+)", text))
    assert targets <= labels, f"goto to missing labels: {targets - labels}"
    exits = [i for i, line in enumerate(lines) if re.search(r"\bexit /b\b", line)]
    # One exit before the temp dir exists (mkdir failed), one at the very end, after cleanup.
    assert [lines[i] for i in exits] == ['mkdir "%RK_TMP%" || exit /b 70', "exit /b %RK_STATUS%"]
    cleanup = lines.index(":rk_cleanup")
    assert cleanup < lines.index('rmdir /s /q "%RK_TMP%" >nul 2>&1') < exits[-1]
    assert lines.index("popd") < lines.index('rmdir /s /q "%RK_TMP%" >nul 2>&1')
    # Every failure path records its exit code on the way to cleanup.
    assert lines[lines.index(":rk_failed") + 1] == 'set "RK_STATUS=%RK_RC%"'
    assert "setlocal EnableExtensions DisableDelayedExpansion" in lines
    assert not [line for line in lines if line.startswith("rem ") and set(line) & set("<>|&")]
    # Values are set before blocks read them: no %VAR% set and used inside one ( ) block.
    for line in lines:
        if line.startswith("if ") and "(" in line:
            assert "set " not in line.split("(", 1)[1], line


def test_cmd_and_powershell_scripts_are_encoded_for_windows():
    ps = hostscripts.encode_script(render(spec(), "powershell"), "powershell")
    bat = hostscripts.encode_script(render(spec(), "cmd"), "cmd")
    assert ps.startswith(b"\xef\xbb\xbf") and b"\r\n" in ps and b"\n" not in ps.replace(b"\r\n", b"")
    assert not bat.startswith(b"\xef\xbb\xbf") and b"\n" not in bat.replace(b"\r\n", b"")
    assert hostscripts.encode_script("a\nb\n", "sh") == b"a\nb\n"


@pytest.mark.parametrize(
    "dialect, expected",
    [
        ("sh", "sh .releasekit-verify-abc.sh"),
        ("powershell", 'powershell -NoLogo -NoProfile -NonInteractive -ExecutionPolicy Bypass -File ".releasekit-verify-abc.ps1"'),
        ("cmd", 'cmd /d /c ".releasekit-verify-abc.cmd"'),
    ],
)
def test_run_command(dialect, expected):
    assert hostscripts.run_command(dialect, hostscripts.script_filename(dialect, "abc")) == expected


# --- results and probing -------------------------------------------------------------------


def test_parse_results():
    out = (
        "noise\r\nRK os=Linux 6.1\r\nRK python=3.12.1\nRK install_start=100.0\nRK retry=1 wait=5\n"
        "RK install_end=102.46\nRK install_attempts=1\nRK install_attempts=2\nRK import=ok\n"
        "RK version=1.0\nsome RK x=y\nRK result=ok\n"
    )
    assert hostscripts.parse_results(out) == {
        "os": "Linux 6.1",
        "python": "3.12.1",
        "install_start": "100.0",
        "retry": "1 wait=5",
        "install_end": "102.46",
        "install_seconds": "2.5",
        "install_attempts": "2",
        "import": "ok",
        "version": "1.0",
        "result": "ok",
    }


def test_failed_checks_are_named():
    results = {"install": "ok", "import": "fail", "version": "0.9", "version_match": "no", "smoke": "fail"}
    assert hostscripts.failed_checks(results) == ["import failed", "installed version is 0.9", "smoke command failed"]
    assert hostscripts.failed_checks({"install": "fail", "install_attempts": "4"}) == ["install failed after 4 attempt(s)"]


@pytest.mark.parametrize(
    "output, dialect",
    [
        ("RKPROBE %OS% RKEND\n", "sh"),
        ("RKPROBE Windows_NT RKEND\r\n", "powershell"),  # cmd answered
        ("RKPROBE\r\n%OS%\r\nRKEND\r\n", "powershell"),
    ],
    ids=["posix", "cmd", "powershell"],
)
def test_parse_probe(output, dialect):
    assert hostscripts.parse_probe(output) == dialect


def test_parse_probe_refuses_nonsense():
    with pytest.raises(ConfigError, match="cannot tell"):
        hostscripts.parse_probe("fish: Unknown command\n")


@pytest.mark.parametrize("shell", ["sh", "bash", "dash"])
def test_probe_in_real_posix_shells(shell):
    if subprocess.run(["sh", "-c", f"command -v {shell}"], capture_output=True).returncode != 0:
        pytest.skip(f"needs {shell}")
    out = subprocess.run([shell, "-c", hostscripts.detect_dialect_command()], capture_output=True, text=True).stdout
    assert hostscripts.parse_probe(out) == "sh"


@pytest.mark.parametrize("shell", ["sh", "bash", "dash"])
def test_probe_then_sh_runs_the_script_from_its_input_in_real_posix_shells(shell):
    if subprocess.run(["sh", "-c", f"command -v {shell}"], capture_output=True).returncode != 0:
        pytest.skip(f"needs {shell}")
    # What the script starts finds its input at its end: sh read the whole script first.
    script = "echo \"RK left=[$(cat)]\"\necho 'RK quoted=it'\"'\"'s'\nexit 3\n"
    out = subprocess.run([shell, "-c", hostscripts.probe_then_sh_command()], input=script, capture_output=True, text=True)
    assert out.returncode == 3, out.stderr
    assert hostscripts.probe_ran_sh(out.stdout)
    assert hostscripts.parse_results(out.stdout) == {"left": "[]", "quoted": "it's"}


@pytest.mark.parametrize(
    "output",
    ["RKPROBE Windows_NT RKEND; exec sh -c 'eval \"$(cat)\"'\r\n", "RKPROBE\r\n%OS%\r\nRKEND\r\n"],
    ids=["cmd", "powershell"],
)
def test_probe_then_sh_on_windows_runs_nothing_and_tells_the_dialect(output):
    # cmd only echoes a line without its operators; PowerShell has no `exec` (the error goes to stderr).
    assert not set("&|<>^") & set(hostscripts.probe_then_sh_command())
    assert hostscripts.probe_then_sh_command().startswith(hostscripts.detect_dialect_command() + "; exec ")
    assert not hostscripts.probe_ran_sh(output)
    assert hostscripts.parse_probe(output) == "powershell"


# --- naming hosts (adapters.hosts, pure part) --------------------------------------------------

CONFIGURED = {
    "linux": {"host": "me@build-linux", "python": "python3"},
    "windows": {"host": "me@build-win:2222", "python": "py -3.12", "shell": "powershell"},
    "mac": "me@build-mac",
}


@pytest.mark.parametrize(
    "arg, expected",
    [
        ("linux", [HostSpec("linux", "build-linux", "me", None, "python3", "auto")]),
        ("windows", [HostSpec("windows", "build-win", "me", 2222, "py -3.12", "powershell")]),
        ("mac", [HostSpec("mac", "build-mac", "me")]),
        ("root@10.0.0.5:2200", [HostSpec("root@10.0.0.5:2200", "10.0.0.5", "root", 2200)]),
        ("ci@[fd00::2]:22", [HostSpec("ci@[fd00::2]:22", "fd00::2", "ci", 22)]),
        ("box:2022", [HostSpec("box:2022", "box", None, 2022)]),
    ],
    ids=repr,
)
def test_parse_host(arg, expected):
    assert parse_host(arg, CONFIGURED) == expected


def test_parse_host_all_and_dedupe():
    assert [s.name for s in parse_host("all", CONFIGURED)] == ["linux", "windows", "mac"]
    specs = parse_hosts(["linux", "all", "me@build-mac"], CONFIGURED)
    assert [s.name for s in specs] == ["linux", "windows", "mac"]


def test_unknown_host_name_lists_the_configured_ones():
    with pytest.raises(ConfigError) as info:
        parse_host("linx", CONFIGURED)
    text = str(info.value)
    assert "unknown host 'linx'; configured hosts: linux, mac, windows" in text
    assert "did you mean `linux`?" in text


@pytest.mark.parametrize(
    "arg, configured, message",
    [
        ("all", {}, "no hosts are configured"),
        ("me@host:99999", {}, "port '99999'"),
        ("me@host:ssh", {}, "port 'ssh'"),
        ("bad", {"bad": {"hots": "x"}}, "unknown key `hots`; did you mean `host`?"),
        ("bad", {"bad": {"host": "x", "shell": "zsh"}}, "shell 'zsh'"),
        ("bad", {"bad": {"python": "python3"}}, "has no `host`"),
        ("bad", {"bad": 42}, "must be an address"),
    ],
    ids=repr,
)
def test_bad_host_arguments(arg, configured, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        parse_host(arg, configured)


def test_hosts_from_invoke_config():
    from invoke import Config

    hosts = Config(overrides={"releasekit": {"hosts": CONFIGURED}}).releasekit.hosts
    assert parse_host("all", hosts) == parse_host("all", CONFIGURED)
    assert parse_host("windows", hosts)[0].port == 2222


def test_config_keys_override_the_address():
    assert host_from_config("x", {"host": "a@h:1", "user": "b", "port": 2}) == HostSpec("x", "h", "b", 2)


def test_report_and_failures():
    ok = HostResult(HostSpec("a", "h1"), True, data={"os": "Linux 6", "python": "3.12", "install_seconds": "1.5", "import": "ok", "version": "1.0"})
    bad = HostResult(HostSpec("b", "h2"), False, "cannot reach h2:22: refused", "check the host")
    assert report_rows([ok, bad]) == [
        ["a", "ok", "Linux 6", "3.12", "1.5", "ok", "1.0", ""],
        ["b", "FAILED", "", "", "", "", "", "cannot reach h2:22: refused"],
    ]
    raise_for_failures([ok])
    with pytest.raises(HostError, match=r"1 of 2 host\(s\) failed: b: cannot reach h2:22: refused") as info:
        raise_for_failures([ok, bad])
    assert info.value.hint == "check the host"


# --- which file was installed (a second index for dependencies) -------------------------------------

RELEASED = {"my_pkg-1.2.0-py3-none-any.whl": "a" * 64}
REPORT_PATH = {"sh": '"$rk_tmp/rk-report.json"', "powershell": "$rkReport", "cmd": '"%RK_TMP%\\rk-report.json"'}
INSTALL_OK = {"sh": 'echo "RK install=ok"', "powershell": "'RK install=ok'", "cmd": "echo RK install=ok"}
IMPORT_CHECK = {"sh": '"$rk_envpy" -c', "powershell": "& $rkEnvPy -c", "cmd": '"%RK_ENVPY%" -c'}


@pytest.mark.parametrize("dialect", hostscripts.DIALECTS)
def test_released_files_make_pip_report_and_the_script_print_the_installed_file(dialect):
    from releasekit.core.provenance import REPORT_PRINTER

    deps = "http://10.0.0.1:8080/simple/"
    text = render(spec(expected_files=RELEASED, extra_index_urls=[deps], trusted_hosts=["10.0.0.1"]), dialect)
    installs = [line for line in text.splitlines() if " install " in line and "--no-cache-dir" in line]
    assert installs
    for line in installs:  # the release from the target index, dependencies also from the deps index
        assert f"--index-url {quote('https://idx.example/simple/', dialect)}" in line
        assert f"--extra-index-url {quote(deps, dialect)}" in line
        assert line.rstrip(" };").endswith(f"{quote('my-pkg==1.2.0', dialect)} --report {REPORT_PATH[dialect]}")
    printer = f"-c {quote(REPORT_PRINTER, dialect)} {REPORT_PATH[dialect]} {quote('my-pkg', dialect)}"
    assert text.count(printer) == 1
    # printed once the install succeeded, before the import check
    assert text.index(INSTALL_OK[dialect]) < text.index(printer) < text.index(IMPORT_CHECK[dialect])
    if dialect == "powershell":
        assert "$rkReport = Join-Path $rkTmp 'rk-report.json'" in text
        assert text.index("$rkReport = ") < text.index("function rk_install")


@pytest.mark.parametrize("dialect", hostscripts.DIALECTS)
def test_without_released_files_there_is_no_report(dialect):
    text = render(spec(), dialect)
    assert "--report" not in text and "installed_sha256" not in text


def test_released_files_are_validated_and_need_pip():
    with pytest.raises(ConfigError, match="is not 64 hex digits"):
        spec(expected_files={"x.whl": "abc"})
    with pytest.raises(ConfigError, match="uv writes no installation report"):
        spec(expected_files=RELEASED, installer="uv")


def test_a_host_that_installed_another_file_fails_naming_both_hashes():
    from releasekit.adapters.hosts import _provenance_problem

    verify = spec(expected_files=RELEASED)
    ok = {"install": "ok", "installed_file": "my_pkg-1.2.0-py3-none-any.whl", "installed_sha256": "a" * 64}
    assert _provenance_problem(verify, ok) is None
    planted = dict(ok, installed_file="my_pkg-1.2.0-1-py3-none-any.whl", installed_sha256="c" * 64,
                   installed_url="http://deps/my_pkg-1.2.0-1-py3-none-any.whl")
    assert _provenance_problem(verify, planted) == (
        f"my-pkg==1.2.0 was installed from my_pkg-1.2.0-1-py3-none-any.whl with sha256 {'c' * 64} "
        f"(http://deps/my_pkg-1.2.0-1-py3-none-any.whl), not from the released my_pkg-1.2.0-py3-none-any.whl "
        f"with sha256 {'a' * 64}")
    assert "cannot tell which file" in _provenance_problem(verify, {"install": "ok"})
    assert _provenance_problem(verify, {"install": "fail"}) is None  # the failed install is the problem then
    assert _provenance_problem(spec(), {"install": "ok"}) is None
def test_a_long_problem_is_cut_to_120_characters_in_the_table_and_the_error_line():
    cause = "Because rk-absent-dep was not found in the package registry and all versions of rk-a depend on " \
            "rk-absent-dep>=1.0, rk-b>=2, rk-c>=3"
    bad = HostResult(HostSpec("a", "h1"), False, cause)
    cell = report_rows([bad])[0][-1]
    assert len(cell) == 120 and cell.endswith("…") and cause.startswith(cell[:-1])
    with pytest.raises(HostError) as info:
        raise_for_failures([bad], what="installs")
    assert info.value.message == f"1 of 1 installs failed: a: {cell}"


@pytest.mark.parametrize("dialect", hostscripts.DIALECTS)
def test_a_conda_verify_passes_its_program_to_the_hosts_python_intact(dialect):
    """Every dialect starts the same Python program (the conda install with py-rattler), given as one
    compressed base64 word that its quoting hands over unchanged, well under cmd's line limit."""
    import base64
    import zlib

    spec = hostscripts.VerifySpec(package="rk-x", version="1.0", python="py -3.12" if dialect != "sh" else None,
                                  conda=hostscripts.CondaSource("rk-x", ["file:///srv/channel", "conda-forge"]))
    script = hostscripts.render(spec, dialect)
    (payload,) = re.findall(r"[A-Za-z0-9+/=]{200,}", script)
    assert zlib.decompress(base64.b64decode(payload)).decode() == hostscripts.conda_program(spec, spec.conda)
    assert max(len(line) for line in script.splitlines()) < 8191
    python = spec.python or hostscripts.DEFAULT_PYTHON[dialect]
    started = " ".join(hostscripts.quote(w, dialect) for w in hostscripts.split_command(python, dialect))
    assert f"{started} -c " in script
