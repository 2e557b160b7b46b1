"""Segment operations and reverse scans on flat (ragged) tensors, without loops over time.

A *segment* is a run of consecutive entries of a flat tensor (the tokens of one trajectory, the
steps of one trajectory, the members of one group). Segments are described either by offsets
(``offsets[i]:offsets[i+1]`` is segment ``i``) or by an index tensor (the segment of each entry).

The reverse discounted scan ``y_t = x_t + c * y_{t+1}`` (inside a segment; ``y`` is 0 after the
segment's end) is the heart of returns and GAE. It runs on the flat tensor itself, cut in chunks
of ``BLOCK`` consecutive entries that ignore the segments: one matrix product with the
upper-triangular matrix ``W[j, i] = c**(j - i)`` scans every chunk; the few chunks that a
segment boundary (a *cut*) falls in are redone with ``W`` restricted to pairs of entries of one
piece (one small product per such chunk). The full values at the chunks' starts obey
``Y_k = y_k + c**BLOCK Y_{k+1}``, cut where a boundary lies between: the same scan, one level up,
over ``BLOCK`` times fewer entries (recursively, down to one chunk); then every entry adds
``c**(BLOCK - j) Y_{k+1}`` unless a cut lies between it and the next chunk. Only products of
``c`` with itself and sums of at most ``BLOCK`` terms per level appear, so float32 stays within
about 1e-6 of a float64 loop for returns of order one, even at a million tokens (no ``c**-t``
rescaling, which overflows). No entry is moved: no scatter into a padded layout and no gather
back, and no memory beyond the output and a partial last chunk. Where the cuts fall depends only
on the offsets (:func:`block_layout`), so a batch computes it once.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from types import ModuleType

import torch
from torch import Tensor

_numpy: ModuleType | None
try:
    import numpy as _numpy
except ImportError:  # pragma: no cover - torch runs without NumPy; the sums then stay in torch
    _numpy = None

#: Entries per chunk of the scan (16: the matrix product costs 32 flops per entry).
BLOCK = 16


def lengths_to_offsets(lengths: Tensor) -> Tensor:
    """``[0, l0, l0+l1, ...]`` as a long tensor on the lengths' device."""
    offsets = torch.zeros(lengths.numel() + 1, dtype=torch.long, device=lengths.device)
    torch.cumsum(lengths.to(torch.long), dim=0, out=offsets[1:])
    return offsets


def offsets_to_index(offsets: Tensor, total: int | None = None) -> Tensor:
    """The segment index of each entry: ``[0]*l0 + [1]*l1 + ...``."""
    lengths = offsets[1:] - offsets[:-1]
    segments = torch.arange(lengths.numel(), device=offsets.device)
    if total is None:
        return torch.repeat_interleave(segments, lengths)
    return torch.repeat_interleave(segments, lengths, output_size=total)


def segment_sum(values: Tensor, index: Tensor, num_segments: int) -> Tensor:
    """Sum of the entries of each segment (0 for an empty segment)."""
    out = torch.zeros(num_segments, dtype=values.dtype, device=values.device)
    return out.index_add_(0, index, values)


def offsets_sum(values: Tensor, offsets: Tensor) -> Tensor:
    """Sum of each run ``offsets[i]:offsets[i+1]`` of a flat tensor (0 for an empty run).

    On the CPU with NumPy at hand, ``numpy.add.reduceat`` over the non-empty runs (pairwise
    sums, several times quicker than ``torch.segment_reduce`` there); else one
    ``segment_reduce`` pass where the device has it (CPU, CUDA), else :func:`segment_sum`.
    """
    lengths = offsets[1:] - offsets[:-1]
    if (
        _numpy is not None
        and values.device.type == "cpu"
        and values.dtype in (torch.float32, torch.float64)
        and values.numel()
    ):
        starts = offsets[:-1]
        present = lengths > 0
        everyone = bool(present.all())
        firsts = starts if everyone else starts[present]
        sums = torch.from_numpy(
            _numpy.add.reduceat(values.detach().contiguous().numpy(), firsts.numpy())
        )
        if everyone:
            return sums
        return torch.zeros(lengths.numel(), dtype=values.dtype).index_put_((present,), sums)
    if values.device.type in ("cpu", "cuda"):
        return torch.segment_reduce(values, "sum", lengths=lengths, unsafe=True)
    return segment_sum(values, offsets_to_index(offsets, values.numel()), lengths.numel())


def segment_count(index: Tensor, num_segments: int, dtype: torch.dtype) -> Tensor:
    """Number of entries of each segment, as ``dtype``."""
    ones = torch.ones(index.numel(), dtype=dtype, device=index.device)
    return segment_sum(ones, index, num_segments)


def segment_mean(values: Tensor, index: Tensor, num_segments: int) -> Tensor:
    """Mean of each segment (0 for an empty segment)."""
    count = segment_count(index, num_segments, values.dtype)
    return segment_sum(values, index, num_segments) / count.clamp(min=1)


def segment_mean_std(
    values: Tensor, index: Tensor, num_segments: int, weight: Tensor | None = None
) -> tuple[Tensor, Tensor, Tensor]:
    """Mean, Bessel-corrected standard deviation and count of each segment.

    ``weight`` (optional, >= 0) counts each entry that many times (0 leaves it out); the count
    is then the sum of the weights. The standard deviation of a segment counting fewer than
    two entries is 0 (not NaN). It is computed from the centred values (two passes), scaled by
    their largest magnitude so that it stays finite for values whose squares would overflow;
    the mean of a segment whose counted entries are all equal is that value exactly (a summed
    mean can be off by rounding), so its std is exactly 0.
    """
    if weight is None:
        count = segment_count(index, num_segments, values.dtype)
        mean = segment_sum(values, index, num_segments) / count.clamp(min=1)
        counted = values
        shown = values
    else:
        w = weight.to(values.dtype)
        count = segment_sum(w, index, num_segments)
        mean = segment_sum(values * w, index, num_segments) / count.clamp(min=1)
        inside = w > 0
        counted = torch.where(inside, values, torch.full_like(values, float("inf")))
        shown = torch.where(inside, values, torch.full_like(values, float("-inf")))
    low = torch.full_like(mean, float("inf")).scatter_reduce(0, index, counted, "amin")
    high = torch.full_like(mean, float("-inf")).scatter_reduce(0, index, shown, "amax")
    mean = torch.where(low == high, low, mean)
    centred = values - mean[index]
    # Squares are taken of the centred values divided by the segment's largest |deviation|,
    # so rewards near the float32 limit (1e19 squares to 1e38) still give a finite std.
    deviation = centred.abs() if weight is None else torch.where(inside, centred.abs(), 0.0)
    scale = torch.zeros_like(mean).scatter_reduce(0, index, deviation, "amax")
    unit = centred / scale.clamp(min=torch.finfo(values.dtype).tiny)[index]
    square = unit * unit if weight is None else unit * unit * w
    std = scale * (segment_sum(square, index, num_segments) / (count - 1).clamp(min=1)).sqrt()
    std = torch.where(count > 1, std, torch.zeros_like(std))
    return mean, std, count


def _doubling_scan(x: Tensor, a: Tensor) -> Tensor:
    """``y_t = x_t + a_t * y_{t+1}`` (``y`` = 0 past the end) by log-depth doubling."""
    y = x.clone()
    c = a.clone()
    n = y.numel()
    d = 1
    while d < n:
        y[:-d] = y[:-d] + c[:-d] * y[d:]
        c[:-d] = c[:-d] * c[d:]
        d *= 2
    return y


@functools.lru_cache(maxsize=64)
def _block_matrix(c: float, block: int, dtype: torch.dtype, device: torch.device) -> Tensor:
    """``W[j, i] = c**(j - i)`` for ``j >= i``, else 0 (so ``y = x @ W`` scans one block).
    Built in float64 on the CPU (MPS has no float64), then moved; cached (never written)."""
    steps = torch.arange(block, dtype=torch.float64)
    power = steps[:, None] - steps[None, :]
    weights = torch.where(
        power >= 0, torch.tensor(c, dtype=torch.float64) ** power.clamp(min=0), 0.0
    )
    return weights.to(device=device, dtype=dtype)


@functools.lru_cache(maxsize=64)
def _tail(c: float, block: int, dtype: torch.dtype, device: torch.device) -> Tensor:
    """``c**(block - j)`` for ``j = 0..block-1``: the weight of the next block's start value."""
    tail = torch.tensor(c, dtype=torch.float64) ** torch.arange(block, 0, -1, dtype=torch.float64)
    return tail.to(device=device, dtype=dtype)


@dataclass(frozen=True)
class _Level:
    """One level of :func:`reverse_discounted_scan`: ``size`` entries in ``chunks`` chunks of
    ``block`` (the last one may be partial), and the chunks that a cut (a segment's start)
    falls in."""

    size: int
    chunks: int
    #: The chunks holding a cut in ``(k block, (k + 1) block]``, ascending.
    cut: Tensor
    #: ``[cut, block]``: the flat index of each position of those chunks (clamped to the size).
    at: Tensor
    #: ``[cut, block]``: whether that position exists (the last chunk may be partial).
    exists: Tensor
    #: ``[cut, block, block]``: whether positions ``s`` and ``t`` of the chunk are in one piece.
    same: Tensor
    #: ``[cut, block]``: whether no cut separates the position from the next chunk's start.
    reaches_next: Tensor


@dataclass(frozen=True)
class BlockLayout:
    """Where the segments of a flat tensor are cut, chunk by chunk and level by level, for
    :func:`reverse_discounted_scan`. It depends only on the offsets, so a batch computes it once
    for its tokens and once for its steps."""

    size: int
    block: int
    levels: tuple[_Level, ...]


def block_layout(offsets: Tensor, block: int = BLOCK) -> BlockLayout:
    """The chunk structure of the segments delimited by ``offsets`` (see
    :func:`reverse_discounted_scan`); it reads the offsets on the host."""
    block = max(block, 2)
    device = offsets.device
    n = int(offsets[-1])
    # A cut at p: y_{p-1} does not receive y_p (p starts a segment, 0 < p < n).
    cuts = torch.unique(offsets[(offsets > 0) & (offsets < n)])
    positions = torch.arange(block, device=device)
    levels = []
    size = n
    while True:
        chunks = max(-(-size // block), 1)
        owner = (cuts - 1) // block  # the chunk whose chain to the next entry the cut breaks
        cut, row = torch.unique_consecutive(owner, return_inverse=True)
        where = cuts - owner * block  # 1..block: the cut's position in (or just past) its chunk
        inside = torch.zeros(cut.numel(), block + 1, dtype=torch.long, device=device)
        inside[row, where] = 1
        piece = torch.cumsum(inside[:, :block], dim=1)
        last = torch.zeros(cut.numel(), dtype=torch.long, device=device)
        last = last.scatter_reduce(0, row, where, "amax")
        at = cut[:, None] * block + positions[None, :]
        levels.append(
            _Level(
                size=size,
                chunks=chunks,
                cut=cut,
                at=at.clamp(max=max(size - 1, 0)),
                exists=at < size,
                same=piece[:, :, None] == piece[:, None, :],
                reaches_next=positions[None, :] >= last[:, None],
            )
        )
        if chunks == 1:
            break
        # One level up, chunk k's start receives chunk k+1's start unless a cut lies between.
        cuts = cut + 1
        cuts = cuts[cuts < chunks]
        size = chunks
    return BlockLayout(n, block, tuple(levels))


def _segmented_scan(
    values: Tensor, levels: tuple[_Level, ...], depth: int, block: int, discount: float
) -> Tensor:
    """One level of :func:`reverse_discounted_scan` (and the levels above it)."""
    level = levels[depth]
    dtype, device = values.dtype, values.device
    n, chunks = level.size, level.chunks
    flat = values.contiguous()
    weights = _block_matrix(discount, block, dtype, device)
    out = torch.empty(chunks * block, dtype=dtype, device=device)
    local = out.view(chunks, block)
    full = n // block
    if full:
        torch.mm(flat[: full * block].view(full, block), weights, out=local[:full])
    if full < chunks:  # the partial last chunk, padded with zeros
        rest = torch.zeros(block, dtype=dtype, device=device)
        rest[: n - full * block] = flat[full * block :]
        local[full] = rest @ weights
    cut = level.cut
    if cut.numel():
        # Chunks with a cut: the product restricted to pairs of positions in one piece.
        rows = flat[level.at] * level.exists.to(dtype)
        inner = weights * level.same.to(dtype)
        local[cut] = (rows[:, :, None] * inner).sum(dim=1)
    if chunks > 1:
        starts = _segmented_scan(local[:, 0], levels, depth + 1, block, discount**block)
        following = torch.zeros(chunks, dtype=dtype, device=device)
        following[:-1] = starts[1:]
        tail = _tail(discount, block, dtype, device)
        clean = following.index_fill(0, cut, 0.0) if cut.numel() else following
        local.addcmul_(clean[:, None], tail[None, :])
        if cut.numel():
            reach = level.reaches_next.to(dtype) * tail[None, :]
            local.index_add_(0, cut, following[cut][:, None] * reach)
    return out[:n]


def reverse_discounted_scan(
    values: Tensor,
    offsets: Tensor,
    discount: float,
    *,
    block: int = BLOCK,
    layout: BlockLayout | None = None,
) -> Tensor:
    """``y_t = x_t + discount * y_{t+1}`` inside each segment, 0 after its end.

    ``values`` is flat; ``offsets`` delimits the segments (every entry belongs to one). See the
    module docstring for the blocked algorithm and its accuracy. ``layout``: the offsets'
    :func:`block_layout`, when the caller keeps it.
    """
    n = values.numel()
    if n == 0:
        return values.clone()
    if layout is None or layout.block != max(block, 2) or layout.size != n:
        layout = block_layout(offsets, block)
    return _segmented_scan(values, layout.levels, 0, layout.block, discount)


def reverse_linear_scan(values: Tensor, coefficients: Tensor) -> Tensor:
    """``y_t = x_t + a_t * y_{t+1}`` over a whole flat tensor (set ``a_t = 0`` to end a chain).

    For coefficients that vary per entry; log-depth doubling, ``O(n log n)`` work.
    """
    if values.numel() == 0:
        return values.clone()
    return _doubling_scan(values, coefficients.to(values.dtype))


def segment_softmax(logits: Tensor, index: Tensor, num_segments: int) -> Tensor:
    """Softmax of the entries of each segment (the largest logit subtracted first)."""
    top = torch.full(
        (num_segments,), float("-inf"), dtype=logits.dtype, device=logits.device
    ).scatter_reduce(0, index, logits, "amax")
    weights = torch.exp(logits - top[index])
    return weights / segment_sum(weights, index, num_segments)[index]
