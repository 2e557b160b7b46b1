"""What a command that failed with exit 2 reports: a message for a person on stderr and, under a
format read by programs (``--format json``, ``sarif``, ``github``, given on the command line or
as a project default), the errors as data where the report would have gone.

Both kinds of exit 2 are reported so: input errors (:class:`cactl.errors.CactlError`) and
usage errors of the command-line parser (an unknown option, a missing argument, a bad choice, a
value of the wrong type), which become errors with the code ``usage``, the option as ``field``
and what was ``expected`` and ``found``. The parser still prints its own usage text on stderr.

Imported only when a command fails.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from typer import _click
from typer.core import TyperGroup

from cactl.cli import paths, streams
from cactl.errors import CactlError, InputError, InputErrors
from cactl.fileio import STDIO, write_atomic
from cactl.render.errors import ERROR_FORMATS


@dataclass(frozen=True)
class Requested:
    """What the failed command line asked for, as far as the parser can tell."""

    #: The ``--format`` name (``json``, ``sarif``, ...), from the command line or the defaults.
    format: str | None = None
    #: The report's ``-o`` file, unless it is ``-`` or one of the command's inputs.
    output: str | None = None
    #: The command's parameters and the values the parser read for them, as typed.
    command: Any = None
    typed: dict[str, Any] = field(default_factory=dict)
    #: The command's words after ``cactl`` (``tree check``), for its path parameters.
    words: str = ""


def _leaf(group: TyperGroup, ctx: Any, args: list[str]) -> tuple[Any, str, Any, list[str]]:
    """The command that ``args`` name under ``group`` (through its subgroups), its name, the
    context of its group and the arguments left for it; groups are parsed again without
    callbacks, prompts or usage errors, as typer's shell completion walks a command line."""
    command: Any = group
    command_ctx = ctx
    while args:
        name, sub, rest = command.resolve_command(command_ctx, args)
        if sub is None or name is None:
            break
        if not isinstance(sub, TyperGroup):
            return sub, name, command_ctx, list(rest)
        command_ctx = sub.make_context(name, list(rest), parent=command_ctx, resilient_parsing=True)
        command = sub
        args = [*command_ctx._protected_args, *command_ctx.args]
    raise LookupError("the command line names no command")


def requested(group: TyperGroup, ctx: Any, args: list[str]) -> Requested:
    """The format and ``-o`` file the command line ``args`` (under ``group``) asked for, read
    again by the parser itself, past any option it refuses."""
    try:
        command, name, parent, rest = _leaf(group, ctx, args)
        # Options after a bad one count too: unknown options are skipped, not fatal.
        reader = command.make_context(
            name, list(rest), parent=parent, resilient_parsing=True, ignore_unknown_options=True
        )
        typed, _, _ = command.make_parser(reader).parse_args(list(rest))
    except Exception:  # a command line that names no command (``cactl audti x -f json``)
        return Requested(format=_format_given(args))
    value = reader.params.get("output_format")
    output = reader.params.get("output")
    if output is not None:
        output = str(output)
        if output == STDIO or paths.clashing_input(output, paths.named_paths(reader)):
            output = None
    format_name = value if isinstance(value, str) or value is None else getattr(value, "name", None)
    return Requested(
        format_name if isinstance(format_name, str) else None,
        output,
        command,
        typed,
        paths.command_words(reader),
    )


def _format_given(args: list[str]) -> str | None:
    """The value of ``--format``/``-f`` in ``args`` when no command can read them: every
    command spells the option so, and ``-f`` means ``--format`` in every command (a test walks
    them). Only a format read by programs counts."""
    found = None
    for index, word in enumerate(args):
        if word == "--":
            break
        if word in ("--format", "-f") and index + 1 < len(args):
            found = args[index + 1]
        elif word.startswith("--format="):
            found = word.split("=", 1)[1]
        elif word.startswith("-f") and not word.startswith("--") and len(word) > 2:
            found = word[2:]
    return found if found in ERROR_FORMATS else None


def root_usage(
    exc: _click.exceptions.UsageError, group: TyperGroup, ctx: Any, args: list[str]
) -> None:
    """A usage error in the global options (``cactl --colour never audit ... -f json``): the
    format is the command's, read from the command's part of the line, with the project
    defaults unless ``--no-config`` came before it."""
    commands = set(group.list_commands(ctx))
    start = next((i for i, word in enumerate(args) if word in commands), None)
    if start is None:
        return
    if "--no-config" not in args[:start]:
        from pathlib import Path

        from cactl import config

        try:
            defaults = config.load_defaults(Path.cwd(), running=args[start])
        except CactlError:
            defaults = None
        ctx.default_map = defaults.values if defaults is not None else None
    asked = requested(group, ctx, args[start:])
    try:
        typed, _, _ = group.make_parser(ctx).parse_args(list(args[:start]))
    except Exception:
        typed = {}
    usage(exc, Requested(asked.format, asked.output, group, typed))


#: Error codes that say the ``-o`` file itself is unusable: the errors then go to stdout.
_OUTPUT_CODES = frozenset({"unwritable", "output-is-input"})


def errors_as_data(exc: CactlError, asked: Requested) -> None:
    """The errors document of a format read by programs: in the ``-o`` file (so a CI step that
    uploads ``-o x.sarif`` finds the input errors there), else on stdout. Nothing for the
    formats people read."""
    render = ERROR_FORMATS.get(asked.format or "")
    if render is None:
        return
    document = render(exc)
    codes = {getattr(e, "code", None) for e in getattr(exc, "errors", [exc])}
    if asked.output is not None and not codes & _OUTPUT_CODES:
        try:
            write_atomic(asked.output, document)
            return
        except CactlError:
            pass  # the file cannot take it: stdout still can
    try:
        sys.stdout.write(document)
        sys.stdout.flush()
    except OSError as error:
        streams.failed(error)


def failure(exc: CactlError, asked: Requested) -> None:
    """An input error: the message on stderr, and the errors as data."""
    text = exc.render(frame=True) if isinstance(exc, (InputError, InputErrors)) else exc.render()
    streams.say(f"error: {text}")
    errors_as_data(exc, asked)


# -- usage errors ----------------------------------------------------------------------------


def _param(command: Any, name: str | None) -> Any:
    """The parameter of ``command`` that an option name (``--lr``) or a parameter name is."""
    for param in getattr(command, "params", []):
        if name == param.name or name in getattr(param, "opts", []):
            return param
    return None


def _range(param: Any) -> str:
    low, high = getattr(param, "min", None), getattr(param, "max", None)
    if low is not None and high is not None:
        return f" from {low} to {high}"
    if low is not None:
        return f" >= {low}"
    if high is not None:
        return f" <= {high}"
    return ""


def expected(param: Any, words: str = "") -> str | None:
    """What a parameter of the command ``words`` takes, in words: ``one of table, json``, ``an
    integer from 1 to 1000``, ``a path (- for standard input)``."""
    if param is None:
        return None
    role = paths.PATHS.get(words, {}).get(param.name)
    if role is not None:
        stdio = "standard input" if role in paths.INPUT_ROLES else "standard output"
        name = "a built-in name or a path" if role is paths.Role.NAME_OR_INPUT else "a path"
        return f"{name} (- for {stdio})"
    metavar = getattr(param, "metavar", None)
    if metavar and "|" in metavar:
        return "one of " + ", ".join(metavar.split("|"))
    descriptor = getattr(param, "type_descriptor", None)
    if descriptor is not None and descriptor.is_choice and descriptor.choices:
        names = [str(getattr(choice, "value", choice)) for choice in descriptor.choices]
        return "one of " + ", ".join(names)
    annotation = getattr(descriptor, "annotation", None)
    args = getattr(annotation, "__args__", None)
    if args and getattr(annotation, "__origin__", None) is list:
        annotation = args[0]
    kinds = {int: "an integer", float: "a number", bool: "a flag"}
    if annotation in kinds:
        return kinds[annotation] + _range(param)
    if isinstance(annotation, type) and issubclass(annotation, PurePath):
        return "a path"
    return f"a value ({metavar})" if metavar else "a value"


def _found(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        return ", ".join(repr(item) for item in value) if value else None
    return repr(value)


def usage_error(exc: _click.exceptions.UsageError, asked: Requested) -> InputError:
    """A usage error of the parser as data: code ``usage``, the option, expected, found."""
    message = exc.format_message()
    if isinstance(exc, _click.exceptions.NoSuchOption):
        hint = None
        if exc.possibilities:
            hint = "did you mean " + " or ".join(sorted(exc.possibilities)) + "?"
        options = sorted(
            opt
            for param in getattr(asked.command, "params", [])
            if not getattr(param, "hidden", False)
            for opt in getattr(param, "opts", [])
            if opt.startswith("--")
        )
        return InputError(
            message,
            field=exc.option_name,
            expected="one of " + ", ".join([*options, "--help"]) if options else None,
            found=exc.option_name,
            hint=hint,
            code="usage",
        )
    unknown = getattr(exc, "unknown_command", None)
    if isinstance(unknown, str):
        commands = getattr(exc, "known_commands", [])
        return InputError(
            message,
            field="COMMAND",
            expected="one of " + ", ".join(commands) if commands else None,
            found=repr(unknown),
            code="usage",
        )
    param = None
    name: str | None = None
    if isinstance(exc, _click.exceptions.BadOptionUsage):
        name = exc.option_name
        param = _param(asked.command, name)
    elif isinstance(exc, _click.exceptions.BadParameter):
        param = exc.param or None
        if param is None and isinstance(exc.param_hint, str):
            name = exc.param_hint
    if param is not None:
        name = paths.label(param)
    found = None
    if param is not None and not isinstance(exc, _click.exceptions.MissingParameter):
        found = _found(asked.typed.get(param.name))
    return InputError(
        message, field=name, expected=expected(param, asked.words), found=found, code="usage"
    )


def usage(exc: _click.exceptions.UsageError, asked: Requested) -> None:
    """A usage error: the parser prints it for a person (on stderr); this adds the errors
    document under a format read by programs."""
    errors_as_data(usage_error(exc, asked), asked)
