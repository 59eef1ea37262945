"""What `releasekit config` shows for the settings left unset: the values a release would detect."""

from __future__ import annotations

from typing import Any

from releasekit.adapters.git import Git
from releasekit.adapters.shell import Shell
from releasekit.core.config import SCHEMA, Settings
from releasekit.core.errors import ReleasekitError
from releasekit.core.project import Project
from releasekit.operations.artifact_checks import deps_index_url
from releasekit.operations.project_init import detect_project
from releasekit.operations.publishing import index_root, pypi_target
from releasekit.operations.repository import detect_main_branch


def detected_settings(settings: Settings) -> dict[str, str]:
    """What the unset (automatic) settings come to in this project: the values a release would use.
    A value that cannot be found says why, in the same words a release would fail with."""

    project = Project(settings)
    probes = {
        "package": lambda: project.package,
        "import_name": lambda: project.import_name,
        "main_branch": lambda: detect_main_branch(project, Git(Shell(), project.root)),
        "state_dir": lambda: str(project.state_dir),
        "pypi.index_url": lambda: index_root(pypi_target(project)[2]),
        "pypi.deps_index_url": lambda: deps_index_url(project) or "(none: only the target index)",
    }
    found = {}
    for key, probe in probes.items():
        if settings.values[key] is not None:
            continue
        try:
            found[key] = probe()
        except ReleasekitError as exc:
            found[key] = f"(not found: {exc.message})"
    found.update(detected_conventions(project))
    return found


# The conventions `releasekit init` reports (releasekit.operations.project_init), shown for the settings left unset.
CONVENTION_KEYS = ("changelog_format", "changelog", "version_source", "version_files", "version_policy", "tag",
                   "release_branch", "forge", "forge_url")


def detected_conventions(project: Project) -> dict[str, str]:
    """What detection finds for the unset convention settings. A setting whose default is a value
    (``changelog``, ``tag``, ``release_branch``, ``version_files``) shows it only where detection finds
    another; one it cannot find says why, in the words a release would fail with."""
    settings = project.settings
    unset = [k for k in CONVENTION_KEYS if settings.origins.get(k, "default") == "default"]
    git = Git(Shell(), project.root)
    try:
        report = detect_project(project, git)
    except ReleasekitError as exc:
        return _each_alone(project, git, unset, exc)
    found = {}
    kind = report.get("version_source").value
    if settings.origins.get("version_file", "default") == "default":
        single = report.get("version_file").value  # the file detection found (pyproject.toml, a module the
        found["version_file"] = single or f"(none: the version source is {kind})"  # backend reads, ...)
    for key in unset:
        finding = report.get(key)
        default = SCHEMA[key][0]
        if default is not None and finding.value in (default, None):
            continue  # the default is what a release uses
        found[key] = finding.value if isinstance(finding.value, str) and finding.value else finding.shown
    return found


# Which detection each convention setting comes from: when one of them has no single answer, the others
# still show theirs (a changelog of an unknown shape says nothing about where the version lives).
_GROUPS = {"version_source": "versions", "version_file": "versions", "version_files": "versions",
           "version_policy": "versions", "tag": "versions", "changelog_format": "changelogs", "changelog": "changelogs",
           "release_branch": "release_branch", "forge": "forge", "forge_url": "forge"}


def _each_alone(project: Project, git: Git, unset: list[str], first: ReleasekitError) -> dict[str, str]:
    """The unset conventions when detecting them together failed: each from its own detection, the
    ones whose detection fails with the reason in the words a release would fail with."""
    from releasekit.core.conventions import changelogs, versions
    from releasekit.core.forgerelease import detect as detect_forge
    from releasekit.operations.project_init import _release_branch, _settings_for_detection

    settings = _settings_for_detection(project)
    repo = git.is_repo()
    tags = tuple(git.local_refs("tags")) if repo else ()
    values: dict[str, str | None] = {}
    failed: dict[str, str] = {}
    tag = str(settings["tag"])
    try:
        vc = versions.resolve(settings, versions.DirTree(settings.root), tags)
    except ReleasekitError as exc:
        failed["versions"] = exc.message
    else:
        tag = vc.tag
        entries: tuple[Any, ...] = tuple(getattr(vc.source, "entries", ()))
        values.update(version_source=vc.source.kind, tag=vc.tag,
                      version_policy=vc.policy or "(none yet: no version to tell it from)",
                      version_file=entries[0].path if vc.source.kind == "file" and len(entries) == 1
                      else f"(none: the version source is {vc.source.kind})")
    try:
        fmt = changelogs.detect(settings.root, settings, tag=tag)
    except ReleasekitError as exc:
        failed["changelogs"] = exc.message
    else:
        values.update(changelog_format=fmt.name, changelog=fmt.path if fmt.name != "towncrier" else None)
    try:
        target = detect_forge(git.remote_url(settings["remote"]) if repo else None, settings["forge"],
                              settings["forge_url"])
        values.update(forge=target.kind if target else "none", forge_url=target.api_url if target else None)
        branch = _release_branch(settings, git, repo, tags, tag)
        values["release_branch"] = "none (release from main, tag only)" if branch is None else None
    except ReleasekitError as exc:
        failed["forge"] = failed["release_branch"] = exc.message
    if not failed:  # the detections agree alone but not together: say the first reason everywhere
        failed = dict.fromkeys(_GROUPS.values(), first.message)
    found = {}
    for key in [*unset, "version_file"]:
        group = _GROUPS[key]
        if key == "version_file" and settings.origins.get("version_file", "default") != "default":
            continue
        if group in failed:
            if SCHEMA[key][0] is None or key == "version_file":
                found[key] = f"(not found: {failed[group]})"
            continue
        value = values.get(key)
        default = SCHEMA[key][0]
        if value is None or (default is not None and value == default):
            continue
        found[key] = value
    return found
