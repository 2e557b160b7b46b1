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
from dataclasses import dataclass
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
    success: list[float]
    wall_s: float
    device: str

    def record(self) -> dict[str, object]:
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
    """Train a fresh policy for ``iterations`` steps with ``estimator``'s credit."""
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
        if on_iteration is not None:
            on_iteration(iteration + 1, success[-1])
    with torch.no_grad():
        table = torch.sigmoid(policy.logits()).cpu().tolist()
    success.append(expected_success(env, solve(env, table)))
    wall = time.perf_counter() - start
    if not all(math.isfinite(s) for s in success):  # pragma: no cover - a bug, not an input
        raise RuntimeError("training produced a non-finite success rate")
    return Curve(estimator, success, wall, str(device))


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

    def record(self) -> dict[str, Any]:
        """The JSON document of ``cactl trial --train N --format json``."""
        return {
            "source": {"task": self.task, "params": self.params},
            "seed": self.seed,
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
    on_iteration: OnIteration | None = None,
) -> TrainingRun:
    """Train one fresh policy per estimator on the task (``DEFAULT_ESTIMATORS`` when none is
    named and not ``compare``; with ``compare`` every estimator whose fields the task emits).

    A named estimator that needs a field the task does not emit is an InputError.
    """
    from cactl.trial.runner import choose_estimators

    env = make_task(task, params)
    named = list(estimators) or ([] if compare else list(DEFAULT_ESTIMATORS))
    probe = rollout(env, random.Random(seed)).trajectories
    names, _ = choose_estimators(named, probe, compare=compare)
    curves = []
    for name in names:

        def tick(iteration: int, success: float, name: str = name) -> None:
            if on_iteration is not None:
                on_iteration(name, iteration, success)

        curves.append(
            train(env, name, iterations, seed=seed, device=device, lr=lr, on_iteration=tick)
        )
    return TrainingRun(task, env.effective_params(), seed, str(device), iterations, lr, curves)
