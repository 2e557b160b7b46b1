"""Answers files, --answer flags and the --record file."""

from __future__ import annotations

from pathlib import Path

import pytest

from cactl.errors import InputError, InputErrors
from cactl.recommend.answers import load_answers_file, parse_answer_flags, record_text
from cactl.recommend.load import load_tree
from cactl.recommend.walk import walk


def test_flags_parse_and_check() -> None:
    tree = load_tree().tree
    assert parse_answer_flags(["agents=single", " regime = agentic "], tree) == {
        "agents": "single",
        "regime": "agentic",
    }


@pytest.mark.parametrize(
    ("item", "message", "expected"),
    [
        ("agents", "an answer must look like KEY=VALUE", "e.g. --answer regime=agentic"),
        ("=single", "an answer must look like KEY=VALUE", "e.g. --answer regime=agentic"),
        (
            "agent=single",
            "unknown question 'agent'",
            "one of agents, regime, feedback, branching, critic, team_size",
        ),
        (
            "critic=maybe",
            "'maybe' is not an answer to question 'critic' "
            "(Can you train or call a critic that scores states or steps?)",
            "one of yes, privileged, no",
        ),
    ],
)
def test_bad_flags(item: str, message: str, expected: str) -> None:
    tree = load_tree().tree
    with pytest.raises(InputError) as caught:
        parse_answer_flags([item], tree)
    assert caught.value.message == message
    assert caught.value.expected == expected
    if message.startswith("unknown question"):
        assert caught.value.code == "unknown-key"


def test_answers_file_errors_are_located(tmp_path: Path) -> None:
    tree = load_tree().tree
    path = tmp_path / "a.yaml"
    path.write_text("agents: single\nregim: agentic\nbranching: true\ncritic: maybe\n")
    with pytest.raises(InputErrors) as caught:
        load_answers_file(str(path), tree)
    errors = caught.value.errors
    assert [(e.line, e.column) for e in errors] == [(2, 1), (3, 12), (4, 9)]
    assert errors[0].message == "unknown question 'regim'"
    assert errors[0].hint == "did you mean 'regime'?"
    assert [e.code for e in errors] == ["unknown-key", "wrong-type", "not-allowed"]
    assert errors[1].message == "the answer to 'branching' must be a string"
    assert errors[1].hint == 'quote it: "yes"'
    assert errors[2].expected == "one of yes, privileged, no"
    assert all(e.file == str(path) for e in errors)


def test_answers_file_must_be_a_mapping(tmp_path: Path) -> None:
    tree = load_tree().tree
    path = tmp_path / "a.yaml"
    path.write_text("- agents: single\n")
    with pytest.raises(InputError, match="must be a mapping"):
        load_answers_file(str(path), tree)
    path.write_text("")
    assert load_answers_file(str(path), tree) == {}


def test_record_replays(tmp_path: Path) -> None:
    tree = load_tree().tree
    answers = {
        "agents": "single",
        "regime": "reasoning",
        "feedback": "outcome",
        "branching": "no",
        "critic": "no",
    }
    result = walk(tree, answers)
    text = record_text(tree, result)
    assert text.splitlines()[:4] == [
        "# cactl recommend answers for decision tree ca-method-selection (version 1.0)",
        "# replay: cactl recommend --answers THIS_FILE",
        "# Does one policy act alone, or do several agents share one reward?",
        'agents: "single"',
    ]
    assert 'branching: "no"' in text.splitlines()
    path = tmp_path / "rec.yaml"
    path.write_text(text)
    assert load_answers_file(str(path), tree) == answers
