"""The files each command reads and writes, and the checks made on them before any work.

:data:`PATHS` says, for every command, which of its parameters name inputs and which name
outputs. :func:`check` runs before each command (the app calls it), so that every command
refuses at once, before it reads or computes anything:

- an input path that names nothing (``''``: :func:`cactl.fileio.check_input`);
- standard input (``-``) named by two inputs (``cactl audit - -``, ``audit - --checklist -``):
  it can be read once;
- an output whose folder is missing, or that is a folder (:func:`cactl.fileio.check_output`);
- an output that is one of the command's inputs (the same path, or the same file through a
  symlink or a hard link), or the same file as another output;
- two outputs that both take standard output.

An output option other than the report's own (``trial --plot -``, ``recommend --record -``)
that takes standard output moves the report to stderr, so that stdout holds that output alone
(as pip-audit keeps stdout for its report and says everything else on stderr).
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from enum import Enum
from typing import Any

from cactl.errors import InputError
from cactl.fileio import STDIO, check_input, check_output


class Role(Enum):
    """What a path parameter of a command is."""

    #: A file to read; ``-`` is standard input.
    INPUT = "input"
    #: A built-in name or a file to read (``--checklist``, ``--tree``); ``-`` is standard input.
    NAME_OR_INPUT = "name or input"
    #: Where the report (or the command's one product) goes; ``-`` is standard output.
    REPORT = "report"
    #: A further output besides the report; ``-`` takes standard output from the report.
    OUTPUT = "output"


#: The roles of the paths a command reads.
INPUT_ROLES = (Role.INPUT, Role.NAME_OR_INPUT)

#: Every command's path parameters (by the command's words after ``cactl``, and the parameter's
#: name in its function). A test checks that every file-like parameter of every command is here.
PATHS: dict[str, dict[str, Role]] = {
    "audit": {"papers": Role.INPUT, "checklist": Role.NAME_OR_INPUT, "output": Role.REPORT},
    "init": {"target": Role.REPORT},
    "schema": {"output": Role.REPORT},
    "recommend": {
        "answers_file": Role.INPUT,
        "tree_name": Role.NAME_OR_INPUT,
        "record": Role.OUTPUT,
    },
    "tree show": {"tree_name": Role.NAME_OR_INPUT},
    "tree check": {"file": Role.INPUT, "tree_name": Role.NAME_OR_INPUT},
    "trial": {"input_file": Role.INPUT, "plot": Role.OUTPUT},
    "tasks sample": {"output": Role.REPORT},
}


@dataclass(frozen=True)
class Named:
    """One path given to a command: which parameter (as the user names it), the path, its role."""

    label: str
    path: str
    role: Role
    #: The parameter's own name (``PAPER.yaml``), without the number of the value.
    option: str


def command_words(ctx: Any) -> str:
    """``tree check`` for the context of ``cactl tree check``: the words after the program."""
    words: list[str] = []
    while ctx is not None and ctx.parent is not None:
        words.append(ctx.info_name or "")
        ctx = ctx.parent
    return " ".join(reversed(words))


def label(param: Any) -> str:
    """How the user names a parameter: its long option (``--checklist``) or its placeholder
    (``PAPER.yaml``)."""
    opts = [opt for opt in getattr(param, "opts", []) if opt.startswith("--")]
    if getattr(param, "param_type_name", "") == "option" and opts:
        return str(max(opts, key=len))
    metavar = getattr(param, "metavar", None)
    return str(metavar or (param.name or "").upper())


def named_paths(ctx: Any) -> list[Named]:
    """The paths the command line gives the command of ``ctx``, with their roles, in the
    order of its parameters (several values of one parameter numbered ``PAPER.yaml #2``)."""
    roles = PATHS.get(command_words(ctx), {})
    found: list[Named] = []
    for param in ctx.command.params:
        role = roles.get(param.name)
        value = ctx.params.get(param.name)
        if role is None or value is None:
            continue
        values = list(value) if isinstance(value, (list, tuple)) else [value]
        for index, item in enumerate(values):
            if not isinstance(item, (str, os.PathLike)):
                continue
            option = label(param)
            name = option + (f" #{index + 1}" if len(values) > 1 else "")
            found.append(Named(name, str(os.fspath(item)), role, option))
    return found


def same_file(a: str, b: str) -> bool | None:
    """Whether two paths name one file (the same path after symlinks, or the same device and
    inode); None when it cannot be told."""
    try:
        if os.path.realpath(a) == os.path.realpath(b):
            return True
        return os.path.exists(a) and os.path.exists(b) and os.path.samefile(a, b)
    except (OSError, ValueError):
        return None


def _is_input_file(item: Named) -> bool:
    """Whether an input names a file (a built-in name, as ``ca-reporting``, names none)."""
    if item.path in (STDIO, ""):
        return False
    return item.role is Role.INPUT or os.path.exists(item.path)


def clashing_input(output: str, paths: list[Named]) -> Named | None:
    """The input that ``output`` would replace, if any; an input that cannot be told apart
    from it counts (the file is kept)."""
    for item in paths:
        inputs_file = item.role in INPUT_ROLES and _is_input_file(item)
        if inputs_file and same_file(output, item.path) is not False:
            return item
    return None


def check(ctx: Any) -> None:
    """Refuse, before the command of ``ctx`` does anything, a command line whose files cannot
    work together (see the module's docstring); move the report to stderr when another
    output takes stdout."""
    paths = named_paths(ctx)
    inputs = [item for item in paths if item.role in INPUT_ROLES]
    outputs = [item for item in paths if item.role not in INPUT_ROLES]
    for item in inputs:
        check_input(item.path, field=item.option)  # the empty path names nothing

    stdin = [item for item in inputs if item.path == STDIO]
    if len(stdin) > 1:
        first, second = stdin[0], stdin[1]
        raise InputError(
            f"standard input can be read once, and both {first.label} and {second.label} "
            "name it (-)",
            field=second.label,
            hint=f"read {first.label} or {second.label} from a file",
            code="bad-option",
            context={"inputs": f"{first.label}, {second.label}"},
        )

    for index, output in enumerate(outputs):
        if output.path == STDIO:
            continue
        try:
            check_output(output.path)  # its folder, and not a folder itself
        except InputError as error:
            raise dataclasses.replace(error, field=error.field or output.label) from None
        clash = clashing_input(output.path, inputs)
        if clash is not None:
            raise InputError(
                f"output is one of the command's inputs ({clash.label}); not replacing it",
                file=output.path,
                field=output.label,
                found=clash.path,
                hint="write the output to another file",
                code="output-is-input",
            )
        for other in outputs[index + 1 :]:
            if other.path != STDIO and same_file(output.path, other.path) is not False:
                raise InputError(
                    f"{output.label} and {other.label} name the same file",
                    file=other.path,
                    field=other.label,
                    hint="give each output a file of its own",
                    code="bad-option",
                )

    stdout = [item for item in outputs if item.path == STDIO]
    if len(stdout) > 1:
        raise InputError(
            f"standard output can take one output, and both {stdout[0].label} and "
            f"{stdout[1].label} name it (-)",
            field=stdout[1].label,
            hint="write one of them to a file",
            code="bad-option",
        )
    if stdout and stdout[0].role is Role.OUTPUT:
        from cactl.cli import console

        console.report_to_stderr()
