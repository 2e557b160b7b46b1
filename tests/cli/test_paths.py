"""The files of every command, checked before any work (cactl.cli.paths): standard input named
twice, an output onto an input or into a missing folder, stdout taken by an output that is not
the report (the report then goes to stderr)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from cactl.cli.app import COMMANDS, load_command
from cactl.cli.paths import PATHS, Role
from tests.audit.helpers import EXAMPLES
from tests.helpers import run

PAPER = str(EXAMPLES / "compliant.yaml")
TREE = Path(__file__).resolve().parents[2] / "cactl" / "data" / "decision_tree"
MULTI = ["-a", "agents=multi", "-a", "team_size=few"]


def _leaves() -> dict[str, Any]:
    found: dict[str, Any] = {}

    def walk(command: Any, words: list[str]) -> None:
        subs = getattr(command, "commands", None)
        if subs:
            for name, sub in subs.items():
                walk(sub, [*words, name])
        else:
            found[" ".join(words)] = command

    for name in COMMANDS:
        walk(load_command(name), [name])
    return found


#: Words of a parameter's placeholder or help that say it names a file.
FILE_WORDS = ("FILE", "file", ".yaml", "JSONL", "PNG", "Where to write")


def _file_like(param: Any) -> bool:
    if getattr(param, "is_flag", False) or param.type_descriptor.is_choice:
        return False  # --force, a schema's name: no path
    annotation = param.type_descriptor.annotation
    inner = getattr(annotation, "__args__", (annotation,))[0]
    text = f"{param.metavar or ''} {getattr(param, 'help', '') or ''}"
    return (isinstance(inner, type) and issubclass(inner, os.PathLike)) or any(
        word in text for word in FILE_WORDS
    )


def test_every_file_parameter_of_every_command_has_a_role() -> None:
    leaves = _leaves()
    found = {
        words: sorted(param.name for param in command.params if _file_like(param))
        for words, command in leaves.items()
    }
    assert {words: names for words, names in found.items() if names} == {
        words: sorted(roles) for words, roles in PATHS.items()
    }
    for words, command in leaves.items():
        params = {param.name for param in command.params}
        file_like = {param.name for param in command.params if _file_like(param)}
        assert file_like <= set(PATHS.get(words, {})), words
        assert set(PATHS.get(words, {})) <= params, words  # no stale entry
    assert set(PATHS) <= set(leaves)


def _error(result: Any) -> dict[str, Any]:
    assert result.exit_code == 2, result.output
    (error,) = json.loads(result.stdout)["errors"]
    return dict(error)


# -- standard input, named twice ----------------------------------------------------------------


def test_audit_dash_dash_is_refused_before_reading() -> None:
    # stdin holds no YAML at all: reading it would be a yaml-syntax error
    result = run("audit", "-", "-", "--format", "json", input="{{{ not yaml")
    error = _error(result)
    assert error["code"] == "bad-option"
    assert error["message"] == (
        "standard input can be read once, and both PAPER.yaml #1 and PAPER.yaml #2 name it (-)"
    )
    assert (error["field"], error["context"]) == (
        "PAPER.yaml #2",
        {"inputs": "PAPER.yaml #1, PAPER.yaml #2"},
    )
    assert result.stderr.startswith("error: PAPER.yaml #2: standard input can be read once")


@pytest.mark.parametrize(
    ("args", "first", "second"),
    [
        (["audit", "-", "--checklist", "-"], "PAPER.yaml", "--checklist"),
        (["audit", PAPER, "-", "--checklist", "-"], "PAPER.yaml #2", "--checklist"),
        (["tree", "check", "-", "--tree", "-"], "FILE", "--tree"),
        (["recommend", "--answers", "-", "--tree", "-"], "--answers", "--tree"),
    ],
)
def test_two_inputs_on_stdin(args: list[str], first: str, second: str) -> None:
    result = run(*args, input="{{{")
    assert result.exit_code == 2
    assert result.stderr == (
        f"error: {second}: standard input can be read once, and both {first} and {second} name "
        f"it (-). read {first} or {second} from a file\n"
    )


def test_one_input_on_stdin_still_works() -> None:
    text = Path(PAPER).read_text(encoding="utf-8")
    result = run("audit", "-", "--format", "json", input=text)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["file"] == "<stdin>"


# -- an output onto an input, refused before the work ------------------------------------------


def test_plot_onto_the_input_is_refused_before_reading_it(tmp_path: Path) -> None:
    data = tmp_path / "t.jsonl"
    data.write_text("not json\n", encoding="utf-8")  # reading it would be a json-syntax error
    result = run("trial", "--input", str(data), "-e", "grpo", "--plot", str(data), "-f", "json")
    error = _error(result)
    assert (error["code"], error["field"], error["file"], error["found"]) == (
        "output-is-input",
        "--plot",
        str(data),
        str(data),
    )
    assert error["message"] == "output is one of the command's inputs (--input); not replacing it"
    assert data.read_text(encoding="utf-8") == "not json\n"


def test_record_onto_the_tree_file_is_refused_before_the_walk(tmp_path: Path) -> None:
    tree = tmp_path / "tree.yaml"
    shutil.copy(TREE / "ca-method-selection.yaml", tree)
    before = tree.read_bytes()
    link = tmp_path / "link.yaml"
    link.symlink_to(tree)
    # no answers and no terminal: the walk would stop at the first question (missing-field)
    result = run("recommend", "--tree", str(tree), "--record", str(link), "-f", "json")
    error = _error(result)
    assert (error["code"], error["field"]) == ("output-is-input", "--record")
    assert tree.read_bytes() == before and link.is_symlink()


def test_output_onto_the_checklist_through_a_hard_link(tmp_path: Path) -> None:
    checklist = tmp_path / "c.yaml"
    checklist.write_text("{{{", encoding="utf-8")  # reading it would be a yaml-syntax error
    twin = tmp_path / "twin.yaml"
    os.link(checklist, twin)
    result = run("audit", PAPER, "-c", str(checklist), "-f", "json", "-o", str(twin))
    error = _error(result)
    assert (error["code"], error["found"]) == ("output-is-input", str(checklist))
    assert checklist.read_text(encoding="utf-8") == "{{{"


def test_a_missing_folder_is_refused_before_reading_the_input(tmp_path: Path) -> None:
    data = tmp_path / "t.jsonl"
    data.write_text("not json\n", encoding="utf-8")
    plot = tmp_path / "missing" / "x.png"
    result = run("trial", "--input", str(data), "-e", "grpo", "--plot", str(plot), "-f", "json")
    error = _error(result)
    assert (error["code"], error["field"]) == ("unwritable", "--plot")
    assert error["message"] == "output folder does not exist"


def test_a_built_in_name_is_no_file_to_clash_with(tmp_path: Path) -> None:
    os.chdir(tmp_path)
    # --checklist ca-reporting names the built-in checklist, not a file of that name
    result = run("audit", PAPER, "-f", "markdown", "-o", "ca-reporting")
    assert result.exit_code == 0, result.output
    assert Path("ca-reporting").read_text(encoding="utf-8").startswith("### CA reporting")


# -- an output on stdout other than the report -------------------------------------------------


def test_record_dash_moves_the_report_to_stderr() -> None:
    result = run("recommend", *MULTI, "--record", "-", "--format", "json")
    assert result.exit_code == 0, result.output
    assert yaml.safe_load(result.stdout) == {"agents": "multi", "team_size": "few"}
    assert result.stdout.startswith("# cactl recommend answers for decision tree")
    path = json.loads(result.stderr)["path"]
    assert [(step["question"], step["answer"]) for step in path] == [
        ("agents", "multi"),
        ("team_size", "few"),
    ]
    # no "answers written to -" note
    assert "written" not in result.stderr


def test_plot_dash_is_the_png_alone_on_stdout() -> None:
    pytest.importorskip("matplotlib")
    args = ["trial", "-t", "fork", "-p", "groups=1", "-e", "grpo", "--plot", "-", "-f", "json"]
    result = run(*args)
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes.startswith(b"\x89PNG\r\n\x1a\n")
    assert result.stdout_bytes.endswith(b"IEND\xaeB`\x82")
    assert json.loads(result.stderr)["source"]["task"] == "fork"


def test_the_report_returns_to_stdout_on_the_next_run() -> None:
    run("recommend", *MULTI, "--record", "-")
    result = run("recommend", *MULTI, "--format", "json")
    assert json.loads(result.stdout)["path"][0]["answer"] == "multi"


def test_help_says_where_the_report_goes() -> None:
    def help_of(command: str, name: str) -> str:
        (param,) = [p for p in load_command(command).params if p.name == name]
        return str(getattr(param, "help", ""))

    assert help_of("trial", "plot").endswith(
        "--plot - writes it to stdout, and the report then goes to stderr."
    )
    assert help_of("recommend", "record").endswith(
        "--record - writes them to stdout, and the recommendation then goes to stderr."
    )


def test_roles() -> None:
    assert PATHS["trial"] == {"input_file": Role.INPUT, "plot": Role.OUTPUT}
