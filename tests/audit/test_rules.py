"""The rule vocabulary: each predicate and combinator, and the load-time checks of paths."""

from __future__ import annotations

import textwrap
from typing import Any

import pytest

from cactl.audit.rules import (
    All,
    AnyOf,
    AtLeast,
    Every,
    NonEmpty,
    Not,
    NumberAtLeast,
    OneOf,
    Present,
    RuleParser,
    SameAs,
    Some,
    When,
    fill,
    lookup,
)
from cactl.errors import InputError, InputErrors
from cactl.yamlsrc import load_yaml_text

DOC: dict[str, Any] = {
    "regime": "agentic",
    "model": {"name": "Qwen2.5-7B", "size": ""},
    "evaluation": {"seeds": 3, "benchmarks": [{"name": "A", "split": "test"}, {"name": "B"}]},
    "baselines": [{"name": "GRPO", "family": "group-relative", "base_model": "qwen2.5-7b "}],
    "method": {"granularity": ["step", "turn"]},
}


def holds(condition: Any) -> bool:
    return bool(condition.holds(DOC, DOC))


def test_lookup_relative_and_absolute() -> None:
    entry = DOC["baselines"][0]
    assert lookup(DOC, entry, "name") == "GRPO"
    assert lookup(DOC, entry, "/model.name") == "Qwen2.5-7B"
    assert lookup(DOC, DOC, "model.missing") is None
    assert lookup(DOC, DOC, "model.name.deeper") is None


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        (Present("model.name"), True),
        (Present("model.size"), True),  # set, though empty
        (Present("model.version"), False),
        (NonEmpty("model.size"), False),
        (NonEmpty("model.name"), True),
        (NonEmpty("baselines"), True),
        (AtLeast("evaluation.benchmarks", 2), True),
        (AtLeast("evaluation.benchmarks", 3), False),
        (AtLeast("model.name", 1), False),  # not a list
        (NumberAtLeast("evaluation.seeds", 3), True),
        (NumberAtLeast("evaluation.seeds", 3.5), False),
        (NumberAtLeast("model.name", 0), False),
        (OneOf("regime", ["agentic", "multi-agent"]), True),
        (OneOf("regime", ["reasoning"]), False),
        (OneOf("method.granularity", ["turn"]), True),  # any entry of a list
        (OneOf("method.granularity", ["token"]), False),
        (OneOf("model.version", ["x"]), False),
        (SameAs("model.name", "model.name"), True),
        (SameAs("model.name", "model.version"), False),  # unset side
    ],
)
def test_predicates(condition: Any, expected: bool) -> None:
    assert holds(condition) is expected


def test_same_as_ignores_case_and_surrounding_space() -> None:
    assert holds(Some("baselines", SameAs("base_model", "/model.name")))


def test_some_and_every() -> None:
    assert holds(Some("evaluation.benchmarks", NonEmpty("split")))
    assert not holds(Every("evaluation.benchmarks", NonEmpty("split")))
    assert holds(Every("evaluation.benchmarks", NonEmpty("name")))
    assert not holds(Every("ablations", NonEmpty("component")))  # absent list
    assert not holds(Some("ablations", NonEmpty("component")))


def test_combinators() -> None:
    yes, no = Present("regime"), Present("data")
    assert holds(All([yes, yes])) and not holds(All([yes, no]))
    assert holds(AnyOf([no, yes])) and not holds(AnyOf([no, no]))
    assert holds(Not(no)) and not holds(Not(yes))
    # when: if false -> true; if true -> then decides
    assert holds(When(no, no))
    assert holds(When(yes, yes))
    assert not holds(When(yes, no))


def test_fill_placeholders() -> None:
    assert fill("{model.name} on {evaluation.benchmarks[].name}", DOC) == "Qwen2.5-7B on A, B"
    assert fill("{evaluation.benchmarks[].split}", DOC) == "test"
    assert fill("{data.source}", DOC) == "?"
    assert fill("{evaluation.seeds} seeds", {"evaluation": {"seeds": 3.0}}) == "3 seeds"


def parse(text: str) -> tuple[Any, list[InputError]]:
    data, positions = load_yaml_text(textwrap.dedent(text), "rule.yaml")
    parser = RuleParser(positions)
    condition = parser.condition(data, ())
    return condition, parser.errors


def test_parser_builds_the_tree() -> None:
    condition, errors = parse(
        """
        all:
          - present: model.name
          - some:
              path: baselines
              that:
                same_as: {path: base_model, other: /model.name}
          - when:
              if: {one_of: {path: regime, values: [agentic]}}
              then: {number_at_least: {path: evaluation.seeds, value: 3}}
          - not: {at_least: {path: evaluation.benchmarks, count: 5}}
        """
    )
    assert errors == []
    assert holds(condition)


def test_unknown_field_is_located_with_a_suggestion() -> None:
    _, errors = parse(
        """
        all:
          - present: model.nmae
        """
    )
    (error,) = errors
    assert (error.file, error.line, error.column) == ("rule.yaml", 3, 14)
    assert "no field 'model.nmae'" in error.message and "'name'" in error.message


def test_every_problem_is_reported_at_once() -> None:
    _, errors = parse(
        """
        any:
          - presnt: model.name
          - one_of: {path: regime, values: [agentic, agentik]}
          - at_least: {path: model.name, count: 1}
          - number_at_least: {path: model.name, value: 1}
          - some: {path: baselines, that: {present: base_modle}}
          - some: {path: model.other_models, that: {present: x}}
          - same_as: {path: model.name}
          - {present: a, non_empty: b}
        """
    )
    lines = sorted(e.line for e in errors if e.line is not None)
    assert lines == [3, 4, 5, 6, 7, 8, 9, 10]
    messages = " | ".join(e.message for e in errors)
    assert "unknown predicate 'presnt'" in messages
    assert "'agentik' is not a value of regime" in messages
    assert "is not a list field" in messages
    assert "is not a number field" in messages
    assert "'base_modle'" in messages  # checked relative to the list entry's model
    assert "list of plain values" in messages
    assert "missing argument 'other'" in messages
    assert "exactly one predicate" in messages
    hint = next(e for e in errors if "presnt" in e.message).hint
    assert hint is not None and "present" in hint


def test_placeholders_are_checked() -> None:
    _, positions = load_yaml_text("r: x\n", "r.yaml")
    parser = RuleParser(positions)
    parser.template("{model.name} {model.nam} {baselines[].famly} {model.name[].x}", ("r",))
    assert len(parser.errors) == 3
    assert all(e.line == 1 for e in parser.errors)


def test_errors_are_input_errors() -> None:
    from cactl.errors import raise_all

    _, errors = parse("present: nope\n")
    with pytest.raises(InputError):
        raise_all(errors)
    _, errors = parse("all: [{present: a}, {present: b}]\n")
    with pytest.raises(InputErrors):
        raise_all(errors)
