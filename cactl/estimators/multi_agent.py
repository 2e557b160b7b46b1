"""Multi-agent credit: agent-wise advantage normalisation (Dr. MAS)."""

from __future__ import annotations

import torch

from cactl.estimators.batch import TrajectoryBatch
from cactl.estimators.outcome import group_normalised
from cactl.estimators.registry import Credit, register


@register("agent_norm")
def agent_norm(
    batch: TrajectoryBatch, *, scope: str = "group", scale: str = "std", eps: float = 1e-6
) -> Credit:
    """Agent-wise advantage normalisation, Dr. MAS (arXiv:2602.08847).

    Each (trajectory, agent) pair with at least one step is one sample of that agent with the
    trajectory's reward ``R_i``. Agent ``a``'s advantage in trajectory ``i`` is
    ``(R_i - mean_a R) / (std_a R + eps)``, the statistics taken over agent ``a``'s samples in the
    trajectory's group (``scope="group"``) or in the whole batch (``"batch"``), Bessel std; every
    step of the agent in the trajectory gets it. An agent with a single sample gets 0.
    """
    agents = batch.require("agent")
    num_agents = max(len(batch.agent_names), 1)
    pair = batch.step_trajectory * num_agents + agents
    pairs, inverse = torch.unique(pair, return_inverse=True)
    pair_trajectory = pairs // num_agents
    pair_agent = pairs % num_agents
    key = batch.group[pair_trajectory] * num_agents + pair_agent if scope == "group" else pair_agent
    keys, key_index = torch.unique(key, return_inverse=True)
    advantage = group_normalised(
        batch.reward[pair_trajectory], key_index, keys.numel(), scale=scale, eps=eps
    )
    return Credit.from_step(batch, advantage[inverse])
