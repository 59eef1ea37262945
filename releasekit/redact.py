"""Keeping secrets out of output, logs and journals. Pure: text in, text out."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

# A secret shorter than this is masked only where it stands alone, never inside other words.
_SHORT = 4
SECRET_NAME = re.compile(r"TOKEN|PASSWORD|PASSWD|SECRET|KEY|AUTH(?!OR)|CREDENTIAL", re.I)  # not GIT_AUTHOR_NAME
MASK = "********"

# Tokens recognisable by their shape, wherever they appear.
_TOKEN_SHAPES = [
    re.compile(r"pypi-[A-Za-z0-9_\-]{16,}"),  # PyPI API tokens
    re.compile(r"\b[a-z]{2}-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b"),  # anaconda.org
]
# user:password@ in URLs; a password may hold a raw "/" or "@" (people paste them unencoded), so it
# runs to the "@" before the host (the first "@" followed by a name without "@" up to "/", a space or
# the end). "host:port/path@ref" (a pip VCS URL) is no password: digits then "/" or "@" are a port.
_URL_PASSWORD = re.compile(
    r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.\-]*://)(?P<user>[^:/@\s]+):(?!\d+[/@])(?P<pw>\S+?)@(?=[^@\s/]*(?:[/\s]|$))"
)
# NAME=value where NAME says it is secret (TWINE_PASSWORD=x in an echoed command, api_key=x in a
# query string), whether or not that variable is set here.
_SECRET_ASSIGNMENT = re.compile(r"(?<![\w-])(?P<name>[A-Za-z_][A-Za-z0-9_]*)=(?P<value>'[^']*'|\"[^\"]*\"|[^\s&]+)")
# --password X / -p X / --token X / -t X on command lines, also as --password=X
# (a shell-quoted value is masked whole, as shlex.join renders it)
_FLAG_VALUE = re.compile(
    r"""(?<!\S)(?P<flag>--(?:password|token|api-token)|-p|-t)(?P<sep>[ =])(?P<value>'[^']*'|"[^"]*"|\S+)"""
)


def secret_values(environ: Mapping[str, str] | None = None) -> list[str]:
    """Values of environment variables whose names say they are secret."""
    env = os.environ if environ is None else environ
    return sorted(
        {v for k, v in env.items() if SECRET_NAME.search(k) and len(v) >= _SHORT},
        key=len,
        reverse=True,
    )


def redact(text: str, secrets: list[str] | None = None, environ: Mapping[str, str] | None = None) -> str:
    """Mask every known secret value, token-shaped string and URL password in ``text``."""
    if not text:
        return text
    values = list(secrets or []) + secret_values(environ)
    for value in sorted(set(values), key=len, reverse=True):
        if len(value) >= _SHORT:
            text = text.replace(value, MASK)
        elif value:  # masking every "p" would garble the text and show where the secret is not
            text = re.sub(rf"(?<![\w.-]){re.escape(value)}(?![\w.-])", MASK, text)
    for shape in _TOKEN_SHAPES:
        text = shape.sub(MASK, text)
    text = _URL_PASSWORD.sub(lambda m: f"{m['scheme']}{m['user']}:{MASK}@", text)
    # `-p no:cacheprovider` is pytest's plugin switch, not a password
    text = _FLAG_VALUE.sub(lambda m: m[0] if m["flag"] == "-p" and m["value"].startswith("no:")
                           else f"{m['flag']}{m['sep']}{MASK}", text)
    text = _SECRET_ASSIGNMENT.sub(
        lambda m: f"{m['name']}={MASK}" if SECRET_NAME.search(m["name"]) and m["value"] != MASK else m[0], text
    )
    return text
