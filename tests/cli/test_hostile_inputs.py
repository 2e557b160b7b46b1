"""Every reader of the CLI, given what an attacker or a careless user would give it: stdin
('-'), a device, a FIFO, an alias bomb, an empty path. Exit 2 with a located message (or a
run on what stdin brought), in bounded time, never an internal error."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from cactl import yamlsrc
from tests.audit.helpers import EXAMPLES
from tests.helpers import run
from tests.test_yamlsrc import BOMB

PAPER = str(EXAMPLES / "gigpo.yaml")
ROOT = Path(__file__).resolve().parents[2]
READERS = {
    "audit PAPER": ["audit", "{}"],
    "audit --checklist": ["audit", PAPER, "--checklist", "{}"],
    "recommend --answers": ["recommend", "--answers", "{}"],
    "recommend --tree": ["recommend", "--tree", "{}", "-a", "x=y"],
    "tree check": ["tree", "check", "{}"],
    "tree show --tree": ["tree", "show", "--tree", "{}"],
    "trial --input": ["trial", "--input", "{}"],
}
YAML_READERS = [name for name in READERS if name != "trial --input"]


def _args(reader: str, path: str) -> list[str]:
    return [arg.replace("{}", path) for arg in READERS[reader]]


def _is_a_clean_exit_2(result: object) -> None:
    assert result.exit_code == 2, result.output  # type: ignore[attr-defined]
    stderr: str = result.stderr  # type: ignore[attr-defined]
    assert stderr.startswith("error: ") and "internal error" not in stderr, stderr


@pytest.mark.parametrize("reader", list(READERS))
def test_a_device_is_refused(reader: str) -> None:
    result = run(*_args(reader, "/dev/zero"))
    _is_a_clean_exit_2(result)
    assert "/dev/zero" in result.stderr and "is a device, expected a regular file" in result.stderr


@pytest.mark.parametrize("reader", list(READERS))
def test_a_fifo_is_refused_without_waiting_for_a_writer(reader: str, tmp_path: Path) -> None:
    fifo = tmp_path / "in.fifo"
    os.mkfifo(fifo)
    result = run(*_args(reader, str(fifo)))
    _is_a_clean_exit_2(result)
    assert "is a FIFO, expected a regular file" in result.stderr


#: The option or argument each reader names in its error for an empty path.
FIELDS = {
    "audit PAPER": "PAPER.yaml",
    "audit --checklist": "--checklist",
    "recommend --answers": "--answers",
    "recommend --tree": "--tree",
    "tree check": "FILE",
    "tree show --tree": "--tree",
    "trial --input": "--input",
}


@pytest.mark.parametrize("reader", list(READERS))
def test_an_empty_path_is_its_own_error_naming_the_option(reader: str) -> None:
    result = run(*_args(reader, ""))
    _is_a_clean_exit_2(result)
    assert result.stderr == (
        f"error: {FIELDS[reader]}: empty path "
        "(expected the path of a file, or - for standard input, found '')\n"
    )
    if reader != "tree check":  # the one reader without --format
        (error,) = json.loads(run(*_args(reader, ""), "--format", "json").stdout)["errors"]
        assert (error["code"], error["field"]) == ("empty-path", FIELDS[reader])


#: Each output option given the empty path, and the option its error names.
EMPTY_OUTPUTS = {
    "audit -o": (("audit", PAPER, "-o", ""), "--output"),
    "schema -o": (("schema", "paper", "-o", ""), "--output"),
    "tasks sample -o": (("tasks", "sample", "fork", "-p", "groups=1", "-o", ""), "--output"),
    "recommend --record": (("recommend", "-a", "agents=multi", "--record", ""), "--record"),
    "init": (("init", ""), "PATH"),
    "trial --plot": (
        ("trial", "-t", "fork", "-p", "groups=1", "-e", "grpo", "--plot", ""),
        "--plot",
    ),
}


@pytest.mark.parametrize("case", list(EMPTY_OUTPUTS))
def test_an_empty_output_path_is_its_own_error_naming_the_option(case: str) -> None:
    """``-o ''`` names no file: not "is a directory" (a Path would read '' as the current
    folder), the same error as an empty input, before any work."""
    args, field = EMPTY_OUTPUTS[case]
    result = run(*args)
    _is_a_clean_exit_2(result)
    assert result.stderr == (
        f"error: {field}: empty path "
        "(expected the path of a file, or - for standard output, found '')\n"
    )


def test_an_empty_path_among_papers_is_refused_before_any_work() -> None:
    result = run("audit", PAPER, "", "--format", "json")
    _is_a_clean_exit_2(result)
    (error,) = json.loads(result.stdout)["errors"]
    assert (error["code"], error["field"]) == ("empty-path", "PAPER.yaml")


@pytest.mark.parametrize("reader", YAML_READERS)
def test_an_alias_bomb_stops_at_once(
    reader: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(yamlsrc, "MAX_NODES", 5_000)  # the default is tested in test_yamlsrc
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(BOMB, encoding="utf-8")
    start = time.perf_counter()
    result = (
        run(*_args(reader, str(bomb)), "--format", "json")
        if reader == "audit PAPER"
        else run(*_args(reader, str(bomb)))
    )
    assert time.perf_counter() - start < 20
    _is_a_clean_exit_2(result)
    # root 1, a 10, b 91, c 820 values: 922; d's list 923, and its 5th *c (line 4, column 24)
    # takes the count past 5000 (923 + 5 x 820), where reading stops
    assert f"{bomb}:4:24:" in result.stderr and "too many values" in result.stderr


def test_stdin_is_a_paper() -> None:
    text = Path(PAPER).read_text(encoding="utf-8")
    result = run("audit", "-", "--format", "json", input=text)
    assert result.exit_code == 1
    assert json.loads(result.stdout)["file"] == "<stdin>"


def test_stdin_errors_are_named_stdin() -> None:
    result = run("audit", "-", input="paper:\n  title: [\n")
    _is_a_clean_exit_2(result)
    assert result.stderr.startswith("error: <stdin>:")


def test_stdin_is_a_checklist_a_tree_and_answers() -> None:
    checklist = (ROOT / "checklists" / "ca-reporting.yaml").read_text(encoding="utf-8")
    assert run("audit", PAPER, "--checklist", "-", input=checklist).exit_code == 1
    tree = (ROOT / "cactl" / "data" / "decision_tree" / "ca-method-selection.yaml").read_text()
    result = run("tree", "check", "-", input=tree)
    assert result.exit_code == 0, result.output
    assert "<stdin>" in result.stdout
    result = run("recommend", "--answers", "-", input="regime: nonsense\n")
    _is_a_clean_exit_2(result)
    assert result.stderr.startswith("error: <stdin>:1:9: regime: 'nonsense' is not an answer")


def test_stdin_is_trajectories() -> None:
    text = (ROOT / "examples" / "trajectories" / "fork.jsonl").read_text(encoding="utf-8")
    result = run("trial", "--input", "-", "--estimator", "grpo", "--format", "json", input=text)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["source"] == {"input": "<stdin>"}


@pytest.mark.parametrize("threshold", [".nan", ".inf", "-.inf"])
def test_a_checklist_threshold_is_finite(threshold: str, tmp_path: Path) -> None:
    text = (ROOT / "checklists" / "ca-reporting.yaml").read_text(encoding="utf-8")
    assert "value: 3}" in text  # the seeds threshold of item 10
    checklist = tmp_path / "c.yaml"
    checklist.write_text(text.replace("value: 3}", f"value: {threshold}}}", 1), encoding="utf-8")
    result = run("audit", PAPER, "--checklist", str(checklist), "--format", "json")
    _is_a_clean_exit_2(result)
    (error,) = json.loads(result.stdout)["errors"]
    line = text[: text.index("value: 3}")].count("\n") + 1
    assert (error["code"], error["file"], error["line"]) == ("not-finite", str(checklist), line)


@pytest.mark.parametrize("reader", ["audit PAPER", "trial --input"])
def test_a_file_name_with_a_control_character_never_reaches_a_report(
    reader: str, tmp_path: Path
) -> None:
    path = tmp_path / "p\x1b[2J.yaml"
    path.write_text("paper:\n  title: x\n", encoding="utf-8")
    result = run(*_args(reader, str(path)), "--format", "json")
    _is_a_clean_exit_2(result)
    assert "\x1b" not in result.stderr and "\\x1b[2J" in result.stderr
    (error,) = json.loads(result.stdout)["errors"]
    assert error["code"] == "bad-text"
