"""``team``: agents act in turn for one shared reward; one of them is pivotal.

Agents (one step each, in a fixed order with the pivot at position ``pivot``): ``pivot``,
``redundant-1``, ``redundant-2``, ``complementary-1``, ``complementary-2`` and ``idle``
agents ``idle-1..``. Action 1 means the agent does its part. The success probability is

    f(a) = a_pivot * (base + redundant * (a_r1 or a_r2) + complementary * (a_c1 and a_c2))

so nothing succeeds without the pivot, either redundant agent suffices (they substitute), the
complementary agents only count together (they interact), and idle agents are null players.
The coalition value of a set ``S`` of agents is ``f`` with the agents outside ``S`` not doing
their part (action 0); every trajectory lists all ``2^n`` coalitions.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations

from cactl.errors import InputError
from cactl.tasks.catalog import TEAM, ParamValue
from cactl.tasks.engine import Environment, State, Table, Transition
from cactl.trajectory.model import Coalition

PIVOT = "pivot"
ROLES = {"pivot": 0, "redundant": 1, "complementary": 2, "idle": 3}


class Team(Environment):
    info = TEAM
    num_kinds = 4

    def __init__(self, params: dict[str, ParamValue]) -> None:
        super().__init__(params)
        others = ["redundant-1", "complementary-1", "redundant-2", "complementary-2"]
        others += [f"idle-{i + 1}" for i in range(int(params["idle"]))]
        position = int(params["pivot"])
        if position > len(others):
            raise InputError(
                "the pivot's position must be within the acting order",
                field="--param pivot",
                expected=f"0 .. {len(others)}",
                found=str(position),
                code="out-of-range",
            )
        self.agents = [*others[:position], PIVOT, *others[position:]]
        self.horizon = len(self.agents)
        self.players = len(self.agents)
        self.act_prob = float(params["act_prob"])
        self.base = float(params["base"])
        self.redundant = float(params["redundant"])
        self.complementary = float(params["complementary"])
        if self.base + self.redundant + self.complementary > 1 + 1e-12:
            raise InputError(
                "base + redundant + complementary is a success probability",
                field="--param base",
                expected="a sum of at most 1",
                found=f"{self.base + self.redundant + self.complementary:g}",
                code="out-of-range",
            )

    def value(self, acting: dict[str, int]) -> float:
        """``f`` for the agents' actions (missing agents do not act)."""

        def act(name: str) -> int:
            return acting.get(name, 0)

        either = act("redundant-1") or act("redundant-2")
        both = act("complementary-1") and act("complementary-2")
        return self._f(act(PIVOT), either, both)

    def _f(self, pivot: int, either: int, both: int) -> float:
        """``f`` from whether the pivot acts, either redundant agent, both complementary."""
        return pivot * (self.base + self.redundant * either + self.complementary * both)

    def initial_states(self) -> list[State]:
        return [()]

    def observe(self, t: int, state: State) -> int:
        return 0

    def kind(self, t: int) -> int:
        return ROLES[self.agents[t].split("-")[0]]

    def transitions(self, t: int, state: State, action: int) -> Sequence[Transition]:
        return [(1.0, (*state, action), 0.0)]  # type: ignore[misc]

    def success(self, state: State) -> float:
        return self.value(dict(zip(self.agents, state, strict=True)))  # type: ignore[call-overload]

    def state_key(self, t: int, state: State) -> str:
        return f"t{t}:" + "".join(str(a) for a in state)  # type: ignore[attr-defined]

    def agent(self, t: int) -> str | None:
        return self.agents[t]

    def player_params(self) -> str:
        return f"idle={int(self.params['idle'])} ({self.players} agents)"

    def behaviour(self) -> Table:
        return [[self.act_prob] for _ in self.agents]

    def coalitions(self, actions: Sequence[int]) -> list[Coalition] | None:
        # bit k: agent k; a coalition's agents act as realised, the others do not
        bit = {name: 1 << k for k, name in enumerate(self.agents)}
        done = sum(bit[name] for name, a in zip(self.agents, actions, strict=True) if a)
        pivot = bit[PIVOT]
        redundant = bit["redundant-1"] | bit["redundant-2"]
        complementary = bit["complementary-1"] | bit["complementary-2"]
        table = []
        for size in range(len(self.agents) + 1):
            for members in combinations(range(len(self.agents)), size):
                acting = sum(1 << k for k in members) & done
                value = self._f(
                    1 if acting & pivot else 0,
                    1 if acting & redundant else 0,
                    1 if acting & complementary == complementary else 0,
                )
                names: list[int | str] = [self.agents[k] for k in members]
                table.append(Coalition.model_construct(members=names, value=value))
        return table
