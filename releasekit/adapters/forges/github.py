"""GitHub's REST release endpoints (github.com and GitHub Enterprise's ``https://HOST/api/v3``).

Facts this relies on (GitHub's REST docs, apiVersion 2022-11-28): ``GET .../releases/tags/TAG`` finds
published releases only, so a draft is found in the release list; an upload goes to the release's
``upload_url`` (a URI template on another host, ``uploads.github.com`` or ``HOST/api/uploads``) with
``?name=``; an asset carries ``size``, ``state`` ("uploaded" once complete) and, since June 2025,
``digest`` ("sha256:HEX"); ``make_latest`` is the string "true", "false" or "legacy".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote

from releasekit.core import ui
from releasekit.core.forgerelease import (
    Call,
    ExistingRelease,
    ForgeError,
    ForgeTarget,
    ForgeTokenRefused,
    PlannedAsset,
    ReleasePlan,
    RemoteAsset,
    token_var_names,
)

from .http import Api

API_VERSION = "2022-11-28"


class GitHub:
    """One repository's releases."""

    def __init__(self, target: ForgeTarget, token_var: str, token: str, *, dry_run: bool = False,
                 echo: Callable[[str], None] = ui.info) -> None:
        headers = {
            "Authorization": f"Bearer {token}",
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": API_VERSION,
        }
        self.api = Api(target, token_var, token, headers, dry_run=dry_run, echo=echo)
        self.repo = f"/repos/{target.project}"

    def check_access(self) -> None:
        """Refuse before anything changes when the token cannot see or write the repository."""
        response = self.api.get(self.repo, missing_ok=True)
        if response is None:
            raise ForgeError(
                f"GitHub has no repository {self.api.target.project} at {self.api.target.api_url}, "
                f"or the token in {self.api.token_var} cannot see it",
                "check the remote URL, `releasekit.forge_url` and the token's repository access",
            )
        permissions = response.json().get("permissions")
        if isinstance(permissions, dict) and not permissions.get("push", False):
            raise ForgeTokenRefused(
                f"the token in {self.api.token_var} may read but not write {self.api.target.project}",
                f"set {token_var_names('github')} to a token with write access to the repository's contents",
            )

    def released_tags(self) -> list[str]:
        """Tags of the published releases (drafts have no say in which release is latest)."""
        return [r["tag_name"] for r in self.api.get_all(f"{self.repo}/releases") if not r.get("draft")]

    def find(self, plan: ReleasePlan) -> ExistingRelease | None:
        response = self.api.get(f"{self.repo}/releases/tags/{quote(plan.tag, safe='')}", missing_ok=True)
        if response is not None:
            return self._existing(response.json())
        drafts = [r for r in self.api.get_all(f"{self.repo}/releases") if r.get("tag_name") == plan.tag]
        if len(drafts) > 1:
            raise ForgeError(
                f"{len(drafts)} draft releases on {self.api.target.project} are for {plan.tag}",
                "delete all but one of them on GitHub, then run the same command again",
            )
        return self._existing(drafts[0]) if drafts else None

    def _existing(self, data: Mapping[str, Any]) -> ExistingRelease:
        assets = data.get("assets")
        if assets is None or len(assets) >= 100:  # a release lists at most its first assets inline
            assets = self.api.get_all(f"{self.repo}/releases/{data['id']}/assets")
        return ExistingRelease(
            ref=str(data["id"]),
            tag=str(data["tag_name"]),
            published=not data.get("draft", False),
            assets=tuple(_asset(a) for a in assets),
            upload_url=str(data.get("upload_url", "")).split("{", 1)[0] or None,
        )

    def create(self, plan: ReleasePlan) -> ExistingRelease:
        body = {"tag_name": plan.tag, "name": plan.name, "body": plan.notes, "draft": True,
                "prerelease": plan.prerelease}
        response = self.api.change(Call("POST", self.api.url(f"{self.repo}/releases"), body))
        if response is None:  # dry run: the draft's id is not known yet
            return ExistingRelease("{id}", plan.tag, False, upload_url=self._upload_url_guess())
        return self._existing(response.json())

    def upload(self, release: ExistingRelease, asset: PlannedAsset, plan: ReleasePlan) -> None:
        base = release.upload_url or self._upload_url_guess().replace("{id}", release.ref)
        self.api.change(Call("POST", f"{base}?name={quote(asset.name)}", None, asset))

    def delete(self, release: ExistingRelease, asset: RemoteAsset, plan: ReleasePlan) -> None:
        self.api.change(Call("DELETE", self.api.url(f"{self.repo}/releases/assets/{asset.ref}")))

    def publish(self, release: ExistingRelease, plan: ReleasePlan) -> None:
        body = {"draft": False, "prerelease": plan.prerelease, "make_latest": "true" if plan.latest else "false"}
        self.api.change(Call("PATCH", self.api.url(f"{self.repo}/releases/{release.ref}"), body))

    def _upload_url_guess(self) -> str:
        """Where GitHub puts uploads, for a dry run that has no draft to ask."""
        api = self.api.target.api_url
        if api == "https://api.github.com":
            return f"https://uploads.github.com{self.repo}/releases/{{id}}/assets"
        return f"{api.removesuffix('/v3')}/uploads{self.repo}/releases/{{id}}/assets"


def _asset(data: Mapping[str, Any]) -> RemoteAsset:
    digest = data.get("digest")
    sha256 = digest.split(":", 1)[1] if isinstance(digest, str) and digest.startswith("sha256:") else None
    return RemoteAsset(
        name=str(data["name"]),
        size=int(data.get("size") or 0),
        sha256=sha256,
        ref=str(data["id"]),
        complete=data.get("state", "uploaded") == "uploaded",
    )
