"""Errors that reach a user: bad input, unknown names, unusable files.

Every command turns a :class:`CactlError` into a one-paragraph message on stderr and exit
code 2 (no traceback unless ``--debug``). An input error names what it can of: the file, the
line and column (1-based), the field path, what was expected and what was found.

Errors are data: each :class:`InputError` carries a stable ``code`` from :data:`CODES` (the
registry the README's table is made from) and its context as fields, so a program reads the
fields (:meth:`InputError.to_dict`), never the message.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

#: The stable error codes and what each means. A code is never renamed or reused.
CODES: dict[str, str] = {
    "yaml-syntax": "the file is not valid YAML",
    "json-syntax": "a line of a JSONL file is not valid JSON",
    "yaml-unsupported": "a YAML feature cactl refuses (tags, merge keys, too many aliases)",
    "duplicate-key": "a key appears twice in one mapping or object",
    "duplicate-id": "an id appears twice where ids must be unique",
    "unknown-key": "a key the schema does not know",
    "missing-field": "a required key or field is missing",
    "wrong-type": "a value of the wrong type (text for a number, a list for a mapping, ...)",
    "not-allowed": "a value outside the allowed set of names",
    "invalid-value": "a value of the right type that breaks a rule of the schema",
    "out-of-range": "a number outside its allowed range",
    "not-finite": "a number that is infinite, NaN, or overflows",
    "too-large": "an input, or the work it asks for, exceeds a documented limit",
    "too-deep": "mappings and lists nest deeper than allowed",
    "bad-text": "text that is not UTF-8 or holds a character cactl refuses",
    "not-found": "a file that does not exist",
    "empty-path": "an empty path ('') where a file is expected",
    "not-a-file": "a path that is not a regular file (a folder, a FIFO, a device, ...)",
    "unreadable": "a file that cannot be read",
    "unwritable": "an output that cannot be written",
    "output-is-input": "an output path that is one of the command's inputs",
    "unknown-name": "no built-in item (checklist, tree, estimator, task, method) of that name",
    "missing-requirement": "the data lacks a field the chosen estimator needs",
    "empty": "an input that holds no data",
    "bad-option": "a command-line value that cannot be used",
    "usage": "a command line the parser refuses: an unknown option, a missing argument or value, "
    "a value of the wrong type or not among the choices",
}


def codes_markdown() -> str:
    """The registry as a markdown table (the README's table of error codes)."""
    rows = [f"| `{code}` | {text} |" for code, text in CODES.items()]
    return "\n".join(["| code | meaning |", "|---|---|", *rows]) + "\n"


#: Errors that a message shows at most; the rest are counted ("and N more").
MAX_SHOWN = 50


class CactlError(Exception):
    """Base class of the errors cactl reports to a user (exit code 2)."""

    exit_code = 2

    def render(self) -> str:
        return str(self)


@dataclass(eq=False)
class InputError(CactlError):
    """One problem with one input, located as precisely as is known."""

    message: str
    file: str | None = None
    line: int | None = None
    column: int | None = None
    field: str | None = None
    expected: str | None = None
    found: str | None = None
    hint: str | None = None
    #: The source line the error points at, for a code frame (optional).
    source_line: str | None = None
    #: The stable code of the kind of error (a key of :data:`CODES`).
    code: str = "invalid-value"
    #: The index (0-based) of the trajectory the error is about, where there is one.
    trajectory: int | None = None
    #: Code-specific facts (``{"estimator": "gae", "requires": "value"}``), as text.
    context: Mapping[str, str] = dataclasses.field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.code not in CODES:
            raise ValueError(f"unregistered error code {self.code!r}")
        super().__init__(self.render())

    def to_dict(self) -> dict[str, Any]:
        """The error as JSON-ready data: code, message and every context field."""
        return {
            "code": self.code,
            "message": self.message,
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "field": self.field,
            "expected": self.expected,
            "found": self.found,
            "hint": self.hint,
            "trajectory": self.trajectory,
            "context": dict(self.context),
        }

    @property
    def location(self) -> str:
        """``file:line:col`` with whatever parts are known."""
        parts = [self.file or "<input>"]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)

    def render(self, *, frame: bool = False) -> str:
        return "\n".join(printable(line) for line in self._render(frame).split("\n"))

    def _render(self, frame: bool) -> str:
        text = f"{self.location}: " if self.file or self.line is not None else ""
        if self.field:
            text += f"{self.field}: "
        text += self.message
        details = []
        if self.expected is not None:
            details.append(f"expected {self.expected}")
        if self.found is not None:
            details.append(f"found {self.found}")
        if details:
            text += f" ({', '.join(details)})"
        if self.hint:
            text += f". {self.hint}"
        if frame and self.source_line is not None and self.line is not None:
            gutter = f"{self.line:>5} | "
            shown, caret_at = _window(self.source_line.rstrip(), max((self.column or 1) - 1, 0))
            text += f"\n{gutter}{shown}\n{' ' * len(gutter)}{' ' * caret_at}^"
        return text


def printable(text: str) -> str:
    """``text`` with control characters (ESC, NUL, DEL, C1, a tab or CR...) and lone
    surrogates written as escapes (``\\x1b``, ``\\udcff``), so a message never drives the
    terminal or fails to encode."""
    if text.isprintable():
        return text
    return "".join(
        char
        if char.isprintable()
        else (repr(char)[1:-1] if not 0xD800 <= ord(char) <= 0xDFFF else f"\\u{ord(char):04x}")
        for char in text
    )


#: Characters of a source line a code frame shows at most (a window around the column).
FRAME_WIDTH = 120


def _window(text: str, caret_at: int) -> tuple[str, int]:
    """The part of a long line around the 0-based ``caret_at``, with ``...`` where it is cut,
    and the caret's place in it."""
    if len(text) <= FRAME_WIDTH:
        return text, caret_at
    start = max(0, min(caret_at - FRAME_WIDTH // 2, len(text) - FRAME_WIDTH))
    head = "..." if start > 0 else ""
    tail = "..." if start + FRAME_WIDTH < len(text) else ""
    return head + text[start : start + FRAME_WIDTH] + tail, caret_at - start + len(head)


@dataclass(eq=False)
class InputErrors(CactlError):
    """Several input errors found in one pass; all are reported, not only the first."""

    errors: Sequence[InputError] = field(default_factory=list)
    #: How many errors were found in all, where a reader kept only the first ones (``errors``)
    #: and counted the rest; None: ``errors`` holds them all.
    total: int | None = None

    def __post_init__(self) -> None:
        super().__init__(self.render())

    @property
    def count(self) -> int:
        """The errors found: those held and those only counted."""
        return max(len(self.errors), self.total or 0)

    def render(self, *, frame: bool = False) -> str:
        count = self.count
        head = f"{count} error{'s' if count != 1 else ''}:\n" if count > 1 else ""
        text = head + "\n".join(error.render(frame=frame) for error in self.errors[:MAX_SHOWN])
        more = more_text(self)
        return text + "\n" + more if more else text


def error_list(error: CactlError) -> list[InputError]:
    """The input errors a :class:`CactlError` stands for (one for an error of another kind)."""
    if isinstance(error, InputErrors):
        return list(error.errors)
    if isinstance(error, InputError):
        return [error]
    return [InputError(error.render())]


def error_count(error: CactlError) -> int:
    """How many input errors a :class:`CactlError` stands for, counted ones included."""
    return error.count if isinstance(error, InputErrors) else len(error_list(error))


def more_text(error: CactlError) -> str | None:
    """``... and N more`` for the errors past the :data:`MAX_SHOWN` listed (those only
    counted included), or None when every error is listed. Every format of an exit 2 says it."""
    listed = min(len(error_list(error)), MAX_SHOWN)
    more = error_count(error) - listed
    return f"... and {more} more" if more > 0 else None


def errors_document(error: CactlError) -> dict[str, Any]:
    """The JSON document of an exit 2: ``{"errors": [...], "count": N}`` (at most
    :data:`MAX_SHOWN` errors listed; ``count`` is all of them, those only counted included)."""
    errors = error_list(error)
    return {"errors": [e.to_dict() for e in errors[:MAX_SHOWN]], "count": error_count(error)}


def raise_all(errors: Iterable[InputError]) -> None:
    """Raise one error, or all of them together, or nothing."""
    collected = list(errors)
    if len(collected) == 1:
        raise collected[0]
    if collected:
        raise InputErrors(collected)


def closest(name: str, candidates: Iterable[str], n: int = 3) -> list[str]:
    """The candidates closest to ``name`` (case-insensitive), best first."""
    import difflib

    pool = list(candidates)
    lowered = {c.lower(): c for c in pool}
    hits = difflib.get_close_matches(name.lower(), list(lowered), n=n, cutoff=0.5)
    return [lowered[h] for h in hits]


def did_you_mean(name: str, candidates: Iterable[str]) -> str | None:
    """``did you mean 'x'?`` for the closest candidate, or None."""
    hits = closest(name, candidates, n=3)
    if not hits:
        return None
    return "did you mean " + " or ".join(repr(h) for h in hits) + "?"
