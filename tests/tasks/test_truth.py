"""Ground truth checked by brute force: every episode of a small instance enumerated, the
rules of each task written again here from its docstring (no code shared with cactl.tasks)."""

from __future__ import annotations

import itertools
import random
from collections import defaultdict
from collections.abc import Callable

import pytest

from cactl.tasks import make_task, rollout

# An episode is a list of (action, move) per turn (move: 1 if a walk advance moved, else 0),
# with its probability and the immediate reward of every turn, plus its final success prob.
Episode = tuple[float, list[tuple[int, int]], list[float], float]


def conditional_advantages(episodes: list[Episode]) -> Callable[..., float]:
    """A function (history, action) -> E[G_k | h_k, a_k] - E[G_k | h_k], from all episodes."""
    weight: dict[tuple[object, ...], float] = defaultdict(float)
    total: dict[tuple[object, ...], float] = defaultdict(float)
    for prob, path, rewards, success in episodes:
        for k in range(len(path)):
            g = sum(rewards[k:]) + success
            for key in (("v", *path[:k]), ("q", *path[:k], path[k][0])):
                weight[key] += prob
                total[key] += prob * g

    def advantage(history: list[tuple[int, int]], action: int) -> float:
        q = ("q", *history, action)
        v = ("v", *history)
        return total[q] / weight[q] - total[v] / weight[v]

    return advantage


def fork_episodes(
    horizon: int, fork: int, strength: float, fork_prob: float, step_prob: float
) -> list[Episode]:
    episodes = []
    for actions in itertools.product((0, 1), repeat=horizon):
        prob = 1.0
        for t, a in enumerate(actions):
            p1 = fork_prob if t == fork else step_prob
            prob *= p1 if a else 1 - p1
        success = 0.5 + strength / 2 if actions[fork] else 0.5 - strength / 2
        episodes.append((prob, [(a, 0) for a in actions], [0.0] * horizon, success))
    return episodes


def test_fork_truth_by_enumeration() -> None:
    params = {"horizon": 5, "fork": 3, "strength": 0.6, "fork_prob": 0.3, "step_prob": 0.8}
    env = make_task("fork", {**params, "groups": 4, "group_size": 4})
    sample = rollout(env, random.Random(1))
    advantage = conditional_advantages(fork_episodes(5, 3, 0.6, 0.3, 0.8))
    for trajectory, actions in zip(sample.trajectories, sample.actions, strict=True):
        assert trajectory.truth is not None
        expected = [advantage([(a, 0) for a in actions[:k]], actions[k]) for k in range(5)]
        assert trajectory.truth.step_advantage == pytest.approx(expected, abs=1e-12)
        assert trajectory.truth.critical_step == 3
    # by hand: V = 0.3 * 0.8 + 0.7 * 0.2 = 0.38; good fork: 0.8 - 0.38, bad: 0.2 - 0.38
    values = {round(t.truth.step_advantage[3], 12) for t in sample.trajectories if t.truth}
    assert values <= {0.42, -0.18}


def detour_episodes(clue: int) -> list[Episode]:
    """horizon 8: clue 0, walk 1, junction 2, coin 3, walk 4 (lost if wrong), walk 5,
    coin 6, door 7; detour 2 (lost through turn 4), need 2, move 0.7, coin 0.05."""
    kinds = ["clue", "walk", "junction", "coin", "walk", "walk", "coin", "door"]
    behave = {"clue": 0.6, "junction": 0.7, "walk": 0.8, "coin": 0.5}
    episodes = []
    for actions in itertools.product((0, 1), repeat=8):
        for moves in itertools.product((0, 1), repeat=3):  # outcomes of the three walks
            prob, note, wrong, progress = 1.0, -1, False, 0
            path, rewards, walk = [], [], 0
            for t, (kind, a) in enumerate(zip(kinds, actions, strict=True)):
                if kind == "door":
                    p1 = 0.5 if note < 0 else (0.9 if note == 1 else 0.1)
                else:
                    p1 = behave[kind]
                prob *= p1 if a else 1 - p1
                reward, moved = 0.0, 0
                if kind == "clue" and a:
                    note = clue
                if kind == "junction" and not a:
                    wrong = True
                if kind == "coin" and a:
                    reward = 0.05
                if kind == "walk":
                    m = moves[walk]
                    walk += 1
                    can_move = a and not (wrong and t <= 4) and progress < 2
                    if can_move:
                        prob *= 0.7 if m else 0.3
                        moved = m
                        progress += m
                    elif m:
                        prob = 0.0  # a move without an advance is impossible
                path.append((a, moved))
                rewards.append(reward)
            success = 1.0 if progress >= 2 and actions[7] == clue else 0.0
            if prob > 0:
                episodes.append((prob, path, rewards, success))
    return episodes


def test_detour_truth_by_enumeration() -> None:
    params = {
        "horizon": 8, "junction": 2, "detour": 2, "need": 2, "move_prob": 0.7,
        "coin_every": 3, "coin": 0.05, "note_prob": 0.6, "junction_prob": 0.7,
        "advance_prob": 0.8, "grab_prob": 0.5, "recall_prob": 0.9,
        "groups": 6, "group_size": 6,
    }  # fmt: skip
    env = make_task("detour", params)
    sample = rollout(env, random.Random(3))
    advantage = {c: conditional_advantages(detour_episodes(c)) for c in (0, 1)}
    checked_wrong = 0
    for trajectory, actions in zip(sample.trajectories, sample.actions, strict=True):
        keys = [step.state or "" for step in trajectory.steps]
        clue = int(keys[0].split(":")[1][1:])
        progress = [int(key.split(":")[2][1:]) for key in keys] + [None]
        history: list[tuple[int, int]] = []
        expected = []
        for k in range(8):
            expected.append(advantage[clue](history, actions[k]))
            after = progress[k + 1] if progress[k + 1] is not None else progress[k]
            history.append((actions[k], int(after != progress[k])))
        assert trajectory.truth is not None
        assert trajectory.truth.step_advantage == pytest.approx(expected, abs=1e-12)
        if actions[2] == 0:
            checked_wrong += 1
            assert trajectory.truth.step_advantage[2] < 0
    assert checked_wrong > 0


def team_value(a: dict[str, int]) -> float:
    either = a.get("redundant-1", 0) or a.get("redundant-2", 0)
    both = a.get("complementary-1", 0) and a.get("complementary-2", 0)
    return a.get("pivot", 0) * (0.4 + 0.3 * either + 0.2 * both)


def test_team_truth_and_coalitions_by_enumeration() -> None:
    env = make_task(
        "team",
        {"idle": 1, "pivot": 1, "act_prob": 0.7, "base": 0.4, "redundant": 0.3,
         "complementary": 0.2, "groups": 4, "group_size": 4},
    )  # fmt: skip
    order = ["redundant-1", "pivot", "complementary-1", "redundant-2", "complementary-2", "idle-1"]
    episodes = []
    for actions in itertools.product((0, 1), repeat=6):
        prob = 1.0
        for a in actions:
            prob *= 0.7 if a else 0.3
        success = team_value(dict(zip(order, actions, strict=True)))
        episodes.append((prob, [(a, 0) for a in actions], [0.0] * 6, success))
    advantage = conditional_advantages(episodes)
    sample = rollout(env, random.Random(5))
    for trajectory, actions in zip(sample.trajectories, sample.actions, strict=True):
        assert [step.agent for step in trajectory.steps] == order
        expected = [advantage([(a, 0) for a in actions[:k]], actions[k]) for k in range(6)]
        assert trajectory.truth is not None
        assert trajectory.truth.step_advantage == pytest.approx(expected, abs=1e-12)
        realised = dict(zip(order, actions, strict=True))
        coalitions = trajectory.coalitions or []
        assert len(coalitions) == 2**6
        for coalition in coalitions:
            members = {str(m) for m in coalition.members}
            acting = {name: realised[name] for name in members}
            assert coalition.value == pytest.approx(team_value(acting))


def test_team_coalitions_by_hand() -> None:
    env = make_task("team", {"idle": 0})
    values = {frozenset(map(str, c.members)): c.value for c in env.coalitions([1] * 5) or []}
    assert values[frozenset()] == 0.0
    assert values[frozenset({"pivot"})] == 0.5
    assert values[frozenset({"pivot", "redundant-2"})] == 0.75
    assert values[frozenset({"pivot", "complementary-1"})] == 0.5
    assert values[frozenset({"pivot", "complementary-1", "complementary-2"})] == 0.75
    assert values[frozenset(env.agents)] == 1.0
    assert values[frozenset(set(env.agents) - {"pivot"})] == 0.0
