"""Start-up time of cactl's everyday commands against importing its four dependencies.

A paired runner: each round runs the baseline (``python -c "import typer, rich, pydantic,
yaml"``) and every command once, in an order that rotates from round to round, so that a busy
machine slows all of them alike; it reports each one's median wall time and its ratio to the
baseline's median (the issue's target: at most 1.5x), plus the median of the per-round ratios.
A fourth reference row, the smallest typer application (one command, one option), shows the
floor that typer itself sets: since 0.26 typer converts every parameter through pydantic, so
any typer command pays for importing pydantic's model machinery, which the baseline's lazy
``import pydantic`` does not. Wall time and CPU time (user + system, less sensitive to other
processes on the machine) are both reported. Not a test: timings depend on the machine, so CI
does not run it.

    .venv/bin/python benchmarks/startup.py             # 21 rounds
    .venv/bin/python benchmarks/startup.py --rounds 41 --max-ratio 1.5   # exit 1 above 1.5x
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BASELINE = "python -c 'import typer, rich, pydantic, yaml'"
FLOOR = "a one-option typer app (reference)"
FLOOR_CODE = """
import typer
app = typer.Typer()
@app.command()
def main(name: str = typer.Option("x", "--name")) -> None:
    pass
app()
"""


def _cactl() -> list[str]:
    script = Path(sys.executable).parent / "cactl"
    return [str(script)] if script.exists() else [sys.executable, "-m", "cactl"]


def commands() -> dict[str, list[str]]:
    cactl = _cactl()
    return {
        BASELINE: [sys.executable, "-c", "import typer, rich, pydantic, yaml"],
        FLOOR: [sys.executable, "-c", FLOOR_CODE],
        "cactl --version": [*cactl, "--version"],
        "cactl audit examples/papers/gigpo.yaml": [*cactl, "audit", "examples/papers/gigpo.yaml"],
        "cactl methods list": [*cactl, "methods", "list"],
    }


#: The commands' environment: bytecode is written (an installed cactl has its ``.pyc`` files
#: from pip; ``PYTHONDONTWRITEBYTECODE=1``, as some shells set it, would time compiling cactl's
#: sources on every run), and cactl's cache of parsed data is the user's own.
ENV = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}


def once(argv: list[str]) -> tuple[float, float]:
    """Wall and CPU time of one run; a run that fails with exit 2 stops the benchmark."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    completed = subprocess.run(argv, cwd=REPO, env=ENV, capture_output=True, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if completed.returncode not in (0, 1):  # audit exits 1 for a paper that misses items
        raise SystemExit(f"{' '.join(argv)} exited {completed.returncode}: {completed.stderr!r}")
    return wall, cpu


Times = dict[str, list[tuple[float, float]]]


def measure(rounds: int) -> Times:
    table = commands()
    names = list(table)
    for name in names:  # warm-up: the OS file cache, bytecode, and cactl's cache of parsed data
        once(table[name])
    times: Times = {name: [] for name in names}
    for number in range(rounds):
        shift = number % len(names)
        for name in names[shift:] + names[:shift]:
            times[name].append(once(table[name]))
    return times


def report(times: Times) -> tuple[str, float]:
    base = times[BASELINE]
    base_wall = statistics.median(w for w, _ in base)
    base_cpu = statistics.median(c for _, c in base)
    lines = [
        f"{len(base)} rounds, Python {sys.version.split()[0]}, {os.cpu_count()} CPUs",
        "",
        "| command | wall median (ms) | ratio | paired ratio | CPU median (ms) | CPU ratio |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    worst = 0.0
    for name, values in times.items():
        wall = statistics.median(w for w, _ in values)
        cpu = statistics.median(c for _, c in values)
        paired = statistics.median(w / b for (w, _), (b, _) in zip(values, base, strict=True))
        if name not in (BASELINE, FLOOR):
            worst = max(worst, wall / base_wall)
        lines.append(
            f"| {name if name == FLOOR else f'`{name}`'} | {wall * 1000:.0f} | "
            f"{wall / base_wall:.2f}x | {paired:.2f}x | {cpu * 1000:.0f} | {cpu / base_cpu:.2f}x |"
        )
    return "\n".join(lines), worst


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=21, help="paired rounds (default 21)")
    parser.add_argument("--max-ratio", type=float, help="exit 1 when a ratio of medians exceeds it")
    options = parser.parse_args()
    text, worst = report(measure(options.rounds))
    print(text)
    if options.max_ratio is not None and worst > options.max_ratio:
        print(f"slowest command: {worst:.2f}x the baseline (limit {options.max_ratio}x)")
        raise SystemExit(1)


if __name__ == "__main__":
    main()
