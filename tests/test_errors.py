"""Rendering of input errors: location, details, and the code frame of long lines."""

from __future__ import annotations

from cactl.errors import InputError


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
