"""Controlled bifurcation tasks: environments with exact ground-truth credit.

``make_task(name, params)`` builds one from ``--param`` values (defaults for the rest);
``rollout(env, rng)`` samples trajectories in the JSONL format with every signal and the truth.
Pure Python (no torch); the metadata lives in :mod:`cactl.tasks.catalog`.
"""

from __future__ import annotations

from cactl.tasks.catalog import ParamValue, get_task_info, list_tasks, task_names
from cactl.tasks.detour import Detour
from cactl.tasks.engine import Environment, Rollout, expected_success, rollout, solve
from cactl.tasks.fork import Fork
from cactl.tasks.team import Team

_CLASSES: dict[str, type[Environment]] = {"fork": Fork, "detour": Detour, "team": Team}


def resolve_params(name: str, given: dict[str, ParamValue]) -> dict[str, ParamValue | None]:
    """All parameters of task ``name``: the given ones, defaults for the rest (None where the
    default depends on other parameters)."""
    info = get_task_info(name)
    values: dict[str, ParamValue | None] = {p.name: p.default for p in info.params}
    for key, value in given.items():
        values[info.param(key).name] = value
    return values


def make_task(name: str, given: dict[str, ParamValue] | None = None) -> Environment:
    """The task ``name`` with the given parameters (the rest default); checks them together."""
    values = resolve_params(name, given or {})
    return _CLASSES[name](values)  # type: ignore[arg-type]


__all__ = [
    "Environment",
    "Rollout",
    "expected_success",
    "get_task_info",
    "list_tasks",
    "make_task",
    "resolve_params",
    "rollout",
    "solve",
    "task_names",
]
