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


_MODULES_PROBE = """
import json, sys
from cactl.cli.app import app
try:
    app(args=sys.argv[2:], prog_name="cactl", standalone_mode=False)
except SystemExit:
    pass
with open(sys.argv[1], "w") as handle:
    json.dump(sorted(sys.modules), handle)
"""


def modules_imported_by(*args: str, tmp_dir: str) -> set[str]:
    """The modules a fresh interpreter has imported after running ``cactl ARGS``."""
    import os
    import subprocess
    import sys

    out_file = os.path.join(tmp_dir, "modules.json")
    completed = subprocess.run(
        [sys.executable, "-c", _MODULES_PROBE, out_file, *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert os.path.exists(out_file), completed.stderr
    with open(out_file) as handle:
        return set(json.load(handle))


def document_paths(doc: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path into a parsed document (dict keys and list indices), for mutation fuzzing."""
    found = [path]
    if isinstance(doc, dict):
        for key, value in doc.items():
            found += document_paths(value, (*path, key))
    elif isinstance(doc, list):
        for index, value in enumerate(doc):
            found += document_paths(value, (*path, index))
    return found


def value_at(doc: Any, path: tuple[Any, ...]) -> Any:
    """The value of a parsed document at ``path``."""
    for part in path:
        doc = doc[part]
    return doc
