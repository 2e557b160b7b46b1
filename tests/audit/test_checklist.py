"""The built-in checklist and checklist loading: structure, load-time errors with locations,
and every item's rule on met, partial, missing and not-applicable cases."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cactl.audit.checklist import Priority, Status, load_checklist
from cactl.errors import InputError, InputErrors
from cactl.vocab import Setting
from tests.audit.helpers import audit_text, checklist_text


def test_builtin_checklist_has_the_surveys_14_items() -> None:
    checklist = load_checklist()
    assert (checklist.id, checklist.version) == ("ca-reporting", "1.0.0")
    assert [item.number for item in checklist.items] == list(range(1, 15))
    groups = list(dict.fromkeys(item.group for item in checklist.items))
    assert groups == [
        "Model & data",
        "CA method",
        "Baselines",
        "Evaluation",
        "Compute",
        "Trajectory info",
    ]
    recommended = [i.number for i in checklist.items if i.priority is Priority.recommended]
    assert recommended == [7, 10, 12, 14]  # the survey's item table
    figures = {
        i.number: (i.compliance.met, i.compliance.total) for i in checklist.items if i.compliance
    }
    assert figures == {6: (0, 41), 10: (2, 41), 11: (0, 41)}
    assert len({i.id for i in checklist.items}) == 14


def test_checklist_by_path(tmp_path: Path) -> None:
    source = Path(__file__).resolve().parents[2] / "checklists" / "ca-reporting.yaml"
    copy = tmp_path / "venue.yaml"
    copy.write_text(source.read_text(encoding="utf-8").replace('"1.0.0"', '"venue-1"'))
    assert load_checklist(str(copy)).version == "venue-1"


def test_unknown_checklist_name_suggests() -> None:
    with pytest.raises(InputError) as caught:
        load_checklist("ca-reportin")
    assert caught.value.hint is not None and "ca-reporting" in caught.value.hint


CUSTOM = """\
id: venue
version: 2
title: Venue checklist
items:
  - id: gpu
    number: 1
    group: Compute
    priority: required
    requirement: GPU-hours.
    regimes: [reasoning]
    field: compute.gpu_hours
    outcomes:
      - status: met
        when: {present: compute.gpu_hours}
        reason: "{compute.gpu_hours} h"
    missing: no GPU-hours
"""


def test_custom_checklist_loads_and_version_is_text() -> None:
    checklist = checklist_text(CUSTOM)
    assert checklist.version == "2"
    report = audit_text("regime: reasoning\ncompute: {gpu_hours: 12.5}\n", checklist)
    assert [(f.status, f.reason) for f in report.findings] == [(Status.met, "12.5 h")]


def test_rule_naming_a_missing_field_is_a_located_load_error() -> None:
    text = CUSTOM.replace("when: {present: compute.gpu_hours}", "when: {present: compute.gpu_hour}")
    with pytest.raises(InputError) as caught:
        checklist_text(text)
    error = caught.value
    assert (error.file, error.line, error.column) == ("custom.yaml", 14, 25)
    assert "compute.gpu_hour" in error.message and "gpu_hours" in error.message


def test_every_checklist_error_at_once() -> None:
    text = (
        CUSTOM.replace("field: compute.gpu_hours", "field: compute.gpus")
        .replace('reason: "{compute.gpu_hours} h"', 'reason: "{compute.gpu} h"')
        .replace("regimes: [reasoning]", "regimes: [reasoning]\n    extra: 1")
    )
    # structural errors (pydantic) come first and alone
    with pytest.raises(InputErrors) as structural:
        checklist_text(text)
    (only,) = structural.value.errors
    assert "unknown key 'extra'" in only.message and only.line == 11
    text = text.replace("\n    extra: 1", "")
    with pytest.raises(InputErrors) as many:
        checklist_text(text)
    lines = sorted(e.line for e in many.value.errors if e.line is not None)
    assert lines == [11, 15]


def test_duplicate_ids_and_numbers_are_errors() -> None:
    second = CUSTOM.split("items:\n", 1)[1]
    with pytest.raises(InputErrors) as caught:
        checklist_text(CUSTOM + second)
    messages = [e.message for e in caught.value.errors]
    assert any("duplicate item id 'gpu'" in m for m in messages)
    assert any("duplicate item number 1" in m for m in messages)


# ----------------------------------------------------------------------------------------
# Every item of the built-in checklist, case by case

CASES: list[tuple[str, str, str, str]] = [
    # (item, paper YAML, status, words of the reason)
    ("base-model", "model: {name: M-7B, size: 7B, version: v1}", "met", "M-7B, 7B, version v1"),
    ("base-model", "model: {name: M-7B}", "partial", "size or version"),
    ("base-model", "model: {size: 7B}", "missing", "no base model"),
    ("training-data", "data: {source: S, size: 1k, filtering: F}", "met", "1k from S"),
    ("training-data", "data: {source: S}", "partial", "source given (S)"),
    ("training-data", "data: {size: 1k}", "partial", "not where the data comes from"),
    ("training-data", "data: {}", "missing", "not described"),
    ("credit-granularity", "method: {granularity: [step, turn]}", "met", "step, turn level"),
    (
        "credit-granularity",
        "regime: multi-agent\nmethod: {granularity: turn}",
        "partial",
        "split across agents",
    ),
    ("credit-granularity", "regime: multi-agent\nmethod: {granularity: multi-agent}", "met", ""),
    ("credit-granularity", "method: {name: X}", "missing", "not stated"),
    ("methodology-family", "method: {methodology: monte-carlo}", "met", "monte-carlo"),
    ("methodology-family", "method: {name: X}", "missing", "not stated"),
    (
        "episode-level-baseline",
        "model: {name: M}\nbaselines: [{name: GRPO, family: group-relative, base_model: m}]",
        "met",
        "same base model (M)",
    ),
    (
        "episode-level-baseline",
        "model: {name: M}\nbaselines: [{name: PPO, family: actor-critic, base_model: N}]",
        "partial",
        "another or an unstated base model",
    ),
    (
        "episode-level-baseline",
        "baselines: [{name: DPO, family: preference}, {name: ReAct, family: prompting}]",
        "missing",
        "baselines (DPO, ReAct) include no episode-level one",
    ),
    ("episode-level-baseline", "model: {name: M}", "missing", "no baseline"),
    ("compute-controlled-baseline", "baselines: [{compute: matched}]", "met", "matched"),
    ("compute-controlled-baseline", "baselines: [{compute: compared}]", "met", ""),
    (
        "compute-controlled-baseline",
        "baselines: [{compute: same-steps}]",
        "partial",
        "same training steps",
    ),
    ("compute-controlled-baseline", "baselines: [{compute: not-controlled}]", "missing", "states"),
    ("compute-controlled-baseline", "baselines: [{name: GRPO}]", "missing", "no baseline is"),
    (
        "ca-ablation",
        "ablations: [{component: a, isolates_ca: false}, {component: b, isolates_ca: true}]",
        "met",
        "",
    ),
    (
        "ca-ablation",
        "ablations: [{component: lr, isolates_ca: false}]",
        "partial",
        "ablations (lr)",
    ),
    ("ca-ablation", "ablations: [{component: lr}]", "partial", "do not isolate"),
    ("ca-ablation", "model: {name: M}", "missing", "no ablation"),
    (
        "benchmarks-and-splits",
        "evaluation: {benchmarks: [{name: A, split: test}, {name: B, split: dev}]}",
        "met",
        "A, B, each with its split",
    ),
    (
        "benchmarks-and-splits",
        "evaluation: {benchmarks: [{name: A, split: test}, {name: B}]}",
        "partial",
        "benchmarks named (A, B)",
    ),
    (
        "benchmarks-and-splits",
        "evaluation: {benchmarks: [{split: test}]}",
        "missing",
        "no benchmark",
    ),
    (
        "metric-definition",
        "evaluation: {metrics: [{name: acc, definition: d}]}",
        "met",
        "acc, each defined",
    ),
    ("metric-definition", "evaluation: {metrics: [{name: acc}]}", "partial", "not every one"),
    ("metric-definition", "evaluation: {seeds: 3}", "missing", "no evaluation metric"),
    ("variance", "evaluation: {variance: confidence-interval}", "met", "confidence intervals"),
    ("variance", "evaluation: {variance: std, seeds: 3}", "met", "std over 3 seeds"),
    ("variance", "evaluation: {variance: std, seeds: 2}", "partial", "2 seed(s): fewer than 3"),
    ("variance", "evaluation: {seeds: 1}", "partial", "1 seed(s)"),
    ("variance", "evaluation: {variance: stderr}", "partial", "not over how many seeds"),
    ("variance", "evaluation: {variance: sampling}", "partial", "no spread over training runs"),
    ("variance", "evaluation: {variance: none}", "missing", "no variance"),
    ("gpu-hours", "compute: {gpu_hours: 100}", "met", "100 GPU-hours"),
    ("gpu-hours", "compute: {hardware: 8x A100}", "partial", "hardware given (8x A100)"),
    ("gpu-hours", "compute: {}", "missing", "not reported"),
    (
        "ca-overhead",
        "compute: {ca_overhead: {extra_forward_passes: '4', environment_resets: '0', llm_calls: none}}",
        "met",
        "",
    ),
    ("ca-overhead", "compute: {ca_overhead: {llm_calls: '2 per step'}}", "partial", "in part"),
    ("ca-overhead", "compute: {ca_overhead: {note: cheap}}", "partial", "in part"),
    ("ca-overhead", "compute: {gpu_hours: 3}", "missing", "not reported"),
    (
        "trajectory-length",
        "regime: reasoning\ntrajectories: {unit: tokens, mean: 812.0}",
        "met",
        "average 812 tokens",
    ),
    (
        "trajectory-length",
        "regime: agentic\ntrajectories: {unit: turns, max: 50}",
        "met",
        "at most 50 turns; an average is better",
    ),
    (
        "trajectory-length",
        "regime: reasoning\ntrajectories: {unit: tokens, median: 700, max: 9000}",
        "met",
        "median 700 tokens; an average is better",
    ),
    (
        "trajectory-length",
        "regime: agentic\ntrajectories: {unit: tokens, mean: 9000}",
        "partial",
        "wrong unit",
    ),
    (
        "trajectory-length",
        "regime: reasoning\ntrajectories: {unit: turns, mean: 3}",
        "partial",
        "wrong unit",
    ),
    (
        "trajectory-length",
        "trajectories: {unit: tokens, mean: 900}",
        "partial",
        "regime is not stated",
    ),
    (
        "trajectory-length",
        "regime: reasoning\ntrajectories: {unit: tokens, where: Fig. 2}",
        "partial",
        "no number",
    ),
    ("trajectory-length", "regime: reasoning", "missing", "not reported"),
    (
        "length-distribution",
        "trajectories: {min: 1, median: 5, max: 9}",
        "met",
        "min 1, median 5, max 9",
    ),
    ("length-distribution", "trajectories: {max: 9}", "partial", "min ?, median ?, max 9"),
    ("length-distribution", "trajectories: {mean: 9}", "missing", "not reported"),
]


@pytest.mark.parametrize(("item", "paper", "status", "words"), CASES)
def test_item_rule(item: str, paper: str, status: str, words: str) -> None:
    finding = next(f for f in audit_text(paper + "\n").findings if f.item.id == item)
    assert finding.status.value == status
    assert words in finding.reason


def test_every_item_has_met_and_missing_cases_and_most_partial() -> None:
    seen: dict[str, set[str]] = {}
    for item, _, status, _ in CASES:
        seen.setdefault(item, set()).add(status)
    ids = [i.id for i in load_checklist().items]
    assert set(seen) == set(ids)
    assert all({"met", "missing"} <= seen[i] for i in ids)
    # every item with a partial outcome is tested on it
    with_partial = {
        i.id for i in load_checklist().items if any(o.status is Status.partial for o in i.outcomes)
    }
    assert all("partial" in seen[i] for i in with_partial)


@pytest.mark.parametrize("regime", [s.value for s in Setting])
def test_every_item_is_not_applicable_outside_its_regimes(regime: str) -> None:
    checklist = load_checklist()
    others = [s for s in Setting if s.value != regime]
    for item in checklist.items:
        item.regimes = others
    report = audit_text(f"regime: {regime}\nmodel: {{name: M, size: 1B, version: v}}\n", checklist)
    assert {f.status for f in report.findings} == {Status.not_applicable}
    assert report.passed
    assert report.summary.required_total == 0
    assert f"this one is {regime}" in report.findings[0].reason


def test_regime_unknown_means_every_item_applies() -> None:
    checklist = load_checklist()
    for item in checklist.items:
        item.regimes = [Setting.reasoning]
    report = audit_text("model: {name: M}\n", checklist)
    assert Status.not_applicable not in {f.status for f in report.findings}


BUILTIN_TEXT = (Path(__file__).resolve().parents[2] / "checklists" / "ca-reporting.yaml").read_text(
    encoding="utf-8"
)


@settings(max_examples=60, deadline=None)
@given(
    edits=st.lists(
        st.tuples(
            st.integers(0, len(BUILTIN_TEXT) - 1),
            st.integers(0, 12),
            st.sampled_from(["", ":", "- ", "{", "]", "x", "present", "\n", "[]", "null", "7"]),
        ),
        min_size=1,
        max_size=3,
    )
)
def test_mutated_checklists_load_or_fail_cleanly(edits: list[tuple[int, int, str]]) -> None:
    text = BUILTIN_TEXT
    for at, cut, insert in edits:
        at = min(at, len(text))
        text = text[:at] + insert + text[at + cut :]
    try:
        checklist_text(text, "mutated.yaml")
    except (InputError, InputErrors) as exc:
        errors = exc.errors if isinstance(exc, InputErrors) else [exc]
        assert all(e.file == "mutated.yaml" for e in errors)
