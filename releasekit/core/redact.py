"""Keeping secrets out of output, logs and journals. Pure: text in, text out."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

# A secret shorter than this is masked only where it stands alone, never inside other words.
_SHORT = 4
# AUTH, but not AUTHOR(S): GIT_AUTHOR_NAME is no secret, HTTP_AUTHORIZATION is.
SECRET_NAME = re.compile(r"TOKEN|PASSWORD|PASSWD|SECRET|KEY|AUTH(?!ORS?(?:_|\b))|CREDENTIAL", re.I)
MASK = "********"

# Tokens recognisable by their shape, wherever they appear.
_TOKEN_SHAPES = [
    re.compile(r"pypi-[A-Za-z0-9_\-]{16,}"),  # PyPI API tokens
    re.compile(r"\b[a-z]{2}-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b"),  # anaconda.org
    re.compile(r"\bgh[pousr]_[A-Za-z0-9]{30,}"),  # GitHub tokens (classic, OAuth, app, refresh)
    re.compile(r"\bgithub_pat_[A-Za-z0-9_]{30,}"),  # GitHub fine-grained tokens
    re.compile(r"\bglpat-[A-Za-z0-9_\-]{20,}"),  # GitLab personal/project access tokens
]
# Values handed over by code that holds a secret it did not read from a secret-named variable (a
# forge token passed in, a token read before its variable was unset): masked wherever they appear.
_REGISTERED: set[str] = set()
# user:password@ in URLs; a password may hold a raw "/" or "@" (people paste them unencoded), so it
# runs to the "@" before the host (the first "@" followed by a name without "@" up to "/", a space or
# the end). "host:port/path@ref" (a pip VCS URL) is no password: digits then "/" or "@" are a port.
# Limit: a password holding both a raw "@" and, after it, a raw "/" ends too early; percent-encode those.
_URL_PASSWORD = re.compile(  # the lookbehind keeps a long run of letters from being tried at every one
    r"(?<![A-Za-z0-9+.\-])(?P<scheme>[a-zA-Z][a-zA-Z0-9+.\-]*://)(?P<user>[^:/@\s]+):(?!\d+[/@])(?P<pw>\S+?)@(?=[^@\s/]*(?:[/\s]|$))"
)
# NAME=value where NAME says it is secret (TWINE_PASSWORD=x in an echoed command, api_key=x in a
# query string), whether or not that variable is set here.
# The name must *say* secret in one of its parts (api_key, AWS_SECRET_ACCESS_KEY), so that keyring==24,
# monkey=1, SORT_KEYS=1 or a pytest id like [key=abc] stay readable; `==` is a version pin.
_SECRET_ASSIGNMENT = re.compile(
    r"(?<![\w-])(?P<name>[A-Za-z_][A-Za-z0-9_]*)=(?!=)(?P<value>'[^']*'|\"[^\"]*\"|[^\s&)\]},;]+)"
)
_SECRET_PARTS = re.compile(r"(?:^|_)(?:\w*(?:token|password|passwd|secret)\w*|api_?key|credentials?)(?:_|$)", re.I)
_QUALIFIED_PARTS = re.compile(r"_(?:key|auth)(?:_|$)", re.I)  # AWS_ACCESS_KEY_ID, HTTP_AUTH; not a bare `key`
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


def register(secret: str) -> None:
    """Mask ``secret`` in everything redacted from now on in this process."""
    if secret and len(secret) >= _SHORT:
        _REGISTERED.add(secret)


def _says_secret(name: str) -> bool:
    return bool(_SECRET_PARTS.search(name) or _QUALIFIED_PARTS.search(name))


def redact(text: str, secrets: list[str] | None = None, environ: Mapping[str, str] | None = None) -> str:
    """Mask every known secret value, token-shaped string and URL password in ``text``."""
    if not text:
        return text
    values = list(secrets or []) + secret_values(environ) + list(_REGISTERED)
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
    return _SECRET_ASSIGNMENT.sub(
        lambda m: f"{m['name']}={MASK}" if _says_secret(m["name"]) and m["value"] != MASK else m[0], text
    )
