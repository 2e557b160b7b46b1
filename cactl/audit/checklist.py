"""Checklists as data: items with a group, a priority, the regimes they apply to, and a rule.

A rule is an ordered list of outcomes; the first whose condition holds decides the status
(met, partial, missing or not-applicable) and gives the reason. When none holds, the item is
missing, with the item's ``missing`` reason. Conditions use the closed vocabulary of
:mod:`cactl.audit.rules`; every field they name is checked against the paper schema at load.
The models build their validators when a checklist file is first validated (``defer_build``): a
built-in checklist comes validated from the cache.
"""

from __future__ import annotations

import sys
from enum import Enum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from cactl.audit.rules import Condition, RuleParser, resolve_shape
from cactl.errors import raise_all
from cactl.resources import resolve
from cactl.vocab import Setting
from cactl.yamlsrc import load_yaml_text, validation_errors

DEFAULT_CHECKLIST = "ca-reporting"


class Status(str, Enum):
    """The verdict on one checklist item."""

    met = "met"
    partial = "partial"
    missing = "missing"
    not_applicable = "not-applicable"
    not_checked = "not-checked"


class Priority(str, Enum):
    required = "required"
    recommended = "recommended"


class Compliance(BaseModel):
    """A literature-wide compliance figure (e.g. the survey's 0 of 41)."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    met: int = Field(ge=0)
    total: int = Field(ge=1)
    source: str


class Outcome(BaseModel):
    """One branch of a rule: when the condition holds, the item gets this status."""

    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True, defer_build=True)

    status: Status
    when: Any = Field(description="A condition (see cactl.audit.rules).")
    reason: str = Field(min_length=1)
    note: str | None = Field(
        None, description="A remark shown with the finding (e.g. what would be better)."
    )
    at: str | None = Field(None, description="Field the finding points at (default: the item's).")
    condition: Condition | None = Field(None, exclude=True)


class Item(BaseModel):
    """One checklist requirement."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    number: int = Field(ge=1)
    group: str
    priority: Priority
    requirement: str
    regimes: list[Setting] = Field(min_length=1)
    field: str = Field(description="The paper field a finding points at.")
    outcomes: list[Outcome] = Field(min_length=1)
    missing: str = Field(description="Reason when no outcome holds.")
    compliance: Compliance | None = None
    reads: list[str] = Field(default_factory=list, exclude=True)


class Checklist(BaseModel):
    """A whole checklist file."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    version: str
    title: str
    source: str | None = None
    placeholders: list[str] = Field(
        default_factory=list,
        description="Text this checklist also treats as empty, next to the built-in list.",
    )
    items: list[Item] = Field(min_length=1)

    @field_validator("version", mode="before")
    @classmethod
    def _version_text(cls, value: Any) -> Any:
        return (
            str(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else value
        )


def parse_checklist(text: str, file: str) -> Checklist:
    """Validate a checklist document: its structure, its rules, and every field they name."""

    data, positions = load_yaml_text(text, file)
    if not isinstance(data, dict):
        raise positions.error((), "a checklist must be a mapping", expected="a mapping")
    try:
        checklist = Checklist.model_validate(data)
    except ValidationError as exc:
        raise validation_errors(exc, positions, Checklist) from None
    parser = RuleParser(positions)
    seen: dict[str, int] = {}
    numbers: dict[int, int] = {}
    for index, item in enumerate(checklist.items):
        at = ("items", index)
        if item.id in seen:
            parser.error(
                (*at, "id"), f"duplicate item id {item.id!r} (also item {seen[item.id] + 1})"
            )
        seen.setdefault(item.id, index)
        if item.number in numbers:
            parser.error((*at, "number"), f"duplicate item number {item.number}")
        numbers.setdefault(item.number, index)
        shape, problem = resolve_shape(parser.root, item.field)
        if shape is None:
            parser.error((*at, "field"), problem)
        parser.template(item.missing, (*at, "missing"))
        reads: list[str] = []
        for j, outcome in enumerate(item.outcomes):
            where = (*at, "outcomes", j)
            outcome.condition = parser.condition(outcome.when, (*where, "when"))
            reads.extend(outcome.condition.reads())
            parser.template(outcome.reason, (*where, "reason"))
            if outcome.note is not None:
                parser.template(outcome.note, (*where, "note"))
            if outcome.at is not None:
                shape, problem = resolve_shape(parser.root, outcome.at)
                if shape is None:
                    parser.error((*where, "at"), problem)
        item.reads = list(dict.fromkeys([item.field, *reads]))
    raise_all(parser.errors)
    return checklist


def load_checklist(name_or_path: str = DEFAULT_CHECKLIST) -> Checklist:
    """A built-in checklist by name (``ca-reporting``) or a checklist file by path.

    A built-in one is validated once per change of its file or of the code that validates it,
    and read back from cactl's cache (:mod:`cactl.cache`) after that; a file is validated on
    every load."""
    source = resolve("checklists", name_or_path, what="checklist")
    if not source.builtin:
        return parse_checklist(source.text, source.name)
    file = f"checklists/{source.name}.yaml"
    from cactl import vocab, yamlsrc
    from cactl.audit import paper, rules
    from cactl.cache import cached

    return cached(
        "checklist_" + source.name.replace("-", "_"),
        f"{file}\0{source.text}",
        [sys.modules[__name__], rules, paper, vocab, yamlsrc],
        lambda: parse_checklist(source.text, file),
    )
