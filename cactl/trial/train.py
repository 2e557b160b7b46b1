"""``--train``: a small torch policy learns a task with one estimator's credit.

The policy acts at every step with ``P(a = 1) = sigmoid(base(t, obs) + mlp(features(t, obs)))``:
``base`` is the task's behaviour policy (the "pretrained" starting point, clipped to
``[0.02, 0.98]``) and the MLP (one hidden layer, its output layer zero-initialised, so training
starts from the behaviour policy) is shared by all steps, as an LLM's weights are. Each
iteration samples ``groups x group_size`` trajectories from the task under the current policy
(with every signal, under that policy), runs the estimator, and takes one Adam step on

    loss = -(1 / N) sum_trajectories sum_steps credit_k * log pi(a_k | t_k, obs_k).

The success rate of each iteration's policy is exact (the task's success probability under
the policy, not a sample mean). With shared weights, the credit of every step moves the
decision at the decisive one: episode-level credit adds the noise of all T steps to it, finer
credit does not; that is the gap the learning curves show.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch

from cactl.estimators.batch import TrajectoryBatch
from cactl.estimators.catalog import get_info
from cactl.estimators.registry import estimate
from cactl.tasks import make_task
from cactl.tasks.catalog import ParamValue
from cactl.tasks.engine import Environment, expected_success, rollout, solve

CLIP = 0.02


@dataclass(frozen=True)
class Curve:
    """Exact success rate before training (index 0) and after each iteration."""

    estimator: str
    #: The mean over seeds, by iteration.
    success: list[float]
    wall_s: float
    device: str
    #: Each seed's curve (one entry per seed, in the run's seed order).
    by_seed: list[list[float]] = field(default_factory=list)

    def record(self) -> dict[str, object]:
        by_seed = {"curve_by_seed": self.by_seed} if len(self.by_seed) > 1 else {}
        return {
            "estimator": self.estimator,
            "metrics": {
                "initial_success": self.success[0],
                "final_success": self.success[-1],
                "gain": self.success[-1] - self.success[0],
                "area": sum(self.success[1:]) / max(len(self.success) - 1, 1),
            },
            "cost": {"wall_s": self.wall_s, "device": self.device},
            "curve": self.success,
            **by_seed,
        }


class Policy(torch.nn.Module):
    """Behaviour logits plus a shared MLP over the observation features."""

    def __init__(self, env: Environment, hidden: int) -> None:
        super().__init__()
        features = torch.tensor(env.features(), dtype=torch.float32)
        base = torch.tensor(env.behaviour(), dtype=torch.float32).clamp(CLIP, 1 - CLIP)
        self.register_buffer("features", features)
        self.register_buffer("base", torch.log(base) - torch.log1p(-base))
        head = torch.nn.Linear(hidden, 1)
        torch.nn.init.zeros_(head.weight)
        torch.nn.init.zeros_(head.bias)
        self.net = torch.nn.Sequential(
            torch.nn.Linear(features.shape[-1], hidden), torch.nn.Tanh(), head
        )

    def logits(self) -> torch.Tensor:
        """``[horizon, num_obs]`` logits of action 1."""
        base = self.get_buffer("base")
        out: torch.Tensor = self.net(self.features).squeeze(-1)
        return base + out


def train(
    env: Environment,
    estimator: str,
    iterations: int,
    *,
    seed: int,
    device: torch.device,
    lr: float = 0.05,
    hidden: int = 32,
    on_iteration: Callable[[int, float], None] | None = None,
) -> Curve:
    """Train a fresh policy for ``iterations`` steps with ``estimator``'s credit.

    ``on_iteration(i, rate)`` is called for i = 0..iterations with the rate the curve records at
    index i (the last one, after every update, exact), so a progress bar ends on the table's
    last row."""
    torch.manual_seed(seed)
    rng = random.Random(seed)
    policy = Policy(env, hidden).to(device)
    optimiser = torch.optim.Adam(policy.parameters(), lr=lr)
    # Labels are cheap and some kernels read them beyond their declared needs (shapley maps
    # agent names in coalitions to steps).
    needs = frozenset(get_info(estimator).requires) | {"agent", "state"}
    success: list[float] = []
    start = time.perf_counter()
    for iteration in range(iterations):
        logits = policy.logits()
        table = torch.sigmoid(logits).detach().cpu().tolist()
        sample = rollout(env, rng, table, validate=False, fields=needs)
        success.append(sample.success_rate)
        if on_iteration is not None:  # the rate of the policy after `iteration` updates
            on_iteration(iteration, success[-1])
        batch = TrajectoryBatch.from_trajectories(sample.trajectories, device=device)
        credit = estimate(estimator, batch).step.to(device=device, dtype=logits.dtype)
        turns = torch.arange(env.horizon, device=device).repeat(len(sample.trajectories))
        obs = torch.tensor(sample.observations, device=device).reshape(-1)
        actions = torch.tensor(sample.actions, device=device, dtype=logits.dtype).reshape(-1)
        chosen = logits[turns, obs]
        logp = actions * torch.nn.functional.logsigmoid(chosen) + (
            1 - actions
        ) * torch.nn.functional.logsigmoid(-chosen)
        loss = -(credit.detach() * logp).sum() / len(sample.trajectories)
        optimiser.zero_grad()
        loss.backward()  # type: ignore[no-untyped-call]
        optimiser.step()
    with torch.no_grad():
        table = torch.sigmoid(policy.logits()).cpu().tolist()
    success.append(expected_success(env, solve(env, table)))
    if on_iteration is not None:  # the last row of the table: after every update
        on_iteration(iterations, success[-1])
    wall = time.perf_counter() - start
    if not all(math.isfinite(s) for s in success):  # pragma: no cover - a bug, not an input
        raise RuntimeError("training produced a non-finite success rate")
    return Curve(estimator, success, wall, str(device), [success])


def mean_curve(curves: Sequence[Curve]) -> Curve:
    """One estimator's curves over several seeds: the mean by iteration, every seed kept."""
    by_seed = [curve.success for curve in curves]
    mean = [sum(values) / len(values) for values in zip(*by_seed, strict=True)]
    wall = sum(curve.wall_s for curve in curves)
    return Curve(curves[0].estimator, mean, wall, curves[0].device, by_seed)


#: Estimators trained when none is named: episode-level against step-level credit.
DEFAULT_ESTIMATORS = ("grpo", "vine")

#: Called after each iteration: (estimator, iteration, success rate of that iteration).
OnIteration = Callable[[str, int, float], None]


@dataclass(frozen=True)
class TrainingRun:
    """The learning curves of several estimators on one task."""

    task: str
    params: dict[str, ParamValue]
    seed: int
    device: str
    iterations: int
    lr: float
    curves: list[Curve]
    #: Every seed trained (``seed`` is the first); curves are their mean.
    seeds: list[int] = field(default_factory=list)

    def record(self) -> dict[str, Any]:
        """The JSON document of ``cactl trial --train N --format json``."""
        return {
            "source": {"task": self.task, "params": self.params},
            "seed": self.seed,
            "seeds": self.seeds or [self.seed],
            "device": self.device,
            "iterations": self.iterations,
            "lr": self.lr,
            "results": [curve.record() for curve in self.curves],
        }


def train_task(
    task: str,
    params: dict[str, ParamValue],
    estimators: Sequence[str],
    *,
    compare: bool,
    iterations: int,
    seed: int,
    device: torch.device,
    lr: float = 0.01,
    seeds: int = 1,
    on_iteration: OnIteration | None = None,
) -> TrainingRun:
    """Train one fresh policy per estimator on the task (``DEFAULT_ESTIMATORS`` when none is
    named and not ``compare``; with ``compare`` every estimator whose fields the task emits),
    once per seed ``seed, seed + 1, ..., seed + seeds - 1``; each curve is the mean over seeds
    and keeps every seed's curve.

    A named estimator that needs a field the task does not emit is an InputError.
    """
    from cactl.tasks.limits import check_training, check_work
    from cactl.trial.runner import check_shapley_work, choose_estimators

    env = make_task(task, params)
    named = list(estimators) or ([] if compare else list(DEFAULT_ESTIMATORS))
    check_work(task, env)  # the probe below: one sample, continuations included
    probe = rollout(env, random.Random(seed)).trajectories
    names, _ = choose_estimators(named, probe, compare=compare)
    # Every estimator trains its own policy: the training's work, bounded before it starts.
    check_training(task, env, iterations=iterations, seeds=seeds, estimators=len(names))
    if "shapley" in names:
        check_shapley_work(task, env, iterations * seeds, f"--train={iterations} --seeds={seeds}")
    run_seeds = list(range(seed, seed + seeds))
    curves = []
    for name in names:

        def tick(iteration: int, success: float, name: str = name) -> None:
            if on_iteration is not None:
                on_iteration(name, iteration, success)

        per_seed = [
            train(env, name, iterations, seed=s, device=device, lr=lr, on_iteration=tick)
            for s in run_seeds
        ]
        curves.append(mean_curve(per_seed))
    return TrainingRun(
        task=task,
        params=env.effective_params(),
        seed=seed,
        device=str(device),
        iterations=iterations,
        lr=lr,
        curves=curves,
        seeds=run_seeds,
    )
