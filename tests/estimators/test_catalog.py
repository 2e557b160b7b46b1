"""The estimator catalogue: names, metadata, requirement checks (no torch needed)."""

from __future__ import annotations

import pytest

from cactl.errors import InputError
from cactl.estimators.catalog import (
    check_requirements,
    estimator_names,
    get_info,
    list_estimators,
)
from cactl.inventory import load_inventory
from cactl.trajectory.model import Step, Trajectory
from cactl.vocab import Methodology

STEP_FIELDS = set(Step.model_fields)
TRAJECTORY_FIELDS = set(Trajectory.model_fields)


def test_sixteen_unique_names() -> None:
    names = estimator_names()
    assert len(names) == 16 == len(set(names))
    assert [info.name for info in list_estimators()] == names


def test_every_requirement_is_a_trajectory_field() -> None:
    for info in list_estimators():
        for field in info.requires:
            assert field in STEP_FIELDS | TRAJECTORY_FIELDS, (info.name, field)


def test_every_methodology_class_is_covered() -> None:
    assert {info.methodology for info in list_estimators()} == set(Methodology)


def test_implemented_methods_exist_in_the_inventory() -> None:
    inventory = load_inventory()
    for info in list_estimators():
        for method in info.implements:
            assert inventory.find(method) is not None, (info.name, method)


def test_string_params_have_their_default_among_the_choices() -> None:
    for info in list_estimators():
        for param in info.params:
            if isinstance(param.default, str):
                assert param.default in param.choices, (info.name, param.name)
            else:
                assert not param.choices


def test_unknown_name_suggests_the_closest() -> None:
    with pytest.raises(InputError) as caught:
        get_info("gea")
    assert caught.value.hint == "did you mean 'gae'?"


def test_unknown_param_suggests_the_closest() -> None:
    with pytest.raises(InputError) as caught:
        get_info("gae").param("lambda")
    assert caught.value.field == "lambda"
    assert caught.value.expected == "gamma, lam"


def _trajectory(ident: str, *steps: dict[str, object]) -> Trajectory:
    return Trajectory.model_validate(
        {"id": ident, "group": "g", "reward": 1.0, "steps": list(steps)}
    )


def test_check_requirements_names_trajectory_step_and_line() -> None:
    good = _trajectory("a", {"tokens": 2, "value": 0.5})
    bad = _trajectory("b", {"tokens": 1, "value": 0.1}, {"tokens": 3})
    check_requirements("turn_gae", [good])
    with pytest.raises(InputError) as caught:
        check_requirements("turn_gae", [good, bad], lines=[3, 7], file="runs.jsonl")
    error = caught.value
    assert (
        error.message
        == "estimator 'turn_gae' needs 'value', and trajectory 1 (id 'b') lacks it at step 1"
    )
    assert (error.file, error.line, error.field) == ("runs.jsonl", 7, "steps[1].value")
    assert error.render().startswith("runs.jsonl:7: steps[1].value: estimator 'turn_gae'")


def test_check_requirements_trajectory_level_field() -> None:
    with pytest.raises(InputError) as caught:
        check_requirements("shapley", [_trajectory("x", {"tokens": 1})])
    assert caught.value.field == "coalitions"
    assert caught.value.line is None


def test_check_requirements_unknown_estimator() -> None:
    with pytest.raises(InputError, match="no estimator named 'grp'"):
        check_requirements("grp", [])


def test_check_requirements_shapley_with_agent_members_needs_each_steps_agent() -> None:
    coalitions = [
        {"members": [], "value": 0.0},
        {"members": ["p"], "value": 1.0},
        {"members": ["c"], "value": 1.0},
        {"members": ["p", "c"], "value": 2.0},
    ]
    by_steps = Trajectory.model_validate(
        {
            "id": "s",
            "group": "g",
            "reward": 1.0,
            "steps": [{"tokens": 1}],
            "coalitions": [{"members": [], "value": 0.0}, {"members": [0], "value": 1.0}],
        }
    )
    by_agents = Trajectory.model_validate(
        {
            "id": "m",
            "group": "g",
            "reward": 1.0,
            "steps": [{"tokens": 1, "agent": "p"}, {"tokens": 2}],
            "coalitions": coalitions,
        }
    )
    check_requirements("shapley", [by_steps])  # step-index members: no agent needed
    with pytest.raises(InputError) as caught:
        check_requirements("shapley", [by_steps, by_agents], lines=[1, 2], file="m.jsonl")
    error = caught.value
    assert error.message == (
        "estimator 'shapley' needs 'agent', and trajectory 1 (id 'm') lacks it at step 1 "
        "(its coalition members are agent names)"
    )
    assert (error.file, error.line, error.field) == ("m.jsonl", 2, "steps[1].agent")
