"""Answers from outside the prompts: ``--answers FILE.yaml``, ``--answer KEY=VALUE``, and the
``--record`` file that replays them.

An answers file is a flat mapping ``question: value``; keys and values are checked against
the tree's questions, each error located in the file (with the valid keys or values).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from cactl.errors import InputError, did_you_mean, raise_all
from cactl.recommend.model import Tree
from cactl.recommend.walk import Walk
from cactl.yamlsrc import Positions, load_yaml


def _key_error(tree: Tree, key: str) -> tuple[str, str, str | None]:
    return (
        f"unknown question {key!r}",
        "one of " + ", ".join(tree.questions),
        did_you_mean(key, tree.questions),
    )


def _value_error(tree: Tree, key: str, value: str) -> tuple[str, str, str | None]:
    options = tree.questions[key].options
    return (
        f"{value!r} is not an answer to question {key!r} ({tree.questions[key].text})",
        "one of " + ", ".join(options),
        did_you_mean(value, options),
    )


def load_answers_file(path: str, tree: Tree) -> dict[str, str]:
    """Read and check an answers file; every problem reported with file:line:col."""
    data, positions = load_yaml(path, what="answers file")
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise positions.error(
            (),
            "an answers file must be a mapping of question: answer",
            expected="a mapping",
            found=type(data).__name__,
            code="wrong-type",
        )
    return check_file_answers(data, positions, tree)


def check_file_answers(
    data: Mapping[object, object], positions: Positions, tree: Tree
) -> dict[str, str]:
    """Check a parsed answers mapping against ``tree``."""
    answers: dict[str, str] = {}
    errors: list[InputError] = []
    for raw_key, value in data.items():
        key = str(raw_key)
        if key not in tree.questions:
            message, expected, hint = _key_error(tree, key)
            errors.append(
                positions.error(
                    (key,), message, key=True, expected=expected, hint=hint, code="unknown-key"
                )
            )
            continue
        if not isinstance(value, str):
            options = tree.questions[key].options
            errors.append(
                positions.error(
                    (key,),
                    f"the answer to {key!r} must be a string",
                    expected="one of " + ", ".join(options),
                    found=f"{type(value).__name__} {value!r}",
                    hint='quote it: "yes"' if isinstance(value, bool) else None,
                    code="wrong-type",
                )
            )
            continue
        if value not in tree.questions[key].options:
            message, expected, hint = _value_error(tree, key, value)
            errors.append(
                positions.error(
                    (key,),
                    message,
                    expected=expected,
                    found=repr(value),
                    hint=hint,
                    code="not-allowed",
                )
            )
            continue
        answers[key] = value
    raise_all(errors)
    return answers


def parse_answer_flags(items: Sequence[str], tree: Tree) -> dict[str, str]:
    """``["regime=agentic", ...]`` -> ``{"regime": "agentic"}``, checked against ``tree``."""
    answers: dict[str, str] = {}
    errors: list[InputError] = []
    for item in items:
        key, sep, value = item.partition("=")
        key, value = key.strip(), value.strip()
        if not sep or not key:
            errors.append(
                InputError(
                    "an answer must look like KEY=VALUE",
                    field="--answer",
                    expected="e.g. --answer regime=agentic",
                    found=repr(item),
                    code="bad-option",
                )
            )
            continue
        if key not in tree.questions:
            message, expected, hint = _key_error(tree, key)
            errors.append(
                InputError(
                    message,
                    field="--answer",
                    expected=expected,
                    found=repr(key),
                    hint=hint,
                    code="unknown-key",
                )
            )
            continue
        if value not in tree.questions[key].options:
            message, expected, hint = _value_error(tree, key, value)
            errors.append(
                InputError(
                    message,
                    field=f"--answer {key}",
                    expected=expected,
                    found=repr(value),
                    hint=hint,
                    code="not-allowed",
                )
            )
            continue
        answers[key] = value
    raise_all(errors)
    return answers


def record_text(tree: Tree, result: Walk) -> str:
    """An answers file with the answers a walk used, replayable with ``--answers``."""
    lines = [
        f"# cactl recommend answers for decision tree {tree.id} (version {tree.version})",
        "# replay: cactl recommend --answers THIS_FILE",
    ]
    for step in result.path:
        lines.append("# " + " ".join(step.text.split()))
        # Quoted, so that YAML 1.1 readers keep yes/no as strings too.
        lines.append(f'{step.question}: "{step.answer}"')
    return "\n".join(lines) + "\n"
