"""Input errors as data for the machine-readable formats: one JSON document, SARIF results,
GitHub annotations. The CLI prints one of these on stdout when a command that was asked for
that format exits 2 (the human message still goes to stderr).

Every function returns a string; none prints.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from cactl import __version__
from cactl.errors import (
    CODES,
    MAX_SHOWN,
    CactlError,
    InputError,
    error_list,
    errors_document,
    more_text,
)

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def sarif_uri(path: str) -> str:
    """A file path as a SARIF ``artifactLocation.uri``: forward slashes, percent-encoded
    (RFC 3986: a space is ``%20``, ``#`` and ``?`` are not taken for a fragment or a query)."""
    name = path.replace("\\", "/")
    try:  # a name's undecodable bytes (os.fsdecode's surrogate escapes) are its bytes again
        raw = name.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a lone surrogate that names no byte
        raw = name.encode("utf-8", "backslashreplace")
    return quote(raw, safe="/:@!$&'()*+,;=-._~")


def errors_json(error: CactlError) -> str:
    """``{"errors": [...], "count": N}`` (see :func:`cactl.errors.errors_document`)."""
    return json.dumps(errors_document(error), indent=2, ensure_ascii=False) + "\n"


def _location(error: InputError) -> dict[str, Any]:
    region: dict[str, int] = {"startLine": error.line or 1}
    if error.column is not None:
        region["startColumn"] = error.column
    return {
        "physicalLocation": {
            "artifactLocation": {"uri": sarif_uri(error.file or "<input>")},
            "region": region,
        }
    }


def errors_sarif(error: CactlError) -> str:
    """A SARIF 2.1.0 log with one result per input error; the rule is the error's code."""
    errors = error_list(error)[:MAX_SHOWN]
    codes = sorted({e.code for e in errors})
    rules = [
        {"id": code, "shortDescription": {"text": CODES[code]}, "properties": {"kind": "input"}}
        for code in codes
    ]
    results = [
        {
            "ruleId": e.code,
            "ruleIndex": codes.index(e.code),
            "level": "error",
            "message": {"text": e.render()},
            "locations": [_location(e)],
            "properties": {k: v for k, v in e.to_dict().items() if v not in (None, {})},
        }
        for e in errors
    ]
    log = {
        "version": "2.1.0",
        "$schema": SARIF_SCHEMA,
        "runs": [
            {
                "tool": {"driver": {"name": "cactl", "version": __version__, "rules": rules}},
                "results": results,
                "invocations": [_invocation(error)],
            }
        ],
    }
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


def _invocation(error: CactlError) -> dict[str, Any]:
    """The run's invocation; errors past those listed are a notification ("... and N more")."""
    invocation: dict[str, Any] = {"executionSuccessful": False, "exitCode": error.exit_code}
    more = more_text(error)
    if more:
        invocation["toolExecutionNotifications"] = [{"level": "error", "message": {"text": more}}]
    return invocation


def _gh_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_property(text: str) -> str:
    return _gh_data(text).replace(":", "%3A").replace(",", "%2C")


def errors_github(error: CactlError) -> str:
    """``::error file=..,line=..,col=..,title=..::message`` lines, one per input error."""
    lines = []
    for e in error_list(error)[:MAX_SHOWN]:
        props = []
        if e.file is not None:
            props.append(f"file={_gh_property(e.file)}")
        if e.line is not None:
            props.append(f"line={e.line}")
            if e.column is not None:
                props.append(f"col={e.column}")
        props.append(f"title={_gh_property(f'cactl {e.code}')}")
        lines.append(f"::error {','.join(props)}::{_gh_data(e.render())}")
    more = more_text(error)
    if more:
        lines.append(f"::error title={_gh_property('cactl')}::{_gh_data(more)}")
    return "\n".join(lines) + "\n"


#: How an exit 2 is reported on stdout for each ``--format`` that is read by programs.
ERROR_FORMATS: dict[str, Callable[[CactlError], str]] = {
    "json": errors_json,
    "sarif": errors_sarif,
    "github": errors_github,
}
