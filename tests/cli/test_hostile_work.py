"""Work bounded before it starts: task parameters whose product is too large, --train and
--resamples past the documented total, and --lr outside its range are exit 2 at once,
naming the parameters; runs at the limit go ahead."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from cactl.tasks import limits, make_task
from cactl.tasks.limits import work_of
from tests.helpers import run

TINY = ["-t", "fork", "-p", "groups=1", "-p", "group_size=2", "-p", "horizon=4", "-e", "grpo"]


def _error(*args: str) -> dict[str, object]:
    start = time.perf_counter()
    result = run(*args, "--format", "json")
    assert time.perf_counter() - start < 30
    assert result.exit_code == 2, result.output
    assert "internal error" not in result.stderr
    (error,) = json.loads(result.stdout)["errors"]
    return dict(error)


def test_the_work_of_a_task_is_counted_by_hand() -> None:
    env = make_task("fork", {"groups": 2, "group_size": 3, "horizon": 5, "tokens": 7})
    # 2 x 3 x 5 = 30 steps, x 7 tokens; each step 1 + (8 branches + 4 counterfactuals) x 5
    assert work_of(env, samples=2) == (30, 210, 30 * 61 * 2)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (["groups=10000", "group_size=10000"], "too many steps in one sample"),
        (["groups=100", "group_size=100", "tokens=100000", "horizon=2"], "too many tokens"),
    ],
)
def test_products_of_parameters_in_range_are_refused(params: list[str], message: str) -> None:
    args = ["trial", "-t", "fork", "-e", "grpo"]
    for pair in params:
        args += ["-p", pair]
    error = _error(*args)
    assert error["code"] == "too-large" and message in str(error["message"])
    for pair in params[:2]:
        assert pair in str(error["found"])


def test_train_iterations_are_bounded() -> None:
    error = _error("trial", *TINY, "--train", str(10**21))
    assert error["code"] == "too-large"
    assert f"--train={10**21} --seeds=1" in str(error["found"])


def test_resamples_at_the_limit_run_and_past_it_are_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # TINY: 1 x 2 x 4 = 8 steps, each 1 + (8 + 4) x 4 = 49 simulated: 392 a sample
    monkeypatch.setattr(limits, "MAX_WORK", 392 * 2)
    assert run("trial", *TINY, "--resamples", "2").exit_code == 0
    error = _error("trial", *TINY, "--resamples", "3")
    assert (error["code"], error["expected"]) == ("too-large", "at most 784 simulated steps")


def test_training_counts_the_steps_each_estimators_policy_trains_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # TINY: 1 x 2 x 4 = 8 steps a sample; each estimator trains its own policy.
    monkeypatch.setattr(limits, "MAX_TRAIN_STEPS", 8 * 6)
    assert run("trial", *TINY, "--train", "3", "--seeds", "2").exit_code == 0
    error = _error("trial", *TINY, "--train", "7")  # refused before torch is imported
    assert (error["code"], error["expected"]) == (
        "too-large",
        "at most 48 sampled steps trained on",
    )
    assert error["found"] == "56 from groups=1 group_size=2 horizon=4 --train=7 --seeds=1"
    error = _error("trial", *TINY, "-e", "vine", "--train", "6")
    assert error["found"] == (
        "96 from groups=1 group_size=2 horizon=4 --train=6 --seeds=1 (2 estimators)"
    )


@pytest.mark.parametrize(
    ("lr", "code"),
    [
        ("inf", "not-finite"),
        ("nan", "not-finite"),
        ("1e300", "out-of-range"),
        ("-1", "out-of-range"),
    ],
)
def test_the_learning_rate_is_finite_and_in_range(lr: str, code: str) -> None:
    error = _error("trial", *TINY, "--train", "1", "--lr", lr)
    assert (error["code"], error["field"]) == (code, "--lr")


def test_tasks_sample_is_bounded_too() -> None:
    result = run("tasks", "sample", "fork", "-p", "groups=10000", "-p", "group_size=10000")
    assert result.exit_code == 2
    assert "too many steps in one sample" in result.stderr


def test_coalitions_and_shapley_lookups_are_counted_by_hand() -> None:
    env = make_task("team", {"idle": 1, "groups": 2, "group_size": 3})
    # 6 agents: 2 x 3 trajectories x 2^6 coalitions, twice
    assert limits.coalitions_of(env, samples=2) == 6 * 64 * 2
    assert limits.coalitions_of(make_task("fork", {})) == 0
    assert limits.shapley_lookups(12, max_exact=12, permutations=2000) == 4096
    assert limits.shapley_lookups(13, max_exact=12, permutations=2000) == 2000 * 13
    assert limits.shapley_lookups(0, max_exact=12, permutations=2000) == 0


def test_the_reported_team_run_is_refused_at_once() -> None:
    # idle=8: 13 agents, 2^13 coalition values for each of 100 x 8 trajectories
    error = _error("trial", "--task", "team", "-p", "idle=8", "-p", "groups=100", "-e", "shapley")
    assert error["code"] == "too-large"
    assert error["message"] == "task 'team': too many coalition values (2^players per trajectory)"
    assert error["expected"] == f"at most {limits.MAX_COALITIONS} coalition values"
    assert error["found"] == (
        f"{800 * 2**13} from groups=100 group_size=8 idle=8 (13 agents) --resamples=1"
    )


TEAM = ["--task", "team", "-p", "idle=1", "-p", "groups=1", "-p", "group_size=2"]


@pytest.mark.parametrize(
    "how",
    [["-e", "shapley"], [], ["--compare", "-e", "grpo"]],
    ids=["named", "default comparison", "--compare"],
)
def test_shapley_on_a_task_is_counted_before_the_task_is_sampled(
    how: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # 2 trajectories of 6 agents: 2 x 2^6 = 128 lookups
    monkeypatch.setattr(limits, "MAX_SHAPLEY_LOOKUPS", 127)
    monkeypatch.setattr("cactl.trial.runner.rollout", lambda *a, **k: pytest.fail("sampled"))
    error = _error("trial", *TEAM, *how)
    assert (error["code"], error["expected"]) == ("too-large", "at most 127 coalition lookups")
    assert error["message"] == (
        "task 'team': too much work for the shapley estimator (64 coalition lookups per trajectory)"
    )
    assert error["found"] == "128 from groups=1 group_size=2 idle=1 (6 agents) --resamples=1"


def test_shapley_at_the_limit_runs_and_other_estimators_are_not_counted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(limits, "MAX_SHAPLEY_LOOKUPS", 128)
    assert run("trial", *TEAM, "-e", "shapley").exit_code == 0
    monkeypatch.setattr(limits, "MAX_SHAPLEY_LOOKUPS", 0)
    assert run("trial", *TEAM, "-e", "grpo").exit_code == 0


def test_shapley_training_counts_every_iteration(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "MAX_SHAPLEY_LOOKUPS", 128 * 3 - 1)
    error = _error("trial", *TEAM, "-e", "shapley", "--train", "3")
    assert error["found"] == (
        f"{128 * 3} from groups=1 group_size=2 idle=1 (6 agents) --train=3 --seeds=1"
    )


def test_shapley_on_a_file_names_the_line_that_goes_over(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "team.jsonl"
    assert (
        run(
            "tasks", "sample", "team", "-p", "groups=1", "-p", "group_size=2", "-o", str(path)
        ).exit_code
        == 0
    )
    # the file's agents decide: 6 per trajectory, 2^6 = 64 lookups each
    monkeypatch.setattr(limits, "MAX_SHAPLEY_LOOKUPS", 100)
    error = _error("trial", "--input", str(path), "-e", "shapley")
    assert (error["code"], error["field"], error["trajectory"]) == ("too-large", "coalitions", 1)
    rows = path.read_text().splitlines()
    assert error["line"] == 1 + next(k for k, row in enumerate(rows) if '"team-0-1"' in row)
    assert error["message"] == (
        "estimator 'shapley' cannot run on this data: too much work: trajectory 1 "
        "(id 'team-0-1') (6 players) brings the coalition lookups to 128"
    )
