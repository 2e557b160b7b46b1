"""``cactl estimators list``."""

from __future__ import annotations

import subprocess
import sys

from tests.helpers import run, run_json


def test_list_json_has_every_estimator_with_metadata() -> None:
    records = run_json("estimators", "list", "--format", "json")
    names = [record["name"] for record in records]
    assert names == [
        "grpo", "rloo", "reinforce_pp", "gae", "turn_gae", "vine", "gigpo", "prm", "pure_min",
        "implicit_prm", "igpo", "hindsight", "counterfactual", "shapley", "entropy_focus",
        "agent_norm",
    ]  # fmt: skip
    gae = records[names.index("gae")]
    assert gae["granularity"] == ["token"]
    assert gae["methodology"] == "temporal-difference"
    assert gae["requires"] == ["token_values"]
    assert gae["params"][0] == {
        "name": "gamma",
        "default": 1.0,
        "help": "Discount per step (per token for token-level scans).",
        "minimum": 0,
        "maximum": 1,
    }
    assert records[names.index("grpo")]["params"][0]["choices"] == ["std", "none"]


def test_list_table_shows_names_and_requirements() -> None:
    result = run("estimators", "list")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    vine = next(line for line in lines if line.startswith("│ vine "))
    assert "monte-carlo" in vine and "VinePPO, SPO" in vine and "branch_returns" in vine
    assert "16 estimators" in result.stderr


def test_list_does_not_import_torch() -> None:
    code = (
        "import sys\n"
        "from cactl.cli.app import app\n"
        "from typer.testing import CliRunner\n"
        "r = CliRunner().invoke(app, ['estimators', 'list', '--format', 'json'])\n"
        "assert r.exit_code == 0, r.output\n"
        "print('torch' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_bad_format_is_a_usage_error() -> None:
    result = run("estimators", "list", "--format", "xml")
    assert result.exit_code == 2
