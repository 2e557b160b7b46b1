"""Segment operations and the blocked reverse scan against plain Python loops."""

from __future__ import annotations

import random

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from cactl.estimators.ops import (
    lengths_to_offsets,
    offsets_sum,
    offsets_to_index,
    reverse_discounted_scan,
    reverse_linear_scan,
    segment_mean_std,
)


def loop_scan(values: list[float], lengths: list[int], discount: float) -> list[float]:
    out: list[float] = []
    start = 0
    for length in lengths:
        running = 0.0
        chunk = []
        for t in reversed(range(start, start + length)):
            running = values[t] + discount * running
            chunk.append(running)
        out.extend(reversed(chunk))
        start += length
    return out


def test_hand_computed_scan() -> None:
    values = torch.tensor([1.0, 2.0, 3.0, 4.0, 5.0])
    offsets = torch.tensor([0, 3, 5])
    got = reverse_discounted_scan(values, offsets, 0.5, block=2)
    # [1 + .5*(2 + .5*3), 2 + .5*3, 3, 4 + .5*5, 5]
    assert got.tolist() == [2.75, 3.5, 3.0, 6.5, 5.0]


@settings(max_examples=60, deadline=None)
@given(
    lengths=st.lists(st.integers(1, 40), min_size=1, max_size=6),
    discount=st.sampled_from([0.0, 0.5, 0.9, 0.99, 1.0]),
    block=st.sampled_from([1, 2, 3, 8, 64]),
    seed=st.integers(0, 1000),
)
def test_scan_matches_loop(lengths: list[int], discount: float, block: int, seed: int) -> None:
    rng = random.Random(seed)
    values = [rng.uniform(-1, 1) for _ in range(sum(lengths))]
    offsets = lengths_to_offsets(torch.tensor(lengths))
    got = reverse_discounted_scan(
        torch.tensor(values, dtype=torch.float64), offsets, discount, block=block
    )
    assert got.tolist() == pytest.approx(loop_scan(values, lengths, discount), abs=1e-12)


def test_long_scan_float32_stays_within_1e5_of_float64_loop() -> None:
    generator = torch.Generator().manual_seed(0)
    n = 200_000
    values = torch.zeros(n, dtype=torch.float64)
    values[-1] = 1.0
    values += torch.rand(n, generator=generator, dtype=torch.float64) * 1e-3
    offsets = torch.tensor([0, n])
    expected = loop_scan(values.tolist(), [n], 0.999)
    got = reverse_discounted_scan(values.float(), offsets, 0.999)
    assert (got.double() - torch.tensor(expected)).abs().max() < 1e-5


def test_linear_scan_with_chain_ends() -> None:
    values = torch.tensor([1.0, 1.0, 1.0, 1.0])
    coefficients = torch.tensor([0.5, 0.0, 2.0, 0.0])
    assert reverse_linear_scan(values, coefficients).tolist() == [1.5, 1.0, 3.0, 1.0]


def test_segment_mean_std_bessel_and_singletons() -> None:
    values = torch.tensor([1.0, 3.0, 5.0, 7.0, 2.0, 2.0])
    index = offsets_to_index(torch.tensor([0, 3, 4, 6]))
    mean, std, count = segment_mean_std(values, index, 3)
    assert mean.tolist() == [3.0, 7.0, 2.0]
    assert std.tolist() == [2.0, 0.0, 0.0]
    assert count.tolist() == [3.0, 1.0, 2.0]


def test_segment_std_stays_finite_where_squares_overflow() -> None:
    from cactl.estimators.ops import segment_mean_std

    values = torch.tensor([1e19, 3e19, 2.0, 4.0], dtype=torch.float32)
    index = torch.tensor([0, 0, 1, 1])
    mean, std, count = segment_mean_std(values, index, 2)
    # Bessel std of two values is |a - b| / sqrt(2).
    assert torch.allclose(std, torch.tensor([2e19 / 2**0.5, 2 / 2**0.5]), rtol=1e-6)
    assert torch.allclose(mean, torch.tensor([2e19, 3.0]), rtol=1e-6)
    assert count.tolist() == [2.0, 2.0]


@settings(max_examples=40, deadline=None)
@given(
    lengths=st.lists(st.integers(0, 70), min_size=1, max_size=12),
    discount=st.sampled_from([0.0, 0.7, 1.0]),
    block=st.sampled_from([2, 4, 16]),
    seed=st.integers(0, 1000),
)
def test_scan_with_empty_segments_and_cuts_on_chunk_edges(
    lengths: list[int], discount: float, block: int, seed: int
) -> None:
    # Empty segments (repeated offsets), cuts on and inside chunks, several levels of chunks.
    if sum(lengths) == 0:
        lengths = [*lengths, 1]
    rng = random.Random(seed)
    values = [rng.uniform(-1, 1) for _ in range(sum(lengths))]
    offsets = lengths_to_offsets(torch.tensor(lengths))
    got = reverse_discounted_scan(
        torch.tensor(values, dtype=torch.float64), offsets, discount, block=block
    )
    assert got.tolist() == pytest.approx(loop_scan(values, lengths, discount), abs=1e-12)


def test_scan_of_many_segments_over_three_levels() -> None:
    # About 5000 entries in chunks of 16: levels of ~320, ~20 and 2 chunks; a cut every ~20.
    rng = random.Random(3)
    lengths = [rng.randint(1, 40) for _ in range(250)]
    values = [rng.uniform(0, 1) for _ in range(sum(lengths))]
    offsets = lengths_to_offsets(torch.tensor(lengths))
    got = reverse_discounted_scan(torch.tensor(values, dtype=torch.float64), offsets, 0.9)
    assert got.tolist() == pytest.approx(loop_scan(values, lengths, 0.9), abs=1e-12)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_offsets_sum_with_empty_runs(dtype: torch.dtype) -> None:
    values = torch.tensor([1.0, 2.0, 3.0, 4.0, 5.0], dtype=dtype)
    offsets = torch.tensor([0, 0, 2, 2, 5, 5])
    assert offsets_sum(values, offsets).tolist() == [0.0, 3.0, 0.0, 12.0, 0.0]
    assert offsets_sum(values, torch.tensor([0, 5])).tolist() == [15.0]
    assert offsets_sum(values[:0], torch.tensor([0, 0, 0])).tolist() == [0.0, 0.0]
