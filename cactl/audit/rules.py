"""The rule vocabulary of checklists: a small, closed set of predicates and combinators.

A rule is data, never Python read from a file. A condition is a mapping with exactly one key,
the name of a predicate. Every predicate is declared once, in :data:`PREDICATES`: its name,
the form of its argument, what it means, how its argument is parsed and how it is evaluated
(the ``@predicate`` decorator on its class). The README's table of conditions is generated
from that registry (:func:`predicate_table`) and a test checks that they match.

``PATH`` is a dotted field path of the document rules read (:class:`AuditDocument`: the paper
schema, plus ``inventory``, what cactl's inventory says about the method named in
``method.inventory``). Inside ``some`` and ``every`` paths are relative to the list entry; a
leading ``/`` makes them absolute (``/model.name``). Every path, and every value of ``one_of``
on a vocabulary field, is checked against the schema when the checklist loads: a typo is a
load error with file, line and column.

A condition that holds also says which values made it hold (its evidence: the paths of the
satisfying list entries and fields), so that a finding points at those and only those.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from cactl.audit.paper import Paper
from cactl.errors import InputError, did_you_mean
from cactl.vocab import Granularity, Methodology
from cactl.yamlsrc import PathKey, Positions, Shape, shape_of

__all__ = [
    "PREDICATES",
    "All",
    "AnyOf",
    "AtLeast",
    "AuditDocument",
    "Condition",
    "Every",
    "InventoryFacts",
    "NonEmpty",
    "Not",
    "NumberAtLeast",
    "OneOf",
    "Overlaps",
    "Predicate",
    "Present",
    "RuleParser",
    "SameAs",
    "Shape",
    "Some",
    "When",
    "fill",
    "lookup",
    "predicate_table",
    "resolve_shape",
    "shape_of",
]


# --------------------------------------------------------------------------------------------
# The document rules read


class InventoryFacts(BaseModel):
    """What cactl's inventory says about the method a paper names in ``method.inventory``."""

    model_config = ConfigDict(extra="forbid", defer_build=True)  # read for its fields only

    name: str | None = Field(None, description="The method's name in the inventory.")
    granularity: list[Granularity] | None = Field(None, description="Its granularity.")
    methodology: Methodology | None = Field(None, description="Its methodology family.")


class AuditDocument(Paper):
    """A paper as rules see it: its fields, and the inventory's facts about its method."""

    model_config = ConfigDict(defer_build=True)  # read for its fields only, never validated

    inventory: InventoryFacts | None = None


def resolve_shape(root: type[BaseModel], path: str) -> tuple[Shape | None, str]:
    """The shape at a dotted path under ``root``, or ``(None, message)`` when it has none."""
    current: type[BaseModel] | None = root
    shape = Shape("model", model=root)
    parts = path.split(".")
    for index, part in enumerate(parts):
        if current is None or shape.kind != "model":
            where = ".".join(parts[:index])
            return None, f"{where!r} has no fields (it is a {shape.kind})"
        fields = current.model_fields
        if part not in fields:
            known = list(fields)
            hint = did_you_mean(part, known)
            message = f"the paper schema has no field {'.'.join(parts[: index + 1])!r}"
            return None, message + (f"; {hint}" if hint else f"; known: {', '.join(known)}")
        shape = shape_of(fields[part].annotation)
        current = shape.model
    return shape, ""


# --------------------------------------------------------------------------------------------
# Conditions and their registry

#: The paths (in the document, with list indices) of the values that made a condition hold.
Evidence = tuple[PathKey, ...]


def lookup(doc: dict[str, Any], here: Any, path: str) -> Any:
    """The value at ``path``: absolute (leading ``/``) from ``doc``, else from ``here``."""
    value: Any = doc if path.startswith("/") else here
    for part in path.lstrip("/").split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def _absolute(at: PathKey, path: str) -> PathKey:
    parts = tuple(path.lstrip("/").split("."))
    return parts if path.startswith("/") else (*at, *parts)


def _schema_path(base: str, path: str) -> str:
    """The dotted schema path (no list indices) that ``path`` names from ``base``."""
    if path.startswith("/") or not base:
        return path.lstrip("/")
    return f"{base}.{path}"


class Condition:
    """A predicate over a paper document (a dict from ``AuditDocument`` data)."""

    #: Set by ``@predicate``: the registry entry of the condition's class.
    predicate: ClassVar[Predicate]

    def evaluate(self, doc: dict[str, Any], here: Any, at: PathKey) -> Evidence | None:
        """None when the condition does not hold; else the paths of the values that made it
        hold (absolute, with list indices)."""
        raise NotImplementedError

    def reads(self, base: str = "") -> list[str]:
        """The schema paths (absolute, no list indices) this condition looks at."""
        raise NotImplementedError

    def holds(self, doc: dict[str, Any], here: Any, at: PathKey = ()) -> bool:
        return self.evaluate(doc, here, at) is not None


Parse = Callable[["RuleParser", Any, PathKey, type[BaseModel]], Condition]


@dataclass(frozen=True)
class Predicate:
    """One entry of the rule vocabulary."""

    name: str
    argument: str  # the form of its argument, for the docs
    meaning: str  # when it holds, for the docs
    parse: Parse


#: The rule vocabulary, by name, in the order the docs list it.
PREDICATES: dict[str, Predicate] = {}

C = TypeVar("C", bound=type[Condition])


def predicate(name: str, argument: str, meaning: str) -> Callable[[C], C]:
    """Register a condition class under ``name``; it must define ``parse``."""

    def register(cls: C) -> C:
        if name in PREDICATES:
            raise ValueError(f"predicate {name!r} is declared twice")
        parse: Parse = cls.parse  # type: ignore[attr-defined]
        entry = Predicate(name, argument, meaning, parse)
        PREDICATES[name] = entry
        cls.predicate = entry
        return cls

    return register


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, (str, list, dict)) and len(value) == 0)


@predicate("present", "PATH", "the field has a value")
@dataclass
class Present(Condition):
    path: str

    @staticmethod
    def parse(p: RuleParser, data: Any, at: PathKey, scope: type[BaseModel]) -> Condition:
        return Present(p.path(data, at, scope)[0])

    def evaluate(self, doc: dict[str, Any], here: Any, at: PathKey) -> Evidence | None:
        found = lookup(doc, here, self.path) is not None
        return (_absolute(at, self.path),) if found else None

    def reads(self, base: str = "") -> list[str]:
        return [_schema_path(base, self.path)]


@predicate("non_empty", "PATH", "the value is not null, empty text, `[]` or `{}`")
@dataclass
class NonEmpty(Condition):
    path: str

    @staticmethod
    def parse(p: RuleParser, data: Any, at: PathKey, scope: type[BaseModel]) -> Condition:
        return NonEmpty(p.path(data, at, scope)[0])

    def evaluate(self, doc: dict[str, Any], here: Any, at: PathKey) -> Evidence | None:
        value = lookup(doc, here, self.path)
        if _empty(value.strip() if isinstance(value, str) else value):
            return None
        return (_absolute(at, self.path),)

    def reads(self, base: str = "") -> list[str]:
        return [_schema_path(base, self.path)]


@predicate("at_least", "{path: PATH, count: N}", "the list has at least `count` entries")
@dataclass
class AtLeast(Condition):
    path: str
    count: int

    @staticmethod
    def parse(p: RuleParser, data: Any, at: PathKey, scope: type[BaseModel]) -> Condition:
        args = p.arguments(data, at, ["path", "count"])
        if args is None:
            return All([])
        path, _ = p.path(args["path"], (*at, "path"), scope, want="list")
        count = args["count"]
        if not isinstance(count, int) or isinstance(count, bool) or count < 0:
            p.error(
                (*at, "count"),
                "count must be a whole number",
                expected="an integer >= 0",
                found=_describe(count),
                code="out-of-range" if isinstance(count, int) else "wrong-type",
            )
            count = 0
        return AtLeast(path, count)

    def evaluate(self, doc: dict[str, Any], here: Any, at: PathKey) -> Evidence | None:
        value = lookup(doc, here, self.path)
        if isinstance(value, list) and len(value) >= self.count:
            return (_absolute(at, self.path),)
        return None

    def reads(self, base: str = "") -> list[str]:
        return [_schema_path(base, self.path)]


@predicate("number_at_least", "{path: PATH, value: X}", "the number is at least `value`")
@dataclass
class NumberAtLeast(Condition):
    path: str
    value: float

    @staticmethod
    def parse(p: RuleParser, data: Any, at: PathKey, scope: type[BaseModel]) -> Condition:
        args = p.arguments(data, at, ["path", "value"])
        if args is None:
            return All([])
        path, _ = p.path(args["path"], (*at, "path"), scope, want="number")
        value = args["value"]
        if isinstance(value, int) and not isinstance(value, bool):
            try:
                float(value)
            except OverflowError:  # an integer past the largest float
                p.error((*at, "value"), "value is too large", expected="a finite number",
                        found=f"an integer of {len(str(abs(value)))} digits",
                        code="not-finite")  # fmt: skip
                value = 0
        if not isinstance(value, (int, float)) or isinstance(value, bool) or value != value:
            p.error(
                (*at, "value"),
                "value must be a number",
                expected="a number",
                found=_describe(value),
                code="not-finite" if isinstance(value, float) else "wrong-type",
            )
            value = 0
        return NumberAtLeast(path, float(value))

    def evaluate(self, doc: dict[str, Any], here: Any, at: PathKey) -> Evidence | None:
        found = lookup(doc, here, self.path)
        if isinstance(found, (int, float)) and not isinstance(found, bool) and found >= self.value:
            return (_absolute(at, self.path),)
        return None

    def reads(self, base: str = "") -> list[str]:
        return [_schema_path(base, self.path)]


@predicate(
    "one_of",
    "{path: PATH, values: [...]}",
    "the value (or any entry of a list) is one of `values`",
)
@dataclass
class OneOf(Condition):
    path: str
    values: list[Any]

    @staticmethod
    def parse(p: RuleParser, data: Any, at: PathKey, scope: type[BaseModel]) -> Condition:
        args = p.arguments(data, at, ["path", "values"])
        if args is None:
            return All([])
        path, shape = p.path(args["path"], (*at, "path"), scope)
        values = args["values"]
        if not isinstance(values, list) or not values:
            p.error(
                (*at, "values"),
                "values must be a non-empty list",
                expected="a list",
                found=_describe(values),
                code="wrong-type" if not isinstance(values, list) else "empty",
            )
            return OneOf(path, [])
        if shape is not None and shape.enum is not None:
            allowed = [member.value for member in shape.enum]
            for index, value in enumerate(values):
                if value not in allowed:
                    p.error(
                        (*at, "values", index),
                        f"{value!r} is not a value of {path}",
                        expected="one of " + ", ".join(map(str, allowed)),
                        found=repr(value),
                        hint=did_you_mean(str(value), [str(a) for a in allowed]),
                        code="not-allowed",
                    )
        return OneOf(path, list(values))

    def evaluate(self, doc: dict[str, Any], here: Any, at: PathKey) -> Evidence | None:
        found = lookup(doc, here, self.path)
        if isinstance(found, list):
            ok = any(entry in self.values for entry in found)
        else:
            ok = found is not None and found in self.values
        return (_absolute(at, self.path),) if ok else None

    def reads(self, base: str = "") -> list[str]:
        return [_schema_path(base, self.path)]


def _normal(value: Any) -> Any:
    """Text in any case and without surrounding space; a list as the set of its entries."""
    if isinstance(value, str):
        return value.strip().casefold()
    if isinstance(value, list):
        return frozenset(_normal(entry) for entry in value)
    return value


@predicate(
    "same_as",
    "{path: PATH, other: PATH}",
    "both are set and equal (text in any case, lists as sets)",
)
@dataclass
class SameAs(Condition):
    path: str
    other: str

    @staticmethod
    def parse(p: RuleParser, data: Any, at: PathKey, scope: type[BaseModel]) -> Condition:
        args = p.arguments(data, at, ["path", "other"])
        if args is None:
            return All([])
        path, _ = p.path(args["path"], (*at, "path"), scope)
        other, _ = p.path(args["other"], (*at, "other"), scope)
        return SameAs(path, other)

    def evaluate(self, doc: dict[str, Any], here: Any, at: PathKey) -> Evidence | None:
        a = lookup(doc, here, self.path)
        b = lookup(doc, here, self.other)
        if a is None or b is None or _empty(a) or _empty(b) or _normal(a) != _normal(b):
            return None
        # the compared value is a reference, not evidence: e.g. the paper's model name when a
        # baseline's base model matches it
        return (_absolute(at, self.path),)

    def reads(self, base: str = "") -> list[str]:
        return [_schema_path(base, self.path), _schema_path(base, self.other)]


def _entries_of(value: Any) -> frozenset[Any]:
    normal = _normal(value)
    return normal if isinstance(normal, frozenset) else frozenset({normal})


@predicate(
    "overlaps",
    "{path: PATH, other: PATH}",
    "both are set and share a value (lists share an entry; text in any case)",
)
@dataclass
class Overlaps(Condition):
    path: str
    other: str

    @staticmethod
    def parse(p: RuleParser, data: Any, at: PathKey, scope: type[BaseModel]) -> Condition:
        args = p.arguments(data, at, ["path", "other"])
        if args is None:
            return All([])
        path, _ = p.path(args["path"], (*at, "path"), scope)
        other, _ = p.path(args["other"], (*at, "other"), scope)
        return Overlaps(path, other)

    def evaluate(self, doc: dict[str, Any], here: Any, at: PathKey) -> Evidence | None:
        a = lookup(doc, here, self.path)
        b = lookup(doc, here, self.other)
        if a is None or b is None or not (_entries_of(a) & _entries_of(b)):
            return None
        return (_absolute(at, self.path),)

    def reads(self, base: str = "") -> list[str]:
        return [_schema_path(base, self.path), _schema_path(base, self.other)]


def _quantifier(
    p: RuleParser, data: Any, at: PathKey, scope: type[BaseModel]
) -> tuple[str, Condition]:
    args = p.arguments(data, at, ["path", "that"])
    if args is None:
        return "", All([])
    path, shape = p.path(args["path"], (*at, "path"), scope, want="list")
    inner_scope = shape.model if shape is not None and shape.model is not None else None
    if shape is not None and inner_scope is None:
        p.error((*at, "path"), f"{path!r} is a list of plain values; use one_of on it")
        return path, All([])
    if inner_scope is None:
        return path, All([])
    return path, p.condition(args["that"], (*at, "that"), inner_scope)


def _entries(doc: dict[str, Any], here: Any, at: PathKey, path: str) -> list[tuple[PathKey, Any]]:
    entries = lookup(doc, here, path)
    if not isinstance(entries, list):
        return []
    base = _absolute(at, path)
    return [((*base, index), entry) for index, entry in enumerate(entries)]


@predicate(
    "some",
    "{path: LIST, that: CONDITION}",
    "some entry of the list satisfies `that` (paths relative to the entry; `/model.name` is "
    "absolute); only the satisfying entries give the finding's `where`",
)
@dataclass
class Some(Condition):
    path: str
    that: Condition

    @staticmethod
    def parse(p: RuleParser, data: Any, at: PathKey, scope: type[BaseModel]) -> Condition:
        return Some(*_quantifier(p, data, at, scope))

    def evaluate(self, doc: dict[str, Any], here: Any, at: PathKey) -> Evidence | None:
        evidence: list[PathKey] = []
        for entry_at, entry in _entries(doc, here, at, self.path):
            found = self.that.evaluate(doc, entry, entry_at)
            if found is not None:
                evidence.extend(found or (entry_at,))
        return tuple(evidence) if evidence else None

    def reads(self, base: str = "") -> list[str]:
        inner = _schema_path(base, self.path)
        return [inner, *self.that.reads(inner)]


@predicate(
    "every",
    "{path: LIST, that: CONDITION}",
    "the list is not empty and every entry satisfies `that`",
)
@dataclass
class Every(Condition):
    path: str
    that: Condition

    @staticmethod
    def parse(p: RuleParser, data: Any, at: PathKey, scope: type[BaseModel]) -> Condition:
        return Every(*_quantifier(p, data, at, scope))

    def evaluate(self, doc: dict[str, Any], here: Any, at: PathKey) -> Evidence | None:
        entries = _entries(doc, here, at, self.path)
        evidence: list[PathKey] = []
        for entry_at, entry in entries:
            found = self.that.evaluate(doc, entry, entry_at)
            if found is None:
                return None
            evidence.extend(found or (entry_at,))
        return tuple(evidence) if entries else None

    def reads(self, base: str = "") -> list[str]:
        inner = _schema_path(base, self.path)
        return [inner, *self.that.reads(inner)]


def _conditions(p: RuleParser, data: Any, at: PathKey, scope: type[BaseModel]) -> list[Condition]:
    if not isinstance(data, list) or not data:
        p.error(
            at,
            "expected a non-empty list of conditions",
            expected="a list",
            found=_describe(data),
            code="wrong-type" if not isinstance(data, list) else "empty",
        )
        return []
    return [p.condition(item, (*at, i), scope) for i, item in enumerate(data)]


@predicate("all", "[CONDITION, ...]", "every condition holds")
@dataclass
class All(Condition):
    conditions: list[Condition]

    @staticmethod
    def parse(p: RuleParser, data: Any, at: PathKey, scope: type[BaseModel]) -> Condition:
        return All(_conditions(p, data, at, scope))

    def evaluate(self, doc: dict[str, Any], here: Any, at: PathKey) -> Evidence | None:
        evidence: list[PathKey] = []
        for condition in self.conditions:
            found = condition.evaluate(doc, here, at)
            if found is None:
                return None
            evidence.extend(found)
        return tuple(evidence)

    def reads(self, base: str = "") -> list[str]:
        return [path for c in self.conditions for path in c.reads(base)]


@predicate("any", "[CONDITION, ...]", "some condition holds")
@dataclass
class AnyOf(Condition):
    conditions: list[Condition]

    @staticmethod
    def parse(p: RuleParser, data: Any, at: PathKey, scope: type[BaseModel]) -> Condition:
        return AnyOf(_conditions(p, data, at, scope))

    def evaluate(self, doc: dict[str, Any], here: Any, at: PathKey) -> Evidence | None:
        found = [c.evaluate(doc, here, at) for c in self.conditions]
        held = [evidence for evidence in found if evidence is not None]
        return tuple(path for evidence in held for path in evidence) if held else None

    def reads(self, base: str = "") -> list[str]:
        return [path for c in self.conditions for path in c.reads(base)]


@predicate("not", "CONDITION", "the condition does not hold")
@dataclass
class Not(Condition):
    condition: Condition

    @staticmethod
    def parse(p: RuleParser, data: Any, at: PathKey, scope: type[BaseModel]) -> Condition:
        return Not(p.condition(data, at, scope))

    def evaluate(self, doc: dict[str, Any], here: Any, at: PathKey) -> Evidence | None:
        return () if self.condition.evaluate(doc, here, at) is None else None

    def reads(self, base: str = "") -> list[str]:
        return self.condition.reads(base)


@predicate("when", "{if: CONDITION, then: CONDITION}", "`if` does not hold, or both hold")
@dataclass
class When(Condition):
    if_: Condition
    then: Condition

    @staticmethod
    def parse(p: RuleParser, data: Any, at: PathKey, scope: type[BaseModel]) -> Condition:
        args = p.arguments(data, at, ["if", "then"])
        if args is None:
            return All([])
        return When(
            p.condition(args["if"], (*at, "if"), scope),
            p.condition(args["then"], (*at, "then"), scope),
        )

    def evaluate(self, doc: dict[str, Any], here: Any, at: PathKey) -> Evidence | None:
        condition = self.if_.evaluate(doc, here, at)
        if condition is None:
            return ()
        then = self.then.evaluate(doc, here, at)
        return None if then is None else (*condition, *then)

    def reads(self, base: str = "") -> list[str]:
        return [*self.if_.reads(base), *self.then.reads(base)]


def predicate_table() -> str:
    """The README's table of conditions, from :data:`PREDICATES`."""
    lines = ["| condition | true when |", "|---|---|"]
    for entry in PREDICATES.values():
        lines.append(f"| `{entry.name}: {entry.argument}` | {entry.meaning} |")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------------------------
# Parsing conditions from checklist data, with every problem located in the checklist file


@dataclass
class RuleParser:
    """Turns condition data into :class:`Condition` objects, collecting located errors."""

    positions: Positions
    root: type[BaseModel] = AuditDocument
    errors: list[InputError] = field(default_factory=list)

    def error(self, at: PathKey, message: str, **extra: Any) -> None:
        self.errors.append(self.positions.error(at, message, **extra))

    def path(
        self, value: Any, at: PathKey, scope: type[BaseModel], want: str | None = None
    ) -> tuple[str, Shape | None]:
        """Check a path argument; returns it and its shape (None after an error)."""
        if not isinstance(value, str) or not value.strip("/"):
            self.error(
                at,
                "a field path must be text",
                expected="a dotted path like model.name",
                found=repr(value),
                code="wrong-type" if not isinstance(value, str) else "invalid-value",
            )
            return "", None
        model = self.root if value.startswith("/") else scope
        shape, problem = resolve_shape(model, value.lstrip("/"))
        if shape is None:
            self.error(at, problem, code="not-allowed")
            return value, None
        if want == "list" and shape.kind != "list":
            self.error(
                at,
                f"{value!r} is not a list field",
                expected="a list field",
                found=f"a {shape.kind}",
            )
            return value, None
        if want == "number" and not shape.number:
            self.error(
                at,
                f"{value!r} is not a number field",
                expected="a number field",
                found=f"a {shape.kind}",
            )
            return value, None
        return value, shape

    def condition(self, data: Any, at: PathKey, scope: type[BaseModel] | None = None) -> Condition:
        scope = scope or self.root
        names = list(PREDICATES)
        if not isinstance(data, dict) or len(data) != 1:
            self.error(
                at,
                "a condition is a mapping with exactly one predicate",
                expected="one of " + ", ".join(names),
                found=_describe(data),
                code="wrong-type" if not isinstance(data, dict) else "invalid-value",
            )
            return All([])
        ((name, argument),) = data.items()
        here = (*at, str(name))
        entry = PREDICATES.get(str(name))
        if entry is None:
            self.errors.append(
                self.positions.error(
                    here,
                    f"unknown predicate {name!r}",
                    key=True,
                    expected="one of " + ", ".join(names),
                    hint=did_you_mean(str(name), names),
                    code="unknown-key",
                )
            )
            return All([])
        return entry.parse(self, argument, here, scope)

    def arguments(self, data: Any, at: PathKey, keys: Sequence[str]) -> dict[str, Any] | None:
        if not isinstance(data, dict):
            self.error(
                at,
                "expected a mapping of arguments",
                expected="keys " + ", ".join(keys),
                found=_describe(data),
                code="wrong-type",
            )
            return None
        ok = True
        for key in data:
            if key not in keys:
                self.errors.append(
                    self.positions.error(
                        (*at, str(key)),
                        f"unknown argument {key!r}",
                        key=True,
                        expected="keys " + ", ".join(keys),
                        hint=did_you_mean(str(key), keys),
                        code="unknown-key",
                    )
                )
                ok = False
        for key in keys:
            if key not in data:
                self.error(
                    at,
                    f"missing argument {key!r}",
                    expected="keys " + ", ".join(keys),
                    code="missing-field",
                )
                ok = False
        return data if ok else None

    # reason templates ---------------------------------------------------------------------

    def template(self, text: str, at: PathKey) -> None:
        """Check the ``{path}``, ``{list[].field}`` and ``{list[!field].name}`` placeholders
        of a reason."""
        for match in PLACEHOLDER.finditer(text):
            head, without, tail = match.group(1), match.group(2), match.group(3)
            shape, problem = resolve_shape(self.root, head)
            if shape is None:
                self.error(at, f"placeholder {match.group(0)}: {problem}")
                continue
            if tail is None:
                continue
            if shape.kind != "list" or shape.model is None:
                self.error(at, f"placeholder {match.group(0)}: {head!r} is not a list of entries")
                continue
            for inner_path in (tail, without) if without else (tail,):
                inner, problem = resolve_shape(shape.model, inner_path)
                if inner is None:
                    self.error(at, f"placeholder {match.group(0)}: {problem}")


_NAME = r"[A-Za-z_][A-Za-z0-9_.]*"
#: ``{path}``, ``{list[].field}`` (every entry's field), ``{list[!other].field}`` (the field of
#: the entries whose ``other`` is unset).
PLACEHOLDER = re.compile(rf"\{{({_NAME})(?:\[(?:!({_NAME}))?\]\.({_NAME}))?\}}")


def _show(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list):
        return ", ".join(_show(v) for v in value if v is not None)
    return str(value)


def fill(text: str, doc: dict[str, Any]) -> str:
    """Replace ``{path}`` placeholders with the paper's values (``?`` where unset)."""

    def value(match: re.Match[str]) -> str:
        head, without, tail = match.group(1), match.group(2), match.group(3)
        found = lookup(doc, doc, head)
        if tail is not None:
            entries = found if isinstance(found, list) else []
            if without:
                entries = [e for e in entries if _empty(lookup(doc, e, without))]
            found = [lookup(doc, entry, tail) for entry in entries]
            found = [v for v in found if v is not None]
        if found is None or found == []:
            return "?"
        return _show(found)

    return PLACEHOLDER.sub(value, text)


def _describe(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping with keys " + ", ".join(map(str, value)) if value else "an empty mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing (null)"
    return f"{type(value).__name__} {value!r}"


if __name__ == "__main__":  # print the README's table: python -m cactl.audit.rules
    print(predicate_table(), end="")
