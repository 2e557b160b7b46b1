"""Every option that reads a file, given a path the system refuses or a file that fails while
it is read: exit 2 with a message, never an internal error."""

from __future__ import annotations

import pytest

from tests.audit.helpers import EXAMPLES
from tests.helpers import run

LONG = "a" * 300  # longer than a file name may be (255 bytes on common file systems)
READERS = {
    "audit PAPER": ["audit", "{}"],
    "audit --checklist": ["audit", str(EXAMPLES / "gigpo.yaml"), "--checklist", "{}"],
    "recommend --answers": ["recommend", "--answers", "{}"],
    "recommend --tree": ["recommend", "--tree", "{}"],
    "tree check": ["tree", "check", "{}"],
    "tree show --tree": ["tree", "show", "--tree", "{}"],
    "trial --input": ["trial", "--input", "{}"],
}


@pytest.mark.parametrize("reader", list(READERS))
@pytest.mark.parametrize("path", [LONG, LONG + ".yaml", f"folder/{LONG}"])
def test_a_name_too_long_is_exit_2(reader: str, path: str) -> None:
    result = run(*(arg.replace("{}", path) for arg in READERS[reader]))
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("error: ") and "internal error" not in result.stderr
    assert LONG[:50] in result.stderr
