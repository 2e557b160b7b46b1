"""YAML loading with positions: marks, duplicates, booleans, syntax errors, pydantic mapping.

Every test here runs twice: with libyaml's parser (where PyYAML was built with it) and with
PyYAML's pure-Python one, which must give the same data, positions and errors."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pydantic import BaseModel, ConfigDict, ValidationError

from cactl import yamlsrc
from cactl.errors import MAX_SHOWN, InputError, InputErrors
from cactl.yamlsrc import format_path, load_yaml, load_yaml_text, validation_errors

LIBYAML = yamlsrc._CLoader


@pytest.fixture(autouse=True, params=["libyaml", "python"])
def parser(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    if request.param == "libyaml" and LIBYAML is None:
        pytest.skip("PyYAML was built without libyaml")
    if request.param == "python":
        monkeypatch.setattr(yamlsrc, "_CLoader", None)
    yield request.param


DOC = """\
paper:
  title: Demo
  year: 2025
runs:
  - name: a
    seeds: 3
  - name: b
    seeds: yes
"""


def test_positions_are_one_based_lines_and_columns() -> None:
    data, positions = load_yaml_text(DOC, "p.yaml")
    assert data["runs"][1]["seeds"] == "yes"  # YAML 1.1 booleans stay strings
    assert positions.locate(("paper", "title")) == (2, 10)
    assert positions.locate(("runs", 1, "seeds")) == (8, 12)
    assert positions.locate(("runs", 1, "seeds"), key=True) == (8, 5)
    # A missing key points at its nearest existing parent.
    assert positions.locate(("runs", 0, "nope")) == (5, 5)
    assert positions.locate(("nowhere", "deep")) == (1, 1)


def test_true_and_false_are_still_booleans() -> None:
    data, _ = load_yaml_text("a: true\nb: False\nc: on\nd: no\n", "x.yaml")
    assert data == {"a": True, "b": False, "c": "on", "d": "no"}


def test_duplicate_keys_are_reported_all_at_once() -> None:
    with pytest.raises(InputErrors) as caught:
        load_yaml_text("a: 1\nb: 2\na: 3\nb: 4\n", "d.yaml")
    rendered = caught.value.render()
    assert "d.yaml:3:1: a: duplicate key 'a'. first defined on line 1" in rendered
    assert "d.yaml:4:1: b: duplicate key 'b'. first defined on line 2" in rendered


def test_syntax_error_has_line_column_and_frame() -> None:
    with pytest.raises(InputError) as caught:
        load_yaml_text("a: [1,\nb: 2\n", "s.yaml")
    error = caught.value
    assert (error.file, error.line, error.column) == ("s.yaml", 2, 5)
    framed = error.render(frame=True)
    assert "YAML syntax error" in framed
    assert "    2 | b: 2\n" in framed


def test_unsafe_tags_are_refused() -> None:
    with pytest.raises(InputError) as caught:
        load_yaml_text("a: !!python/object:os.system {}\n", "t.yaml")
    assert caught.value.line == 1


def test_empty_document_is_none() -> None:
    assert load_yaml_text("", "e.yaml")[0] is None
    assert load_yaml_text("# only a comment\n", "e.yaml")[0] is None


def test_missing_file_and_directory(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InputError, match="file not found"):
        load_yaml(tmp_path / "nope.yaml")
    with pytest.raises(InputError, match="is a directory"):
        load_yaml(tmp_path)
    binary = tmp_path / "b.yaml"
    binary.write_bytes(b"\xff\xfe\x00a")
    with pytest.raises(InputError, match="not UTF-8"):
        load_yaml(binary)


def test_format_path() -> None:
    assert format_path(("a", "b", 2, "c")) == "a.b[2].c"
    assert format_path(()) == ""


class Run(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    seeds: int


class Doc(BaseModel):
    model_config = ConfigDict(extra="forbid")
    runs: list[Run]


def test_validation_errors_are_located_with_expected_found_and_did_you_mean() -> None:
    text = "runs:\n  - name: a\n    seeds: many\n  - name: b\n    sedes: 3\n"
    data, positions = load_yaml_text(text, "v.yaml")
    with pytest.raises(ValidationError) as caught:
        Doc.model_validate(data)
    errors = validation_errors(caught.value, positions, Doc).errors
    rendered = [error.render() for error in errors]
    assert (
        "v.yaml:3:12: runs[0].seeds: wrong type (expected an integer, found str 'many')" in rendered
    )
    assert "v.yaml:5:5: runs[1].sedes: unknown key 'sedes'. did you mean 'seeds'?" in rendered
    assert any(r.startswith("v.yaml:4:5: runs[1].seeds: required key is missing") for r in rendered)
    assert len(errors) == 3


def test_control_characters_are_located() -> None:
    with pytest.raises(InputError) as caught:
        load_yaml_text("a: 1\nb: x\x07y\n", "c.yaml")
    error = caught.value
    assert (error.line, error.column) == (2, 5)
    assert "YAML does not allow (U+0007)" in error.message


def test_deep_nesting_is_located_not_a_recursion_error() -> None:
    # beyond what PyYAML's composer recurses through: located where the reader stopped
    with pytest.raises(InputError) as caught:
        load_yaml_text("a: 1\nb: " + "[" * 500 + "]" * 500 + "\n", "deep.yaml")
    assert (caught.value.file, caught.value.line) == ("deep.yaml", 2)
    assert caught.value.message == "mappings and lists nest too deeply"
    assert caught.value.expected == "at most 64 levels"
    # composed, but deeper than 64 levels: located at the first node too deep
    text = "".join("  " * level + "k:\n" for level in range(70))
    with pytest.raises(InputError) as caught:
        load_yaml_text(text, "deep.yaml")
    assert (caught.value.line, caught.value.column) == (65, 129)
    # 64 levels load
    data, _ = load_yaml_text("x: " + "[" * 63 + "]" * 63, "ok.yaml")
    depth = 0
    while isinstance(data, (dict, list)):
        data = data["x"] if isinstance(data, dict) else (data[0] if data else None)
        depth += 1
    assert depth == 64


BOMB = "".join(
    f"{name}: &{name} [{', '.join([f'*{prev}'] * 9) if prev else ', '.join(['x'] * 9)}]\n"
    for prev, name in zip(["", *"abcdefgh"], "abcdefghi", strict=True)
)


def test_an_alias_bomb_is_stopped_at_the_node_limit() -> None:
    assert len(BOMB) < 400  # 9**9 strings once expanded
    with pytest.raises(InputError) as caught:
        load_yaml_text(BOMB, "bomb.yaml")
    assert caught.value.code == "too-large"
    assert caught.value.expected == f"at most {yamlsrc.MAX_NODES} values"


def test_the_node_limit_counts_every_use_of_an_alias(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yamlsrc, "MAX_NODES", 9)
    # root + a + 3 items + b + its 3 aliased items = 9 nodes: at the limit, not past it
    data, _ = load_yaml_text("a: &x [1, 2, 3]\nb: *x\n", "ok.yaml")
    assert data == {"a": [1, 2, 3], "b": [1, 2, 3]}
    with pytest.raises(InputError, match="too many values"):
        load_yaml_text("a: &x [1, 2, 3]\nb: *x\nc: 1\n", "over.yaml")


@pytest.mark.parametrize(
    ("text", "line", "column", "code"),
    [
        ("a:\n  b: .inf\n", 2, 6, "not-finite"),
        ("a: -.Inf\n", 1, 4, "not-finite"),
        ("a: .nan\n", 1, 4, "not-finite"),
        ("a: 1.0e+999\n", 1, 4, "not-finite"),  # (1e999, YAML 1.1 text, is the schema's)
        ("a: " + "7" * 4301 + "\n", 1, 4, "too-large"),
        ("a: !!binary aGVsbG8=\n", 1, 4, "yaml-unsupported"),
        ("a: !!set {x, y}\n", 1, 4, "yaml-unsupported"),
        ("b: &b {x: 1}\nc:\n  <<: *b\n", 3, 3, "yaml-unsupported"),
        ('a: "\\e[2J"\n', 1, 4, "bad-text"),
        ('a: "x\\0y"\n', 1, 4, "bad-text"),
        ('a: "\\ud800"\n', 1, 4, "bad-text"),
        ('"\\x1b": 1\n', 1, 1, "bad-text"),
    ],
)
def test_values_cactl_refuses_are_located(text: str, line: int, column: int, code: str) -> None:
    with pytest.raises(InputError) as caught:
        load_yaml_text(text, "v.yaml")
    error = caught.value
    assert (error.file, error.line, error.column, error.code) == ("v.yaml", line, column, code)


def test_a_date_where_text_is_expected_is_text() -> None:
    data, _ = load_yaml_text("title: 2020-02-30\nwhen: 2024-01-01 10:00:00\n", "d.yaml")
    assert data == {"title": "2020-02-30", "when": "2024-01-01 10:00:00"}


def test_tabs_and_newlines_in_text_are_fine() -> None:
    data, _ = load_yaml_text('a: "x\\ty"\nb: |\n  one\n  two\n', "t.yaml")
    assert data == {"a": "x\ty", "b": "one\ntwo\n"}


def test_many_errors_are_all_counted_and_the_message_capped() -> None:
    text = "a: 1\n" + "a: 2\n" * 300
    with pytest.raises(InputErrors) as caught:
        load_yaml_text(text, "many.yaml")
    assert len(caught.value.errors) == 300
    rendered = caught.value.render()
    assert rendered.endswith(f"\n... and {300 - MAX_SHOWN} more")
    assert rendered.count("duplicate key") == MAX_SHOWN


def test_a_long_document_stops_at_the_value_past_the_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yamlsrc, "MAX_NODES", 1000)
    # the root, evaluation and benchmarks mappings (3) + 498 entries of 2 values (a mapping and
    # its name) = 999; the 499th entry, on line 2 + 499, makes it 1000, and its name (column
    # 14) the value past the limit. The syntax error at the end is never reached.
    text = "evaluation:\n  benchmarks:\n" + "".join(
        f"    - {{name: b{i}}}\n" for i in range(100_000)
    )
    text += "  [unclosed\n"
    with pytest.raises(InputError) as caught:
        load_yaml_text(text, "big.yaml")
    error = caught.value
    assert (error.line, error.column, error.code) == (501, 14, "too-large")
    assert error.message == "the document has too many values"  # no aliases: none mentioned
    assert error.expected == "at most 1000 values"


def test_the_message_names_aliases_only_when_the_file_uses_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(yamlsrc, "MAX_NODES", 9)
    with pytest.raises(InputError) as caught:
        load_yaml_text("".join(f"k{i}: 1\n" for i in range(20)), "keys.yaml")
    assert caught.value.message == "the document has too many values"
    assert (caught.value.line, caught.value.column) == (9, 5)  # root + 8 values, then k8's
    with pytest.raises(InputError) as caught:
        load_yaml_text("a: &x [1, 2, 3]\nb: *x\nc: [1]\n", "alias.yaml")
    assert caught.value.message == (
        "the document has too many values"
        " (an alias counts as the values it stands for, each time it is used)"
    )
    assert (caught.value.line, caught.value.column) == (3, 4)


def test_an_alias_inside_its_own_value_is_refused() -> None:
    with pytest.raises(InputError) as caught:
        load_yaml_text("a: &x\n  - 1\n  - *x\n", "self.yaml")
    error = caught.value
    assert (error.line, error.column, error.code) == (3, 5, "yaml-syntax")
    assert error.message == "YAML syntax error: alias 'x' is used inside its own value"


def test_positions_count_values_not_keys() -> None:
    _, positions = load_yaml_text("a: &x [1, 2]\nb: *x\nc: {d: 1}\n", "n.yaml")
    # root, a, 1, 2, b (3 through the alias), c, d
    assert positions.nodes == 1 + 3 + 3 + 2
