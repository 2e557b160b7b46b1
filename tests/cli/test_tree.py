"""``cactl tree show`` and ``cactl tree check``."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import run, run_json
from tests.recommend.test_load import SMALL, line_of


def test_check_builtin() -> None:
    result = run("tree", "check")
    assert result.exit_code == 0
    assert result.stdout == (
        "ok: cactl/data/decision_tree/ca-method-selection.yaml: tree ca-method-selection 1.0, "
        "6 questions asked at 9 nodes, 12 leaves; one root, every node reachable, no cycles, "
        "every option leads somewhere; 45 methods and 14 estimators known\n"
    )


def test_check_file_ok_and_broken(tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(SMALL)
    result = run("tree", "check", str(good))
    assert result.exit_code == 0
    assert result.stdout.startswith(f"ok: {good}: tree small 1, 2 questions asked at 2 nodes")
    assert result.stdout.rstrip().endswith("3 methods and 5 estimators known")
    assert run("tree", "check", "--tree", str(good)).exit_code == 0

    bad = tmp_path / "bad.yaml"
    text = SMALL.replace("      small: leaf-b", "      small: q1")
    bad.write_text(text)
    result = run("tree", "check", str(bad))
    assert result.exit_code == 2
    assert result.stdout == ""
    line = line_of(text, "big: leaf-a")
    assert result.stderr.startswith(
        f"error: {bad}:{line}:7: nodes.q2.next: node 'q2' closes a cycle: q1 -> q2 -> q1\n"
    )
    assert "big: leaf-a" in result.stderr  # the code frame
    assert "Traceback" not in result.stderr


def test_check_refuses_two_trees(tmp_path: Path) -> None:
    result = run("tree", "check", "a.yaml", "--tree", "b.yaml")
    assert result.exit_code == 2
    assert "give the tree once" in result.stderr


def test_show_tree_format() -> None:
    result = run("tree", "show")
    assert result.exit_code == 0
    out = result.stdout
    assert out.startswith("ca-method-selection 1.0: Which credit-assignment family fits")
    assert "agents: Does one policy act alone, or do several agents share one reward?" in out
    assert "multi -> team_size: How many agents share the reward?" in out
    assert "many -> [team-many] agent-wise normalised or hierarchical credit" in out


def test_show_mermaid(tmp_path: Path) -> None:
    path = tmp_path / "small.yaml"
    path.write_text(SMALL)
    result = run("tree", "show", "--tree", str(path), "--format", "mermaid")
    assert result.exit_code == 0
    assert result.stdout == (
        "flowchart TD\n"
        '  q1{"color: Which colour?"}\n'
        '  q2{"size: Which size?"}\n'
        '  leaf_a["family A<br/>try: vine, gigpo"]\n'
        '  leaf_b["family B<br/>try: prm"]\n'
        "  q1 -->|red| q2\n"
        "  q1 -->|blue| leaf_b\n"
        "  q2 -->|big| leaf_a\n"
        "  q2 -->|small| leaf_b\n"
    )


def test_show_json() -> None:
    doc = run_json("tree", "show", "--format", "json")
    assert doc["id"] == "ca-method-selection"
    assert doc["root"] == "agents"
    assert doc["nodes"]["critic-agentic"] == {
        "ask": "critic",
        "next": {
            "yes": "agentic-critic",
            "privileged": "agentic-privileged",
            "no": "agentic-critic-free",
        },
    }
    assert doc["leaves"]["agentic-critic"]["next"] == (
        "cactl trial --task detour --estimator turn_gae --estimator grpo"
    )
    assert len(doc["leaves"]) == 12


def test_show_broken_tree_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(SMALL.replace("[PURE]", "[PUREE]"))
    result = run("tree", "show", "--tree", str(path))
    assert result.exit_code == 2
    assert "leaf 'leaf-b': unknown method 'PUREE', not in the inventory" in result.stderr
