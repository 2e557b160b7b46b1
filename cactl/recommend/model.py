"""The decision tree as data: questions, the nodes that ask them, and the leaves they lead to.

A tree file has four parts:

- ``questions``: the public interface. Each question has a key (``regime``, ``feedback`` ...),
  a text, a help text and its options (value -> short label, in display order). Users script
  the keys and values (``--answer feedback=outcome``), so they are defined once here.
- ``nodes``: the places in the tree where a question is asked. A node names the question it
  asks (``ask``) and, for each option, the node or leaf it leads to (``next``). The same
  question may be asked at several nodes (``feedback`` under ``reasoning`` and under
  ``agentic``), but never twice on one path.
- ``leaves``: the recommendations: family, why it fits, the main cost or risk, representative
  methods (inventory names), built-in estimators to try, and the controlled task and
  episode-level baseline of the trial that tries them.
- ``root``: the node asked first.

Pure pydantic; the cross-references are checked in :mod:`cactl.recommend.load`. The models
build their validators when a tree file is first validated (``defer_build``): the built-in tree
comes validated from cactl's cache.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, field_validator

#: Keys, option values and node ids: lower case, digits, ``-`` and ``_``; they appear on
#: command lines (``--answer team_size=few``) and in Mermaid output.
NAME = re.compile(r"^[a-z][a-z0-9_-]*$")


def _check_name(value: str, what: str) -> str:
    if not NAME.match(value):
        raise ValueError(
            f"{what} {value!r} must start with a lower-case letter and use only a-z, 0-9, - and _"
        )
    return value


class Question(BaseModel):
    """One question of the public interface: key (its mapping key), text, help, options."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    text: str = Field(min_length=1, description="The question as asked.")
    help: str = Field(min_length=1, description="Shown on '?': what the options mean.")
    options: dict[str, str] = Field(
        min_length=2, description="Option value -> short label, in display order."
    )

    @field_validator("options")
    @classmethod
    def _option_names(cls, value: dict[str, str]) -> dict[str, str]:
        for option in value:
            _check_name(option, "option")
        return value


class Node(BaseModel):
    """A place where a question is asked, and where each of its options leads."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    ask: str = Field(description="Key of the question asked here.")
    next: dict[str, str] = Field(description="Option value -> id of a node or leaf.")


class Leaf(BaseModel):
    """A recommendation."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    family: str = Field(min_length=1, description="The credit-assignment family.")
    rationale: str = Field(min_length=1, description="Why it fits the answers that lead here.")
    risks: str = Field(min_length=1, description="The main cost or risk.")
    methods: list[str] = Field(min_length=1, description="Representative methods (inventory).")
    estimators: list[str] = Field(min_length=1, description="Built-in estimators to try.")
    task: str = Field(description="The controlled trial task that matches the situation.")
    baseline: str = Field(description="Episode-level estimator to compare against.")

    def trial_args(self) -> list[str]:
        """Arguments of ``cactl trial`` that try the estimators against the baseline."""
        args = ["--task", self.task]
        for name in [*self.estimators, self.baseline]:
            args += ["--estimator", name]
        return args

    @property
    def next_command(self) -> str:
        """The exact command to try this leaf's estimators."""
        return "cactl trial " + " ".join(self.trial_args())


class Tree(BaseModel):
    """A whole decision-tree file."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    id: str = Field(description="Tree id (the built-in one is 'ca-method-selection').")
    version: str = Field(description="Version of the tree's content.")
    title: str
    source: str | None = Field(None, description="Where the tree comes from.")
    root: str = Field(description="Id of the node asked first.")
    questions: dict[str, Question] = Field(min_length=1)
    nodes: dict[str, Node] = Field(min_length=1)
    leaves: dict[str, Leaf] = Field(min_length=1)

    @field_validator("questions", "nodes", "leaves")
    @classmethod
    def _ids(cls, value: dict[str, object]) -> dict[str, object]:
        for key in value:
            _check_name(key, "id")
        return value

    def is_leaf(self, node_id: str) -> bool:
        return node_id in self.leaves

    def question_at(self, node_id: str) -> Question:
        """The question asked at a node."""
        return self.questions[self.nodes[node_id].ask]
