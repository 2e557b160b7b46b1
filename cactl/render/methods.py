"""Renderings of the method inventory: JSON records, CSV, BibTeX, rich tables, the grid."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

from rich.table import Table

from cactl.inventory import Method
from cactl.vocab import Granularity, Methodology

CSV_COLUMNS = [
    "number",
    "name",
    "title",
    "arxiv",
    "openreview",
    "survey_arxiv",
    "year",
    "venue",
    "setting",
    "category",
    "granularity",
    "granularity_label",
    "methodology",
    "methodology_label",
    "methodology_source",
    "scope",
    "collection",
    "baseline_family",
    "evidence",
    "summary",
]


def method_record(method: Method) -> dict[str, Any]:
    """A method as a JSON-ready dict (vocabulary values as strings), plus its url."""
    record = method.model_dump(mode="json")
    record["url"] = method.url
    return record


def methods_csv(methods: list[Method]) -> str:
    """CSV with a header row; a method's several granularities are joined with ``;``."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for method in methods:
        record = method.model_dump(mode="json")
        record["granularity"] = ";".join(record["granularity"])
        writer.writerow(
            {column: "" if record[column] is None else record[column] for column in CSV_COLUMNS}
        )
    return buffer.getvalue()


def _bibtex_escape(text: str) -> str:
    for char in "&%$#_":
        text = text.replace(char, "\\" + char)
    return text


def bibtex_key(method: Method) -> str:
    """A citation key: the name's letters and digits, the year, and the id's last digits."""
    stem = re.sub(r"[^A-Za-z0-9]+", "", method.name).lower() or "method"
    suffix = (method.arxiv or method.openreview or "").replace(".", "")[-5:]
    return f"{stem}{method.year}_{suffix}"


def methods_bibtex(methods: list[Method]) -> str:
    """One ``@misc`` (arXiv) or ``@inproceedings`` (OpenReview) entry per method."""
    entries = []
    for method in methods:
        # Double braces keep the title's capitalisation in every bibliography style.
        fields: list[tuple[str, str]] = [("title", "{" + _bibtex_escape(method.title) + "}")]
        fields.append(("year", str(method.year)))
        if method.arxiv:
            fields += [
                ("eprint", method.arxiv),
                ("archivePrefix", "arXiv"),
                ("url", method.url),
            ]
        else:
            fields.append(("url", method.url))
        if method.venue:
            fields.append(("note", _bibtex_escape(method.venue)))
        body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
        entries.append(f"@misc{{{bibtex_key(method)},\n{body}\n}}\n")
    return "\n".join(entries)


def methods_table(methods: list[Method], *, title: str | None = None) -> Table:
    table = Table(title=title, show_lines=False, expand=False)
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column("method", style="bold")
    table.add_column("id", no_wrap=True)
    table.add_column("set", no_wrap=True)
    table.add_column("granularity")
    table.add_column("methodology", no_wrap=True)
    table.add_column("scope", no_wrap=True)
    for method in methods:
        table.add_row(
            "" if method.number is None else str(method.number),
            method.name,
            method.identifier.split(":", 1)[1],
            method.setting.value,
            ", ".join(g.value for g in method.granularity),
            method.methodology.value,
            method.scope.value,
        )
    return table


def method_detail(method: Method) -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column()
    rows: list[tuple[str, str]] = [
        ("name", method.name),
        ("title", method.title),
        ("id", method.identifier),
        ("link", method.url),
    ]
    if method.survey_arxiv:
        rows.append(("survey's id", f"arXiv:{method.survey_arxiv} (points to another paper)"))
    rows += [
        ("year", str(method.year)),
        ("venue", method.venue or "unconfirmed"),
        ("setting", method.setting.value),
        ("category", method.category),
        (
            "granularity",
            f"{', '.join(g.value for g in method.granularity)} ({method.granularity_label})",
        ),
        (
            "methodology",
            f"{method.methodology.value} ({method.methodology_label}; "
            + (
                "survey's grid"
                if method.methodology_source == "survey-grid"
                else "assigned by cactl"
            )
            + ")",
        ),
        ("scope", method.scope.value),
        ("collection", method.collection.value),
        ("baseline family", method.baseline_family.value),
        ("evidence", method.evidence.value),
        ("summary", method.summary),
    ]
    for key, value in rows:
        table.add_row(key, value)
    return table


GRID_ROWS: list[tuple[str, tuple[Granularity, ...]]] = [
    ("token", (Granularity.token,)),
    ("segment", (Granularity.segment,)),
    ("step / turn", (Granularity.step, Granularity.turn)),
    ("multi-agent", (Granularity.multi_agent,)),
]


def grid_cells(methods: list[Method]) -> list[dict[str, Any]]:
    """The granularity x methodology grid: one record per (row, column) with the names in it.

    A method sits in every row its granularities touch (step and turn share a row, as in the
    survey's figure) and in the column of its methodology class.
    """
    cells = []
    for row, members in GRID_ROWS:
        for column in Methodology:
            names = [
                method.name
                for method in methods
                if method.methodology is column and set(members) & set(method.granularity)
            ]
            cells.append(
                {
                    "granularity": row,
                    "methodology": column.value,
                    "count": len(names),
                    "methods": names,
                }
            )
    return cells


def grid_table(methods: list[Method]) -> Table:
    table = Table(title="granularity x methodology", show_lines=True)
    table.add_column("granularity", style="bold", no_wrap=True)
    for column in Methodology:
        table.add_column(column.value.replace("-", "-\n"))
    cells = grid_cells(methods)
    for row, _ in GRID_ROWS:
        row_cells = [cell for cell in cells if cell["granularity"] == row]
        table.add_row(
            row,
            *(
                (f"[bold]{cell['count']}[/]\n" + "\n".join(cell["methods"]))
                if cell["count"]
                else "-"
                for cell in row_cells
            ),
        )
    return table
