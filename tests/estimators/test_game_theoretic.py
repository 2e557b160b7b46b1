"""shapley and counterfactual: hand cases, Shapley axioms, sampling, bad tables."""

from __future__ import annotations

import itertools
import random

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from cactl.errors import InputError
from cactl.estimators.batch import TrajectoryBatch
from cactl.estimators.game_theoretic import shapley_values
from cactl.estimators.registry import estimate
from tests.estimators.references import shapley_exact


def _table(n: int, v: dict[frozenset[int], float]) -> list[dict[str, object]]:
    return [{"members": sorted(s), "value": x} for s, x in v.items()]


def _random_game(rng: random.Random, n: int) -> dict[frozenset[int], float]:
    return {
        frozenset(c): (0.0 if not c else rng.uniform(-1, 1))
        for k in range(n + 1)
        for c in itertools.combinations(range(n), k)
    }


def test_shapley_hand_computed_glove_game() -> None:
    # Players 0 and 1 hold left gloves, 2 a right glove; a pair is worth 1.
    v = {
        frozenset(c): float(2 in c and (0 in c or 1 in c))
        for k in range(4)
        for c in itertools.combinations(range(3), k)
    }
    t = {
        "id": "x",
        "group": "g",
        "reward": 1.0,
        "steps": [{"tokens": 1}, {"tokens": 2}, {"tokens": 1}],
        "coalitions": _table(3, v),
    }
    credit = estimate("shapley", TrajectoryBatch.from_trajectories([t], dtype=torch.float64))
    assert credit.step.tolist() == pytest.approx([1 / 6, 1 / 6, 2 / 3])
    assert credit.token.tolist() == pytest.approx([1 / 6, 1 / 6, 1 / 6, 2 / 3])


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(1, 5))
def test_shapley_axioms_and_definition(seed: int, n: int) -> None:
    rng = random.Random(seed)
    v = _random_game(rng, n)
    # Make player 0 a null player and players n-1, n-2 symmetric (when n >= 3).
    for s in list(v):
        if 0 in s:
            v[s] = v[s - {0}]
    if n >= 3:
        a, b = n - 1, n - 2
        for s in list(v):
            if a in s and b not in s:
                v[s] = v[(s - {a}) | {b}]
    phi = shapley_values(v, n).tolist()
    assert phi == pytest.approx(shapley_exact(v, n), abs=1e-12)
    assert sum(phi) == pytest.approx(v[frozenset(range(n))] - v[frozenset()], abs=1e-12)
    assert phi[0] == pytest.approx(0.0, abs=1e-12)
    if n >= 3:
        assert phi[n - 1] == pytest.approx(phi[n - 2], abs=1e-12)


def test_permutation_sampling_beyond_max_exact() -> None:
    rng = random.Random(3)
    n = 6
    v = _random_game(rng, n)
    exact = shapley_values(v, n)
    sampled = shapley_values(v, n, max_exact=3, permutations=4000, seed=1)
    assert float(sampled.sum()) == pytest.approx(
        v[frozenset(range(n))], abs=1e-12
    )  # efficiency is exact
    assert (sampled - exact).abs().max() < 0.05
    again = shapley_values(v, n, max_exact=3, permutations=4000, seed=1)
    assert torch.equal(sampled, again)  # seeded


def test_oracle_with_many_players() -> None:
    # An additive game: v(S) = sum of weights; Shapley values are the weights, exactly,
    # for every permutation.
    weights = [float(i) for i in range(20)]
    phi = shapley_values(lambda s: sum(weights[i] for i in s), 20, permutations=50)
    assert phi.tolist() == pytest.approx(weights)


def test_agents_as_players() -> None:
    v = {(): 0.0, ("p",): 1.0, ("c",): 2.0, ("p", "c"): 5.0}
    t = {
        "id": "m",
        "group": "g",
        "reward": 5.0,
        "steps": [
            {"tokens": 1, "agent": "p"},
            {"tokens": 1, "agent": "c"},
            {"tokens": 1, "agent": "p"},
        ],
        "coalitions": [{"members": list(k), "value": x} for k, x in v.items()],
    }
    credit = estimate("shapley", TrajectoryBatch.from_trajectories([t]))
    # phi_p = (1 + (5 - 2)) / 2 = 2, phi_c = (2 + (5 - 1)) / 2 = 3; each step gets its agent's.
    assert credit.step.tolist() == [2.0, 3.0, 2.0]


def test_counterfactual_equals_shapley_for_one_player() -> None:
    t = {
        "id": "o",
        "group": "g",
        "reward": 0.8,
        "steps": [{"tokens": 3, "counterfactual_returns": [0.1, 0.3]}],
        "coalitions": [{"members": [], "value": 0.2}, {"members": [0], "value": 0.8}],
    }
    batch = TrajectoryBatch.from_trajectories([t], dtype=torch.float64)
    assert estimate("counterfactual", batch).step.tolist() == pytest.approx([0.6])
    assert estimate("shapley", batch).step.tolist() == pytest.approx([0.6])


def test_missing_or_bad_coalitions_are_input_errors() -> None:
    t = {"id": "q", "group": "g", "reward": 1.0, "steps": [{"tokens": 1}, {"tokens": 1}]}
    with pytest.raises(InputError, match="trajectory 0 \\(id 'q'\\) has no coalitions table"):
        estimate("shapley", TrajectoryBatch.from_trajectories([t]))
    partial = {
        **t,
        "coalitions": [{"members": [], "value": 0.0}, {"members": [0, 1], "value": 1.0}],
    }
    with pytest.raises(InputError, match="has no value for \\[0\\]") as caught:
        estimate("shapley", TrajectoryBatch.from_trajectories([partial]))
    assert caught.value.field == "coalitions"
    outside = {**t, "coalitions": [{"members": [2], "value": 0.0}]}
    with pytest.raises(InputError, match="coalition member 2 is not a step index \\(0 to 1\\)"):
        estimate("shapley", TrajectoryBatch.from_trajectories([outside]))


@settings(max_examples=30, deadline=None)
@given(
    reward=st.floats(-5, 5, allow_nan=False),
    baseline=st.lists(st.floats(-5, 5, allow_nan=False), min_size=1, max_size=5),
)
def test_counterfactual_equals_one_player_shapley_property(
    reward: float, baseline: list[float]
) -> None:
    empty = sum(baseline) / len(baseline)
    t = {
        "id": "o",
        "group": "g",
        "reward": reward,
        "steps": [{"tokens": 2, "counterfactual_returns": baseline}],
        "coalitions": [{"members": [], "value": empty}, {"members": [0], "value": reward}],
    }
    batch = TrajectoryBatch.from_trajectories([t], dtype=torch.float64)
    counterfactual = estimate("counterfactual", batch).step.tolist()
    assert counterfactual == pytest.approx(estimate("shapley", batch).step.tolist(), abs=1e-9)


def test_agent_members_need_every_steps_agent() -> None:
    table = [
        {"members": [], "value": 0.0},
        {"members": ["p"], "value": 1.0},
        {"members": ["c"], "value": 2.0},
        {"members": ["p", "c"], "value": 5.0},
    ]
    good = {
        "id": "a",
        "group": "g",
        "reward": 5.0,
        "steps": [{"tokens": 1, "agent": "p"}, {"tokens": 1, "agent": "c"}],
        "coalitions": table,
    }
    partial = {**good, "id": "b", "steps": [{"tokens": 1, "agent": "p"}, {"tokens": 1}]}
    # One step without an agent: an error naming it (it used to get credit 0 silently).
    with pytest.raises(InputError) as caught:
        estimate("shapley", TrajectoryBatch.from_trajectories([good, partial]))
    assert caught.value.message.startswith("trajectory 1 (id 'b'): step 1 has no 'agent'")
    assert caught.value.field == "steps[1].agent"
    # No step of the batch names an agent: the same error, naming the first trajectory.
    bare = {**good, "steps": [{"tokens": 1}, {"tokens": 1}]}
    with pytest.raises(InputError) as caught:
        estimate("shapley", TrajectoryBatch.from_trajectories([bare]))
    assert caught.value.message.startswith("trajectory 0 (id 'a'): step 0 has no 'agent'")


@pytest.mark.parametrize("seed", range(4))
def test_shapley_on_random_ragged_batches_matches_the_permutation_definition(seed: int) -> None:
    # Each trajectory has its own random game over its steps (1 to 5 players); the estimator's
    # step credits are checked against the mean marginal contribution over all n! orders.
    rng = random.Random(seed)
    trajectories, expected = [], []
    for i in range(rng.randint(1, 5)):
        n = rng.randint(1, 5)
        v = _random_game(rng, n)
        v[frozenset()] = rng.uniform(-1, 1)  # a nonzero empty coalition
        trajectories.append(
            {
                "id": f"t{i}",
                "group": f"g{i % 2}",
                "reward": rng.uniform(-1, 1),
                "steps": [{"tokens": rng.randint(1, 4)} for _ in range(n)],
                "coalitions": _table(n, v),
            }
        )
        expected += shapley_exact(v, n)
    batch = TrajectoryBatch.from_trajectories(trajectories, dtype=torch.float64)
    assert estimate("shapley", batch).step.tolist() == pytest.approx(expected, abs=1e-12)
    float32 = TrajectoryBatch.from_trajectories(trajectories)
    assert estimate("shapley", float32).step.tolist() == pytest.approx(expected, abs=1e-6)


@pytest.mark.parametrize("seed", range(3))
def test_shapley_with_agents_as_players_on_random_trajectories(seed: int) -> None:
    rng = random.Random(100 + seed)
    names = ["planner", "coder", "critic", "tester"]
    trajectories, expected = [], []
    for i in range(3):
        agents = rng.sample(names, rng.randint(1, 4))
        steps = [rng.choice(agents) for _ in range(rng.randint(len(agents), 6))]
        for k, a in enumerate(agents):  # every agent acts at least once
            steps[k] = a
        v = _random_game(rng, len(agents))
        phi = shapley_exact(v, len(agents))
        trajectories.append(
            {
                "id": f"t{i}",
                "group": "g",
                "reward": 1.0,
                "steps": [{"tokens": 1, "agent": a} for a in steps],
                "coalitions": [
                    {"members": [agents[p] for p in sorted(s)], "value": x} for s, x in v.items()
                ],
            }
        )
        expected += [phi[agents.index(a)] for a in steps]
    batch = TrajectoryBatch.from_trajectories(trajectories, dtype=torch.float64)
    assert estimate("shapley", batch).step.tolist() == pytest.approx(expected, abs=1e-12)


def test_the_lookups_are_counted_before_any_value(monkeypatch: pytest.MonkeyPatch) -> None:
    from cactl.tasks import limits

    rng = random.Random(0)
    two = _table(2, _random_game(rng, 2))  # 2 step players: 2^2 = 4 lookups
    three = _table(3, _random_game(rng, 3))  # 3 step players: 8 lookups
    batch = TrajectoryBatch.from_trajectories(
        [
            {"id": "a", "group": "g", "reward": 1, "steps": [{"tokens": 1}] * 2, "coalitions": two},
            {
                "id": "b",
                "group": "g",
                "reward": 1,
                "steps": [{"tokens": 1}] * 3,
                "coalitions": three,
            },
        ]
    )
    monkeypatch.setattr(limits, "MAX_SHAPLEY_LOOKUPS", 12)
    estimate("shapley", batch)  # 4 + 8 = 12: at the limit
    monkeypatch.setattr(limits, "MAX_SHAPLEY_LOOKUPS", 11)
    values: list[object] = []
    with monkeypatch.context() as spy, pytest.raises(InputError) as caught:
        spy.setattr(
            "cactl.estimators.game_theoretic.shapley_values", lambda *a, **k: values.append(a)
        )
        estimate("shapley", batch)
    assert values == []  # refused before the first trajectory's values
    error = caught.value
    assert (error.code, error.trajectory, error.field) == ("too-large", 1, "coalitions")
    assert error.message == (
        "too much work: trajectory 1 (id 'b') (3 players) brings the coalition lookups to 12"
    )
    assert error.expected == (
        "at most 11 lookups in all (2^n per trajectory of n <= 12 players, 2000 x n beyond)"
    )
    # beyond max_exact: permutations x n; 2 x 3 = 6, with the 4 of the first trajectory: 10
    estimate("shapley", batch, max_exact=2, permutations=2)
