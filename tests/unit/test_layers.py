"""The layer contracts of pyproject.toml ([tool.importlinter]) hold, and they can fail: an upward
import (also one hidden in a function) and a cycle inside a package each break one."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from lockgate.config import repo_root

LINT = Path(sys.executable).parent / "lint-imports"


def _lint(root: Path) -> subprocess.CompletedProcess:
    """lint-imports on the copy of lockgate under `root` (its own sys.path entry comes first)."""
    return subprocess.run(
        [str(LINT), "--config", str(root / "pyproject.toml"), "--no-cache"],
        cwd=root,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"},
    )


@pytest.fixture
def copy(tmp_path) -> Path:
    shutil.copytree(
        repo_root() / "lockgate",
        tmp_path / "lockgate",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    shutil.copy(repo_root() / "pyproject.toml", tmp_path)
    return tmp_path


def test_the_layers_hold():
    done = _lint(repo_root())
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "Contracts: 2 kept, 0 broken." in done.stdout


def test_an_upward_import_in_a_function_breaks_the_layers(copy):
    with (copy / "lockgate" / "storage" / "layout.py").open("a") as fh:
        fh.write(
            "\n\ndef _scores():\n    from lockgate.pipeline import scoring\n\n    return scoring\n"
        )
    done = _lint(copy)
    assert done.returncode == 1
    assert "Layers point down BROKEN" in done.stdout
    assert "lockgate.storage.layout -> lockgate.pipeline.scoring" in done.stdout


def test_a_capability_importing_a_sibling_breaks_the_layers(copy):
    with (copy / "lockgate" / "scoring" / "batch.py").open("a") as fh:
        fh.write("\nfrom lockgate.training.features import document_features  # noqa\n")
    done = _lint(copy)
    assert done.returncode == 1 and "Layers point down BROKEN" in done.stdout


def test_a_cycle_inside_a_package_breaks_the_acyclic_contract(copy):
    release = copy / "lockgate" / "release"
    (release / "first.py").write_text("from lockgate.release import second  # noqa\n")
    (release / "second.py").write_text("from lockgate.release import first  # noqa\n")
    done = _lint(copy)
    assert done.returncode == 1
    assert "No cycle inside a package BROKEN" in done.stdout


def test_the_architecture_page_shows_the_contracts_layers_in_order():
    """docs/architecture.md explains the layers; the order is the contract's, never a second one."""
    contract = tomllib.loads((repo_root() / "pyproject.toml").read_text())["tool"]["importlinter"]
    layers = next(c for c in contract["contracts"] if c["type"] == "layers")["layers"]
    page = (repo_root() / "docs" / "architecture.md").read_text()
    page = page[page.index("\n## Layers\n") : page.index("\n### Where to change what\n")]
    table = re.findall(r"^\| `([^`]+)` \|", page, flags=re.M)
    assert [row.replace("\\", "").replace(" ", "") for row in table] == [
        layer.replace(" ", "") for layer in layers
    ]
