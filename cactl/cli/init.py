"""``cactl init``: write a commented paper.yaml template with every field."""

from __future__ import annotations

import os
from pathlib import Path

import typer

from cactl.cli import console
from cactl.errors import InputError


def init(
    target: str = typer.Argument("paper.yaml", metavar="PATH", help="Where to write the template."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing file."),
) -> None:
    """Write a paper.yaml template: every field of the schema, empty and commented.

    Fill in what your paper reports, then run cactl audit on it; every empty field is listed
    as a finding with its line. The first line points editors (yaml-language-server) at
    paper.schema.json; write that file with cactl schema paper --output.

    Examples:

      cactl init

      cactl init papers/my-method.yaml && cactl audit papers/my-method.yaml

      cactl init paper.yaml --force
    """
    from cactl.audit.template import SCHEMA_FILE, paper_template
    from cactl.fileio import check_output, write_atomic

    check_output(target)  # '' names no file (a Path would read it as the current folder)
    path = Path(target)
    # os.path answers False where the system refuses the name; write_atomic then says why
    if os.path.exists(path) and not force:
        raise InputError(
            "file exists; not overwriting it",
            file=str(path),
            hint="pass --force to replace it",
            code="unwritable",
        )
    if os.path.isdir(path):
        raise InputError("is a directory, expected a file path", file=str(path), code="not-a-file")
    write_atomic(path, paper_template())
    schema_path = path.parent / SCHEMA_FILE
    console.note(f"wrote {path}")
    # one command per line, so that no terminal breaks a command in the middle
    console.note("next: fill it in, then check it with")
    console.note(f"  cactl audit {path}")
    console.note("and for completion and checking in your editor, write the schema with")
    console.note(f"  cactl schema paper --output {schema_path}")
