"""``cactl audit``: check papers' reporting against the credit-assignment checklist."""

from __future__ import annotations

from enum import Enum
from pathlib import Path

import typer

from cactl.cli import console
from cactl.errors import InputError


class AuditFormat(str, Enum):
    table = "table"
    json = "json"
    markdown = "markdown"
    latex = "latex"
    junit = "junit"
    sarif = "sarif"
    github = "github"


SUMMARY_FORMATS = {AuditFormat.table, AuditFormat.json, AuditFormat.markdown}


def audit(
    papers: list[Path] = typer.Argument(
        ..., help="paper.yaml files to audit (write one with: cactl init).", show_default=False
    ),
    checklist: str = typer.Option(
        "ca-reporting",
        "--checklist",
        "-c",
        help="Built-in checklist name or a checklist YAML file (a venue's own).",
    ),
    output_format: AuditFormat = typer.Option(
        AuditFormat.table,
        "--format",
        "-f",
        help="table, json, markdown, latex, junit, sarif or github (annotations).",
    ),
    output: Path | None = typer.Option(
        None,
        "--output",
        "-o",
        help="Write the report to FILE (whole or not at all).",
        dir_okay=False,
    ),
    strict: bool = typer.Option(
        False, "--strict", help="Recommended items count too: any unmet item fails."
    ),
    exit_zero: bool = typer.Option(
        False, "--exit-zero", help="Exit 0 even when items are unmet (report only)."
    ),
    summary: bool = typer.Option(
        False,
        "--summary",
        help="Per-item compliance across all the papers (table, json or markdown).",
    ),
) -> None:
    """Audit papers' credit-assignment reporting against the survey's checklist.

    Each item is met, partial, missing or not applicable, with a reason and the line and
    column of the YAML it concerns. Exit 0 when every required item is met (with --strict:
    every item), 1 when not, 2 when a file cannot be used (all its errors are listed).

    Examples:

      cactl audit examples/papers/gigpo.yaml

      cactl audit paper.yaml --format markdown --output checklist.md

      cactl audit paper.yaml --format sarif -o cactl.sarif --exit-zero

      cactl audit examples/papers/*.yaml --summary
    """
    from cactl.audit.checklist import load_checklist
    from cactl.audit.evaluate import audit_files
    from cactl.render import audit as render

    if summary and output_format not in SUMMARY_FORMATS:
        raise InputError(
            f"--summary cannot be rendered as {output_format.value}",
            field="--format",
            expected="table, json or markdown",
            found=output_format.value,
        )
    rules = load_checklist(checklist)
    reports = audit_files([str(p) for p in papers], rules, strict=strict)

    text: str | None = None
    if summary:
        from cactl.audit.summary import summarize

        corpus = summarize(reports, rules)
        if output_format is AuditFormat.json:
            text = render.summary_json(corpus)
        elif output_format is AuditFormat.markdown:
            text = render.summary_markdown(corpus)
        else:
            _emit_table(render.summary_table(corpus), output)
    elif output_format is AuditFormat.json:
        text = render.reports_json(reports)
    elif output_format is AuditFormat.markdown:
        text = render.reports_markdown(reports)
    elif output_format is AuditFormat.latex:
        text = render.reports_latex(reports)
    elif output_format is AuditFormat.junit:
        text = render.reports_junit(reports)
    elif output_format is AuditFormat.sarif:
        text = render.reports_sarif(reports, rules)
    elif output_format is AuditFormat.github:
        text = render.reports_github(reports)
    else:
        _emit_table(render.reports_tables(reports), output)

    if text is not None:
        if output is not None:
            from cactl.fileio import write_atomic

            write_atomic(output, text)
        else:
            console.emit_text(text)
    if output_format is not AuditFormat.table or output is not None:
        for report in reports:
            console.note(render.verdict(report))
    if output is not None:
        console.note(f"wrote {output}")
    failed = any(not report.passed for report in reports)
    if failed and not exit_zero:
        raise typer.Exit(1)


def _emit_table(renderable: object, output: Path | None) -> None:
    if output is None:
        console.out().print(renderable)
        return
    import io

    from rich.console import Console

    from cactl.fileio import write_atomic

    buffer = io.StringIO()
    Console(file=buffer, width=120, no_color=True, highlight=False).print(renderable)
    write_atomic(output, buffer.getvalue())
