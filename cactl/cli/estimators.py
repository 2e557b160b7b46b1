"""``cactl estimators``: the built-in credit-assignment estimators (metadata only, no torch)."""

from __future__ import annotations

import typer

from cactl.cli import console
from cactl.estimators.catalog import list_estimators
from cactl.render import estimators as render

app = typer.Typer(
    help="The built-in credit-assignment estimators (run them with cactl trial).",
    no_args_is_help=True,
)


@app.command("list")
def list_command(
    output_format: console.TableOrJson = typer.Option(
        console.TableOrJson.table, "--format", "-f", help="table or json."
    ),
) -> None:
    """List the estimators: name, granularity, methodology class, the inventory methods each
    implements, the trajectory fields each requires, and its parameters with defaults.

    Examples:

      cactl estimators list

      cactl estimators list --format json | jq '.[] | select(.requires == []) | .name'
    """
    infos = list_estimators()
    if output_format is console.TableOrJson.json:
        console.emit_json(render.estimator_records(infos))
    else:
        console.out().print(render.estimators_table(infos))
        console.note(f"{len(infos)} estimators")
