"""Reading and writing trajectory JSONL files (one trajectory per line).

Reading streams the file (``-``: standard input) line by line: blank lines and lines starting
with ``#`` are skipped; every problem is reported with the line number, the trajectory id
(when the line has one) and the field path (``steps[3].value``). Values are as strict as
``cactl schema trajectory`` says: JSON types are not converted (``"1.0"`` is not a number,
``true`` not a count); numbers must be finite (``NaN``, ``Infinity`` and overflowing literals
are refused); text holds no control characters or lone surrogates, and a text field (or a
key) is at most :data:`~cactl.trajectory.model.MAX_TEXT_CHARS` characters; a key may appear
once per object; ids must be unique within the file. A line is at most
:data:`MAX_LINE_BYTES`.

:func:`load_trajectories` holds what it reads: at most :data:`MAX_TRAJECTORIES` data lines
(trajectories, valid or not), :data:`MAX_STEPS` steps and :data:`MAX_VALUES` entries of
per-token and per-step lists and coalition tables. It stops at the line that crosses
a limit (the steps of a line are counted before its models are built). It reports every error
of the file at once: the first :data:`cactl.errors.MAX_SHOWN` in full, and how many there are
in all (``... and N more``, ``count`` in the JSON document).
"""

from __future__ import annotations

import gc
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from pydantic import BaseModel, ValidationError

from cactl.errors import MAX_SHOWN, InputError, InputErrors, did_you_mean
from cactl.fileio import open_input, source_name, write_atomic
from cactl.trajectory.model import MAX_TEXT_CHARS, Coalition, Step, Trajectory, Truth
from cactl.yamlsrc import bad_character, bad_text_error, pydantic_code

#: Bytes a line (one trajectory) may have: 64 MiB.
MAX_LINE_BYTES = 64 * 1024 * 1024
#: Lines a file may have, blank and comment lines included, and bytes in all (1 GiB): the
#: bounds on the time a file takes to read, whatever its lines hold.
MAX_LINES = 2_000_000
MAX_INPUT_BYTES = 1024 * 1024 * 1024
#: Data lines (trajectories) and steps one file may bring into a run (they are held in
#: memory; see the README for how much).
MAX_TRAJECTORIES = 200_000
MAX_STEPS = 1_000_000
#: Entries of the lists of a run's steps (``token_values``, ``logp`` and ``ref_logp`` lists,
#: ``branch_returns``, ``counterfactual_returns``) and of its coalition tables (a coalition and
#: each of its members), held in memory: about 100 bytes each.
MAX_VALUES = 5_000_000
#: The list fields of a step counted against MAX_VALUES.
_STEP_LISTS = frozenset(
    ("token_values", "logp", "ref_logp", "branch_returns", "counterfactual_returns")
)


@dataclass(frozen=True)
class Loaded:
    """The trajectories of a file and the line each one came from."""

    trajectories: list[Trajectory]
    lines: list[int]
    file: str


def _field_path(loc: tuple[int | str, ...]) -> str | None:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif "[" in part or "(" in part or part in ("float", "int", "str", "constrained-str"):
            continue  # pydantic's labels of union members and validators, not fields
        else:
            path += f".{part}" if path else part
    return path or None


def _known_fields(loc: tuple[int | str, ...]) -> list[str]:
    model: type[BaseModel] = Trajectory
    names: dict[str, type[BaseModel]] = {"steps": Step, "truth": Truth, "coalitions": Coalition}
    for part in loc[:-1]:
        if isinstance(part, str) and part in names:
            model = names[part]
    return list(model.model_fields)


#: Nesting of lists and objects a line may have (the format needs 4; validation recurses).
MAX_DEPTH = 64


def _depth(data: Any) -> int:
    """How deeply lists and objects nest in ``data`` (level by level, without recursion;
    stops counting past MAX_DEPTH)."""
    depth = 0
    level = [data] if isinstance(data, (dict, list)) else []
    while level and depth <= MAX_DEPTH:
        depth += 1
        level = [
            item
            for value in level
            for item in (value.values() if isinstance(value, dict) else value)
            if isinstance(item, (dict, list))
        ]
    return depth


def _too_deep(file: str, line: int) -> InputError:
    return InputError(
        "lists and objects nest too deeply",
        file=file,
        line=line,
        expected=f"at most {MAX_DEPTH} levels",
        code="too-deep",
    )


class _DuplicateKey(Exception):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


class _LongKey(Exception):
    def __init__(self, length: int) -> None:
        super().__init__(length)
        self.length = length


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object whose keys are unique (``json`` would keep the last value silently)."""
    data = dict(pairs)
    if len(data) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicateKey(key)
            seen.add(key)
    return data


def _object_short_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """:func:`_object`, each key at most MAX_TEXT_CHARS characters (for a line long enough
    to hold a longer one)."""
    data = _object(pairs)
    if data and (longest := max(map(len, data))) > MAX_TEXT_CHARS:
        raise _LongKey(longest)
    return data


_DECODER = json.JSONDecoder(object_pairs_hook=_object)
_LONG_LINE_DECODER = json.JSONDecoder(object_pairs_hook=_object_short_keys)


def _too_long(
    what: str, length: int, file: str, line: int, field: str | None, index: int
) -> InputError:
    return InputError(
        f"{what} is too long",
        file=file,
        line=line,
        field=field,
        expected=f"at most {MAX_TEXT_CHARS} characters",
        found=f"{length} characters",
        code="too-large",
        trajectory=index,
    )


def _reported(exc: ValidationError) -> list[tuple[str | None, Any]]:
    """``(field path, pydantic error)`` of each error reported: one per field (a union reports
    each of its members); text too long for a union (an int or a str) is that, not "should be
    a valid integer"."""
    items = exc.errors(include_url=False)
    too_long = {_field_path(tuple(e["loc"])) for e in items if e["type"] == "string_too_long"}
    seen: set[str | None] = set()
    reported = []
    for error in items:
        field = _field_path(tuple(error["loc"]))
        if field in seen or (field in too_long and error["type"] != "string_too_long"):
            continue
        seen.add(field)
        reported.append((field, error))
    return reported


def _validation_errors(
    exc: ValidationError, data: Any, file: str, line: int, index: int
) -> Iterator[InputError]:
    ident = data.get("id") if isinstance(data, dict) else None
    label = str(ident) if isinstance(ident, str) or type(ident) is int else None
    suffix = f" (trajectory {label!r})" if label and len(label) <= MAX_TEXT_CHARS else ""
    for field, error in _reported(exc):
        loc = tuple(error["loc"])
        if error["type"] == "string_too_long":
            yield _too_long("text", len(error["input"]), file, line, field, index)
            continue
        message = str(error["msg"]).removeprefix("Value error, ")
        if error["type"] == "finite_number":
            message = f"must be a finite number, found {error.get('input')}"
        found = None
        value = error.get("input")
        if (
            "found" not in message
            and error["type"] != "missing"
            and not isinstance(value, (dict, list))
        ):
            found = repr(value)[:60]
        hint = None
        if error["type"] == "extra_forbidden" and loc:
            hint = did_you_mean(str(loc[-1]), _known_fields(loc))
        yield InputError(
            message + suffix,
            file=file,
            line=line,
            field=field,
            found=found,
            hint=hint,
            code=pydantic_code(str(error["type"])),
            trajectory=index,
        )


def iter_trajectories(path: str | Path) -> Iterator[tuple[int, Trajectory]]:
    """``(line number, trajectory)`` for each trajectory of the file, in order, as a stream.

    Raises the first error met (see :func:`load_trajectories` for all errors at once).
    """
    for item in _scan(path):
        if isinstance(item, InputError):
            raise item
        if isinstance(item, tuple):
            yield item


def _lines(handle: BinaryIO, file: str) -> Iterator[tuple[int, str] | InputError]:
    """``(line number, text)`` of each line, each at most :data:`MAX_LINE_BYTES` long, at most
    :data:`MAX_LINES` lines and :data:`MAX_INPUT_BYTES` bytes in all (past a limit: an error,
    and reading stops, without holding the line in memory)."""
    number = size = 0
    while True:
        try:
            raw = handle.readline(MAX_LINE_BYTES + 1)
        except OSError as exc:  # a device or a network file that fails mid-way
            yield InputError(
                f"cannot read: {exc.strerror}", file=file, line=number + 1, code="unreadable"
            )
            return
        if not raw:
            return
        number += 1
        size += len(raw)
        if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
            # Reading stops here: the rest of the line may never end (/dev/zero, a pipe).
            yield InputError(
                "line is too long; reading stops here",
                file=file,
                line=number,
                expected=f"at most {MAX_LINE_BYTES} bytes",
                code="too-large",
            )
            return
        if number > MAX_LINES or size > MAX_INPUT_BYTES:  # blank and comment lines count too
            yield InputError(
                "file is too long; reading stops here",
                file=file,
                line=number,
                expected=f"at most {MAX_LINES} lines and {MAX_INPUT_BYTES} bytes",
                found=f"{number} lines and {size} bytes up to this line",
                hint="split the file",
                code="too-large",
            )
            return
        if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]  # a byte order mark (Windows editors write one) is not part of line 1
        try:
            yield number, raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            yield InputError(
                f"not UTF-8 text (byte {exc.start} of the line)",
                file=file,
                line=number,
                code="bad-text",
            )


def _bad_text(data: Any) -> tuple[str, str] | None:
    """``(field path, text)`` of the first key or string value with a character cactl refuses
    (see :func:`cactl.yamlsrc.bad_character`), or None. Text longer than MAX_TEXT_CHARS is
    left to the schema's check of its length (it is refused for that)."""
    stack: list[tuple[Any, str]] = [(data, "")]
    while stack:
        value, where = stack.pop()
        if isinstance(value, str):
            if len(value) <= MAX_TEXT_CHARS and bad_character(value) is not None:
                return where, value
        elif isinstance(value, dict):
            for key, item in value.items():
                child = f"{where}.{key}" if where else str(key)
                if bad_character(key) is not None:
                    return where or "(key)", key
                stack.append((item, child))
        elif isinstance(value, list):
            stack.extend((item, f"{where}[{k}]") for k, item in enumerate(value))
    return None


@dataclass
class _Budget:
    """What :func:`load_trajectories` has taken in: data lines and steps, within the limits."""

    lines: int = 0
    steps: int = 0
    values: int = 0
    #: False once the reader holds all the errors it lists: later errors are only counted
    #: (the scan yields their number instead of building each message).
    detailed: bool = True

    def add_line(self) -> bool:
        """Count one data line; True when that crosses the limit."""
        self.lines += 1
        return self.lines > MAX_TRAJECTORIES

    def add_steps(self, steps: Any) -> bool:
        """Count a line's steps (its ``steps`` list, before validation); True when that
        crosses the limit."""
        self.steps += len(steps) if isinstance(steps, list) else 0
        return self.steps > MAX_STEPS

    def add_values(self, data: dict[str, Any]) -> bool:
        """Count the entries of a line's lists (before validation, see MAX_VALUES); True when
        that crosses the limit."""
        steps, coalitions = data.get("steps"), data.get("coalitions")
        for step in steps if isinstance(steps, list) else ():
            if isinstance(step, dict):
                for name in _STEP_LISTS.intersection(step):  # most steps have none of them
                    value = step[name]
                    if isinstance(value, list):
                        self.values += len(value)
        for coalition in coalitions if isinstance(coalitions, list) else ():
            members = coalition.get("members") if isinstance(coalition, dict) else None
            self.values += 1 + (len(members) if isinstance(members, list) else 0)
        return self.values > MAX_VALUES

    def error(self, file: str, line: int, index: int) -> InputError:
        return InputError(
            "too many trajectories, steps or values for one run",
            file=file,
            line=line,
            expected=f"at most {MAX_TRAJECTORIES} trajectories and {MAX_STEPS} steps, "
            f"and {MAX_VALUES} list entries",
            found=f"{self.lines} trajectories, {self.steps} steps and {self.values} list entries "
            "up to this line",
            hint="split the file",
            code="too-large",
            trajectory=index,
        )


def _scan(
    path: str | Path, budget: _Budget | None = None
) -> Iterator[tuple[int, Trajectory] | InputError | int]:
    """Each line's trajectory or errors, in order; with ``budget``, the scan ends with a
    ``too-large`` error at the line that crosses a limit, and once ``budget.detailed`` is
    off, a line's validation errors come as their number (the messages are not built)."""
    file = source_name(path)
    try:
        handle, owned = open_input(path, what="file")
    except InputError as exc:
        yield exc
        return
    first_line: dict[str, int] = {}
    try:
        index = -1  # of the trajectory on the line (data lines counted from 0)
        for item in _lines(handle, file):
            if isinstance(item, InputError):
                # a line too long is a data line, skipped: it counts against the limit too
                if item.code == "too-large" and budget is not None and budget.add_line():
                    yield budget.error(file, item.line or 0, index + 1)
                    return
                yield item
                continue
            number, text = item
            stripped = text.strip()
            if not stripped or stripped.startswith("#"):
                continue
            index += 1
            if budget is not None and budget.add_line():
                yield budget.error(file, number, index)
                return
            decoder = _LONG_LINE_DECODER if len(stripped) > MAX_TEXT_CHARS else _DECODER
            try:
                data = decoder.decode(stripped)
            except RecursionError:
                yield _too_deep(file, number)
                continue
            except _DuplicateKey as exc:
                yield InputError(
                    f"duplicate key {exc.key!r}",
                    file=file,
                    line=number,
                    expected="each key once per object",
                    hint="JSON readers differ on which value wins; keep one",
                    code="duplicate-key",
                )
                continue
            except _LongKey as exc:
                yield _too_long("a key", exc.length, file, number, None, index)
                continue
            except json.JSONDecodeError as exc:
                yield InputError(
                    f"invalid JSON: {exc.msg}",
                    file=file,
                    line=number,
                    column=exc.colno,
                    source_line=stripped,
                    code="json-syntax",
                )
                continue
            except ValueError:  # an integer past Python's digit limit for int()
                yield InputError(
                    "a number has too many digits",
                    file=file,
                    line=number,
                    expected="at most 4300 digits",
                    code="too-large",
                )
                continue
            # the line's brackets bound its depth: most lines need no walk
            brackets = stripped.count("[") + stripped.count("{")
            if brackets > MAX_DEPTH and _depth(data) > MAX_DEPTH:
                yield _too_deep(file, number)
                continue
            if not isinstance(data, dict):
                yield InputError(
                    "each line must be one trajectory",
                    file=file,
                    line=number,
                    expected="a JSON object",
                    found=type(data).__name__,
                    code="wrong-type",
                )
                continue
            if budget is not None and (
                budget.add_steps(data.get("steps")) or budget.add_values(data)
            ):
                yield budget.error(file, number, index)
                return
            # a refused character can only come from an escape: the line is strict UTF-8 and
            # JSON allows no raw control character in a string
            bad = _bad_text(data) if "\\" in stripped else None
            if bad is not None:
                message, found = bad_text_error(bad[1], bad_character(bad[1]) or 0)
                yield InputError(
                    message,
                    file=file,
                    line=number,
                    field=bad[0] or None,
                    found=found,
                    code="bad-text",
                    trajectory=index,
                )
                continue
            try:
                # strict: JSON types as the schema says ("1.0" is no number, true no count)
                trajectory = Trajectory.model_validate(data, strict=True)
            except ValidationError as exc:
                if budget is None or budget.detailed:
                    yield from _validation_errors(exc, data, file, number, index)
                else:
                    yield len(_reported(exc))
                continue
            if trajectory.id in first_line:
                yield InputError(
                    f"duplicate id {trajectory.id!r} (first on line {first_line[trajectory.id]})",
                    file=file,
                    line=number,
                    field="id",
                    expected="ids unique within the file",
                    code="duplicate-id",
                    trajectory=index,
                )
                continue
            first_line[trajectory.id] = number
            yield number, trajectory
    finally:
        if owned:
            handle.close()


def load_trajectories(path: str | Path) -> Loaded:
    """Every trajectory of the file (``-``: standard input), or every error in it raised
    together (the first :data:`~cactl.errors.MAX_SHOWN` held, the rest counted). A file past
    :data:`MAX_TRAJECTORIES` data lines or :data:`MAX_STEPS` steps stops at the line that
    crosses the limit with a ``too-large`` error. Once a line is in error, no more
    trajectories are held (the file is refused; the rest is read for its errors)."""
    file = source_name(path)
    trajectories: list[Trajectory] = []
    lines: list[int] = []
    errors: list[InputError] = []
    count = 0
    # Reading makes millions of objects and no cycles: the cycle collector would only rescan
    # them (it doubles the time of a large file); it is back on when reading ends.
    collecting = gc.isenabled()
    gc.disable()
    budget = _Budget()
    try:
        for item in _scan(path, budget):
            if isinstance(item, int):
                count += item
                continue
            if isinstance(item, InputError):
                count += 1
                if len(errors) < MAX_SHOWN:
                    errors.append(item)
                budget.detailed = len(errors) < MAX_SHOWN
                continue
            if not count:
                lines.append(item[0])
                trajectories.append(item[1])
    finally:
        if collecting:
            gc.enable()
    if count == 1:
        raise errors[0]
    if count:
        raise InputErrors(errors, total=count)
    if not trajectories:
        raise InputError(
            "no trajectories in the file",
            file=file,
            expected="one JSON object per line",
            found="only blank or # lines",
            code="empty",
        )
    return Loaded(trajectories, lines, file)


def _rounded(value: Any, digits: int) -> Any:
    if isinstance(value, float):
        return float(f"{value:.{digits}g}")
    if isinstance(value, list):
        return [_rounded(item, digits) for item in value]
    if isinstance(value, dict):
        return {key: _rounded(item, digits) for key, item in value.items()}
    return value


def dumps(trajectory: Trajectory, *, digits: int | None = None) -> str:
    """One JSONL line (no newline); fields that are not set are left out; ``digits`` rounds
    every number to that many significant digits."""
    data = trajectory.model_dump(exclude_none=True)
    if digits is not None:
        data = _rounded(data, digits)
    return json.dumps(data, separators=(",", ":"), allow_nan=False)


def write_trajectories(
    path: str | Path,
    trajectories: Iterable[Trajectory],
    *,
    header: str | None = None,
    digits: int | None = None,
) -> None:
    """Write a JSONL file whole or not at all; ``header`` lines become ``#`` comments.

    Raises InputError on duplicate ids (the reader would refuse the file).
    """
    lines = [f"# {row}".rstrip() for row in header.splitlines()] if header else []
    seen: set[str] = set()
    for trajectory in trajectories:
        if trajectory.id in seen:
            raise InputError(
                f"duplicate id {trajectory.id!r}", file=str(path), field="id", code="duplicate-id"
            )
        seen.add(trajectory.id)
        lines.append(dumps(trajectory, digits=digits))
    write_atomic(path, "\n".join(lines) + "\n")
