"""``cactl recommend`` (``--answers FILE``, ``-a KEY=VALUE``, ``--tree FILE``) and ``cactl tree
check FILE`` with random and mutated input: exit 0, 1 or 2 only, never a traceback; exit 2
carries a message, naming the file when a file is at fault.

CACTL_FUZZ_EXAMPLES=1000 runs a deeper search than the suite's default."""

from __future__ import annotations

import copy
import os
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner, Result

from cactl.cli.app import app
from tests.helpers import document_paths, value_at

TREE_FILE = Path(__file__).resolve().parents[2] / "cactl" / "data" / "decision_tree"
TREE_TEXT = (TREE_FILE / "ca-method-selection.yaml").read_text(encoding="utf-8")
TREE: dict[str, Any] = yaml.safe_load(TREE_TEXT)
QUESTIONS = list(TREE["questions"])
OPTIONS = sorted({o for q in TREE["questions"].values() for o in q["options"]})
IDS = list(TREE["nodes"]) + list(TREE["leaves"])
ANSWERS = "agents: single\nregime: reasoning\nfeedback: verifier\n"

FUZZ = settings(
    max_examples=int(os.environ.get("CACTL_FUZZ_EXAMPLES", "30")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _invoke(args: list[str]) -> Result:
    return CliRunner().invoke(app, args, catch_exceptions=True)


def _check(result: Result, file: Path | None) -> None:
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert result.exit_code in (0, 1, 2), result.output
    assert "Traceback" not in result.output
    assert "internal error" not in result.stderr, result.stderr
    if result.exit_code == 2:
        assert result.stderr.startswith(("error: ", "Usage: ")), result.stderr
        if file is not None and result.stderr.startswith("error: "):
            assert str(file) in result.stderr, result.stderr


scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 3),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=10),
    st.sampled_from(QUESTIONS + OPTIONS + IDS + ["yes", "no", "on", "null", "~", "[/]", "[b]x"]),
)
documents = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(QUESTIONS + IDS) | st.text(max_size=6), children, max_size=5
        )
    ),
    max_leaves=20,
)


@st.composite
def text_edits(draw: st.DrawFn, text: str) -> str:
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, max(len(text) - 1, 0)))
        cut = draw(st.integers(0, 12))
        insert = draw(
            st.sampled_from(["", ":", "- ", "{", "]", "\n  ", "'", "&a", "*a", "\t", "\0", "é"])
        )
        text = text[:at] + insert + text[at + cut :]
    return text


answers_inputs = (
    text_edits(ANSWERS)
    | documents.map(lambda d: yaml.safe_dump(d, allow_unicode=True))
    | st.text(max_size=100)
)


@pytest.mark.slow
@FUZZ
@given(text=answers_inputs, fmt=st.sampled_from(["table", "json"]))
def test_fuzz_answers_file(text: str, fmt: str, tmp_path: Path) -> None:
    file = tmp_path / "answers.yaml"
    file.write_text(text, encoding="utf-8")
    result = _invoke(["recommend", "--answers", str(file), "--format", fmt, "--no-interactive"])
    _check(result, file)


answer_flags = st.lists(
    st.one_of(
        st.text(max_size=30),
        st.builds(
            lambda k, v: f"{k}={v}",
            st.sampled_from(QUESTIONS) | st.text(max_size=8),
            st.sampled_from(OPTIONS) | st.text(max_size=8),
        ),
    ),
    min_size=1,
    max_size=4,
)


@FUZZ
@given(flags=answer_flags)
def test_fuzz_answer_flags(flags: list[str]) -> None:
    args = ["recommend", "--no-interactive", "--format", "json"]
    for flag in flags:
        args += ["-a", flag]
    _check(_invoke(args), None)


def _pick(draw: st.DrawFn, items: Any) -> Any:
    if not items:
        raise KeyError("nothing to pick")
    return draw(st.sampled_from(sorted(items, key=str)))


def _mutate(tree: dict[str, Any], kind: str, draw: st.DrawFn) -> None:
    """One mutation; a structure an earlier mutation broke raises (and is left as it is)."""
    if kind in ("dangle", "cycle"):
        node = _pick(draw, tree["nodes"])
        edges = tree["nodes"][node]["next"]
        option = _pick(draw, edges)
        edges[option] = "nowhere" if kind == "dangle" else draw(st.sampled_from([node, "agents"]))
    elif kind == "duplicate-leaf":
        leaf = _pick(draw, tree["leaves"])
        tree["nodes"][leaf] = copy.deepcopy(tree["nodes"]["agents"])
    else:
        path = draw(st.sampled_from(document_paths(tree)[1:]))
        parent, last = value_at(tree, path[:-1]), path[-1]
        if kind == "delete":
            del parent[last]
        elif kind == "retype":
            parent[last] = draw(scalars | st.sampled_from([[], {}, [1, 2], {"x": 1}]))
        elif isinstance(parent, dict):
            parent[draw(st.sampled_from(QUESTIONS + IDS + ["x", ""]))] = parent.pop(last)


@st.composite
def mutated_tree(draw: st.DrawFn) -> str:
    tree = copy.deepcopy(TREE)
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(
            st.sampled_from(["delete", "retype", "rename", "dangle", "cycle", "duplicate-leaf"])
        )
        try:
            _mutate(tree, kind, draw)
        except (KeyError, TypeError, AttributeError, IndexError):
            continue
    return yaml.safe_dump(tree, allow_unicode=True, sort_keys=False)


tree_inputs = (
    mutated_tree()
    | text_edits(TREE_TEXT)
    | documents.map(lambda d: yaml.safe_dump(d, allow_unicode=True))
)


@pytest.mark.slow
@FUZZ
@given(text=tree_inputs)
def test_fuzz_tree_check(text: str, tmp_path: Path) -> None:
    file = tmp_path / "tree.yaml"
    file.write_text(text, encoding="utf-8")
    result = _invoke(["tree", "check", str(file)])
    _check(result, file)
    if result.exit_code == 2 and result.stderr.startswith("error: "):
        # each problem of a file is located on a line of it
        assert re.search(re.escape(str(file)) + r":\d+", result.stderr), result.stderr


@pytest.mark.slow
@FUZZ
@given(text=tree_inputs, fmt=st.sampled_from(["table", "json"]))
def test_fuzz_recommend_with_tree_file(text: str, fmt: str, tmp_path: Path) -> None:
    file = tmp_path / "tree.yaml"
    file.write_text(text, encoding="utf-8")
    args = ["recommend", "--tree", str(file), "--format", fmt, "--no-interactive"]
    result = _invoke([*args, "-a", "agents=single", "-a", "regime=reasoning"])
    _check(result, None)  # a missing answer is an error too, of no file
