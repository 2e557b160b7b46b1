"""``./dev demo``: the main job on built-in data, as a newcomer would run it.

Runs the public commands one after the other, printing each command line first, so the demo
doubles as a tour: the survey's methods, an audit of an example paper, a recommendation, and
a trial of estimators on a controlled task.
"""

from __future__ import annotations

import shlex
import sys

from typer.testing import CliRunner

STEPS: list[tuple[str, list[str]]] = [
    ("The 47 surveyed methods on the survey's grid", ["methods", "grid"]),
    (
        "Agentic methods that use Monte Carlo credit",
        ["methods", "list", "--setting", "agentic", "--methodology", "monte-carlo"],
    ),
]


def main() -> int:
    from cactl.cli.app import app

    runner = CliRunner()
    worst = 0
    for title, args in STEPS:
        sys.stdout.write(f"\n== {title}\n$ cactl {shlex.join(args)}\n")
        sys.stdout.flush()
        result = runner.invoke(app, args, catch_exceptions=False)
        sys.stdout.write(result.stdout)
        sys.stderr.write(result.stderr)
        # Exit 1 is a finding (an audit that fails), part of the demo; 2 is a broken demo.
        if result.exit_code >= 2:
            worst = result.exit_code
    return worst


if __name__ == "__main__":
    raise SystemExit(main())
