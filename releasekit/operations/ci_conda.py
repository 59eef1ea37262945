"""``publish: ci`` for the conda package: the tag's workflow builds and uploads it (its conda job);
this machine waits until the channel serves it, checks it against the tag's recipe, and installs it.

Nothing is built for upload here. What the package should be comes from the tag: the recipe
rendered from the preview sdist that :mod:`releasekit.operations.ci_upload` built of the tag (the
recipe linted, as the local check step lints it). The channel must then serve the recipe's package
at the release's version, every file with a sha256, under ``wait.timeout``; each served file must
carry the recipe's run requirements (by name). Verify installs it from the channel into a fresh
prefix and imports it, as the local verify does.
"""

from __future__ import annotations

from pathlib import Path

from releasekit.adapters import conda
from releasekit.core import ui
from releasekit.core.errors import PreconditionFailed, PublishedMismatch
from releasekit.core.project import Project
from releasekit.operations import ci_upload, conda_staging
from releasekit.operations.conda_packages import (
    conda_enabled,
    conda_target_kind,
    lint_conda_recipe,
    requirement_drift,
)


def awaited(project: Project) -> bool:
    """``publish: ci`` with a conda package that CI's conda job uploads (conda-forge builds its own)."""
    return (project.settings["publish"] == "ci" and conda_enabled(project)
            and conda_target_kind(project.settings) != "conda-forge")


def channel(project: Project) -> str:
    """Where CI's conda job uploads (`upload.conda` there: ``conda.label``), as a conda client reads it."""
    return conda_staging.install_channel(project, project.settings["conda.label"])


def preview_sdist(project: Project, version: str) -> Path:
    sdists = [p for p in ci_upload.preview_files(project, version) if p.name.endswith(".tar.gz")]
    if not sdists:
        raise PreconditionFailed(f"no preview sdist of {version} under {ci_upload.preview_dir(project, version)}",
                                 "run the same command: the await-ci-upload step builds it from the tag")
    return sdists[0]


def recipe(project: Project, version: str) -> dict:
    """The tag's recipe, rendered from the preview sdist and linted (a bad recipe stops here)."""
    sdist = preview_sdist(project, version)
    rendered = lint_conda_recipe(project, version, sdist)
    for line in requirement_drift(project, version, rendered).lines():
        ui.warn(f"conda requirements drift: {line} (see `releasekit verify.deps`)")
    return rendered


def package_name(rendered: dict) -> str:
    return str(rendered["package"]["name"])


def served(project: Project, version: str, name: str) -> list[conda.ChannelRecord]:
    return [r for r in conda.channel_records(channel(project), name) if r.version == version]


def wait_for_upload(project: Project, version: str, name: str, *,
                    timeout: float | None = None) -> list[conda.ChannelRecord]:
    """Poll until the channel serves ``name`` ``version`` with a sha256 for every file (``wait.timeout``)."""
    where = channel(project)

    def missing_now() -> list[str]:
        records = served(project, version, name)
        return [r.file_name for r in records if not r.sha256] or ([] if records else [f"{name} {version}"])

    polls = ci_upload.wait_for_ci(
        project, missing_now, waiting_for=f"CI's conda upload of {name} {version}", where=f"the conda channel {where}",
        unreadable="the channel", not_uploaded="CI has not uploaded the conda package", timeout=timeout,
        hint="look at the conda job of the tag's publish workflow; once it uploaded, run the same command: the "
             "release resumes and checks again")
    records = served(project, version, name)
    ui.info(f"the conda channel {where} serves {name} {version} as CI uploaded it ({len(records)} file(s), "
            f"{polls} poll(s))")
    return records


def _names(specs: tuple[str, ...] | list[str]) -> set[str]:
    return {spec.split()[0].lower() for spec in specs if spec.strip() and not spec.startswith("__")}


def problems(rendered: dict, version: str, records: list[conda.ChannelRecord]) -> list[str]:
    """Every way the served files differ from the package the tag's recipe makes (empty: they are it)."""
    name = package_name(rendered)
    run = (rendered.get("requirements") or {}).get("run") or []
    wanted = _names([r for r in run if isinstance(r, str)])
    found = []
    for record in records:
        if record.name != name or record.version != version:
            found.append(f"{record.file_name} is {record.name} {record.version}, not {name} {version}")
            continue
        have = _names(record.depends)
        lacks, more = sorted(wanted - have), sorted(have - wanted)
        if lacks or more:
            found.append(f"{record.subdir}/{record.file_name} depends on {', '.join(sorted(have)) or 'nothing'}; "
                         f"the tag's recipe on {', '.join(sorted(wanted)) or 'nothing'}")
    return found


def check(rendered: dict, version: str, records: list[conda.ChannelRecord]) -> None:
    found = problems(rendered, version, records)
    if found:
        for line in found[1:]:
            ui.info(f"  - {line}")
        raise PublishedMismatch(f"CI published another conda package of {version} than the tag's recipe makes: "
                                f"{found[0]}" + (f" (and {len(found) - 1} more, listed above)" if found[1:] else ""),
                                "the channel keeps that file: find why CI's conda build differs, then remove it "
                                "from the channel or release a new version")
    ui.info(f"the conda package of {version} on the channel is the tag's recipe's: "
            + ", ".join(f"{r.subdir}/{r.file_name}" for r in records))


def uploaded(project: Project, version: str) -> bool:
    """The truth on resume: the channel serves the tag's recipe's package of ``version``, and it is it."""
    if not ci_upload.preview_files(project, version):
        return False
    rendered = lint_conda_recipe(project, version, preview_sdist(project, version))
    records = served(project, version, package_name(rendered))
    return bool(records) and all(r.sha256 for r in records) and not problems(rendered, version, records)


def verify(project: Project, version: str, hosts: list[str] | None = None) -> str:
    """Install the package from the channel into a fresh prefix (py-rattler) and import it there; the
    same on every host in ``hosts``."""
    rendered = lint_conda_recipe(project, version, preview_sdist(project, version))
    return conda_staging.verify_from(project, version, project.settings["conda.label"], hosts,
                                     name=package_name(rendered))


def plan_lines(project: Project, version: str) -> list[str]:
    s = project.settings
    return [f"render the conda recipe ({s['conda.recipe']}) from the preview sdist; lint it",
            f"poll {channel(project)} until it serves the recipe's package {version} with a sha256 "
            f"(at most {s['wait.timeout']:.0f}s)",
            "compare each served file's name, version and run requirements with the recipe's"]
