"""The rule vocabulary of checklists: a small, closed set of predicates and combinators.

A rule is data, never Python read from a file. A condition is a mapping with exactly one key:

=================  =========================================  ==========================================
key                argument                                   true when
=================  =========================================  ==========================================
``present``        ``PATH``                                   the field has a value (not null)
``non_empty``      ``PATH``                                   the value is not null, ``""``, ``[]``, ``{}``
``at_least``       ``{path: PATH, count: N}``                 the list has at least N entries
``number_at_least````{path: PATH, value: X}``                 the number is at least X
``one_of``         ``{path: PATH, values: [...]}``            the value (or any list entry) is listed
``same_as``        ``{path: PATH, other: PATH}``              both are set and equal (text: any case)
``some``           ``{path: LIST, that: CONDITION}``          some entry of the list satisfies it
``every``          ``{path: LIST, that: CONDITION}``          the list is non-empty, every entry does
``all``            ``[CONDITION, ...]``                       every condition holds
``any``            ``[CONDITION, ...]``                       some condition holds
``not``            ``CONDITION``                              the condition does not hold
``when``           ``{if: CONDITION, then: CONDITION}``       ``if`` is false, or both hold
=================  =========================================  ==========================================

``PATH`` is a dotted field path of the paper schema (``model.name``). Inside ``some`` and
``every`` paths are relative to the list entry; a leading ``/`` makes them absolute
(``/model.name``). Every path, and every value of ``one_of`` on a vocabulary field, is checked
against the schema when the checklist loads: a typo is a load error with file, line and column.
"""

from __future__ import annotations

import re
import types
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel

from cactl.audit.paper import Paper
from cactl.errors import InputError, did_you_mean
from cactl.yamlsrc import PathKey, Positions

# --------------------------------------------------------------------------------------------
# What the schema looks like at a path


@dataclass(frozen=True)
class Shape:
    """The kind of value a schema path holds."""

    kind: str  # "model", "list", "scalar"
    model: type[BaseModel] | None = None  # for "model", and the entry model of a "list"
    enum: type[Enum] | None = None  # vocabulary of a scalar (or of list entries)
    number: bool = False  # int or float


def _unwrap(annotation: Any) -> Any:
    """``X | None`` -> ``X``."""
    if get_origin(annotation) in (Union, types.UnionType):
        args = [arg for arg in get_args(annotation) if arg is not type(None)]
        if len(args) == 1:
            return args[0]
    return annotation


def _base(annotation: Any) -> Any:
    """Strip ``Annotated[...]``."""
    while hasattr(annotation, "__metadata__"):
        annotation = annotation.__origin__
    return annotation


def shape_of(annotation: Any) -> Shape:
    annotation = _base(_unwrap(annotation))
    if get_origin(annotation) is list:
        (entry,) = get_args(annotation)
        inner = shape_of(entry)
        return Shape("list", model=inner.model, enum=inner.enum, number=inner.number)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return Shape("model", model=annotation)
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return Shape("scalar", enum=annotation)
    if annotation in (int, float):
        return Shape("scalar", number=True)
    return Shape("scalar")


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
# Conditions


class Condition:
    """A predicate over a paper document (a dict from ``Paper.model_dump(mode="json")``)."""

    def holds(self, doc: dict[str, Any], here: Any) -> bool:
        raise NotImplementedError


def lookup(doc: dict[str, Any], here: Any, path: str) -> Any:
    """The value at ``path``: absolute (leading ``/``) from ``doc``, else from ``here``."""
    value: Any = doc if path.startswith("/") else here
    for part in path.lstrip("/").split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, (str, list, dict)) and len(value) == 0)


@dataclass
class Present(Condition):
    path: str

    def holds(self, doc: dict[str, Any], here: Any) -> bool:
        return lookup(doc, here, self.path) is not None


@dataclass
class NonEmpty(Condition):
    path: str

    def holds(self, doc: dict[str, Any], here: Any) -> bool:
        value = lookup(doc, here, self.path)
        return not _empty(value.strip() if isinstance(value, str) else value)


@dataclass
class AtLeast(Condition):
    path: str
    count: int

    def holds(self, doc: dict[str, Any], here: Any) -> bool:
        value = lookup(doc, here, self.path)
        return isinstance(value, list) and len(value) >= self.count


@dataclass
class NumberAtLeast(Condition):
    path: str
    value: float

    def holds(self, doc: dict[str, Any], here: Any) -> bool:
        found = lookup(doc, here, self.path)
        return (
            isinstance(found, (int, float)) and not isinstance(found, bool) and found >= self.value
        )


@dataclass
class OneOf(Condition):
    path: str
    values: list[Any]

    def holds(self, doc: dict[str, Any], here: Any) -> bool:
        found = lookup(doc, here, self.path)
        if isinstance(found, list):
            return any(entry in self.values for entry in found)
        return found is not None and found in self.values


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, str) and isinstance(b, str):
        return a.strip().casefold() == b.strip().casefold()
    return bool(a == b)


@dataclass
class SameAs(Condition):
    path: str
    other: str

    def holds(self, doc: dict[str, Any], here: Any) -> bool:
        a = lookup(doc, here, self.path)
        b = lookup(doc, here, self.other)
        return a is not None and b is not None and _same(a, b)


@dataclass
class Some(Condition):
    path: str
    that: Condition

    def holds(self, doc: dict[str, Any], here: Any) -> bool:
        entries = lookup(doc, here, self.path)
        return isinstance(entries, list) and any(self.that.holds(doc, e) for e in entries)


@dataclass
class Every(Condition):
    path: str
    that: Condition

    def holds(self, doc: dict[str, Any], here: Any) -> bool:
        entries = lookup(doc, here, self.path)
        return (
            isinstance(entries, list)
            and len(entries) > 0
            and all(self.that.holds(doc, e) for e in entries)
        )


@dataclass
class All(Condition):
    conditions: list[Condition]

    def holds(self, doc: dict[str, Any], here: Any) -> bool:
        return all(c.holds(doc, here) for c in self.conditions)


@dataclass
class AnyOf(Condition):
    conditions: list[Condition]

    def holds(self, doc: dict[str, Any], here: Any) -> bool:
        return any(c.holds(doc, here) for c in self.conditions)


@dataclass
class Not(Condition):
    condition: Condition

    def holds(self, doc: dict[str, Any], here: Any) -> bool:
        return not self.condition.holds(doc, here)


@dataclass
class When(Condition):
    if_: Condition
    then: Condition

    def holds(self, doc: dict[str, Any], here: Any) -> bool:
        return not self.if_.holds(doc, here) or self.then.holds(doc, here)


# --------------------------------------------------------------------------------------------
# Parsing conditions from checklist data, with every problem located in the checklist file

PREDICATES = [
    "present",
    "non_empty",
    "at_least",
    "number_at_least",
    "one_of",
    "same_as",
    "some",
    "every",
    "all",
    "any",
    "not",
    "when",
]


class RuleParser:
    """Turns condition data into :class:`Condition` objects, collecting located errors."""

    def __init__(self, positions: Positions, root: type[BaseModel] = Paper) -> None:
        self.positions = positions
        self.root = root
        self.errors: list[InputError] = []

    def error(self, at: PathKey, message: str, **extra: Any) -> None:
        self.errors.append(self.positions.error(at, message, **extra))

    # paths ------------------------------------------------------------------------------

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
            )
            return "", None
        model = self.root if value.startswith("/") else scope
        shape, problem = resolve_shape(model, value.lstrip("/"))
        if shape is None:
            self.error(at, problem)
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

    # conditions -------------------------------------------------------------------------

    def condition(self, data: Any, at: PathKey, scope: type[BaseModel] = Paper) -> Condition:
        if not isinstance(data, dict) or len(data) != 1:
            self.error(
                at,
                "a condition is a mapping with exactly one predicate",
                expected="one of " + ", ".join(PREDICATES),
                found=_describe(data),
            )
            return All([])
        ((name, argument),) = data.items()
        here = (*at, str(name))
        builder: Callable[[Any, PathKey, type[BaseModel]], Condition] | None = getattr(
            self, f"_{name}", None
        )
        if name not in PREDICATES or builder is None:
            hint = did_you_mean(str(name), PREDICATES)
            self.errors.append(
                self.positions.error(
                    here,
                    f"unknown predicate {name!r}",
                    key=True,
                    expected="one of " + ", ".join(PREDICATES),
                    hint=hint,
                )
            )
            return All([])
        return builder(argument, here, scope)

    def _arguments(self, data: Any, at: PathKey, keys: Sequence[str]) -> dict[str, Any] | None:
        if not isinstance(data, dict):
            self.error(
                at,
                "expected a mapping of arguments",
                expected="keys " + ", ".join(keys),
                found=_describe(data),
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
                    )
                )
                ok = False
        for key in keys:
            if key not in data:
                self.error(at, f"missing argument {key!r}", expected="keys " + ", ".join(keys))
                ok = False
        return data if ok else None

    def _present(self, data: Any, at: PathKey, scope: type[BaseModel]) -> Condition:
        path, _ = self.path(data, at, scope)
        return Present(path)

    def _non_empty(self, data: Any, at: PathKey, scope: type[BaseModel]) -> Condition:
        path, _ = self.path(data, at, scope)
        return NonEmpty(path)

    def _at_least(self, data: Any, at: PathKey, scope: type[BaseModel]) -> Condition:
        args = self._arguments(data, at, ["path", "count"])
        if args is None:
            return All([])
        path, _ = self.path(args["path"], (*at, "path"), scope, want="list")
        count = args["count"]
        if not isinstance(count, int) or isinstance(count, bool) or count < 0:
            self.error(
                (*at, "count"),
                "count must be a whole number",
                expected="an integer >= 0",
                found=_describe(count),
            )
            count = 0
        return AtLeast(path, count)

    def _number_at_least(self, data: Any, at: PathKey, scope: type[BaseModel]) -> Condition:
        args = self._arguments(data, at, ["path", "value"])
        if args is None:
            return All([])
        path, _ = self.path(args["path"], (*at, "path"), scope, want="number")
        value = args["value"]
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            self.error(
                (*at, "value"),
                "value must be a number",
                expected="a number",
                found=_describe(value),
            )
            value = 0
        return NumberAtLeast(path, float(value))

    def _one_of(self, data: Any, at: PathKey, scope: type[BaseModel]) -> Condition:
        args = self._arguments(data, at, ["path", "values"])
        if args is None:
            return All([])
        path, shape = self.path(args["path"], (*at, "path"), scope)
        values = args["values"]
        if not isinstance(values, list) or not values:
            self.error(
                (*at, "values"),
                "values must be a non-empty list",
                expected="a list",
                found=_describe(values),
            )
            return OneOf(path, [])
        if shape is not None and shape.enum is not None:
            allowed = [member.value for member in shape.enum]
            for index, value in enumerate(values):
                if value not in allowed:
                    self.error(
                        (*at, "values", index),
                        f"{value!r} is not a value of {path}",
                        expected="one of " + ", ".join(map(str, allowed)),
                        found=repr(value),
                        hint=did_you_mean(str(value), [str(a) for a in allowed]),
                    )
        return OneOf(path, list(values))

    def _same_as(self, data: Any, at: PathKey, scope: type[BaseModel]) -> Condition:
        args = self._arguments(data, at, ["path", "other"])
        if args is None:
            return All([])
        path, _ = self.path(args["path"], (*at, "path"), scope)
        other, _ = self.path(args["other"], (*at, "other"), scope)
        return SameAs(path, other)

    def _quantifier(self, data: Any, at: PathKey, scope: type[BaseModel]) -> tuple[str, Condition]:
        args = self._arguments(data, at, ["path", "that"])
        if args is None:
            return "", All([])
        path, shape = self.path(args["path"], (*at, "path"), scope, want="list")
        inner_scope = shape.model if shape is not None and shape.model is not None else None
        if shape is not None and inner_scope is None:
            self.error((*at, "path"), f"{path!r} is a list of plain values; use one_of on it")
            return path, All([])
        if inner_scope is None:
            return path, All([])
        return path, self.condition(args["that"], (*at, "that"), inner_scope)

    def _some(self, data: Any, at: PathKey, scope: type[BaseModel]) -> Condition:
        return Some(*self._quantifier(data, at, scope))

    def _every(self, data: Any, at: PathKey, scope: type[BaseModel]) -> Condition:
        return Every(*self._quantifier(data, at, scope))

    def _list(self, data: Any, at: PathKey, scope: type[BaseModel]) -> list[Condition]:
        if not isinstance(data, list) or not data:
            self.error(
                at,
                "expected a non-empty list of conditions",
                expected="a list",
                found=_describe(data),
            )
            return []
        return [self.condition(item, (*at, i), scope) for i, item in enumerate(data)]

    def _all(self, data: Any, at: PathKey, scope: type[BaseModel]) -> Condition:
        return All(self._list(data, at, scope))

    def _any(self, data: Any, at: PathKey, scope: type[BaseModel]) -> Condition:
        return AnyOf(self._list(data, at, scope))

    def _not(self, data: Any, at: PathKey, scope: type[BaseModel]) -> Condition:
        return Not(self.condition(data, at, scope))

    def _when(self, data: Any, at: PathKey, scope: type[BaseModel]) -> Condition:
        args = self._arguments(data, at, ["if", "then"])
        if args is None:
            return All([])
        return When(
            self.condition(args["if"], (*at, "if"), scope),
            self.condition(args["then"], (*at, "then"), scope),
        )

    # reason templates ---------------------------------------------------------------------

    def template(self, text: str, at: PathKey) -> None:
        """Check the ``{path}`` / ``{list[].field}`` placeholders of a reason."""
        for match in PLACEHOLDER.finditer(text):
            head, _, tail = match.group(1).partition("[].")
            shape, problem = resolve_shape(self.root, head)
            if shape is None:
                self.error(at, f"placeholder {{{match.group(1)}}}: {problem}")
                continue
            if tail:
                if shape.kind != "list" or shape.model is None:
                    self.error(
                        at, f"placeholder {{{match.group(1)}}}: {head!r} is not a list of entries"
                    )
                    continue
                inner, problem = resolve_shape(shape.model, tail)
                if inner is None:
                    self.error(at, f"placeholder {{{match.group(1)}}}: {problem}")


PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_.]*(?:\[\]\.[A-Za-z_][A-Za-z0-9_.]*)?)\}")


def _show(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list):
        return ", ".join(_show(v) for v in value if v is not None)
    return str(value)


def fill(text: str, doc: dict[str, Any]) -> str:
    """Replace ``{path}`` placeholders with the paper's values (``?`` where unset)."""

    def value(match: re.Match[str]) -> str:
        head, _, tail = match.group(1).partition("[].")
        found = lookup(doc, doc, head)
        if tail and isinstance(found, list):
            found = [lookup(doc, entry, tail) for entry in found]
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
