"""Errors that reach a user: bad input, unknown names, unusable files.

Every command turns a :class:`CactlError` into a one-paragraph message on stderr and exit
code 2 (no traceback unless ``--debug``). An input error names what it can of: the file, the
line and column (1-based), the field path, what was expected and what was found.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field


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

    def __post_init__(self) -> None:
        super().__init__(self.render())

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

    def __post_init__(self) -> None:
        super().__init__(self.render())

    def render(self, *, frame: bool = False) -> str:
        count = len(self.errors)
        head = f"{count} error{'s' if count != 1 else ''}:\n" if count > 1 else ""
        return head + "\n".join(error.render(frame=frame) for error in self.errors)


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
