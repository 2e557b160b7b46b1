"""TrajectoryBatch: layout, index maps, padded round trips, bad input."""

from __future__ import annotations

import math

import pytest
import torch

from cactl.errors import InputError
from cactl.estimators.batch import TrajectoryBatch
from tests.estimators.conftest import random_trajectories

TWO = [
    {
        "id": "a",
        "group": "g",
        "reward": 1.0,
        "steps": [{"tokens": 2, "value": 0.5}, {"tokens": 1, "reward": 0.25}],
    },
    {"id": "b", "group": "h", "reward": -1.0, "steps": [{"tokens": 3, "logp": -3.0}]},
]


def test_offsets_and_index_maps() -> None:
    batch = TrajectoryBatch.from_trajectories(TWO)
    assert (batch.num_trajectories, batch.num_steps, batch.num_tokens) == (2, 3, 6)
    assert batch.step_offsets.tolist() == [0, 2, 3]
    assert batch.token_offsets.tolist() == [0, 3, 6]
    assert batch.step_token_offsets.tolist() == [0, 2, 3, 6]
    assert batch.step_trajectory.tolist() == [0, 0, 1]
    assert batch.token_step.tolist() == [0, 0, 1, 2, 2, 2]
    assert batch.token_trajectory.tolist() == [0, 0, 0, 1, 1, 1]
    assert batch.group.tolist() == [0, 1]
    assert batch.group_names == ("g", "h")
    assert batch.token_rewards().tolist() == [0.0, 0.0, 1.25, 0.0, 0.0, -1.0]
    assert batch.step_rewards().tolist() == [0.0, 1.25, -1.0]


def test_missing_signal_is_nan_and_require_names_the_trajectory() -> None:
    batch = TrajectoryBatch.from_trajectories(TWO)
    value = batch.fields["value"]
    assert value[0] == 0.5 and torch.isnan(value[1:]).all()
    with pytest.raises(InputError) as caught:
        batch.require("value")
    assert caught.value.message == "trajectory 0 (id 'a'): step 1 has no 'value'"
    assert caught.value.field == "steps[1].value"
    # A scalar logp (the step's sum) is spread evenly over the step's tokens.
    with pytest.raises(InputError, match="trajectory 0 \\(id 'a'\\): step 0 has no 'logp'"):
        batch.require("logp")
    assert batch.fields["logp"][3:].tolist() == [-1.0, -1.0, -1.0]
    with pytest.raises(InputError, match="no 'prm'"):
        batch.require("prm")


def test_a_field_given_only_as_null_is_absent_and_a_partial_one_is_nan_elsewhere() -> None:
    rows = [
        {
            "id": "a",
            "group": "g",
            "reward": 1.0,
            "steps": [{"tokens": 2, "prm": None, "agent": None}],
        },
        {
            "id": "b",
            "group": "g",
            "reward": 0.0,
            "steps": [{"tokens": 1, "logp": [-0.5]}, {"tokens": 1}],
        },
    ]
    batch = TrajectoryBatch.from_trajectories(rows)
    assert set(batch.fields) == {"logp"}  # prm and agent are only ever null
    logp = batch.fields["logp"].tolist()
    assert math.isnan(logp[0]) and math.isnan(logp[1]) and logp[2] == -0.5
    assert math.isnan(logp[3])


def test_float64_and_device_move() -> None:
    batch = TrajectoryBatch.from_trajectories(TWO, dtype=torch.float64)
    assert batch.reward.dtype == torch.float64
    moved = batch.to("cpu", dtype=torch.float32)
    assert moved.reward.dtype == torch.float32 and moved.step_offsets.dtype == torch.long
    assert moved.fields["value"].dtype == torch.float32


def test_padded_round_trip_left_aligned() -> None:
    batch = TrajectoryBatch.from_trajectories(TWO)
    padded = batch.to_padded(torch.arange(6.0))
    assert padded.tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
    assert batch.to_padded(torch.tensor([7.0, 8.0, 9.0])).tolist() == [
        [7.0, 7.0, 8.0],
        [9.0, 9.0, 9.0],
    ]


def test_from_padded_runs_are_steps() -> None:
    mask = torch.tensor([[1, 1, 0, 0, 1, 0], [0, 1, 1, 1, 0, 0]])
    values = torch.arange(12.0).view(2, 6)
    batch = TrajectoryBatch.from_padded(
        mask, torch.tensor([1.0, 0.0]), values=values, group=["p", "p"]
    )
    assert batch.step_offsets.tolist() == [0, 2, 3]
    assert batch.step_token_offsets.tolist() == [0, 2, 3, 6]
    assert batch.fields["token_values"].tolist() == [0.0, 1.0, 4.0, 7.0, 8.0, 9.0]
    assert batch.group.tolist() == [0, 0]
    back = batch.to_padded(batch.fields["token_values"], fill=-1.0)
    assert back.tolist() == [[0.0, 1.0, -1.0, -1.0, 4.0, -1.0], [-1.0, 7.0, 8.0, 9.0, -1.0, -1.0]]
    one = TrajectoryBatch.from_padded(mask, torch.tensor([1.0, 0.0]), steps="row")
    assert one.step_offsets.tolist() == [0, 1, 2]


def test_from_padded_refuses_bad_input() -> None:
    with pytest.raises(InputError, match="trajectory 1 \\(id '1'\\) has no valid token"):
        TrajectoryBatch.from_padded(torch.tensor([[1, 0], [0, 0]]), torch.zeros(2))
    with pytest.raises(InputError, match="reward is not a finite number"):
        TrajectoryBatch.from_padded(torch.ones(2, 2), torch.tensor([0.0, float("nan")]))
    values = torch.zeros(2, 2)
    values[1, 1] = float("inf")
    with pytest.raises(
        InputError, match="trajectory 1 \\(id '1'\\): token_values\\[1\\] is not a finite"
    ):
        TrajectoryBatch.from_padded(torch.ones(2, 2), torch.zeros(2), values=values)
    with pytest.raises(InputError, match="group labels must have one entry per row"):
        TrajectoryBatch.from_padded(torch.ones(2, 2), torch.zeros(2), group=[1])


def test_bad_dicts_name_the_trajectory_and_field() -> None:
    bad = {"id": "z", "group": "g", "reward": 0.0, "steps": [{"tokens": -2}]}
    with pytest.raises(InputError) as caught:
        TrajectoryBatch.from_trajectories([TWO[0], bad])
    assert caught.value.field == "steps.0.tokens"
    assert caught.value.message.startswith("trajectory 1 (id 'z'): ")
    nan = {"id": "n", "group": "g", "reward": float("nan"), "steps": [{"tokens": 1}]}
    with pytest.raises(InputError, match="trajectory 0 \\(id 'n'\\)") as caught:
        TrajectoryBatch.from_trajectories([nan])
    assert caught.value.field == "reward"
    empty = {"id": "e", "group": "g", "reward": 0.0, "steps": []}
    with pytest.raises(InputError, match="trajectory 0 \\(id 'e'\\)"):
        TrajectoryBatch.from_trajectories([empty])
    with pytest.raises(InputError, match="no trajectories"):
        TrajectoryBatch.from_trajectories([])


def test_direct_construction_refuses_negative_token_counts() -> None:
    with pytest.raises(InputError) as caught:
        TrajectoryBatch(
            step_offsets=torch.tensor([0, 2]),
            token_offsets=torch.tensor([0, 1]),
            step_token_offsets=torch.tensor([0, 3, 1]),
            reward=torch.zeros(1),
            step_reward=torch.zeros(2),
            group=torch.zeros(1, dtype=torch.long),
            ids=("t",),
            group_names=("g",),
        )
    assert caught.value.field == "steps[1].tokens"
    assert caught.value.found == "-2"


def test_memory_is_proportional_to_tokens() -> None:
    long = {"id": "long", "group": "g", "reward": 1.0, "steps": [{"tokens": 100_000}]}
    short = [
        {"id": f"s{i}", "group": "g", "reward": 0.0, "steps": [{"tokens": 5}]} for i in range(1000)
    ]
    batch = TrajectoryBatch.from_trajectories([long, *short])
    assert batch.num_tokens == 105_000
    sizes = [batch.token_step.numel(), batch.token_trajectory.numel(), batch.step_offsets.numel()]
    assert sizes == [105_000, 105_000, 1002]


def test_random_batches_match_a_python_layout() -> None:
    for seed in range(5):
        trajectories = random_trajectories(seed)
        batch = TrajectoryBatch.from_trajectories(trajectories)
        token_step = []
        k = 0
        for trajectory in trajectories:
            for step in trajectory["steps"]:
                token_step.extend([k] * step["tokens"])
                k += 1
        assert batch.token_step.tolist() == token_step


def test_numbers_beyond_float32_are_refused_where_they_are() -> None:
    # 1e39 is a finite float64 (the JSONL format accepts it) but infinity in float32.
    value = [dict(TWO[0], steps=[{"tokens": 2}, {"tokens": 1, "value": 1e39}]), TWO[1]]
    with pytest.raises(InputError) as caught:
        TrajectoryBatch.from_trajectories(value)
    assert caught.value.message == "trajectory 0 (id 'a'): steps[1].value is not a finite number"
    assert caught.value.found == "inf"
    assert caught.value.expected == "a finite number (at most 3.4e+38 in size for float32)"
    token = [TWO[0], dict(TWO[1], steps=[{"tokens": 3, "token_values": [0.0, -1e39, 0.0]}])]
    with pytest.raises(InputError, match="trajectory 1 \\(id 'b'\\): token_values\\[1\\] is not a"):
        TrajectoryBatch.from_trajectories(token)
    # float64 keeps them; the mean of huge returns does not overflow on the way
    huge = [dict(TWO[0], steps=[{"tokens": 1, "branch_returns": [1e308, 1e308]}])]
    batch = TrajectoryBatch.from_trajectories(huge, dtype=torch.float64)
    assert batch.fields["branch_returns"].tolist() == [1e308]
    with pytest.raises(InputError, match=r"steps\[0\]\.branch_returns is not a finite number"):
        TrajectoryBatch.from_trajectories(huge)


def test_require_checks_a_field_again_after_an_in_place_change() -> None:
    trajectories = [
        {"id": "a", "group": "g", "reward": 1.0, "steps": [{"tokens": 1, "value": 0.5}]},
        {"id": "b", "group": "g", "reward": 0.0, "steps": [{"tokens": 2, "value": 0.25}]},
    ]
    batch = TrajectoryBatch.from_trajectories(trajectories)
    values = batch.require("value")
    assert batch.require("value") is values
    values[1] = float("nan")
    with pytest.raises(InputError, match=r"trajectory 1 \(id 'b'\): step 0 has no 'value'"):
        batch.require("value")
