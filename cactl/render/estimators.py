"""Renderings of the estimator catalogue: JSON records and a rich table."""

from __future__ import annotations

from typing import Any

from rich.table import Table

from cactl.estimators.catalog import EstimatorInfo


def estimator_records(infos: list[EstimatorInfo]) -> list[dict[str, Any]]:
    """The catalogue as JSON-ready dicts."""
    return [info.record() for info in infos]


def estimators_table(infos: list[EstimatorInfo]) -> Table:
    """Name, granularity, methodology, implements, requires (parameters are in the JSON)."""
    table = Table(show_lines=False)
    table.add_column("name", no_wrap=True)
    table.add_column("granularity")
    table.add_column("methodology", no_wrap=True)
    table.add_column("implements")
    table.add_column("requires", overflow="fold")
    for info in infos:
        table.add_row(
            info.name,
            ", ".join(g.value for g in info.granularity),
            info.methodology.value,
            ", ".join(info.implements) or "-",
            ", ".join(info.requires) or "-",
        )
    return table
