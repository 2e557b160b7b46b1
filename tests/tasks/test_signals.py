"""The signals the tasks emit, checked against hand-computed values on the fork task."""

from __future__ import annotations

import math
import random

import pytest

from cactl.errors import InputError
from cactl.tasks import get_task_info, make_task, rollout
from cactl.tasks.catalog import list_tasks

EXACT = {
    "critic_noise": 0.0,
    "prm_noise": 0.0,
    "branches": 0,
    "counterfactuals": 0,
    "hindsight_noise": 0.0,
    "answer_noise": 0.0,
}


def test_fork_signals_by_hand() -> None:
    # fork at step 2 of 4, success 0.9 (good) or 0.1 (bad), fork_prob 0.5, step_prob 0.9
    env = make_task("fork", {"horizon": 4, "fork": 2, "strength": 0.8, "prm_bias": 0.1, **EXACT})
    sample = rollout(env, random.Random(0))
    for trajectory, actions in zip(sample.trajectories, sample.actions, strict=True):
        good = actions[2] == 1
        q = 0.9 if good else 0.1
        for k, step in enumerate(trajectory.steps):
            value = 0.5 if k <= 2 else q
            advantage = (q - 0.5) if k == 2 else 0.0
            assert step.value == pytest.approx(value)
            assert step.branch_returns == pytest.approx([value])
            assert step.token_values == pytest.approx([value] + [value + advantage] * 7)
            assert step.prm == pytest.approx(advantage + 0.1)
            assert step.answer_prob == pytest.approx(0.5 if k < 2 else q)
            assert step.state == f"s{k}" + ("" if k <= 2 else "-good" if good else "-bad")
            assert step.tokens == 8
            assert step.ref_logp == pytest.approx(math.log(0.5))
            if k == 2:
                assert step.entropy == pytest.approx(math.log(2))
                assert step.logp == pytest.approx(math.log(0.5))
                assert step.counterfactual_returns == pytest.approx([0.1 if good else 0.9])
                # Bayes: P(a | success) = 0.5 * P(success | a) / 0.5
                z = trajectory.reward == 1.0
                posterior = (q if z else 1 - q) * 0.5 / 0.5
                assert step.hindsight_logp == pytest.approx(math.log(posterior))
            else:
                p = 0.9 if actions[k] else 0.1
                assert step.entropy == pytest.approx(-(0.9 * math.log(0.9) + 0.1 * math.log(0.1)))
                assert step.logp == pytest.approx(math.log(p))
                assert step.hindsight_logp == pytest.approx(math.log(p))
                assert step.counterfactual_returns == pytest.approx([value])
        assert trajectory.reward in (0.0, 1.0)
    assert sample.success_rate == pytest.approx(0.5)


def test_sampled_branch_returns_have_the_exact_mean() -> None:
    env = make_task("detour", {"groups": 1, "group_size": 1, "branches": 4000, "critic_noise": 0})
    trajectory = rollout(env, random.Random(2)).trajectories[0]
    for k in (0, 2, 10, 39):
        step = trajectory.steps[k]
        returns = step.branch_returns or []
        mean = sum(returns) / len(returns)
        var = sum((r - mean) ** 2 for r in returns) / len(returns)
        assert abs(mean - (step.value or 0)) <= 4 * math.sqrt(var / len(returns)) + 1e-9


def test_groups_ids_and_determinism() -> None:
    env = make_task("team", {"groups": 3, "group_size": 2})
    first = rollout(env, random.Random(7)).trajectories
    again = rollout(env, random.Random(7)).trajectories
    other = rollout(env, random.Random(8)).trajectories
    assert [t.id for t in first] == [
        "team-0-0",
        "team-0-1",
        "team-1-0",
        "team-1-1",
        "team-2-0",
        "team-2-1",
    ]
    assert [t.group for t in first] == ["team-0", "team-0", "team-1", "team-1", "team-2", "team-2"]
    assert [t.model_dump() for t in first] == [t.model_dump() for t in again]
    assert [t.model_dump() for t in first] != [t.model_dump() for t in other]


def test_detour_defaults_and_example() -> None:
    env = make_task("detour")
    assert env.effective_params()["detour"] == 10
    # 30 walk turns (40 minus clue, junction, door and 7 coin turns) x 0.9 x 0.8 x 0.8
    assert env.effective_params()["need"] == round(0.8 * 30 * 0.9 * 0.8) == 17
    sample = rollout(env, random.Random(0))
    chosen = sample.trajectories[env.example(sample.trajectories)]
    assert chosen.truth is not None and chosen.truth.step_advantage is not None
    assert chosen.truth.step_advantage[2] < 0 and chosen.reward == 1.0


@pytest.mark.parametrize(
    ("task", "params", "field", "text"),
    [
        ("fork", {"horizon": 5, "fork": 5}, "--param fork", "0 .. 4"),
        ("detour", {"horizon": 10, "junction": 9}, "--param junction", "1 .. 8"),
        ("team", {"idle": 0, "pivot": 5}, "--param pivot", "0 .. 4"),
        ("team", {"base": 0.9}, "--param base", "at most 1"),
    ],
)
def test_inconsistent_parameters(
    task: str, params: dict[str, float], field: str, text: str
) -> None:
    with pytest.raises(InputError) as caught:
        make_task(task, params)  # type: ignore[arg-type]
    assert caught.value.field == field
    assert text in caught.value.render()


def test_param_parsing() -> None:
    info = get_task_info("fork")
    assert info.parse_params(["horizon=40", "strength = 0.5"]) == {"horizon": 40, "strength": 0.5}
    for bad, message in [
        ("horizn=4", "did you mean 'horizon'"),
        ("horizon", "expected KEY=VALUE"),
        ("horizon=4.5", "an integer"),
        ("strength=2", "out of range"),
        ("strength=nan", "must be finite"),
    ]:
        with pytest.raises(InputError) as caught:
            info.parse_params([bad])
        assert message in caught.value.render()
    with pytest.raises(InputError, match="did you mean 'fork'"):
        get_task_info("frok")


def test_every_task_emits_valid_trajectories_with_truth() -> None:
    for info in list_tasks():
        env = make_task(info.name, {"groups": 2, "group_size": 2})
        for trajectory in rollout(env, random.Random(0)).trajectories:
            assert trajectory.truth is not None and trajectory.truth.step_advantage is not None
            truth = trajectory.truth.step_advantage
            assert trajectory.truth.critical_step == max(
                range(len(truth)), key=lambda k: abs(truth[k])
            )
            assert type(trajectory).model_validate(trajectory.model_dump()) == trajectory
