"""Auditing one paper against a checklist: a status, a reason and a location per item.

Before the rules run, the paper becomes the document they read (:func:`prepare`):
placeholders ("TBD", "-", "see paper", ...) are taken out, each reported with its field and
line; empty values are dropped; the flat trajectory form is folded into its unit's block
(``trajectories.tokens`` or ``trajectories.turns``); and ``inventory`` gets what cactl's
inventory says about the method named in ``method.inventory``. Parts the auditor marked
``not_checked`` turn an unmet item that reads them into ``not-checked``; ``omissions`` are
shown beside the status they explain, which stays what the rule gives.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cactl.audit.checklist import Checklist, Item, Priority, Status
from cactl.audit.paper import LENGTHS, Paper, load_paper
from cactl.audit.placeholders import builtin_placeholders, is_placeholder, normalise
from cactl.audit.rules import fill
from cactl.errors import CactlError, InputError, InputErrors, raise_all
from cactl.yamlsrc import PathKey, Positions, format_path


@dataclass(frozen=True)
class PlaceholderUse:
    """A text value that is a placeholder, counted as absent."""

    field: str  # e.g. "baselines[0].base_model"
    path: PathKey  # e.g. ("baselines", 0, "base_model")
    value: str
    line: int | None
    column: int | None

    def describe(self) -> str:
        at = "" if self.line is None else f" (line {self.line})"
        return f"{self.field}{at} is a placeholder ({self.value!r}), counted as absent"


@dataclass(frozen=True)
class Finding:
    """The verdict on one checklist item for one paper."""

    item: Item
    status: Status
    reason: str
    line: int | None
    column: int | None
    where: str | None
    notes: tuple[str, ...] = ()
    omission: str | None = None  # the paper's justification for an omission, when recorded

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
    required_not_checked: int = 0
    recommended_not_checked: int = 0


@dataclass
class Report:
    """The audit of one paper file."""

    file: str
    checklist: Checklist
    findings: list[Finding] = field(default_factory=list)
    strict: bool = False
    placeholders: list[PlaceholderUse] = field(default_factory=list)

    @property
    def summary(self) -> Summary:
        def count(priority: Priority, wanted: Status | None) -> int:
            return sum(
                1
                for f in self.findings
                if f.item.priority is priority
                and f.status is not Status.not_applicable
                and (wanted is None or f.status is wanted)
            )

        return Summary(
            required_met=count(Priority.required, Status.met),
            required_total=count(Priority.required, None),
            recommended_met=count(Priority.recommended, Status.met),
            recommended_total=count(Priority.recommended, None),
            required_not_checked=count(Priority.required, Status.not_checked),
            recommended_not_checked=count(Priority.recommended, Status.not_checked),
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


def _value(data: Any, path: PathKey) -> Any:
    for part in path:
        if isinstance(part, int):
            if not isinstance(data, list) or not 0 <= part < len(data):
                return None
            data = data[part]
        elif not isinstance(data, dict) or part not in data:
            return None
        else:
            data = data[part]
    return data


def where_of(data: Any, path: PathKey) -> str | None:
    """The paper's own ``where`` pointer for the value at ``path``: on the value itself, on its
    entries (a list), or on the nearest section or list entry that holds it. None when the
    value is not there."""
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


# --------------------------------------------------------------------------------------------
# The document the rules read


@dataclass(frozen=True)
class Unread:
    """One part of the paper the auditor marked ``not_checked``."""

    field: str  # as written: "data", "model.size", "baselines[0].compute"; "" for the paper
    reason: str
    covers: tuple[str, ...]  # the schema paths it stands for ("" is everything)


@dataclass
class Prepared:
    """A paper as the rules read it, and what was taken out of it on the way."""

    doc: dict[str, Any]
    placeholders: list[PlaceholderUse]
    unread: list[Unread]
    omissions: dict[str, str]


def _schema_path(path: PathKey) -> str:
    return ".".join(str(part) for part in path if not isinstance(part, int))


def _unread(path: PathKey, value: Any) -> list[Unread]:
    """What one ``not_checked`` entry (on the section at ``path``) marks as not read."""
    section = _schema_path(path)
    if isinstance(value, str):
        return [Unread(format_path(path), value, (section,))]
    found: list[Unread] = []
    for name, reason in value.items() if isinstance(value, dict) else ():
        covers = [f"{section}.{name}" if section else str(name)]
        if section == "trajectories" and (name in LENGTHS or name == "unit"):
            # the flat form: the same length in whichever unit block it folds into
            suffix = "" if name == "unit" else f".{name}"
            covers += [f"trajectories.tokens{suffix}", f"trajectories.turns{suffix}"]
        found.append(Unread(format_path((*path, str(name))), str(reason), tuple(covers)))
    return found


def prepare(paper: Paper, positions: Positions, words: frozenset[str]) -> Prepared:
    """Turn a validated paper into the document rules read (see the module docstring)."""
    dumped: dict[str, Any] = paper.model_dump(mode="json")
    placeholders: list[PlaceholderUse] = []
    unread: list[Unread] = []

    def walk(value: Any, path: PathKey) -> Any:
        if isinstance(value, dict):
            marked = value.get("not_checked")
            if marked is not None:
                unread.extend(_unread(path, marked))
            return {
                key: walk(child, (*path, key))
                for key, child in value.items()
                if key != "not_checked"
            }
        if isinstance(value, list):
            return [walk(child, (*path, index)) for index, child in enumerate(value)]
        if isinstance(value, str) and value.strip() and is_placeholder(value, words):
            location = positions.locate(path)
            line, column = location if location else (None, None)
            placeholders.append(PlaceholderUse(format_path(path), path, value, line, column))
            return None
        return value

    doc = prune(walk(dumped, ())) or {}
    # a placeholder is no justification: such an omission is dropped, and reported
    omissions = {str(k): str(v) for k, v in (doc.pop("omissions", None) or {}).items()}
    placeholders.sort(key=lambda use: (use.line or 0, use.column or 0))
    _fold_trajectories(doc)
    facts = _inventory_facts(doc)
    if facts is not None:
        doc["inventory"] = facts
    return Prepared(doc, placeholders, unread, omissions)


def _fold_trajectories(doc: dict[str, Any]) -> None:
    """The flat trajectory form (``unit`` with lengths) as the block of its unit."""
    trajectories = doc.get("trajectories")
    if not isinstance(trajectories, dict) or trajectories.get("unit") is None:
        return
    flat = {name: trajectories.pop(name) for name in LENGTHS if name in trajectories}
    if flat:
        unit = str(trajectories.pop("unit"))
        trajectories[unit] = flat


def _inventory_facts(doc: dict[str, Any]) -> dict[str, Any] | None:
    method = doc.get("method")
    name = method.get("inventory") if isinstance(method, dict) else None
    if not isinstance(name, str):
        return None
    from cactl.inventory_index import method_index

    entry = method_index().find(name)
    if entry is None:
        return None
    return {
        "name": entry.name,
        "granularity": list(entry.granularity),
        "methodology": entry.methodology,
    }


def _overlaps(a: str, b: str) -> bool:
    """Whether one schema path is the other or lies inside it ("" is everything)."""
    return not a or not b or a == b or a.startswith(b + ".") or b.startswith(a + ".")


def _where(doc: dict[str, Any], evidence: tuple[PathKey, ...]) -> str | None:
    """The ``where`` pointers of the values that satisfied the rule, each once."""
    pieces = [
        piece.strip()
        for path in evidence
        for piece in (where_of(doc, path) or "").split(";")
        if piece.strip()
    ]
    found = list(dict.fromkeys(pieces))
    return "; ".join(found) if found else None


def _not_checked_reason(unread: list[Unread]) -> str:
    """``not checked: a, b (reason); c (other reason)``: fields grouped by their reason."""
    by_reason: dict[str, list[str]] = {}
    for entry in unread:
        by_reason.setdefault(entry.reason, []).append(entry.field or "the paper")
    parts = [f"{', '.join(fields)} ({reason})" for reason, fields in by_reason.items()]
    return "not checked: " + "; ".join(parts)


# --------------------------------------------------------------------------------------------
# Auditing


def placeholder_words(checklist: Checklist) -> frozenset[str]:
    """The built-in placeholders and the checklist's own."""
    return builtin_placeholders() | {normalise(word) for word in checklist.placeholders}


def audit_paper(
    paper: Paper,
    data: Any,
    positions: Positions,
    checklist: Checklist,
    *,
    strict: bool = False,
) -> Report:
    """Evaluate every item of ``checklist`` on one validated paper."""
    prepared = prepare(paper, positions, placeholder_words(checklist))
    doc = prepared.doc
    report = Report(
        file=positions.file, checklist=checklist, strict=strict, placeholders=prepared.placeholders
    )
    regime = doc.get("regime")
    for item in checklist.items:
        at = item.field
        evidence: tuple[PathKey, ...] = ()
        notes: list[str] = []
        if regime is not None and regime not in {r.value for r in item.regimes}:
            status = Status.not_applicable
            reason = f"applies to {', '.join(r.value for r in item.regimes)} papers; this one is {regime}"
        else:
            status, reason = Status.missing, fill(item.missing, doc)
            for outcome in item.outcomes:
                assert outcome.condition is not None, "checklist not parsed with parse_checklist"
                found = outcome.condition.evaluate(doc, doc, ())
                if found is not None:
                    status, reason, evidence = outcome.status, fill(outcome.reason, doc), found
                    if outcome.note is not None:
                        notes.append(fill(outcome.note, doc))
                    at = outcome.at or item.field
                    break
            unread = [
                entry
                for entry in prepared.unread
                if any(_overlaps(path, read) for path in entry.covers for read in item.reads)
            ]
            if unread and status is not Status.met:
                notes.insert(0, f"on what was read: {status.value}, {reason}")
                status = Status.not_checked
                reason = _not_checked_reason(unread)
            notes.extend(
                use.describe()
                for use in prepared.placeholders
                if any(_overlaps(_schema_path(use.path), read) for read in item.reads)
            )
        path = _split(at)
        location = positions.locate(path)
        line, column = location if location else (None, None)
        omission = prepared.omissions.get(item.id) or prepared.omissions.get(
            path[0] if path else ""
        )
        report.findings.append(
            Finding(
                item=item,
                status=status,
                reason=reason,
                line=line,
                column=column,
                where=None
                if status in (Status.missing, Status.not_applicable)
                else _where(doc, evidence),
                notes=tuple(notes),
                omission=omission,
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
