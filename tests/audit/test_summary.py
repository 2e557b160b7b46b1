"""Corpus summary: per-item counts across papers."""

from __future__ import annotations

from dataclasses import replace

from cactl.audit.checklist import Status, load_checklist
from cactl.audit.summary import summarize
from tests.audit.helpers import audit_text


def test_counts_per_item() -> None:
    checklist = load_checklist()
    reports = [
        audit_text("model: {name: A, size: 1B, version: v}\ncompute: {gpu_hours: 3}\n", checklist),
        audit_text("model: {name: B}\n", checklist),
        audit_text("regime: agentic\n", checklist),
    ]
    reports[2].findings[0] = replace(reports[2].findings[0], status=Status.not_applicable)
    summary = summarize(reports, checklist)
    assert (summary.papers, summary.passed) == (3, 0)
    first = summary.rows[0]
    assert (first.met, first.partial, first.missing, first.not_applicable) == (1, 1, 0, 1)
    gpu = next(r for r in summary.rows if r.item.id == "gpu-hours")
    assert (gpu.met, gpu.partial, gpu.missing, gpu.not_applicable) == (1, 0, 2, 0)
    assert [r.item.number for r in summary.rows] == list(range(1, 15))
