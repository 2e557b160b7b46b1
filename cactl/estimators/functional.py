"""The arithmetic of the estimators as pure tensor functions, each written once.

The ragged estimators (registered kernels on a :class:`~cactl.estimators.batch.TrajectoryBatch`)
and the trainer layout (:mod:`cactl.estimators.trainer`, padded ``[batch, time]`` tensors with a
mask) are thin layers over these functions, in the manner of torchrl's
``objectives/value/functional.py``: tensors in, tensors out, no batch object, no registry.

- Labels: :func:`label_ids` maps group labels to integer ids, :func:`dense_ids` renumbers an
  integer key tensor without ``unique`` (fixed shapes).
- Groups: :func:`group_normalise` and :func:`leave_one_out`, with the rule for a group of one
  member as an explicit ``singleton`` argument; :func:`whiten` over a batch.
- Padded scans along time: :func:`discounted_reverse_scan` (one constant discount: rows padded
  only at the end), :func:`masked_reverse_scan` (``y_t = x_t + c_t y_{t+1}``, a masked
  position passing the next value through), :func:`next_valid`, :func:`padded_gae`,
  :func:`padded_returns`, processed in blocks of rows (:func:`row_blocks`) and whitened with
  statistics gathered block by block (:class:`MaskedMoments`, :func:`whiten_padded`). Ragged
  scans are in :mod:`cactl.estimators.ops`.

No function here has a data-dependent output shape, calls ``nonzero``, indexes with a boolean
mask or reads a tensor back to the host: they run on ``device="meta"`` and stay inside a CUDA
stream. The one host step is mapping Python labels (uids are Python objects) to ids, which
happens before any tensor exists.
"""

from __future__ import annotations

import functools
import math
from array import array
from collections.abc import Hashable, Sequence
from typing import Any, Literal

import torch
from torch import Tensor

from cactl.errors import InputError
from cactl.estimators.ops import segment_mean_std, segment_sum

#: Added to the variance when whitening (verl's ``masked_whiten``).
WHITEN_EPS = 1e-8

#: What a group with fewer than two members gets. ``"zero"``: advantage 0 (no other member to
#: compare with; cactl's ragged estimators). ``"raw"``: baseline 0 and std 1, so the value
#: itself (verl's GRPO and RLOO, verl-agent's episode groups).
Singleton = Literal["zero", "raw"]

#: GAE with ``lam`` at least this folds the next value into the scan (see :func:`padded_gae`).
FOLD_MIN_LAM = 0.5

Labels = Tensor | Sequence[Any]


# -- labels ------------------------------------------------------------------------------


def hashable(item: Any) -> Hashable:
    """A dict key for a label: arrays (``tolist``) and lists become nested tuples."""
    if hasattr(item, "tolist"):
        item = item.tolist()
    if isinstance(item, (list, tuple)):
        return tuple(hashable(part) for part in item)
    if isinstance(item, dict):
        return tuple(sorted((str(k), hashable(v)) for k, v in item.items()))
    return item if isinstance(item, Hashable) else repr(item)


def python_label_ids(items: Sequence[Any]) -> tuple[list[int], list[Any]]:
    """Ids in first-seen order for Python labels (on the host), and the first label of each."""
    ids: dict[Hashable, int] = {}
    if set(map(type, items)) <= {str, int}:
        # The common case (verl's uids are strings): the labels are their own keys.
        return [ids.setdefault(item, len(ids)) for item in items], list(ids)
    firsts: list[Any] = []
    out = []
    for item in items:
        key = hashable(item)
        if key not in ids:
            ids[key] = len(ids)
            firsts.append(item)
        out.append(ids[key])
    return out, firsts


def dense_ids(key: Tensor) -> Tensor:
    """Integer keys renumbered ``0..G-1`` (in sorted key order) without ``unique``: one stable
    sort, fixed shapes. Equal keys get equal ids; every id is below ``key.numel()``."""
    if key.numel() == 0:
        return key.to(torch.long)
    ordered, order = torch.sort(key, stable=True)
    new = torch.ones_like(ordered, dtype=torch.long)
    new[1:] = (ordered[1:] != ordered[:-1]).to(torch.long)
    rank = torch.cumsum(new, dim=0) - 1
    return torch.empty_like(rank).scatter_(0, order, rank)


def label_ids(labels: Labels, rows: int, device: torch.device, what: str = "index") -> Tensor:
    """Integer ids, one per row, for group labels given as a sequence or a tensor.

    Python labels (strings, uuids, numpy object arrays, nested lists) are mapped on the host in
    first-seen order; an integer tensor is renumbered on its device with :func:`dense_ids`
    (a 2-D tensor: each row is one label). Ids are below ``rows``, the bound the group
    functions take as ``num_groups``.
    """
    found = labels.shape[0] if isinstance(labels, Tensor) else len(labels)
    if found != rows:
        raise InputError(
            f"{what} must have one label per row",
            field=what,
            expected=str(rows),
            found=str(found),
        )
    if isinstance(labels, Tensor):
        flat = labels.reshape(rows, -1) if labels.dim() != 1 else labels[:, None]
        ids = dense_ids(flat[:, 0])
        for column in range(1, flat.shape[1]):
            ids = dense_ids(ids * rows + dense_ids(flat[:, column]))
        return ids.to(device)
    ids_list, _ = python_label_ids(labels.tolist() if hasattr(labels, "tolist") else list(labels))
    if not ids_list:
        return torch.zeros(0, dtype=torch.long, device=device)
    # Through a typed buffer (three times quicker than torch.tensor on a list of ints); the copy
    # to a device does not wait for it (a host buffer that is not pinned is staged at once).
    ids = torch.frombuffer(array("q", ids_list), dtype=torch.long)
    return ids.to(device, non_blocking=True)


def pair_ids(first: Tensor, second: Tensor) -> Tensor:
    """Ids of the pairs ``(first[i], second[i])`` of two id tensors whose ids are below
    ``rows``; fixed shapes."""
    rows = first.numel()
    return dense_ids(first * max(rows, 1) + second)


# -- groups ------------------------------------------------------------------------------


def group_normalise(
    values: Tensor,
    group: Tensor,
    num_groups: int,
    *,
    divide: bool = True,
    eps: float = 1e-6,
    singleton: Singleton = "zero",
    weight: Tensor | None = None,
) -> Tensor:
    """``(x - mean_g) / (std_g + eps)`` (``divide``) or ``x - mean_g`` for each entry.

    ``group`` holds ids below ``num_groups`` (a bound: empty groups cost nothing); ``std_g`` is
    Bessel-corrected. ``weight`` counts each entry that many times in its group's statistics
    (0 leaves it out; e.g. the number of steps of a trajectory, or 1 on the first row of each
    trajectory only). A group whose counted values are all equal gives exactly 0 (also with
    ``eps = 0``). A group counting fewer than two entries follows ``singleton``.
    """
    if divide:
        # Dividing everything (eps included) by the largest |x| first keeps squares of values
        # near the float limit from overflowing; the result is the same.
        size = values.abs().amax() if values.numel() else values.new_ones(())
        size = torch.where(size > 0, size, torch.ones_like(size))
        unit = values / size
        mean, std, count = segment_mean_std(unit, group, num_groups, weight)
        centred = unit - mean[group]
        spread = std[group]
        out = torch.where(spread == 0, torch.zeros_like(centred), centred / (spread + eps / size))
        raw = values / (1 + eps)
    else:
        mean, _, count = segment_mean_std(values, group, num_groups, weight)
        out = values - mean[group]
        raw = values
    alone = count[group] < 2
    return torch.where(alone, raw if singleton == "raw" else torch.zeros_like(out), out)


def leave_one_out(
    values: Tensor, group: Tensor, num_groups: int, *, singleton: Singleton = "zero"
) -> Tensor:
    """``x_i - mean of the other members of its group`` (``n/(n-1) (x_i - mean_g)``); the
    results of a group sum to zero. A group of one follows ``singleton``."""
    total = segment_sum(values, group, num_groups)[group]
    count = segment_sum(torch.ones_like(values), group, num_groups)[group]
    others = (total - values) / (count - 1).clamp(min=1)
    alone = values if singleton == "raw" else torch.zeros_like(values)
    return torch.where(count > 1, values - others, alone)


def whiten(
    values: Tensor,
    *,
    mask: Tensor | None = None,
    weight: Tensor | None = None,
    eps: float = WHITEN_EPS,
) -> Tensor:
    """``(x - mean) / sqrt(var + eps)`` over a batch (Bessel variance; 0 with one entry).

    ``mask`` (same shape, 0/1): only the entries where it is 1 count, the others come out 0
    (verl's ``masked_whiten``, on padded tensors); the statistics are gathered block by block
    (:class:`MaskedMoments`, :func:`row_blocks`), then one pass applies them. ``weight``: each
    entry counts that many times (a step's tokens, so that step credit is whitened as its
    tokens are); without either, every entry counts once. Those two centre the values on one
    of the counted entries first. Either way a batch whose values are all equal gives exactly
    0 (a float mean of equal values can be off by rounding, which the division would then
    inflate) and the mean is accurate for values far from 0. Sums are ``torch.sum`` (cascade
    summation), not ``torch.dot``, whose float32 accumulation drifts over many entries.
    """
    if values.numel() == 0:
        return values.clone()
    flat = values.reshape(-1)
    if mask is not None:
        keep = mask.reshape(-1).to(values.dtype)
        blocks = row_blocks(flat.numel(), 1, flat.device)
        moments = MaskedMoments()
        for block in blocks:
            moments.add(flat[block] * keep[block], keep[block])
        mean, scale = moments.finish(values.dtype, eps)
        if flat.requires_grad and torch.is_grad_enabled():  # out= would refuse autograd
            return ((flat - mean) * keep * scale).view(values.shape)
        out = torch.empty_like(flat)
        for block in blocks:
            part = torch.mul(flat[block], keep[block], out=out[block])
            whiten_rows(part, keep[block], mean, scale, out=part)
        return out.view(values.shape)
    if weight is not None:
        counts = weight.reshape(-1).to(values.dtype)
        reference = flat.gather(0, counts.argmax().view(1))
        centred = flat - reference
        count = counts.sum()
        centred.sub_((counts * centred).sum() / count.clamp(min=1))
        square = (counts * centred * centred).sum()
    else:
        centred = flat - flat[0]
        centred.sub_(centred.mean())
        square = (centred * centred).sum()
        var = square / (flat.numel() - 1) if flat.numel() > 1 else torch.zeros_like(square)
        return centred.mul_(torch.rsqrt(var + eps)).view(values.shape)
    var = torch.where(count > 1, square / (count - 1).clamp(min=1), torch.zeros_like(square))
    return centred.mul_(torch.rsqrt(var + eps)).view(values.shape)


# -- blocks of rows ----------------------------------------------------------------------

#: Entries per block of rows on the CPU: a block's dozen working tensors (1 MB each in float32)
#: stay in cache while the elementwise passes run over them; smaller blocks pay more per-call
#: overhead than they gain.
BLOCK_ENTRIES = 1 << 18


def row_blocks(rows: int, time: int, device: torch.device) -> list[slice]:
    """The blocks of rows the padded kernels process one after another.

    On the CPU, about ``BLOCK_ENTRIES`` entries each, so the dozen elementwise passes of a scan
    read and write the cache rather than memory (each pass over a whole 1024 x 4096 batch would
    be bound by memory bandwidth); elsewhere (CUDA, meta) one block, the whole batch, since
    launches cost more there than passes. The blocks depend only on the shape: no sync.
    """
    if device.type != "cpu" or rows == 0:
        return [slice(0, rows)]
    step = max(1, BLOCK_ENTRIES // max(time, 1))
    return [slice(start, min(start + step, rows)) for start in range(0, rows, step)]


def _exact_dtype(values: Tensor) -> torch.dtype:
    """Where sums are accumulated: float64 (MPS has none: the values' own dtype there)."""
    return values.dtype if values.device.type == "mps" else torch.float64


class MaskedMoments:
    """Count, mean and variance of the valid entries of a padded tensor, gathered block by block.

    Each block is summed twice while it is in cache (the corrected two-pass algorithm): a first
    mean ``u = sum x / n_b``, then the deviations ``d = x - u`` give the block's mean
    ``mu_b = u + sum d / n_b`` and squared deviations ``M_b = sum d^2 - (sum d)^2 / n_b``.
    :meth:`finish` merges the blocks in float64 (Chan, Golub and LeVeque): ``mean = sum n_b mu_b
    / N``, ``M = sum M_b + sum n_b (mu_b - mean)^2``, Bessel variance ``M / (N - 1)`` (0 for a
    single entry). When all valid values equal ``v``, ``u`` is within rounding of ``v``, the
    correction brings the merged mean within far less than half a unit in the last place of
    ``v``, so it rounds to ``v`` exactly and whitening gives exactly 0 (a plain float mean of
    equal values can be off by rounding, which the division would then inflate).
    """

    def __init__(self) -> None:
        self._counts: list[Tensor] = []
        self._means: list[Tensor] = []
        self._spreads: list[Tensor] = []

    def add(self, values: Tensor, mask: Tensor, scratch: Tensor | None = None) -> None:
        """Add a block: ``values`` 0 where ``mask`` (0/1, the values' dtype) is 0; ``scratch``
        (contiguous, their shape) is written over, saving an allocation."""
        exact = _exact_dtype(values)
        # 0/1 sums below 2**24 entries are exact in float32, and quicker than float64 sums.
        count = mask.sum().to(exact) if values.numel() < 1 << 24 else mask.sum(dtype=exact)
        first = values.sum().to(exact) / count.clamp(min=1)
        deviation = torch.addcmul(values, mask, first.to(values.dtype), value=-1, out=scratch)
        deviation = deviation.reshape(-1)
        shift = deviation.sum().to(exact)
        # A cascade sum of the squares: torch.dot accumulates float32 in a few long runs and
        # drifts (a relative 6e-5 over 2**18 entries).
        square = deviation.square_().sum().to(exact)
        self._counts.append(count)
        self._means.append(first.to(values.dtype).to(exact) + shift / count.clamp(min=1))
        self._spreads.append(square - shift * shift / count.clamp(min=1))

    def finish(self, dtype: torch.dtype, eps: float = WHITEN_EPS) -> tuple[Tensor, Tensor]:
        """``(mean, 1 / sqrt(var + eps))`` as 0-d tensors of ``dtype``."""
        count, means = torch.stack(self._counts), torch.stack(self._means)
        n = count.sum()
        mean = (count * means).sum() / n.clamp(min=1)
        spread = torch.stack(self._spreads).sum() + (count * (means - mean).square()).sum()
        var = torch.where(n > 1, spread / (n - 1).clamp(min=1), torch.zeros_like(spread))
        return mean.to(dtype), torch.rsqrt(var.clamp(min=0) + eps).to(dtype)


def whiten_rows(
    values: Tensor, mask: Tensor, mean: Tensor, scale: Tensor, out: Tensor | None = None
) -> Tensor:
    """``(x - mean) * scale`` where ``mask`` is 1 and 0 elsewhere, for ``values`` that are
    already 0 where the mask is 0 (two passes: ``x - mean * m``, then the scale)."""
    return torch.addcmul(values, mask, mean, value=-1, out=out).mul_(scale)


# -- padded scans ------------------------------------------------------------------------

#: Chunk of the padded scans: each chunk is scanned by one matrix product (16 x 16: the
#: product costs 32 flops per entry; the chunks' start values are scanned the same way).
SCAN_CHUNK = 16


@functools.lru_cache(maxsize=64)
def _discount_matrix(
    discount: float, size: int, dtype: torch.dtype, device: torch.device
) -> Tensor:
    """``W[s, t] = discount^(s - t)`` for ``s >= t``, else 0 (so ``y = x @ W`` is the reverse
    scan of a row of ``size``). Built on the device itself (a copy from the host would wait for
    it), in float64 where the device has it. Cached: a trainer calls with the same few
    discounts; the tensor is never written."""
    exact = dtype if device.type == "mps" else torch.float64
    steps = torch.arange(size, dtype=exact, device=device)
    power = steps[:, None] - steps[None, :]
    weights = torch.pow(discount, power.clamp(min=0)) * (power >= 0)
    return weights.to(dtype)


@functools.lru_cache(maxsize=64)
def _discount_tail(discount: float, size: int, dtype: torch.dtype, device: torch.device) -> Tensor:
    """``discount^(size - j)`` for ``j = 0..size-1``: the carry's weight inside a chunk."""
    exact = dtype if device.type == "mps" else torch.float64
    return torch.pow(discount, torch.arange(size, 0, -1, dtype=exact, device=device)).to(dtype)


def discounted_reverse_scan(values: Tensor, discount: float, out: Tensor | None = None) -> Tensor:
    """``y_t = x_t + discount * y_{t+1}`` along the last dimension of ``[rows, time]``, ``y`` = 0
    past the end: ``y_t = sum_{s >= t} discount^(s - t) x_s``, one constant discount.

    A row of up to ``SCAN_CHUNK`` positions is one matrix product with the Toeplitz matrix
    ``W[s, t] = discount^(s - t)`` (:func:`_discount_matrix`). A longer row is cut in chunks of
    ``SCAN_CHUNK``: one product scans every chunk (``y_k`` at the chunk's positions), the full
    values at the chunks' starts follow from ``Y_k = y_k + discount^SCAN_CHUNK Y_{k+1}`` (this
    same scan over the start values, with discount ``discount^SCAN_CHUNK``), and each chunk
    adds ``discount^(SCAN_CHUNK - j) Y_{k+1}`` at its position ``j``. No powers or divisions
    of the data; for ``discount <= 1`` every weight is at most 1, so the float error is that of
    plain sums of at most ``SCAN_CHUNK`` terms per level. ``out`` (contiguous, the values'
    shape): the result is written there (and returned).
    """
    rows, time = values.shape
    dtype, device = values.dtype, values.device
    if time <= SCAN_CHUNK:
        return torch.matmul(values, _discount_matrix(discount, time, dtype, device), out=out)
    chunk = SCAN_CHUNK
    padded = -time % chunk
    x = torch.nn.functional.pad(values, (0, padded)) if padded else values
    chunks = (time + padded) // chunk
    weights = _discount_matrix(discount, chunk, dtype, device)
    if out is not None and not padded:  # the product written into the caller's buffer
        local = torch.mm(x.reshape(rows * chunks, chunk), weights, out=out.view(-1, chunk))
    else:
        local = x.reshape(rows * chunks, chunk) @ weights
    local = local.view(rows, chunks, chunk)
    starts = discounted_reverse_scan(local[:, :, 0], discount**chunk)
    local[:, :-1].addcmul_(starts[:, 1:, None], _discount_tail(discount, chunk, dtype, device))
    result = local.view(rows, chunks * chunk)
    if not padded:
        return result
    if out is None:
        return result[:, :time]
    return out.copy_(result[:, :time])


def _doubling_scan_rows(x: Tensor, a: Tensor) -> Tensor:
    """``y_j = x_j + a_j y_{j+1}`` along the last dimension (0 past the end), log-depth: after
    the step with stride ``d`` each ``y_j`` holds the sum over the next ``2d`` positions and
    ``a_j`` the product of their coefficients. Two buffers are swapped between steps (an
    in-place update would read entries it has already written)."""
    n = x.shape[-1]
    y, c = x.clone(), a.clone()
    if n < 2:
        return y
    y_next, c_next = torch.empty_like(y), torch.empty_like(c)
    d = 1
    while d < n:
        torch.addcmul(y[..., :-d], c[..., :-d], y[..., d:], out=y_next[..., :-d])
        y_next[..., -d:] = y[..., -d:]
        y, y_next = y_next, y
        if 2 * d < n:
            torch.mul(c[..., :-d], c[..., d:], out=c_next[..., :-d])
            c_next[..., -d:] = c[..., -d:]
            c, c_next = c_next, c
        d *= 2
    return y


def masked_reverse_scan(values: Tensor, mask: Tensor, discount: float) -> Tensor:
    """``y_t = x_t + c_t y_{t+1}`` along the last dimension of ``[rows, time]`` tensors, with
    ``c_t = discount`` where ``mask`` is 1 and ``c_t = 1`` where it is 0, and ``y`` = 0 past
    the end: over each row's valid positions this is the discounted sum to go, a masked span
    passing the next valid value through. ``values`` should be 0 at masked positions (their
    output is then the passed-through value). ``discount = 0`` returns the values (callers
    zero the masked positions); ``discount = 1`` ignores the mask (every ``c_t`` is 1), which is
    :func:`discounted_reverse_scan`. See :func:`_counted_scan` for the algorithm.
    """
    if discount == 0:
        return values.clone()
    if discount == 1:
        return discounted_reverse_scan(values, 1.0)
    m = mask.to(values.dtype)
    if not 0 < discount < 1:
        coefficients = torch.where(m > 0, torch.full_like(m, discount), torch.ones_like(m))
        return _doubling_scan_rows(values, coefficients)
    return _counted_scan(values, m, discount, 1.0)


def _counted_scan(x: Tensor, counts: Tensor, discount: float, most: float) -> Tensor:
    """``y_t = x_t + discount^{n_t} y_{t+1}`` along the last dimension, ``y`` = 0 past the end,
    for counts ``0 <= n_t <= most`` (the mask, for :func:`masked_reverse_scan`) and
    ``0 < discount < 1``.

    In chunks: with ``k_t = sum of n_s from t to the end of its chunk`` (one matrix product
    with a triangular matrix of ones), the product of the coefficients from ``t`` to ``s`` is
    ``c^(k_t - k_s)``, so inside a chunk ``y_t = c^{k_t} sum_{s >= t} c^{-k_s} x_s`` (one more
    product). Each term of that sum is at most ``c^{-k_t} |x_s|``, so after the factor
    ``c^{k_t}`` the float error is that of a plain sum of ``|x_s|``; the chunk is shortened so
    that ``c^{-k}`` stays below the square root of the dtype's largest value (no overflow).
    The chunks' start values ``Y_k = y_k + c^{K_k} Y_{k+1}`` (``K_k`` the chunk's total count)
    are this same scan one level up (counts up to ``most * chunk``), and each position adds
    ``c^{k_t} Y_{k+1}``. When even two positions could overflow, a log-depth doubling scan.
    """
    rows, time = x.shape
    dtype, device = x.dtype, x.device
    room = math.log(torch.finfo(dtype).max) / 2
    chunk = min(SCAN_CHUNK, time, int(room / (most * -math.log(discount))))
    if chunk < 2:
        return _doubling_scan_rows(x, torch.exp2(counts * math.log2(discount)))
    padded = -time % chunk
    if padded:
        x = torch.nn.functional.pad(x, (0, padded))
        counts = torch.nn.functional.pad(counts, (0, padded))
    chunks = (time + padded) // chunk
    ones = _discount_matrix(1.0, chunk, dtype, device)
    remaining = counts.reshape(rows * chunks, chunk) @ ones
    power = torch.mul(remaining, math.log2(discount)).exp2_()
    local = torch.div(x.reshape(rows * chunks, chunk), power) @ ones
    local.mul_(power)
    if chunks > 1:
        starts = local[:, 0].view(rows, chunks)
        carry = _counted_scan(starts, remaining[:, 0].view(rows, chunks), discount, most * chunk)
        local.view(rows, chunks, chunk)[:, :-1].addcmul_(
            power.view(rows, chunks, chunk)[:, :-1], carry[:, 1:, None]
        )
    out = local.view(rows, chunks * chunk)
    return out[:, :time] if padded else out


def next_valid(values: Tensor, mask: Tensor) -> Tensor:
    """``[rows, time]``: the value at the first valid position after ``t`` in its row (0 when
    none), by a reverse running minimum over positions and a gather."""
    rows, time = values.shape
    position = torch.arange(time, device=values.device).expand(rows, time)
    at = torch.where(mask.bool(), position, torch.full_like(position, time))
    first = torch.flip(torch.cummin(torch.flip(at, (1,)), dim=1).values, (1,))
    after = torch.cat([first[:, 1:], torch.full_like(first[:, :1], time)], dim=1)
    return torch.nn.functional.pad(values, (0, 1)).gather(1, after)


def padded_at_end(mask: Tensor, scratch: Tensor | None = None) -> bool:
    """Whether every row of a 0/1 ``[rows, time]`` mask is ones then zeros (padding only at the
    end), i.e. never rises along time: one pass on the CPU, where reading the answer is free.
    Not for other devices (reading it there would wait for the device)."""
    if mask.shape[-1] < 2 or mask.numel() == 0:
        return True
    rise = None if scratch is None else scratch[:, :-1]
    return bool(torch.sub(mask[:, :-1], mask[:, 1:], out=rise).amin() >= 0)


def _fast_path(mask: Tensor, at_end: bool | None, scratch: Tensor | None = None) -> bool:
    """The constant-discount path for this block: as the caller says, else detected on the CPU
    (:func:`padded_at_end`) and never elsewhere."""
    if at_end is not None:
        return at_end
    return mask.device.type == "cpu" and padded_at_end(mask, scratch)


def padded_gae(
    rewards: Tensor,
    values: Tensor,
    mask: Tensor,
    gamma: float,
    lam: float,
    *,
    at_end: bool | None = None,
    moments: MaskedMoments | None = None,
) -> tuple[Tensor, Tensor]:
    """GAE on ``[rows, time]`` tensors: ``(advantages, returns)``, both 0 at masked positions.

    Each row's valid positions form one sequence (verl's multi-turn GAE: a masked span passes
    the next valid value and advantage through, its rewards are dropped); ``V`` = 0 after the
    row's last valid position. ``delta_t = r_t + gamma V_next(t) - V_t``, ``A_t = delta_t +
    gamma lam A_next(t)``, ``returns = A + V``.

    For ``lam >= FOLD_MIN_LAM`` the next value is folded into the scan: summing ``gamma
    V_next(s)`` with weight ``(gamma lam)^n`` is summing ``V_s`` with the next weight over
    ``lam``, so ``A = S[(r + (1/lam - 1) V) m] - V / lam`` with ``S`` the masked scan at
    ``gamma lam``; one scan, no gather (``lam = 1``: return minus value). Smaller ``lam``
    would amplify rounding by ``1/lam``, so there the next valid value is gathered.

    Rows padded only at the end: the scan's input is 0 past the row's end, so the scan with the
    constant discount ``gamma lam`` (:func:`discounted_reverse_scan`, one matrix product per
    chunk, no powers or divisions) is exact on the valid positions; the general masked scan
    (:func:`masked_reverse_scan`) handles spans inside rows. ``at_end``: ``True`` takes the
    constant path for every row (the caller promises the layout; rows with inner spans would
    get wrong values), ``False`` the masked path, ``None`` (the default) detects the layout of
    each block of rows on the CPU (:func:`padded_at_end`) and takes the masked path on other
    devices, where detecting it would wait for the device.

    The batch is processed in blocks of rows (:func:`row_blocks`), the fast path's temporaries
    written into two block-sized buffers allocated once (a fresh large temporary per block
    would be handed back to the system and faulted in again by the next block). ``moments``:
    each block's advantages are added to it (for whitening them without another pass).
    """
    dtype = rewards.dtype
    advantages = torch.empty_like(rewards)
    returns = torch.empty_like(rewards)
    rows, time = rewards.shape
    blocks = row_blocks(rows, time, rewards.device)
    scratch = _scratch(blocks, time, rewards)
    for block in blocks:
        r, v, m = rewards[block], values[block].to(dtype), mask[block].to(dtype)
        first = scratch[0][: r.shape[0]]
        constant = _fast_path(m, at_end, first)
        _gae_block(r, v, m, gamma, lam, constant, advantages[block], returns[block], scratch)
        if moments is not None:
            moments.add(advantages[block], m, first)
    return advantages, returns


def _scratch(blocks: list[slice], time: int, like: Tensor) -> tuple[Tensor, Tensor]:
    """Two buffers of the largest block's shape (``like``'s dtype and device)."""
    rows = max((block.stop - block.start for block in blocks), default=0)
    buffer = torch.empty(2, rows, time, dtype=like.dtype, device=like.device)
    return buffer[0], buffer[1]


def _gae_block(
    r: Tensor,
    v: Tensor,
    m: Tensor,
    gamma: float,
    lam: float,
    constant: bool,
    advantages: Tensor,
    returns: Tensor,
    scratch: tuple[Tensor, Tensor],
) -> None:
    """One block of :func:`padded_gae`, written into ``advantages`` and ``returns``."""
    first, second = (part[: r.shape[0]] for part in scratch)

    def scan(x: Tensor) -> Tensor:
        if constant:
            return discounted_reverse_scan(x, gamma * lam, out=second)
        return masked_reverse_scan(x, m, gamma * lam)

    if lam >= FOLD_MIN_LAM:
        folded = torch.add(r, v, alpha=1 / lam - 1, out=first).mul_(m)
        torch.mul(scan(folded).sub_(v, alpha=1 / lam), m, out=advantages)
    else:
        # The next valid value: the next position's (0 past the end) when padded at the end.
        after = torch.nn.functional.pad((v * m)[:, 1:], (0, 1)) if constant else next_valid(v, m)
        delta = torch.add(r, after, alpha=gamma).sub_(v).mul_(m)
        torch.mul(scan(delta), m, out=advantages)
    torch.addcmul(advantages, v, m, out=returns)


def padded_returns(
    rewards: Tensor,
    mask: Tensor,
    gamma: float,
    *,
    at_end: bool | None = None,
    moments: MaskedMoments | None = None,
) -> Tensor:
    """``G_t = r_t + gamma G_next(t)`` over each row's valid positions (masked spans skipped,
    their rewards dropped); 0 at masked positions. ``at_end`` and ``moments`` as in
    :func:`padded_gae` (past a row's end the constant scan of ``r m`` is already 0)."""
    dtype = rewards.dtype
    returns = torch.empty_like(rewards)
    rows, time = rewards.shape
    blocks = row_blocks(rows, time, rewards.device)
    scratch = _scratch(blocks, time, rewards)
    for block in blocks:
        m = mask[block].to(dtype)
        first, second = (part[: m.shape[0]] for part in scratch)
        constant = _fast_path(m, at_end, first)
        x = torch.mul(rewards[block], m, out=first)
        if constant:
            discounted_reverse_scan(x, gamma, out=returns[block])
        else:
            torch.mul(masked_reverse_scan(x, m, gamma), m, out=returns[block])
        if moments is not None:
            moments.add(returns[block], m, second)
    return returns


def whiten_padded(
    values: Tensor,
    mask: Tensor,
    moments: MaskedMoments,
    eps: float = WHITEN_EPS,
    *,
    out: Tensor | None = None,
) -> Tensor:
    """``values`` (0 where ``mask`` is 0, ``[rows, time]``) whitened with the moments gathered
    from them, block by block; into ``out`` (may be ``values`` itself) or a new tensor."""
    mean, scale = moments.finish(values.dtype, eps)
    target = torch.empty_like(values) if out is None else out
    rows, time = values.shape
    for block in row_blocks(rows, time, values.device):
        whiten_rows(values[block], mask[block].to(values.dtype), mean, scale, out=target[block])
    return target
