"""What `releasekit config` shows for the settings left unset: the values a release would detect."""

from __future__ import annotations

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
        "version_file": lambda: project.version_file_rel,
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
    try:
        report = detect_project(project, Git(Shell(), project.root))
    except ReleasekitError as exc:
        return {k: f"(not found: {exc.message})" for k in unset if SCHEMA[k][0] is None}
    found = {}
    kind = report.get("version_source").value
    if kind != "file" and settings.origins.get("version_file", "default") == "default":
        found["version_file"] = f"(none: the version source is {kind})"
    for key in unset:
        finding = report.get(key)
        default = SCHEMA[key][0]
        if default is not None and finding.value in (default, None):
            continue  # the default is what a release uses
        found[key] = finding.value if isinstance(finding.value, str) and finding.value else finding.shown
    return found
