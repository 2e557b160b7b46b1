"""The package data is found the same way from a built wheel as from the source tree."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import cactl

REPO = Path(__file__).resolve().parent.parent


def _data_files(root: Path) -> set[str]:
    return {
        str(path.relative_to(root))
        for path in root.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }


@pytest.mark.slow
def test_wheel_ships_the_data_and_loads_it(tmp_path: Path) -> None:
    wheel_dir = tmp_path / "wheel"
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(REPO), "--no-deps", "--no-build-isolation",
         "--quiet", "-w", str(wheel_dir)],
        capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    assert build.returncode == 0, build.stderr
    (wheel,) = wheel_dir.glob("cactl-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        shipped = {name for name in archive.namelist() if name.startswith("cactl/data/")}
    source_data = {f"cactl/data/{name}" for name in _data_files(REPO / "cactl" / "data")}
    assert source_data <= shipped

    target = tmp_path / "site"
    install = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--quiet", "--target", str(target),
         str(wheel)],
        capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    assert install.returncode == 0, install.stderr

    probe = (
        "import json, cactl\n"
        "from cactl.resources import builtin_names\n"
        "from cactl.inventory import load_inventory\n"
        "print(json.dumps({'file': cactl.__file__,"
        " 'methods': len(load_inventory().methods),"
        " 'checklists': builtin_names('checklists'),"
        " 'trees': builtin_names('decision_tree')}))\n"
    )
    environment = {**os.environ, "PYTHONPATH": str(target)}
    completed = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=False,
        cwd=tmp_path, env=environment, timeout=120,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr
    report = json.loads(completed.stdout)
    assert report["file"].startswith(str(target))
    from cactl.inventory import load_inventory
    from cactl.resources import builtin_names

    assert report["methods"] == len(load_inventory().methods)
    assert report["checklists"] == builtin_names("checklists")
    assert report["trees"] == builtin_names("decision_tree")


def test_top_level_data_folders_are_the_package_data() -> None:
    for name in ("checklists", "decision_tree"):
        assert (REPO / name).resolve() == (REPO / "cactl" / "data" / name).resolve()


def test_version_is_single_sourced() -> None:
    text = (REPO / "pyproject.toml").read_text()
    assert 'dynamic = ["version"]' in text
    assert cactl.__version__.count(".") == 2
