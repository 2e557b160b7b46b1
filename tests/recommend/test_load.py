"""Loading and checking decision trees: the built-in one passes, each malformed tree is
refused with a message that names the node and its file:line:col."""

from __future__ import annotations

from pathlib import Path

import pytest

from cactl.errors import InputError, InputErrors
from cactl.estimators.catalog import estimator_names
from cactl.inventory import load_inventory
from cactl.recommend.load import load_tree, parse_tree
from cactl.tasks.catalog import task_names

SMALL = """\
id: small
version: "1"
title: A small tree
root: q1
questions:
  color:
    text: Which colour?
    help: Pick one.
    options:
      red: the red one
      blue: the blue one
  size:
    text: Which size?
    help: Pick one.
    options:
      big: a big one
      small: a small one
nodes:
  q1:
    ask: color
    next:
      red: q2
      blue: leaf-b
  q2:
    ask: size
    next:
      big: leaf-a
      small: leaf-b
leaves:
  leaf-a:
    family: family A
    rationale: why A
    risks: risks of A
    methods: [VinePPO, GiGPO]
    estimators: [vine, gigpo]
    task: fork
    baseline: grpo
  leaf-b:
    family: family B
    rationale: why B
    risks: risks of B
    methods: [PURE]
    estimators: [prm]
    task: detour
    baseline: rloo
"""


def line_of(text: str, needle: str, nth: int = 1) -> int:
    """1-based number of the line holding the nth occurrence of ``needle``."""
    seen = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            seen += 1
            if seen == nth:
                return number
    raise AssertionError(f"{needle!r} not in text")


def col_of(text: str, needle: str, nth: int = 1) -> int:
    """1-based column where ``needle`` starts on its line (first non-blank of the match)."""
    line = text.splitlines()[line_of(text, needle, nth) - 1]
    return line.index(needle.strip()) + 1


def errors_of(text: str) -> list[InputError]:
    with pytest.raises((InputError, InputErrors)) as caught:
        parse_tree(text, "t.yaml")
    exc = caught.value
    return list(exc.errors) if isinstance(exc, InputErrors) else [exc]


def single_error(text: str) -> InputError:
    errors = errors_of(text)
    assert len(errors) == 1, [e.render() for e in errors]
    return errors[0]


def test_small_tree_loads() -> None:
    tree = parse_tree(SMALL, "t.yaml").tree
    assert tree.root == "q1"
    assert list(tree.questions["color"].options) == ["red", "blue"]
    assert tree.leaves["leaf-a"].next_command == (
        "cactl trial --task fork --estimator vine --estimator gigpo --estimator grpo"
    )
    assert tree.leaves["leaf-b"].trial_args() == [
        "--task",
        "detour",
        "--estimator",
        "prm",
        "--estimator",
        "rloo",
    ]


def test_cycle_is_refused_naming_the_node() -> None:
    text = SMALL.replace("      small: leaf-b", "      small: q1")
    error = single_error(text)
    assert "node 'q2' closes a cycle: q1 -> q2 -> q1" in error.message
    assert error.file == "t.yaml"
    # located at q2's `next` mapping (its first entry, 'big: leaf-a')
    assert (error.line, error.column) == (line_of(text, "big: leaf-a"), 7)
    assert error.render().startswith(f"t.yaml:{line_of(text, 'big: leaf-a')}:7: nodes.q2.next: ")


def test_dangling_option_is_refused_naming_the_node() -> None:
    text = SMALL.replace("      big: leaf-a", "      big: leaf-z")
    error = single_error(text)
    assert error.message == (
        "node 'q2': option 'big' leads to 'leaf-z', which is neither a node nor a leaf"
    )
    assert (error.line, error.column) == (line_of(text, "big: leaf-z"), col_of(text, "leaf-z"))
    assert error.field == "nodes.q2.next.big"
    assert error.hint is not None and "leaf-a" in error.hint


def test_option_that_leads_nowhere() -> None:
    text = SMALL.replace("      small: leaf-b\n", "")
    error = single_error(text)
    assert error.message == "node 'q2': option 'small' of question 'size' leads nowhere"
    assert error.line == line_of(text, "big: leaf-a")


def test_next_key_that_is_not_an_option() -> None:
    text = SMALL.replace("      small: leaf-b", "      small: leaf-b\n      huge: leaf-a")
    error = single_error(text)
    assert error.message == "node 'q2': 'huge' is not an option of question 'size'"
    assert (error.line, error.column) == (line_of(text, "huge: leaf-a"), 7)
    assert error.expected == "one of big, small"


def test_unknown_method_is_refused_naming_the_leaf() -> None:
    text = SMALL.replace("[VinePPO, GiGPO]", "[VinePPO, GiGPOO]")
    error = single_error(text)
    assert error.message == "leaf 'leaf-a': unknown method 'GiGPOO', not in the inventory"
    assert error.field == "leaves.leaf-a.methods[1]"
    assert (error.line, error.column) == (line_of(text, "GiGPOO"), col_of(text, "GiGPOO"))
    assert error.hint is not None and "'GiGPO'" in error.hint


def test_unknown_estimator_is_refused_naming_the_leaf() -> None:
    text = SMALL.replace("[prm]", "[prn]")
    error = single_error(text)
    assert error.message == "leaf 'leaf-b': unknown estimator 'prn'"
    assert (error.line, error.column) == (line_of(text, "[prn]"), col_of(text, "prn"))
    assert error.hint is not None and "'prm'" in error.hint


def test_unknown_baseline_and_task() -> None:
    text = SMALL.replace("baseline: rloo", "baseline: rlooo").replace("task: fork", "task: forks")
    errors = errors_of(text)
    assert [e.message for e in errors] == [
        "leaf 'leaf-a': unknown trial task 'forks'",
        "leaf 'leaf-b': the baseline 'rlooo' is not an episode-level estimator",
    ]
    assert errors[1].expected == "one of grpo, rloo"
    assert [e.line for e in errors] == [line_of(text, "forks"), line_of(text, "rlooo")]
    assert errors[0].expected == "one of fork, detour, team"


def test_baseline_must_be_episode_level_and_estimators_unique() -> None:
    text = SMALL.replace("baseline: rloo", "baseline: gae").replace(
        "[vine, gigpo]", "[vine, gigpo, vine, grpo]"
    )
    errors = errors_of(text)
    assert [e.message for e in errors] == [
        "leaf 'leaf-a': estimator 'vine' is named twice",
        "leaf 'leaf-a': estimator 'grpo' is named twice (it is the baseline)",
        "leaf 'leaf-b': the baseline 'gae' is not an episode-level estimator",
    ]
    assert [e.field for e in errors] == [
        "leaves.leaf-a.estimators[2]",
        "leaves.leaf-a.estimators[3]",
        "leaves.leaf-b.baseline",
    ]


def test_second_root_and_unreachable_nodes() -> None:
    extra_node = "  q3:\n    ask: size\n    next:\n      big: leaf-c\n      small: leaf-c\n"
    extra_leaf = (
        "  leaf-c:\n    family: C\n    rationale: c\n    risks: c\n    methods: [PURE]\n"
        "    estimators: [prm]\n    task: fork\n    baseline: grpo\n"
    )
    text = SMALL.replace("leaves:\n", extra_node + "leaves:\n") + extra_leaf
    errors = errors_of(text)
    assert [e.message for e in errors] == [
        "node 'q3' is not reachable from root 'q1': nothing leads to it (a second root)",
        "leaf 'leaf-c' is not reachable from root 'q1': it is reached only from unreachable nodes",
    ]
    assert [(e.line, e.column) for e in errors] == [
        (line_of(text, "  q3:"), 3),
        (line_of(text, "  leaf-c:"), 3),
    ]


def test_question_asked_twice_on_a_path() -> None:
    text = SMALL.replace("    ask: size", "    ask: color").replace(
        "      big: leaf-a\n      small: leaf-b", "      red: leaf-a\n      blue: leaf-b"
    )
    errors = errors_of(text)
    messages = [e.message for e in errors]
    assert messages == [
        "question 'size' is not asked at any node",
    ]
    text = text.replace(
        "  size:\n    text: Which size?\n    help: Pick one.\n    options:\n"
        "      big: a big one\n      small: a small one\n",
        "",
    )
    error = single_error(text)
    assert error.message == (
        "node 'q2' asks 'color' again; node 'q1' already asked it on the same path"
    )
    assert error.line == line_of(text, "ask: color", nth=2)


def test_root_that_is_not_a_node() -> None:
    text = SMALL.replace("root: q1", "root: q0")
    errors = errors_of(text)
    assert errors[0].message == "root 'q0' is not a question node"
    assert (errors[0].line, errors[0].column) == (4, 7)
    assert errors[0].hint in {"did you mean 'q1' or 'q2'?", "did you mean 'q2' or 'q1'?"}


def test_unknown_question_at_a_node() -> None:
    text = SMALL.replace("    ask: size", "    ask: sise")
    errors = errors_of(text)
    assert errors[0].message == "node 'q2' asks 'sise', which is not a question"
    assert errors[0].line == line_of(text, "ask: sise")
    assert errors[0].hint == "did you mean 'size'?"


def test_leaf_with_a_node_id() -> None:
    text = SMALL.replace("  leaf-b:\n", "  q2:\n").replace("small: leaf-b", "small: q2")
    text = text.replace("blue: leaf-b", "blue: leaf-a")
    error = single_error(text)
    assert error.message == "leaf 'q2' has the id of a node; ids must be unique"


def test_schema_errors_are_located() -> None:
    text = SMALL.replace("    family: family B\n", "").replace(
        "rationale: why A", "rational: why A"
    )
    errors = errors_of(text)
    rendered = [e.render() for e in errors]
    assert any("leaves.leaf-a.rational" in r and "unknown key" in r for r in rendered), rendered
    assert any("leaves.leaf-b" in r and "missing" in r for r in rendered), rendered


def test_bad_option_names_are_refused() -> None:
    text = SMALL.replace("      red: the red one", "      Red One: the red one")
    errors = errors_of(text)
    assert "must start with a lower-case letter" in errors[0].render()


def test_every_problem_is_reported_at_once() -> None:
    text = SMALL.replace("[prm]", "[prn]").replace("[VinePPO, GiGPO]", "[VinePPO, Nope]")
    with pytest.raises(InputErrors) as caught:
        parse_tree(text, "t.yaml")
    assert caught.value.render().startswith("2 errors:\n")


def test_builtin_tree_is_sound() -> None:
    tree = load_tree().tree
    inventory = load_inventory()
    names = set(estimator_names())
    for leaf in tree.leaves.values():
        assert all(inventory.find(m) is not None for m in leaf.methods)
        assert set(leaf.estimators) <= names
        assert leaf.baseline in {"grpo", "rloo"}
        assert leaf.task in task_names()
    # The public interface of the issue: question ids and option values.
    assert {key: list(q.options) for key, q in tree.questions.items()} == {
        "agents": ["single", "multi"],
        "regime": ["reasoning", "agentic"],
        "feedback": ["verifier", "outcome"],
        "branching": ["yes", "no"],
        "critic": ["yes", "privileged", "no"],
        "team_size": ["few", "many"],
    }


def test_builtin_tree_names_the_survey_methods_first() -> None:
    """Each leaf's first method is one of the survey's 47, later additions come after."""
    tree = load_tree().tree
    inventory = load_inventory()
    for leaf_id, leaf in tree.leaves.items():
        collections = [inventory.get(m).collection.value for m in leaf.methods]
        assert collections[0] == "survey", leaf_id
        assert collections == sorted(collections, key=lambda c: c != "survey"), leaf_id


def test_the_builtin_tree_comes_from_the_cache_as_it_checks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cactl.recommend.load import DEFAULT_TREE
    from cactl.resources import read_builtin

    monkeypatch.setenv("CACTL_CACHE_DIR", str(tmp_path))
    cold = load_tree()
    (entry,) = tmp_path.glob("tree_ca_method_selection-*.pickle")
    stamp = entry.stat().st_mtime_ns
    warm = load_tree()
    assert entry.stat().st_mtime_ns == stamp  # read back, not written again
    file = f"cactl/data/decision_tree/{DEFAULT_TREE}.yaml"
    fresh = parse_tree(read_builtin("decision_tree", DEFAULT_TREE), file)
    assert warm == cold == fresh and warm is not cold
    assert warm.positions.locate(("root",)) == fresh.positions.locate(("root",))


def test_a_tree_checked_against_other_names_is_not_cached(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cactl.recommend.load import KnownNames

    monkeypatch.setenv("CACTL_CACHE_DIR", str(tmp_path))
    nobody = KnownNames(
        method=lambda name: None, method_names=[], estimators=[], baselines=[], tasks=[]
    )
    with pytest.raises(InputErrors):
        load_tree(known=nobody)  # every name unknown: checked, not read from the cache
    assert not list(tmp_path.glob("*.pickle"))
