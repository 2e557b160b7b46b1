"""Auditing one paper against a checklist: a status, a reason and a location per item."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cactl.audit.checklist import Checklist, Item, Priority, Status
from cactl.audit.paper import Paper, load_paper
from cactl.audit.rules import fill
from cactl.errors import CactlError, InputError, InputErrors, raise_all
from cactl.yamlsrc import Positions


@dataclass(frozen=True)
class Finding:
    """The verdict on one checklist item for one paper."""

    item: Item
    status: Status
    reason: str
    line: int | None
    column: int | None
    where: str | None

    @property
    def met(self) -> bool:
        return self.status is Status.met

    def counts(self, strict: bool) -> bool:
        """Whether this item decides pass / fail."""
        if self.status is Status.not_applicable:
            return False
        return self.item.priority is Priority.required or strict


@dataclass(frozen=True)
class Summary:
    required_met: int
    required_total: int
    recommended_met: int
    recommended_total: int


@dataclass
class Report:
    """The audit of one paper file."""

    file: str
    checklist: Checklist
    findings: list[Finding] = field(default_factory=list)
    strict: bool = False

    @property
    def summary(self) -> Summary:
        def count(priority: Priority, met: bool) -> int:
            return sum(
                1
                for f in self.findings
                if f.item.priority is priority
                and f.status is not Status.not_applicable
                and (f.met or not met)
            )

        return Summary(
            required_met=count(Priority.required, True),
            required_total=count(Priority.required, False),
            recommended_met=count(Priority.recommended, True),
            recommended_total=count(Priority.recommended, False),
        )

    @property
    def passed(self) -> bool:
        """Every required item met (and, with ``strict``, every recommended one)."""
        return all(f.met for f in self.findings if f.counts(self.strict))

    @property
    def failures(self) -> list[Finding]:
        """Findings that make the paper fail."""
        return [f for f in self.findings if f.counts(self.strict) and not f.met]


def _split(path: str) -> tuple[str, ...]:
    return tuple(part for part in path.split(".") if part)


def _value(data: Any, path: tuple[str, ...]) -> Any:
    for part in path:
        if not isinstance(data, dict) or part not in data:
            return None
        data = data[part]
    return data


def where_of(data: Any, path: tuple[str, ...]) -> str | None:
    """The paper's own ``where`` pointer for the value at ``path``: on the value itself, on its
    entries (a list), or on the section that holds it. None when the value is not there."""
    value = _value(data, path)
    if value is None:
        return None
    if isinstance(value, dict) and value.get("where") is not None:
        return str(value["where"])
    if isinstance(value, list):
        pointers = [
            str(entry["where"])
            for entry in value
            if isinstance(entry, dict) and entry.get("where") is not None
        ]
        if pointers:
            return "; ".join(dict.fromkeys(pointers))
    for cut in range(len(path) - 1, 0, -1):
        section = _value(data, path[:cut])
        if isinstance(section, dict) and section.get("where") is not None:
            return str(section["where"])
    return None


def prune(value: Any) -> Any:
    """Drop what carries no information: nulls, empty text, and sections or list entries
    left empty (as in the ``cactl init`` template), so that rules see them as absent."""
    if isinstance(value, dict):
        kept = {key: prune(v) for key, v in value.items()}
        kept = {key: v for key, v in kept.items() if v is not None}
        return kept or None
    if isinstance(value, list):
        entries = [e for e in (prune(v) for v in value) if e is not None]
        return entries or None
    if isinstance(value, str) and not value.strip():
        return None
    return value


def audit_paper(
    paper: Paper,
    data: Any,
    positions: Positions,
    checklist: Checklist,
    *,
    strict: bool = False,
) -> Report:
    """Evaluate every item of ``checklist`` on one validated paper."""
    doc = prune(paper.model_dump(mode="json")) or {}
    raw = data if isinstance(data, dict) else {}
    report = Report(file=positions.file, checklist=checklist, strict=strict)
    for item in checklist.items:
        at = item.field
        regime = doc.get("regime")
        if regime is not None and regime not in {r.value for r in item.regimes}:
            status = Status.not_applicable
            reason = f"applies to {', '.join(r.value for r in item.regimes)} papers; this one is {regime}"
        else:
            status, reason = Status.missing, fill(item.missing, doc)
            for outcome in item.outcomes:
                assert outcome.condition is not None, "checklist not parsed with parse_checklist"
                if outcome.condition.holds(doc, doc):
                    status, reason = outcome.status, fill(outcome.reason, doc)
                    at = outcome.at or item.field
                    break
        path = _split(at)
        location = positions.locate(path)
        line, column = location if location else (None, None)
        report.findings.append(
            Finding(
                item=item,
                status=status,
                reason=reason,
                line=line,
                column=column,
                where=None if status is Status.missing else where_of(raw, path),
            )
        )
    return report


def audit_files(files: list[str], checklist: Checklist, *, strict: bool = False) -> list[Report]:
    """Audit several paper files; every unusable file is reported, all at once."""
    reports: list[Report] = []
    errors: list[InputError] = []
    for file in files:
        try:
            paper, data, positions = load_paper(Path(file))
        except InputErrors as exc:
            errors.extend(exc.errors)
            continue
        except InputError as exc:
            errors.append(exc)
            continue
        except CactlError:
            raise
        reports.append(audit_paper(paper, data, positions, checklist, strict=strict))
    raise_all(errors)
    return reports
