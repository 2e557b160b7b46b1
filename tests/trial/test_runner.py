"""Estimators on the controlled tasks, with fixed seeds: where does the credit land?"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
import torch

from cactl.errors import InputError
from cactl.tasks import make_task, rollout
from cactl.trial import runner
from cactl.trial.runner import (
    choose_estimators,
    run_estimators,
    task_params,
    trial_on_file,
    trial_on_task,
)

CPU = torch.device("cpu")


def test_vine_with_exact_branch_returns_finds_the_fork() -> None:
    trial = trial_on_task("fork", {"branches": 0}, ["vine"], compare=False, device=CPU, seed=0)
    (result,) = trial.results
    assert result.metrics["hit_rate"] is not None and result.metrics["hit_rate"] >= 0.95
    # exact values: A_k = V(s_k+1) - V(s_k) is 0 off the fork and +-0.5 on it (strength 1)
    for credits, trajectory in zip(result.credits, trial.trajectories, strict=True):
        assert trajectory.truth is not None
        assert credits == pytest.approx(trajectory.truth.step_advantage, abs=1e-6)


def test_grpo_spreads_credit_evenly_on_the_fork() -> None:
    trial = trial_on_task("fork", {}, ["grpo"], compare=False, device=CPU, seed=0)
    (result,) = trial.results
    for credits in result.credits:
        assert max(credits) - min(credits) < 1e-6
    horizon = 20
    assert result.metrics["hit_rate"] == pytest.approx(1 / horizon)
    assert result.metrics["mass"] == pytest.approx(1 / horizon)
    assert result.metrics["spearman"] == 0.0


def test_detour_early_mistake_keeps_its_blame_after_a_late_success() -> None:
    env = make_task("detour", {"groups": 16, "branches": 0})
    trajectories = rollout(env, random.Random(0)).trajectories
    results = {r.estimator: r for r in run_estimators(trajectories, ["vine", "grpo"], CPU)}
    wrong = [
        i
        for i, t in enumerate(trajectories)
        if t.truth and t.truth.step_advantage and t.truth.step_advantage[env.junction] < 0
    ]
    recovered = [i for i in wrong if trajectories[i].reward == 1.0]
    assert len(recovered) >= 3
    # vine sees the drop in value right after the wrong branch, whatever the outcome
    assert all(results["vine"].credits[i][env.junction] < 0 for i in wrong)
    # episode-level credit: the late success erases the blame (success >= the group's mean)
    assert all(results["grpo"].credits[i][env.junction] >= 0 for i in recovered)
    assert any(results["grpo"].credits[i][env.junction] > 0 for i in recovered)


def test_detour_mistake_negative_on_average_with_sampled_branches() -> None:
    env = make_task("detour", {"groups": 16})
    trajectories = rollout(env, random.Random(1)).trajectories
    (vine,) = run_estimators(trajectories, ["vine"], CPU)
    wrong = [
        i
        for i, t in enumerate(trajectories)
        if t.truth and (t.truth.step_advantage or [0] * 3)[2] < 0
    ]
    assert sum(vine.credits[i][2] for i in wrong) / len(wrong) < -0.1


def test_team_pivot_gets_the_largest_shapley_credit() -> None:
    env = make_task("team")
    trajectories = rollout(env, random.Random(0)).trajectories
    (shapley,) = run_estimators(trajectories, ["shapley"], CPU)
    pivot = env.agents.index("pivot")
    checked = 0
    for credits, trajectory in zip(shapley.credits, trajectories, strict=True):
        if trajectory.steps[pivot].agent == "pivot" and any(
            c.value > 0 for c in trajectory.coalitions or []
        ):
            checked += 1
            others = [c for k, c in enumerate(credits) if k != pivot]
            assert credits[pivot] > max(others)
    assert checked >= 20


def test_team_shapley_values_by_hand_when_every_agent_acts() -> None:
    # every agent acts: pivot 0.5 + 0.25 * 2/3 + 0.25 / 3 = 0.75; redundant 0.25 / 6 each;
    # complementary 0.25 / 3 each; idle 0 (the pivot-and-pairs games of the team docstring)
    env = make_task("team", {"act_prob": 1.0, "groups": 1, "group_size": 1})
    trajectories = rollout(env, random.Random(0)).trajectories
    (shapley,) = run_estimators(trajectories, ["shapley"], CPU)
    expected = {
        "pivot": 0.75,
        "redundant-1": 0.25 / 6,
        "redundant-2": 0.25 / 6,
        "complementary-1": 0.25 / 3,
        "complementary-2": 0.25 / 3,
        "idle-1": 0.0,
    }
    got = {step.agent: c for step, c in zip(trajectories[0].steps, shapley.credits[0], strict=True)}
    assert got == pytest.approx(expected, abs=1e-6)


def test_compare_skips_estimators_without_their_fields() -> None:
    trajectories = rollout(
        make_task("fork", {"groups": 1, "group_size": 2}), random.Random(0)
    ).trajectories
    names, skipped = choose_estimators([], trajectories, compare=True)
    assert "vine" in names and "shapley" not in names
    assert ("shapley", "'shapley' needs 'coalitions'") in skipped
    stripped = [
        t.model_copy(
            update={"steps": [s.model_copy(update={"branch_returns": None}) for s in t.steps]}
        )
        for t in trajectories
    ]
    with pytest.raises(InputError) as caught:
        choose_estimators(["vine"], stripped, compare=False, lines=[3, 4], file="x.jsonl")
    assert (caught.value.field, caught.value.line) == ("steps[0].branch_returns", 3)


def test_task_params_apply_to_the_tasks_that_have_them() -> None:
    given = task_params(["fork", "team"], ["horizon=30", "groups=2"])
    assert given == {"fork": {"horizon": 30, "groups": 2}, "team": {"groups": 2}}
    with pytest.raises(InputError, match="did you mean 'horizon'") as caught:
        task_params(["fork"], ["horizn=3"])
    assert (caught.value.code, caught.value.field) == ("unknown-key", "--param")


def test_ranking_and_json_record() -> None:
    trial = trial_on_task(
        "fork", {"branches": 0, "groups": 2}, ["grpo", "vine"], compare=False, device=CPU, seed=3
    )
    record = trial.record()
    assert [r["estimator"] for r in record["results"]] == ["vine", "grpo"]
    assert [r["rank"] for r in record["results"]] == [1, 2]
    assert record["source"]["task"] == "fork"
    assert record["source"]["params"]["fork"] == 10
    assert record["seed"] == 3 and record["device"] == "cpu"
    assert set(record["results"][0]) == {"rank", "estimator", "metrics", "cost", "per_step"}
    assert set(record["results"][0]["cost"]) == {
        "wall_s",
        "tokens_per_s",
        "peak_memory_bytes",
        "threads",
        "device",
    }
    per_step = record["results"][0]["per_step"]
    assert len(per_step) == 20 and per_step[10]["truth"] in (0.5, -0.5)
    assert per_step[10]["credit"] == pytest.approx(per_step[10]["truth"])


def test_file_without_truth_gets_statistics_and_agreement(tmp_path: object) -> None:
    from pathlib import Path

    from cactl.trajectory.jsonl import write_trajectories

    trajectories = rollout(
        make_task("fork", {"groups": 2, "group_size": 4}), random.Random(0)
    ).trajectories
    bare = [t.model_copy(update={"truth": None}) for t in trajectories]
    path = Path(str(tmp_path)) / "rollouts.jsonl"
    write_trajectories(path, bare)
    trial = trial_on_file(str(path), ["grpo", "vine", "turn_gae"], compare=False, device=CPU)
    assert not trial.has_truth
    vine = next(r for r in trial.results if r.estimator == "vine")
    assert set(vine.metrics) == {"mean", "std", "min", "max", "concentration", "agreement"}
    assert set(vine.agreement_with) == {"grpo", "turn_gae"}
    assert vine.agreement_with["grpo"] is None  # grpo is constant in every trajectory
    assert trial.record()["results"][0]["per_step"][0]["truth"] is None


def test_resamples_average_the_metrics_of_independent_samples() -> None:
    singles = [
        trial_on_task("team", {"groups": 2}, ["vine"], compare=False, device=CPU, seed=seed)
        for seed in (4, 5, 6)
    ]
    merged = trial_on_task(
        "team", {"groups": 2}, ["vine"], compare=False, device=CPU, seed=4, resamples=3
    )
    hits = [t.results[0].metrics["hit_rate"] or 0.0 for t in singles]
    mean = sum(hits) / 3
    assert merged.results[0].metrics["hit_rate"] == pytest.approx(mean)
    assert merged.results[0].metrics_std["hit_rate"] == pytest.approx(
        (sum((h - mean) ** 2 for h in hits) / 2) ** 0.5
    )
    assert merged.results[0].credits == singles[0].results[0].credits
    record = merged.record()
    assert record["resamples"] == 3 and "metrics_std" in record["results"][0]


def test_progress_is_called_before_each_estimator() -> None:
    calls: list[tuple[str, int, int]] = []
    trajectories = rollout(
        make_task("fork", {"groups": 1, "group_size": 2}), random.Random(0)
    ).trajectories
    run_estimators(trajectories, ["grpo", "vine"], CPU, lambda *call: calls.append(call))
    assert calls == [("grpo", 0, 2), ("vine", 1, 2)]


@pytest.mark.parametrize("horizon", [10, 40])
def test_episode_level_snr_falls_as_one_over_the_horizon(horizon: int) -> None:
    # grpo puts the same credit c on all T steps and the truth is nonzero on the fork only:
    # signal <= sum c^2 over trajectories, noise >= (T - 1) sum c^2, so snr <= 1 / (T - 1);
    # with strength 1 the fork's credit is nearly proportional to its truth, so it is close.
    trial = trial_on_task("fork", {"horizon": horizon}, ["grpo"], compare=False, device=CPU, seed=0)
    snr = trial.results[0].metrics["snr"]
    assert snr is not None and 0.8 / (horizon - 1) < snr <= 1 / (horizon - 1) + 1e-9


def _jsonl(folder: Path, rows: list[dict[str, object]]) -> str:
    path = folder / "data.jsonl"
    path.write_text("# header\n" + "\n".join(json.dumps(row) for row in rows) + "\n")
    return str(path)


def test_errors_of_the_batch_and_estimators_name_the_file_and_line(tmp_path: Path) -> None:
    ok = {"id": "a", "group": "g", "reward": 1.0, "steps": [{"tokens": 1}]}
    huge = {"id": "b", "group": "g", "reward": 1e39, "steps": [{"tokens": 1}]}
    path = _jsonl(tmp_path, [ok, huge])
    with pytest.raises(InputError) as caught:
        trial_on_file(path, ["grpo"], compare=False, device=CPU)
    assert (caught.value.file, caught.value.line) == (path, 3)
    assert caught.value.message == "trajectory 1 (id 'b'): reward is not a finite number"
    # the coalitions table lacks {p, q}: only the shapley estimator finds out
    steps = [{"tokens": 1, "agent": "p"}, {"tokens": 1, "agent": "q"}]
    table = [{"members": m, "value": 0.0} for m in ([], ["p"], ["q"])]
    team = {"id": "t", "group": "g", "reward": 1.0, "steps": steps, "coalitions": table}
    solo = [{"members": [], "value": 0.0}, {"members": [0], "value": 1.0}]
    path = _jsonl(tmp_path, [ok | {"coalitions": solo}, team])
    with pytest.raises(InputError) as caught:
        trial_on_file(path, ["shapley"], compare=False, device=CPU)
    assert (caught.value.file, caught.value.line) == (path, 3)
    assert caught.value.message.startswith(
        "estimator 'shapley' cannot run on this data: trajectory 1 (id 't'): "
        "the coalitions table has no value for ['p', 'q']"
    )


def test_credit_that_overflows_float32_is_refused_on_its_line(tmp_path: Path) -> None:
    # 3e38 fits in float32, but rloo's group total (3e38 + 3e38) overflows
    rows = [
        {"id": str(i), "group": "g", "reward": 3e38 * (i % 2), "steps": [{"tokens": 1}]}
        for i in range(4)
    ]
    path = _jsonl(tmp_path, rows)
    with pytest.raises(InputError) as caught:
        trial_on_file(path, ["rloo"], compare=False, device=CPU)
    assert (caught.value.file, caught.value.line) == (path, 2)
    assert caught.value.message == (
        "estimator 'rloo' cannot run on this data: its credit of trajectory 0 (id '0') "
        "at step 0 overflows"
    )
    # grpo normalises in units of the largest reward, so the same rewards give exact credit:
    # rewards 0, x, 0, x: mean x/2, unbiased std x/sqrt(3), credit +-(x/2)/(x/sqrt(3)) = +-0.866
    for size in (3e38, 1e18):
        rows = [dict(row, reward=size * (i % 2)) for i, row in enumerate(rows)]
        (result,) = trial_on_file(
            _jsonl(tmp_path, rows), ["grpo"], compare=False, device=CPU
        ).results
        assert [round(c[0], 3) for c in result.credits] == [-0.866, 0.866, -0.866, 0.866]


def test_too_many_tokens_is_refused_before_any_memory_is_taken(tmp_path: Path) -> None:
    rows = [
        {"id": "a", "group": "g", "reward": 1.0, "steps": [{"tokens": 7}]},
        {"id": "b", "group": "g", "reward": 0.0, "steps": [{"tokens": 10**12}, {"tokens": 3}]},
    ]
    path = _jsonl(tmp_path, rows)
    with pytest.raises(InputError) as caught:
        trial_on_file(path, ["grpo"], compare=False, device=CPU)
    assert (caught.value.file, caught.value.line) == (path, 3)
    assert caught.value.message == (
        f"too many tokens: trajectory 1 (id 'b') brings the count to {7 + 10**12 + 3}"
    )
    assert caught.value.expected == "at most 100000000 tokens in all"


def test_out_of_memory_is_an_input_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    def no_memory(*args: object, **kwargs: object) -> None:
        raise MemoryError

    monkeypatch.setattr(runner.TrajectoryBatch, "from_trajectories", no_memory)
    path = _jsonl(tmp_path, [{"id": "a", "group": "g", "reward": 1.0, "steps": [{"tokens": 5}]}])
    with pytest.raises(InputError, match="not enough memory for 5 tokens on cpu") as caught:
        trial_on_file(path, ["grpo"], compare=False, device=CPU)
    assert caught.value.file == path
