"""The common estimators on the trainer layout: padded ``[batch, time]`` tensors with a mask.

These mirror the advantage functions of verl's ``verl/trainer/ppo/core_algos.py`` (the most used
open-source trainer), with the same names, arguments and conventions, so they drop into a
trainer or can be compared against it; GiGPO follows the authors' verl-agent code. They are
vectorised: no Python loop over time steps or over the batch.

Conventions (all functions):

- ``token_level_rewards [B, T]``: the reward of each position; outcome rewards sit on the last
  valid token of the row. ``response_mask [B, T]``: 1 on generated tokens, 0 on padding and on
  environment (observation) tokens of multi-turn rows.
- Group labels (``index``) are a sequence of hashable labels (strings, uuids, numpy arrays
  work) or an integer tensor; equal labels form a group.
- Standard deviations are Bessel-corrected (``torch.std``); ``epsilon`` (default 1e-6) is added to
  the std before dividing.
- Returned tensors are 0 at masked positions (verl leaves pass-through values there in GAE's
  advantages and returns; losses ignore them through the mask, so only valid tokens are
  comparable).
- Groups whose scores are all equal give exactly 0 (verl's float mean can leave a rounding
  residue that ``epsilon`` then inflates).
- REINFORCE++ carries the return across masked spans, as GAE does; verl's REINFORCE++ resets it
  at every masked position (see :func:`compute_reinforce_plus_plus_outcome_advantage`).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any

import torch
from torch import Tensor

from cactl.errors import InputError
from cactl.estimators.ops import (
    lengths_to_offsets,
    offsets_to_index,
    reverse_discounted_scan,
    segment_mean_std,
    segment_sum,
)
from cactl.estimators.temporal_difference import gae_scan, next_in_segment

#: Added to the variance when whitening (verl's ``masked_whiten``).
WHITEN_EPS = 1e-8

Labels = Tensor | Sequence[Any]


def label_ids(labels: Labels, rows: int, device: torch.device, what: str = "index") -> Tensor:
    """Integer ids (``0..G-1``) for group labels given as a sequence or a tensor."""
    if isinstance(labels, Tensor):
        if labels.shape[0] != rows:
            raise InputError(
                f"{what} must have one label per row",
                field=what,
                expected=str(rows),
                found=str(labels.shape[0]),
            )
        flat = labels.reshape(rows, -1) if labels.dim() > 1 else labels
        inverse: Tensor
        if flat.dim() > 1:
            inverse = torch.unique(flat, dim=0, return_inverse=True)[1]
        else:
            inverse = torch.unique(flat, return_inverse=True)[1]
        return inverse.to(device)
    items = list(labels)
    if len(items) != rows:
        raise InputError(
            f"{what} must have one label per row",
            field=what,
            expected=str(rows),
            found=str(len(items)),
        )
    ids: dict[Hashable, int] = {}
    out = [ids.setdefault(_hashable(item), len(ids)) for item in items]
    return torch.tensor(out, dtype=torch.long, device=device)


def _hashable(item: Any) -> Hashable:
    """A dict key for a label: arrays (``tolist``) and lists become nested tuples."""
    if hasattr(item, "tolist"):
        item = item.tolist()
    if isinstance(item, (list, tuple)):
        return tuple(_hashable(part) for part in item)
    if isinstance(item, dict):
        return tuple(sorted((str(k), _hashable(v)) for k, v in item.items()))
    return item if isinstance(item, Hashable) else repr(item)


def _valid(response_mask: Tensor, shape: torch.Size) -> tuple[Tensor, Tensor]:
    """Bool mask and the offsets of each row's valid tokens in the compressed layout."""
    if response_mask.shape != shape:
        raise InputError(
            "response_mask must have the rewards' shape",
            field="response_mask",
            expected=str(tuple(shape)),
            found=str(tuple(response_mask.shape)),
        )
    valid = response_mask.bool()
    return valid, lengths_to_offsets(valid.sum(dim=1))


def _scatter(values: Tensor, valid: Tensor) -> Tensor:
    out = torch.zeros(valid.shape, dtype=values.dtype, device=values.device)
    out[valid] = values
    return out


def masked_whiten(values: Tensor, eps: float = WHITEN_EPS) -> Tensor:
    """``(x - mean) / sqrt(var + eps)`` of a flat tensor of valid entries (Bessel variance;
    with a single entry the variance is taken as 0, where verl raises)."""
    n = values.numel()
    if n == 0:
        return values
    mean = values.mean()
    centred = values - mean
    var = (centred * centred).sum() / (n - 1) if n > 1 else torch.zeros_like(mean)
    return centred * torch.rsqrt(var + eps)


def compute_gae_advantage_return(
    token_level_rewards: Tensor,
    values: Tensor,
    response_mask: Tensor,
    gamma: float = 1.0,
    lam: float = 1.0,
    *,
    whiten: bool = True,
) -> tuple[Tensor, Tensor]:
    """GAE on the trainer layout; returns ``(advantages, returns)``.

    Masked positions are skipped as in verl's multi-turn GAE: each row's valid tokens form one
    sequence (a masked span passes the next valid value and advantage through, and its rewards
    are dropped); ``V`` is 0 after the row's last valid token. ``returns = A + V`` before
    whitening; the advantages are whitened over all valid tokens when ``whiten`` (verl's
    ``masked_whiten``: Bessel variance, ``+1e-8``).
    """
    valid, offsets = _valid(response_mask, token_level_rewards.shape)
    rewards = token_level_rewards[valid]
    advantages, returns = gae_scan(rewards, values[valid].to(rewards.dtype), offsets, gamma, lam)
    if whiten:
        advantages = masked_whiten(advantages)
    return _scatter(advantages, valid), _scatter(returns, valid)


def _group_stats(
    scores: Tensor, group: Tensor, singleton_mean: str
) -> tuple[Tensor, Tensor, Tensor]:
    """Per-row group mean, std and size; singleton groups get mean 0 (``"zero"``) or their own
    score (``"self"``) and std 1, as verl (and verl-agent's step groups) do."""
    num = int(group.max()) + 1 if group.numel() else 0
    mean, std, count = segment_mean_std(scores, group, num)
    mean, std, count = mean[group], std[group], count[group]
    alone = count < 2
    own_mean = scores if singleton_mean == "self" else torch.zeros_like(scores)
    mean = torch.where(alone, own_mean, mean)
    std = torch.where(alone, torch.ones_like(std), std)
    return mean, std, count


def _normalise(scores: Tensor, mean: Tensor, std: Tensor, epsilon: float, divide: bool) -> Tensor:
    centred = scores - mean
    if not divide:
        return centred
    return torch.where(centred == 0, torch.zeros_like(centred), centred / (std + epsilon))


def compute_grpo_outcome_advantage(
    token_level_rewards: Tensor,
    response_mask: Tensor,
    index: Labels,
    epsilon: float = 1e-6,
    norm_adv_by_std_in_grpo: bool = True,
) -> tuple[Tensor, Tensor]:
    """GRPO (and Dr. GRPO with ``norm_adv_by_std_in_grpo=False``); returns ``(adv, adv)``.

    The score of a row is the sum of its ``token_level_rewards``; ``A = (score - mean_g) /
    (std_g + epsilon)`` on every valid token. A singleton group uses mean 0 and std 1 (verl).
    """
    scores = token_level_rewards.sum(dim=-1)
    group = label_ids(index, scores.shape[0], scores.device)
    mean, std, _ = _group_stats(scores, group, "zero")
    advantage = _normalise(scores, mean, std, epsilon, norm_adv_by_std_in_grpo)
    out = advantage[:, None] * response_mask.to(advantage.dtype)
    return out, out


def compute_rloo_outcome_advantage(
    token_level_rewards: Tensor, response_mask: Tensor, index: Labels
) -> tuple[Tensor, Tensor]:
    """RLOO; returns ``(adv, adv)``. ``A = score - mean of the other scores of the group``
    (``n/(n-1) (score - mean_g)``); a singleton group keeps its score (verl)."""
    scores = token_level_rewards.sum(dim=-1)
    group = label_ids(index, scores.shape[0], scores.device)
    num = int(group.max()) + 1
    total = segment_sum(scores, group, num)[group]
    count = segment_sum(torch.ones_like(scores), group, num)[group]
    others = (total - scores) / (count - 1).clamp(min=1)
    advantage = torch.where(count > 1, scores - others, scores)
    out = advantage[:, None] * response_mask.to(advantage.dtype)
    return out, out


def compute_reinforce_plus_plus_outcome_advantage(
    token_level_rewards: Tensor, response_mask: Tensor, gamma: float = 1.0
) -> tuple[Tensor, Tensor]:
    """REINFORCE++; returns ``(advantages, returns)``.

    ``G_t = r_t + gamma G_{t'}`` over each row's valid tokens (``t'`` the next valid token; masked
    spans are skipped and their rewards dropped, as this module's GAE and verl's GAE do);
    advantages are ``G`` whitened over all valid tokens (Bessel variance, ``+1e-8``).

    Deliberate difference from verl: verl's REINFORCE++ loop resets the running return at every
    masked position (meant for the padding after EOS), so in a multi-turn row a masked span cuts
    the return and the outcome on the last token never reaches earlier turns. Here it does. Rows
    whose valid tokens are contiguous (padding only at the end) give verl's values.
    """
    valid, offsets = _valid(response_mask, token_level_rewards.shape)
    returns = reverse_discounted_scan(token_level_rewards[valid], offsets, gamma)
    return _scatter(masked_whiten(returns), valid), _scatter(returns, valid)


def compute_step_discounted_returns(
    step_rewards: Tensor, traj_index: Labels, gamma: float
) -> Tensor:
    """GiGPO's step returns on the one-row-per-step layout (verl-agent): the rows of a
    trajectory, in batch order, are its steps; ``G_k = r_k + gamma G_{k+1}``."""
    rows = step_rewards.shape[0]
    trajectory = label_ids(traj_index, rows, step_rewards.device, "traj_index")
    order = torch.sort(trajectory, stable=True).indices
    counts = torch.bincount(trajectory)
    returns = reverse_discounted_scan(step_rewards[order], lengths_to_offsets(counts), gamma)
    out = torch.empty_like(returns)
    out[order] = returns
    return out


def compute_gigpo_outcome_advantage(
    token_level_rewards: Tensor,
    step_rewards: Tensor,
    response_mask: Tensor,
    anchor_obs: Labels,
    index: Labels,
    traj_index: Labels,
    epsilon: float = 1e-6,
    step_advantage_w: float = 1.0,
    mode: str = "mean_norm",
) -> tuple[Tensor, Tensor]:
    """GiGPO on verl-agent's layout, one row per step; returns ``(adv, adv)``.

    ``step_rewards [B]`` are the steps' discounted returns (:func:`compute_step_discounted_returns`).
    Episode advantage: the row's score (sum of its ``token_level_rewards``) against the mean and
    std of its episode group, each trajectory counted once (its first row); a singleton group
    uses mean 0, std 1. Step advantage: the row's return against the rows of the same episode
    group and the same ``anchor_obs``; a singleton anchor group gives 0. ``mode``:
    ``mean_norm`` (centre only, the default of the authors' code) or ``mean_std_norm``.
    ``A = A_episode + step_advantage_w * A_step`` on every valid token.
    """
    if mode not in ("mean_norm", "mean_std_norm"):
        raise InputError(
            "unknown GiGPO mode",
            field="mode",
            expected="mean_norm or mean_std_norm",
            found=repr(mode),
        )
    divide = mode == "mean_std_norm"
    scores = token_level_rewards.sum(dim=-1)
    rows, device = scores.shape[0], scores.device
    group = label_ids(index, rows, device)
    trajectory = label_ids(traj_index, rows, device, "traj_index")
    # Episode statistics over trajectories: the first row of each (group, trajectory) pair.
    pair = group * (int(trajectory.max()) + 1) + trajectory
    first = torch.full((int(pair.max()) + 1,), rows, dtype=torch.long, device=device)
    first = first.scatter_reduce(0, pair, torch.arange(rows, device=device), "amin")
    firsts = torch.unique(first[pair])
    num_groups = int(group.max()) + 1
    mean, std, count = segment_mean_std(scores[firsts], group[firsts], num_groups)
    alone = count < 2
    mean = torch.where(alone, torch.zeros_like(mean), mean)[group]
    std = torch.where(alone, torch.ones_like(std), std)[group]
    episode = _normalise(scores, mean, std, epsilon, divide)
    # Step statistics over the rows of each (group, anchor) cluster.
    anchor = label_ids(anchor_obs, rows, device, "anchor_obs")
    cluster = torch.unique(group * (int(anchor.max()) + 1) + anchor, return_inverse=True)[1]
    step_mean, step_std, _ = _group_stats(step_rewards.to(scores.dtype), cluster, "self")
    step = _normalise(step_rewards.to(scores.dtype), step_mean, step_std, epsilon, divide)
    out = (episode + step_advantage_w * step)[:, None] * response_mask.to(scores.dtype)
    return out, out


def compute_vine_advantage(
    token_level_rewards: Tensor,
    values: Tensor,
    response_mask: Tensor,
    step_starts: Tensor,
    gamma: float = 1.0,
) -> tuple[Tensor, Tensor]:
    """VinePPO's step advantage on the trainer layout; returns ``(advantages, returns)``.

    ``step_starts [B, T]`` marks the first token of each step (the row's first valid token always
    starts one); ``values [B, T]`` holds the Monte Carlo value estimate of the state before each
    step at its start token (other positions are ignored). For step ``k`` of a row,
    ``A_k = (sum of the rewards on the step's tokens) + gamma V_{k+1} - V_k`` with ``V`` = 0 after
    the last step (whose rewards include the outcome); every token of the step gets ``A_k`` and
    ``returns = A_k + V_k``.
    """
    valid, offsets = _valid(response_mask, token_level_rewards.shape)
    rows = valid.shape[0]
    row_of_token = offsets_to_index(offsets)
    start = step_starts.bool()[valid]
    first_token = offsets[:-1][offsets[1:] > offsets[:-1]]
    start[first_token] = True
    step_of_token = torch.cumsum(start.to(torch.long), dim=0) - 1
    num_steps = int(start.sum())
    step_values = values[valid].to(token_level_rewards.dtype)[start]
    step_rewards = segment_sum(token_level_rewards[valid], step_of_token, num_steps)
    step_row = row_of_token[start]
    step_offsets = lengths_to_offsets(torch.bincount(step_row, minlength=rows))
    advantage = step_rewards + gamma * next_in_segment(step_values, step_offsets) - step_values
    token_advantage = advantage[step_of_token]
    token_returns = (advantage + step_values)[step_of_token]
    return _scatter(token_advantage, valid), _scatter(token_returns, valid)
