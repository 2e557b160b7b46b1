"""Text from a user's files (ids, agent names, titles, a tree's leaves) is printed as written:
square brackets are not rich markup, so ``[/]`` neither crashes a table nor styles it."""

from __future__ import annotations

import json
from pathlib import Path

from cactl.resources import read_builtin
from tests.audit.helpers import EXAMPLES
from tests.helpers import run


def test_trial_strip_prints_ids_and_agents_literally(tmp_path: Path) -> None:
    steps = [{"tokens": 1, "agent": "[/red]"}, {"tokens": 1, "agent": "[bold]b"}]
    rows = [
        {"id": "[/]", "group": "g", "reward": 1.0, "steps": steps},
        {"id": "x", "group": "g", "reward": 0.0, "steps": steps},
    ]
    file = tmp_path / "t.jsonl"
    file.write_text("\n".join(json.dumps(row) for row in rows) + "\n")
    result = run("trial", "--input", str(file), "-e", "agent_norm")
    assert result.exit_code == 0, result.output
    assert "Credit per step of [/]" in result.stdout  # the title wraps at the table
    assert "0 [/red]" in result.stdout and "1 [bold]b" in result.stdout


def test_audit_table_prints_a_checklist_title_literally(tmp_path: Path) -> None:
    checklist = tmp_path / "c.yaml"
    text = read_builtin("checklists", "ca-reporting")
    title = "title: Credit-assignment reporting checklist"
    checklist.write_text(text.replace(title, "title: '[/]Credit-assignment reporting checklist'"))
    result = run("audit", str(EXAMPLES / "gigpo.yaml"), "--checklist", str(checklist))
    assert result.exit_code == 1, result.output
    assert "[/]Credit-assignment reporting checklist" in result.stdout
    summary = run("audit", str(EXAMPLES / "gigpo.yaml"), "--checklist", str(checklist), "--summary")
    assert summary.exit_code == 1 and "compliance across 1 paper" in summary.stdout


def test_recommend_panel_prints_a_tree_leaf_literally(tmp_path: Path) -> None:
    tree = tmp_path / "tree.yaml"
    text = read_builtin("decision_tree", "ca-method-selection")
    family = "family: process rewards from verifiable intermediate steps"
    tree.write_text(text.replace(family, "family: '[/]process [red]rewards'"))
    answers = ["-a", "agents=single", "-a", "regime=reasoning", "-a", "feedback=verifier"]
    result = run("recommend", "--tree", str(tree), *answers, "--no-interactive")
    assert result.exit_code == 0, result.output
    assert "[/]process [red]rewards" in result.stdout
