"""Output formats: one registry per command, the single source of its ``--format`` option.

A :class:`Formats` registry is a table of :class:`Format` entries, each a name, a one-line
description and a renderer with one signature (the command's result in, the output out). The
registry makes the ``--format`` option (its choices, completion and help), looks a name up,
and writes what the renderer returns, as check-jsonschema's ``REPORTER_BY_NAME`` and
pip-audit's format enum do. A command adds a format by adding a row, never an ``elif``.

A renderer returns either a ``str`` (a document: JSON, CSV, markdown, XML..., written exactly as
given) or a rich renderable (a table for a person: printed on the terminal, or as plain text
without colour when written to a file).
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

import typer
from rich.console import Console, RenderableType

from cactl.cli import console

T = TypeVar("T")

#: What a renderer returns: a document (``str``) or a rich renderable for a person.
Output = str | RenderableType

#: The width of a rich rendering written to a file (no terminal to ask).
FILE_WIDTH = 120


@dataclass(frozen=True)
class Format(Generic[T]):
    """One output format of a command."""

    name: str
    help: str
    render: Callable[[T], Output]


class Formats(Generic[T]):
    """The output formats of one command, in the order ``--help`` lists them."""

    def __init__(self, *formats: Format[T], default: str | None = None) -> None:
        if not formats:
            raise ValueError("a format registry needs at least one format")
        self._by_name = {f.name: f for f in formats}
        if len(self._by_name) != len(formats):
            raise ValueError("format names must be unique")
        self.default = self[default] if default is not None else formats[0]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self._by_name)

    def __iter__(self) -> Any:
        return iter(self._by_name.values())

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def __getitem__(self, name: str) -> Format[T]:
        return self._by_name[name]

    def choices_text(self) -> str:
        """``table, json or csv``: the names as a sentence lists them."""
        names = list(self._by_name)
        return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]

    def help_text(self) -> str:
        """The option's help: every format with its description."""
        return "; ".join(f"{f.name}: {f.help}" for f in self)

    def parse(self, value: str | Format[T]) -> Format[T]:
        """The format named ``value``; a usage error (exit 2) listing the choices when unknown."""
        if isinstance(value, Format):
            return value
        found = self._by_name.get(value)
        if found is None:
            raise typer.BadParameter(
                f"{value!r} is not one of " + ", ".join(repr(name) for name in self._by_name)
            )
        return found

    def complete(self, incomplete: str) -> list[str]:
        """Shell completion: the names that start with what was typed."""
        return [name for name in self._by_name if name.startswith(incomplete)]

    def option(self, *, help: str | None = None) -> Any:
        """The ``--format/-f`` option; its value is the chosen :class:`Format`."""
        text = self.help_text() if help is None else f"{help} {self.help_text()}"
        return typer.Option(
            self.default.name,
            "--format",
            "-f",
            metavar="|".join(self._by_name),
            parser=self.parse,
            autocompletion=self.complete,
            help=text + ".",
        )


def json_text(document: Any) -> str:
    """One JSON document as cactl prints it: indented, UTF-8, with a final newline."""
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def json_records(records: list[Any]) -> str:
    """One JSON document for one or several results: the record itself, or a list of them."""
    return json_text(records[0] if len(records) == 1 else records)


def plain_text(renderable: RenderableType, width: int = FILE_WIDTH) -> str:
    """A rich renderable as plain text (no colour, no terminal), for a file."""
    buffer = io.StringIO()
    Console(file=buffer, width=width, no_color=True, highlight=False).print(renderable)
    return buffer.getvalue()


def emit(output: Output, path: Path | str | None = None) -> None:
    """Write a renderer's output: to stdout, or whole to ``path`` (whole or not at all)."""
    if path is None:
        if isinstance(output, str):
            console.emit_text(output)
        else:
            console.out().print(output)
        return
    from cactl.fileio import write_atomic

    write_atomic(path, output if isinstance(output, str) else plain_text(output))
