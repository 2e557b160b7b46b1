"""The paper schema: everything optional, every bad value an error with line and column, all
reported at once; vocabularies and inventory names checked."""

from __future__ import annotations

import textwrap

import pytest

from cactl.audit.paper import Paper, load_paper, load_paper_text
from cactl.errors import InputError, InputErrors
from cactl.vocab import Granularity


def errors_of(text: str) -> list[InputError]:
    with pytest.raises((InputError, InputErrors)) as caught:
        load_paper_text(textwrap.dedent(text), "p.yaml")
    exc = caught.value
    if isinstance(exc, InputErrors):
        return list(exc.errors)
    assert isinstance(exc, InputError)
    return [exc]


def test_empty_and_null_documents_are_empty_papers() -> None:
    assert load_paper_text("", "p.yaml")[0] == Paper()
    assert load_paper_text("# only a comment\n", "p.yaml")[0] == Paper()


def test_numbers_are_accepted_as_text_and_one_granularity_as_a_list() -> None:
    paper, _, _ = load_paper_text("model: {size: 7}\nmethod: {granularity: turn}\n", "p.yaml")
    assert paper.model is not None and paper.model.size == "7"
    assert paper.method is not None and paper.method.granularity == [Granularity.turn]


def test_all_schema_errors_at_once_with_locations() -> None:
    errors = errors_of(
        """\
        regime: agentik
        model:
          nmae: Qwen
        evaluation:
          seeds: three
          benchmarks:
            - name: A
            - {name: B, splt: test}
        baselines:
          - family: grpo
        trajectories: {unit: steps}
        """
    )
    found = sorted((e.line, e.column, e.field) for e in errors)
    assert found == [
        (1, 9, "regime"),
        (3, 3, "model.nmae"),
        (5, 10, "evaluation.seeds"),
        (8, 17, "evaluation.benchmarks[1].splt"),
        (10, 13, "baselines[0].family"),
        (11, 22, "trajectories.unit"),
    ]
    by_field = {e.field: e for e in errors}
    assert by_field["model.nmae"].hint is not None and "'name'" in by_field["model.nmae"].hint
    assert by_field["evaluation.benchmarks[1].splt"].hint is not None
    assert "'split'" in (by_field["evaluation.benchmarks[1].splt"].hint or "")
    assert "group-relative" in (by_field["baselines[0].family"].expected or "")
    assert "reasoning" in (by_field["regime"].expected or "")


def test_a_paper_must_be_a_mapping() -> None:
    (error,) = errors_of("- a\n- b\n")
    assert "mapping" in error.message and error.line == 1


def test_yaml_syntax_and_duplicate_keys() -> None:
    (syntax,) = errors_of("model: {name: [\n")
    assert syntax.message.startswith("YAML syntax error")
    (duplicate,) = errors_of("model:\n  name: A\n  name: B\n")
    assert "duplicate key 'name'" in duplicate.message and duplicate.line == 3


def test_inventory_name_is_checked_with_suggestions() -> None:
    load_paper_text("method: {inventory: gigpo}\n", "p.yaml")  # any case
    (error,) = errors_of("method: {inventory: GiGPPO}\n")
    assert (error.line, error.column, error.field) == (1, 21, "method.inventory")
    assert error.hint is not None and "GiGPO" in error.hint


def test_arxiv_id_format() -> None:
    load_paper_text("paper: {arxiv: '2505.10978'}\n", "p.yaml")
    (error,) = errors_of("paper: {arxiv: 'abs/2505'}\n")
    assert error.field == "paper.arxiv"


def test_missing_file() -> None:
    with pytest.raises(InputError) as caught:
        load_paper("no/such/paper.yaml")
    assert "not found" in caught.value.message


def test_control_characters_are_located_input_errors() -> None:
    (error,) = errors_of("model:\n  name: a\x07b\n")
    assert (error.line, error.column) == (2, 10)
    assert "U+0007" in error.message


def test_trajectory_lengths_must_be_ordered() -> None:
    load_paper_text("trajectories: {min: 1, median: 2, mean: 2.5, max: 9}\n", "p.yaml")
    (error,) = errors_of("trajectories:\n  min: 10\n  max: 9\n")
    assert (error.line, error.field) == (2, "trajectories")
    assert "min (10) is larger than max (9)" in error.message
    (error,) = errors_of("trajectories: {mean: 12, max: 9}\n")
    assert "mean (12) is larger than max (9)" in error.message


def test_inventory_and_schema_errors_together_in_line_order() -> None:
    errors = errors_of("regime: x\nmethod: {inventory: NoSuchMethod}\nmodel: {nme: a}\n")
    assert [(e.line, e.field) for e in errors] == [
        (1, "regime"),
        (2, "method.inventory"),
        (3, "model.nme"),
    ]


def test_duplicate_keys_come_with_the_schema_errors_in_line_order() -> None:
    errors = errors_of(
        """\
        regime: reasonin
        model:
          name: a
          name: b
          sise: 7B
        """
    )
    assert [(e.line, e.column, e.field) for e in errors] == [
        (1, 9, "regime"),
        (4, 3, "model.name"),
        (5, 3, "model.sise"),
    ]
    assert "duplicate key 'name'" in errors[1].message
    assert errors[2].hint == "did you mean 'size'?"


def test_keep_going_keeps_the_first_value_of_a_duplicate_key() -> None:
    from cactl.yamlsrc import load_yaml_text

    data, positions = load_yaml_text("a: 1\na: 2\n", "d.yaml", keep_going=True)
    assert data == {"a": 1}
    assert [e.line for e in positions.problems] == [2]
