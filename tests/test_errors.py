"""Rendering of input errors: location, details, and the code frame of long lines."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from cactl.errors import CODES, MAX_SHOWN, InputError, InputErrors, codes_markdown, errors_document


def test_short_line_frame_points_at_the_column() -> None:
    error = InputError("bad", file="f.yaml", line=3, column=5, source_line="key: [1,\n")
    # the gutter is 8 characters wide; column 5 is the '['
    assert error.render(frame=True) == "f.yaml:3:5: bad\n    3 | key: [1,\n" + " " * 12 + "^"


def test_long_line_frame_is_a_window_with_the_caret_on_the_column() -> None:
    line = "".join(f"{i % 10}" for i in range(1000))
    error = InputError("bad", file="f.jsonl", line=1, column=501, source_line=line)
    text, frame, caret = error.render(frame=True).split("\n")
    assert text == "f.jsonl:1:501: bad"
    gutter = "    1 | "
    assert frame == gutter + "..." + line[440:560] + "..."
    assert frame[caret.index("^")] == line[500]
    assert len(caret) == len(gutter) + 3 + 60 + 1
    # at the start and at the end, one side is cut
    start = InputError("bad", file="f", line=1, column=2, source_line=line).render(frame=True)
    assert start.split("\n")[1] == gutter + line[:120] + "..."
    assert start.split("\n")[2] == " " * len(gutter) + " ^"
    end = InputError("bad", file="f", line=1, column=1000, source_line=line).render(frame=True)
    assert end.split("\n")[1] == gutter + "..." + line[880:]
    assert end.split("\n")[2] == " " * (len(gutter) + 3 + 119) + "^"


def test_every_code_is_registered_with_a_description() -> None:
    assert all(re.fullmatch(r"[a-z]+(-[a-z]+)*", code) for code in CODES)
    assert all(text and "\n" not in text for text in CODES.values())
    with pytest.raises(ValueError, match="unregistered error code 'no-such-code'"):
        InputError("bad", code="no-such-code")


def test_readme_lists_the_registry() -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    table = re.search(r"\| code \| meaning \|\n(?:\|.*\|\n)+", readme)
    assert table is not None
    assert table.group(0) == codes_markdown()
    assert codes_markdown().count("\n") == len(CODES) + 2


def test_an_error_as_data_has_its_code_and_every_field() -> None:
    error = InputError(
        "needs it",
        file="t.jsonl",
        line=4,
        column=2,
        field="steps[1].value",
        expected="value on every step",
        found="missing",
        code="missing-requirement",
        trajectory=3,
        context={"estimator": "gae", "requires": "value"},
    )
    assert error.to_dict() == {
        "code": "missing-requirement",
        "message": "needs it",
        "file": "t.jsonl",
        "line": 4,
        "column": 2,
        "field": "steps[1].value",
        "expected": "value on every step",
        "found": "missing",
        "hint": None,
        "trajectory": 3,
        "context": {"estimator": "gae", "requires": "value"},
    }
    assert InputError("x").code == "invalid-value"


def test_many_errors_are_capped_with_a_count_of_the_rest() -> None:
    errors = InputErrors(
        [InputError(f"bad {i}", file="f", line=i + 1) for i in range(MAX_SHOWN + 7)]
    )
    lines = errors.render().split("\n")
    assert lines[0] == f"{MAX_SHOWN + 7} errors:"
    assert lines[1] == "f:1: bad 0"
    assert lines[MAX_SHOWN] == f"f:{MAX_SHOWN}: bad {MAX_SHOWN - 1}"
    assert lines[-1] == "... and 7 more"
    assert len(lines) == MAX_SHOWN + 2
    document = errors_document(errors)
    assert document["count"] == MAX_SHOWN + 7
    assert len(document["errors"]) == MAX_SHOWN


@pytest.mark.parametrize(
    ("kept", "total"), [(MAX_SHOWN + 7, None), (3, MAX_SHOWN + 7)], ids=["all held", "counted"]
)
def test_every_format_says_how_many_more(kept: int, total: int | None) -> None:
    from cactl.render.errors import errors_github, errors_sarif

    errors = InputErrors(
        [InputError(f"bad {i}", file="f", line=i + 1) for i in range(kept)], total=total
    )
    more = MAX_SHOWN + 7 - min(kept, MAX_SHOWN)
    assert errors.render().split("\n")[-1] == f"... and {more} more"
    assert errors_document(errors)["count"] == MAX_SHOWN + 7
    log = json.loads(errors_sarif(errors))
    (invocation,) = log["runs"][0]["invocations"]
    assert invocation["toolExecutionNotifications"] == [
        {"level": "error", "message": {"text": f"... and {more} more"}}
    ]
    assert len(log["runs"][0]["results"]) == min(kept, MAX_SHOWN)
    assert errors_github(errors).splitlines()[-1] == f"::error title=cactl::... and {more} more"


def test_no_note_when_every_error_is_listed() -> None:
    from cactl.render.errors import errors_github, errors_sarif

    errors = InputErrors([InputError("bad", file="f", line=1), InputError("worse", file="f")])
    assert "more" not in errors.render()
    assert "toolExecutionNotifications" not in errors_sarif(errors)
    assert len(errors_github(errors).splitlines()) == 2
