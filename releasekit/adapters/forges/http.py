"""The one place forge HTTP calls are made: auth header, dry run, errors, and the token kept out of
everything printed or raised.

requests (already installed with twine) does the HTTP; the tests drive the fake forges with PyGithub
and python-gitlab as well, so the fake is held to what other, independent clients expect.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import requests

from releasekit.core import redact, ui
from releasekit.core.forgerelease import (
    Call,
    ForgeError,
    ForgeTarget,
    ForgeTokenRefused,
    token_var_names,
)

TIMEOUT = (10, 300)  # connect, read: an upload of a large wheel may take minutes


class Api:
    """HTTP to one forge with one token. In a dry run, calls that change something are printed
    (method, URL, JSON body; the token never) and not sent; reads still run so the plan is true."""

    def __init__(
        self,
        target: ForgeTarget,
        token_var: str,
        token: str,
        auth_headers: Mapping[str, str],
        *,
        dry_run: bool = False,
        echo: Callable[[str], None] = ui.info,
    ) -> None:
        redact.register(token)
        self.target = target
        self.token_var = token_var
        self.dry_run = dry_run
        self.echo = echo
        self.sent: list[Call] = []  # every changing call made (or shown, in a dry run)
        self._session = requests.Session()
        self._session.headers.update(auth_headers)
        self._session.headers["User-Agent"] = "releasekit"

    def url(self, path: str) -> str:
        return path if path.startswith(("http://", "https://")) else f"{self.target.api_url}{path}"

    def get(self, path: str, params: Mapping[str, Any] | None = None, *, missing_ok: bool = False) -> requests.Response | None:
        response = self._send("GET", self.url(path), params=params)
        if missing_ok and response.status_code == 404:
            return None
        self._check(response, "GET", path)
        return response

    def get_all(self, path: str, params: Mapping[str, Any] | None = None) -> list[Any]:
        """Every item of a paginated list (both forges page with ``per_page`` and a Link header)."""
        items: list[Any] = []
        url: str | None = self.url(path)
        query: Mapping[str, Any] | None = {"per_page": 100, **(params or {})}
        while url:
            response = self._send("GET", url, params=query)
            self._check(response, "GET", path)
            items.extend(response.json())
            url = response.links.get("next", {}).get("url")
            query = None  # the next link carries the query
        return items

    def change(self, call: Call, *, params: Mapping[str, Any] | None = None,
               headers: Mapping[str, str] | None = None) -> requests.Response | None:
        """Send a call that changes the forge; None in a dry run, which prints it instead."""
        self.sent.append(call)
        if self.dry_run:
            self.echo(f"[dry-run] would call: {call.render()}")
            return None
        if call.upload is not None:
            with open(call.upload.path, "rb") as fh:
                response = self._send(call.method, call.url, params=params, data=fh, headers={
                    "Content-Type": "application/octet-stream", "Content-Length": str(call.upload.size),
                    **(headers or {})})
        else:
            response = self._send(call.method, call.url, params=params, json=call.body, headers=headers)
        self._check(response, call.method, call.url)
        return response

    def _send(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        try:
            return self._session.request(method, url, timeout=TIMEOUT, **kwargs)
        except requests.RequestException as exc:
            # the message names the URL only: requests never puts headers in it, and redaction is a backstop
            raise ForgeError(
                redact.redact(f"{method} {url} to {self.target.title} failed: {_reason(exc)}"),
                "check the network and `releasekit.forge_url`, then run the same command again: it resumes",
            ) from None

    def _check(self, response: requests.Response, method: str, path: str) -> None:
        if response.status_code < 400:
            return
        message = redact.redact(_message(response))
        where = f"{method} {self.url(path) if not path.startswith('http') else path}"
        if response.status_code in (401, 403) and not _rate_limited(response):
            raise ForgeTokenRefused(
                f"{self.target.title} refused the token in {self.token_var} ({response.status_code}: {message}) at {where}",
                f"set {token_var_names(self.target.kind)} to a token that may write releases of {self.target.project}",
            )
        raise ForgeError(f"{self.target.title} answered {response.status_code} to {where}: {message}")


def _rate_limited(response: requests.Response) -> bool:
    return response.headers.get("x-ratelimit-remaining") == "0" or response.status_code == 429


def _message(response: requests.Response) -> str:
    """The forge's own words: GitHub's ``message`` and ``errors``, GitLab's ``message``/``error``."""
    try:
        data = response.json()
    except ValueError:
        return (response.text or response.reason or "").strip()[:200]
    if not isinstance(data, dict):
        return str(data)[:200]
    message = data.get("message", data.get("error", ""))
    if isinstance(message, dict):
        message = "; ".join(f"{k} {', '.join(map(str, v)) if isinstance(v, list) else v}" for k, v in message.items())
    errors = data.get("errors")
    if isinstance(errors, list) and errors:
        details = [
            " ".join(str(e.get(k)) for k in ("resource", "field", "code") if isinstance(e, dict) and e.get(k))
            or str(e) for e in errors
        ]
        message = f"{message} ({'; '.join(details)})"
    return str(message)


def _reason(exc: requests.RequestException) -> str:
    text = str(exc.__context__ or exc) if isinstance(exc, requests.ConnectionError) else str(exc)
    return text.splitlines()[0][:200] if text else type(exc).__name__
