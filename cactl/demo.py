"""``./dev demo``: the main job on built-in data, as a newcomer would run it.

Runs the public commands one after the other, printing each command line first, so the demo
doubles as a tour: the survey's methods, an audit of an example paper, a recommendation, and
a trial of the estimators on the controlled tasks.
"""

from __future__ import annotations

import os
import shlex
import sys
import time
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def _flags(flag: str, values: list[str]) -> list[str]:
    return [item for value in values for item in (flag, value)]


RECOMMEND_ANSWERS = [
    "agents=single",
    "regime=agentic",
    "feedback=outcome",
    "branching=no",
    "critic=privileged",
]
TRAIN = [
    "--task",
    "fork",
    *_flags("--param", ["horizon=200", "groups=1"]),
    *_flags("--estimator", ["grpo", "vine"]),
]
SCORED_PAPERS = [str(EXAMPLES / "papers" / f"{name}.yaml") for name in ("hicra", "gigpo", "m-grpo")]

STEPS: list[tuple[str, list[str]]] = [
    ("The 47 surveyed methods on the survey's granularity x methodology grid", ["methods", "grid"]),
    (
        "Audit a paper's reporting against the CA checklist (GiGPO, described from its paper)",
        ["audit", str(EXAMPLES / "papers" / "gigpo.yaml")],
    ),
    (
        "Checklist compliance across the survey's three scored papers (its Table 12)",
        ["audit", "--summary", *SCORED_PAPERS],
    ),
    (
        "A recommendation: agentic, outcome reward only, no branching, a privileged critic",
        ["recommend", *_flags("-a", RECOMMEND_ANSWERS)],
    ),
    ("The built-in credit estimators, one per surveyed mechanism", ["estimators", "list"]),
    ("Which estimators find the decisive step, and at what cost (controlled tasks)", ["trial"]),
    (
        "Learning speed: episode-level (grpo) against step-level (vine) credit, 200-step fork",
        ["trial", *TRAIN, "--train", "30"],
    ),
    (
        "Your own rollouts (no ground truth): credit statistics and agreement",
        ["trial", "--input", str(EXAMPLES / "trajectories" / "rollouts.jsonl")],
    ),
]


def _shorter(arg: str) -> str:
    if not arg.startswith(str(EXAMPLES)):
        return arg
    relative = os.path.relpath(arg)
    return arg if relative.startswith("..") else relative


def main() -> int:
    from cactl.cli.app import app

    worst = 0
    started = time.perf_counter()
    for title, args in STEPS:
        if any(arg.startswith(str(EXAMPLES)) for arg in args) and not EXAMPLES.is_dir():
            sys.stdout.write(f"\n== {title}\n(skipped: examples/ ships with a source checkout)\n")
            continue
        # Example paths relative to the checkout, as a user would type them there.
        args = [_shorter(arg) for arg in args]
        sys.stdout.write(f"\n== {title}\n$ cactl {shlex.join(args)}\n")
        sys.stdout.flush()
        try:
            code = app(args=args, prog_name="cactl", standalone_mode=False)
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        sys.stdout.flush()
        # Exit 1 is a finding (an audit with missing items) and part of the demo; 2 is broken.
        if isinstance(code, int) and code >= 2:
            worst = max(worst, code)
            sys.stderr.write(f"demo: step failed with exit code {code}\n")
    sys.stdout.write(f"\ndemo finished in {time.perf_counter() - started:.1f} s\n")
    return worst


if __name__ == "__main__":
    raise SystemExit(main())
