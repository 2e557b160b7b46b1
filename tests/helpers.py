"""Helpers shared by the CLI tests."""

from __future__ import annotations

import json
from typing import Any

from typer.testing import CliRunner, Result

from cactl.cli.app import app


def run(*args: str, input: str | None = None) -> Result:
    """Invoke ``cactl ARGS`` in-process; bugs raise (catch_exceptions=False)."""
    runner = CliRunner()
    return runner.invoke(app, list(args), input=input, catch_exceptions=False)


def run_json(*args: str) -> Any:
    """Invoke a command that must succeed with ``--format json`` output; return the document."""
    result = run(*args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)
