"""Why a pip or uv install failed, in one line, and whether waiting could help. Pure: text in, text out.

pip ends a failed build with "See above for output" and uv with a chain of causes; the user needs the
one line that names the missing thing (``No matching distribution found for hatchling>=1.18``). A
failure is *index lag* only when the released requirement itself is what the index does not serve
yet; a missing dependency or a broken build stays broken however long one waits.
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)

SHORT = 120  # a verify table's problem cell

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_PIP_PREFIX = re.compile(r"^(?:ERROR|error):\s*")
# pip discards a file whose metadata names another version, then finds "no matching distribution":
# the index serves the release, but a wrong build of it. The cause, and never index lag.
_INCONSISTENT = re.compile(r"has inconsistent version: (?P<what>expected .+)$")
_NO_MATCH = re.compile(r"No matching distribution found for (?P<req>.+?)\s*$")
_PIP_404 = re.compile(r"HTTP error (?P<code>\d{3}) while getting (?P<url>\S+)")
_PIP_CONNECT = re.compile(r"after connection broken by .*?(?P<why>(?:Failed to establish a new connection|"
                          r"Read timed out|Connection refused|Name or service not known|"
                          r"Temporary failure in name resolution)[^\"')]*)")
_UV_CAUSE = re.compile(r"^(?:cause:|Caused by:|[├╰]─▶)\s*")
_UV_FETCH = re.compile(r"Failed to fetch:?\s*`?(?P<url>[^`\s]+)`?")
_EXCEPTION = re.compile(r"^(?:[A-Za-z_][\w.]*\.)?[A-Z]\w*(?:Error|Exception|Exit)\b(?::.*)?$")
_NOISE = ("See above for output", "note: This error originates from a subprocess", "subprocess-exited-with-error",
          "[end of output]", "hint: Build failures usually indicate", "ERROR Backend subprocess exited",
          "TIP pass --env-dir")


def _lines(output: str) -> list[str]:
    """The output's non-empty lines, without colours, progress redraws or the verify scripts' RK lines."""
    text = _ANSI.sub("", output).replace("\r\n", "\n")
    kept = []
    for raw in text.split("\n"):
        line = raw.rsplit("\r", 1)[-1].strip()
        if line and not line.startswith("RK "):
            kept.append(line)
    return kept


def _uv_chain(lines: list[str]) -> list[str]:
    """uv's ``error:`` line and its causes, each cause with its continuation lines joined."""
    start = next((i for i, line in enumerate(lines) if line.startswith("error:")), None)
    if start is None:
        return []
    chain = [lines[start].removeprefix("error:").strip()]
    joining = True  # uv wraps a cause to the terminal's width: its next lines continue it
    for line in lines[start + 1:]:
        if _UV_CAUSE.match(line):
            chain.append(_UV_CAUSE.sub("", line))
            joining = True
        elif line.startswith(("hint:", "help:", "warning:")):
            joining = False
        elif joining and len(chain) > 1:
            chain[-1] += " " + line
    return chain if len(chain) > 1 else []


def _sentence(text: str) -> str:
    """uv's resolver sentence up to its boilerplate conclusion."""
    return re.split(r", we can conclude that", text, maxsplit=1)[0].rstrip(".")


def _url(url: str) -> str:
    return url.split("#", 1)[0]


def install_cause(output: str) -> str:
    """The line of a failed pip or uv run that says what was wrong (see the module docstring)."""
    lines = _lines(output)
    if not lines:
        return ""
    for line in lines:
        found = _PIP_CONNECT.search(line)
        if found:
            return f"cannot reach the index: {found['why'].strip()}"
    for line in lines:
        found = _PIP_404.search(line)
        if found:
            return f"HTTP error {found['code']} while getting {_url(found['url'])}"
    for line in lines:
        found = _INCONSISTENT.search(line)
        if found:
            return f"the file has an inconsistent version: {found['what'].strip()}"
    for line in lines:
        found = _NO_MATCH.search(line)
        if found:
            return f"No matching distribution found for {found['req']}"
    if any("ResolutionImpossible" in line for line in lines):
        return _pip_conflict(lines)
    chain = _uv_chain(lines)
    if chain:
        return _uv_cause(chain, lines)
    exceptions = [line for line in lines if _EXCEPTION.match(line)]
    if exceptions:
        return exceptions[-1]
    errors = [_PIP_PREFIX.sub("", line) for line in lines
              if _PIP_PREFIX.match(line) and not any(n in line for n in _NOISE)]
    if errors:
        return errors[-1]
    return next((line for line in reversed(lines) if not any(n in line for n in _NOISE)), lines[-1])


def _pip_conflict(lines: list[str]) -> str:
    """pip's ResolutionImpossible with the conflicting requirements it listed before it."""
    try:
        start = lines.index("The conflict is caused by:") + 1
    except ValueError:
        return next(_PIP_PREFIX.sub("", line) for line in lines if "ResolutionImpossible" in line)
    causes = []
    for line in lines[start:]:
        if " depends on " not in line:
            break
        causes.append(line)
    return "ResolutionImpossible: " + "; ".join(causes)


def _uv_cause(chain: list[str], lines: list[str]) -> str:
    because = [c for c in chain if c.startswith("Because ")]
    if because:
        return _sentence(because[0])
    fetch = next((c for c in chain if _UV_FETCH.match(c)), None)
    if fetch is not None:
        found = _UV_FETCH.match(fetch)
        assert found is not None
        last = re.sub(r"\s*for url \(.*\)$", "", chain[-1])
        return f"Failed to fetch {_url(found['url'])}: {last}" if chain[-1] != fetch else fetch
    exceptions = [line for line in lines if _EXCEPTION.match(line)]
    if exceptions:
        return exceptions[-1]
    return chain[-1]


def short(text: str, limit: int = SHORT) -> str:
    """``text`` on one line of at most ``limit`` characters (an ellipsis marks a cut)."""
    one = " ".join(text.split())
    return one if len(one) <= limit else one[: limit - 1].rstrip() + "…"


# --- index lag ----------------------------------------------------------------------------------------


def _names(requirement: str) -> tuple[str, str] | None:
    """(canonical name, specifier) of a requirement pip printed, without its ``(from ...)`` note."""
    text = requirement.strip()
    if text.endswith(")") and " (from " in text:
        return None  # a dependency of something else: never the released requirement itself
    try:
        req = Requirement(text)
    except InvalidRequirement:
        return None
    return canonicalize_name(req.name), str(req.specifier)


def _file_of(url: str) -> tuple[str, str] | None:
    """(canonical name, version) of a wheel or sdist URL."""
    name = unquote(urlsplit(_url(url)).path.rsplit("/", 1)[-1])
    try:
        if name.endswith(".whl"):
            dist, version, *_rest = parse_wheel_filename(name)
        else:
            dist, version = parse_sdist_filename(name)
    except (InvalidWheelFilename, InvalidSdistFilename):
        return None
    return canonicalize_name(dist), str(version)


def is_index_lag(output: str, package: str, version: str) -> bool:
    """True when the install failed only because the index does not serve ``package==version`` (a
    page without that version, or a file listed but not downloadable yet): waiting may help."""
    lines = _lines(output)
    if any(_PIP_CONNECT.search(line) or _INCONSISTENT.search(line) for line in lines):
        return False
    name = canonicalize_name(package)
    for line in lines:
        found = _PIP_404.search(line)
        if found and found["code"] == "404":
            return _file_of(found["url"]) == (name, version)
    for line in lines:
        found = _NO_MATCH.search(line)
        if found:
            return _names(found["req"]) == (name, f"=={version}")
    chain = _uv_chain(lines)
    because = next((c for c in chain if c.startswith("Because ")), None)
    if because is not None:
        return _uv_subject(because) == (name, f"=={version}")
    fetch = next((_UV_FETCH.match(c) for c in chain if _UV_FETCH.match(c)), None)
    if fetch is not None and any("404" in c for c in chain):
        return _file_of(fetch["url"]) == (name, version)
    return False


_UV_SUBJECT = (
    re.compile(r"^Because there is no version of (?P<name>[A-Za-z0-9._-]+)"),
    re.compile(r"^Because (?P<name>[A-Za-z0-9._-]+) was not found in the package registry"),
    re.compile(r"^Because only (?:the following versions of )?(?P<name>[A-Za-z0-9._-]+?)(?:[<>=!~ :]|$)"),
)
_UV_REQUIRE = re.compile(r" and you require (?P<req>[^,]+?)\s*$")


def _uv_subject(sentence: str) -> tuple[str, str] | None:
    """(package, the requirement the user gave) when uv's first resolver clause says that package is not
    available and it is the one required directly (None when it is about what another package needs)."""
    first = _sentence(sentence)
    required = _UV_REQUIRE.search(first)
    if required is None:
        return None
    for pattern in _UV_SUBJECT:
        found = pattern.match(first)
        if found:
            named = _names(required["req"])
            if named and named[0] == canonicalize_name(found["name"]):
                return named
    return None
