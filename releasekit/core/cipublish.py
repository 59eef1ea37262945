"""The publish workflows (``publish: ci``): a pushed release tag builds, checks and uploads. Pure.

With Trusted Publishing the CI job, not a laptop, holds the right to upload: it trades its OIDC
identity for a short-lived token, and only such uploads may carry PEP 740 attestations. The jobs
are split so that each holds the least it needs: ``build`` reads the code and keeps the files as
an artifact; ``pypi`` (environment ``pypi``) may only mint an OIDC token and upload; ``conda``
(environment ``anaconda``) sees the anaconda.org token, nothing else does; ``forge_release`` may
write the repository's releases. GitHub's file is hardened as zizmor's audits ask (see
:mod:`releasekit.core.ciconfig`); GitLab's uses ``id_tokens`` and twine's Trusted Publishing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from releasekit.core import ciactions
from releasekit.core.ciconfig import _dump, _version_from_tag
from releasekit.core.ciinstall import Pin

PATHS = {"github": ".github/workflows/releasekit-publish.yml", "gitlab": ".gitlab-ci.yml"}
PYPI_ENVIRONMENT = "pypi"
CONDA_ENVIRONMENT = "anaconda"
FORGE_ENVIRONMENT = "release"
# Twine makes the Trusted Publishing exchange itself from 6.1 on (its `id` dependency reads the
# GitLab job's PYPI_ID_TOKEN); releasekit itself asks only for twine>=5.
TWINE_TRUSTED = "twine>=6.1"
# The forge task another part of releasekit provides; ``{version}`` becomes the tag's version.
FORGE_RELEASE = "forge.release --version {version} --yes"  # a CI job has no terminal to ask
ARTIFACT_DIST = "dist"
ARTIFACT_CONDA = "conda"


@dataclass
class PublishWorkflow:
    pin: Pin                              # how the project pins releasekit (see ciinstall)
    python: str = "3.12"                  # the Python the release jobs run on
    tag_template: str = "{version}"
    dist_dir: str = "dist"
    conda: bool = False                   # build and upload the conda package too
    conda_dir: str = "conda-dist"
    forge_release: str | None = None      # e.g. FORGE_RELEASE; None: no forge job
    needs_forge: list[str] = field(default_factory=list)


def tag_glob(template: str) -> str:
    """The tag filter of GitHub's ``on.push.tags`` for a tag template: ``v{version}`` -> ``v[0-9]*``.

    A version starts with a digit, so ``{version}`` alone does not match every tag (``latest``).
    The template's own characters that a filter pattern treats specially are escaped."""
    prefix, _, suffix = template.partition("{version}")

    def literal(text: str) -> str:
        return re.sub(r"([*+?!\[\]\\])", r"\\\1", text)

    return f"{literal(prefix)}[0-9]*{literal(suffix)}"


def tag_regex(template: str) -> str:
    """The same as a GitLab rules regex: ``v{version}`` -> ``/^v[0-9].*$/``."""
    prefix, _, suffix = template.partition("{version}")

    def literal(text: str) -> str:
        return re.escape(text).replace("/", r"\/")

    return f"/^{literal(prefix)}[0-9].*{literal(suffix)}$/"


def _forge_command(w: PublishWorkflow, ref_var: str) -> str:
    assert w.forge_release is not None
    return "releasekit " + w.forge_release.replace("{version}", _version_from_tag(w.tag_template, ref_var))


# --- GitHub Actions ----------------------------------------------------------------------------------------------


def github(w: PublishWorkflow) -> str:
    checkout = {"uses": ciactions.uses("actions/checkout"), "with": {"persist-credentials": False}}
    python = {"uses": ciactions.uses("actions/setup-python"), "with": {"python-version": w.python}}
    dist = f"{w.dist_dir.rstrip('/')}/"

    def download(name: str, path: str) -> dict[str, Any]:
        return {"uses": ciactions.uses("actions/download-artifact"), "with": {"name": name, "path": path}}

    def upload(name: str, path: str) -> dict[str, Any]:
        return {"uses": ciactions.uses("actions/upload-artifact"),
                "with": {"name": name, "path": path, "if-no-files-found": "error"}}

    publish_with: dict[str, Any] = {"packages-dir": dist}
    if ciactions.makes_attestations():
        publish_with["attestations"] = True
    jobs: dict[str, Any] = {
        "build": {
            "runs-on": "ubuntu-latest",
            "permissions": {"contents": "read"},
            "steps": [
                checkout, python, {"run": w.pin.install_command()},
                {"shell": "bash", "run": 'releasekit dist.pypi --ref "$GITHUB_REF_NAME"'},
                {"shell": "bash", "run": 'releasekit dist.check --ref "$GITHUB_REF_NAME"'},
                upload(ARTIFACT_DIST, dist),
            ],
        },
        "pypi": {
            "needs": ["build"],
            "runs-on": "ubuntu-latest",
            "environment": PYPI_ENVIRONMENT,
            "permissions": {"id-token": "write"},  # Trusted Publishing; the only right this job has
            "steps": [download(ARTIFACT_DIST, dist),
                      {"uses": ciactions.uses("pypa/gh-action-pypi-publish"), "with": publish_with}],
        },
    }
    if w.conda:
        jobs["conda"] = {
            "needs": ["build"],
            "runs-on": "ubuntu-latest",
            "environment": CONDA_ENVIRONMENT,
            "permissions": {"contents": "read"},
            "steps": [
                checkout, python, {"run": w.pin.install_command("conda")}, download(ARTIFACT_DIST, dist),
                {"run": "releasekit dist.conda"},
                {"run": "releasekit upload.conda --yes",
                 "env": {"ANACONDA_API_TOKEN": "${{ secrets.ANACONDA_API_TOKEN }}"}},
                upload(ARTIFACT_CONDA, f"{w.conda_dir.rstrip('/')}/"),
            ],
        }
    if w.forge_release:
        assets = [download(ARTIFACT_DIST, dist)]
        if w.conda:
            assets.append(download(ARTIFACT_CONDA, f"{w.conda_dir.rstrip('/')}/"))
        jobs["forge_release"] = {
            "needs": ["pypi", *(["conda"] if w.conda else []), *w.needs_forge],
            "runs-on": "ubuntu-latest",
            "environment": FORGE_ENVIRONMENT,
            "permissions": {"contents": "write"},  # create the release and upload its assets
            "steps": [checkout, python, {"run": w.pin.install_command()}, *assets,
                      {"shell": "bash", "run": _forge_command(w, "GITHUB_REF_NAME"),
                       "env": {"GITHUB_TOKEN": "${{ github.token }}"}}],
        }
    doc = {
        "name": "releasekit publish",
        "on": {"push": {"tags": [tag_glob(w.tag_template)]}},
        "permissions": {},
        "jobs": jobs,
    }
    head = ("# Written by `releasekit ci.config --release --provider github`; check it with `releasekit ci.check`.\n"
            f"# PyPI: add this workflow as a Trusted Publisher (environment `{PYPI_ENVIRONMENT}`).\n"
            f"# releasekit as pinned in {w.pin.source}.\n")
    if w.conda:
        head += f"# conda: the secret ANACONDA_API_TOKEN belongs to the environment `{CONDA_ENVIRONMENT}`.\n"
    if not ciactions.makes_attestations():
        head += (f"# Attestations need pypa/gh-action-pypi-publish {ciactions.ATTESTATIONS_SINCE} or later; "
                 f"the pinned {ciactions.PINS['pypa/gh-action-pypi-publish'].tag} makes none.\n")
    return head + ciactions.annotate(_dump(doc))


# --- GitLab CI ---------------------------------------------------------------------------------------------------


def gitlab(w: PublishWorkflow) -> str:
    rules = [{"if": f"$CI_COMMIT_TAG =~ {tag_regex(w.tag_template)}"}]
    image = f"python:{w.python}"
    dist = f"{w.dist_dir.rstrip('/')}/"
    jobs: dict[str, Any] = {
        "build": {
            "stage": "build", "image": image, "rules": rules,
            "script": [w.pin.install_command(), 'releasekit dist.pypi --ref "$CI_COMMIT_TAG"',
                       'releasekit dist.check --ref "$CI_COMMIT_TAG"'],
            "artifacts": {"paths": [dist]},
        },
        "pypi": {
            "stage": "publish", "image": image, "rules": rules, "needs": ["build"],
            "environment": {"name": PYPI_ENVIRONMENT},
            # twine asks PyPI for its audience (`pypi`), finds this token, and trades it at the index's
            # mint-token endpoint for a short-lived upload token: no password anywhere.
            "id_tokens": {"PYPI_ID_TOKEN": {"aud": "pypi"}},
            "script": [w.pin.install_command(also=(TWINE_TRUSTED,)), f"python -m twine upload {dist}*"],
        },
    }
    if w.conda:
        jobs["conda"] = {
            "stage": "publish", "image": image, "rules": rules, "needs": ["build"],
            "environment": {"name": CONDA_ENVIRONMENT},  # its ANACONDA_API_TOKEN variable is scoped to it
            "script": [w.pin.install_command("conda"), "releasekit dist.conda", "releasekit upload.conda --yes"],
            "artifacts": {"paths": [f"{w.conda_dir.rstrip('/')}/"]},
        }
    stages = ["build", "publish"]
    if w.forge_release:
        stages.append("release")
        jobs["forge_release"] = {
            "stage": "release", "image": image, "rules": rules,
            "needs": ["build", "pypi", *(["conda"] if w.conda else []), *w.needs_forge],
            "environment": {"name": FORGE_ENVIRONMENT},  # its GITLAB_TOKEN variable is scoped to it
            "script": [w.pin.install_command(), _forge_command(w, "CI_COMMIT_TAG")],
        }
    doc = {"stages": stages, **jobs}
    head = ("# Written by `releasekit ci.config --release --provider gitlab`; check it with `releasekit ci.check`.\n"
            f"# PyPI: add this project's pipeline as a Trusted Publisher (environment `{PYPI_ENVIRONMENT}`).\n"
            f"# releasekit as pinned in {w.pin.source}.\n")
    if w.conda:
        head += (f"# conda: ANACONDA_API_TOKEN is needed as a masked CI/CD variable (Settings > CI/CD > Variables), "
                 f"scoped to the environment `{CONDA_ENVIRONMENT}`.\n")
    return head + _dump(doc)


GENERATORS = {"github": github, "gitlab": gitlab}
REQUIRED_JOBS = ("build", "pypi")
