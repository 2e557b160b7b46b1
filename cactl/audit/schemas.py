"""JSON Schemas of cactl's file formats, in a form editors understand (draft-07)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

DRAFT_07 = "http://json-schema.org/draft-07/schema#"


def _retarget(node: Any) -> Any:
    if isinstance(node, dict):
        return {
            key: (
                value.replace("#/$defs/", "#/definitions/")
                if key == "$ref" and isinstance(value, str)
                else _retarget(value)
            )
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_retarget(value) for value in node]
    return node


def json_schema(model: type[BaseModel], *, title: str | None = None) -> dict[str, Any]:
    """The model's JSON Schema as draft-07: ``definitions`` instead of ``$defs``."""
    schema = _retarget(model.model_json_schema())
    definitions = schema.pop("$defs", None)
    document: dict[str, Any] = {"$schema": DRAFT_07}
    if title:
        schema["title"] = title
    document.update(schema)
    if definitions:
        document["definitions"] = definitions
    return document


def paper_schema() -> dict[str, Any]:
    """The schema of paper.yaml (``cactl schema paper``)."""
    from cactl.audit.paper import Paper

    return json_schema(Paper)


def trajectory_schema() -> dict[str, Any]:
    """The schema of one line of a trajectory JSONL file (``cactl schema trajectory``)."""
    from cactl.trajectory.model import Trajectory

    return json_schema(Trajectory, title="cactl trajectory (one JSONL line)")
