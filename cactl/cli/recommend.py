"""``cactl recommend``: walk the method-selection tree, by prompts, flags or an answers file."""

from __future__ import annotations

import sys
from dataclasses import dataclass

import typer

from cactl.cli import console
from cactl.cli.formats import Format, Formats, emit, json_text
from cactl.errors import InputError, did_you_mean
from cactl.fileio import STDIO, source_name, write_atomic
from cactl.inventory import Method
from cactl.recommend.answers import load_answers_file, parse_answer_flags, record_text
from cactl.recommend.load import DEFAULT_TREE, leaf_methods, load_tree
from cactl.recommend.model import Leaf, Tree
from cactl.recommend.walk import Walk, leaf_of, unused_answers, walk
from cactl.render import recommend as render


@dataclass(frozen=True)
class Recommendation:
    """What every recommend format renders: the tree, the walk, its leaf and the leaf's methods."""

    tree: Tree
    walk: Walk
    leaf: Leaf
    methods: list[Method]


#: The formats of ``cactl recommend``.
FORMATS: Formats[Recommendation] = Formats(
    Format(
        "table",
        "a panel",
        lambda r: render.recommendation_panel(r.tree, r.walk, r.leaf, r.methods),
    ),
    Format(
        "json",
        "one document",
        lambda r: json_text(render.recommendation_record(r.tree, r.walk, r.leaf, r.methods)),
    ),
)


def recommend(
    answer: list[str] = typer.Option(
        [],
        "--answer",
        "-a",
        metavar="KEY=VALUE",
        help="Answer a question up front (repeatable; overrides --answers).",
    ),
    answers_file: str | None = typer.Option(
        None, "--answers", metavar="FILE", help="YAML mapping of question: answer."
    ),
    record: str | None = typer.Option(
        None,
        "--record",
        metavar="FILE",
        help="Write the answers used, replayable with --answers. --record - writes them to "
        "stdout, and the recommendation then goes to stderr.",
    ),
    tree_name: str = typer.Option(
        DEFAULT_TREE, "--tree", metavar="NAME_OR_FILE", help="A built-in tree or a tree file."
    ),
    output_format: Format[Recommendation] = FORMATS.option(),
    run: bool = typer.Option(
        False,
        "--run",
        help="Run the recommended trial at once (imports torch; uses the GPU if any).",
    ),
    interactive: bool | None = typer.Option(
        None,
        "--interactive/--no-interactive",
        hidden=True,
        help="Prompt for missing answers (default: when stdin is a terminal).",
    ),
) -> None:
    """Pick a credit-assignment method family: answer two to five questions (whether agents
    share a reward; for one agent its regime, feedback, branching and critic; for a team its
    size); get the family, why it fits, its risks, methods to read, estimators to try, and the
    `cactl trial` command that tries them.

    On a terminal it asks (numbers, `?` for help, `b` to go back). Piped or in CI it never
    prompts: a missing answer is an error that names the question and the flag to pass.

    Examples:

      cactl recommend

      cactl recommend -a agents=multi -a team_size=few

      cactl recommend -a agents=single -a regime=agentic -a feedback=verifier

      cactl recommend --answers my-setup.yaml --format json

      cactl recommend --record my-setup.yaml --run
    """
    if run and output_format.name == "json":
        raise InputError(
            "--run prints the trial's own report, which cannot follow a JSON document",
            field="--run",
            hint="use --format table with --run, or run the JSON's 'next' command yourself",
            code="bad-option",
        )
    loaded = load_tree(tree_name)
    tree = loaded.tree
    answers: dict[str, str] = {}
    if answers_file is not None:
        answers.update(load_answers_file(answers_file, tree))
    answers.update(parse_answer_flags(answer, tree))
    if interactive is None:
        interactive = console.stdin_is_interactive()
    result = _ask(tree, answers) if interactive else walk(tree, answers)
    if not result.done:
        raise _missing_answer(tree, result, answers_file)
    for key in unused_answers(answers, result):
        console.note(f"note: the answer {key}={answers[key]} is not used on this path")
    if record is not None:
        write_atomic(record, record_text(tree, result))
        if record != STDIO:
            console.note(
                f"answers written to {record} (replay: cactl recommend --answers {record})"
            )
    leaf = leaf_of(tree, result)
    rendered = output_format.render(Recommendation(tree, result, leaf, leaf_methods(leaf)))
    emit(rendered)
    if isinstance(rendered, str):  # a document is all that goes to stdout
        return
    if run or (interactive and _confirm_run(leaf)):
        _dispatch(leaf)


def _missing_answer(tree: Tree, result: Walk, answers_file: str | None) -> InputError:
    assert result.pending is not None
    key = tree.nodes[result.pending].ask
    question = tree.questions[key]
    where = (
        f"or add '{key}: VALUE' to {source_name(answers_file)}"
        if answers_file
        else "or use --answers FILE"
    )
    return InputError(
        f"question {key!r} has no answer ({question.text}); stdin is not a terminal, "
        "so cactl does not prompt",
        field=key,
        expected="one of " + ", ".join(question.options),
        hint=f"pass --answer {key}=VALUE {where}",
        code="missing-field",
    )


def _read_line(prompt: str) -> str | None:
    """One line from stdin after a prompt on stderr; None at end of input."""
    sys.stderr.write(prompt)
    sys.stderr.flush()
    line = sys.stdin.readline()
    if not line:
        sys.stderr.write("\n")
        return None
    return line.strip()


def _ask(tree: Tree, given: dict[str, str]) -> Walk:
    """Prompt for each missing answer until a leaf; ``?`` shows help, ``b`` goes back."""
    answers = dict(given)
    err = console.err()
    if not walk(tree, answers).done:
        err.print(f"{tree.title} (? for help, b to go back)", markup=False, style="bold")
    while True:
        result = walk(tree, answers)
        if result.done or result.pending is None:
            return result
        key = tree.nodes[result.pending].ask
        question = tree.questions[key]
        options = list(question.options)
        err.print()
        if result.path:
            err.print(f"so far: {render.path_text(result)}", markup=False, style="dim")
        err.print(render.question_text(tree, result.pending, len(result.path) + 1), markup=False)
        while True:
            line = _read_line(render.prompt_text(tree, result.pending))
            if line is None and console.stdin_is_interactive():
                # Ctrl-D from a person: they stopped; no scripting advice
                console.note(f"stopped at question {key!r}: nothing was recommended")
                console.note("run `cactl recommend` again to start over")
                raise typer.Exit(1)
            if line is None:
                raise InputError(
                    f"end of input at question {key!r} ({question.text}); nothing was recommended",
                    field=key,
                    expected="one of " + ", ".join(options),
                    hint=f"pass --answer {key}=VALUE to answer it without a prompt",
                    code="missing-field",
                )
            choice = line.lower()
            if choice in {"?", "h", "help"}:
                err.print(question.help, markup=False)
                continue
            if choice in {"b", "back"}:
                if not result.path:
                    err.print("this is the first question; there is nothing to go back to")
                    continue
                del answers[result.path[-1].question]
                break
            if choice.isdigit() and 1 <= int(choice) <= len(options):
                answers[key] = options[int(choice) - 1]
                break
            if choice in question.options:
                answers[key] = choice
                break
            suggestion = did_you_mean(choice, options)
            err.print(
                (f"{choice!r} is not an option; {suggestion} " if suggestion else "")
                + f"type a number from 1 to {len(options)}, an option ({', '.join(options)}), "
                "? for help or b to go back",
                markup=False,
            )


def _confirm_run(leaf: Leaf) -> bool:
    """Offer to run the trial now; the default is no."""
    line = _read_line(f"run `{leaf.next_command}` now? [y/N]: ")
    if line is None and console.stdin_is_interactive():
        console.note(f"not run; to run it later: {leaf.next_command}")
        return False  # Ctrl-D at the offer: no, as the default
    if line is None:
        raise InputError(
            "end of input at the offer to run the trial; the trial was not run",
            hint=f"run it yourself: {leaf.next_command}",
            code="missing-field",
        )
    return line.lower() in {"y", "yes"}


def _dispatch(leaf: Leaf) -> None:
    """Run the leaf's trial in this process, exactly as its ``next`` command would.

    The only place ``recommend`` imports torch (through ``cactl trial``); the trial picks the
    GPU when there is one (``--device auto``).
    """
    from typer.main import get_command

    from cactl.cli.app import app

    console.note(f"running: {leaf.next_command}")
    code = get_command(app).main(
        args=["trial", *leaf.trial_args()], prog_name="cactl", standalone_mode=False
    )
    if isinstance(code, int) and code != 0:
        raise typer.Exit(code)
