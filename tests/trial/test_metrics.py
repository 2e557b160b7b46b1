"""Scores of credit against truth, on hand-computed cases."""

from __future__ import annotations

import pytest

from cactl.trial import metrics


def test_critical_hit_with_ties() -> None:
    assert metrics.critical_hit([0.1, -0.5, 0.2], 1) == 1.0
    assert metrics.critical_hit([0.1, -0.5, 0.2], 0) == 0.0
    assert metrics.critical_hit([0.5, -0.5, 0.1], 0) == 0.5
    assert metrics.critical_hit([0.3, 0.3, 0.3, 0.3], 2) == 0.25
    assert metrics.critical_hit([0.0, 0.0], 1) == 0.5


def test_mass_share() -> None:
    assert metrics.mass_share([1.0, -2.0, 1.0], 1) == 0.5
    assert metrics.mass_share([0.0, 0.0, 0.0], 1) == pytest.approx(1 / 3)


def test_ranks_and_spearman() -> None:
    assert metrics.ranks([3.0, 1.0, 2.0, 2.0]) == [4.0, 1.0, 2.5, 2.5]
    assert metrics.spearman([1, 2, 3], [10, 20, 30]) == pytest.approx(1.0)
    assert metrics.spearman([1, 2, 3], [3, 2, 1]) == pytest.approx(-1.0)
    # ranks 1..4 against 1,3,2,4: sxy = 4, sxx = syy = 5
    assert metrics.spearman([1, 2, 3, 4], [1, 3, 2, 4]) == pytest.approx(0.8)
    assert metrics.spearman([1, 1, 1], [1, 2, 3]) is None


def test_sign_agreement() -> None:
    assert metrics.sign_agreement(
        [[1.0, -1.0, 0.0, 5.0]], [[2.0, -3.0, 1.0, 0.0]]
    ) == pytest.approx(2 / 3)
    assert metrics.sign_agreement([[1.0]], [[0.0]]) is None


def test_snr() -> None:
    assert metrics.snr([[0.2, -0.4]], [[0.1, -0.2]]) == metrics.SNR_CAP
    assert metrics.snr([[1.0, 1.0]], [[1.0, 0.0]]) == pytest.approx(1.0)
    # episode-level credit on T = 4 steps with one decisive step: beta = 2.5, snr = 1 / (T - 1)
    assert metrics.snr([[1.0, 1.0, 1.0, 1.0]], [[0.4, 0.0, 0.0, 0.0]]) == pytest.approx(1 / 3)
    assert metrics.snr([[-1.0, 0.0]], [[1.0, 0.0]]) == 0.0
    assert metrics.snr([[1.0]], [[0.0]]) is None


def test_snr_of_a_huge_truth_does_not_overflow() -> None:
    # the truth's scale cancels: the same values as above with the truth times 1.7e308
    big = 1.7e308
    assert metrics.snr([[1.0, 1.0]], [[big, 0.0]]) == pytest.approx(1.0)
    assert metrics.snr([[1.0, 1.0, 1.0, 1.0]], [[big, 0.0, 0.0, 0.0]]) == pytest.approx(1 / 3)
    assert metrics.snr([[1.0, -1.0]], [[big, -big]]) == metrics.SNR_CAP


def test_score_combines_trajectories() -> None:
    credits = [[0.0, 0.9, 0.1], [0.2, 0.2, 0.2]]
    truths = [[0.0, 0.4, 0.0], [0.0, -0.4, 0.0]]
    scores = metrics.score(credits, truths, [1, 1])
    assert scores["hit_rate"] == pytest.approx((1 + 1 / 3) / 2)
    assert scores["mass"] == pytest.approx((0.9 + 1 / 3) / 2)
    # first: ranks (1, 3, 2) vs (1.5, 3, 1.5) -> sxy = 1.5, sxx = 2, syy = 1.5; second: constant -> 0
    assert scores["spearman"] == pytest.approx((1.5 / (2 * 1.5) ** 0.5) / 2)
    assert scores["sign"] == pytest.approx(0.5)
    assert scores["snr"] is not None


def test_statistics_and_agreement() -> None:
    stats = metrics.statistics([[1.0, -1.0], [0.0, 0.0, 3.0]])
    assert stats["mean"] == pytest.approx(3 / 5)
    assert stats["std"] == pytest.approx((sum((x - 0.6) ** 2 for x in [1, -1, 0, 0, 3]) / 5) ** 0.5)
    assert (stats["min"], stats["max"]) == (-1.0, 3.0)
    assert stats["concentration"] == pytest.approx((0.5 + 1.0) / 2)
    assert metrics.agreement([[1, 2, 3], [1, 1, 1]], [[3, 2, 1], [1, 2, 3]]) == pytest.approx(-1.0)
