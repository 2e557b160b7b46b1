"""Contracts every estimator keeps: a kernel per catalogue entry, finite credit on singleton
and constant groups, float64, shapes, and a named error when a required field is missing."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
import torch

from cactl.errors import InputError
from cactl.estimators.batch import TrajectoryBatch
from cactl.estimators.catalog import TRAJECTORY_FIELDS, estimator_names, get_info
from cactl.estimators.registry import estimate, registered_names

STEP_VALUE: dict[str, Any] = {
    "value": 0.5,
    "prm": 0.5,
    "answer_prob": 0.5,
    "entropy": 0.5,
    "hindsight_logp": -1.0,
    "logp": -1.0,
    "ref_logp": -1.0,
    "branch_returns": [1.0],
    "counterfactual_returns": [1.0],
    "state": "s",
    "agent": "a",
}


def _step(tokens: int) -> dict[str, Any]:
    step: dict[str, Any] = {"tokens": tokens, **STEP_VALUE}
    step["token_values"] = [0.5] * tokens
    return step


def _trajectory(ident: str, group: str, reward: float, steps: int) -> dict[str, Any]:
    coalitions = [
        {"members": list(c), "value": float(len(c))}
        for k in range(steps + 1)
        for c in itertools.combinations(range(steps), k)
    ]
    return {
        "id": ident,
        "group": group,
        "reward": reward,
        "steps": [_step(2) for _ in range(steps)],
        "coalitions": coalitions,
    }


def test_every_catalogue_name_has_a_kernel() -> None:
    assert registered_names() == estimator_names()


@pytest.mark.parametrize("name", estimator_names())
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_singleton_and_constant_groups_are_finite(name: str, dtype: torch.dtype) -> None:
    trajectories = [
        _trajectory("alone", "solo", 1.0, 1),
        _trajectory("same1", "flat", 2.0, 3),
        _trajectory("same2", "flat", 2.0, 2),
    ]
    batch = TrajectoryBatch.from_trajectories(trajectories, dtype=dtype)
    credit = estimate(name, batch)
    assert credit.token.shape == (batch.num_tokens,) and credit.step.shape == (batch.num_steps,)
    assert credit.token.dtype == credit.step.dtype == dtype
    assert torch.isfinite(credit.token).all() and torch.isfinite(credit.step).all()
    if get_info(name).episode_level:
        assert credit.token.tolist() == [0.0] * batch.num_tokens


OPTIONAL = [n for n in estimator_names() if set(get_info(n).requires) - {"group", "reward"}]


def test_group_is_the_only_requirement_of_grpo_and_rloo() -> None:
    # group and reward are required by the trajectory format itself, so these never miss them.
    assert sorted(set(estimator_names()) - set(OPTIONAL)) == ["grpo", "reinforce_pp", "rloo"]


@pytest.mark.parametrize("name", OPTIONAL)
def test_missing_field_names_the_trajectory(name: str) -> None:
    info = get_info(name)
    field = next((f for f in info.requires if f not in TRAJECTORY_FIELDS), None)
    good = _trajectory("ok", "g", 1.0, 2)
    bad = _trajectory("bad", "g", 0.0, 2)
    if field is None:  # a trajectory-level field (coalitions)
        field = info.requires[0]
        del bad[field]
        expected = "trajectory 1 (id 'bad')"
    else:
        del bad["steps"][1][field]
        expected = "trajectory 1 (id 'bad'): step 1 has no"
    batch = TrajectoryBatch.from_trajectories([good, bad])
    with pytest.raises(InputError) as caught:
        estimate(name, batch)
    assert expected in caught.value.message
    assert field in (caught.value.field or "")
