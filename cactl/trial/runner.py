"""Run estimators on trajectories (from a task or a file), score them, time them.

The core of ``cactl trial``: returns :class:`Trial` objects, prints nothing.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any

import torch

from cactl.errors import CactlError, InputError
from cactl.estimators.batch import TrajectoryBatch
from cactl.estimators.catalog import check_requirements
from cactl.estimators.game_theoretic import MAX_EXACT_PLAYERS, PERMUTATIONS
from cactl.estimators.registry import estimate, registered_names
from cactl.tasks import get_task_info, make_task, rollout
from cactl.tasks.catalog import ParamValue
from cactl.tasks.engine import Environment
from cactl.tasks.limits import check_shapley, check_work
from cactl.trajectory.jsonl import load_trajectories
from cactl.trajectory.model import Trajectory
from cactl.trial import metrics
from cactl.trial.device import Cost, measure

#: Called before each estimator runs: (name, index, count).
OnEstimator = Callable[[str, int, int], None]

#: Trajectories in the warm-up call before each timed one (first-call overheads stay out).
WARMUP = 4

#: Tokens a trial holds in memory at most (several float and index tensors of this length).
MAX_TOKENS = 100_000_000


@dataclass
class Result:
    """One estimator's credit, scores and cost."""

    estimator: str
    metrics: dict[str, float | None]
    cost: Cost
    credits: list[list[float]]
    agreement_with: dict[str, float | None] = field(default_factory=dict)
    #: Standard deviation of each metric over resamples (``--resamples`` > 1), else empty.
    metrics_std: dict[str, float | None] = field(default_factory=dict)

    def per_step(self, trajectory: Trajectory, index: int) -> list[dict[str, Any]]:
        truth = trajectory.truth.step_advantage if trajectory.truth else None
        rows = []
        for k, step in enumerate(trajectory.steps):
            row: dict[str, Any] = {"step": k, "credit": self.credits[index][k]}
            row["truth"] = truth[k] if truth is not None else None
            if step.agent is not None:
                row["agent"] = step.agent
            rows.append(row)
        return rows


@dataclass
class Trial:
    """The outcome of one trial: where the data came from, and every estimator's result."""

    source: dict[str, Any]
    seed: int | None
    device: str
    trajectories: list[Trajectory]
    results: list[Result]
    skipped: list[tuple[str, str]]
    example: int
    has_truth: bool
    #: Exact success rate of the behaviour policy (tasks only).
    success_rate: float | None = None
    #: Independent samples the metrics are averaged over (tasks only).
    resamples: int = 1

    @property
    def title(self) -> str:
        return self.source.get("task") or self.source.get("input") or "trial"

    def record(self) -> dict[str, Any]:
        """The JSON document of ``cactl trial --format json``."""
        example = self.trajectories[self.example]
        return {
            "source": self.source,
            "seed": self.seed,
            "device": self.device,
            "trajectories": len(self.trajectories),
            "steps": sum(len(t.steps) for t in self.trajectories),
            "tokens": sum(t.num_tokens for t in self.trajectories),
            "truth": self.has_truth,
            "success_rate": self.success_rate,
            "resamples": self.resamples,
            "example": example.id,
            "results": [
                {
                    "rank": rank,
                    "estimator": result.estimator,
                    "metrics": result.metrics,
                    "cost": result.cost.record(),
                    "per_step": result.per_step(example, self.example),
                    **({"agreement_with": result.agreement_with} if not self.has_truth else {}),
                    **({"metrics_std": result.metrics_std} if self.resamples > 1 else {}),
                }
                for rank, result in enumerate(self.results, start=1)
            ],
            "skipped": [{"estimator": name, "reason": reason} for name, reason in self.skipped],
        }


def _split(values: list[float], offsets: list[int]) -> list[list[float]]:
    return [values[offsets[i] : offsets[i + 1]] for i in range(len(offsets) - 1)]


def _rank_key(result: Result, has_truth: bool) -> tuple[float, ...]:
    def num(value: float | None) -> float:
        return float("-inf") if value is None else value

    m = result.metrics
    if has_truth:
        return (-num(m.get("hit_rate")), -num(m.get("spearman")), -num(m.get("snr")))
    return (-num(m.get("agreement")),)


def choose_estimators(
    names: Sequence[str],
    trajectories: Sequence[Trajectory],
    *,
    compare: bool,
    lines: Sequence[int] | None = None,
    file: str | None = None,
) -> tuple[list[str], list[tuple[str, str]]]:
    """The estimators to run and those skipped (name, reason).

    Named estimators must have their fields (else InputError naming the field and line); with
    ``compare``, every registered estimator whose fields the data has runs, the others are
    skipped with the reason.
    """
    chosen: list[str] = []
    skipped: list[tuple[str, str]] = []
    for name in names:
        check_requirements(name, trajectories, lines=lines, file=file)
        if name not in chosen:
            chosen.append(name)
    if compare:
        for name in registered_names():
            if name in chosen:
                continue
            try:
                check_requirements(name, trajectories, lines=lines, file=file)
            except InputError as exc:
                skipped.append((name, _skip_reason(name, exc)))
                continue
            chosen.append(name)
    return chosen, skipped


def _skip_reason(name: str, error: InputError) -> str:
    """Why an estimator is left out of a comparison: the field it needs, from the error's
    context (its message otherwise)."""
    requires = error.context.get("requires")
    return f"{name!r} needs {requires!r}" if requires else error.message


def _located(error: InputError, lines: Sequence[int] | None, file: str | None) -> InputError:
    """The error with the file, and the line of the trajectory it names (when known)."""
    index = error.trajectory
    line = error.line
    if lines is not None and index is not None and 0 <= index < len(lines):
        line = lines[index]
    return replace(error, file=error.file or file, line=line)


def batch_tokens(trajectories: Sequence[Trajectory]) -> int:
    """The tokens of all the trajectories."""
    return sum(t.num_tokens for t in trajectories)


def _check_size(
    trajectories: Sequence[Trajectory], lines: Sequence[int] | None, file: str | None
) -> None:
    """Refuse more than MAX_TOKENS tokens, naming the trajectory that goes over."""
    total = 0
    for index, trajectory in enumerate(trajectories):
        total += trajectory.num_tokens
        if total > MAX_TOKENS:
            raise InputError(
                f"too many tokens: trajectory {index} (id {trajectory.id!r}) brings the count "
                f"to {total}",
                file=file,
                line=None if lines is None else lines[index],
                expected=f"at most {MAX_TOKENS} tokens in all",
                found=str(batch_tokens(trajectories)),
                hint="Split the file",
                code="too-large",
            )


def _check_credit(
    name: str,
    credits: list[list[float]],
    trajectories: Sequence[Trajectory],
    lines: Sequence[int] | None,
    file: str | None,
) -> None:
    """Refuse credit that overflowed: the data's numbers are too large to compute with."""
    for index, row in enumerate(credits):
        step = next((k for k, value in enumerate(row) if not math.isfinite(value)), None)
        if step is None:
            continue
        raise InputError(
            f"estimator {name!r} cannot run on this data: its credit of trajectory {index} "
            f"(id {trajectories[index].id!r}) at step {step} overflows",
            file=file,
            line=None if lines is None else lines[index],
            expected="numbers small enough to compute with in float32",
            found=str(row[step]),
            hint="Scale the rewards and signals down",
            code="not-finite",
        )


def run_estimators(
    trajectories: list[Trajectory],
    names: Sequence[str],
    device: torch.device,
    progress: OnEstimator | None = None,
    *,
    lines: Sequence[int] | None = None,
    file: str | None = None,
) -> list[Result]:
    """Each estimator's credit on the batch, scored against the truth where there is one.

    An error of the data names the file and the line of the trajectory (``lines`` maps
    trajectory index to line number)."""
    _check_size(trajectories, lines, file)
    try:
        batch = TrajectoryBatch.from_trajectories(trajectories, device=device)
        warm = TrajectoryBatch.from_trajectories(trajectories[:WARMUP], device=device)
    except InputError as exc:
        raise _located(exc, lines, file) from None
    except (MemoryError, torch.OutOfMemoryError):
        raise InputError(
            f"not enough memory for {batch_tokens(trajectories)} tokens on {device}",
            file=file,
            code="too-large",
        ) from None
    offsets = [int(x) for x in batch.step_offsets.tolist()]
    has_truth = all(t.truth is not None and t.truth.step_advantage for t in trajectories)
    results = []
    for number, name in enumerate(names):
        if progress is not None:
            progress(name, number, len(names))
        try:
            estimate(name, warm)
            credit, cost = measure(partial(estimate, name, batch), device, batch.num_tokens)
        except InputError as exc:
            raise _located(
                replace(exc, message=f"estimator {name!r} cannot run on this data: {exc.message}"),
                lines,
                file,
            ) from None
        except CactlError as exc:
            raise InputError(
                f"estimator {name!r} cannot run on this data: {exc}", file=file
            ) from None
        except (MemoryError, torch.OutOfMemoryError):
            raise InputError(
                f"estimator {name!r}: not enough memory for {batch.num_tokens} tokens on {device}",
                file=file,
                code="too-large",
            ) from None
        step_credit = credit.step.detach().cpu()
        credits = _split(step_credit.tolist(), offsets)  # Python floats, one list per trajectory
        if not bool(torch.isfinite(step_credit).all()):
            _check_credit(name, credits, trajectories, lines, file)
        if has_truth:
            truths = [list(t.truth.step_advantage or []) for t in trajectories if t.truth]
            criticals = [t.truth.critical_step for t in trajectories if t.truth]
            scores = metrics.score(credits, truths, criticals)
        else:
            scores = metrics.statistics(credits)
        results.append(Result(name, scores, cost, credits))
    if not has_truth:
        for result in results:
            for other in results:
                if other is not result:
                    result.agreement_with[other.estimator] = metrics.agreement(
                        result.credits, other.credits
                    )
            values = [v for v in result.agreement_with.values() if v is not None]
            result.metrics["agreement"] = sum(values) / len(values) if values else None
    return sorted(results, key=lambda r: _rank_key(r, has_truth))


def trial_on_trajectories(
    trajectories: list[Trajectory],
    estimators: Sequence[str],
    *,
    compare: bool,
    device: torch.device,
    source: dict[str, Any],
    seed: int | None,
    lines: Sequence[int] | None = None,
    file: str | None = None,
    example: int = 0,
    success_rate: float | None = None,
    progress: OnEstimator | None = None,
) -> Trial:
    names, skipped = choose_estimators(
        estimators, trajectories, compare=compare, lines=lines, file=file
    )
    if not names:
        raise InputError(
            "no estimator can run on this data",
            file=file,
            hint="every estimator needs a field these trajectories lack; see cactl estimators list",
            code="missing-requirement",
        )
    results = run_estimators(trajectories, names, device, progress, lines=lines, file=file)
    has_truth = all(t.truth is not None and t.truth.step_advantage for t in trajectories)
    return Trial(
        source=source,
        seed=seed,
        device=str(device),
        trajectories=trajectories,
        results=results,
        skipped=skipped,
        example=example,
        has_truth=has_truth,
        success_rate=success_rate,
    )


def task_params(tasks: Sequence[str], pairs: Sequence[str]) -> dict[str, dict[str, ParamValue]]:
    """``--param`` values per task: each applies to the tasks that have it; a name that no
    task has is an error."""
    given: dict[str, dict[str, ParamValue]] = {name: {} for name in tasks}
    for pair in pairs:
        key = pair.partition("=")[0].strip()
        owners = [t for t in tasks if any(p.name == key for p in get_task_info(t).params)]
        if not owners:
            get_task_info(tasks[0]).parse_params([pair])  # raises, with suggestions
        for owner in owners:
            given[owner].update(get_task_info(owner).parse_params([pair]))
    return given


def check_task_work(
    task: str,
    env: Environment,
    estimators: Sequence[str],
    compare: bool,
    samples: int,
    samples_by: str,
) -> None:
    """Refuse, before the task is sampled, a run past the limits of
    :mod:`cactl.tasks.limits`: the task's own work, and the ``shapley`` estimator's when it
    runs (named, or with ``compare`` on a task whose trajectories carry coalitions)."""
    check_work(task, env, samples=samples, samples_by=samples_by)
    if "shapley" in estimators or compare:
        check_shapley_work(task, env, samples, samples_by)


def check_shapley_work(task: str, env: Environment, samples: int, samples_by: str) -> None:
    """Refuse a ``shapley`` run on a task with players past its lookup limit, with the
    kernel's own exact limit and permutation count (see :func:`cactl.tasks.limits.check_shapley`)."""
    if env.players:
        check_shapley(
            task,
            env,
            max_exact=MAX_EXACT_PLAYERS,
            permutations=PERMUTATIONS,
            samples=samples,
            samples_by=samples_by,
        )


def trial_on_task(
    task: str,
    params: dict[str, ParamValue],
    estimators: Sequence[str],
    *,
    compare: bool,
    device: torch.device,
    seed: int,
    progress: OnEstimator | None = None,
    resamples: int = 1,
) -> Trial:
    """Sample the task (seeded), then run and score the estimators.

    With ``resamples`` R > 1 the task is sampled R times (seeds ``seed .. seed + R - 1``); each
    metric is the mean over the samples, ``metrics_std`` its standard deviation, and the
    credit, strip and cost are those of the first sample.
    """
    env = make_task(task, params)
    check_task_work(task, env, estimators, compare, resamples, f"--resamples={resamples}")
    trials = []
    for offset in range(resamples):
        sample = rollout(env, random.Random(seed + offset))
        trials.append(
            trial_on_trajectories(
                sample.trajectories,
                estimators,
                compare=compare,
                device=device,
                source={"task": task, "params": env.effective_params()},
                seed=seed,
                example=env.example(sample.trajectories),
                success_rate=sample.success_rate,
                progress=progress,
            )
        )
    return trials[0] if resamples == 1 else _merge(trials)


def _merge(trials: list[Trial]) -> Trial:
    """The first trial, with every metric averaged over all of them (and its std), re-ranked."""
    first = trials[0]
    for result in first.results:
        samples = [next(r for r in t.results if r.estimator == result.estimator) for t in trials]
        for key in list(result.metrics):
            values = [v for r in samples if (v := r.metrics.get(key)) is not None]
            if not values:
                continue
            mean = sum(values) / len(values)
            result.metrics[key] = mean
            result.metrics_std[key] = math.sqrt(
                sum((v - mean) ** 2 for v in values) / max(len(values) - 1, 1)
            )
    first.results.sort(key=lambda r: _rank_key(r, first.has_truth))
    first.resamples = len(trials)
    return first


def trial_on_file(
    path: str,
    estimators: Sequence[str],
    *,
    compare: bool,
    device: torch.device,
    progress: OnEstimator | None = None,
) -> Trial:
    """Read a JSONL file, then run and score the estimators (against its truth, if any)."""
    loaded = load_trajectories(path)
    return trial_on_trajectories(
        loaded.trajectories,
        estimators,
        compare=compare,
        device=device,
        source={"input": loaded.file},
        seed=None,
        lines=loaded.lines,
        file=loaded.file,
        progress=progress,
    )
