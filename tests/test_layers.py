"""The floors of the house (README "Architecture") are import-linter contracts in pyproject.toml.

`.ci/run` and `make lint` run `lint-imports` on the tree; these tests prove the contracts hold
and that they catch a wrong import: an import up a floor, and a cycle between modules of one
app, each planted in a copy of the tree.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = [
    "config",
    "api",
    "demo",
    "transparency",
    "appeals",
    "enforcement",
    "notifications",
    "accounts",
    "infra",
]


def _lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    lint = Path(sys.executable).with_name("lint-imports")
    return subprocess.run(
        [str(lint), "--config", "pyproject.toml", "--no-cache"],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def tree_copy(tmp_path: Path) -> Path:
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("*.pyc"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def _plant(tree: Path, module: str, line: str) -> None:
    path = tree / module
    path.write_text(path.read_text() + f"\n{line}\n")


def test_the_tree_keeps_every_contract():
    result = _lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_enforcement_importing_appeals_breaks_the_floors(tree_copy):
    _plant(tree_copy, "enforcement/models.py", "from appeals.models import Appeal  # noqa")

    result = _lint_imports(tree_copy)

    assert result.returncode != 0
    assert "enforcement is not allowed to import appeals" in result.stdout
    assert "enforcement.models -> appeals.models" in result.stdout


def test_notifications_importing_a_domain_app_breaks_the_floors(tree_copy):
    _plant(tree_copy, "notifications/services.py", "from enforcement import services  # noqa")

    result = _lint_imports(tree_copy)

    assert result.returncode != 0
    assert "notifications.services -> enforcement.services" in result.stdout


def test_a_service_importing_its_tasks_makes_a_cycle_and_fails(tree_copy):
    _plant(tree_copy, "appeals/operations/sla.py", "from appeals import tasks  # noqa")

    result = _lint_imports(tree_copy)

    assert result.returncode != 0
    assert "appeals.operations.sla -> appeals.tasks" in result.stdout


def test_appeals_importing_the_transparency_report_breaks_the_floors(tree_copy):
    _plant(tree_copy, "appeals/models.py", "from transparency import report  # noqa")

    result = _lint_imports(tree_copy)

    assert result.returncode != 0
    assert "appeals.models -> transparency.report" in result.stdout


def test_the_transparency_report_importing_the_api_breaks_the_floors(tree_copy):
    # Siblings on one floor: config mounts the report's router on the API, neither imports
    # the other.
    _plant(tree_copy, "transparency/report.py", "import api  # noqa")

    result = _lint_imports(tree_copy)

    assert result.returncode != 0
    assert "transparency.report -> api" in result.stdout
