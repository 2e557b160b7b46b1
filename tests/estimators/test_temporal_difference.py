"""gae and turn_gae: hand-computed cases and properties."""

from __future__ import annotations

import random

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from cactl.estimators.batch import TrajectoryBatch
from cactl.estimators.registry import estimate
from tests.estimators.references import rtg, token_rewards

ONE = {
    "id": "t",
    "group": "g",
    "reward": 1.0,
    "steps": [
        {"tokens": 2, "reward": 0.5, "token_values": [0.5, 0.2], "value": 0.5},
        {"tokens": 1, "token_values": [0.1], "value": 0.1},
    ],
}


def test_gae_hand_computed() -> None:
    credit = estimate(
        "gae", TrajectoryBatch.from_trajectories([ONE], dtype=torch.float64), gamma=0.5, lam=0.5
    )
    # rewards [0, .5, 1]; deltas [-.4, .35, .9]; A2 = .9, A1 = .35 + .25*.9, A0 = -.4 + .25*A1
    assert credit.token.tolist() == pytest.approx([-0.25625, 0.575, 0.9])
    assert credit.extra["returns"].tolist() == pytest.approx([0.24375, 0.775, 1.0])
    assert credit.step.tolist() == pytest.approx([(-0.25625 + 0.575) / 2, 0.9])


def test_turn_gae_hand_computed() -> None:
    credit = estimate(
        "turn_gae",
        TrajectoryBatch.from_trajectories([ONE], dtype=torch.float64),
        gamma=0.5,
        lam=0.5,
    )
    # step rewards [.5, 1]; deltas [.5 + .5*.1 - .5, 1 - .1] = [.05, .9]; A0 = .05 + .25*.9
    assert credit.step.tolist() == pytest.approx([0.275, 0.9])
    assert credit.token.tolist() == pytest.approx([0.275, 0.275, 0.9])


def _random(seed: int, one_token: bool = False) -> list[dict[str, object]]:
    rng = random.Random(seed)
    out = []
    for i in range(rng.randint(1, 4)):
        steps = []
        for _ in range(rng.randint(1, 6)):
            n = 1 if one_token else rng.randint(1, 5)
            values = [rng.uniform(-1, 1) for _ in range(n)]
            steps.append(
                {
                    "tokens": n,
                    "reward": rng.uniform(-1, 1),
                    "token_values": values,
                    "value": values[0],
                }
            )
        out.append({"id": str(i), "group": "g", "reward": rng.uniform(-1, 1), "steps": steps})
    return out


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_gae_with_gamma_lambda_one_is_return_minus_value(seed: int) -> None:
    trajectories = _random(seed)
    batch = TrajectoryBatch.from_trajectories(trajectories, dtype=torch.float64)
    credit = estimate("gae", batch, gamma=1.0, lam=1.0)
    expected = []
    for t in trajectories:
        values = [v for s in t["steps"] for v in s["token_values"]]  # type: ignore[attr-defined]
        expected += [g - v for g, v in zip(rtg(token_rewards(t), 1.0), values, strict=True)]
    assert credit.token.tolist() == pytest.approx(expected, abs=1e-12)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), gamma=st.floats(0, 1), lam=st.floats(0, 1))
def test_turn_gae_on_one_token_steps_equals_gae(seed: int, gamma: float, lam: float) -> None:
    batch = TrajectoryBatch.from_trajectories(_random(seed, one_token=True), dtype=torch.float64)
    token = estimate("gae", batch, gamma=gamma, lam=lam).token
    turn = estimate("turn_gae", batch, gamma=gamma, lam=lam).token
    assert turn.tolist() == pytest.approx(token.tolist(), abs=1e-12)
