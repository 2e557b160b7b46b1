"""Renderings of audit reports: rich tables, JSON, markdown, LaTeX, JUnit XML, SARIF 2.1.0 and
GitHub workflow annotations; and of the corpus summary (table, JSON, markdown).

Every function returns a string or a rich renderable; none prints.
"""

from __future__ import annotations

import json
from typing import Any
from xml.etree import ElementTree as ET

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from cactl import __version__
from cactl.audit.checklist import Checklist, Priority, Status
from cactl.audit.evaluate import Finding, PlaceholderUse, Report
from cactl.audit.summary import CorpusSummary
from cactl.render.errors import sarif_uri
from cactl.render.text import latex_escape

STATUS_STYLE = {
    Status.met: "green",
    Status.partial: "yellow",
    Status.missing: "red",
    Status.not_applicable: "dim",
    Status.not_checked: "magenta",
}

STATUS_MARK = {
    Status.met: "met",
    Status.partial: "partial",
    Status.missing: "missing",
    Status.not_applicable: "n/a",
    Status.not_checked: "not checked",
}


def status_text(f: Finding) -> str:
    """The status, with a justified omission beside it."""
    mark = STATUS_MARK[f.status]
    return f"{mark} (omitted: {f.omission})" if f.omission else mark


def message(f: Finding) -> str:
    """One line for CI formats: the status (and a justified omission), the reason, the notes."""
    status = f.status.value + (f" (omitted: {f.omission})" if f.omission else "")
    return "; ".join([f"{status}: {f.reason}", *(f"note: {note}" for note in f.notes)])


def placeholder_record(use: PlaceholderUse) -> dict[str, Any]:
    return {
        "field": use.field,
        "value": use.value,
        "location": None if use.line is None else {"line": use.line, "column": use.column},
    }


# --------------------------------------------------------------------------------------------
# JSON


def report_record(report: Report) -> dict[str, Any]:
    """One paper's audit as the documented JSON object."""
    summary = report.summary
    return {
        "file": report.file,
        "checklist": {"id": report.checklist.id, "version": report.checklist.version},
        "items": [
            {
                "id": f.item.id,
                "group": f.item.group,
                "priority": f.item.priority.value,
                "status": f.status.value,
                "reason": f.reason,
                "location": None if f.line is None else {"line": f.line, "column": f.column},
                "where": f.where,
                "notes": list(f.notes),
                "omission": f.omission,
            }
            for f in report.findings
        ],
        "placeholders": [placeholder_record(use) for use in report.placeholders],
        "summary": {
            "required_met": summary.required_met,
            "required_total": summary.required_total,
            "recommended_met": summary.recommended_met,
            "recommended_total": summary.recommended_total,
            "required_not_checked": summary.required_not_checked,
            "recommended_not_checked": summary.recommended_not_checked,
        },
        "passed": report.passed,
    }


def reports_json(reports: list[Report]) -> str:
    """One JSON document: an object for one paper, a list for several."""
    records = [report_record(r) for r in reports]
    document: Any = records[0] if len(records) == 1 else records
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


# --------------------------------------------------------------------------------------------
# Terminal table


def verdict(report: Report) -> str:
    """One line: the counts and PASSED / FAILED."""
    s = report.summary
    text = (
        f"{report.file}: {s.required_met}/{s.required_total} required met, "
        f"{s.recommended_met}/{s.recommended_total} recommended met"
    )
    unread = s.required_not_checked + s.recommended_not_checked
    if unread:
        text += f", {unread} not checked"
    if report.placeholders:
        count = len(report.placeholders)
        text += f", {count} placeholder{'s' if count != 1 else ''}"
    return text + (" - PASSED" if report.passed else " - FAILED")


def report_table(report: Report) -> RenderableType:
    """The audit of one paper as a table grouped by the checklist's groups."""
    table = Table(
        title=Text(f"{report.file} - {report.checklist.title} {report.checklist.version}"),
        title_justify="left",
        show_lines=False,
    )
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column("item", no_wrap=True)
    table.add_column("", no_wrap=True)
    table.add_column("status", no_wrap=True)
    table.add_column(Text("reason [where in the paper]"))
    table.add_column("line:col", justify="right", no_wrap=True)
    group = None
    for finding in report.findings:
        if finding.item.group != group:
            group = finding.item.group
            table.add_row("", Text(group, style="bold"), "", "", "", "")
        reason = Text(finding.reason + (f" [{finding.where}]" if finding.where else ""))
        if finding.omission:
            reason.append(f"\nomitted: {finding.omission}", style="italic")
        for note in finding.notes:
            reason.append(f"\nnote: {note}", style="dim")
        table.add_row(
            str(finding.item.number),
            finding.item.id,
            "req" if finding.item.priority is Priority.required else "rec",
            Text(
                STATUS_MARK[finding.status] + (" (omitted)" if finding.omission else ""),
                style=STATUS_STYLE[finding.status],
            ),
            reason,
            "" if finding.line is None else f"{finding.line}:{finding.column}",
        )
    style = "green" if report.passed else "red"
    lines = [
        Text(f"{report.file}:{_at(use)} {use.describe()}", style="yellow")
        for use in report.placeholders
    ]
    return Group(table, *lines, Text(verdict(report), style=style))


def _at(use: PlaceholderUse) -> str:
    return "" if use.line is None else f"{use.line}:{use.column}:"


def reports_tables(reports: list[Report]) -> RenderableType:
    return Group(*(report_table(r) for r in reports))


# --------------------------------------------------------------------------------------------
# Markdown


def _md(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def reports_markdown(reports: list[Report]) -> str:
    """A table per paper, ready to paste into an appendix."""
    parts = []
    for report in reports:
        s = report.summary
        lines = [
            f"### CA reporting checklist: `{_md(report.file)}`",
            "",
            f"Checklist `{report.checklist.id}` {report.checklist.version}: "
            f"{s.required_met}/{s.required_total} required and "
            f"{s.recommended_met}/{s.recommended_total} recommended items met.",
            "",
            "| # | Group | Requirement | Priority | Status | Reason | Where |",
            "|---:|---|---|---|---|---|---|",
        ]
        for f in report.findings:
            reason = " ".join([f.reason, *(f"(note: {note})" for note in f.notes)])
            lines.append(
                f"| {f.item.number} | {_md(f.item.group)} | {_md(f.item.requirement)} | "
                f"{f.item.priority.value} | {_md(status_text(f))} | {_md(reason)} | "
                f"{_md(f.where or '')} |"
            )
        if report.placeholders:
            lines.append("")
            lines.extend(f"- {_md(use.describe())}" for use in report.placeholders)
        parts.append("\n".join(lines) + "\n")
    return "\n".join(parts)


# --------------------------------------------------------------------------------------------
# LaTeX


def reports_latex(reports: list[Report]) -> str:
    """A ``table`` environment per paper (needs ``\\usepackage{booktabs}``)."""
    parts = []
    for report in reports:
        s = report.summary
        rows: list[str] = []
        group = None
        for f in report.findings:
            if f.item.group != group:
                group = f.item.group
                if rows:
                    rows.append(r"\midrule")
                rows.append(rf"\multicolumn{{5}}{{l}}{{\textit{{{latex_escape(group)}}}}} \\")
            rows.append(
                f"{f.item.number} & {latex_escape(f.item.requirement)} & "
                f"{f.item.priority.value} & {STATUS_MARK[f.status]} & "
                f"{latex_escape(f.where or '')} \\\\"
            )
        caption = (
            f"Credit-assignment reporting checklist ({latex_escape(report.checklist.id)} "
            f"{latex_escape(report.checklist.version)}) for {latex_escape(report.file)}: "
            f"{s.required_met}/{s.required_total} required and "
            f"{s.recommended_met}/{s.recommended_total} recommended items met."
        )
        parts.append(
            "\n".join(
                [
                    r"% requires \usepackage{booktabs}",
                    r"\begin{table}[t]",
                    r"\centering",
                    r"\small",
                    rf"\caption{{{caption}}}",
                    r"\begin{tabular}{r p{0.46\linewidth} l l p{0.2\linewidth}}",
                    r"\toprule",
                    r"\# & Requirement & Priority & Status & Where in the paper \\",
                    r"\midrule",
                    *rows,
                    r"\bottomrule",
                    r"\end{tabular}",
                    r"\end{table}",
                ]
            )
            + "\n"
        )
    return "\n".join(parts)


# --------------------------------------------------------------------------------------------
# JUnit XML


def reports_junit(reports: list[Report]) -> str:
    """One test suite per paper, one test case per checklist item.

    An item that decides pass / fail and is not met is a failure; a not-applicable item is
    skipped; a recommended item that is not met (without ``--strict``) passes with its status
    in ``system-out``.
    """
    root = ET.Element("testsuites", name="cactl audit")
    total_tests = total_failures = total_skipped = 0
    for report in reports:
        failures = len(report.failures)
        skipped = sum(1 for f in report.findings if f.status is Status.not_applicable)
        suite = ET.SubElement(
            root,
            "testsuite",
            name=report.file,
            tests=str(len(report.findings)),
            failures=str(failures),
            errors="0",
            skipped=str(skipped),
        )
        for f in report.findings:
            case = ET.SubElement(
                suite,
                "testcase",
                classname=f"{report.checklist.id}.{f.item.group}",
                name=f"{f.item.number} {f.item.id}: {f.item.requirement}",
                file=report.file,
            )
            if f.line is not None:
                case.set("line", str(f.line))
            if f.status is Status.not_applicable:
                ET.SubElement(case, "skipped", message=f.reason)
            elif f.counts(report.strict) and not f.met:
                failure = ET.SubElement(case, "failure", message=message(f), type=f.status.value)
                failure.text = _where_line(report, f)
            else:
                out = ET.SubElement(case, "system-out")
                out.text = message(f)
        total_tests += len(report.findings)
        total_failures += failures
        total_skipped += skipped
    root.set("tests", str(total_tests))
    root.set("failures", str(total_failures))
    root.set("errors", "0")
    root.set("skipped", str(total_skipped))
    ET.indent(root)
    # Characters past ASCII as references (&#233;): the same XML, and the same text, in every
    # locale (an ASCII-only terminal would otherwise write \u00e9, which XML reads as is).
    text = ET.tostring(root, encoding="unicode").encode("ascii", "xmlcharrefreplace").decode()
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + text + "\n"


def _where_line(report: Report, f: Finding) -> str:
    at = report.file if f.line is None else f"{report.file}:{f.line}:{f.column}"
    return f"{at}: {f.item.requirement}"


# --------------------------------------------------------------------------------------------
# SARIF 2.1.0

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def _level(report: Report, f: Finding) -> str:
    if f.counts(report.strict):
        return "error" if f.item.priority is Priority.required else "warning"
    return "note"


def _rules(checklist: Checklist) -> list[dict[str, Any]]:
    return [
        {
            "id": item.id,
            "name": "".join(part.capitalize() for part in item.id.split("-")),
            "shortDescription": {"text": item.requirement},
            "fullDescription": {
                "text": f"{checklist.title}, item {item.number} ({item.group}, {item.priority.value}): "
                f"{item.requirement}"
            },
            "defaultConfiguration": {
                "level": "error" if item.priority is Priority.required else "warning"
            },
            "properties": {"group": item.group, "priority": item.priority.value},
        }
        for item in checklist.items
    ] + [PLACEHOLDER_RULE]


PLACEHOLDER_RULE: dict[str, Any] = {
    "id": "placeholder",
    "name": "Placeholder",
    "shortDescription": {"text": "A placeholder (TBD, -, n/a, see paper, ...) counts as absent."},
    "fullDescription": {
        "text": "A text field whose whole value is a placeholder counts as absent: the items "
        "that read it are judged without it."
    },
    "defaultConfiguration": {"level": "warning"},
    "properties": {},
}


def _sarif_location(file: str, line: int | None, column: int | None) -> dict[str, Any]:
    region: dict[str, int] = {"startLine": line or 1}
    if column is not None:
        region["startColumn"] = column
    return {
        "physicalLocation": {
            "artifactLocation": {"uri": sarif_uri(file)},
            "region": region,
        }
    }


def reports_sarif(reports: list[Report], checklist: Checklist) -> str:
    """A SARIF 2.1.0 log: one run, a rule per checklist item, a result per unmet item.

    Every result has a physical location; a missing key points at its nearest existing parent
    (line 1 when the file is empty)."""
    index = {item.id: i for i, item in enumerate(checklist.items)}
    results = []
    for report in reports:
        for f in report.findings:
            if f.met or f.status is Status.not_applicable:
                continue
            results.append(
                {
                    "ruleId": f.item.id,
                    "ruleIndex": index[f.item.id],
                    "level": _level(report, f),
                    "message": {"text": message(f)},
                    "locations": [_sarif_location(report.file, f.line, f.column)],
                    "properties": {"status": f.status.value},
                }
            )
        for use in report.placeholders:
            results.append(
                {
                    "ruleId": PLACEHOLDER_RULE["id"],
                    "ruleIndex": len(checklist.items),
                    "level": "warning",
                    "message": {"text": use.describe()},
                    "locations": [_sarif_location(report.file, use.line, use.column)],
                }
            )
    log = {
        "version": "2.1.0",
        "$schema": SARIF_SCHEMA,
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "cactl",
                        "version": __version__,
                        "informationUri": "https://arxiv.org/abs/2604.09459",
                        "rules": _rules(checklist),
                    }
                },
                "artifacts": [{"location": {"uri": sarif_uri(r.file)}} for r in reports],
                "results": results,
            }
        ],
    }
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


# --------------------------------------------------------------------------------------------
# GitHub workflow commands


def _gh_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_property(text: str) -> str:
    return _gh_data(text).replace(":", "%3A").replace(",", "%2C")


def reports_github(reports: list[Report]) -> str:
    """``::error file=..,line=..,col=..,title=..::message`` lines, one per unmet item."""
    lines = []
    for report in reports:
        for f in report.findings:
            if f.met or f.status is Status.not_applicable:
                continue
            command = {"error": "error", "warning": "warning", "note": "notice"}[_level(report, f)]
            props = [f"file={_gh_property(report.file)}", f"line={f.line or 1}"]
            if f.column is not None:
                props.append(f"col={f.column}")
            props.append(f"title={_gh_property(f'CA checklist {f.item.number} {f.item.id}')}")
            lines.append(f"::{command} {','.join(props)}::{_gh_data(message(f))}")
        for use in report.placeholders:
            props = [f"file={_gh_property(report.file)}", f"line={use.line or 1}"]
            if use.column is not None:
                props.append(f"col={use.column}")
            props.append(f"title={_gh_property('CA checklist placeholder')}")
            lines.append(f"::warning {','.join(props)}::{_gh_data(use.describe())}")
    return "\n".join(lines) + ("\n" if lines else "")


# --------------------------------------------------------------------------------------------
# Corpus summary


def summary_record(summary: CorpusSummary) -> dict[str, Any]:
    return {
        "checklist": {"id": summary.checklist.id, "version": summary.checklist.version},
        "papers": summary.papers,
        "passed": summary.passed,
        "items": [
            {
                "id": row.item.id,
                "number": row.item.number,
                "group": row.item.group,
                "priority": row.item.priority.value,
                "met": row.met,
                "partial": row.partial,
                "missing": row.missing,
                "not_applicable": row.not_applicable,
                "not_checked": row.not_checked,
                "survey": None
                if row.item.compliance is None
                else {
                    "met": row.item.compliance.met,
                    "total": row.item.compliance.total,
                    "source": row.item.compliance.source,
                },
            }
            for row in summary.rows
        ],
    }


def summary_json(summary: CorpusSummary) -> str:
    return json.dumps(summary_record(summary), indent=2, ensure_ascii=False) + "\n"


def _survey(row: Any) -> str:
    c = row.item.compliance
    return "" if c is None else f"{c.met}/{c.total}"


def summary_table(summary: CorpusSummary) -> RenderableType:
    table = Table(
        title=Text(
            f"compliance across {summary.papers} paper{'s' if summary.papers != 1 else ''} "
            f"({summary.checklist.id} {summary.checklist.version})"
        ),
        title_justify="left",
    )
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column("item", no_wrap=True)
    table.add_column("priority", no_wrap=True)
    for name, style in (
        ("met", "green"),
        ("partial", "yellow"),
        ("missing", "red"),
        ("n/a", "dim"),
        ("not checked", "magenta"),
    ):
        table.add_column(name, justify="right", style=style, no_wrap=True)
    table.add_column("survey", justify="right", no_wrap=True)
    for row in summary.rows:
        table.add_row(
            str(row.item.number),
            Text(row.item.id),
            row.item.priority.value,
            str(row.met),
            str(row.partial),
            str(row.missing),
            str(row.not_applicable),
            str(row.not_checked),
            _survey(row),
        )
    return Group(table, Text(f"{summary.passed}/{summary.papers} papers pass"))


def summary_markdown(summary: CorpusSummary) -> str:
    lines = [
        f"Compliance with checklist `{summary.checklist.id}` {summary.checklist.version} "
        f"across {summary.papers} paper{'s' if summary.papers != 1 else ''} "
        f"({summary.passed} pass).",
        "",
        "| # | Requirement | Priority | Met | Partial | Missing | N/A | Not checked | Survey (met/total) |",
        "|---:|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in summary.rows:
        lines.append(
            f"| {row.item.number} | {_md(row.item.requirement)} | {row.item.priority.value} | "
            f"{row.met} | {row.partial} | {row.missing} | {row.not_applicable} | "
            f"{row.not_checked} | {_survey(row)} |"
        )
    return "\n".join(lines) + "\n"
