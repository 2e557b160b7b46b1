"""The pure walker, on the built-in tree: one answer set per leaf, partial answers, bad values."""

from __future__ import annotations

import pytest

from cactl.errors import InputError
from cactl.recommend.load import load_tree
from cactl.recommend.walk import leaf_of, unused_answers, walk

S, M = {"agents": "single"}, {"agents": "multi"}
R = {**S, "regime": "reasoning"}
A = {**S, "regime": "agentic"}
R_OUT = {**R, "feedback": "outcome", "branching": "no"}
A_OUT = {**A, "feedback": "outcome", "branching": "no"}

#: One answer set per leaf of the built-in tree, with the leaf and the trial task, by hand.
LEAF_ANSWERS: list[tuple[dict[str, str], str, str]] = [
    ({**R, "feedback": "verifier"}, "reasoning-process", "fork"),
    ({**R, "feedback": "outcome", "branching": "yes"}, "reasoning-rollouts", "fork"),
    ({**R_OUT, "critic": "yes"}, "reasoning-critic", "fork"),
    ({**R_OUT, "critic": "privileged"}, "reasoning-hindsight", "fork"),
    ({**R_OUT, "critic": "no"}, "reasoning-implicit", "fork"),
    ({**A, "feedback": "verifier"}, "agentic-process", "detour"),
    ({**A, "feedback": "outcome", "branching": "yes"}, "agentic-rollouts", "detour"),
    ({**A_OUT, "critic": "yes"}, "agentic-critic", "detour"),
    ({**A_OUT, "critic": "privileged"}, "agentic-privileged", "detour"),
    ({**A_OUT, "critic": "no"}, "agentic-critic-free", "detour"),
    ({**M, "team_size": "few"}, "team-few", "team"),
    ({**M, "team_size": "many"}, "team-many", "team"),
]


def test_every_leaf_has_an_answer_set() -> None:
    tree = load_tree().tree
    assert sorted(leaf for _, leaf, _ in LEAF_ANSWERS) == sorted(tree.leaves)


@pytest.mark.parametrize(("answers", "leaf_id", "task"), LEAF_ANSWERS)
def test_answer_set_reaches_its_leaf(answers: dict[str, str], leaf_id: str, task: str) -> None:
    tree = load_tree().tree
    result = walk(tree, answers)
    assert result.done and result.leaf_id == leaf_id
    # every answer is used, asked in the order the tree asks them
    assert result.answers() == answers
    assert unused_answers(answers, result) == []
    leaf = leaf_of(tree, result)
    assert leaf.task == task
    assert leaf.next_command.startswith(f"cactl trial --task {task} --estimator ")
    assert leaf.next_command.endswith(f"--estimator {leaf.baseline}")


def test_each_missing_answer_is_the_next_question() -> None:
    tree = load_tree().tree
    answers = {**A_OUT, "critic": "privileged"}
    keys = list(answers)
    for count in range(len(keys)):
        partial = {key: answers[key] for key in keys[:count]}
        result = walk(tree, partial)
        assert not result.done
        assert result.pending is not None
        assert tree.nodes[result.pending].ask == keys[count]
        assert [step.question for step in result.path] == keys[:count]


def test_path_records_node_text_and_answer() -> None:
    tree = load_tree().tree
    result = walk(tree, {**M, "team_size": "few"})
    assert [(s.node, s.question, s.answer) for s in result.path] == [
        ("agents", "agents", "multi"),
        ("team-size", "team_size", "few"),
    ]
    assert result.path[1].text == "How many agents share the reward?"


def test_questions_off_the_path_are_not_asked() -> None:
    """Multi-agent paths never ask the regime; answers for it are reported unused."""
    tree = load_tree().tree
    answers = {"regime": "agentic", **M, "team_size": "many", "critic": "no"}
    result = walk(tree, answers)
    assert result.leaf_id == "team-many"
    assert unused_answers(answers, result) == ["regime", "critic"]


def test_invalid_value_names_the_options() -> None:
    tree = load_tree().tree
    with pytest.raises(InputError) as caught:
        walk(tree, {**R_OUT, "critic": "maybe"})
    error = caught.value
    assert error.field == "critic"
    assert error.expected == "one of yes, privileged, no"
    assert error.found == "'maybe'"
