"""``cactl methods``: the surveyed credit-assignment methods, searchable and exportable."""

from __future__ import annotations

from enum import Enum

import typer

from cactl.cli import console
from cactl.inventory import load_inventory
from cactl.render import methods as render
from cactl.vocab import Collection, Granularity, Methodology, Scope, Setting

app = typer.Typer(
    help="The surveyed credit-assignment methods: list, filter, show, export, grid.",
    no_args_is_help=True,
)


class ListFormat(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"
    bibtex = "bibtex"


@app.command("list")
def list_methods(
    granularity: list[Granularity] = typer.Option(
        [], "--granularity", "-g", help="Keep methods that give credit at this unit (repeatable)."
    ),
    methodology: list[Methodology] = typer.Option(
        [], "--methodology", "-m", help="Keep methods of this methodology class (repeatable)."
    ),
    setting: list[Setting] = typer.Option(
        [], "--setting", "-s", help="Keep methods of this setting (repeatable)."
    ),
    scope: list[Scope] = typer.Option([], "--scope", help="core or adjacent (repeatable)."),
    collection: list[Collection] = typer.Option(
        [Collection.survey],
        "--collection",
        "-c",
        help="survey (the 47 of the April 2026 snapshot) or later (companion-repo additions).",
    ),
    all_collections: bool = typer.Option(
        False, "--all", help="Both collections (the same as -c survey -c later)."
    ),
    output_format: ListFormat = typer.Option(
        ListFormat.table, "--format", "-f", help="table, json, csv or bibtex."
    ),
) -> None:
    """List methods, filtered by taxonomy. Filters of different kinds combine with AND,
    repeated values of one filter with OR.

    Examples:

      cactl methods list --setting agentic --methodology monte-carlo

      cactl methods list -g multi-agent --format json | jq '.[].name'

      cactl methods list --scope core --format bibtex > ca-methods.bib
    """
    inventory = load_inventory()
    methods = inventory.select(
        granularity=granularity,
        methodology=methodology,
        setting=setting,
        scope=scope,
        collection=list(Collection) if all_collections else collection,
    )
    if output_format is ListFormat.json:
        console.emit_json([render.method_record(method) for method in methods])
    elif output_format is ListFormat.csv:
        console.emit_text(render.methods_csv(methods))
    elif output_format is ListFormat.bibtex:
        console.emit_text(render.methods_bibtex(methods))
    else:
        console.out().print(render.methods_table(methods))
        console.note(f"{len(methods)} method{'s' if len(methods) != 1 else ''}")


@app.command("show")
def show_method(
    name: str = typer.Argument(..., help="Short name or id, any case (e.g. gigpo, 2505.10978)."),
    output_format: console.TableOrJson = typer.Option(console.TableOrJson.table, "--format", "-f"),
) -> None:
    """Show one method: title, ids, link, taxonomy, summary.

    Examples:

      cactl methods show GiGPO

      cactl methods show 2504.15275 --format json
    """
    method = load_inventory().get(name)
    if output_format is console.TableOrJson.json:
        console.emit_json(render.method_record(method))
    else:
        console.out().print(render.method_detail(method))


@app.command("grid")
def grid(
    all_collections: bool = typer.Option(False, "--all", help="Include the later additions."),
    output_format: console.TableOrJson = typer.Option(console.TableOrJson.table, "--format", "-f"),
) -> None:
    """The granularity x methodology grid of the survey's figure, with counts and names.

    Example:

      cactl methods grid
    """
    inventory = load_inventory()
    methods = inventory.select(
        collection=list(Collection) if all_collections else [Collection.survey]
    )
    if output_format is console.TableOrJson.json:
        console.emit_json(render.grid_cells(methods))
    else:
        console.out().print(render.grid_table(methods))
