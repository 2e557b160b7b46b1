"""agent_norm: hand-computed case."""

from __future__ import annotations

import math

import pytest

from cactl.estimators.batch import TrajectoryBatch
from cactl.estimators.registry import estimate


def test_agent_norm_hand_computed() -> None:
    def t(ident: str, reward: float, agents: list[str], group: str = "g") -> dict[str, object]:
        return {
            "id": ident,
            "group": group,
            "reward": reward,
            "steps": [{"tokens": 1, "agent": a} for a in agents],
        }

    batch = TrajectoryBatch.from_trajectories(
        [
            t("1", 1.0, ["p", "c", "c"]),
            t("2", 0.0, ["p"]),
            t("3", 3.0, ["c"]),
            t("4", 7.0, ["p"], group="h"),
        ]
    )
    credit = estimate("agent_norm", batch, scale="none")
    # Every step is a sample of its agent. Group g: planner steps {1, 0} (mean 1/2); coder
    # steps {1, 1, 3} (mean 5/3: trajectory 1's two coder steps count twice). Group h: alone.
    assert credit.step.tolist() == pytest.approx([0.5, -2 / 3, -2 / 3, -0.5, 4 / 3, 0.0])
    whole = estimate("agent_norm", batch, scope="batch", scale="none")
    # Batch: planner {1, 0, 7} mean 8/3; coder {1, 1, 3} mean 5/3.
    assert whole.step.tolist() == pytest.approx(
        [1 - 8 / 3, -2 / 3, -2 / 3, -8 / 3, 4 / 3, 7 - 8 / 3]
    )
    std = estimate("agent_norm", batch, eps=0.0)
    # Bessel std: planner sqrt(1/2); coder sqrt((4/9 + 4/9 + 16/9) / 2) = 2/sqrt(3).
    p, c = math.sqrt(0.5), 2 / math.sqrt(3)
    assert std.step.tolist() == pytest.approx(
        [0.5 / p, (-2 / 3) / c, (-2 / 3) / c, -0.5 / p, (4 / 3) / c, 0.0]
    )
