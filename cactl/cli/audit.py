"""``cactl audit``: check papers' reporting against the credit-assignment checklist."""

from __future__ import annotations

from dataclasses import dataclass

import typer

from cactl.audit.checklist import Checklist
from cactl.audit.evaluate import Report
from cactl.audit.summary import CorpusSummary
from cactl.cli import console
from cactl.cli.formats import Format, Formats, emit
from cactl.errors import InputError
from cactl.render import audit as render


@dataclass(frozen=True)
class AuditRun:
    """What every audit format renders: the reports and the checklist they were made with."""

    reports: list[Report]
    checklist: Checklist


#: The formats of ``cactl audit`` (one report per paper).
FORMATS: Formats[AuditRun] = Formats(
    Format("table", "grouped tables", lambda run: render.reports_tables(run.reports)),
    Format("json", "one document per paper", lambda run: render.reports_json(run.reports)),
    Format("markdown", "an appendix table", lambda run: render.reports_markdown(run.reports)),
    Format("latex", "a LaTeX table", lambda run: render.reports_latex(run.reports)),
    Format("junit", "JUnit XML, a test case per item", lambda r: render.reports_junit(r.reports)),
    Format(
        "sarif",
        "SARIF 2.1.0 for code scanning",
        lambda run: render.reports_sarif(run.reports, run.checklist),
    ),
    Format("github", "GitHub workflow annotations", lambda r: render.reports_github(r.reports)),
)

#: The formats of ``cactl audit --summary`` (one compliance table across the papers).
SUMMARY_FORMATS: Formats[CorpusSummary] = Formats(
    Format("table", "a table", render.summary_table),
    Format("json", "one document", render.summary_json),
    Format("markdown", "a markdown table", render.summary_markdown),
)


def audit(
    papers: list[str] = typer.Argument(
        ...,
        metavar="PAPER.yaml",
        help="paper.yaml files to audit (write one with: cactl init).",
        show_default=False,
    ),
    checklist: str = typer.Option(
        "ca-reporting",
        "--checklist",
        "-c",
        metavar="NAME_OR_FILE",
        help=(
            "Built-in checklist (ca-reporting, the default, faithful to the checklist's wording; "
            "survey-table12, the survey's own looser scoring) or a checklist YAML file."
        ),
    ),
    output_format: Format[AuditRun] = FORMATS.option(),
    output: str | None = typer.Option(
        None,
        "--output",
        "-o",
        metavar="FILE",
        help="Write the report to FILE (whole or not at all).",
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
        help=f"Per-item compliance across all the papers ({SUMMARY_FORMATS.choices_text()}).",
    ),
) -> None:
    """Audit papers' credit-assignment reporting against the survey's checklist.

    Each item is met, partial, missing, not checked or not applicable, with a reason and the
    line and column of the YAML it concerns. Exit 0 when every required item is met (with --strict:
    every item), 1 when not, 2 when a file cannot be used (all its errors are listed).

    Examples:

      cactl audit examples/papers/gigpo.yaml

      cactl audit paper.yaml --format markdown --output checklist.md

      cactl audit paper.yaml --format sarif -o cactl.sarif --exit-zero

      cactl audit examples/papers/*.yaml --summary
    """
    from cactl.audit.checklist import load_checklist
    from cactl.audit.evaluate import audit_files

    if summary and output_format.name not in SUMMARY_FORMATS:
        raise InputError(
            f"--summary cannot be rendered as {output_format.name}",
            field="--format",
            expected=SUMMARY_FORMATS.choices_text(),
            found=output_format.name,
            code="bad-option",
        )
    rules = load_checklist(checklist)
    console.info(f"checklist {rules.id} {rules.version}: {len(rules.items)} items")
    reports = audit_files([str(p) for p in papers], rules, strict=strict)

    if summary:
        from cactl.audit.summary import summarize

        rendered = SUMMARY_FORMATS[output_format.name].render(summarize(reports, rules))
    else:
        rendered = output_format.render(AuditRun(reports, rules))
    emit(rendered, output)
    # A table on the terminal ends with each paper's verdict; documents and files do not.
    if isinstance(rendered, str) or output is not None:
        for report in reports:
            console.note(render.verdict(report))
    if output is not None:
        console.wrote(output)
    failed = any(not report.passed for report in reports)
    if failed and not exit_zero:
        raise typer.Exit(1)
