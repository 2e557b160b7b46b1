"""Game-theoretic credit: counterfactual (leave-one-out) credit and Shapley values over steps,
segments or agents."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import torch
from torch import Tensor

from cactl.errors import InputError
from cactl.estimators.batch import Coalitions, TrajectoryBatch
from cactl.estimators.ops import segment_mean
from cactl.estimators.registry import Credit, register
from cactl.tasks import limits

#: Exact Shapley values are computed up to this many players by default (2^12 = 4096 coalitions).
MAX_EXACT_PLAYERS = 12
#: Random orders sampled beyond ``MAX_EXACT_PLAYERS`` players, by default.
PERMUTATIONS = 2000

ValueOracle = Callable[[frozenset[int]], float]


@register("counterfactual")
def counterfactual(batch: TrajectoryBatch, *, unit: str = "step") -> Credit:
    """Counterfactual credit: C3 (arXiv:2603.06859), CCPO (arXiv:2603.21563).

    ``c_k = R - mean(counterfactual_returns_k)``: the outcome minus the mean return of episodes in
    which step ``k``'s action was replaced and the rest re-sampled (a difference reward). With
    ``unit="agent"``, each agent's credit in a trajectory is the mean of its steps' ``c_k`` and every
    one of its steps gets it. For one player this equals its Shapley value
    ``v({k}) - v({})`` when the counterfactual returns estimate ``v({})``.

    Against the papers: this is C3's leave-one-out advantage of the taken action when
    ``counterfactual_returns`` holds the returns of the other actions sampled from the same
    frozen context (C3 scores the taken action by its own replayed return; here ``R``). With
    ``unit="agent"`` it is CCPO's counterfactual credit (outcome minus the outcome with the
    agent removed) when the agent's steps carry those agent-removed returns; an agent with
    several steps gets the mean of its steps' credits. CCPO's global-history normalisation of
    the credit is not applied.
    """
    baseline = batch.require("counterfactual_returns")
    credit = batch.reward[batch.step_trajectory] - baseline
    if unit == "agent":
        agents = batch.require("agent")
        pair = batch.step_trajectory * max(len(batch.agent_names), 1) + agents
        pairs, inverse = torch.unique(pair, return_inverse=True)
        credit = segment_mean(credit, inverse, pairs.numel())[inverse]
    return Credit.from_step(batch, credit)


def shapley_values(
    value: ValueOracle | Mapping[frozenset[int], float],
    num_players: int,
    *,
    max_exact: int = MAX_EXACT_PLAYERS,
    permutations: int = PERMUTATIONS,
    seed: int = 0,
    dtype: torch.dtype = torch.float64,
) -> Tensor:
    """Shapley values ``phi_i = sum_{S not containing i} |S|!(n-|S|-1)!/n! (v(S+i) - v(S))``.

    ``value`` is a callable on frozensets of player indices, or a mapping of all needed
    coalitions. Exact (all ``2^n`` coalitions) when ``n <= max_exact``; beyond, the mean marginal
    contribution over ``permutations`` random orders (seeded with ``seed``). Both satisfy
    efficiency exactly: the values sum to ``v(all) - v(empty)``. A missing coalition raises
    ``KeyError`` carrying the frozenset.
    """
    n = num_players
    if n == 0:
        return torch.zeros(0, dtype=dtype)
    at = _by_mask(value, n)
    if n <= max_exact:
        table = torch.tensor([at(m) for m in range(1 << n)], dtype=torch.float64)
        every = torch.arange(1 << n)
        size = torch.zeros(1 << n, dtype=torch.long)
        for i in range(n):
            size += (every >> i) & 1
        weight = torch.tensor(
            [math.factorial(s) * math.factorial(n - s - 1) / math.factorial(n) for s in range(n)],
            dtype=torch.float64,
        )
        phi = torch.empty(n, dtype=torch.float64)
        for i in range(n):
            without = every[(every >> i) & 1 == 0]
            phi[i] = (weight[size[without]] * (table[without | (1 << i)] - table[without])).sum()
        return phi.to(dtype)
    generator = torch.Generator().manual_seed(seed)
    cache: dict[int, float] = {}

    def v(mask: int) -> float:
        if mask not in cache:
            cache[mask] = at(mask)
        return cache[mask]

    total = [0.0] * n  # Python floats: the same float64 sums as a tensor, without its overhead
    orders = torch.argsort(torch.rand(permutations, n, generator=generator), dim=1).tolist()
    for order in orders:
        mask, before = 0, v(0)
        for player in order:
            mask |= 1 << player
            after = v(mask)
            total[player] += after - before
            before = after
    return (torch.tensor(total, dtype=torch.float64) / permutations).to(dtype)


def _members(mask: int, n: int) -> frozenset[int]:
    return frozenset(i for i in range(n) if mask >> i & 1)


def _by_mask(value: ValueOracle | Mapping[frozenset[int], float], n: int) -> Callable[[int], float]:
    """The value of the coalition with bit mask ``mask`` (bit i: player i); a coalition that a
    mapping lacks raises ``KeyError`` carrying its frozenset."""
    if not isinstance(value, Mapping):
        oracle = value
        return lambda mask: float(oracle(_members(mask, n)))
    table = {sum(1 << i for i in members): float(worth) for members, worth in value.items()}

    def at(mask: int) -> float:
        try:
            return table[mask]
        except KeyError:
            raise KeyError(_members(mask, n)) from None

    return at


def _players(table: Coalitions, steps: int, agents: Sequence[str]) -> tuple[list[int | str], bool]:
    """The players of a coalitions table: step indices (int members) or agent names (str)."""
    members = [m for coalition, _ in table for m in coalition]
    if all(isinstance(m, int) for m in members):
        return list(range(steps)), False
    names = list(dict.fromkeys([*agents, *(m for m in members if isinstance(m, str))]))
    return list(names), True


@dataclass(frozen=True)
class _Game:
    """The coalition game of one trajectory: its steps, their agents and the players."""

    lo: int
    hi: int
    step_agents: list[int]
    players: list[int | str]
    by_agent: bool


def _game(batch: TrajectoryBatch, i: int, table: Coalitions) -> _Game:
    lo, hi = int(batch.step_offsets[i]), int(batch.step_offsets[i + 1])
    agents_of_step = batch.fields.get("agent")
    step_agents = [] if agents_of_step is None else agents_of_step[lo:hi].tolist()
    agent_names = [batch.agent_names[a] for a in step_agents if a >= 0]
    players, by_agent = _players(table, hi - lo, agent_names)
    if by_agent and len(agent_names) < hi - lo:
        k = next(k for k in range(hi - lo) if k >= len(step_agents) or step_agents[k] < 0)
        raise InputError(
            f"{batch.name(i)}: step {k} has no 'agent', and the coalition members are agent "
            "names (each step's credit is its agent's Shapley value)",
            field=f"steps[{k}].agent",
            expected="agent on every step",
            found="missing",
            code="missing-field",
            trajectory=i,
        )
    return _Game(lo, hi, step_agents, players, by_agent)


def _check_lookups(
    batch: TrajectoryBatch, games: Sequence[_Game], max_exact: int, permutations: int
) -> None:
    """Refuse, before any value is computed, more coalition lookups than
    :data:`cactl.tasks.limits.MAX_SHAPLEY_LOOKUPS`, naming the trajectory that goes over."""
    total = 0
    for i, game in enumerate(games):
        n = len(game.players)
        total += limits.shapley_lookups(n, max_exact=max_exact, permutations=permutations)
        if total > limits.MAX_SHAPLEY_LOOKUPS:
            most = max(len(g.players) for g in games)
            raise InputError(
                f"too much work: {batch.name(i)} ({n} players) brings the coalition lookups "
                f"to {total}",
                field="coalitions",
                expected=f"at most {limits.MAX_SHAPLEY_LOOKUPS} lookups in all (2^n per trajectory "
                f"of n <= {max_exact} players, {permutations} x n beyond)",
                found=f"{len(games)} trajectories with up to {most} players",
                hint="use fewer trajectories, or fewer players per trajectory",
                code="too-large",
                trajectory=i,
            )


@register("shapley")
def shapley(
    batch: TrajectoryBatch,
    *,
    max_exact: int = MAX_EXACT_PLAYERS,
    permutations: int = PERMUTATIONS,
    seed: int = 0,
) -> Credit:
    """Shapley credit over steps (or segments) or agents from each trajectory's ``coalitions``
    table: SCAR (arXiv:2505.20417), SHARP (arXiv:2602.08335).

    Players are the trajectory's steps when the table's members are step indices, or its agents
    when they are agent names (every step of an agent then gets the agent's value, so every step
    must name its ``agent``: the catalogue's ``check_requirements`` and this kernel say which
    step lacks it). The value of
    a coalition is read from the table, which must hold every coalition needed: all ``2^n``
    subsets for the exact computation (``n <= max_exact``, default 12), the sampled permutations'
    prefixes beyond. Credits sum to ``v(all players) - v(empty)`` (efficiency). The lookups
    (``2^n``, or ``permutations x n``, per trajectory) are counted first: past
    :data:`cactl.tasks.limits.MAX_SHAPLEY_LOOKUPS` in all, an InputError (``too-large``).
    """
    tables = batch.require_coalitions()
    games = [_game(batch, i, table) for i, table in enumerate(tables)]
    _check_lookups(batch, games, max_exact, permutations)
    step_credit = torch.zeros(batch.num_steps, dtype=torch.float64)
    for i, (table, game) in enumerate(zip(tables, games, strict=True)):
        lo, hi, players, by_agent = game.lo, game.hi, game.players, game.by_agent
        index = {player: k for k, player in enumerate(players)}
        values: dict[frozenset[int], float] = {}
        for members, worth in table:
            unknown = [m for m in members if m not in index]
            if unknown:
                raise InputError(
                    f"{batch.name(i)}: coalition member {unknown[0]!r} is not a "
                    + ("known agent" if by_agent else f"step index (0 to {hi - lo - 1})"),
                    field="coalitions",
                    expected="agent names" if by_agent else "step indices",
                    found=repr(unknown[0]),
                    trajectory=i,
                )
            values[frozenset(index[m] for m in members)] = worth
        try:
            phi = shapley_values(
                values, len(players), max_exact=max_exact, permutations=permutations, seed=seed
            )
        except KeyError as missing:
            subset = sorted((players[k] for k in missing.args[0]), key=str)
            raise InputError(
                f"{batch.name(i)}: the coalitions table has no value for {subset}",
                field="coalitions",
                expected=f"a value for every subset of the {len(players)} players"
                if len(players) <= max_exact
                else "a value for every coalition the sampled permutations need",
                found="missing",
                code="missing-field",
                trajectory=i,
            ) from None
        if by_agent:
            for k, a in enumerate(game.step_agents):
                step_credit[lo + k] = phi[index[batch.agent_names[a]]]
        else:
            step_credit[lo:hi] = phi
    step = step_credit.to(device=batch.device, dtype=batch.dtype)
    return Credit.from_step(batch, step)
