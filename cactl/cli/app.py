"""The ``cactl`` application: global options, command groups, and error handling.

Every command lives in its own module under ``cactl.cli``, named in :data:`COMMANDS`; a
command's module is imported only when that command runs (or ``cactl --help`` lists it), so
``cactl --version`` and one command start without the others' imports.
Before a command runs, its files are checked together (:func:`cactl.cli.paths.check`).
Errors: a :class:`cactl.errors.CactlError` becomes a message on stderr and exit code 2 (and,
under ``--format json``, ``sarif`` or ``github``, the errors as data on stdout); so does a usage
error of the parser, whose own text goes to stderr (:mod:`cactl.cli.report`); a report that
cannot be written (closed, full, a reader gone) a short message and exit code 2, a stderr that
cannot be written nothing (:mod:`cactl.cli.streams`); an unexpected exception a one-line
"internal error" and exit code 2, with the traceback only under ``--debug`` (or
``CACTL_DEBUG=1``).
"""

from __future__ import annotations

import errno
import gc
import importlib
import os
import signal
import sys
from difflib import get_close_matches
from enum import Enum
from typing import Any, Literal

import typer
from typer import _click
from typer._click.exceptions import NoArgsIsHelpError
from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption
from typer.main import get_command_from_info, get_group_from_info
from typer.models import CommandInfo, TyperInfo

from cactl import __version__
from cactl.cli import streams
from cactl.errors import CactlError
from cactl.fileio import tracking_inputs

#: errno values of a stream that cannot take output: a closed reader, a full disk, a closed
#: or failing descriptor.
_STREAM_ERRNOS = {errno.EPIPE, errno.ENOSPC, errno.EBADF, errno.EIO, errno.EDQUOT, errno.EFBIG}

#: Every command, in the order ``cactl --help`` lists them: its module and the attribute there
#: (a ``typer.Typer`` for a group of subcommands, a function for a single command).
COMMANDS: dict[str, tuple[str, str]] = {
    "methods": ("cactl.cli.methods", "app"),
    "audit": ("cactl.cli.audit", "audit"),
    "init": ("cactl.cli.init", "init"),
    "schema": ("cactl.cli.schema", "schema"),
    "recommend": ("cactl.cli.recommend", "recommend"),
    "tree": ("cactl.cli.tree", "app"),
    "estimators": ("cactl.cli.estimators", "app"),
    "trial": ("cactl.cli.trial", "trial"),
    "tasks": ("cactl.cli.tasks", "app"),
}

MARKUP: Literal["markdown"] = "markdown"
HELP_NAMES = ["-h", "--help"]


#: Placeholders for a person in place of typer's Python type names (<str>, <list[Path]>).
_PLACEHOLDERS = {"str": "TEXT", "int": "INTEGER", "float": "NUMBER", "file": "FILE"}
_PLACEHOLDERS |= {"path": "PATH", "directory": "DIR", "Path": "PATH"}
_PLACEHOLDERS |= {"int range": "INTEGER", "float range": "NUMBER"}


def _placeholder(param: TyperOption | TyperArgument, ctx: Any) -> str:
    if param.metavar:
        return param.metavar
    label = TyperOption.display_type(param, ctx)[1:-1]  # typer's "<list[str]>"
    if label.startswith("list[") and label.endswith("]"):
        label = label[5:-1]
    return _PLACEHOLDERS.get(label, label)


class _Option(TyperOption):
    """An option whose help shows FILE, TEXT, a|b or nothing (a flag), not <bool> or <str>."""

    def display_type_rich(self, ctx: Any) -> str | None:
        if self.is_flag or self.count:
            return None
        return _placeholder(self, ctx)


class _Argument(TyperArgument):
    """An argument shown as PAPER.yaml... (its metavar), not {papers}... <list[Path]>."""

    def display_type_rich(self, ctx: Any) -> str | None:
        return None

    def _name(self) -> str:
        return self.metavar or self.name.upper()

    def _rich_display_name(self) -> str:
        return self._name() + ("..." if self.nargs != 1 else "")

    def _usage_display_name(self) -> str:
        name = self._rich_display_name()
        return name if self.required else f"[{name}]"


def _help(command: Any, ctx: Any, formatter: Any) -> None:
    """typer's help, with a reader that went away (``cactl -h | head``) a stream error: rich
    itself exits 1 then, the code of findings."""
    try:
        super(type(command), command).format_help(ctx, formatter)
    except SystemExit as exit_:
        if exit_.code != 1:
            raise
        raise BrokenPipeError(errno.EPIPE, "Broken pipe") from None


class _Command(TyperCommand):
    """A command whose files are checked before it runs (:func:`cactl.cli.paths.check`)."""

    def invoke(self, ctx: Any) -> Any:
        from cactl.cli import paths

        paths.check(ctx)
        return super().invoke(ctx)

    def format_help(self, ctx: Any, formatter: Any) -> None:
        _help(self, ctx, formatter)


def _name_unknown_command(group: TyperGroup, ctx: Any, args: list[str], error: Any) -> None:
    """Give click's "No such command" error the name and the choices as data, for the errors
    document (:mod:`cactl.cli.report`)."""
    if type(error) is _click.exceptions.UsageError and args:
        setattr(error, "unknown_command", args[0])  # noqa: B010 (a click error of its own class)
        setattr(error, "known_commands", group.list_commands(ctx))  # noqa: B010


class _Subgroup(TyperGroup):
    """A group of subcommands (``cactl methods``) whose help handles a reader going away."""

    def format_help(self, ctx: Any, formatter: Any) -> None:
        _help(self, ctx, formatter)

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        try:
            return super().resolve_command(ctx, args)
        except _click.exceptions.UsageError as error:
            _name_unknown_command(self, ctx, args, error)
            raise


def humanize(command: _click.Command) -> _click.Command:
    """Give a command's parameters (and its subcommands') the placeholders above, and each
    command the checks of its files before it runs."""
    if type(command) is TyperCommand:
        command.__class__ = _Command
    elif type(command) is TyperGroup:
        command.__class__ = _Subgroup
    # click makes the help option on first use and keeps it: make it now, to humanize it too
    help_option = command.get_help_option(_click.Context(command, help_option_names=HELP_NAMES))
    for param in [*command.params, *([help_option] if help_option else [])]:
        if type(param) is TyperOption:
            param.__class__ = _Option
        elif type(param) is TyperArgument:
            param.__class__ = _Argument
    for sub in getattr(command, "commands", {}).values():
        humanize(sub)
    return command


def load_command(name: str) -> _click.Command:
    """Import the module of command ``name`` and build its click command."""
    module_name, attribute = COMMANDS[name]
    target = getattr(importlib.import_module(module_name), attribute)
    if isinstance(target, typer.Typer):
        command: _click.Command = get_group_from_info(
            TyperInfo(target, name=name),
            pretty_exceptions_short=False,
            suggest_commands=True,
            rich_markup_mode=MARKUP,
        )
    else:
        command = get_command_from_info(
            CommandInfo(name=name, callback=target),
            pretty_exceptions_short=False,
            rich_markup_mode=MARKUP,
        )
    return humanize(command)


class _Group(TyperGroup):
    """Click group that loads commands lazily and turns cactl errors into messages and exit 2."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        humanize(self)

    def format_help(self, ctx: Any, formatter: Any) -> None:
        humanize(self)  # typer adds --install-completion and --show-completion after __init__
        _help(self, ctx, formatter)

    def list_commands(self, ctx: Any) -> list[str]:
        return [*COMMANDS, *(name for name in super().list_commands(ctx) if name not in COMMANDS)]

    def get_command(self, ctx: Any, cmd_name: str) -> _click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is None and cmd_name in COMMANDS:
            command = self.commands[cmd_name] = load_command(cmd_name)
        return command

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        try:
            return super().resolve_command(ctx, args)
        except _click.exceptions.UsageError as error:
            # typer suggests from the commands built so far; these are loaded when they run
            matches = get_close_matches(args[0], self.list_commands(ctx)) if args else []
            if matches and "Did you mean" not in error.message:
                suggestions = ", ".join(repr(match) for match in matches)
                error.message = f"{error.message.rstrip('.')}. Did you mean {suggestions}?"
            _name_unknown_command(self, ctx, args, error)
            raise

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        given = list(args)
        try:
            return super().parse_args(ctx, args)
        except _click.exceptions.UsageError as exc:
            if not ctx.resilient_parsing and not isinstance(exc, NoArgsIsHelpError):
                from cactl.cli import report

                report.root_usage(exc, self, ctx, given)  # the errors document, if asked for
            raise
        except OSError as exc:  # --help or --version on a stream that failed
            if exc.errno not in _STREAM_ERRNOS:
                raise
            streams.failed(exc)
            raise typer.Exit(2) from None

    def invoke(self, ctx: Any) -> Any:  # click's Context (typer vendors click)
        args = [*ctx._protected_args, *ctx.args]
        from cactl.cli import console

        try:
            # No output of the command may replace one of its inputs; what the run changes in
            # the console settings (the report on stderr) ends with it.
            with tracking_inputs(), console.scope():
                try:
                    return super().invoke(ctx)
                except CactlError as exc:
                    if _debug(ctx):
                        raise
                    from cactl.cli import report

                    # Still tracking: the errors document never replaces an input either.
                    report.failure(exc, report.requested(self, ctx, args))
                    raise typer.Exit(exc.exit_code) from None
                except _click.exceptions.UsageError as exc:
                    if not isinstance(exc, NoArgsIsHelpError):
                        from cactl.cli import report

                        # click prints the usage text on stderr; this adds the errors document
                        report.usage(exc, report.requested(self, ctx, args))
                    raise
        except (typer.Exit, typer.Abort):
            raise
        except OSError as exc:
            if _debug(ctx) or exc.errno not in _STREAM_ERRNOS:
                return _internal(ctx, exc)
            # The reader went away (``cactl ... | head``), the disk is full, the stream is
            # closed: a short message (where stderr can take one), never a traceback.
            streams.failed(exc)
            raise typer.Exit(2) from None
        except KeyboardInterrupt:
            streams.say("interrupted")
            raise typer.Exit(130) from None
        except Exception as exc:
            # Usage errors of the command-line parser (typer's vendored click, or click itself)
            # are rendered by the parser: exit 2 with the usage line.
            if _debug(ctx) or type(exc).__module__.startswith(("typer", "click")):
                raise
            return _internal(ctx, exc)


def _internal(ctx: Any, exc: BaseException) -> Any:
    if _debug(ctx):
        raise exc
    if isinstance(exc, ModuleNotFoundError) and exc.name == "torch":
        # torch is an extra (cactl[torch]); the torch-free commands run without it.
        streams.say(
            "error: this command runs torch estimators, and torch is not installed. "
            "Install the extra: pip install 'cactl[torch]'"
        )
        raise typer.Exit(2) from None
    streams.say(
        f"cactl: internal error: {type(exc).__name__}: {exc}\n"
        "Run again with --debug for the traceback, and please report it."
    )
    raise typer.Exit(2) from None


def _debug(ctx: Any) -> bool:
    root = ctx.find_root()
    return bool((root.obj or {}).get("debug")) or os.environ.get("CACTL_DEBUG") == "1"


app = typer.Typer(
    name="cactl",
    cls=_Group,
    help=(
        "Credit assignment for RL on LLMs: which actions earned this reward?\n\n"
        "Look up the surveyed methods, audit a paper's reporting, pick a method family, "
        "and run credit estimators on tasks with known true credit."
    ),
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=MARKUP,
    context_settings={"help_option_names": HELP_NAMES},
)


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"cactl {__version__}\n")
        raise typer.Exit(0)


class Color(str, Enum):
    """``--color``: ``auto`` colours a terminal only (``NO_COLOR`` and ``FORCE_COLOR`` apply)."""

    auto = "auto"
    always = "always"
    never = "never"


@app.callback()
def _root(
    ctx: typer.Context,
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
    quiet: bool = typer.Option(
        False, "--quiet", "-q", help="Only the report, warnings and errors: no notes on stderr."
    ),
    verbose: bool = typer.Option(
        False, "--verbose", "-v", help="Also say what is read and decided (files, defaults)."
    ),
    color: Color = typer.Option(
        Color.auto,
        "--color",
        help="Colour: auto (a terminal, unless NO_COLOR is set; FORCE_COLOR forces it), "
        "always or never.",
    ),
    no_config: bool = typer.Option(
        False,
        "--no-config",
        help="Ignore the project defaults ([tool.cactl] in pyproject.toml, or cactl.toml).",
    ),
    debug: bool = typer.Option(
        False, "--debug", help="Show tracebacks instead of short messages (for bug reports)."
    ),
) -> None:
    """cactl: credit assignment for reinforcement learning on LLMs."""
    from cactl.cli import console

    ctx.obj = {"debug": debug}
    if quiet and verbose:
        raise typer.BadParameter("--quiet and --verbose exclude each other", param_hint="-q/-v")
    console.configure(
        verbosity=-1 if quiet else 1 if verbose else 0,
        color=None if color is Color.auto else color is Color.always,
    )
    if not no_config and not ctx.resilient_parsing:
        _apply_project_defaults(ctx)


def _apply_project_defaults(ctx: typer.Context) -> None:
    """Options' defaults from the project file: the command line still wins (click's
    ``default_map``)."""
    from pathlib import Path

    from cactl import config
    from cactl.cli import console

    command = ctx.invoked_subcommand
    defaults = config.load_defaults(Path.cwd(), running=command)
    if defaults is None:
        return
    ctx.default_map = defaults.values
    given = defaults.values.get(command or "")
    if command and given:
        names = {key.param: key.name for key in config.KEYS[command]}
        console.info(
            f"defaults: {defaults.file} {defaults.section(command)}: "
            + ", ".join(f"{names[param]} = {value!r}" for param, value in given.items())
        )


def _terminated(signum: int, frame: Any) -> None:
    raise SystemExit(128 + signum)


#: A ``COLUMNS`` wider than this is taken for a mistake (``COLUMNS=99999999`` would pad every
#: help line to 100 MB); narrower than ``MIN_COLUMNS`` too (``COLUMNS=0``).
MAX_COLUMNS = 1000
MIN_COLUMNS = 20


def _sane_columns() -> None:
    """Drop a ``COLUMNS`` that no terminal has, so every rich console (help included) falls back
    to asking the terminal, or to its default width."""
    columns = os.environ.get("COLUMNS")
    if columns is not None and not (
        columns.isdigit() and MIN_COLUMNS <= int(columns) <= MAX_COLUMNS
    ):
        del os.environ["COLUMNS"]


#: The cyclic garbage collector's thresholds for a run (Python's are 700, 10, 10). Reading
#: rollouts builds millions of small objects without cycles (parsed JSON, models, lists); at
#: 700 the collector walks the growing heap again and again, which doubled the time of a
#: 1M-step `trial --input`. Cycles are still collected, only less often.
GC_THRESHOLDS = (100_000, 50, 100)


def main() -> None:
    """Console-script entry point: the app, with its streams guarded (see :mod:`streams`)."""
    streams.guard()
    _sane_columns()
    gc.set_threshold(*GC_THRESHOLDS)
    # SIGTERM ends the run as an exit, so whatever is being written is cleaned up first.
    signal.signal(signal.SIGTERM, _terminated)
    try:
        app(prog_name="cactl")
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 2)
    except OSError as exc:  # a stream error that escaped the parser (its help, its usage)
        if exc.errno not in _STREAM_ERRNOS:
            raise
        streams.failed(exc)
        code = 2
    else:
        code = 0
    sys.exit(streams.finish(code))
