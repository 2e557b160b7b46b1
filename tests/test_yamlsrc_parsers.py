"""libyaml's parser (cactl's fast path) and PyYAML's pure-Python one (the reference, and the
fallback) give the same data, positions and errors, on the shipped documents, on mutations of
them, and on the constructs where the two parsers differ unless cactl routes them to PyYAML."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from cactl import yamlsrc
from cactl.errors import InputError, InputErrors
from cactl.yamlsrc import load_yaml_text

REPO = Path(__file__).resolve().parent.parent
LIBYAML = yamlsrc._CLoader

pytestmark = pytest.mark.skipif(LIBYAML is None, reason="PyYAML was built without libyaml")


#: Documents where libyaml and PyYAML's own parser part ways unless cactl steps in (tabs, "?"
#: and empty values inside flow collections, a byte order mark inside the text), and others
#: that exercise marks (wide characters, line breaks) and errors.
TRICKY = [
    "a: b\tc\n",
    "a:\tb\n",
    "a: 1\t# c\n",
    'a: "x\ty"\n',
    "[a? b]\n",
    "{a: b?}\n",
    "[a ?b]\n",
    "a: {b: , c: 1}\n",
    "a: [x: ]\n",
    "ab\ufeffc: [1]\nd: {e: 2}\n",
    "\ufeffa: 1\n",
    "a: \U0001f600\U0001f600\nb: [\U0001f600, x: 1]\nc: ~\n",
    "a: 1\r\nb: 2\r\n",
    "a: x\u2028b: 2\n",
    "---\na: 1\n---\nb: 2\n",
    "%YAML 1.3\n---\na: 1\n",
    "a: !!str\nb: !!int 3\n",
    "? [a, b]\n: c\n",
    "a: *y\n",
    "a: &x 1\nb: &x 2\n",
    'a: "unterminated\n',
    "a: b: c\n",
    "- a\nb: c\n",
    "a:\n  - b\n  -\n  - c\n",
    'a: "\\ud800"\n',
    "{a: 1, b}\n",
    "[a, b: c, ? d]\n",
]


def _outcome(text: str) -> Any:
    try:
        data, positions = load_yaml_text(text, "f.yaml", keep_going=True)
    except (InputError, InputErrors) as exc:
        errors = exc.errors if isinstance(exc, InputErrors) else [exc]
        return ("error", exc.render(frame=True), [error.to_dict() for error in errors])
    problems = [problem.render() for problem in positions.problems]
    return ("ok", repr(data), positions.marks, positions.key_marks, problems, positions.nodes)


def _both(text: str, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, Any]:
    with monkeypatch.context() as patch:
        patch.setattr(yamlsrc, "_CLoader", LIBYAML)
        fast = _outcome(text)
        patch.setattr(yamlsrc, "_CLoader", None)
        reference = _outcome(text)
    return fast, reference


@pytest.mark.parametrize("text", TRICKY)
def test_libyaml_reads_as_pyyaml_does(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    fast, reference = _both(text, monkeypatch)
    assert fast == reference


def _mutations(count: int, seed: int) -> Iterator[str]:
    rng = random.Random(seed)
    sources = [
        (REPO / "examples" / "papers" / "gigpo.yaml").read_text(encoding="utf-8"),
        (REPO / "checklists" / "ca-reporting.yaml").read_text(encoding="utf-8")[:6000],
    ]
    pieces = [":", " ", "\n", "- ", "[", "]", "{", "}", ", ", "&a ", "*a", "!!str ", "'", '"']
    pieces += ["#", "|", ">", "\t", "? ", "---\n", "\u00e9", "\\", "  ", "\r\n", "<<: "]
    for _ in range(count):
        chars = list(rng.choice(sources))
        for _ in range(rng.randint(1, 3)):
            at = rng.randrange(len(chars))
            if rng.random() < 0.5:
                chars.insert(at, rng.choice(pieces))
            elif rng.random() < 0.5:
                del chars[at]
            else:
                chars[at:at] = chars[rng.randrange(len(chars)) :][: rng.randint(1, 30)]
        yield "".join(chars)


def test_libyaml_reads_mutated_documents_as_pyyaml_does(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for text in _mutations(40, seed=12):
        fast, reference = _both(text, monkeypatch)
        assert fast == reference, text


def test_libyaml_reads_the_shipped_documents_as_pyyaml_does(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    files = sorted(REPO.glob("examples/**/*.yaml")) + sorted(REPO.glob("checklists/*.yaml"))
    files += sorted(REPO.glob("decision_tree/*.yaml")) + sorted(REPO.glob("tests/**/*.yaml"))
    assert len(files) > 10
    for file in files:
        fast, reference = _both(file.read_text(encoding="utf-8"), monkeypatch)
        assert fast == reference, file


def test_the_libyaml_path_is_the_one_taken() -> None:
    assert yaml.__with_libyaml__
    assert yamlsrc._libyaml_may_read("a: [1, 2]\n")
    assert not yamlsrc._libyaml_may_read("a:\t1\n")
