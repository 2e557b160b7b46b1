"""Usage errors of the command-line parser (unknown option, missing argument, bad choice, bad
number) as data: under a format read by programs the one errors document on stdout, code
``usage``; click's usage text for people on stderr in every case."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.main import get_command

from cactl.cli.app import COMMANDS, app, load_command
from tests.audit.helpers import EXAMPLES
from tests.helpers import run

PAPER = str(EXAMPLES / "compliant.yaml")

#: The fields every error of the document has, with the values of a usage error that has no file.
_NO_FILE: dict[str, Any] = {
    "file": None,
    "line": None,
    "column": None,
    "trajectory": None,
    "context": {},
}


def _usage(**fields: Any) -> dict[str, Any]:
    return {"code": "usage", "hint": None, **_NO_FILE, **fields}


def _document(stdout: str) -> Any:
    document = json.loads(stdout)
    assert document["count"] == len(document["errors"]) == 1
    return document["errors"][0]


AUDIT_OPTIONS = "--checklist, --exit-zero, --format, --output, --strict, --summary, --help"


@pytest.mark.parametrize(
    "args",
    [
        ["audit", PAPER, "--format", "json", "--bogus"],
        ["audit", PAPER, "--bogus", "--format", "json"],  # the bad option before --format
        ["audit", "--bogus", PAPER, "-f", "json"],
        ["audit", "-fjson", PAPER, "--bogus"],
    ],
)
def test_unknown_option_wherever_it_is(args: list[str]) -> None:
    result = run(*args)
    assert result.exit_code == 2
    assert _document(result.stdout) == _usage(
        message="No such option: --bogus",
        field="--bogus",
        expected="one of " + AUDIT_OPTIONS,
        found="--bogus",
    )
    # the parser's own text for people, on stderr
    assert "Usage: cactl audit [OPTIONS] PAPER.yaml..." in result.stderr
    assert "No such option: --bogus" in result.stderr


def test_a_close_option_is_suggested() -> None:
    result = run("audit", PAPER, "--format", "json", "--strikt")
    error = _document(result.stdout)
    assert (error["field"], error["hint"]) == ("--strikt", "did you mean --strict?")


def test_missing_argument() -> None:
    result = run("audit", "--format", "json")
    assert result.exit_code == 2
    assert _document(result.stdout) == _usage(
        message="Missing argument 'PAPER.yaml'.",
        field="PAPER.yaml",
        expected="a path (- for standard input)",
        found=None,
    )
    assert "Missing argument 'PAPER.yaml'." in result.stderr


def test_an_option_without_its_value() -> None:
    result = run("audit", PAPER, "--format", "json", "--checklist")
    assert result.exit_code == 2
    assert _document(result.stdout) == _usage(
        message="Option '--checklist' requires an argument.",
        field="--checklist",
        expected="a built-in name or a path (- for standard input)",
        found=None,
    )


def test_a_bad_number_names_the_range_and_the_value() -> None:
    result = run("trial", "--resamples", "x", "--format", "json")
    assert result.exit_code == 2
    error = _document(result.stdout)
    assert (error["field"], error["expected"], error["found"]) == (
        "--resamples",
        "an integer from 1 to 1000",
        "'x'",
    )
    assert error["message"].startswith("Invalid value for '--resamples': ")


def test_a_bad_choice_names_the_choices() -> None:
    result = run("trial", "--device", "tpu", "--format", "json")
    assert result.exit_code == 2
    error = _document(result.stdout)
    assert (error["field"], error["expected"], error["found"]) == (
        "--device",
        "one of auto, cpu, cuda, mps",
        "'tpu'",
    )


def test_sarif_and_github_report_a_usage_error() -> None:
    sarif = run("audit", PAPER, "--bogus", "--format", "sarif")
    assert sarif.exit_code == 2
    (log,) = json.loads(sarif.stdout)["runs"]
    assert [(r["ruleId"], r["properties"]["field"]) for r in log["results"]] == [
        ("usage", "--bogus")
    ]
    github = run("audit", PAPER, "--bogus", "--format", "github")
    assert github.exit_code == 2
    assert github.stdout.startswith("::error title=cactl usage::--bogus: No such option: --bogus")
    assert github.stdout.count("\n") == 1


def test_the_errors_go_to_the_output_file(tmp_path: Path) -> None:
    out = tmp_path / "cactl.sarif"
    result = run("audit", PAPER, "--strikt", "--format", "sarif", "-o", str(out))
    assert (result.exit_code, result.stdout) == (2, "")
    (log,) = json.loads(out.read_text(encoding="utf-8"))["runs"]
    assert [r["ruleId"] for r in log["results"]] == ["usage"]


def test_formats_for_people_print_nothing_on_stdout() -> None:
    for args in (["audit", PAPER, "--bogus"], ["audit", PAPER, "-f", "markdown", "--bogus"]):
        result = run(*args)
        assert (result.exit_code, result.stdout) == (2, "")
        assert "No such option: --bogus" in result.stderr
    # a format that is itself misspelt is no format read by programs
    result = run("audit", PAPER, "--format", "jsn")
    assert (result.exit_code, result.stdout) == (2, "")


def test_the_format_from_the_project_defaults(tmp_path: Path) -> None:
    Path("pyproject.toml").write_text('[tool.cactl.audit]\nformat = "json"\n', encoding="utf-8")
    result = run("audit", PAPER, "--bogus")
    assert result.exit_code == 2
    assert _document(result.stdout)["field"] == "--bogus"
    # the command line wins, and --no-config ignores the file
    assert run("audit", PAPER, "--bogus", "-f", "table").stdout == ""
    assert run("--no-config", "audit", PAPER, "--bogus").stdout == ""


def test_a_bad_global_option_under_a_command_s_format() -> None:
    result = run("--colour", "never", "audit", PAPER, "-f", "json")
    assert result.exit_code == 2
    assert _document(result.stdout) == _usage(
        message="No such option: --colour (Possible options: --color)",
        field="--colour",
        expected="one of --color, --debug, --install-completion, --no-config, --quiet, "
        "--show-completion, --verbose, --version, --help",
        found="--colour",
        hint="did you mean --color?",
    )
    bad_value = run("--color", "sometimes", "audit", PAPER, "-f", "json")
    error = _document(bad_value.stdout)
    assert (error["field"], error["expected"], error["found"]) == (
        "--color",
        "one of auto, always, never",
        "'sometimes'",
    )


def _commands_with_a_format() -> list[list[str]]:
    found = []

    def walk(command: Any, words: list[str]) -> None:
        for name, sub in getattr(command, "commands", {}).items():
            walk(sub, [*words, name])
        leaf = not getattr(command, "commands", None)
        if leaf and any(param.name == "output_format" for param in command.params):
            found.append(words)

    for name in COMMANDS:
        walk(load_command(name), [name])
    return found


def test_every_command_with_a_format_reports_usage_errors_as_data() -> None:
    commands = _commands_with_a_format()
    assert [" ".join(words) for words in commands] == [
        "methods list",
        "methods show",
        "methods grid",
        "audit",
        "recommend",
        "tree show",
        "estimators list",
        "trial",
        "tasks list",
    ]
    needs = {"audit": [PAPER], "methods show": ["gigpo"]}
    for words in commands:
        args = [*words, *needs.get(" ".join(words), []), "--no-such-option", "--format", "json"]
        result = run(*args)
        assert result.exit_code == 2, args
        assert _document(result.stdout)["field"] == "--no-such-option", args


def test_help_shows_no_type_for_flags() -> None:
    text = run("--help").stdout
    install = next(line for line in text.splitlines() if "--install-completion" in line)
    show = next(line for line in text.splitlines() if "--show-completion" in line)
    assert "<bool>" not in text
    assert install.split("--install-completion")[1].split()[:2] == ["Install", "completion"]
    assert show.split("--show-completion")[1].split()[:2] == ["Show", "completion"]
    assert get_command(app).name == "cactl"


def test_a_short_flag_has_one_meaning_in_every_command() -> None:
    meanings: dict[str, set[str]] = {}

    def walk(command: Any) -> None:
        for sub in getattr(command, "commands", {}).values():
            walk(sub)
        for param in getattr(command, "params", []):
            longs = [opt for opt in param.opts if opt.startswith("--")]
            for opt in param.opts + param.secondary_opts:
                if not opt.startswith("--") and longs:
                    meanings.setdefault(opt, set()).add(max(longs, key=len))

    walk(get_command(app))
    for name in COMMANDS:
        walk(load_command(name))
    assert {short: longs for short, longs in meanings.items() if len(longs) > 1} == {}
    assert meanings["-o"] == {"--output"} and meanings["-f"] == {"--format"}


@pytest.mark.parametrize(
    "args",
    [
        ["audti", PAPER, "-f", "json"],
        ["methods", "lst", "--format=json"],
        ["audti", PAPER, "-fjson"],
    ],
)
def test_an_unknown_command_under_a_format_for_programs(args: list[str]) -> None:
    result = run(*args)
    assert result.exit_code == 2
    error = _document(result.stdout)
    assert error["code"] == "usage"
    assert error["message"].startswith("No such command")
    assert "No such command" in result.stderr
    assert (error["field"], error["found"]) == (
        "COMMAND",
        repr(args[1] if args[0] == "methods" else args[0]),
    )
    if args[0] == "methods":
        assert error["expected"] == "one of list, show, grid"
    else:
        assert error["expected"] == "one of " + ", ".join(COMMANDS)


def test_an_unknown_command_without_a_format_for_programs() -> None:
    for args in (
        ["audti", PAPER],
        ["audti", PAPER, "-f", "markdown"],
        ["audti", "--", "-f", "json"],
    ):
        result = run(*args)
        assert (result.exit_code, result.stdout) == (2, "")
