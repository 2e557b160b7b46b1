"""Conventions every command shares: version, help, exit codes, error rendering, debug."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer

from cactl import __version__
from cactl.cli.app import app
from cactl.errors import InputError
from tests.helpers import modules_imported_by, run


def test_version() -> None:
    result = run("--version")
    assert result.exit_code == 0
    assert result.stdout == f"cactl {__version__}\n"


def test_no_arguments_shows_help() -> None:
    result = run()
    assert "Usage" in result.output
    assert "methods" in result.output


def test_unknown_command_is_a_usage_error() -> None:
    result = run("frobnicate")
    assert result.exit_code == 2
    assert "No such command" in result.stderr


def test_python_dash_m_runs_the_same_app() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "cactl", "--version"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert completed.returncode == 0
    assert completed.stdout.strip() == f"cactl {__version__}"


@pytest.fixture
def failing_commands() -> Iterator[typer.Typer]:
    """Throw-away commands under ``cactl probe``: an input error, a bug (tests add more)."""
    probe = typer.Typer()

    @probe.command("bad-input")
    def bad_input() -> None:
        raise InputError("not a number", file="p.yaml", line=3, column=7, field="a.b",
                         expected="a number", found="str 'x'")  # fmt: skip

    @probe.command("bug")
    def bug() -> None:
        raise ZeroDivisionError("boom")

    app.add_typer(probe, name="probe")
    yield probe
    app.registered_groups[:] = [g for g in app.registered_groups if g.typer_instance is not probe]


def test_input_error_is_a_message_and_exit_2(failing_commands: typer.Typer) -> None:
    result = run("probe", "bad-input")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == (
        "error: p.yaml:3:7: a.b: not a number (expected a number, found str 'x')\n"
    )


def test_internal_error_has_no_traceback_unless_debug(failing_commands: typer.Typer) -> None:
    result = run("probe", "bug")
    assert result.exit_code == 2
    assert "internal error: ZeroDivisionError: boom" in result.stderr
    assert "Traceback" not in result.stderr
    with pytest.raises(ZeroDivisionError):
        run("--debug", "probe", "bug")


def test_no_colour_codes_when_not_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR")
    result = run("methods", "grid")
    assert result.exit_code == 0
    assert "\x1b[" not in result.stdout
    assert "\x1b[" not in result.stderr


def test_missing_torch_is_a_clear_message(failing_commands: typer.Typer) -> None:
    @failing_commands.command("needs-torch")
    def needs_torch() -> None:
        raise ModuleNotFoundError("No module named 'torch'", name="torch")

    result = run("probe", "needs-torch")
    assert result.exit_code == 2
    assert result.stderr == (
        "error: this command runs torch estimators, and torch is not installed. "
        "Install it with: pip install 'torch>=2.4'\n"
    )


@pytest.mark.parametrize(
    "args",
    [("tree", "check"), ("tree", "show"), ("schema", "paper"), ("init", "-"), ("tasks", "list")],
)
def test_torch_free_commands_never_import_torch(args: tuple[str, ...], tmp_path: Path) -> None:
    if args == ("init", "-"):
        args = ("init", str(tmp_path / "p.yaml"))
    modules = modules_imported_by(*args, tmp_dir=str(tmp_path))
    assert "cactl.cli.app" in modules
    assert "torch" not in modules
