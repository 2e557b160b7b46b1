"""The stable codes of answers-file and checklist-rule errors, as a CI consumer reads them from
``--format json``: a key that is not allowed is ``unknown-key``, never ``invalid-value``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.audit.helpers import EXAMPLES
from tests.helpers import run

PAPER = str(EXAMPLES / "compliant.yaml")
CHECKLIST = Path(__file__).resolve().parents[2] / "cactl" / "data" / "checklists"


def _errors(result: Any) -> list[tuple[str, str, int]]:
    assert result.exit_code == 2, result.output
    return [(e["code"], e["field"], e["line"]) for e in json.loads(result.stdout)["errors"]]


def test_answers_file_codes(tmp_path: Path) -> None:
    answers = tmp_path / "a.yaml"
    answers.write_text("agentz: multi\nagents: 3\nregime: sometimes\n", encoding="utf-8")
    result = run("recommend", "--answers", str(answers), "--format", "json")
    assert _errors(result) == [
        ("unknown-key", "agentz", 1),
        ("wrong-type", "agents", 2),
        ("not-allowed", "regime", 3),
    ]


def test_an_answers_file_that_is_no_mapping(tmp_path: Path) -> None:
    answers = tmp_path / "a.yaml"
    answers.write_text("- agents\n", encoding="utf-8")
    result = run("recommend", "--answers", str(answers), "--format", "json")
    assert _errors(result) == [("wrong-type", None, 1)]


def test_answer_flags_codes() -> None:
    result = run("recommend", "-a", "agentz=multi", "-a", "agents=some", "--format", "json")
    assert _errors(result) == [
        ("unknown-key", "--answer", None),
        ("not-allowed", "--answer agents", None),
    ]


def _checklist(tmp_path: Path, old: str, new: str) -> str:
    text = (CHECKLIST / "ca-reporting.yaml").read_text(encoding="utf-8")
    assert text.count(old) >= 1
    path = tmp_path / "c.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return str(path)


FIRST_CONDITION = "            - non_empty: model.name\n"


@pytest.mark.parametrize(
    ("new", "code", "field"),
    [
        ("            - non_empti: model.name\n", "unknown-key", "non_empti"),
        (
            "            - at_least: {path: baselines, count: 1, cuont: 2}\n",
            "unknown-key",
            "at_least.cuont",
        ),
        ("            - at_least: {path: baselines}\n", "missing-field", "at_least"),
        ("            - at_least: [baselines]\n", "wrong-type", "at_least"),
        ("            - at_least: {path: baselines, count: -1}\n", "out-of-range", "count"),
        ("            - at_least: {path: baselines, count: many}\n", "wrong-type", "count"),
        (
            "            - number_at_least: {path: compute.gpu_hours, value: .nan}\n",
            "not-finite",
            "value",
        ),
        ("            - non_empty: model.nmae\n", "not-allowed", "non_empty"),
        ("            - non_empty: 3\n", "wrong-type", "non_empty"),
        ("            - {}\n", "invalid-value", "[0]"),
        ("            - one_of: {path: regime, values: []}\n", "empty", "values"),
        ("            - one_of: {path: regime, values: [reasonin]}\n", "not-allowed", "values[0]"),
    ],
)
def test_checklist_rule_codes(tmp_path: Path, new: str, code: str, field: str) -> None:
    checklist = _checklist(tmp_path, FIRST_CONDITION, new)
    result = run("audit", PAPER, "--checklist", checklist, "--format", "json")
    (error,) = json.loads(result.stdout)["errors"]
    assert result.exit_code == 2
    assert error["code"] == code, error
    assert error["field"].endswith(field), error
    assert error["line"] == 32
