"""Closed vocabularies shared by the inventory, the paper schema, the decision tree and the
estimators. Values are the strings users write in YAML and on the command line."""

from __future__ import annotations

from enum import Enum


class Granularity(str, Enum):
    """The unit that receives credit (survey, section 2)."""

    token = "token"
    segment = "segment"
    step = "step"
    turn = "turn"
    multi_agent = "multi-agent"


class Methodology(str, Enum):
    """How credit is computed (survey, section 2)."""

    monte_carlo = "monte-carlo"
    temporal_difference = "temporal-difference"
    model_based = "model-based"
    game_theoretic = "game-theoretic"
    information_theoretic = "information-theoretic"


class Setting(str, Enum):
    """The regime a method targets: reasoning RL, agentic RL, or multi-agent RL."""

    reasoning = "reasoning"
    agentic = "agentic"
    multi_agent = "multi-agent"


class Scope(str, Enum):
    """Core: a new way to redistribute sparse reward. Adjacent: an enabler (infrastructure,
    shaping, agent framework)."""

    core = "core"
    adjacent = "adjacent"


class Collection(str, Enum):
    """``survey``: the 47 methods of the April 2026 survey snapshot. ``later``: additions of the
    companion repository after it (left out of survey counts unless asked for)."""

    survey = "survey"
    later = "later"


class BaselineFamily(str, Enum):
    """The family of the main baseline a paper compares against (cactl's own vocabulary; the
    survey's letter codes were published without definitions).

    - ``group-relative``: critic-free episode-level policy gradient (GRPO, RLOO, REINFORCE++,
      Dr. GRPO, DAPO).
    - ``actor-critic``: PPO or another method with a learned value critic.
    - ``preference``: offline preference optimisation (DPO and variants).
    - ``prompting``: no RL baseline; prompting, supervised fine-tuning or the base model.
    - ``other``: something else, named in the paper.
    - ``unknown``: not established; never guessed.
    """

    group_relative = "group-relative"
    actor_critic = "actor-critic"
    preference = "preference"
    prompting = "prompting"
    other = "other"
    unknown = "unknown"


class EvidenceLevel(str, Enum):
    """Strength of a method's evidence, on the survey's three levels (its codes S / L / A).

    - ``strong``: strong empirical evidence (S).
    - ``limited``: limited but suggestive evidence (L).
    - ``synthesis``: the survey author's synthesis (A).
    - ``unknown``: the per-paper code was not published; never guessed.
    """

    strong = "strong"
    limited = "limited"
    synthesis = "synthesis"
    unknown = "unknown"


def values(enum: type[Enum]) -> list[str]:
    """The string values of a vocabulary, in declaration order."""
    return [str(member.value) for member in enum]
