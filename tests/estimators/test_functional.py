"""The padded kernels of cactl.estimators.functional against plain Python loops: the constant-
discount scan (rows padded only at the end), the masked scan, whitening gathered block by block,
and the choice between the two paths, on both kinds of mask and over several blocks of rows."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from cactl.estimators import functional, trainer


def loop_scan(x: list[float], m: list[float], c: float) -> list[float]:
    """``y_t = x_t + c y_{t+1}`` over the valid positions; a masked one passes ``y`` through."""
    out = [0.0] * len(x)
    running = 0.0
    for t in reversed(range(len(x))):
        if m[t]:
            running = x[t] + c * running
        out[t] = running
    return out


def loop_gae(
    r: list[float], v: list[float], m: list[float], gamma: float, lam: float
) -> tuple[list[float], list[float]]:
    adv, ret = [0.0] * len(r), [0.0] * len(r)
    nxt = last = 0.0
    for t in reversed(range(len(r))):
        if m[t]:
            last = r[t] + gamma * nxt - v[t] + gamma * lam * last
            nxt = v[t]
            adv[t], ret[t] = last, last + v[t]
    return adv, ret


def loop_whiten(rows: list[list[float]], mask: list[list[float]]) -> list[list[float]]:
    flat = [
        x for row, keep in zip(rows, mask, strict=True) for x, k in zip(row, keep, strict=True) if k
    ]
    mean = sum(flat) / len(flat)
    var = sum((x - mean) ** 2 for x in flat) / (len(flat) - 1)
    return [
        [(x - mean) / math.sqrt(var + 1e-8) if k else 0.0 for x, k in zip(row, keep, strict=True)]
        for row, keep in zip(rows, mask, strict=True)
    ]


def masks(rows: int, cols: int, seed: int) -> dict[str, torch.Tensor]:
    """Rows padded at the end (lengths 0..cols) and rows with masked spans inside."""
    g = torch.Generator().manual_seed(seed)
    lengths = torch.randint(0, cols + 1, (rows,), generator=g)
    lengths[0] = cols  # a full row
    lengths[1] = 0  # an empty one
    at_end = (torch.arange(cols)[None, :] < lengths[:, None]).double()
    spans = at_end * (torch.rand(rows, cols, generator=g) > 0.3).double()
    return {"at_end": at_end, "spans": spans}


@pytest.fixture
def small_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Blocks of a few rows, so that small inputs cross several blocks."""
    monkeypatch.setattr(functional, "BLOCK_ENTRIES", 64)


@pytest.mark.parametrize("time", [1, 2, 15, 16, 17, 33, 256, 257, 300, 4100])
@pytest.mark.parametrize("discount", [0.0, 0.5, 0.95, 1.0])
def test_constant_scan_matches_loop(time: int, discount: float) -> None:
    # 4100 columns: three levels of chunks (16, 256, 4096) and a padded last chunk.
    g = torch.Generator().manual_seed(time)
    x = torch.randn(3, time, generator=g, dtype=torch.float64)
    got = functional.discounted_reverse_scan(x, discount)
    for row in range(3):
        want = loop_scan(x[row].tolist(), [1.0] * time, discount)
        assert got[row].tolist() == pytest.approx(want, abs=1e-9)


@pytest.mark.parametrize("discount", [0.95, 0.5, 1e-4, 0.999])
def test_masked_scan_matches_loop(discount: float) -> None:
    # Small discounts shorten the chunks (no c^-k overflow), 1e-4 in float32 down to a few.
    g = torch.Generator().manual_seed(1)
    m = (torch.rand(4, 700, generator=g) > 0.4).double()
    x = torch.randn(4, 700, generator=g, dtype=torch.float64) * m
    for dtype, tol in ((torch.float64, 1e-9), (torch.float32, 1e-4)):
        got = functional.masked_reverse_scan(x.to(dtype), m.to(dtype), discount)
        for row in range(4):
            want = loop_scan(x[row].tolist(), m[row].tolist(), discount)
            assert got[row].double().tolist() == pytest.approx(want, abs=tol)


def test_masked_scan_float32_over_a_long_row_stays_near_float64() -> None:
    g = torch.Generator().manual_seed(2)
    m = (torch.rand(2, 20000, generator=g) > 0.2).float()
    x = torch.rand(2, 20000, generator=g) * m
    got = functional.masked_reverse_scan(x, m, 0.999)
    exact = functional.masked_reverse_scan(x.double(), m.double(), 0.999)
    # Values up to ~800: a relative error near float32's own.
    assert float((got.double() - exact).abs().max() / exact.abs().max()) < 1e-6


def test_padded_at_end_detects_the_layout() -> None:
    found = masks(6, 9, 0)
    assert functional.padded_at_end(found["at_end"])
    assert not functional.padded_at_end(found["spans"])
    assert functional.padded_at_end(torch.ones(3, 1))
    assert not functional.padded_at_end(torch.tensor([[1.0, 0.0, 1.0]]))


@pytest.mark.usefixtures("small_blocks")
@pytest.mark.parametrize("kind", ["at_end", "spans"])
@pytest.mark.parametrize(("gamma", "lam"), [(1.0, 0.95), (0.9, 0.7), (0.99, 0.3), (1.0, 1.0)])
def test_gae_paths_match_the_loop(kind: str, gamma: float, lam: float) -> None:
    # 13 rows x 11 columns in blocks of 5 rows (64 entries): three blocks, the last partial.
    m = masks(13, 11, 3)[kind]
    g = torch.Generator().manual_seed(4)
    r = torch.randn(13, 11, generator=g, dtype=torch.float64)
    v = torch.randn(13, 11, generator=g, dtype=torch.float64)
    loops = [loop_gae(r[i].tolist(), v[i].tolist(), m[i].tolist(), gamma, lam) for i in range(13)]
    want_adv = loop_whiten([a for a, _ in loops], m.tolist())
    want_ret = [ret for _, ret in loops]
    paths: list[bool | None] = [None, False] + ([True] if kind == "at_end" else [])
    for at_end in paths:
        adv, ret = trainer.compute_gae_advantage_return(r, v, m, gamma, lam, padded_at_end=at_end)
        assert adv.tolist() == [pytest.approx(row, abs=1e-10) for row in want_adv]
        assert ret.tolist() == [pytest.approx(row, abs=1e-10) for row in want_ret]


@pytest.mark.usefixtures("small_blocks")
@pytest.mark.parametrize("kind", ["at_end", "spans"])
def test_reinforce_pp_paths_match_the_loop(kind: str) -> None:
    m = masks(13, 11, 5)[kind]
    r = torch.randn(13, 11, generator=torch.Generator().manual_seed(6), dtype=torch.float64)
    want_ret = [loop_scan((r[i] * m[i]).tolist(), m[i].tolist(), 0.9) for i in range(13)]
    want_ret = [
        [g * k for g, k in zip(row, m[i].tolist(), strict=True)] for i, row in enumerate(want_ret)
    ]
    want_adv = loop_whiten(want_ret, m.tolist())
    paths: list[bool | None] = [None, False] + ([True] if kind == "at_end" else [])
    for at_end in paths:
        adv, ret = trainer.compute_reinforce_plus_plus_outcome_advantage(
            r, m, 0.9, padded_at_end=at_end
        )
        assert ret.tolist() == [pytest.approx(row, abs=1e-10) for row in want_ret]
        assert adv.tolist() == [pytest.approx(row, abs=1e-10) for row in want_adv]


@pytest.mark.usefixtures("small_blocks")
def test_whitening_equal_values_over_several_blocks_gives_exactly_zero() -> None:
    # 0.1 has no exact float32 sum over 70 entries; the merged mean must still be 0.1 exactly.
    mask = masks(40, 9, 7)["spans"].float()
    values = torch.full((40, 9), 0.1) * mask
    assert float(trainer.masked_whiten(values, mask).abs().max()) == 0.0
    rewards = torch.zeros(40, 9)
    rewards[:, 2] = 0.1
    at_end = torch.zeros(40, 9)
    at_end[:, :3] = 1
    adv, _ = trainer.compute_reinforce_plus_plus_outcome_advantage(rewards, at_end)
    assert float(adv.abs().max()) == 0.0


@pytest.mark.usefixtures("small_blocks")
def test_whitening_over_blocks_matches_one_pass() -> None:
    g = torch.Generator().manual_seed(8)
    values = torch.randn(30, 7, generator=g, dtype=torch.float64) * 3 + 100
    mask = (torch.rand(30, 7, generator=g) > 0.5).double()
    want = loop_whiten(values.tolist(), mask.tolist())
    assert trainer.masked_whiten(values, mask).tolist() == [
        pytest.approx(row, abs=1e-9) for row in want
    ]


def test_row_blocks_depend_only_on_the_shape() -> None:
    cpu, meta = torch.device("cpu"), torch.device("meta")
    step = functional.BLOCK_ENTRIES // 4096
    blocks = functional.row_blocks(1000, 4096, cpu)
    assert blocks[0] == slice(0, step) and blocks[-1].stop == 1000
    assert sum(b.stop - b.start for b in blocks) == 1000
    assert functional.row_blocks(1000, 4096, meta) == [slice(0, 1000)]
    assert functional.row_blocks(3, 10**7, cpu) == [slice(0, 1), slice(1, 2), slice(2, 3)]


@pytest.mark.parametrize(
    ("labels", "expected"),
    [
        (["b", "a", "b", "c"], [0, 1, 0, 2]),
        ([3, 1, 3, 2], [0, 1, 0, 2]),
        (np.array(["b", "a", "b", "c"], dtype=object), [0, 1, 0, 2]),
        (np.array(["b", "a", "b", "c"]), [0, 1, 0, 2]),
        ([("x", 1), ("y", 2), ("x", 1), [1, 2]], [0, 1, 0, 2]),
        (["1", 1, "1", True], [0, 1, 0, 1]),  # True == 1, "1" != 1
    ],
)
def test_label_ids_in_first_seen_order(labels: object, expected: list[int]) -> None:
    ids = functional.label_ids(labels, 4, torch.device("cpu"))  # type: ignore[arg-type]
    assert ids.tolist() == expected
    assert ids.dtype == torch.long


def test_masked_whiten_stays_differentiable() -> None:
    values = torch.tensor([[1.0, 2.0, 4.0], [3.0, 0.0, 0.0]], dtype=torch.float64)
    mask = torch.tensor([[1.0, 1.0, 1.0], [1.0, 0.0, 0.0]], dtype=torch.float64)
    leaf = values.clone().requires_grad_(True)
    out = trainer.masked_whiten(leaf, mask)
    want = trainer.masked_whiten(values, mask).tolist()
    assert out.tolist() == [pytest.approx(row, abs=1e-12) for row in want]
    out[0, 2].backward()
    assert leaf.grad is not None
    assert leaf.grad[1, 1] == 0.0 and leaf.grad[0, 2] > 0
