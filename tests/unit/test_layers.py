"""The layers of DESIGN.md §1 are checked by import-linter; these tests prove the check bites."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _copy_of_the_package(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "releasekit", tmp_path / "releasekit", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def _lint(where: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=where, capture_output=True, text=True,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(where)})


def test_the_contracts_hold_for_the_package_as_it_is(tmp_path):
    result = _lint(_copy_of_the_package(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(("module", "planted", "contract"), [
    ("core/versioning.py", "from releasekit.rite import order", "layers"),
    ("adapters/git.py", "from releasekit.operations import repository", "layers"),
    ("operations/building.py", "from releasekit.rite.steps import artifacts", "layers"),
    ("tasks/dist.py", "from releasekit.tasks import upload", "task modules are independent"),
    ("core/cilogs.py", "import subprocess", "the core runs no program"),
])
def test_a_planted_forbidden_import_fails_the_linter(tmp_path, module, planted, contract):
    where = _copy_of_the_package(tmp_path)
    path = where / "releasekit" / module
    text = path.read_text()
    marker = "from __future__ import annotations\n"
    path.write_text(text.replace(marker, f"{marker}\n{planted}  # planted by the test\n", 1))
    result = _lint(where)
    assert result.returncode != 0
    assert "BROKEN" in result.stdout
    broken = result.stdout.split("Broken contracts", 1)[1]
    assert contract in broken
    assert module.replace("/", ".").removesuffix(".py") in broken


def test_no_module_of_releasekit_imports_itself_back():
    """No import cycle: no module reaches, through its imports, a module that imports it."""
    graph = grimp.build_graph("releasekit")
    cycles = sorted({tuple(sorted((m, imported))) for m in graph.modules
                     for imported in graph.find_modules_directly_imported_by(m)
                     if graph.chain_exists(importer=imported, imported=m)})
    assert cycles == []
