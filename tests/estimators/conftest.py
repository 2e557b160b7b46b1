"""Builders of random ragged trajectories for the estimator tests."""

from __future__ import annotations

import random
from typing import Any


def random_trajectories(
    seed: int,
    *,
    groups: int = 3,
    per_group: tuple[int, int] = (1, 4),
    steps: tuple[int, int] = (1, 5),
    tokens: tuple[int, int] = (1, 6),
    step_fields: tuple[str, ...] = (),
    agents: tuple[str, ...] = ("planner", "coder"),
    states: int = 3,
) -> list[dict[str, Any]]:
    """JSONL-format dicts with random sizes, rewards and the requested step fields."""
    rng = random.Random(seed)
    out: list[dict[str, Any]] = []
    for g in range(groups):
        for i in range(rng.randint(*per_group)):
            step_list = []
            for _ in range(rng.randint(*steps)):
                n = rng.randint(*tokens)
                step: dict[str, Any] = {
                    "tokens": n,
                    "reward": rng.choice([0.0, 0.0, rng.uniform(-1, 1)]),
                }
                for name in step_fields:
                    if name == "token_values":
                        step[name] = [rng.uniform(-1, 1) for _ in range(n)]
                    elif name in ("logp", "ref_logp"):
                        step[name] = [rng.uniform(-3, 0) for _ in range(n)]
                    elif name in ("branch_returns", "counterfactual_returns"):
                        step[name] = [rng.uniform(-1, 1) for _ in range(rng.randint(1, 4))]
                    elif name == "answer_prob":
                        step[name] = rng.random()
                    elif name == "state":
                        step[name] = f"s{rng.randrange(states)}"
                    elif name == "agent":
                        step[name] = rng.choice(agents)
                    else:
                        step[name] = rng.uniform(-1, 1)
                step_list.append(step)
            out.append(
                {
                    "id": f"g{g}-{i}",
                    "group": f"g{g}",
                    "reward": rng.choice([0.0, 1.0, rng.uniform(-2, 2)]),
                    "steps": step_list,
                }
            )
    return out
