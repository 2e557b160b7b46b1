"""igpo and entropy_focus: hand-computed cases."""

from __future__ import annotations

import math

import pytest
import torch

from cactl.estimators.batch import TrajectoryBatch
from cactl.estimators.registry import estimate


def test_igpo_hand_computed() -> None:
    a = {
        "id": "a",
        "group": "g",
        "reward": 1.0,
        "steps": [{"tokens": 1, "answer_prob": 0.5}, {"tokens": 2, "answer_prob": 0.9}],
    }
    b = {"id": "b", "group": "g", "reward": 0.0, "steps": [{"tokens": 1, "answer_prob": 0.1}]}
    batch = TrajectoryBatch.from_trajectories([a, b], dtype=torch.float64)
    credit = estimate("igpo", batch, prior=0.2, gamma=0.5, eps=0.0)
    # Rewards: a [.5 - .2, R=1], b [R=0]; pool {.3, 1, 0}: mean 13/30, Bessel std.
    pool = [0.3, 1.0, 0.0]
    mean = sum(pool) / 3
    std = math.sqrt(sum((x - mean) ** 2 for x in pool) / 2)
    n = [(x - mean) / std for x in pool]
    assert credit.step.tolist() == pytest.approx([n[0] + 0.5 * n[1], n[1], n[2]])


def test_igpo_single_turn_group_is_zero() -> None:
    t = {"id": "a", "group": "g", "reward": 1.0, "steps": [{"tokens": 3, "answer_prob": 0.5}]}
    assert estimate("igpo", TrajectoryBatch.from_trajectories([t])).step.tolist() == [0.0]


def test_entropy_focus_top_steps_and_ties() -> None:
    entropy = [0.1, 0.9, 0.5, 0.9, 0.2]
    a = {
        "id": "a",
        "group": "g",
        "reward": 1.0,
        "steps": [{"tokens": 1, "entropy": e} for e in entropy],
    }
    b = {"id": "b", "group": "g", "reward": 0.0, "steps": [{"tokens": 2, "entropy": 0.3}]}
    batch = TrajectoryBatch.from_trajectories([a, b])
    # ceil(.4 * 5) = 2 steps of a: the two 0.9s; ceil(.4 * 1) = 1 step of b. Advantages +-.5.
    credit = estimate("entropy_focus", batch, fraction=0.4, scale="none")
    assert credit.step.tolist() == [0.0, 0.5, 0.0, 0.5, 0.0, -0.5]
    # A tie at the cut goes to the earlier step: ceil(.2 * 5) = 1 -> step 1, not step 3.
    one = estimate("entropy_focus", batch, fraction=0.2, scale="none")
    assert one.step.tolist() == [0.0, 0.5, 0.0, 0.0, 0.0, -0.5]
    assert estimate("entropy_focus", batch, fraction=0.0).step.tolist() == [0.0] * 6
