"""``cactl tasks list`` and ``cactl tasks sample``."""

from __future__ import annotations

import json
from pathlib import Path

from cactl.trajectory.jsonl import load_trajectories
from tests.helpers import run, run_json


def test_list_table_names_every_task_and_parameter() -> None:
    result = run("tasks", "list")
    assert result.exit_code == 0
    out = result.stdout
    for text in (
        "fork (reasoning)",
        "detour (agentic)",
        "team (multi-agent)",
        "Decisive: the fork step.",
    ):
        assert text in out
    for param in (
        "horizon",
        "fork_prob",
        "junction",
        "recall_prob",
        "pivot",
        "complementary",
        "branches",
    ):
        assert f"\n{param} " in out
    assert "Parameters of every task" in out


def test_list_json() -> None:
    tasks = run_json("tasks", "list", "--format", "json")
    assert [t["name"] for t in tasks] == ["fork", "detour", "team"]
    fork = {p["name"]: p for p in tasks[0]["params"]}
    assert fork["horizon"] == {
        "name": "horizon", "type": "int", "default": 20, "minimum": 2, "maximum": 5000,
        "help": "Steps per trajectory.",
    }  # fmt: skip
    assert fork["fork"]["default"] == "horizon // 2"
    assert fork["strength"]["default"] == 1.0


def test_sample_writes_a_readable_file(tmp_path: Path) -> None:
    path = tmp_path / "team.jsonl"
    result = run(
        "tasks",
        "sample",
        "team",
        "--param",
        "groups=2",
        "--param",
        "group_size=3",
        "--digits",
        "3",
        "-o",
        str(path),
    )
    assert result.exit_code == 0, result.output
    assert result.stderr == f"wrote 6 trajectories to {path}\n"
    text = path.read_text(encoding="utf-8")
    assert text.startswith(
        "# cactl tasks sample team --seed 0 --param groups=2 --param group_size=3 --digits 3\n"
    )
    loaded = load_trajectories(path)
    assert len(loaded.trajectories) == 6
    assert all(t.coalitions and len(t.coalitions) == 64 for t in loaded.trajectories)


def test_sample_to_stdout_without_truth_and_with_chosen_signals() -> None:
    result = run(
        "tasks",
        "sample",
        "fork",
        "-p",
        "groups=1",
        "-p",
        "group_size=1",
        "-p",
        "horizon=2",
        "--no-truth",
        "--signal",
        "entropy",
    )
    assert result.exit_code == 0
    (line,) = result.stdout.splitlines()
    record = json.loads(line)
    assert "truth" not in record
    assert set(record["steps"][0]) == {"tokens", "reward", "entropy"}


def test_sample_errors() -> None:
    result = run("tasks", "sample", "fork", "--signal", "valeu")
    assert result.exit_code == 2
    assert "unknown signal 'valeu'" in result.stderr and "did you mean 'value'" in result.stderr
    result = run("tasks", "sample", "frok")
    assert result.exit_code == 2 and "did you mean 'fork'" in result.stderr
