"""Scores of per-step credit against the true step advantages, and statistics without truth.

Plain Python on lists (one list of per-step numbers per trajectory); no torch.

Against the truth (each trajectory with ``truth``):

- ``hit_rate``: share of trajectories whose largest ``|credit|`` is on the critical step; when
  ``m`` steps tie for the largest, the trajectory counts ``1/m`` if the critical step is one of
  them (the expected hit of a random tie-break), so uniform credit scores ``1/steps``.
- ``mass``: mean share of the credit mass ``sum |credit|`` on the critical step (credit that is
  zero everywhere counts as uniform: ``1/steps``).
- ``spearman``: mean over trajectories of the Spearman rank correlation between credit and true
  advantage (average ranks for ties); a trajectory with constant credit counts 0 (no ranking),
  one with constant truth is left out.
- ``sign``: share of steps with a nonzero true advantage whose credit has the same sign.
- ``snr``: signal-to-noise of the credit as an estimate of the truth, pooled over every step:
  fit ``credit = beta * truth + noise`` by least squares, then ``snr = beta^2 sum(truth^2) /
  sum(noise^2)`` (0 when ``beta <= 0``), capped at 1e6 (credit equal to the truth up to a
  positive scale). Episode-level credit on a task with one decisive step among T steps has an
  SNR of about 1/(T - 1): the survey's argument that a shared baseline is T times noisier.

Without truth: the per-step credit distribution (mean, std, min, max), ``concentration`` (mean
share of ``|credit|`` on each trajectory's top step) and ``agreement`` (mean Spearman
correlation with another estimator's credit, per trajectory).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

Vector = Sequence[float]
TIE = 1e-12
SNR_CAP = 1e6


def critical_hit(credit: Vector, critical: int) -> float:
    """1 if the largest ``|credit|`` is at ``critical``, ``1/m`` on an m-way tie there, else 0."""
    sizes = [abs(c) for c in credit]
    top = max(sizes)
    tied = [k for k, size in enumerate(sizes) if top - size <= TIE * max(1.0, top)]
    return 1.0 / len(tied) if critical in tied else 0.0


def mass_share(credit: Vector, critical: int) -> float:
    """Share of ``sum |credit|`` on the critical step (``1/len`` for all-zero credit)."""
    total = sum(abs(c) for c in credit)
    if total <= 0:
        return 1.0 / len(credit)
    return abs(credit[critical]) / total


def ranks(values: Vector) -> list[float]:
    """Ranks 1..n, ties get their average rank."""
    order = sorted(range(len(values)), key=lambda k: values[k])
    result = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            result[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return result


def pearson(x: Vector, y: Vector) -> float | None:
    """Pearson correlation; None when either side is constant."""
    n = len(x)
    mx, my = sum(x) / n, sum(y) / n
    sxy = sum((a - mx) * (b - my) for a, b in zip(x, y, strict=True))
    sxx = sum((a - mx) ** 2 for a in x)
    syy = sum((b - my) ** 2 for b in y)
    if sxx <= 0 or syy <= 0:
        return None
    return sxy / math.sqrt(sxx * syy)


def spearman(x: Vector, y: Vector) -> float | None:
    """Spearman rank correlation; None when either side is constant."""
    return pearson(ranks(x), ranks(y))


def sign_agreement(credits: Sequence[Vector], truths: Sequence[Vector]) -> float | None:
    """Share of steps with a nonzero true advantage whose credit has the same sign."""
    agree = total = 0
    for credit, truth in zip(credits, truths, strict=True):
        for c, a in zip(credit, truth, strict=True):
            if abs(a) > TIE:
                total += 1
                agree += (c > 0) == (a > 0) and c != 0
    return agree / total if total else None


def snr(credits: Sequence[Vector], truths: Sequence[Vector]) -> float | None:
    """Signal-to-noise of credit along the truth, pooled (see the module docstring)."""
    cc = [c for credit in credits for c in credit]
    aa = [a for truth in truths for a in truth]
    # The ratio does not change when the truth is scaled; scaled to at most 1 it cannot overflow.
    scale = max((abs(a) for a in aa), default=0.0)
    aa = [a / scale for a in aa] if scale > 0 else aa
    energy = sum(a * a for a in aa)
    if energy <= 0:
        return None
    beta = sum(c * a for c, a in zip(cc, aa, strict=True)) / energy
    if beta <= 0:
        return 0.0
    noise = sum((c - beta * a) ** 2 for c, a in zip(cc, aa, strict=True))
    signal = beta * beta * energy
    return SNR_CAP if noise <= signal / SNR_CAP else signal / noise


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def score(
    credits: Sequence[Vector], truths: Sequence[Vector], criticals: Sequence[int | None]
) -> dict[str, float | None]:
    """The five scores of credit against truth (see the module docstring)."""
    hits = []
    masses = []
    rhos = []
    for credit, truth, critical in zip(credits, truths, criticals, strict=True):
        if critical is not None:
            hits.append(critical_hit(credit, critical))
            masses.append(mass_share(credit, critical))
        if len(set(truth)) > 1:
            rho = spearman(credit, truth)
            rhos.append(0.0 if rho is None else rho)
    return {
        "hit_rate": _mean(hits),
        "mass": _mean(masses),
        "spearman": _mean(rhos),
        "sign": sign_agreement(credits, truths),
        "snr": snr(credits, truths),
    }


def statistics(credits: Sequence[Vector]) -> dict[str, float | None]:
    """Credit statistics without truth: distribution over steps and concentration."""
    flat = [c for credit in credits for c in credit]
    mean = sum(flat) / len(flat)
    std = math.sqrt(sum((c - mean) ** 2 for c in flat) / len(flat))
    shares = []
    for credit in credits:
        total = sum(abs(c) for c in credit)
        shares.append(max(abs(c) for c in credit) / total if total > 0 else 1.0 / len(credit))
    return {
        "mean": mean,
        "std": std,
        "min": min(flat),
        "max": max(flat),
        "concentration": sum(shares) / len(shares),
    }


def agreement(a: Sequence[Vector], b: Sequence[Vector]) -> float | None:
    """Mean per-trajectory Spearman correlation of two estimators' credit (constant: left out)."""
    rhos = [rho for x, y in zip(a, b, strict=True) if (rho := spearman(x, y)) is not None]
    return _mean(rhos)
