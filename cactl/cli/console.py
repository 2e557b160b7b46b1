"""One place that owns stdout and stderr for every command.

- Reports (tables, JSON, markdown, ...) go to stdout; messages, progress and summaries to stderr,
  so ``cactl ... --format json | jq`` always works.
- Colour only on a terminal; ``NO_COLOR`` and ``FORCE_COLOR`` are honoured (rich does all
  three); ``cactl --color always|never`` overrides them. Prompts only when stdin is a terminal.
- Verbosity: ``note`` is silent under ``--quiet``, ``info`` speaks only under ``--verbose``;
  warnings and errors always reach stderr.
- Consoles are made per call, so tests that swap ``sys.stdout`` see the output.
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import json
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, TextIO

from rich.console import Console
from rich.text import Text

from cactl.errors import printable

#: Narrower than this, a ``COLUMNS`` value is taken for a mistake (``COLUMNS=0``).
MIN_WIDTH = 20
#: The width when there is no terminal to ask (and no usable ``COLUMNS``).
DEFAULT_WIDTH = 100


@dataclass
class Settings:
    """The global options of one run (``cactl -q/-v/--color``)."""

    #: -1 quiet, 0 normal, 1 verbose.
    verbosity: int = 0
    #: True: always colour, False: never, None: rich decides (a terminal, NO_COLOR, FORCE_COLOR).
    color: bool | None = None
    #: The report goes to stderr: another output (``--plot -``, ``--record -``) has stdout.
    report_on_stderr: bool = False


SETTINGS = Settings()


def configure(*, verbosity: int = 0, color: bool | None = None) -> None:
    """Set the global options; every run of the app sets them anew."""
    SETTINGS.verbosity = verbosity
    SETTINGS.color = color


def report_to_stderr() -> None:
    """Send the report to stderr for the rest of the run: another output has stdout."""
    SETTINGS.report_on_stderr = True


@contextlib.contextmanager
def scope() -> Iterator[None]:
    """One run of a command: the settings it changes are put back when it ends (a run inside a
    run, ``recommend --run``, keeps the outer one's)."""
    saved = dataclasses.replace(SETTINGS)
    try:
        yield
    finally:
        for item in dataclasses.fields(Settings):
            setattr(SETTINGS, item.name, getattr(saved, item.name))


def report_stream() -> TextIO:
    """Where the report goes: stdout, or stderr when another output has stdout (a report lost
    there is a lost output, unlike a message: see :mod:`cactl.cli.streams`)."""
    if SETTINGS.report_on_stderr:
        from cactl.cli import streams

        return streams.report_on_stderr()
    return sys.stdout


def _width(file: TextIO) -> int:
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) >= MIN_WIDTH:
        return int(columns)
    try:
        if file.isatty():
            size = os.get_terminal_size(file.fileno()).columns
            if size >= MIN_WIDTH:
                return size
    except (OSError, ValueError, AttributeError):
        pass
    return DEFAULT_WIDTH


class _Console(Console):
    """A rich console whose reader going away (``cactl ... | head``) is a stream error that
    :mod:`cactl.cli.streams` handles (rich itself would exit 1, the code of findings)."""

    def on_broken_pipe(self) -> None:
        self.quiet = True
        raise BrokenPipeError(errno.EPIPE, "Broken pipe")


def _console(file: TextIO) -> Console:
    if SETTINGS.color is None:
        return _Console(file=file, width=_width(file), highlight=False, soft_wrap=False)
    if SETTINGS.color:
        return _Console(
            file=file,
            width=_width(file),
            highlight=False,
            soft_wrap=False,
            force_terminal=True,
            no_color=False,
        )
    return _Console(
        file=file, width=_width(file), highlight=False, soft_wrap=False, color_system=None
    )


def out() -> Console:
    """Console for reports: on stdout (see :func:`report_stream`)."""
    return _console(report_stream())


def err() -> Console:
    """Console on stderr, for messages, warnings and progress."""
    return _console(sys.stderr)


def emit_json(document: Any) -> None:
    """Print one JSON document on stdout (see :func:`report_stream`) and nothing else."""
    report_stream().write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")


def emit_text(text: str) -> None:
    """Print plain text on stdout (see :func:`report_stream`) exactly as given (CSV, markdown,
    LaTeX, XML...)."""
    report_stream().write(text if text.endswith("\n") or not text else text + "\n")


def stdin_is_interactive() -> bool:
    """Whether prompting makes sense: stdin is a terminal."""
    try:
        return sys.stdin.isatty()
    except (AttributeError, ValueError):
        return False


def warn(message: str) -> None:
    err().print(Text.assemble(("warning:", "yellow"), f" {message}"))


def note(message: str) -> None:
    """A message for a person on stderr (a verdict, a file written); silent under --quiet.
    One line stays one line (the terminal wraps it, not cactl), so logs can be searched."""
    if SETTINGS.verbosity >= 0:
        err().print(message, markup=False, soft_wrap=True)


def info(message: str) -> None:
    """What was read or decided (a config file, a default); only under --verbose."""
    if SETTINGS.verbosity > 0:
        err().print(message, markup=False, style="dim", soft_wrap=True)


def wrote(path: object) -> None:
    """``wrote PATH`` on stderr, after an output file is written (nothing for ``-``, stdout)."""
    if str(path) != "-":
        note(f"wrote {printable(str(path))}")
