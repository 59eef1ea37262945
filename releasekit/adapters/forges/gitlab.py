"""GitLab's release and generic package endpoints (gitlab.com and self-hosted ``https://HOST/api/v4``).

Facts this relies on (GitLab's REST docs): a project is addressed by its URL-encoded path; releases
have no draft state and are found by tag (``GET /projects/:id/releases/:tag_name``); a release's
files are *links*, here to files put into the project's generic package registry with
``PUT /projects/:id/packages/generic/:name/:version/:file``, whose listing gives ``size`` and
``file_sha256``; the package list's ``package_name`` filter matches partially, so the exact name and
version are picked here; the "latest" release is the one with the latest ``released_at`` (there is no
flag), and a ``released_at`` in the future makes an "upcoming" release.
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

DEVELOPER = 30  # GitLab's access level that may create releases and publish packages


class GitLab:
    """One project's releases and generic packages."""

    def __init__(self, target: ForgeTarget, token_var: str, token: str, *, dry_run: bool = False,
                 echo: Callable[[str], None] = ui.info) -> None:
        self.api = Api(target, token_var, token, {"PRIVATE-TOKEN": token}, dry_run=dry_run, echo=echo)
        self.project = f"/projects/{quote(target.project, safe='')}"

    def check_access(self) -> None:
        response = self.api.get(self.project, missing_ok=True)
        if response is None:
            raise ForgeError(
                f"GitLab has no project {self.api.target.project} at {self.api.target.api_url}, "
                f"or the token in {self.api.token_var} cannot see it",
                "check the remote URL, `releasekit.forge_url` and the token's project membership",
            )
        permissions = response.json().get("permissions")
        if isinstance(permissions, dict):
            levels = [(p or {}).get("access_level", 0) for p in permissions.values() if isinstance(p, dict) or p is None]
            if max(levels, default=0) < DEVELOPER:
                raise ForgeTokenRefused(
                    f"the token in {self.api.token_var} may not create releases in {self.api.target.project} "
                    "(it needs the Developer role or above)",
                    f"set {token_var_names('gitlab')} to a token of a Developer (or above) with the api scope",
                )

    def released_tags(self) -> list[str]:
        return [r["tag_name"] for r in self.api.get_all(f"{self.project}/releases")]

    def _package_files(self, plan: ReleasePlan) -> tuple[str | None, list[Mapping[str, Any]]]:
        packages = self.api.get_all(f"{self.project}/packages",
                                    {"package_type": "generic", "package_name": plan.package})
        for package in packages:
            if package.get("name") == plan.package and package.get("version") == plan.version:
                files = self.api.get_all(f"{self.project}/packages/{package['id']}/package_files")
                return str(package["id"]), files
        return None, []

    def find(self, plan: ReleasePlan) -> ExistingRelease | None:
        package_id, files = self._package_files(plan)
        # a file uploaded twice is listed twice: the newest one is what the package URL serves
        newest: dict[str, Mapping[str, Any]] = {}
        for f in sorted(files, key=lambda f: (str(f.get("created_at", "")), int(f["id"]))):
            newest[str(f["file_name"])] = f
        assets = tuple(
            RemoteAsset(name, int(f.get("size") or 0), f.get("file_sha256") or None, f"{package_id}/{f['id']}")
            for name, f in newest.items()
        )
        response = self.api.get(f"{self.project}/releases/{quote(plan.tag, safe='')}", missing_ok=True)
        if response is None:
            return ExistingRelease(plan.tag, plan.tag, False, assets) if assets else None
        links = (response.json().get("assets") or {}).get("links") or []
        return ExistingRelease(plan.tag, plan.tag, True, assets, frozenset(str(link["name"]) for link in links))

    def create(self, plan: ReleasePlan) -> ExistingRelease:
        """GitLab has no drafts: the release is created by :meth:`publish`, once its files are up."""
        return ExistingRelease(plan.tag, plan.tag, False)

    def upload(self, release: ExistingRelease, asset: PlannedAsset, plan: ReleasePlan) -> None:
        url = self.api.url(self._file_path(plan, asset.name))
        self.api.change(Call("PUT", f"{url}?select=package_file", None, asset))

    def delete(self, release: ExistingRelease, asset: RemoteAsset, plan: ReleasePlan) -> None:
        package_id, file_id = asset.ref.split("/", 1)
        self.api.change(Call("DELETE", self.api.url(f"{self.project}/packages/{package_id}/package_files/{file_id}")))

    def publish(self, release: ExistingRelease, plan: ReleasePlan) -> None:
        links = [self._link(plan, a) for a in plan.assets if a.name not in release.linked]
        if not release.published:
            body = {"tag_name": plan.tag, "name": plan.name, "description": plan.notes, "assets": {"links": links}}
            self.api.change(Call("POST", self.api.url(f"{self.project}/releases"), body))
            return
        for link in links:
            self.api.change(Call("POST", self.api.url(
                f"{self.project}/releases/{quote(plan.tag, safe='')}/assets/links"), link))

    def _file_path(self, plan: ReleasePlan, name: str) -> str:
        return f"{self.project}/packages/generic/{quote(plan.package, safe='')}/{quote(plan.version, safe='')}/{quote(name, safe='')}"

    def _link(self, plan: ReleasePlan, asset: PlannedAsset) -> dict[str, str]:
        return {"name": asset.name, "url": self.api.url(self._file_path(plan, asset.name)),
                "direct_asset_path": f"/{asset.name}", "link_type": "package"}
