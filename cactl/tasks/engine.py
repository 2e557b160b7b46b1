"""The machinery shared by the controlled tasks: exact values, sampling, and the signals.

A task is a finite-horizon decision process with a small latent state, one binary action per
step (step ``t`` of every trajectory is turn ``t``), stochastic transitions that may pay an
immediate reward, and a terminal success (reward 1) drawn with a probability that depends on
the final state. The policy sees an observation index ``obs(t, s)`` and acts with
``P(a = 1) = table[t][obs]``; the behaviour policy is a table built from the task parameters,
and training passes its own.

Ground truth. With ``G_k`` the return from step ``k`` (the immediate rewards of steps ``k..H-1``
plus the outcome reward) and ``h_k`` the full history before step ``k`` (latent state
included), the true advantage of step ``k`` is

    A_k = E[G_k | h_k, a_k] - E[G_k | h_k] = Q(t, s_k, a_k) - V(t, s_k),

computed exactly by backward induction over every reachable latent state under the behaviour
policy (no sampling). The truth's ``critical_step`` is the step with the largest ``|A_k|``
(the first one on ties).

Signals emitted per step (see the trajectory format):

- ``value``: ``V(t, s_k)`` plus Gaussian noise (``critic_noise``).
- ``token_values``: the critic at each token: ``V(t, s_k)`` at the step's first token (before
  the decision), ``Q(t, s_k, a_k)`` at the others (the decision is the first token), each plus
  noise.
- ``prm``: ``A_k + prm_bias + prm_noise * N(0, 1)`` (a process reward model that scores how much
  a step helps).
- ``branch_returns``: returns of continuations from ``s_k`` (``a_k`` re-drawn from the policy),
  drawn from the exact conditional distribution of the return; ``branches = 0`` gives the one
  exact value ``V(t, s_k)``.
- ``counterfactual_returns``: returns with ``a_k`` replaced by the other action and the rest
  re-drawn; ``counterfactuals = 0`` gives the exact ``Q(t, s_k, 1 - a_k)``.
- ``answer_prob``: the probability of success after the step (after its transition), exact
  plus Gaussian noise in logit space (``answer_noise``; 0 and 1 stay exact).
- ``entropy``: the policy's entropy at the decision (nats); ``logp``: ``log pi(a_k)``;
  ``ref_logp``: the log-probability under a uniform reference, ``log 0.5``;
  ``hindsight_logp``: ``log P(a_k | h_k, success outcome)`` by Bayes' rule, plus Gaussian
  noise (``hindsight_noise``: a learned hindsight model is not exact).
- ``state``: the latent state's key (anchor states for GiGPO); ``agent`` where the task has
  agents; ``coalitions`` where the task defines them.

Continuation returns are drawn as ``r + Bernoulli(S(t + 1, s')) + side`` after one sampled
transition, where ``S`` is the exact success probability and ``side`` a draw of the later
immediate rewards; this is exact in distribution because every task's later immediate rewards
are independent of its success given the state.
"""

from __future__ import annotations

import math
import random
from abc import ABC, abstractmethod
from collections.abc import Collection, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

from cactl.tasks.catalog import ParamValue, TaskInfo
from cactl.trajectory.model import Coalition, Step, Trajectory, Truth

State = Hashable
Table = list[list[float]]
Transition = tuple[float, State, float]

LOG_HALF = math.log(0.5)


class Environment(ABC):
    """A controlled task; subclasses define the dynamics, this class the shared parts."""

    info: TaskInfo
    horizon: int
    num_obs: int = 1
    #: Players of the coalition game each trajectory carries (all 2^players coalition
    #: values, see :meth:`coalitions`); 0 for a task without one.
    players: int = 0

    def __init__(self, params: dict[str, ParamValue]) -> None:
        self.params = params
        self.groups = int(params["groups"])
        self.group_size = int(params["group_size"])
        self.tokens = int(params["tokens"])
        self.branches = int(params["branches"])
        self.counterfactuals = int(params["counterfactuals"])
        self.critic_noise = float(params["critic_noise"])
        self.prm_noise = float(params["prm_noise"])
        self.prm_bias = float(params["prm_bias"])
        self.hindsight_noise = float(params["hindsight_noise"])
        self.answer_noise = float(params["answer_noise"])

    @property
    def name(self) -> str:
        return self.info.name

    @abstractmethod
    def initial_states(self) -> list[State]:
        """Every initial state of an instance, each equally likely."""

    @abstractmethod
    def observe(self, t: int, state: State) -> int:
        """The policy's observation index at turn ``t`` (``0 <= obs < num_obs``)."""

    @abstractmethod
    def transitions(self, t: int, state: State, action: int) -> Sequence[Transition]:
        """``(probability, next state, immediate reward)`` of each outcome of the action."""

    @abstractmethod
    def success(self, state: State) -> float:
        """Probability of success (outcome reward 1) from the final state."""

    @abstractmethod
    def state_key(self, t: int, state: State) -> str:
        """The state's key in the emitted ``state`` field."""

    @abstractmethod
    def behaviour(self) -> Table:
        """The behaviour policy: ``P(a = 1)`` per turn and observation."""

    def agent(self, t: int) -> str | None:
        """The agent acting at turn ``t`` (multi-agent tasks)."""
        return None

    def coalitions(self, actions: Sequence[int]) -> list[Coalition] | None:
        """Coalition values of a finished episode (tasks with players)."""
        return None

    def player_params(self) -> str:
        """The parameters that set :attr:`players`, as ``KEY=VALUE`` text (for messages)."""
        return ""

    def side_return(self, t: int, table: Table, rng: random.Random) -> float:
        """A draw of the immediate rewards of turns ``t..H-1`` (independent of success)."""
        return 0.0

    def effective_params(self) -> dict[str, ParamValue]:
        """Every parameter with the value in use (derived defaults filled in)."""
        return {k: v for k, v in self.params.items() if v is not None}

    def example(self, trajectories: Sequence[Trajectory]) -> int:
        """The index of the trajectory to show step by step."""
        return 0

    def kind(self, t: int) -> int:
        """The kind of turn ``t`` (a small integer), a feature of the training policy."""
        return 0

    num_kinds: int = 1

    def features(self) -> list[list[list[float]]]:
        """Observation features of the training policy: ``[turn][obs] -> vector``.

        Position (t / H and sines at three frequencies), the turn's kind and the observation,
        one-hot per (kind, observation) pair.
        """
        rows = []
        for t in range(self.horizon):
            x = t / max(self.horizon - 1, 1)
            position = [x]
            for freq in (1, 2, 4):
                position += [math.sin(math.pi * freq * x), math.cos(math.pi * freq * x)]
            row = []
            for obs in range(self.num_obs):
                onehot = [0.0] * (self.num_kinds * self.num_obs)
                onehot[self.kind(t) * self.num_obs + obs] = 1.0
                row.append(position + onehot)
            rows.append(row)
        return rows


@dataclass(frozen=True)
class Node:
    """Exact quantities at one (turn, state): expected returns and success probabilities."""

    p1: float
    v: float
    q: tuple[float, float]
    sv: float
    sq: tuple[float, float]


@dataclass
class Solution:
    """The exact values of every reachable (turn, state) under one policy table."""

    nodes: list[dict[State, Node]]
    terminal: dict[State, float]

    def success_after(self, t: int, state: State) -> float:
        """Success probability at the start of turn ``t`` (``t = H``: the final state's)."""
        if t == len(self.nodes):
            return self.terminal[state]
        return self.nodes[t][state].sv


def solve(env: Environment, table: Table) -> Solution:
    """Backward induction over every state reachable from the initial states."""
    layers: list[set[State]] = [set(env.initial_states())]
    for t in range(env.horizon):
        reachable: set[State] = set()
        for state in layers[t]:
            for action in (0, 1):
                for prob, nxt, _ in env.transitions(t, state, action):
                    if prob > 0:
                        reachable.add(nxt)
        layers.append(reachable)
    terminal = {state: env.success(state) for state in layers[env.horizon]}
    nodes: list[dict[State, Node]] = [{} for _ in range(env.horizon)]
    next_v: dict[State, float] = dict(terminal)
    next_s: dict[State, float] = dict(terminal)
    for t in range(env.horizon - 1, -1, -1):
        layer_v: dict[State, float] = {}
        layer_s: dict[State, float] = {}
        for state in layers[t]:
            q = [0.0, 0.0]
            sq = [0.0, 0.0]
            for action in (0, 1):
                for prob, nxt, reward in env.transitions(t, state, action):
                    if prob > 0:
                        q[action] += prob * (reward + next_v[nxt])
                        sq[action] += prob * next_s[nxt]
            p1 = table[t][env.observe(t, state)]
            # Written as q0 + p (q1 - q0) so that an action without effect has A = 0 exactly.
            v = q[0] + p1 * (q[1] - q[0])
            sv = sq[0] + p1 * (sq[1] - sq[0])
            nodes[t][state] = Node(p1, v, (q[0], q[1]), sv, (sq[0], sq[1]))
            layer_v[state] = v
            layer_s[state] = sv
        next_v, next_s = layer_v, layer_s
    return Solution(nodes, terminal)


def expected_success(env: Environment, solution: Solution) -> float:
    """The policy's exact success rate, averaged over the initial states."""
    starts = env.initial_states()
    return sum(solution.nodes[0][s].sv for s in starts) / len(starts)


@dataclass
class Rollout:
    """Sampled trajectories plus what training needs: the actions and observations."""

    trajectories: list[Trajectory]
    actions: list[list[int]] = field(default_factory=list)
    observations: list[list[int]] = field(default_factory=list)
    success_rate: float = 0.0


def _draw(outcomes: Sequence[Transition], rng: random.Random) -> Transition:
    u = rng.random()
    total = 0.0
    for outcome in outcomes:
        total += outcome[0]
        if u < total:
            return outcome
    return outcomes[-1]


def _entropy(p: float) -> float:
    return -sum(x * math.log(x) for x in (p, 1.0 - p) if x > 0)


def _log(x: float) -> float:
    return math.log(x) if x > 0 else -1e9


def _continuation(
    env: Environment,
    solution: Solution,
    table: Table,
    t: int,
    state: State,
    action: int,
    rng: random.Random,
) -> float:
    """One return of an episode that takes ``action`` in ``state`` at turn ``t``."""
    _, nxt, reward = _draw(env.transitions(t, state, action), rng)
    success = 1.0 if rng.random() < solution.success_after(t + 1, nxt) else 0.0
    later = env.side_return(t + 1, table, rng) if t + 1 < env.horizon else 0.0
    return reward + success + later


def rollout(
    env: Environment,
    rng: random.Random,
    table: Table | None = None,
    *,
    validate: bool = True,
    solution: Solution | None = None,
    fields: Collection[str] | None = None,
) -> Rollout:
    """Sample ``groups x group_size`` trajectories with every signal and the exact truth.

    ``validate=False`` builds the pydantic models without validation (training loops; the
    values are the same); ``fields`` limits the optional signals to those named (the rest are
    left out, which saves time).
    """
    table = env.behaviour() if table is None else table
    solution = solve(env, table) if solution is None else solution
    make_step = Step if validate else Step.model_construct
    make_truth = Truth if validate else Truth.model_construct
    make_trajectory = Trajectory if validate else Trajectory.model_construct
    starts = env.initial_states()
    result = Rollout(trajectories=[], success_rate=expected_success(env, solution))
    for g in range(env.groups):
        start = starts[rng.randrange(len(starts))]
        for m in range(env.group_size):
            state = start
            rows: list[dict[str, Any]] = []
            taken: list[Node] = []
            advantages: list[float] = []
            actions: list[int] = []
            observations: list[int] = []
            for t in range(env.horizon):
                node = solution.nodes[t][state]
                obs = env.observe(t, state)
                action = 1 if rng.random() < node.p1 else 0
                _, nxt, reward = _draw(env.transitions(t, state, action), rng)
                advantage = node.q[action] - node.v
                pi = node.p1 if action else 1.0 - node.p1
                row: dict[str, Any] = {
                    **_signals(env, solution, table, t, state, action, node, rng, fields),
                    "tokens": env.tokens,
                    "reward": reward,
                    "agent": env.agent(t),
                    "state": env.state_key(t, state),
                    "prm": advantage + env.prm_bias + env.prm_noise * rng.gauss(0.0, 1.0),
                    "answer_prob": _noisy_probability(
                        solution.success_after(t + 1, nxt), env.answer_noise, rng
                    ),
                    "entropy": _entropy(node.p1),
                    "logp": _log(pi),
                    "ref_logp": LOG_HALF,
                }
                rows.append(row if fields is None else _keep(row, fields))
                taken.append(node)
                advantages.append(advantage)
                actions.append(action)
                observations.append(obs)
                state = nxt
            success = 1.0 if rng.random() < solution.terminal[state] else 0.0
            for row, node, action in zip(rows, taken, actions, strict=True):
                if fields is None or "hindsight_logp" in fields:
                    noise = env.hindsight_noise * rng.gauss(0.0, 1.0)
                    row["hindsight_logp"] = _hindsight_logp(node, action, success) + noise
            critical = max(range(len(advantages)), key=lambda k: abs(advantages[k]))
            result.trajectories.append(
                make_trajectory(
                    id=f"{env.name}-{g}-{m}",
                    group=f"{env.name}-{g}",
                    reward=success,
                    steps=[make_step(**row) for row in rows],
                    truth=make_truth(critical_step=critical, step_advantage=advantages),
                    coalitions=(
                        env.coalitions(actions)
                        if fields is None or "coalitions" in fields
                        else None
                    ),
                )
            )
            result.actions.append(actions)
            result.observations.append(observations)
    return result


def _signals(
    env: Environment,
    solution: Solution,
    table: Table,
    t: int,
    state: State,
    action: int,
    node: Node,
    rng: random.Random,
    fields: Collection[str] | None = None,
) -> dict[str, Any]:
    """The critic and rollout signals of one step (only those in ``fields``, if given)."""

    def wanted(name: str) -> bool:
        return fields is None or name in fields

    signals: dict[str, Any] = {}
    noise = env.critic_noise
    if wanted("value"):
        signals["value"] = node.v + noise * rng.gauss(0.0, 1.0)
    if wanted("token_values"):
        signals["token_values"] = [node.v + noise * rng.gauss(0.0, 1.0)] + [
            node.q[action] + noise * rng.gauss(0.0, 1.0) for _ in range(env.tokens - 1)
        ]
    if wanted("branch_returns"):
        signals["branch_returns"] = (
            [node.v]
            if env.branches == 0
            else [
                _continuation(
                    env, solution, table, t, state, 1 if rng.random() < node.p1 else 0, rng
                )
                for _ in range(env.branches)
            ]
        )
    if wanted("counterfactual_returns"):
        other = 1 - action
        signals["counterfactual_returns"] = (
            [node.q[other]]
            if env.counterfactuals == 0
            else [
                _continuation(env, solution, table, t, state, other, rng)
                for _ in range(env.counterfactuals)
            ]
        )
    return signals


def _keep(row: dict[str, Any], fields: Collection[str]) -> dict[str, Any]:
    """The row without the optional signals that are not in ``fields``."""
    optional = {"agent", "state", "prm", "answer_prob", "entropy", "logp", "ref_logp"}
    return {k: v for k, v in row.items() if k not in optional or k in fields}


def _noisy_probability(p: float, noise: float, rng: random.Random) -> float:
    """``p`` with Gaussian noise in logit space; 0 and 1 stay as they are."""
    p = min(max(p, 0.0), 1.0)
    if noise == 0 or p in (0.0, 1.0):
        return p
    logit = math.log(p / (1.0 - p)) + noise * rng.gauss(0.0, 1.0)
    return 1.0 / (1.0 + math.exp(-logit))


def _hindsight_logp(node: Node, action: int, success: float) -> float:
    """``log P(a | h, Z) = log pi(a) + log P(Z | h, a) - log P(Z | h)`` (Bayes' rule)."""
    pi = node.p1 if action else 1.0 - node.p1
    if success:
        given_action, overall = node.sq[action], node.sv
    else:
        given_action, overall = 1.0 - node.sq[action], 1.0 - node.sv
    if overall <= 0:
        return _log(pi)
    return _log(min(pi * given_action / overall, 1.0))
