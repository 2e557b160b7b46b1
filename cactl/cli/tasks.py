"""``cactl tasks``: the controlled bifurcation tasks that ``cactl trial`` runs."""

from __future__ import annotations

import typer
from rich.console import Group

from cactl.cli import console
from cactl.cli.formats import Format, Formats, emit, json_text
from cactl.errors import InputError, did_you_mean
from cactl.render import trial as render
from cactl.tasks.catalog import COMMON, TaskInfo, list_tasks

app = typer.Typer(
    help="The controlled tasks with exact ground-truth credit (fork, detour, team).",
    no_args_is_help=True,
)


#: The formats of ``cactl tasks list``.
LIST_FORMATS: Formats[list[TaskInfo]] = Formats(
    Format("table", "a table per task", lambda tasks: Group(*render.tasks_tables(tasks, COMMON))),
    Format("json", "a list of records", lambda tasks: json_text([t.record() for t in tasks])),
)


@app.command("list")
def list_command(
    output_format: Format[list[TaskInfo]] = LIST_FORMATS.option(),
) -> None:
    """Describe the task families, what decides their outcome, and their parameters
    (set them with ``cactl trial --param KEY=VALUE``).

    Examples:

      cactl tasks list

      cactl tasks list --format json | jq '.[].name'
    """
    emit(output_format.render(list_tasks()))


@app.command("sample")
def sample_command(
    name: str = typer.Argument(..., help="Task: fork, detour or team."),
    param: list[str] = typer.Option(
        [], "--param", "-p", help="Task parameter KEY=VALUE (repeatable)."
    ),
    seed: int = typer.Option(0, "--seed", help="Seed of the sampler."),
    signal: list[str] = typer.Option(
        [],
        "--signal",
        help="Keep only these optional step signals (repeatable), e.g. value, branch_returns.",
    ),
    no_truth: bool = typer.Option(
        False, "--no-truth", help="Leave out the truth, as a user's own rollouts would be."
    ),
    digits: int | None = typer.Option(
        None, "--digits", min=1, max=17, help="Round numbers to this many significant digits."
    ),
    output: str | None = typer.Option(
        None, "--output", "-o", metavar="FILE", help="Write the JSONL file here (default: stdout)."
    ),
) -> None:
    """Sample a task's trajectories as JSONL (the format cactl trial --input reads).

    Examples:

      cactl tasks sample fork --param groups=2 -o fork.jsonl

      cactl tasks sample detour --no-truth --signal value --signal logp -o rollouts.jsonl
    """
    import random

    from cactl.tasks import get_task_info, make_task, rollout
    from cactl.tasks.limits import check_work
    from cactl.trajectory.jsonl import dumps, write_trajectories

    env = make_task(name, get_task_info(name).parse_params(param))
    check_work(name, env)
    unknown = [s for s in signal if s not in SIGNALS]
    if unknown:
        raise InputError(
            f"unknown signal {unknown[0]!r}",
            field="--signal",
            expected=", ".join(SIGNALS),
            hint=did_you_mean(unknown[0], SIGNALS),
            code="unknown-name",
        )
    trajectories = rollout(env, random.Random(seed), fields=signal or None).trajectories
    if no_truth:
        trajectories = [t.model_copy(update={"truth": None}) for t in trajectories]
    header = f"cactl tasks sample {name} --seed {seed}" + "".join(f" --param {p}" for p in param)
    header += "".join(f" --signal {s}" for s in signal) + (" --no-truth" if no_truth else "")
    header += f" --digits {digits}" if digits else ""
    if output is None:
        console.emit_text("\n".join(dumps(t, digits=digits) for t in trajectories))
    else:
        write_trajectories(output, trajectories, header=header, digits=digits)
        console.note(f"wrote {len(trajectories)} trajectories to {output}")


#: Optional step signals a task emits (``--signal``).
SIGNALS = (
    "agent",
    "state",
    "value",
    "token_values",
    "prm",
    "branch_returns",
    "counterfactual_returns",
    "answer_prob",
    "entropy",
    "logp",
    "ref_logp",
    "hindsight_logp",
    "coalitions",
)
