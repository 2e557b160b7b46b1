"""Episode-level (outcome) estimators: GRPO, RLOO, REINFORCE++.

These give credit from the outcome reward with a baseline built from other samples (Monte Carlo
in the survey's taxonomy); the first two give every token of a trajectory the same advantage.
Group statistics use the integer ``batch.group`` ids.
"""

from __future__ import annotations

import torch
from torch import Tensor

from cactl.estimators.batch import TrajectoryBatch
from cactl.estimators.ops import reverse_discounted_scan, segment_mean_std, segment_sum
from cactl.estimators.registry import Credit, register


def group_normalised(
    values: Tensor, group: Tensor, num_groups: int, *, scale: str, eps: float
) -> Tensor:
    """``(x - mean_g) / (std_g + eps)`` (``scale="std"``) or ``x - mean_g`` (``"none"``).

    ``std_g`` is Bessel-corrected. A singleton group gives 0 (its mean is itself); a group whose
    values are all equal gives 0 (exactly, also with ``eps = 0``).
    """
    if scale == "std":
        # Normalising is invariant to a common factor: dividing everything (eps included) by the
        # largest |x| first keeps the squares of rewards near the float limit from overflowing.
        size = values.abs().max() if values.numel() else values.new_ones(())
        size = torch.where(size > 0, size, torch.ones_like(size))
        unit = values / size
        mean, std, _ = segment_mean_std(unit, group, num_groups)
        spread = std[group]
        centred = unit - mean[group]
        return torch.where(spread == 0, torch.zeros_like(centred), centred / (spread + eps / size))
    mean, _, _ = segment_mean_std(values, group, num_groups)
    return values - mean[group]


@register("grpo")
def grpo(batch: TrajectoryBatch, *, scale: str = "std", eps: float = 1e-6) -> Credit:
    """GRPO's group-relative outcome advantage (DeepSeekMath, arXiv:2402.03300).

    ``A_i = (R_i - mean_{j in g(i)} R_j) / (std_{j in g(i)} R_j + eps)`` with the Bessel-corrected
    std, the same on every token and step of trajectory ``i``. ``scale="none"`` drops the
    division (Dr. GRPO, arXiv:2503.20783). A singleton or constant group gets 0.
    """
    advantage = group_normalised(batch.reward, batch.group, batch.num_groups, scale=scale, eps=eps)
    return Credit.from_step(batch, advantage[batch.step_trajectory])


@register("rloo")
def rloo(batch: TrajectoryBatch) -> Credit:
    """REINFORCE leave-one-out (Ahmadian et al., arXiv:2402.14740).

    ``A_i = R_i - 1/(n-1) * sum_{j in g(i), j != i} R_j`` for a group of ``n >= 2`` samples; the
    advantages of a group sum to zero. A singleton group gets 0 (no other sample).
    """
    reward, group = batch.reward, batch.group
    total = segment_sum(reward, group, batch.num_groups)[group]
    count = segment_sum(torch.ones_like(reward), group, batch.num_groups)[group]
    others = (total - reward) / (count - 1).clamp(min=1)
    advantage = torch.where(count > 1, reward - others, torch.zeros_like(reward))
    return Credit.from_step(batch, advantage[batch.step_trajectory])


@register("reinforce_pp")
def reinforce_pp(batch: TrajectoryBatch, *, gamma: float = 1.0, eps: float = 1e-8) -> Credit:
    """REINFORCE++ (Hu, arXiv:2501.03262): whitened discounted return to go of every token.

    ``G_t = sum_{s >= t} gamma^(s-t) r_s`` with the step rewards on the steps' last tokens and the
    outcome on the trajectory's last token; then ``A_t = (G_t - mean(G)) / sqrt(var(G) + eps)``
    over all tokens of the batch (Bessel-corrected variance; 0 with a single token).

    Simplification: the paper's token reward also carries a per-token KL penalty against the
    reference policy (``-beta * KL_t``); it is not added here, only the recorded rewards count.
    """
    returns = reverse_discounted_scan(batch.token_rewards(), batch.token_offsets, gamma)
    return Credit.from_token(batch, whiten(returns, eps))


def whiten(values: Tensor, eps: float) -> Tensor:
    """``(x - mean) / sqrt(var + eps)`` over all entries, Bessel-corrected variance."""
    mean = values.mean()
    centred = values - mean
    n = values.numel()
    var = (centred * centred).sum() / max(n - 1, 1) if n > 1 else torch.zeros_like(mean)
    return centred * torch.rsqrt(var + eps)
