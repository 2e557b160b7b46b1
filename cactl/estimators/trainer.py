"""The common estimators on the trainer layout: padded ``[batch, time]`` tensors with a mask.

These mirror the advantage functions of verl's ``verl/trainer/ppo/core_algos.py`` (the most used
open-source trainer), with the same names, arguments and conventions, so they drop into a
trainer or can be compared against it; GiGPO follows the authors' verl-agent code. They are thin
layers over :mod:`cactl.estimators.functional` and keep fixed shapes: no Python loop over time
steps or over the batch, no ``nonzero``, no boolean-mask indexing, no ``.item()`` or other read
back to the host, so on CUDA they stay inside the stream (tested with
``torch.cuda.set_sync_debug_mode("error")``) and they run on ``device="meta"``. The only host
work is mapping Python labels (uids are Python objects) to ids, before any tensor exists; an
integer tensor of labels is renumbered on its device.

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
  residue that ``epsilon`` then inflates); so does whitening a batch of equal values.
- REINFORCE++ carries the return across masked spans, as GAE does, and as verl 0.9.1's
  REINFORCE++ does (older verl reset it at every masked position; see
  :func:`compute_reinforce_plus_plus_outcome_advantage`).
"""

from __future__ import annotations

import torch
from torch import Tensor

from cactl.errors import InputError
from cactl.estimators.functional import (
    WHITEN_EPS,
    Labels,
    MaskedMoments,
    group_normalise,
    label_ids,
    leave_one_out,
    padded_gae,
    padded_returns,
    pair_ids,
    whiten,
    whiten_padded,
)
from cactl.estimators.ops import reverse_linear_scan

__all__ = [
    "WHITEN_EPS",
    "compute_gae_advantage_return",
    "compute_gigpo_outcome_advantage",
    "compute_grpo_outcome_advantage",
    "compute_reinforce_plus_plus_outcome_advantage",
    "compute_rloo_outcome_advantage",
    "compute_step_discounted_returns",
    "compute_vine_advantage",
    "label_ids",
    "masked_whiten",
]


def _check_mask(response_mask: Tensor, shape: torch.Size) -> None:
    if response_mask.shape != shape:
        raise InputError(
            "response_mask must have the rewards' shape",
            field="response_mask",
            expected=str(tuple(shape)),
            found=str(tuple(response_mask.shape)),
        )


def masked_whiten(values: Tensor, mask: Tensor, eps: float = WHITEN_EPS) -> Tensor:
    """``(x - mean) / sqrt(var + eps)`` over the entries where ``mask`` is 1, 0 elsewhere
    (verl's ``masked_whiten``: Bessel variance; a single entry gives 0, where verl raises;
    equal entries give exactly 0)."""
    return whiten(values, mask=mask, eps=eps)


def compute_gae_advantage_return(
    token_level_rewards: Tensor,
    values: Tensor,
    response_mask: Tensor,
    gamma: float = 1.0,
    lam: float = 1.0,
    *,
    whiten: bool = True,
    padded_at_end: bool | None = None,
) -> tuple[Tensor, Tensor]:
    """GAE on the trainer layout; returns ``(advantages, returns)``.

    Masked positions are skipped as in verl's multi-turn GAE: each row's valid tokens form one
    sequence (a masked span passes the next valid value and advantage through, and its rewards
    are dropped); ``V`` is 0 after the row's last valid token. ``returns = A + V`` before
    whitening; the advantages are whitened over all valid tokens when ``whiten`` (verl's
    ``masked_whiten``: Bessel variance, ``+1e-8``). See :func:`~cactl.estimators.functional.
    padded_gae` for the scan.

    ``padded_at_end``: ``True`` promises that every row is padded only at the end (the constant-
    discount fast path on any device, no check), ``False`` forces the general masked scan;
    ``None`` (the default) detects it block by block on the CPU and uses the general scan on
    other devices, where detecting would wait for the device. Both paths give the same values.
    """
    _check_mask(response_mask, token_level_rewards.shape)
    with torch.no_grad():
        moments = MaskedMoments() if whiten else None
        advantages, returns = padded_gae(
            token_level_rewards,
            values,
            response_mask,
            gamma,
            lam,
            at_end=padded_at_end,
            moments=moments,
        )
        if moments is not None:
            whiten_padded(advantages, response_mask, moments, out=advantages)
    return advantages, returns


def _scores_and_groups(
    token_level_rewards: Tensor, response_mask: Tensor, index: Labels
) -> tuple[Tensor, Tensor]:
    _check_mask(response_mask, token_level_rewards.shape)
    scores = token_level_rewards.sum(dim=-1)
    return scores, label_ids(index, scores.shape[0], scores.device)


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
    scores, group = _scores_and_groups(token_level_rewards, response_mask, index)
    advantage = group_normalise(
        scores,
        group,
        scores.shape[0],
        divide=norm_adv_by_std_in_grpo,
        eps=epsilon,
        singleton="raw",
    )
    out = advantage[:, None] * response_mask.to(advantage.dtype)
    return out, out


def compute_rloo_outcome_advantage(
    token_level_rewards: Tensor, response_mask: Tensor, index: Labels
) -> tuple[Tensor, Tensor]:
    """RLOO; returns ``(adv, adv)``. ``A = score - mean of the other scores of the group``
    (``n/(n-1) (score - mean_g)``); a singleton group keeps its score (verl)."""
    scores, group = _scores_and_groups(token_level_rewards, response_mask, index)
    advantage = leave_one_out(scores, group, scores.shape[0], singleton="raw")
    out = advantage[:, None] * response_mask.to(advantage.dtype)
    return out, out


def compute_reinforce_plus_plus_outcome_advantage(
    token_level_rewards: Tensor,
    response_mask: Tensor,
    gamma: float = 1.0,
    *,
    padded_at_end: bool | None = None,
) -> tuple[Tensor, Tensor]:
    """REINFORCE++; returns ``(advantages, returns)``.

    ``G_t = r_t + gamma G_{t'}`` over each row's valid tokens (``t'`` the next valid token; masked
    spans are skipped and their rewards dropped, as this module's GAE and verl's GAE do);
    advantages are ``G`` whitened over all valid tokens (Bessel variance, ``+1e-8``); returns
    that are all equal give advantages of exactly 0. ``padded_at_end`` as in
    :func:`compute_gae_advantage_return`.

    This is verl 0.9.1's REINFORCE++ (its loop carries the running return through observation
    tokens and drops their rewards). Older verl (e.g. the copies vendored by PRIME and IGPO)
    reset the running return at every masked position, so in a multi-turn row the outcome on
    the last token never reached earlier turns; rows whose valid tokens are contiguous (padding
    only at the end) give the same values under both.
    """
    _check_mask(response_mask, token_level_rewards.shape)
    with torch.no_grad():
        moments = MaskedMoments()
        returns = padded_returns(
            token_level_rewards, response_mask, gamma, at_end=padded_at_end, moments=moments
        )
        return whiten_padded(returns, response_mask, moments), returns


def compute_step_discounted_returns(
    step_rewards: Tensor, traj_index: Labels, gamma: float
) -> Tensor:
    """GiGPO's step returns on the one-row-per-step layout (verl-agent): the rows of a
    trajectory, in batch order, are its steps; ``G_k = r_k + gamma G_{k+1}``."""
    rows = step_rewards.shape[0]
    trajectory = label_ids(traj_index, rows, step_rewards.device, "traj_index")
    order = torch.sort(trajectory, stable=True).indices
    ordered = trajectory[order]
    # The next row of the same trajectory carries on (discount gamma), another one stops it.
    carries = torch.zeros(rows, dtype=step_rewards.dtype, device=step_rewards.device)
    carries[:-1] = (ordered[1:] == ordered[:-1]).to(step_rewards.dtype) * gamma
    returns = reverse_linear_scan(step_rewards[order], carries)
    return torch.empty_like(returns).scatter_(0, order, returns)


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
    compute_mean_std_cross_steps: bool = True,
) -> tuple[Tensor, Tensor]:
    """GiGPO on verl-agent's layout, one row per step; returns ``(adv, adv)``.

    ``step_rewards [B]`` are the steps' discounted returns (:func:`compute_step_discounted_returns`).
    Episode advantage: the row's score (sum of its ``token_level_rewards``; verl-agent puts the
    episode's reward, the sum of its environment rewards, on every step row) against the mean
    and std of its episode group. With ``compute_mean_std_cross_steps`` (the default, as in the
    authors' code, whose caller never changes it) the statistics are over all step rows of the
    group, so a trajectory counts once per step; with ``False`` each trajectory counts once
    (its first row). A group counting one row (or one trajectory) uses mean 0, std 1. Step
    advantage: the row's return against the rows of the same episode group and the same
    ``anchor_obs``; a singleton anchor group gives 0. ``mode``: ``mean_norm`` (centre only, the
    default of the authors' code) or ``mean_std_norm``.
    ``A = A_episode + step_advantage_w * A_step`` on every valid token.
    """
    if mode not in ("mean_norm", "mean_std_norm"):
        raise InputError(
            "unknown GiGPO mode",
            field="mode",
            expected="mean_norm or mean_std_norm",
            found=repr(mode),
            code="not-allowed",
        )
    divide = mode == "mean_std_norm"
    scores, group = _scores_and_groups(token_level_rewards, response_mask, index)
    rows, device = scores.shape[0], scores.device
    weight = None
    if not compute_mean_std_cross_steps:
        trajectory = label_ids(traj_index, rows, device, "traj_index")
        pair = pair_ids(group, trajectory)
        position = torch.arange(rows, device=device)
        first = torch.full((rows,), rows, dtype=torch.long, device=device)
        first = first.scatter_reduce(0, pair, position, "amin")
        weight = (first[pair] == position).to(scores.dtype)
    episode = group_normalise(
        scores, group, rows, divide=divide, eps=epsilon, singleton="raw", weight=weight
    )
    anchor = label_ids(anchor_obs, rows, device, "anchor_obs")
    returns = step_rewards.to(scores.dtype)
    step = group_normalise(
        returns, pair_ids(group, anchor), rows, divide=divide, eps=epsilon, singleton="zero"
    )
    out = (episode + step_advantage_w * step)[:, None] * response_mask.to(scores.dtype)
    return out, out


def compute_vine_advantage(
    token_level_rewards: Tensor,
    values: Tensor,
    response_mask: Tensor,
    step_starts: Tensor,
    gamma: float = 1.0,
    *,
    whiten: bool = False,
) -> tuple[Tensor, Tensor]:
    """VinePPO's step advantage on the trainer layout; returns ``(advantages, returns)``.

    ``step_starts [B, T]`` marks the first token of each step (the row's first valid token always
    starts one); ``values [B, T]`` holds the Monte Carlo value estimate of the state before each
    step at its start token (other positions are ignored). For step ``k`` of a row,
    ``A_k = (sum of the rewards on the step's valid tokens) + gamma V_{k+1} - V_k`` with ``V`` = 0
    after the last step (whose rewards include the outcome); every valid token of the step gets
    ``A_k`` and ``returns = A_k + V_k``. ``whiten``: the advantages whitened over all valid
    tokens, as VinePPO's trainer does by default (``whiten_advantages``).
    """
    _check_mask(response_mask, token_level_rewards.shape)
    rows, time = token_level_rewards.shape
    dtype, device = token_level_rewards.dtype, token_level_rewards.device
    valid = response_mask.bool()
    m = valid.to(dtype)
    # The first valid token of a row starts a step: no valid token before it.
    first = valid & (torch.cumsum(valid.to(torch.long), dim=1) == 1)
    start = (step_starts.bool() & valid) | first
    position = torch.arange(time, device=device).expand(rows, time)
    # Start of the step of each token (running maximum of start positions) and the start of
    # the next step (reverse running minimum, strictly after the token; ``time`` when none).
    own = torch.cummax(torch.where(start, position, torch.full_like(position, -1)), dim=1).values
    at = torch.where(start, position, torch.full_like(position, time))
    following = torch.flip(torch.cummin(torch.flip(at, (1,)), dim=1).values, (1,))
    after = torch.cat([following[:, 1:], torch.full_like(following[:, :1], time)], dim=1)
    # Rewards of the step: running sum up to the token before the next start, minus the running
    # sum before the step's start (index 0 of the padded sum is "nothing yet").
    running = torch.nn.functional.pad(torch.cumsum(token_level_rewards * m, dim=1), (1, 0))
    step_reward = running.gather(1, after) - running.gather(1, own.clamp(min=0))
    padded_values = torch.nn.functional.pad(values.to(dtype), (0, 1))
    value = padded_values.gather(1, own.clamp(min=0))
    advantages = (step_reward + gamma * padded_values.gather(1, after) - value) * m
    returns = (advantages + value) * m
    if whiten:
        advantages = masked_whiten(advantages, m)
    return advantages, returns
