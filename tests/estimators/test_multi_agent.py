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
    # Group g: planner samples {1, 0} (mean .5); coder samples {1, 3} (mean 2). Group h: alone.
    assert credit.step.tolist() == [0.5, -1.0, -1.0, -0.5, 1.0, 0.0]
    whole = estimate("agent_norm", batch, scope="batch", scale="none")
    # Batch: planner {1, 0, 7} mean 8/3; coder {1, 3} mean 2.
    assert whole.step.tolist() == pytest.approx([1 - 8 / 3, -1.0, -1.0, -8 / 3, 1.0, 7 - 8 / 3])
    std = estimate("agent_norm", batch, eps=0.0)
    s = math.sqrt(0.5)
    assert std.step.tolist() == pytest.approx(
        [0.5 / s, -1 / math.sqrt(2), -1 / math.sqrt(2), -0.5 / s, 1 / math.sqrt(2), 0.0]
    )
