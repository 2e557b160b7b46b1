"""The JSONL reader and writer: skipping, streaming, located errors, round trips."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from cactl.errors import MAX_SHOWN, InputError, InputErrors, errors_document
from cactl.tasks import make_task, rollout
from cactl.trajectory import jsonl
from cactl.trajectory.jsonl import iter_trajectories, load_trajectories, write_trajectories
from cactl.trajectory.model import MAX_TEXT_CHARS, Trajectory

GOOD = '{"id": "a", "group": "g", "reward": 1, "steps": [{"tokens": 2}]}'


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "t.jsonl"
    path.write_text(text, encoding="utf-8")
    return path


def errors_of(path: Path) -> list[InputError]:
    with pytest.raises((InputError, InputErrors)) as caught:
        load_trajectories(path)
    exc = caught.value
    return list(exc.errors) if isinstance(exc, InputErrors) else [exc]


def test_blank_and_comment_lines_are_skipped_and_lines_counted(tmp_path: Path) -> None:
    text = (
        "# header\n\n" + GOOD + "\n   \n  # indented comment\n" + GOOD.replace('"a"', '"b"') + "\n"
    )
    loaded = load_trajectories(write(tmp_path, text))
    assert [t.id for t in loaded.trajectories] == ["a", "b"]
    assert loaded.lines == [3, 6]
    assert [(n, t.id) for n, t in iter_trajectories(tmp_path / "t.jsonl")] == [(3, "a"), (6, "b")]


def test_numeric_ids_are_labels(tmp_path: Path) -> None:
    loaded = load_trajectories(
        write(tmp_path, '{"id": 7, "group": 1, "reward": 0, "steps": [{"tokens": 1}]}\n')
    )
    assert loaded.trajectories[0].id == "7"


@pytest.mark.parametrize(
    ("line", "field", "message", "found"),
    [
        ('{"id": "x", "group": "g", "reward": 1, "steps": [{"tokens": 2, "value": NaN}]}',
         "steps[0].value", "must be a finite number, found nan (trajectory 'x')", None),
        ('{"id": "x", "group": "g", "reward": 1, "steps": [{"tokens": 2, "prm": 1e999}]}',
         "steps[0].prm", "must be a finite number, found inf (trajectory 'x')", None),
        ('{"id": "x", "group": "g", "reward": Infinity, "steps": [{"tokens": 2}]}',
         "reward", "must be a finite number, found inf (trajectory 'x')", None),
        ('{"id": "x", "group": "g", "reward": 1, "steps": [{"tokens": 0}]}',
         "steps[0].tokens", "Input should be greater than or equal to 1 (trajectory 'x')", "0"),
        ('{"id": "x", "group": "g", "reward": 1, "steps": [{"tokens": 2, "valeu": 1}]}',
         "steps[0].valeu", "Extra inputs are not permitted (trajectory 'x')", "1"),
        ('{"id": "x", "group": "g", "steps": [{"tokens": 2}]}',
         "reward", "Field required (trajectory 'x')", None),
        ('{"id": "x", "group": "g", "reward": 1, "steps": [{"tokens": 2, "logp": [0, 0, 0]}]}',
         "steps[0]", "logp has 3 entries, expected one per token (2) or one number (trajectory 'x')", None),
    ],
)  # fmt: skip
def test_field_errors_name_line_id_and_field(
    tmp_path: Path, line: str, field: str, message: str, found: str | None
) -> None:
    (error,) = errors_of(write(tmp_path, GOOD + "\n# c\n" + line + "\n"))
    assert (error.line, error.field, error.message, error.found) == (3, field, message, found)
    assert error.file == str(tmp_path / "t.jsonl")


def test_unknown_step_field_suggests_the_right_one(tmp_path: Path) -> None:
    line = '{"id": "x", "group": "g", "reward": 1, "steps": [{"tokens": 2, "valeu": 1}]}'
    (error,) = errors_of(write(tmp_path, line + "\n"))
    assert error.hint == "did you mean 'value'?"


def test_syntax_errors_duplicates_and_non_objects_all_reported(tmp_path: Path) -> None:
    text = "\n".join([GOOD, GOOD, '{"id": "e" "group": "g"}', "[1, 2]", ""])
    errors = errors_of(write(tmp_path, text))
    assert [(e.line, e.column, e.field) for e in errors] == [
        (2, None, "id"),
        (3, 12, None),
        (4, None, None),
    ]
    assert errors[0].message == "duplicate id 'a' (first on line 1)"
    assert errors[1].message == "invalid JSON: Expecting ',' delimiter"
    assert (
        errors[1].render(frame=True).endswith('    3 | {"id": "e" "group": "g"}\n' + " " * 19 + "^")
    )
    assert (errors[2].expected, errors[2].found) == ("a JSON object", "list")


def test_empty_and_missing_files(tmp_path: Path) -> None:
    (error,) = errors_of(write(tmp_path, "# nothing\n\n"))
    assert error.message == "no trajectories in the file"
    with pytest.raises(InputError, match="file not found"):
        load_trajectories(tmp_path / "missing.jsonl")
    with pytest.raises(InputError, match="directory"):
        load_trajectories(tmp_path)


def test_streaming_reader_stops_at_the_first_error_after_yielding(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD + "\n{bad\n")
    stream = iter_trajectories(path)
    assert next(stream)[1].id == "a"
    with pytest.raises(InputError) as caught:
        next(stream)
    assert caught.value.line == 2


def test_round_trip_of_task_trajectories(tmp_path: Path) -> None:
    trajectories = rollout(
        make_task("team", {"groups": 2, "group_size": 2}), random.Random(0)
    ).trajectories
    path = tmp_path / "team.jsonl"
    write_trajectories(path, trajectories, header="team task\nseed 0")
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# team task\n# seed 0\n{")
    assert load_trajectories(path).trajectories == trajectories


def test_writer_refuses_duplicate_ids_and_writes_nothing(tmp_path: Path) -> None:
    trajectories = rollout(
        make_task("fork", {"groups": 1, "group_size": 1}), random.Random(0)
    ).trajectories
    path = tmp_path / "dup.jsonl"
    with pytest.raises(InputError, match="duplicate id 'fork-0-0'"):
        write_trajectories(path, trajectories * 2)
    assert not path.exists()


def test_a_coalition_is_given_once_with_distinct_members(tmp_path: Path) -> None:
    # a repeated coalition (in any order) or member would make one value silently win
    steps = '"steps": [{"tokens": 1}, {"tokens": 1}]'
    table = '{"members": [0, 1], "value": 1}, {"members": [1, 0], "value": 5}'
    twice = f'{{"id": "a", "group": "g", "reward": 1, {steps}, "coalitions": [{table}]}}\n'
    repeated = twice.replace('"id": "a"', '"id": "b"').replace("[1, 0]", "[0, 0]")
    first, second = errors_of(write(tmp_path, "# x\n" + twice + repeated))
    assert first.render() == (
        f"{tmp_path / 't.jsonl'}:2: coalitions[1] has the same members as coalitions[0], "
        "expected one value per coalition (trajectory 'a')"
    )
    assert (second.line, second.field) == (3, "coalitions[1]")
    assert second.message == "member 0 is listed twice (trajectory 'b')"


def test_byte_order_mark_and_crlf_line_ends_are_read(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    path.write_bytes(
        b"\xef\xbb\xbf" + GOOD.encode() + b"\r\n# c\r\n" + GOOD.encode()[:10] + b"\r\n"
    )
    (error,) = errors_of(path)
    assert (error.line, error.column) == (3, 11)  # lines counted as usual, the cut at 11
    path.write_bytes(b"\xef\xbb\xbf" + GOOD.encode() + b"\r\n")
    assert [t.id for t in load_trajectories(path).trajectories] == ["a"]


def test_a_key_given_twice_is_an_error_not_the_last_value(tmp_path: Path) -> None:
    twice = GOOD.replace('"reward": 1', '"reward": 1, "reward": 0')
    nested = GOOD.replace('{"tokens": 2}', '{"tokens": 2, "tokens": 3}')
    first, second = errors_of(write(tmp_path, twice + "\n" + nested + "\n"))
    assert first.render() == (
        f"{tmp_path / 't.jsonl'}:1: duplicate key 'reward' (expected each key once per object). "
        "JSON readers differ on which value wins; keep one"
    )
    assert (second.line, second.message) == (2, "duplicate key 'tokens'")


def test_deep_nesting_is_a_located_error_not_a_recursion_error(tmp_path: Path) -> None:
    ok_prefix = GOOD[:-1] + ', "x": '
    very_deep = "[" * 5_000 + "]" * 5_000  # beyond what the JSON parser recurses through
    deep = "[" * 65 + "]" * 65  # parses, but deeper than the 64 levels allowed
    text = f"{very_deep}\n{ok_prefix}{deep}}}\n{ok_prefix}{'[' * 63 + ']' * 63}}}\n"
    errors = errors_of(write(tmp_path, text))
    assert [(e.line, e.message) for e in errors[:2]] == [
        (1, "lists and objects nest too deeply"),
        (2, "lists and objects nest too deeply"),
    ]
    assert errors[0].expected == "at most 64 levels"
    # 64 levels (the line's object and 63 lists) is the unknown field's error only
    assert [(e.line, e.field) for e in errors[2:]] == [(3, "x")]


@pytest.mark.parametrize(
    ("line", "field", "code"),
    [
        (
            '{"id": "a", "group": "g", "reward": "1.0", "steps": [{"tokens": 2}]}',
            "reward",
            "wrong-type",
        ),
        (
            '{"id": "a", "group": "g", "reward": 1, "steps": [{"tokens": true}]}',
            "steps[0].tokens",
            "wrong-type",
        ),
        (
            '{"id": "a", "group": "g", "reward": 1, "steps": [{"tokens": 2.0}]}',
            "steps[0].tokens",
            "wrong-type",
        ),
        (
            '{"id": "a", "group": "g", "reward": 1e999, "steps": [{"tokens": 2}]}',
            "reward",
            "not-finite",
        ),
        (
            '{"id": "\\u001b[2J", "group": "g", "reward": 1, "steps": [{"tokens": 2}]}',
            "id",
            "bad-text",
        ),
        (
            '{"id": "a", "group": "g", "reward": 1, "steps": [{"tokens": 2, "agent": "\\ud800"}]}',
            "steps[0].agent",
            "bad-text",
        ),
        (
            '{"id": "a", "group": "g", "reward": 1, "steps": [{"tokens": 2, "\\u0000": 1}]}',
            "steps[0]",
            "bad-text",
        ),
    ],
)
def test_values_are_as_strict_as_the_schema(
    tmp_path: Path, line: str, field: str, code: str
) -> None:
    (error,) = errors_of(write(tmp_path, GOOD.replace('"a"', '"z"') + "\n" + line + "\n"))
    assert (error.line, error.field, error.code, error.trajectory) == (2, field, code, 1)


def test_an_integer_past_the_digit_limit_is_located(tmp_path: Path) -> None:
    line = GOOD.replace('"reward": 1', '"reward": ' + "9" * 5000)
    (error,) = errors_of(write(tmp_path, line + "\n"))
    assert (error.line, error.code) == (1, "too-large")


def test_reading_stops_at_a_line_past_the_limit_without_holding_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The rest of a line past the limit may never end (/dev/zero, a pipe): reading stops
    there, so a bad line after it is not reached."""
    monkeypatch.setattr(jsonl, "MAX_LINE_BYTES", 100)
    long = (
        '{"id": "b", "group": "g", "reward": 1, "steps": ['
        + ", ".join(['{"tokens": 1}'] * 20)
        + "]}"
    )
    path = write(tmp_path, GOOD + "\n" + long + "\n" + "{not json\n")
    (error,) = errors_of(path)
    assert (error.line, error.code, error.expected) == (2, "too-large", "at most 100 bytes")
    assert error.message == "line is too long; reading stops here"
    monkeypatch.setattr(jsonl, "MAX_LINE_BYTES", 10_000)
    assert [e.line for e in errors_of(path)] == [3]


@pytest.mark.parametrize(
    ("limit", "value", "found"),
    [("MAX_LINES", 4, "5 lines and 5 bytes"), ("MAX_INPUT_BYTES", 3, "4 lines and 4 bytes")],
)
def test_blank_lines_count_against_the_file_limits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, limit: str, value: int, found: str
) -> None:
    """``yes '' | cactl trial --input -`` ends: every line counts, blank or not."""
    monkeypatch.setattr(jsonl, limit, value)
    (error,) = errors_of(write(tmp_path, "\n" * 10))
    assert (error.message, error.code) == ("file is too long; reading stops here", "too-large")
    assert error.found == f"{found} up to this line"


def test_a_run_stops_at_the_trajectory_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(jsonl, "MAX_TRAJECTORIES", 3)
    lines = [GOOD.replace('"a"', f'"t{k}"') for k in range(5)]
    with pytest.raises(InputError) as caught:
        load_trajectories(write(tmp_path, "\n".join(lines) + "\n"))
    assert (caught.value.line, caught.value.code, caught.value.trajectory) == (4, "too-large", 3)


def test_a_run_stops_at_the_step_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jsonl, "MAX_STEPS", 4)
    two = '{"id": "ID", "group": "g", "reward": 1, "steps": [{"tokens": 1}, {"tokens": 1}]}'
    lines = [two.replace("ID", f"t{k}") for k in range(3)]  # 2, 4, then 6 steps
    with pytest.raises(InputError) as caught:
        load_trajectories(write(tmp_path, "\n".join(lines) + "\n"))
    assert (caught.value.line, caught.value.code) == (3, "too-large")


def test_stdin_is_read_as_a_stream(monkeypatch: pytest.MonkeyPatch) -> None:
    import io
    import sys

    stream = io.TextIOWrapper(io.BytesIO((GOOD + "\n{bad\n").encode()), encoding="utf-8")
    monkeypatch.setattr(sys, "stdin", stream)
    with pytest.raises(InputError) as caught:
        load_trajectories("-")
    assert (caught.value.file, caught.value.line, caught.value.code) == (
        "<stdin>",
        2,
        "json-syntax",
    )


LONG = "x" * (MAX_TEXT_CHARS + 1)


@pytest.mark.parametrize(
    ("line", "field"),
    [
        (GOOD.replace('"a"', f'"{LONG}"'), "id"),
        (GOOD.replace('"id": "a"', f'"id": {"9" * (MAX_TEXT_CHARS + 1)}'), "id"),
        (GOOD.replace('"g"', f'"{LONG}"'), "group"),
        (GOOD.replace('{"tokens": 2}', f'{{"tokens": 2, "agent": "{LONG}"}}'), "steps[0].agent"),
        (GOOD.replace('{"tokens": 2}', f'{{"tokens": 2, "state": "{LONG}"}}'), "steps[0].state"),
        (
            GOOD[:-1] + f', "coalitions": [{{"members": ["{LONG}"], "value": 1}}]}}',
            "coalitions[0].members[0]",
        ),
    ],
)
def test_every_text_field_has_a_length_cap(tmp_path: Path, line: str, field: str) -> None:
    (error,) = errors_of(write(tmp_path, GOOD.replace('"a"', '"z"') + "\n" + line + "\n"))
    assert error.render() == (
        f"{tmp_path / 't.jsonl'}:2: {field}: text is too long "
        f"(expected at most {MAX_TEXT_CHARS} characters, found {MAX_TEXT_CHARS + 1} characters)"
    )
    assert (error.code, error.trajectory) == ("too-large", 1)


def test_text_at_the_cap_is_read(tmp_path: Path) -> None:
    at_cap = "x" * MAX_TEXT_CHARS
    line = GOOD.replace('"a"', f'"{at_cap}"').replace(
        '{"tokens": 2}', f'{{"tokens": 2, "agent": "{at_cap}"}}'
    )
    (trajectory,) = load_trajectories(write(tmp_path, line + "\n")).trajectories
    assert trajectory.id == at_cap and trajectory.steps[0].agent == at_cap


def test_a_long_key_is_refused_without_echoing_it(tmp_path: Path) -> None:
    line = GOOD[:-1] + f', "{LONG}": 1}}'
    (error,) = errors_of(write(tmp_path, line + "\n"))
    assert error.render() == (
        f"{tmp_path / 't.jsonl'}:1: a key is too long "
        f"(expected at most {MAX_TEXT_CHARS} characters, found {MAX_TEXT_CHARS + 1} characters)"
    )


def test_a_long_id_with_an_escape_is_too_long_not_scanned(tmp_path: Path) -> None:
    line = GOOD.replace('"a"', f'"\\u001b{LONG}"')
    (error,) = errors_of(write(tmp_path, line + "\n"))
    assert (error.field, error.message, error.found) == (
        "id",
        "text is too long",
        f"{MAX_TEXT_CHARS + 2} characters",
    )


def test_the_schema_says_the_cap() -> None:
    from cactl.audit.schemas import trajectory_schema

    schema = trajectory_schema()
    definitions = schema["definitions"]
    assert schema["properties"]["id"]["maxLength"] == MAX_TEXT_CHARS
    assert schema["properties"]["group"]["maxLength"] == MAX_TEXT_CHARS
    for name in ("agent", "state"):
        (text, _) = definitions["Step"]["properties"][name]["anyOf"]
        assert text == {"maxLength": MAX_TEXT_CHARS, "type": "string"}
    members = definitions["Coalition"]["properties"]["members"]["items"]["anyOf"]
    assert {"maxLength": MAX_TEXT_CHARS, "type": "string"} in members


def test_errors_past_those_shown_are_counted(tmp_path: Path) -> None:
    bad = [
        f'{{"id": "t{k}", "group": "g", "reward": 1, "steps": []}}' for k in range(MAX_SHOWN + 7)
    ]
    with pytest.raises(InputErrors) as caught:
        load_trajectories(write(tmp_path, "\n".join(bad) + "\n"))
    exc = caught.value
    assert (len(exc.errors), exc.count) == (MAX_SHOWN, MAX_SHOWN + 7)
    text = exc.render()
    assert text.startswith(f"{MAX_SHOWN + 7} errors:\n")
    assert text.endswith("\n... and 7 more")
    document = errors_document(exc)
    assert (len(document["errors"]), document["count"]) == (MAX_SHOWN, MAX_SHOWN + 7)
    # three errors a line (group, reward and steps missing), past the listed ones only counted
    three = [f'{{"id": "t{k}"}}' for k in range(30)]
    with pytest.raises(InputErrors) as caught:
        load_trajectories(write(tmp_path, "\n".join(three) + "\n"))
    assert (len(caught.value.errors), caught.value.count) == (MAX_SHOWN, 90)
    assert caught.value.render().endswith(f"\n... and {90 - MAX_SHOWN} more")


def test_lines_in_error_count_against_the_limit_and_reading_stops_there(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(jsonl, "MAX_TRAJECTORIES", 3)
    lines = ['{"id": "x"}'] * 2 + ["[1]"] + ["{not json"] * 100
    with pytest.raises(InputErrors) as caught:
        load_trajectories(write(tmp_path, "\n".join(lines) + "\n"))
    errors = caught.value.errors
    # line 1 and 2: 3 fields missing each; line 3 not an object; line 4 crosses the limit
    assert [(e.line, e.code) for e in errors][-2:] == [(3, "wrong-type"), (4, "too-large")]
    assert caught.value.count == 3 + 3 + 1 + 1
    assert errors[-1].found == "4 trajectories, 0 steps and 0 list entries up to this line"


def test_the_steps_of_a_line_count_before_its_models_are_built(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(jsonl, "MAX_STEPS", 4)
    built: list[object] = []
    validate = jsonl.Trajectory.model_validate

    def spy(data: object, **kwargs: object) -> Trajectory:
        built.append(data)
        return validate(data, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(jsonl.Trajectory, "model_validate", spy)
    many = GOOD.replace('[{"tokens": 2}]', "[" + ", ".join(['{"tokens": 1}'] * 9) + "]")
    with pytest.raises(InputError) as caught:
        load_trajectories(write(tmp_path, GOOD + "\n" + many.replace('"a"', '"b"') + "\n"))
    assert (caught.value.line, caught.value.code, caught.value.found) == (
        2,
        "too-large",
        "2 trajectories, 10 steps and 0 list entries up to this line",
    )
    assert len(built) == 1  # the first line only


def test_list_entries_count_before_the_models_are_built(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(jsonl, "MAX_VALUES", 10)
    # 3 token values + a logp list of 3 + 2 branch returns = 8; a coalition of 1 member: 2
    first = (
        GOOD.replace(
            '{"tokens": 2}',
            '{"tokens": 3, "token_values": [0, 0, 0], "logp": [0, 0, 0], "branch_returns": [1, 0]}',
        )[:-1]
        + ', "coalitions": [{"members": [0], "value": 1}]}'
    )
    assert len(load_trajectories(write(tmp_path, first + "\n")).trajectories) == 1  # 10
    second = GOOD.replace('"a"', '"b"').replace('{"tokens": 2}', '{"tokens": 1, "ref_logp": [0]}')
    with pytest.raises(InputError) as caught:
        load_trajectories(write(tmp_path, first + "\n" + second + "\n"))
    assert (caught.value.line, caught.value.code, caught.value.found) == (
        2,
        "too-large",
        "2 trajectories, 2 steps and 11 list entries up to this line",
    )
    assert caught.value.expected == (
        f"at most {jsonl.MAX_TRAJECTORIES} trajectories and {jsonl.MAX_STEPS} steps, "
        "and 10 list entries"
    )
