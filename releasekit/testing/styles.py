"""Sample projects in the styles real maintainers keep, for releasing "as the project has it".

Each maker writes a small project as one kind of maintainer keeps it: its
build backend, its version source, its changelog format and its tags, with
an earlier release already made in that style (tagged, its changelog section
written) and some work since. Like :func:`~releasekit.testing.sample.make_sample_project`
(whose helpers these reuse) the project is a git repository pushed to a bare
``file://`` remote called ``origin``.

Each :class:`Style` also carries, as data, what releasekit should find in it
(:class:`Conventions`: what ``releasekit config``/``init`` detects) and what
releasing it must leave behind (:class:`ReleaseEnd`), so the end-to-end tests
assert one table instead of re-deriving expectations per test.

The changelogs copy only the *shape* of real ones (their headers, link lines
and spacing); the text is written here. Where a shape came from is said at
each template.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from releasekit.testing.sample import (
    DEFAULT_README,
    GITIGNORE,
    LICENSE,
    TEST_PY,
    SampleProject,
    git,
    git_env,
    init_git,
    make_sample_project,
    write_files,
)

# --- what the tables say ------------------------------------------------------------------------


@dataclass(frozen=True)
class Conventions:
    """What detection should find in the project: the settings that would pin it (DESIGN §3)."""

    changelog_format: str  # wip | keepachangelog | towncrier | rst | none
    changelog: str | None  # the changelog file, relative to the project
    version_source: str  # file | files | scm
    version_files: tuple[str, ...]  # "path" or "path:pattern" ({version} marks the literal); () for scm
    version_policy: str  # dev (main at X.Y.Z.dev0) | release (main at the last release, or scm)
    tag: str  # the tag template the existing release tags follow
    release_branch: str | None  # None: released from main with a tag only
    build_backend: str  # [build-system].build-backend
    main_branch: str = "main"


@dataclass(frozen=True)
class ReleaseEnd:
    """What ``releasekit release --yes --part PART --date DATE`` must leave, on the remote's main.

    Strings may hold ``{date}``, ``{name}`` and ``{package}``, filled in by :meth:`Style.release_end`.
    """

    part: str  # the --part given (dev-policy styles release the WIP version whatever the part)
    version: str  # the version released: the tag's, the artifacts', the index's
    tag: str
    tag_on: str  # the branch on the remote whose history holds the tag's commit
    branches: tuple[str, ...]  # every branch on the remote afterwards
    main_version: str | None  # what main's version files say afterwards; None: no version file (scm)
    new_commits_on_main: int  # commits the release adds to main (1 release commit; +1 dev-cycle commit)
    files: Mapping[str, tuple[str, ...]]  # path on main -> snippets it must contain afterwards
    absent: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # path -> snippets gone from it
    gone: tuple[str, ...] = ()  # paths on main before, removed by the release (built news fragments)
    changelog_order: tuple[str, ...] = ()  # snippets of main's changelog, in this order, top to bottom
    changelog_kept: tuple[str, ...] = ()  # earlier sections, byte for byte as they were
    notes: tuple[str, ...] = ()  # what the release's notes (changelog.show / forge.notes) include
    note: str = ""  # what the end state leaves open to the convention work


@dataclass(frozen=True)
class Style:
    key: str
    title: str
    make: Callable[..., StyleProject]
    conventions: Conventions
    last_release: str  # the newest release already tagged
    last_tag: str
    build_version: str  # a build of main's HEAD now: "{node}" stands for git's short hash (g<node>)
    release: ReleaseEnd
    shape: str  # where the changelog's and the layout's shape came from

    def release_end(self, project: SampleProject, date: str) -> ReleaseEnd:
        """:attr:`release` for ``project`` released on ``date`` (YYYY-MM-DD)."""
        def one(text: str) -> str:
            return expand(text, project).replace("{date}", date)

        def fill(items: tuple[str, ...]) -> tuple[str, ...]:
            return tuple(one(s) for s in items)

        r = self.release
        return replace(r, files={one(k): fill(v) for k, v in r.files.items()},
                       absent={one(k): fill(v) for k, v in r.absent.items()}, gone=fill(r.gone),
                       changelog_order=fill(r.changelog_order), changelog_kept=fill(r.changelog_kept),
                       notes=fill(r.notes))

    def conventions_for(self, project: SampleProject) -> Conventions:
        """:attr:`conventions` with ``{package}`` filled in for ``project``."""
        c = self.conventions
        return replace(c, version_files=tuple(expand(f, project) for f in c.version_files))


@dataclass
class StyleProject(SampleProject):
    """A sample project of one :class:`Style`. ``version`` is what main's files say (the scm
    styles: the last release tag's version); ``extra_version_files`` the other files that hold it."""

    style_key: str = ""
    extra_version_files: tuple[Path, ...] = ()

    @property
    def style(self) -> Style:
        return STYLES[self.style_key]


# --- writing a project and its history ------------------------------------------------------------


def _common(name: str, package: str) -> dict[str, str]:
    fmt = {"name": name, "package": package}
    return {
        "README.md": DEFAULT_README.format(**fmt),
        "LICENSE": LICENSE,
        ".gitignore": GITIGNORE,
        "tests/test_basic.py": TEST_PY.format(**fmt),
    }


def _package(name: str) -> str:
    return name.replace("-", "_").replace(".", "_").lower()


def _start(root: Path, name: str, files: dict[str, str], message: str,
           prepare: Callable[[Path], None] | None = None) -> tuple[Path, Path]:
    """Write ``files``, run ``prepare`` on the folder (e.g. ``uv lock``), make the first commit and push it."""
    path, remote = Path(root) / name, Path(root) / "remote.git"
    for taken in (path, remote):
        if taken.exists():
            raise FileExistsError(f"{taken} already exists; use another root for each sample project")
    write_files(path, files)
    if prepare:
        prepare(path)
    init_git(path, remote, "main", message)
    return path, remote


def _commit(path: Path, files: dict[str, str], message: str, *, remove: tuple[str, ...] = ()) -> None:
    write_files(path, files)
    for rel in remove:
        git(path, "rm", "--quiet", rel)
    git(path, "add", "-A")
    git(path, "commit", "--quiet", "-m", message)


def _tag(path: Path, tag: str) -> None:
    """An annotated tag whose message is the tag, as releasekit's tag step makes it."""
    git(path, "tag", "-a", tag, "-m", tag)


def _push(path: Path, *refs: str) -> None:
    git(path, "push", "--quiet", "origin", "main", *refs)
    git(path, "push", "--quiet", "origin", "--tags")


def _project(path: Path, remote: Path, name: str, key: str, version: str, version_file: str | None,
             changelog: str | None, extra: tuple[str, ...] = ()) -> StyleProject:
    return StyleProject(
        path=path, name=name, package=_package(name), version=version,
        version_file=path / version_file if version_file else None,
        changelog=path / changelog if changelog else None, readme=path / "README.md", remote=remote,
        style_key=key, extra_version_files=tuple(path / e for e in extra),
    )


# --- 1. setuptools, version.py, wip CHANGES.md, bare tags, release branches (today's sample) ------------

# fastai's CHANGES.md shape (fastai/fastai): "## X.Y.Z.dev0 (Work In Progress)" above "## X.Y.Z (date)".
WIP_010 = """## 0.1.0 (2026-03-14)

### New:

- First release: `{package}.__version__`.



"""
WIP_HEAD = """# Changes

Notable changes to {name}, newest first.

"""
WIP_CYCLE = """## {version} (Work In Progress)

### New:

{new}
### Changed:

### Fixed:

{fixed}

"""


def make_setuptools_wip(root: Path, name: str = "wipkeep") -> StyleProject:
    """fastai's style: main at 0.1.1.dev0; 0.1.0 released from release-0.1.0 and tagged ``0.1.0`` there."""
    package = _package(name)
    first = WIP_HEAD.format(name=name) + WIP_CYCLE.format(
        version="0.1.0.dev0", new=f"- First release: `{package}.__version__`.\n", fixed="")
    sample = make_sample_project(root, name, "0.1.0.dev0", changelog=first)
    path = sample.path
    version_py = f"{package}/version.py"
    git(path, "checkout", "--quiet", "-b", "release-0.1.0")
    _commit(path, {version_py: "__version__ = '0.1.0'\n",
                   "CHANGES.md": WIP_HEAD.format(name=name) + WIP_010.format(package=package)}, "0.1.0 release")
    _tag(path, "0.1.0")
    git(path, "checkout", "--quiet", "main")
    cycle = WIP_CYCLE.format(version="0.1.1.dev0", new="", fixed="")
    _commit(path, {version_py: "__version__ = '0.1.1.dev0'\n",
                   "CHANGES.md": WIP_HEAD.format(name=name) + cycle + WIP_010.format(package=package)},
            "0.1.1.dev0: the next cycle")
    work = WIP_CYCLE.format(version="0.1.1.dev0", new=f"- `{package}.greet()` takes a `name`.\n",
                            fixed="- The README example runs as written.\n")
    _commit(path, {"CHANGES.md": WIP_HEAD.format(name=name) + work + WIP_010.format(package=package)},
            "greet takes a name")
    _push(path, "release-0.1.0")
    assert sample.remote is not None
    return _project(path, sample.remote, name, "setuptools-wip", "0.1.1.dev0", version_py, "CHANGES.md")


# --- 2. hatchling, static [project].version, Keep a Changelog with compare links, v tags, release policy ---

# keepachangelog.com's own CHANGELOG.md shape (olivierlacan/keep-a-changelog): "## [Unreleased]",
# "## [1.1.0] - date", "### Added", and compare links at the bottom, GitHub style.
KAC_HEAD = """# Changelog

All notable changes to this project will be documented in this file.

The format is based on [Keep a Changelog](https://keepachangelog.com/en/1.1.0/),
and this project adheres to [Semantic Versioning](https://semver.org/spec/v2.0.0.html).

"""
HATCH_UNRELEASED = """## [Unreleased]

### Added

- `{package}.greet()` takes a `punctuation` argument.

### Fixed

- `greet("")` no longer returns a lone comma.

"""
HATCH_EARLIER = """## [1.1.0] - 2026-02-10

### Added

- `{package}.greet()`.

### Deprecated

- `{package}.hello()`: use `greet()`.

## [1.0.0] - 2026-01-05

### Added

- First release.

"""
HATCH_LINKS = """[Unreleased]: https://github.com/example/{name}/compare/v{last}...HEAD
[1.1.0]: https://github.com/example/{name}/compare/v1.0.0...v1.1.0
[1.0.0]: https://github.com/example/{name}/releases/tag/v1.0.0
"""
HATCH_PYPROJECT = """[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"

[project]
name = "{name}"
version = "{version}"
description = "A sample project kept the hatchling way."
readme = "README.md"
license = "Apache-2.0"
requires-python = ">=3.9"
authors = [{{ name = "releasekit tests", email = "tests@example.invalid" }}]

[project.urls]
Changelog = "https://github.com/example/{name}/blob/main/CHANGELOG.md"

[tool.hatch.build.targets.wheel]
packages = ["src/{package}"]
"""
SRC_INIT = '''"""{name}: a sample project."""

from importlib.metadata import version

__version__ = version("{name}")
'''


def make_hatchling_keepachangelog(root: Path, name: str = "hatchkeep") -> StyleProject:
    """main at 1.1.0 (the last release, tagged ``v1.1.0``), its Unreleased section holding the work since."""
    package = _package(name)
    fmt = {"name": name, "package": package}
    one = HATCH_EARLIER.split("## [1.0.0]")[1]
    files = {**_common(name, package), f"src/{package}/__init__.py": SRC_INIT.format(**fmt),
             "pyproject.toml": HATCH_PYPROJECT.format(version="1.0.0", **fmt),
             "CHANGELOG.md": KAC_HEAD + "## [Unreleased]\n\n## [1.0.0]" + one
             + f"[Unreleased]: https://github.com/example/{name}/compare/v1.0.0...HEAD\n"
             f"[1.0.0]: https://github.com/example/{name}/releases/tag/v1.0.0\n"}
    path, remote = _start(root, name, files, "First release")
    _tag(path, "v1.0.0")
    earlier = HATCH_EARLIER.format(**fmt)
    _commit(path, {"pyproject.toml": HATCH_PYPROJECT.format(version="1.1.0", **fmt),
                   "CHANGELOG.md": KAC_HEAD + "## [Unreleased]\n\n" + earlier + HATCH_LINKS.format(last="1.1.0", **fmt)},
            "Release 1.1.0")
    _tag(path, "v1.1.0")
    _commit(path, {"CHANGELOG.md": KAC_HEAD + HATCH_UNRELEASED.format(**fmt) + earlier
                   + HATCH_LINKS.format(last="1.1.0", **fmt)}, "greet: a punctuation argument")
    _push(path)
    return _project(path, remote, name, "hatchling-keepachangelog", "1.1.0", "pyproject.toml", "CHANGELOG.md")


# --- 3. hatch-vcs, towncrier fragments, v tags ----------------------------------------------------------

# attrs' shape (python-attrs/attrs): hatch-vcs for the version, towncrier fragments in changelog.d/ named
# <issue>.<type>.md, built into CHANGELOG.md below a start marker with "## [X](…/tree/X) - date" titles.
CRIER_PYPROJECT = """[build-system]
requires = ["hatchling", "hatch-vcs"]
build-backend = "hatchling.build"

[project]
name = "{name}"
dynamic = ["version"]
description = "A sample project kept the attrs way."
readme = "README.md"
license = "MIT"
requires-python = ">=3.9"

[tool.hatch.version]
source = "vcs"

[tool.hatch.build.targets.wheel]
packages = ["src/{package}"]

[tool.towncrier]
name = "{name}"
directory = "changelog.d"
filename = "CHANGELOG.md"
start_string = "<!-- towncrier release notes start -->\\n"
underlines = ["", "", ""]
title_format = "## [{{version}}](https://github.com/example/{name}/tree/v{{version}}) - {{project_date}}"
issue_format = "[#{{issue}}](https://github.com/example/{name}/issues/{{issue}})"

[[tool.towncrier.type]]
directory = "breaking"
name = "Backwards-incompatible Changes"
showcontent = true

[[tool.towncrier.type]]
directory = "deprecation"
name = "Deprecations"
showcontent = true

[[tool.towncrier.type]]
directory = "change"
name = "Changes"
showcontent = true
"""
CRIER_CHANGELOG = """# Changelog

Changes for each release, newest first. The next release's news fragments live in `changelog.d/`.

<!-- towncrier release notes start -->
"""
CRIER_FRAGMENTS_030 = {
    "changelog.d/7.change.md": "`greet()` accepts any object with a `name` attribute.\n",
    "changelog.d/9.deprecation.md": "`hello()` is deprecated; use `greet()`.\n",
}
CRIER_FRAGMENTS_NEXT = {
    "changelog.d/12.change.md": "`greet()` takes a `punctuation` argument.\n",
    "changelog.d/14.breaking.md": "`hello()` is gone.\n",
}


def make_hatchvcs_towncrier(root: Path, name: str = "vcscrier") -> StyleProject:
    """Tagged ``v0.3.0`` (its section built by towncrier itself), then two commits of news fragments."""
    package = _package(name)
    fmt = {"name": name, "package": package}
    files = {**_common(name, package), f"src/{package}/__init__.py": SRC_INIT.format(**fmt),
             "pyproject.toml": CRIER_PYPROJECT.format(**fmt), "CHANGELOG.md": CRIER_CHANGELOG,
             "changelog.d/.gitkeep": ""}
    path, remote = _start(root, name, files, "Start")
    _commit(path, CRIER_FRAGMENTS_030, "greet any named object; deprecate hello")
    towncrier(path, "build", "--version", "0.3.0", "--date", "2026-02-20", "--yes")
    git(path, "add", "-A")
    git(path, "commit", "--quiet", "-m", "Release 0.3.0")
    _tag(path, "v0.3.0")
    first, second = list(CRIER_FRAGMENTS_NEXT.items())
    _commit(path, dict([first]), "greet: a punctuation argument")
    _commit(path, dict([second]), "Remove hello")
    _push(path)
    return _project(path, remote, name, "hatchvcs-towncrier", "0.3.0", None, "CHANGELOG.md")


def towncrier(path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run this interpreter's towncrier in ``path`` (git as the sample's own commands run it)."""
    result = subprocess.run([sys.executable, "-m", "towncrier", *args], cwd=path, env=git_env(),
                            capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"towncrier {' '.join(args)} failed in {path}: {result.stdout}{result.stderr}")
    return result


# --- 4. setuptools-scm, Keep a Changelog (GitLab links), bare tags ----------------------------------------

# Keep a Changelog again, with GitLab's compare URLs (https://gitlab.com/G/P/-/compare/A...B) as GitLab-hosted
# projects write them, and setuptools-scm writing src/<package>/_version.py at build time (git-ignored).
SCM_PYPROJECT = """[build-system]
requires = ["setuptools>=64", "setuptools-scm>=8"]
build-backend = "setuptools.build_meta"

[project]
name = "{name}"
dynamic = ["version"]
description = "A sample project versioned by setuptools-scm."
readme = "README.md"
requires-python = ">=3.9"

[tool.setuptools_scm]
version_file = "src/{package}/_version.py"
"""
SCM_INIT = '''"""{name}: a sample project."""

from {package}._version import __version__

__all__ = ["__version__"]
'''
SCM_UNRELEASED = """## [Unreleased]

### Fixed

- `greet()` strips the name it is given.

"""
SCM_EARLIER = """## [2.3.0] - 2026-03-02

### Added

- `greet()` learned `--shout`.

### Security

- The greeting no longer echoes control characters.

## [2.2.0] - 2026-01-20

### Changed

- `greet()` returns `str`, not `bytes`.

"""
SCM_LINKS = """[Unreleased]: https://gitlab.com/example/{name}/-/compare/2.3.0...HEAD
[2.3.0]: https://gitlab.com/example/{name}/-/compare/2.2.0...2.3.0
[2.2.0]: https://gitlab.com/example/{name}/-/tags/2.2.0
"""


def make_setuptools_scm_keepachangelog(root: Path, name: str = "scmkeep") -> StyleProject:
    """Tagged ``2.2.0`` then ``2.3.0`` (bare tags); one fix since, in the Unreleased section."""
    package = _package(name)
    fmt = {"name": name, "package": package}
    older = SCM_EARLIER.split("## [2.2.0]")[1]
    files = {**_common(name, package), ".gitignore": GITIGNORE + f"src/{package}/_version.py\n",
             f"src/{package}/__init__.py": SCM_INIT.format(**fmt), "pyproject.toml": SCM_PYPROJECT.format(**fmt),
             "CHANGELOG.md": KAC_HEAD + "## [Unreleased]\n\n## [2.2.0]" + older
             + f"[Unreleased]: https://gitlab.com/example/{name}/-/compare/2.2.0...HEAD\n"
             f"[2.2.0]: https://gitlab.com/example/{name}/-/tags/2.2.0\n"}
    path, remote = _start(root, name, files, "Release 2.2.0")
    _tag(path, "2.2.0")
    _commit(path, {"CHANGELOG.md": KAC_HEAD + "## [Unreleased]\n\n" + SCM_EARLIER + SCM_LINKS.format(**fmt)},
            "Release 2.3.0")
    _tag(path, "2.3.0")
    _commit(path, {"CHANGELOG.md": KAC_HEAD + SCM_UNRELEASED + SCM_EARLIER + SCM_LINKS.format(**fmt)},
            "greet strips the name")
    _push(path)
    return _project(path, remote, name, "setuptools-scm-keepachangelog", "2.3.0", None, "CHANGELOG.md")


# --- 5. poetry-core, [tool.poetry].version, CHANGELOG.md ----------------------------------------------------

# python-poetry/poetry's CHANGELOG.md shape: "## [X] - date" with Added/Changed/Fixed, two blank lines between
# releases, "[Unreleased]: …/compare/X...main" and each release linked to its tag page; bare tags.
POETRY_PYPROJECT = """[tool.poetry]
name = "{name}"
version = "{version}"
description = "A sample project kept the poetry way."
authors = ["releasekit tests <tests@example.invalid>"]
license = "MIT"
readme = "README.md"
packages = [{{ include = "{package}" }}]

[tool.poetry.dependencies]
python = "^3.9"

[build-system]
requires = ["poetry-core>=1.0.0"]
build-backend = "poetry.core.masonry.api"
"""
POETRY_UNRELEASED = """## [Unreleased]

### Added

- `greet()` takes a `locale`.


"""
POETRY_EARLIER = """## [1.4.2] - 2026-02-28

### Fixed

- `greet()` no longer fails on an empty name.


## [1.4.1] - 2026-01-30

### Changed

- Require Python 3.9 or newer.


"""
POETRY_LINKS = """[Unreleased]: https://github.com/example/{name}/compare/1.4.2...main
[1.4.2]: https://github.com/example/{name}/releases/tag/1.4.2
[1.4.1]: https://github.com/example/{name}/releases/tag/1.4.1
"""
POETRY_HEAD = "# Change Log\n\n"


def make_poetry_changelog(root: Path, name: str = "poetrykeep") -> StyleProject:
    """``[tool.poetry].version`` at 1.4.2, the last release (tags ``1.4.1``, ``1.4.2``)."""
    package = _package(name)
    fmt = {"name": name, "package": package}
    older = POETRY_EARLIER.split("## [1.4.1]")[1]
    files = {**_common(name, package), f"{package}/__init__.py": f'"""{name}: a sample project."""\n',
             "pyproject.toml": POETRY_PYPROJECT.format(version="1.4.1", **fmt),
             "CHANGELOG.md": POETRY_HEAD + "## [1.4.1]" + older
             + f"[Unreleased]: https://github.com/example/{name}/compare/1.4.1...main\n"
             f"[1.4.1]: https://github.com/example/{name}/releases/tag/1.4.1\n"}
    path, remote = _start(root, name, files, "Release 1.4.1")
    _tag(path, "1.4.1")
    _commit(path, {"pyproject.toml": POETRY_PYPROJECT.format(version="1.4.2", **fmt),
                   "CHANGELOG.md": POETRY_HEAD + POETRY_EARLIER + POETRY_LINKS.format(**fmt)}, "Release 1.4.2")
    _tag(path, "1.4.2")
    _commit(path, {"CHANGELOG.md": POETRY_HEAD + POETRY_UNRELEASED + POETRY_EARLIER + POETRY_LINKS.format(**fmt)},
            "greet: a locale")
    _push(path)
    return _project(path, remote, name, "poetry-changelog", "1.4.2", "pyproject.toml", "CHANGELOG.md")


# --- 6. flit-core, __version__ in __init__.py, CHANGES.rst ------------------------------------------------

# The Pallets projects' CHANGES.rst shape (pallets/click, pallets/jinja): "Version X.Y.Z" underlined with
# dashes, then "Released date" or "Unreleased", "-   " bullets, two blank lines between versions; bare
# tags; main carries the next version as a dev version (Pallets write "2.1.0.dev", normalized here to .dev0).
FLIT_PYPROJECT = """[build-system]
requires = ["flit_core>=3.4,<5"]
build-backend = "flit_core.buildapi"

[project]
name = "{name}"
dynamic = ["version", "description"]
readme = "README.md"
license = {{ file = "LICENSE" }}
requires-python = ">=3.9"
authors = [{{ name = "releasekit tests", email = "tests@example.invalid" }}]

[tool.flit.module]
name = "{package}"
"""
FLIT_INIT = '''"""{name}: a sample project kept the flit way."""

__version__ = "{version}"
'''
RST_UNRELEASED = """Version 2.1.0
-------------

Unreleased

-   Add a ``--color`` option. :issue:`12`
-   ``greet()`` accepts ``pathlib.Path`` names. :pr:`15`


"""
RST_EARLIER = """Version 2.0.0
-------------

Released 2026-02-01

-   Drop support for Python 3.8.
-   ``greet()`` returns ``str``. :pr:`9`


Version 1.9.1
-------------

Released 2025-11-20

-   Fix the wheel's metadata. :issue:`7`
"""


def make_flit_rst(root: Path, name: str = "flitrst") -> StyleProject:
    """``__version__ = "2.1.0.dev0"`` on main; 2.0.0 released and tagged ``2.0.0`` (1.9.1 before it)."""
    package = _package(name)
    fmt = {"name": name, "package": package}
    init = f"{package}/__init__.py"
    older = "Version 1.9.1" + RST_EARLIER.split("Version 1.9.1")[1]
    files = {**_common(name, package), init: FLIT_INIT.format(version="1.9.1", **fmt),
             "pyproject.toml": FLIT_PYPROJECT.format(**fmt), "CHANGES.rst": older}
    path, remote = _start(root, name, files, "Release version 1.9.1")
    _tag(path, "1.9.1")
    _commit(path, {init: FLIT_INIT.format(version="2.0.0", **fmt), "CHANGES.rst": RST_EARLIER},
            "Release version 2.0.0")
    _tag(path, "2.0.0")
    _commit(path, {init: FLIT_INIT.format(version="2.1.0.dev0", **fmt), "CHANGES.rst": RST_UNRELEASED + RST_EARLIER},
            "Start version 2.1.0")
    _push(path)
    return _project(path, remote, name, "flit-rst", "2.1.0.dev0", init, "CHANGES.rst")


# --- 7. pdm-backend with its scm version source, no changelog --------------------------------------------

# pdm-backend's documented scm source ([tool.pdm.version] source = "scm"); v tags; no changelog file: the
# release notes are the commit subjects since the last tag.
PDM_PYPROJECT = """[build-system]
requires = ["pdm-backend"]
build-backend = "pdm.backend"

[project]
name = "{name}"
dynamic = ["version"]
description = "A sample project versioned by pdm-backend's scm source."
readme = "README.md"
license = {{ text = "MIT" }}
requires-python = ">=3.9"

[tool.pdm.version]
source = "scm"
"""
PDM_SUBJECTS = ("Add greet()", "greet: accept bytes", "Fix the README example")


def make_pdm_scm(root: Path, name: str = "pdmscm") -> StyleProject:
    """Tagged ``v0.8.0`` and ``v0.9.0``; three commits since, whose subjects are the next notes."""
    package = _package(name)
    fmt = {"name": name, "package": package}
    src = f"src/{package}/__init__.py"
    files = {**_common(name, package), src: SRC_INIT.format(**fmt), "pyproject.toml": PDM_PYPROJECT.format(**fmt)}
    path, remote = _start(root, name, files, "First release")
    _tag(path, "v0.8.0")
    _commit(path, {src: SRC_INIT.format(**fmt) + "\n\ndef hello() -> str:\n    return 'hello'\n"}, "Add hello()")
    _tag(path, "v0.9.0")
    body = SRC_INIT.format(**fmt) + "\n\ndef hello() -> str:\n    return 'hello'\n"
    _commit(path, {src: body + "\n\ndef greet(name: str) -> str:\n    return f'hello {name}'\n"}, PDM_SUBJECTS[0])
    _commit(path, {src: body + "\n\ndef greet(name) -> str:\n    if isinstance(name, bytes):\n"
                   "        name = name.decode()\n    return f'hello {name}'\n"}, PDM_SUBJECTS[1])
    _commit(path, {"README.md": DEFAULT_README.format(**fmt).replace("print(", "print('version', ")},
            PDM_SUBJECTS[2])
    _push(path)
    return _project(path, remote, name, "pdm-scm", "0.9.0", None, None)


# --- 8. uv_build, uv.lock, three version files --------------------------------------------------------------

# uv's project layout (`uv init --lib`: src/<package>, the uv_build backend, uv.lock), with the version
# written in three places as many projects keep it: pyproject.toml, __init__.py and Sphinx's docs/conf.py.
UV_PYPROJECT = """[project]
name = "{name}"
version = "{version}"
description = "A sample project kept the uv way."
readme = "README.md"
requires-python = ">=3.9"
dependencies = []

[build-system]
requires = ["uv_build>=0.13,<0.14"]
build-backend = "uv_build"
"""
UV_INIT = '''"""{name}: a sample project."""

__version__ = "{version}"
'''
UV_CONF = '''"""Sphinx configuration."""

project = "{name}"
release = "{version}"
version = ".".join(release.split(".")[:2])
extensions = []
'''
UV_CHANGELOG_HEAD = "# Changelog\n\n"
UV_UNRELEASED = """## Unreleased

### Added

- `greet()` takes a `greeting`.

"""
UV_EARLIER = """## 0.5.0 - 2026-03-08

### Changed

- The package moved to a src layout.

## 0.4.0 - 2026-02-01

### Added

- `greet()`.

"""


def make_uv_three_files(root: Path, name: str = "uvthree") -> StyleProject:
    """Version 0.5.0 in pyproject.toml, src/<package>/__init__.py and docs/conf.py, locked in uv.lock."""
    package = _package(name)
    fmt = {"name": name, "package": package}
    init, conf = f"src/{package}/__init__.py", "docs/conf.py"

    def versioned(version: str) -> dict[str, str]:
        return {"pyproject.toml": UV_PYPROJECT.format(version=version, **fmt),
                init: UV_INIT.format(version=version, **fmt), conf: UV_CONF.format(version=version, **fmt)}

    older = "## 0.4.0" + UV_EARLIER.split("## 0.4.0")[1]
    files = {**_common(name, package), **versioned("0.4.0"), "CHANGELOG.md": UV_CHANGELOG_HEAD + older}
    path, remote = _start(root, name, files, "Release 0.4.0", prepare=uv_lock)
    _tag(path, "v0.4.0")
    write_files(path, versioned("0.5.0"))
    uv_lock(path)
    _commit(path, {"CHANGELOG.md": UV_CHANGELOG_HEAD + UV_EARLIER}, "Release 0.5.0")
    _tag(path, "v0.5.0")
    _commit(path, {"CHANGELOG.md": UV_CHANGELOG_HEAD + UV_UNRELEASED + UV_EARLIER}, "greet: a greeting")
    _push(path)
    return _project(path, remote, name, "uv-three-files", "0.5.0", "pyproject.toml", "CHANGELOG.md",
                    extra=(init, conf))


def uv_lock(path: Path) -> None:
    """``uv lock`` offline: the project has no dependencies, so nothing is fetched from anywhere."""
    from releasekit.adapters.envs import hermetic_env, uv_binary

    uv = uv_binary()
    if uv is None:
        raise RuntimeError("uv is not installed; the uv sample style needs it to write uv.lock")
    env = dict(hermetic_env(), UV_OFFLINE="1")
    result = subprocess.run([uv, "lock", "--quiet"], cwd=path, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"uv lock failed in {path}: {result.stderr.strip()}")


# --- the table ---------------------------------------------------------------------------------------------

STYLES: dict[str, Style] = {}


def _add(style: Style) -> None:
    STYLES[style.key] = style


_add(Style(
    key="setuptools-wip",
    title="setuptools, version.py, wip CHANGES.md, bare tags, release branches (fastai's)",
    make=make_setuptools_wip,
    conventions=Conventions("wip", "CHANGES.md", "file", ("{package}/version.py",), "dev", "{version}",
                            "release-{version}", "setuptools.build_meta"),
    last_release="0.1.0", last_tag="0.1.0", build_version="0.1.1.dev0",
    release=ReleaseEnd(
        part="patch", version="0.1.1", tag="0.1.1", tag_on="release-0.1.1",
        branches=("main", "release-0.1.0", "release-0.1.1"), main_version="0.1.2.dev0", new_commits_on_main=1,
        files={"{package}/version.py": ("__version__ = '0.1.2.dev0'",)},
        changelog_order=("## 0.1.2.dev0 (Work In Progress)", "## 0.1.1 ({date})",
                         "- `{package}.greet()` takes a `name`.", "## 0.1.0 (2026-03-14)"),
        changelog_kept=(WIP_010,),
        notes=("- `{package}.greet()` takes a `name`.", "- The README example runs as written."),
        note="today's rite: the release commit is on release-0.1.1 (version 0.1.1, the dated section); "
             "main gets the one dev-cycle commit",
    ),
    shape="fastai/fastai CHANGES.md and its Makefile release",
))

_add(Style(
    key="hatchling-keepachangelog",
    title="hatchling, static [project].version, Keep a Changelog with compare links, v tags, release policy",
    make=make_hatchling_keepachangelog,
    conventions=Conventions("keepachangelog", "CHANGELOG.md", "file", ("pyproject.toml",), "release",
                            "v{version}", None, "hatchling.build"),
    last_release="1.1.0", last_tag="v1.1.0", build_version="1.1.0",
    release=ReleaseEnd(
        part="minor", version="1.2.0", tag="v1.2.0", tag_on="main", branches=("main",), main_version="1.2.0",
        new_commits_on_main=1,
        files={"pyproject.toml": ('version = "1.2.0"',),
               "CHANGELOG.md": ("[Unreleased]: https://github.com/example/{name}/compare/v1.2.0...HEAD",
                                "[1.2.0]: https://github.com/example/{name}/compare/v1.1.0...v1.2.0",
                                "[1.1.0]: https://github.com/example/{name}/compare/v1.0.0...v1.1.0")},
        absent={"CHANGELOG.md": ("compare/v1.1.0...HEAD",)},
        changelog_order=("## [Unreleased]", "## [1.2.0] - {date}", "### Added",
                         "- `{package}.greet()` takes a `punctuation` argument.", "## [1.1.0] - 2026-02-10"),
        changelog_kept=(HATCH_EARLIER,),
        notes=("- `{package}.greet()` takes a `punctuation` argument.", "- `greet(\"\")` no longer returns a lone comma."),
        note="the new [Unreleased] above [1.2.0] is empty; no dev-cycle commit",
    ),
    shape="olivierlacan/keep-a-changelog CHANGELOG.md",
))

_add(Style(
    key="hatchvcs-towncrier",
    title="hatch-vcs, towncrier fragments in changelog.d/, v tags",
    make=make_hatchvcs_towncrier,
    conventions=Conventions("towncrier", "CHANGELOG.md", "scm", (), "release", "v{version}", None,
                            "hatchling.build"),
    last_release="0.3.0", last_tag="v0.3.0", build_version="0.3.1.dev2+g{node}",
    release=ReleaseEnd(
        part="minor", version="0.4.0", tag="v0.4.0", tag_on="main", branches=("main",), main_version=None,
        new_commits_on_main=1,
        files={"CHANGELOG.md": ("`greet()` takes a `punctuation` argument. "
                                "([#12](https://github.com/example/{name}/issues/12))",
                                "`hello()` is gone. ([#14](https://github.com/example/{name}/issues/14))")},
        gone=tuple(CRIER_FRAGMENTS_NEXT),
        changelog_order=("<!-- towncrier release notes start -->",
                         "## [0.4.0](https://github.com/example/{name}/tree/v0.4.0) - {date}",
                         "### Backwards-incompatible Changes", "### Changes",
                         "## [0.3.0](https://github.com/example/{name}/tree/v0.3.0) - 2026-02-20"),
        notes=("`hello()` is gone.", "`greet()` takes a `punctuation` argument."),
        note="towncrier build --version 0.4.0 --yes makes the section and removes the fragments; the tag "
             "is made before the build and the artifacts are 0.4.0, no local part",
    ),
    shape="python-attrs/attrs (hatch-vcs, changelog.d/, towncrier into CHANGELOG.md)",
))

_add(Style(
    key="setuptools-scm-keepachangelog",
    title="setuptools-scm, Keep a Changelog with GitLab compare links, bare tags",
    make=make_setuptools_scm_keepachangelog,
    conventions=Conventions("keepachangelog", "CHANGELOG.md", "scm", (), "release", "{version}", None,
                            "setuptools.build_meta"),
    last_release="2.3.0", last_tag="2.3.0", build_version="2.3.1.dev1+g{node}",
    release=ReleaseEnd(
        part="patch", version="2.3.1", tag="2.3.1", tag_on="main", branches=("main",), main_version=None,
        new_commits_on_main=1,
        files={"CHANGELOG.md": ("[Unreleased]: https://gitlab.com/example/{name}/-/compare/2.3.1...HEAD",
                                "[2.3.1]: https://gitlab.com/example/{name}/-/compare/2.3.0...2.3.1",
                                "[2.3.0]: https://gitlab.com/example/{name}/-/compare/2.2.0...2.3.0")},
        absent={"CHANGELOG.md": ("compare/2.3.0...HEAD",)},
        changelog_order=("## [Unreleased]", "## [2.3.1] - {date}", "- `greet()` strips the name it is given.",
                         "## [2.3.0] - 2026-03-02"),
        changelog_kept=(SCM_EARLIER,),
        notes=("- `greet()` strips the name it is given.",),
        note="no file holds the version: only CHANGELOG.md changes in the release commit",
    ),
    shape="Keep a Changelog as GitLab-hosted projects write it (…/-/compare/A...B)",
))

_add(Style(
    key="poetry-changelog",
    title="poetry-core, [tool.poetry].version, CHANGELOG.md, bare tags",
    make=make_poetry_changelog,
    conventions=Conventions("keepachangelog", "CHANGELOG.md", "file", ("pyproject.toml",), "release",
                            "{version}", None, "poetry.core.masonry.api"),
    last_release="1.4.2", last_tag="1.4.2", build_version="1.4.2",
    release=ReleaseEnd(
        part="minor", version="1.5.0", tag="1.5.0", tag_on="main", branches=("main",), main_version="1.5.0",
        new_commits_on_main=1,
        files={"pyproject.toml": ('version = "1.5.0"',),
               "CHANGELOG.md": ("[Unreleased]: https://github.com/example/{name}/compare/1.5.0...main",
                                "[1.5.0]: https://github.com/example/{name}/releases/tag/1.5.0")},
        absent={"CHANGELOG.md": ("compare/1.4.2...main",)},
        changelog_order=("## [Unreleased]", "## [1.5.0] - {date}", "- `greet()` takes a `locale`.",
                         "## [1.4.2] - 2026-02-28"),
        changelog_kept=(POETRY_EARLIER,),
        notes=("- `greet()` takes a `locale`.",),
        note="[tool.poetry].version (not [project]); the file links each release to its tag page and "
             "[Unreleased] to ...main, so the new links follow that style",
    ),
    shape="python-poetry/poetry CHANGELOG.md",
))

_add(Style(
    key="flit-rst",
    title="flit-core, __version__ in __init__.py, CHANGES.rst (Pallets' shape), bare tags",
    make=make_flit_rst,
    conventions=Conventions("rst", "CHANGES.rst", "file", ("{package}/__init__.py",), "dev", "{version}", None,
                            "flit_core.buildapi"),
    last_release="2.0.0", last_tag="2.0.0", build_version="2.1.0.dev0",
    release=ReleaseEnd(
        part="patch", version="2.1.0", tag="2.1.0", tag_on="main", branches=("main",), main_version="2.1.1.dev0",
        new_commits_on_main=2,
        files={"{package}/__init__.py": ('__version__ = "2.1.1.dev0"',)},
        changelog_order=("Version 2.1.1\n-------------\n\nUnreleased", "Version 2.1.0\n-------------\n\nReleased {date}",
                         "-   Add a ``--color`` option. :issue:`12`", "Version 2.0.0\n-------------\n\nReleased 2026-02-01"),
        changelog_kept=(RST_EARLIER,),
        notes=("-   Add a ``--color`` option. :issue:`12`", "-   ``greet()`` accepts ``pathlib.Path`` names. :pr:`15`"),
        note="dev policy without a release branch: the tag is on main's release commit, then the dev-cycle "
             "commit; if the rst format is refused instead, the refusal names CHANGES.rst's format and "
             "changes nothing",
    ),
    shape="pallets/click and pallets/jinja CHANGES.rst",
))

_add(Style(
    key="pdm-scm",
    title="pdm-backend with its scm version source, v tags, no changelog",
    make=make_pdm_scm,
    conventions=Conventions("none", None, "scm", (), "release", "v{version}", None, "pdm.backend"),
    last_release="0.9.0", last_tag="v0.9.0", build_version="0.9.1.dev3+g{node}",
    release=ReleaseEnd(
        part="minor", version="0.10.0", tag="v0.10.0", tag_on="main", branches=("main",), main_version=None,
        new_commits_on_main=0, files={},
        notes=PDM_SUBJECTS,
        note="nothing to commit: the tag goes on main's HEAD; the notes are the subjects since v0.9.0",
    ),
    shape="pdm-backend's documented scm version source",
))

_add(Style(
    key="uv-three-files",
    title="uv_build, uv.lock, the version in pyproject.toml, __init__.py and docs/conf.py, v tags",
    make=make_uv_three_files,
    conventions=Conventions("keepachangelog", "CHANGELOG.md", "files",
                            ("pyproject.toml", "src/{package}/__init__.py", 'docs/conf.py:release = "{version}"'),
                            "release", "v{version}", None, "uv_build"),
    last_release="0.5.0", last_tag="v0.5.0", build_version="0.5.0",
    release=ReleaseEnd(
        part="minor", version="0.6.0", tag="v0.6.0", tag_on="main", branches=("main",), main_version="0.6.0",
        new_commits_on_main=1,
        files={"pyproject.toml": ('version = "0.6.0"',), "src/{package}/__init__.py": ('__version__ = "0.6.0"',),
               "docs/conf.py": ('release = "0.6.0"',),
               "uv.lock": ('name = "{name}"\nversion = "0.6.0"',)},
        absent={"uv.lock": ('version = "0.5.0"',)},
        changelog_order=("## Unreleased", "## 0.6.0 - {date}", "- `greet()` takes a `greeting`.", "## 0.5.0 - 2026-03-08"),
        changelog_kept=(UV_EARLIER,),
        notes=("- `greet()` takes a `greeting`.",),
        note="the three files, CHANGELOG.md and uv.lock (uv lock, offline) in the one release commit; the "
             "file has no links and unbracketed headers, and the new section follows that",
    ),
    shape="uv init --lib's layout, Sphinx's docs/conf.py",
))


def expand(text: str, project: SampleProject) -> str:
    """Fill ``{name}`` and ``{package}`` in a table entry for one project."""
    return text.replace("{name}", project.name).replace("{package}", project.package)
