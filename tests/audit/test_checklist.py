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
    assert (checklist.id, checklist.version) == ("ca-reporting", "2.0.0")
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
    copy.write_text(source.read_text(encoding="utf-8").replace('"2.0.0"', '"venue-1"'))
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
    (
        "base-model",
        "model: {name: M-7B, size: 7B}",
        "partial",
        "(7B) is named, but not its release",
    ),
    ("base-model", "model: {name: M-7B, version: v1}", "partial", "but not its parameter count"),
    ("base-model", "model: {name: M-7B}", "partial", "neither its parameter count nor its version"),
    ("base-model", "model: {size: 7B}", "partial", "a size or version is given, but no model name"),
    ("base-model", "model: {where: Sec. 2}", "missing", "no base model"),
    ("training-data", "data: {source: S, size: 1k, filtering: F}", "met", "1k from S"),
    ("training-data", "data: {source: S, size: 1k}", "partial", "but the filtering is not stated"),
    ("training-data", "data: {source: S, filtering: F}", "partial", "but not how much data"),
    ("training-data", "data: {source: S}", "partial", "neither its size nor its filtering"),
    ("training-data", "data: {size: 1k, filtering: F}", "partial", "not where the data comes from"),
    ("training-data", "data: {size: 1k}", "partial", "neither the source nor the filtering"),
    ("training-data", "data: {filtering: F}", "partial", "neither the source nor the size"),
    ("training-data", "data: {}", "missing", "not described"),
    ("credit-granularity", "method: {granularity: [step, turn]}", "met", "step, turn level"),
    (
        "credit-granularity",
        "regime: multi-agent\nmethod: {granularity: turn}",
        "partial",
        "split across agents",
    ),
    ("credit-granularity", "regime: multi-agent\nmethod: {granularity: multi-agent}", "met", ""),
    (
        "credit-granularity",
        "method: {inventory: GiGPO, granularity: token}",
        "partial",
        "token level here, but the inventory's GiGPO entry says step",
    ),
    ("credit-granularity", "method: {inventory: gigpo, granularity: step}", "met", "step level"),
    (
        "credit-granularity",
        "method: {inventory: GiGPO, granularity: [step, turn]}",
        "met",
        "step, turn level",
    ),
    ("credit-granularity", "method: {name: X}", "missing", "not stated"),
    ("methodology-family", "method: {methodology: monte-carlo}", "met", "monte-carlo"),
    (
        "methodology-family",
        "method: {methodology: monte-carlo, methodology_source: paper}",
        "met",
        "monte-carlo",
    ),
    (
        "methodology-family",
        "method: {methodology: monte-carlo, methodology_source: auditor}",
        "partial",
        "assigned by the auditor",
    ),
    (
        "methodology-family",
        "method: {inventory: HICRA, methodology: monte-carlo}",
        "partial",
        "monte-carlo here, but the inventory's HICRA entry says information-theoretic",
    ),
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
        "on another base model than the method's (M)",
    ),
    (
        "episode-level-baseline",
        "model: {name: M}\nbaselines: [{name: PPO, family: actor-critic}]",
        "partial",
        "its base model is not stated",
    ),
    (
        "episode-level-baseline",
        "baselines: [{name: DPO, family: preference}, {name: ReAct, family: prompting}]",
        "missing",
        "baselines (DPO, ReAct) include no episode-level one",
    ),
    ("episode-level-baseline", "model: {name: M}", "missing", "no baseline"),
    (
        "compute-controlled-baseline",
        "baselines: [{family: group-relative, compute: matched}]",
        "met",
        "same compute",
    ),
    (
        "compute-controlled-baseline",
        "baselines: [{family: actor-critic, compute: compared}]",
        "met",
        "side by side",
    ),
    (
        "compute-controlled-baseline",
        "baselines: [{family: group-relative, compute: same-steps}]",
        "partial",
        "matched in training steps, not in compute",
    ),
    (
        "compute-controlled-baseline",
        "baselines: [{family: group-relative, compute: same-samples}]",
        "partial",
        "matched in environment samples (data), not in compute",
    ),
    (
        "compute-controlled-baseline",
        "baselines: [{family: group-relative, compute: not-controlled}]",
        "missing",
        "states that the episode-level baseline's compute is not controlled",
    ),
    (
        "compute-controlled-baseline",
        "baselines: [{family: group-relative}, {family: preference, compute: matched}]",
        "missing",
        "only baselines that are not episode-level",
    ),
    (
        "compute-controlled-baseline",
        "baselines: [{compute: matched}]",
        "missing",
        "no episode-level baseline (item 5)",
    ),
    (
        "compute-controlled-baseline",
        "baselines: [{name: GRPO, family: group-relative}]",
        "missing",
        "neither matched nor compared",
    ),
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
        "evaluation: {benchmarks: [{name: A, split: test}, {name: B}, {name: C}]}",
        "partial",
        "benchmarks named, but no split for B, C",
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
    (
        "metric-definition",
        "evaluation: {metrics: [{name: acc}, {name: f1, definition: d}]}",
        "partial",
        "no definition of acc",
    ),
    ("metric-definition", "evaluation: {seeds: 3}", "missing", "no evaluation metric"),
    ("variance", "evaluation: {variance: std, seeds: 3}", "met", "std over 3 seeds"),
    ("variance", "evaluation: {variance: stderr, seeds: 5}", "met", "stderr over 5 seeds"),
    (
        "variance",
        "evaluation: {variance: confidence-interval, seeds: 4}",
        "met",
        "confidence intervals over 4 seeds",
    ),
    ("variance", "evaluation: {variance: confidence-interval}", "met", "confidence intervals"),
    (
        "variance",
        "evaluation: {variance: confidence-interval, seeds: 1}",
        "partial",
        "from a single training run",
    ),
    ("variance", "evaluation: {variance: std, seeds: 2}", "partial", "2 seed(s): fewer than 3"),
    ("variance", "evaluation: {variance: stderr}", "partial", "not over how many seeds"),
    (
        "variance",
        "evaluation: {variance: central, seeds: 3}",
        "partial",
        "3 seeds, but only a central value",
    ),
    ("variance", "evaluation: {seeds: 5}", "partial", "5 seeds, but only a central value"),
    ("variance", "evaluation: {variance: none, seeds: 4}", "partial", "only a central value"),
    ("variance", "evaluation: {variance: central}", "partial", "not over how many seeds"),
    ("variance", "evaluation: {seeds: 2}", "partial", "2 seeds: fewer than 3, and no spread"),
    (
        "variance",
        "evaluation: {variance: sampling}",
        "partial",
        "inside one training run (avg@k, pass@k)",
    ),
    ("variance", "evaluation: {seeds: 1}", "missing", "no spread over seeds"),
    ("variance", "evaluation: {variance: none}", "missing", "no spread over seeds"),
    ("gpu-hours", "compute: {gpu_hours: 100}", "met", "100 GPU-hours"),
    ("gpu-hours", "compute: {gpu_hours: 0.01}", "partial", "0.01 GPU-hours is implausible"),
    ("gpu-hours", "compute: {hardware: 8x A100}", "partial", "hardware given (8x A100)"),
    ("gpu-hours", "compute: {}", "missing", "not reported"),
    (
        "ca-overhead",
        "compute: {ca_overhead: {extra_forward_passes_per_sample: 4}}",
        "met",
        "4 extra forward passes per sample",
    ),
    (
        "ca-overhead",
        "compute: {ca_overhead: {environment_resets_per_sample: 0.5}}",
        "met",
        "0.5 extra environment resets per sample",
    ),
    (
        "ca-overhead",
        "compute: {ca_overhead: {llm_calls_per_sample: 0}}",
        "met",
        "0 extra LLM calls per sample",
    ),
    (
        "ca-overhead",
        "compute: {ca_overhead: {wall_clock_overhead_percent: 12}}",
        "met",
        "wall-clock overhead: 12%",
    ),
    (
        "ca-overhead",
        "compute: {ca_overhead: {gpu_hours_overhead: 30}}",
        "met",
        "30 GPU-hours",
    ),
    (
        "ca-overhead",
        "compute: {ca_overhead: {extra_forward_passes: four, environment_resets: one, llm_calls: two}}",
        "partial",
        "described without a number",
    ),
    ("ca-overhead", "compute: {ca_overhead: {note: cheap}}", "partial", "without a number"),
    ("ca-overhead", "compute: {gpu_hours: 3}", "missing", "not reported"),
    (
        "trajectory-length",
        "regime: reasoning\ntrajectories: {unit: tokens, mean: 812.0}",
        "met",
        "average 812 tokens",
    ),
    (
        "trajectory-length",
        "regime: agentic\ntrajectories: {turns: {mean: 6.5}, tokens: {mean: 3000}}",
        "met",
        "average 6.5 turns",
    ),
    (
        "trajectory-length",
        "regime: agentic\ntrajectories: {unit: turns, cap: 50}",
        "partial",
        "a cap of 50 turns is a limit, not a length",
    ),
    (
        "trajectory-length",
        "regime: reasoning\ntrajectories: {tokens: {cap: 8192}}",
        "partial",
        "a cap of 8192 tokens is a limit, not a length",
    ),
    (
        "trajectory-length",
        "regime: reasoning\ntrajectories: {unit: tokens, median: 700, max: 9000}",
        "partial",
        "median 700 tokens, but no average",
    ),
    (
        "trajectory-length",
        "regime: agentic\ntrajectories: {unit: turns, max: 31}",
        "partial",
        "max 31 turns), but no average",
    ),
    (
        "trajectory-length",
        "regime: agentic\ntrajectories: {unit: tokens, mean: 9000}",
        "partial",
        "lengths in tokens only",
    ),
    (
        "trajectory-length",
        "regime: reasoning\ntrajectories: {unit: turns, mean: 3}",
        "partial",
        "lengths in turns only",
    ),
    (
        "trajectory-length",
        "trajectories: {unit: tokens, mean: 900}",
        "partial",
        "regime is not stated",
    ),
    (
        "trajectory-length",
        "regime: agentic\ntrajectories: {mean: 9}",
        "partial",
        "without its unit",
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
        "trajectories: {unit: turns, min: 1, median: 5, max: 9}",
        "met",
        "min 1, median 5, max 9 turns",
    ),
    (
        "length-distribution",
        "trajectories: {tokens: {min: 10, median: 500, max: 4000}}",
        "met",
        "min 10, median 500, max 4000 tokens",
    ),
    (
        "length-distribution",
        "trajectories: {unit: turns, max: 9, cap: 10}",
        "partial",
        "min ?, median ?, max 9 turns",
    ),
    (
        "length-distribution",
        "trajectories: {unit: turns, min: 1, median: 5, cap: 9}",
        "partial",
        "min 1, median 5, max ? turns",
    ),
    (
        "length-distribution",
        "trajectories: {turns: {cap: 50}}",
        "missing",
        "only a cap is given",
    ),
    ("length-distribution", "trajectories: {unit: turns, mean: 9}", "missing", "not reported"),
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


def test_builtin_checklists_come_from_the_cache_as_they_parse(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cactl.audit.checklist import parse_checklist
    from cactl.resources import read_builtin

    monkeypatch.setenv("CACTL_CACHE_DIR", str(tmp_path))
    for name in ["ca-reporting", "survey-table12"]:
        cold = load_checklist(name)
        warm = load_checklist(name)
        fresh = parse_checklist(read_builtin("checklists", name), f"checklists/{name}.yaml")
        assert warm == cold == fresh and warm is not cold
        assert [item.reads for item in warm.items] == [item.reads for item in fresh.items]
    # one entry per checklist: loading one does not evict the other
    assert sorted(p.name.split("-")[0] for p in tmp_path.glob("*.pickle")) == [
        "checklist_ca_reporting",
        "checklist_survey_table12",
    ]
