"""``cactl trial``: run credit estimators on controlled tasks or trajectory files, score the
credit against the truth, time it, and (``--train``) learn with it."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Group, RenderableType
from rich.text import Text

from cactl.cli import console
from cactl.cli.formats import Format, Formats, emit, json_records
from cactl.errors import InputError
from cactl.fileio import write_atomic
from cactl.render import trial as render
from cactl.tasks.catalog import get_task_info, task_names
from cactl.tasks.limits import check_lr, check_training, check_work

if TYPE_CHECKING:  # torch: imported only when a trial runs
    from cactl.trial.runner import Trial
    from cactl.trial.train import TrainingRun


class Device(str, Enum):
    auto = "auto"
    cpu = "cpu"
    cuda = "cuda"
    mps = "mps"


@dataclass(frozen=True)
class TrialReport:
    """What the formats of a trial render: trials, or training runs, and the estimators named."""

    trials: Sequence[Trial] = ()
    runs: Sequence[TrainingRun] = ()
    named: Sequence[str] = ()


def _tables(report: TrialReport) -> RenderableType:
    parts: list[RenderableType] = []
    for number, result in enumerate(report.trials):
        if number:
            parts.append(Text())
        parts += [render.trial_heading(result), render.trial_table(result)]
        parts += [Text(line, style="dim") for line in render.trial_notes(result)]
        parts += [Text(), render.credit_strip(result, render.strip_columns(result, report.named))]
    for run in report.runs:
        parts += [render.train_heading(run), render.train_table(run.curves)]
    return Group(*parts)


def _records(report: TrialReport) -> str:
    return json_records([t.record() for t in report.trials] + [r.record() for r in report.runs])


#: The formats of ``cactl trial``.
FORMATS: Formats[TrialReport] = Formats(
    Format("table", "ranked tables and the credit strip", _tables),
    Format("json", "one document per task", _records),
)


@contextmanager
def _estimator_progress() -> Iterator[Callable[[str, int, int], None] | None]:
    """A bar over the estimators of a trial on stderr when it is a terminal; else None."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=console.err(),
        transient=True,
    ) as progress:
        bar = progress.add_task("estimators", total=None)

        def tick(name: str, index: int, count: int) -> None:
            progress.update(bar, description=name, completed=index, total=count)

        yield tick


@contextmanager
def _training_progress(iterations: int) -> Iterator[Callable[[str, int, float], None] | None]:
    """One bar per trained estimator on stderr when it is a terminal; else None. ``iterations``
    counts every seed's iterations; each call is one iteration done."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("success {task.fields[success]:.3f}"),
        console=console.err(),
        transient=True,
    ) as progress:
        bars: dict[str, TaskID] = {}

        def tick(name: str, iteration: int, success: float) -> None:
            if name not in bars:
                bars[name] = progress.add_task(name, total=iterations, success=success)
            progress.update(bars[name], advance=1, success=success)

        yield tick


def trial(
    task: list[str] = typer.Option(
        [], "--task", "-t", help="Built-in task: fork, detour or team (repeatable)."
    ),
    input_file: str | None = typer.Option(
        None, "--input", "-i", help="Your trajectories (JSONL, see cactl schema trajectory)."
    ),
    estimator: list[str] = typer.Option(
        [], "--estimator", "-e", help="Estimator to run (repeatable; see cactl estimators list)."
    ),
    compare: bool = typer.Option(
        False, "--compare", help="Run every estimator whose required fields the data has, ranked."
    ),
    param: list[str] = typer.Option(
        [], "--param", "-p", help="Task parameter KEY=VALUE (repeatable; see cactl tasks list)."
    ),
    seed: int = typer.Option(0, "--seed", help="Seed of the task sampler and of training."),
    resamples: int = typer.Option(
        1,
        "--resamples",
        min=1,
        max=1000,
        help="Sample each task this many times; metrics are means, with their spread.",
    ),
    device: Device = typer.Option(
        Device.auto, "--device", help="auto picks cuda, then mps, then cpu."
    ),
    threads: int = typer.Option(
        1,
        "--threads",
        min=1,
        max=1024,
        help="CPU threads torch may use. The default, 1, keeps the cost figures comparable from "
        "run to run and machine to machine (more threads: faster on large data, but the times "
        "then swing with whatever else the machine runs).",
    ),
    output_format: Format[TrialReport] = FORMATS.option(),
    train_iterations: int | None = typer.Option(
        None, "--train", min=1, help="Train a small policy for this many iterations per estimator."
    ),
    lr: float = typer.Option(
        0.01, "--lr", help="Adam learning rate for --train: a finite number in [0, 10]."
    ),
    seeds: int = typer.Option(
        1,
        "--seeds",
        min=1,
        max=20,
        help="With --train: train with seeds SEED..SEED+N-1; curves are means, plots show a band.",
    ),
    plot: str | None = typer.Option(
        None,
        "--plot",
        metavar="FILE",
        help="Write a PNG: credit against truth, learning curves (matplotlib). --plot - writes "
        "it to stdout, and the report then goes to stderr.",
    ),
) -> None:
    """Run credit estimators where the true credit is known, and see where the credit lands.

    With no options: every estimator on each built-in task (fork, detour, team), ranked by how
    often the largest credit falls on the decisive step. Scores: hit rate, share of credit
    mass on the decisive step, Spearman correlation and sign agreement with the true step
    advantages, signal-to-noise; cost: time, tokens per second, peak memory. On a file without
    truth: credit statistics and agreement between estimators.

    --train N trains a small policy with each estimator's credit (default: grpo and vine) and
    shows the exact success rate by iteration.

    Examples:

      cactl trial

      cactl trial --task fork --estimator vine --estimator grpo

      cactl trial --task detour --param horizon=100 --compare --format json

      cactl trial --input examples/trajectories/rollouts.jsonl --compare

      cactl trial --task fork --param horizon=200 --param groups=1 --train 30
    """
    if plot is not None:
        render.check_plotting()
    if input_file is not None and task:
        raise InputError(
            "--task and --input exclude each other", field="--input", code="bad-option"
        )
    if input_file is not None and param:
        raise InputError(
            "--param sets task parameters; a file has none",
            field="--param",
            found=param[0],
            code="bad-option",
        )
    if train_iterations is not None and input_file is not None:
        raise InputError(
            "--train learns a built-in task, not a file", field="--train", code="bad-option"
        )
    if seeds > 1 and train_iterations is None:
        raise InputError(
            "--seeds sets how many seeds --train uses",
            field="--seeds",
            hint="add --train N",
            code="bad-option",
        )
    for name in task:
        get_task_info(name)
    if train_iterations is not None:
        check_lr(lr)
    from cactl.estimators.catalog import get_info

    for name in estimator:
        get_info(name)

    import torch

    from cactl.trial.device import pick_device

    torch.set_num_threads(threads)

    chosen_device = pick_device(device.value)
    if train_iterations is not None:
        _train(
            task or ["fork"],
            estimator,
            compare,
            param,
            seed,
            chosen_device,
            train_iterations,
            lr,
            seeds,
            output_format,
            plot,
        )
        return

    from cactl.trial import runner

    with _estimator_progress() as tick:
        if input_file is not None:
            trials = [
                runner.trial_on_file(
                    input_file,
                    estimator,
                    compare=compare or not estimator,
                    device=chosen_device,
                    progress=tick,
                )
            ]
        else:
            tasks = task or task_names()
            given = runner.task_params(tasks, param)
            _check_work(tasks, given, resamples, f"--resamples={resamples}")
            trials = [
                runner.trial_on_task(
                    name,
                    given[name],
                    estimator,
                    compare=compare or not estimator,
                    device=chosen_device,
                    seed=seed,
                    progress=tick,
                    resamples=resamples,
                )
                for name in tasks
            ]
    emit(output_format.render(TrialReport(trials=trials, named=estimator)))
    if plot is not None:
        write_atomic(plot, render.plot_png(trials, estimator, []))
        console.wrote(plot)


def _check_work(
    tasks: list[str],
    given: dict[str, dict[str, Any]],
    samples: int,
    samples_by: str,
    training: tuple[int, int] | None = None,
) -> None:
    """Every task's run within the documented limits (cactl.tasks.limits), before any work
    (and before torch is imported). ``training``: ``(iterations, seeds)`` of --train, checked
    for one estimator here; training checks all of its estimators once it knows them
    (cactl.trial.train.train_task)."""
    from cactl.tasks import make_task

    for name in tasks:
        env = make_task(name, given[name])
        check_work(name, env, samples=samples, samples_by=samples_by)
        if training is not None:
            check_training(name, env, iterations=training[0], seeds=training[1])


def _train(
    tasks: list[str],
    estimators: list[str],
    compare: bool,
    pairs: list[str],
    seed: int,
    device: Any,
    iterations: int,
    lr: float,
    seeds: int,
    output_format: Format[TrialReport],
    plot: str | None,
) -> None:
    from cactl.trial import runner
    from cactl.trial.train import train_task

    given = runner.task_params(tasks, pairs)
    _check_work(tasks, given, 1, "", training=(iterations, seeds))
    with _training_progress(iterations * seeds) as tick:
        runs = [
            train_task(
                name,
                given[name],
                estimators,
                compare=compare,
                iterations=iterations,
                seed=seed,
                device=device,
                lr=lr,
                seeds=seeds,
                on_iteration=tick,
            )
            for name in tasks
        ]
    emit(output_format.render(TrialReport(runs=runs, named=estimators)))
    if plot is not None:
        write_atomic(plot, render.plot_png([], estimators, runs))
        console.wrote(plot)
