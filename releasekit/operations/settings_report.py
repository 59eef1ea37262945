"""What `releasekit config` shows for the settings left unset: the values a release would detect."""

from __future__ import annotations

from releasekit.adapters.git import Git
from releasekit.adapters.shell import Shell
from releasekit.core.config import Settings
from releasekit.core.errors import ReleasekitError
from releasekit.core.project import Project
from releasekit.operations.artifact_checks import deps_index_url
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
    return found
