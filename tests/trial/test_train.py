"""The policy-gradient loop: training with credit improves the exact success rate."""

from __future__ import annotations

import pytest
import torch

from cactl.tasks import make_task
from cactl.trial.train import train

CPU = torch.device("cpu")


def test_vine_improves_success_on_fork_within_a_small_budget() -> None:
    env = make_task("fork", {"groups": 2})
    curve = train(env, "vine", 10, seed=0, device=CPU, lr=0.05)
    assert len(curve.success) == 11
    assert curve.success[0] == pytest.approx(0.5)  # the behaviour policy: fork_prob 0.5, strength 1
    assert curve.success[-1] > 0.9
    record = curve.record()
    assert record["curve"] == curve.success
    assert record["metrics"]["gain"] == pytest.approx(curve.success[-1] - 0.5)  # type: ignore[index]


def test_training_is_deterministic_for_a_seed() -> None:
    env = make_task("team", {"groups": 2})
    first = train(env, "grpo", 3, seed=4, device=CPU).success
    again = train(env, "grpo", 3, seed=4, device=CPU).success
    assert first == again


@pytest.mark.slow
def test_step_credit_learns_a_long_fork_faster_than_episode_credit() -> None:
    env = make_task("fork", {"groups": 2, "horizon": 100})
    for seed in (0, 1):
        grpo = train(env, "grpo", 20, seed=seed, device=CPU)
        vine = train(env, "vine", 20, seed=seed, device=CPU)
        assert vine.record()["metrics"]["area"] > grpo.record()["metrics"]["area"]  # type: ignore[index]
