"""Every option that reads a file, given a path the system refuses or a file that fails while
it is read: exit 2 with a message, never an internal error."""

from __future__ import annotations

import os

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


@pytest.mark.skipif(not os.path.exists("/proc/self/mem"), reason="needs Linux /proc")
@pytest.mark.parametrize("reader", list(READERS))
def test_a_file_that_fails_while_read_is_exit_2(reader: str) -> None:
    # reading /proc/self/mem from its start fails with an input/output error
    result = run(*(arg.replace("{}", "/proc/self/mem") for arg in READERS[reader]))
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("error: /proc/self/mem"), result.stderr
    assert "Input/output error" in result.stderr


def test_jsonl_read_error_names_the_line() -> None:
    if not os.path.exists("/proc/self/mem"):
        pytest.skip("needs Linux /proc")
    result = run("trial", "--input", "/proc/self/mem")
    assert result.stderr == "error: /proc/self/mem:1: cannot read: Input/output error\n"
