"""Metadata of the controlled tasks and their parameters (pure Python, no torch).

``cactl tasks list`` reads this module; ``--param KEY=VALUE`` strings are parsed and checked
here, so a typo in a parameter name is an error with a suggestion, not a silent default.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cactl.errors import InputError, did_you_mean

ParamValue = int | float


@dataclass(frozen=True)
class TaskParam:
    """One parameter of a task: type, default, bounds and meaning."""

    name: str
    kind: type[int] | type[float]
    default: ParamValue | None
    help: str
    minimum: float | None = None
    maximum: float | None = None
    #: Shown instead of the default when the default depends on other parameters.
    default_text: str | None = None

    def record(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.kind.__name__,
            "default": self.default if self.default_text is None else self.default_text,
            "minimum": self.minimum,
            "maximum": self.maximum,
            "help": self.help,
        }

    def parse(self, text: str) -> ParamValue:
        """The value of ``text`` for this parameter, checked against its type and bounds."""
        try:
            value: ParamValue = int(text) if self.kind is int else float(text)
        except ValueError:
            raise InputError(
                "not a number",
                field=f"--param {self.name}",
                expected="an integer" if self.kind is int else "a number",
                found=repr(text),
                code="wrong-type",
            ) from None
        if value != value or value in (float("inf"), float("-inf")):
            raise InputError(
                "must be finite", field=f"--param {self.name}", found=repr(text), code="not-finite"
            )
        low, high = self.minimum, self.maximum
        if (low is not None and value < low) or (high is not None and value > high):
            bounds = (
                f"{low if low is not None else '-inf'} .. {high if high is not None else 'inf'}"
            )
            raise InputError(
                "out of range",
                field=f"--param {self.name}",
                expected=bounds,
                found=text,
                code="out-of-range",
            )
        return value


@dataclass(frozen=True)
class TaskInfo:
    """A task family: what it models, what decides its outcome, and its parameters."""

    name: str
    summary: str
    regime: str
    decisive: str
    params: tuple[TaskParam, ...]

    def record(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "summary": self.summary,
            "regime": self.regime,
            "decisive": self.decisive,
            "params": [param.record() for param in self.params],
        }

    def param(self, name: str) -> TaskParam:
        for param in self.params:
            if param.name == name:
                return param
        names = [param.name for param in self.params]
        raise InputError(
            f"task {self.name!r} has no parameter {name!r}",
            field="--param",
            found=repr(name),
            hint=did_you_mean(name, names) or "see: cactl tasks list",
            code="unknown-key",
        )

    def parse_params(self, pairs: list[str]) -> dict[str, ParamValue]:
        """``["horizon=40", ...]`` -> ``{"horizon": 40}`` (only the given ones), checked."""
        values: dict[str, ParamValue] = {}
        for pair in pairs:
            key, sep, text = pair.partition("=")
            if not sep or not key.strip():
                raise InputError(
                    "expected KEY=VALUE",
                    field="--param",
                    found=repr(pair),
                    hint="e.g. horizon=40",
                    code="bad-option",
                )
            param = self.param(key.strip())
            values[param.name] = param.parse(text.strip())
        return values


#: Parameters every task has: the sample sizes and the noise of the emitted signals.
COMMON: tuple[TaskParam, ...] = (
    TaskParam("groups", int, 8, "Task instances (GRPO groups).", 1, 10_000),
    TaskParam("group_size", int, 8, "Trajectories sampled per instance.", 1, 10_000),
    TaskParam("tokens", int, 8, "Tokens per step (credit is spread over them).", 1, 100_000),
    TaskParam(
        "branches",
        int,
        8,
        "Continuations sampled per step for branch_returns; 0 = the exact value instead.",
        0,
        10_000,
    ),
    TaskParam(
        "counterfactuals",
        int,
        4,
        "Episodes per step with the action replaced, for counterfactual_returns; 0 = exact.",
        0,
        10_000,
    ),
    TaskParam("critic_noise", float, 0.05, "Std of the noise on value and token_values.", 0, 100),
    TaskParam("prm_noise", float, 0.1, "Std of the noise on prm scores.", 0, 100),
    TaskParam("prm_bias", float, 0.0, "Constant offset added to prm scores.", -100, 100),
    TaskParam(
        "hindsight_noise",
        float,
        0.3,
        "Std of the noise on hindsight_logp (a learned model).",
        0,
        100,
    ),
    TaskParam(
        "answer_noise", float, 0.1, "Std of the noise on answer_prob, in logit space.", 0, 100
    ),
)

FORK = TaskInfo(
    name="fork",
    summary=(
        "One generation of `horizon` steps; the action at the fork step sets the success "
        "probability to 0.5 +- strength/2, every other step is irrelevant."
    ),
    regime="reasoning",
    decisive="the fork step",
    params=(
        TaskParam("horizon", int, 20, "Steps per trajectory.", 2, 5000),
        TaskParam("fork", int, None, "Index of the fork step (0-based).", 0, 4999, "horizon // 2"),
        TaskParam(
            "strength",
            float,
            1.0,
            "Success gap between the fork's two actions (1: the fork alone decides).",
            0,
            1,
        ),
        TaskParam("fork_prob", float, 0.5, "Behaviour probability of the good fork action.", 0, 1),
        TaskParam(
            "step_prob", float, 0.9, "Behaviour probability of action 1 at other steps.", 0, 1
        ),
        *COMMON,
    ),
)

DETOUR = TaskInfo(
    name="detour",
    summary=(
        "Multi-turn, partially observable walk to a door: a clue at turn 0 names the right door "
        "at the last turn; a wrong branch at the junction costs a long detour (late recovery); "
        "advances slip at random; coin turns pay small rewards that do not change the outcome."
    ),
    regime="agentic",
    decisive="the junction (when taken wrong) or the door",
    params=(
        TaskParam("horizon", int, 40, "Turns per trajectory.", 10, 1000),
        TaskParam("junction", int, 2, "Turn of the junction (the early mistake).", 1, 998),
        TaskParam("detour", int, None, "Turns lost after a wrong branch.", 0, 998, "horizon // 4"),
        TaskParam(
            "need",
            int,
            None,
            "Successful advances needed to reach the door (auto: about 0.8 x those expected "
            "on track).",
            1,
            1000,
            "auto",
        ),
        TaskParam("move_prob", float, 0.8, "Probability that an advance moves (else slips).", 0, 1),
        TaskParam("coin_every", int, 5, "Every k-th turn is a coin turn (0 = none).", 0, 1000),
        TaskParam("coin", float, 0.05, "Immediate reward of a coin.", 0, 100),
        TaskParam("note_prob", float, 0.8, "Behaviour probability of noting the clue.", 0, 1),
        TaskParam("junction_prob", float, 0.7, "Behaviour probability of the right branch.", 0, 1),
        TaskParam("advance_prob", float, 0.9, "Behaviour probability of advancing.", 0, 1),
        TaskParam("grab_prob", float, 0.5, "Behaviour probability of grabbing a coin.", 0, 1),
        TaskParam(
            "recall_prob", float, 0.95, "Behaviour probability of opening the noted door.", 0, 1
        ),
        *COMMON,
    ),
)

TEAM = TaskInfo(
    name="team",
    summary=(
        "Agents act in turn for one shared reward: nothing without the pivotal agent; a "
        "redundant pair (either one suffices) and a complementary pair (both needed) add to it; "
        "idle agents change nothing. Every trajectory carries all 2^n coalition values."
    ),
    regime="multi-agent",
    decisive="the pivotal agent",
    params=(
        TaskParam("idle", int, 1, "Idle agents besides the pivot and the two pairs.", 0, 8),
        TaskParam("pivot", int, 2, "Position of the pivotal agent in the acting order.", 0, 12),
        TaskParam(
            "act_prob", float, 0.6, "Behaviour probability that an agent does its part.", 0, 1
        ),
        TaskParam("base", float, 0.5, "Success probability from the pivot alone.", 0, 1),
        TaskParam("redundant", float, 0.25, "Added when either redundant agent acts.", 0, 1),
        TaskParam("complementary", float, 0.25, "Added when both complementary agents act.", 0, 1),
        *COMMON,
    ),
)

TASKS: tuple[TaskInfo, ...] = (FORK, DETOUR, TEAM)
_BY_NAME = {task.name: task for task in TASKS}


def list_tasks() -> list[TaskInfo]:
    """The built-in task families, in order."""
    return list(TASKS)


def task_names() -> list[str]:
    return [task.name for task in TASKS]


def get_task_info(name: str) -> TaskInfo:
    """Metadata of one task; an unknown name is an InputError with suggestions."""
    info = _BY_NAME.get(name)
    if info is None:
        raise InputError(
            f"no task named {name!r}",
            field="--task",
            expected=", ".join(_BY_NAME),
            found=repr(name),
            hint=did_you_mean(name, _BY_NAME),
            code="unknown-name",
        )
    return info
