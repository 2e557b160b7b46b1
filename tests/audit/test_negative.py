"""Negative examples: each file under negative/ lists the errors it must produce
(``# expect: LINE:COL FIELD``); the audit must report exactly those, all at once."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cactl.audit.paper import load_paper
from cactl.errors import InputError, InputErrors

NEGATIVE = Path(__file__).parent / "negative"
EXPECT = re.compile(r"^# expect: (\d+):(\d+) (\S+)$", re.MULTILINE)


@pytest.mark.parametrize("path", sorted(NEGATIVE.glob("*.yaml")), ids=lambda p: p.name)
def test_negative_example(path: Path) -> None:
    expected = {
        (int(line), int(column), field)
        for line, column, field in EXPECT.findall(path.read_text(encoding="utf-8"))
    }
    assert expected, "a negative example must say what it expects"
    with pytest.raises((InputError, InputErrors)) as caught:
        load_paper(path)
    exc = caught.value
    errors = list(exc.errors) if isinstance(exc, InputErrors) else [exc]
    assert {(e.line, e.column, e.field) for e in errors if isinstance(e, InputError)} == expected
    assert all(e.file == str(path) for e in errors if isinstance(e, InputError))
