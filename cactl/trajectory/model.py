"""Pydantic models of one trajectory and its steps, as written in trajectory JSONL files.

Field names are part of the public format (other tools write them): see the table in the
README and ``cactl schema trajectory``. Every number must be finite; every text field is at
most :data:`MAX_TEXT_CHARS` characters. Validation of one trajectory is local (its own
fields); checks across a file (unique ids) belong to the reader.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

#: Characters a text field (an id, a group, an agent, a state key, a coalition member) may
#: have; ``cactl schema trajectory`` says so as each field's ``maxLength``.
MAX_TEXT_CHARS = 1024

Label = Annotated[str, Field(max_length=MAX_TEXT_CHARS)]
#: A finite float (checked by pydantic's core, not a Python validator: a file holds millions).
Finite = Annotated[float, Field(allow_inf_nan=False)]
Probability = Annotated[float, Field(allow_inf_nan=False, ge=0.0, le=1.0)]


class Step(BaseModel):
    """One decision unit: a reasoning step, a turn, or one agent's action."""

    model_config = ConfigDict(extra="forbid")

    tokens: int = Field(
        ge=1, description="Generated tokens in the step; credit is spread over them."
    )
    reward: Finite = Field(0.0, description="Immediate reward after the step.")
    agent: Label | None = Field(None, description="The acting agent (multi-agent).")
    state: Label | None = Field(
        None, description="Key of the environment state the step was taken from (anchor states)."
    )
    value: Finite | None = Field(None, description="Critic's value of the step's start state.")
    token_values: list[Finite] | None = Field(
        None, description="Critic's value at each token (length = tokens)."
    )
    prm: Finite | None = Field(None, description="Process reward model score of the step.")
    branch_returns: list[Finite] | None = Field(
        None,
        description="Returns of continuations sampled from the state the step was taken from.",
    )
    counterfactual_returns: list[Finite] | None = Field(
        None,
        description="Returns of episodes in which this step's action was replaced and the rest re-sampled.",
    )
    answer_prob: Probability | None = Field(
        None, description="Policy's probability of the correct final answer after the step."
    )
    entropy: Finite | None = Field(None, description="Policy entropy at the step's decision.")
    logp: Finite | list[Finite] | None = Field(
        None,
        description="Log-probability of the step's tokens under the policy (sum or per token).",
    )
    ref_logp: Finite | list[Finite] | None = Field(
        None, description="Log-probability under the reference model (sum or per token)."
    )
    hindsight_logp: Finite | None = Field(
        None,
        description="Log-probability of the step's action under a model that also sees the outcome.",
    )

    @model_validator(mode="after")
    def _lengths(self) -> Step:
        if self.token_values is not None and len(self.token_values) != self.tokens:
            raise ValueError(
                f"token_values has {len(self.token_values)} entries, expected one per token ({self.tokens})"
            )
        for name in ("logp", "ref_logp"):
            value = getattr(self, name)
            if isinstance(value, list) and len(value) != self.tokens:
                raise ValueError(
                    f"{name} has {len(value)} entries, expected one per token ({self.tokens}) or one number"
                )
        for name in ("branch_returns", "counterfactual_returns"):
            value = getattr(self, name)
            if value is not None and len(value) == 0:
                raise ValueError(f"{name} is empty, expected at least one return")
        return self


class Truth(BaseModel):
    """Exact answers, present in controlled tasks."""

    model_config = ConfigDict(extra="forbid")

    critical_step: int | None = Field(None, ge=0, description="Index of the decisive step.")
    step_advantage: list[Finite] | None = Field(
        None, description="True advantage of each step under the behaviour policy."
    )


class Coalition(BaseModel):
    """The value of one coalition of players (steps or agents), for Shapley credit."""

    model_config = ConfigDict(extra="forbid")

    members: list[int | Label] = Field(description="Step indices, or agent names.")
    value: Finite

    @model_validator(mode="after")
    def _distinct(self) -> Coalition:
        if len(set(self.members)) == len(self.members):
            return self
        repeated = [m for k, m in enumerate(self.members) if m in self.members[:k]]
        if repeated:
            raise ValueError(f"member {repeated[0]!r} is listed twice")
        return self


class Trajectory(BaseModel):
    """One episode: an id, its group, its outcome reward and its steps."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, max_length=MAX_TEXT_CHARS, description="Unique within the file.")
    group: str = Field(
        min_length=1,
        max_length=MAX_TEXT_CHARS,
        description="Trajectories sampled for the same prompt / task instance.",
    )
    reward: Finite = Field(description="Outcome reward of the episode.")
    steps: list[Step] = Field(min_length=1, description="The decision units, in order.")
    truth: Truth | None = None
    coalitions: list[Coalition] | None = Field(
        None, description="Coalition values; complete for all 2^n subsets of the players."
    )

    @model_validator(mode="before")
    @classmethod
    def _coerce_ids(cls, data: Any) -> Any:
        # Ids and groups are often written as numbers; they are labels.
        if isinstance(data, dict):
            for key in ("id", "group"):
                if isinstance(data.get(key), int) and not isinstance(data.get(key), bool):
                    data = {**data, key: str(data[key])}
        return data

    @model_validator(mode="after")
    def _truth_matches(self) -> Trajectory:
        if self.truth is not None:
            if self.truth.critical_step is not None and self.truth.critical_step >= len(self.steps):
                raise ValueError(
                    f"truth.critical_step is {self.truth.critical_step}, but there are only {len(self.steps)} steps"
                )
            advantage = self.truth.step_advantage
            if advantage is not None and len(advantage) != len(self.steps):
                raise ValueError(
                    f"truth.step_advantage has {len(advantage)} entries, expected one per step ({len(self.steps)})"
                )
        first: dict[frozenset[int | str], int] = {}
        for index, coalition in enumerate(self.coalitions or []):
            earlier = first.setdefault(frozenset(coalition.members), index)
            if earlier != index:
                raise ValueError(
                    f"coalitions[{index}] has the same members as coalitions[{earlier}], "
                    "expected one value per coalition"
                )
        return self

    @property
    def num_tokens(self) -> int:
        return sum(step.tokens for step in self.steps)
