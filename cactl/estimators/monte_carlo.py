"""Monte Carlo estimators: values from sampled continuations (VinePPO, SPO) and anchor-state
groups of rollouts (GiGPO)."""

from __future__ import annotations

from cactl.estimators.batch import TrajectoryBatch
from cactl.estimators.ops import reverse_discounted_scan
from cactl.estimators.outcome import group_normalised
from cactl.estimators.registry import Credit, register
from cactl.estimators.temporal_difference import next_in_segment


@register("vine")
def vine(batch: TrajectoryBatch, *, gamma: float = 1.0) -> Credit:
    """Monte Carlo step advantage from branch rollouts: VinePPO (arXiv:2410.01679) at steps,
    SPO (arXiv:2505.23564) at segments.

    ``V(s_k)`` is the mean of ``branch_returns`` of step ``k`` (returns of continuations sampled
    from the state the step was taken from). ``A_k = r_k + gamma V(s_{k+1}) - V(s_k)``; the last
    step is scored against the outcome: ``A_{K-1} = r_{K-1} + R - V(s_{K-1})``. With exact values
    (and deterministic transitions) this is the true advantage ``Q(s_k, a_k) - V(s_k)``.
    """
    values = batch.require("branch_returns")
    advantage = batch.step_rewards() + gamma * next_in_segment(values, batch.step_offsets) - values
    return Credit.from_step(batch, advantage)


@register("gigpo")
def gigpo(
    batch: TrajectoryBatch,
    *,
    omega: float = 1.0,
    gamma: float = 0.95,
    scale: str = "std",
    eps: float = 1e-6,
) -> Credit:
    """Group-in-group advantage, GiGPO (arXiv:2505.10978).

    Episode level: ``A^E_i = (R_i - mean_g R) / (std_g R + eps)`` over the trajectory's group.
    Step level: the discounted return ``G_k = sum_{j >= k} gamma^(j-k) r_j`` (step rewards plus
    the outcome on the last step) is normalised within its anchor-state group, the steps of the
    same episode group taken from the same ``state``: ``A^S_k = (G_k - mean_s G) / (std_s G + eps)``.
    ``A_k = A^E_i + omega A^S_k``. ``scale="none"`` centres without dividing (the ``mean_norm``
    mode of the authors' code). Singleton groups (episode or anchor) contribute 0.
    """
    states = batch.require("state")
    episode = group_normalised(batch.reward, batch.group, batch.num_groups, scale=scale, eps=eps)
    returns = reverse_discounted_scan(batch.step_rewards(), batch.step_offsets, gamma)
    step = group_normalised(returns, states, len(batch.state_names), scale=scale, eps=eps)
    return Credit.from_step(batch, episode[batch.step_trajectory] + omega * step, returns=returns)
