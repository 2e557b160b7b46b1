"""``cactl schema``: the JSON Schemas of cactl's file formats, for editors and other tools."""

from __future__ import annotations

import json
from enum import Enum

import typer

from cactl.cli import console


class SchemaName(str, Enum):
    paper = "paper"
    trajectory = "trajectory"


def schema(
    name: SchemaName = typer.Argument(
        ..., help="paper (paper.yaml) or trajectory (one JSONL line)."
    ),
    output: str | None = typer.Option(
        None, "--output", "-o", metavar="FILE", help="Write the schema to FILE instead of stdout."
    ),
) -> None:
    """Print the JSON Schema (draft-07) of a cactl file format.

    Examples:

      cactl schema paper --output paper.schema.json

      cactl schema trajectory | jq '.properties | keys'
    """
    from cactl.audit.schemas import paper_schema, trajectory_schema

    document = paper_schema() if name is SchemaName.paper else trajectory_schema()
    if output is None:
        console.emit_json(document)
        return
    from cactl.fileio import write_atomic

    write_atomic(output, json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    console.wrote(output)
