"""The ``cactl`` application: global options, command groups, and error handling.

Every command group lives in its own module under ``cactl.cli`` and is registered here.
Errors: a :class:`cactl.errors.CactlError` becomes a message on stderr and exit code 2;
an unexpected exception becomes a one-line "internal error" and exit code 2, with the
traceback only under ``--debug`` (or ``CACTL_DEBUG=1``).
"""

from __future__ import annotations

import os
import sys
from typing import Any

import typer
from typer.core import TyperGroup

from cactl import __version__
from cactl.errors import CactlError, InputError, InputErrors


class _Group(TyperGroup):
    """Click group that turns cactl errors into messages and exit code 2."""

    def invoke(self, ctx: Any) -> Any:  # click's Context (typer vendors click)
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort):
            raise
        except CactlError as exc:
            if _debug(ctx):
                raise
            _report(exc)
            raise typer.Exit(exc.exit_code) from None
        except BrokenPipeError:
            # The reader went away (``cactl ... | head``): stop quietly, as Unix tools do.
            _silence_stdout()
            raise typer.Exit(1) from None
        except KeyboardInterrupt:
            sys.stderr.write("interrupted\n")
            raise typer.Exit(130) from None
        except Exception as exc:
            # Usage errors of the command-line parser (typer's vendored click, or click itself)
            # are rendered by the parser: exit 2 with the usage line.
            if _debug(ctx) or type(exc).__module__.startswith(("typer", "click")):
                raise
            if isinstance(exc, ModuleNotFoundError) and exc.name == "torch":
                # torch is a dependency, but the torch-free commands run without it.
                sys.stderr.write(
                    "error: this command runs torch estimators, and torch is not installed. "
                    "Install it with: pip install 'torch>=2.4'\n"
                )
                raise typer.Exit(2) from None
            sys.stderr.write(
                f"cactl: internal error: {type(exc).__name__}: {exc}\n"
                "Run again with --debug for the traceback, and please report it.\n"
            )
            raise typer.Exit(2) from None


def _silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


def _debug(ctx: Any) -> bool:
    root = ctx.find_root()
    return bool((root.obj or {}).get("debug")) or os.environ.get("CACTL_DEBUG") == "1"


def _report(exc: CactlError) -> None:
    text = exc.render(frame=True) if isinstance(exc, (InputError, InputErrors)) else exc.render()
    sys.stderr.write(f"error: {text}\n")


app = typer.Typer(
    name="cactl",
    cls=_Group,
    help=(
        "Credit assignment for RL on LLMs: which actions earned this reward?\n\n"
        "Look up the surveyed methods, audit a paper's reporting, pick a method family, "
        "and run credit estimators on tasks with known true credit."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="markdown",
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"cactl {__version__}\n")
        raise typer.Exit(0)


@app.callback()
def _root(
    ctx: typer.Context,
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
    debug: bool = typer.Option(
        False, "--debug", help="Show tracebacks instead of short messages (for bug reports)."
    ),
) -> None:
    """cactl: credit assignment for reinforcement learning on LLMs."""
    ctx.obj = {"debug": debug}


def _register() -> None:
    # The command modules import no torch at module level; trial and estimators import it
    # inside the command, when they run.
    from cactl.cli import audit, estimators, init, methods, recommend, schema, tasks, tree, trial

    app.add_typer(methods.app, name="methods")
    app.command("audit")(audit.audit)
    app.command("init")(init.init)
    app.command("schema")(schema.schema)
    app.command("recommend")(recommend.recommend)
    app.add_typer(tree.app, name="tree")
    app.add_typer(estimators.app, name="estimators")
    app.command("trial")(trial.trial)
    app.add_typer(tasks.app, name="tasks")


_register()


def main() -> None:
    """Console-script entry point."""
    try:
        app(prog_name="cactl")
    except BrokenPipeError:
        _silence_stdout()
        sys.exit(1)
