"""Checking built artifacts before anything uploads them: twine's metadata check, the sdist against
git's file list, and a clean install of each file whose sha256 must be the artifact's."""

from __future__ import annotations

from pathlib import Path

from releasekit.adapters import index, pypi
from releasekit.adapters.envs import clean_env
from releasekit.adapters.git import Git
from releasekit.adapters.shell import Shell
from releasekit.core import provenance, releaselog, ui
from releasekit.core.conventions.versions.scm import refuse_local
from releasekit.core.errors import (
    ArtifactCheckFailed,
    PreconditionFailed,
    ReleasekitError,
    VerifyFailed,
    problems_message,
)
from releasekit.core.project import Project
from releasekit.operations.publishing import index_root, pypi_target


def check_artifacts(project: Project, sh: Shell, git: Git, paths: list[Path], version: str, ref: str) -> None:
    """Everything that would make a published release broken, reported before anything is uploaded."""
    if not paths:
        raise PreconditionFailed(f"no artifacts of {version} in {project.dist_dir}", "run `releasekit dist.pypi` first")
    problems = []
    hint = "fix them and rebuild (`releasekit dist.clean dist.pypi`); nothing was uploaded"
    for path in paths:
        built = pypi.built_version(path)
        try:
            refuse_local(built, f"{path.name}'s version")
        except ReleasekitError as exc:  # +g1234: built without seeing the release tag
            problems.append(exc.message)
            continue
        if built != version:
            problems.append(f"{path.name} carries version {built}, not {version}")
    sdists = [p for p in paths if p.name.endswith((".tar.gz", ".zip"))]
    if sdists:
        tracked = git.ls_files(ref)
        recipe_dir = project.settings["conda.recipe"].strip("/")
        ignore = [*pypi.DEFAULT_SDIST_IGNORE, f"{recipe_dir}/*", *project.settings["dist.check_ignore"]]
        missing = pypi.sdist_missing_files(sdists[0], tracked, ignore)
        if missing:
            problems.append(missing_files_problem(sdists[0].name, missing))
            globs = ", ".join(f'"{g}"' for g in pypi.covering_globs(missing))
            hint = (f"ship them (MANIFEST.in or package data) or, if they need not ship, set `dist.check_ignore` "
                    f"to [{globs}]; then rebuild (`releasekit dist.clean dist.pypi`); nothing was uploaded")
    for path in paths:
        twice = pypi.duplicate_members(path)
        if twice:
            problems.append(f"{path.name} stores {', '.join(twice[:5])}{' ...' if len(twice) > 5 else ''} more than once")
    for big in pypi.oversized(paths, project.settings["dist.max_file_size"]):
        problems.append(f"too large: {big}")
    try:
        pypi.twine_check(sh, paths)
    except ReleasekitError as exc:
        problems.append(exc.message)
    if problems:
        if len(problems) > 1:
            for p in problems:
                ui.info(f"  - {p}")
        raise ArtifactCheckFailed(problems_message(problems, f"with the artifacts of {version}"), hint)
    ui.info(f"artifacts of {version} pass the checks")


def missing_files_problem(sdist_name: str, missing: list[str], shown: int = 3) -> str:
    """How many tracked files the sdist lacks, the first few by name; all of them go to the log."""
    log = releaselog.active()
    if log is not None:
        log.write(f"{sdist_name} lacks {len(missing)} tracked file(s):\n" + "\n".join(f"  {m}" for m in missing))
    names = ", ".join(missing[:shown]) + (f" and {len(missing) - shown} more" if len(missing) > shown else "")
    listed = " (all listed in the log)" if log is not None and len(missing) > shown else ""
    return f"{sdist_name} lacks {len(missing)} tracked file(s): {names}{listed}"


def verify_local(project: Project, sh: Shell, paths: list[Path], version: str) -> list[tuple[str, str, str]]:
    """Install each artifact alone in a fresh hermetic env, import it, compare the version, smoke-test."""
    # Dependencies (and an sdist's build backend) come from the target index and the deps index only.
    target_index = index_root(pypi_target(project)[2])
    deps_index = deps_index_url(project)
    rows = []
    for path in paths:
        with clean_env(sh) as env:
            needs_index = path.name.endswith((".tar.gz", ".zip")) or _has_deps(path)
            # uv where it is installed (seconds faster); the file it took is read from the direct_url.json
            # it records, as pip's report would say it
            env.install([path], index_url=target_index if needs_index else None,
                        extra_index_urls=[deps_index] if deps_index and needs_index else [])
            check_provenance(env, project.package, path.name, {path.name: pypi.sha256(path)})
            got = check_installed(project, env, version, path.name)
            rows.append((path.name, got, "import ok" + (", smoke ok" if project.settings["smoke_command"] else "")))
    ui.table(("artifact", "version", "checks"), rows, title="installed in clean environments")
    return rows


def check_installed(project: Project, env, version: str, what: str) -> str:
    """In a clean env holding the package: import it, compare its version, run the smoke command."""
    got = env.check_import(project.import_name, project.package)
    if got != version:
        raise VerifyFailed(f"{what} installs version {got}, not {version}")
    smoke = project.settings["smoke_command"]
    if smoke:
        env.python(["-c", smoke])
    return got


def _has_deps(path: Path) -> bool:
    try:
        return bool(pypi.built_requires(path))
    except ReleasekitError:  # an unreadable artifact fails its own check later
        return True


def deps_index_url(project: Project) -> str | None:
    """Where dependencies and build backends of clean installs may also come from: ``pypi.deps_index_url``,
    else PyPI's simple index when the target is TestPyPI, else nowhere but the target index."""
    configured = project.settings["pypi.deps_index_url"]
    if configured is not None:
        return configured or None  # an empty string switches the default off
    _repo, url, page = pypi_target(project)
    return pypi.default_deps_index(url, index_root(page))


def check_provenance(env, package: str, requirement: str, expected: dict[str, str]):
    """The file the last install took ``package`` from must be one of ``expected`` (name -> sha256), byte
    for byte: another index may serve the same version too (dependency confusion). Returns that file
    (None when nothing was expected)."""
    installed = env.installed_from(package)
    problem = provenance.mismatch(requirement, installed, expected)
    if problem:
        raise VerifyFailed(problem, "another index serves a file of this very release: remove it there, or drop "
                                    "that index from `pypi.deps_index_url`")
    return installed if expected else None


def deps_index_problems(project: Project, version: str) -> list[str]:
    """The deps index must answer before the rite changes anything; one that already serves this version
    of the package is told now (its file, not the release's, could be installed)."""
    try:
        url = deps_index_url(project)
    except ReleasekitError:  # an unusable repository is reported by the upload preflight
        return []
    if not url:
        return []
    try:
        served = index.files_for_version(index.fetch_files(index.simple_url("", project.package, url)),
                                         project.package, version)
    except ReleasekitError as exc:
        return [f"the deps index (pypi.deps_index_url) is not usable: {exc.message}"]
    if served:
        ui.warn(f"the deps index {url} already serves {project.package} {version} ({', '.join(sorted(served))}): "
                "the clean installs fail if the installer takes such a file instead of the release's")
    return []


def deps_note(project: Project) -> str:
    """For plans: where dependencies of clean installs may also come from ("" when only the target index)."""
    try:
        url = deps_index_url(project)
    except ReleasekitError:  # an unusable repository is preflight's to report
        return ""
    return f" (dependencies also from {url})" if url else ""

