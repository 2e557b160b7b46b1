"""Benchmark of cactl's credit-assignment estimators (run by ``./dev bench``; not a test).

For each regime of the survey it times every registered estimator on a ragged batch, and next to
the estimators that trainers write with a loop over time (GAE, REINFORCE++ returns, turn-level
GAE, process-reward returns) or over samples (GRPO, RLOO), the textbook loop implementation on
the padded ``[batch, time]`` layout, measured in the same run, with the largest difference.
It also records the peak memory of each estimator (resident set growth; Linux) and, when
``verl`` can be imported, times verl's own functions on the same padded inputs against
``cactl.estimators.trainer``.

Regimes: 256 x 4K tokens (reasoning), 16 x 32K (long chain of thought), 64 trajectories x 100
turns x 1K tokens (agentic), one 1M-token trajectory, and a memory case mixing one 1M-token
trajectory with a thousand 50-token ones. Step lengths vary +-25% around the stated mean, so
rows have different lengths and the padded layout carries padding, as real batches do.

    python benchmarks/estimators.py            # the full run (a few minutes on 2 cores)
    python benchmarks/estimators.py --quick    # small sizes, seconds
    python benchmarks/estimators.py --json results.json
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import Tensor

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cactl.estimators import trainer
from cactl.estimators.batch import TrajectoryBatch
from cactl.estimators.ops import lengths_to_offsets
from cactl.estimators.registry import Credit, estimate, registered_names

GAMMA = 1.0
LAM = 0.95


@dataclass(frozen=True)
class Regime:
    name: str
    label: str
    trajectories: int
    steps: int
    step_tokens: int
    group_size: int


FULL = [
    Regime("reasoning", "256 x 4K tokens", 256, 16, 256, 8),
    Regime("long-cot", "16 x 32K tokens", 16, 32, 1024, 8),
    Regime("agentic", "64 x 100 turns x 1K", 64, 100, 1024, 8),
    Regime("1M", "1 x 1M tokens", 1, 1000, 1024, 1),
]
QUICK = [
    Regime("reasoning", "32 x 1K tokens", 32, 8, 128, 8),
    Regime("long-cot", "4 x 8K tokens", 4, 8, 1024, 4),
    Regime("agentic", "8 x 20 turns x 256", 8, 20, 256, 4),
    Regime("1M", "1 x 64K tokens", 1, 64, 1024, 1),
]


# -- inputs ------------------------------------------------------------------------------


def make_batch(regime: Regime, seed: int = 0) -> TrajectoryBatch:
    """A synthetic ragged batch with every field an estimator can need."""
    g = torch.Generator().manual_seed(seed)
    n, k = regime.trajectories, regime.steps
    num_steps = n * k
    jitter = torch.randint(
        -regime.step_tokens // 4, regime.step_tokens // 4 + 1, (num_steps,), generator=g
    )
    step_tokens = (regime.step_tokens + jitter).clamp(min=1)
    step_offsets = lengths_to_offsets(torch.full((n,), k))
    step_token_offsets = lengths_to_offsets(step_tokens)
    num_tokens = int(step_token_offsets[-1])
    group = torch.arange(n) // regime.group_size
    agents = 4
    step_in_trajectory = torch.arange(num_steps) % k

    def uniform(size: int, low: float = 0.0, high: float = 1.0) -> Tensor:
        return low + (high - low) * torch.rand(size, generator=g)

    fields = {
        "token_values": uniform(num_tokens),
        "logp": -uniform(num_tokens, 0.0, 2.0),
        "ref_logp": -uniform(num_tokens, 0.0, 2.0),
        "value": uniform(num_steps),
        "prm": uniform(num_steps),
        "answer_prob": uniform(num_steps),
        "entropy": uniform(num_steps, 0.0, 2.0),
        "hindsight_logp": -uniform(num_steps, 0.0, 2.0),
        "branch_returns": uniform(num_steps),
        "branch_count": torch.full((num_steps,), 4.0),
        "counterfactual_returns": uniform(num_steps),
        "counterfactual_count": torch.full((num_steps,), 4.0),
        "state": group[torch.arange(num_steps) // k] * 4
        + torch.randint(0, 4, (num_steps,), generator=g),
        "agent": step_in_trajectory % agents,
    }
    names = [f"a{i}" for i in range(agents)]
    coalitions = []
    for _ in range(n):
        worth = torch.rand(agents, generator=g).tolist()
        table = []
        for mask in range(1 << agents):
            members = tuple(names[i] for i in range(agents) if mask >> i & 1)
            table.append(
                (
                    members,
                    sum(worth[i] for i in range(agents) if mask >> i & 1) + 0.1 * len(members) ** 2,
                )
            )
        coalitions.append(tuple(table))
    step_reward = torch.where(
        torch.rand(num_steps, generator=g) < 0.2, uniform(num_steps, -0.1, 0.1), 0.0
    )
    return TrajectoryBatch(
        step_offsets=step_offsets,
        token_offsets=step_token_offsets[step_offsets],
        step_token_offsets=step_token_offsets,
        reward=(torch.rand(n, generator=g) < 0.5).float(),
        step_reward=step_reward,
        group=group,
        ids=tuple(str(i) for i in range(n)),
        group_names=tuple(str(i) for i in range(int(group.max()) + 1)),
        fields=fields,
        state_names=tuple(str(i) for i in range(int(fields["state"].max()) + 1)),
        agent_names=tuple(names),
        coalitions=tuple(coalitions),
    )


# -- measuring ---------------------------------------------------------------------------


def timed(function: Callable[[], Any], repeat: int, budget: float = 3.0) -> tuple[float, Any]:
    """Best wall time (seconds) of up to ``repeat`` calls after one warm-up call (when
    ``repeat > 1``), stopping early once ``budget`` seconds are spent; and the last result."""
    result = function() if repeat > 1 else None
    best, spent = math.inf, 0.0
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        elapsed = time.perf_counter() - start
        best, spent = min(best, elapsed), spent + elapsed
        if spent > budget:
            break
    return best, result


def timed_together(
    functions: list[Callable[[], Any]], repeat: int, budget: float = 6.0
) -> tuple[list[float], list[Any]]:
    """Best wall time (seconds) of each function over up to ``repeat`` rounds, the functions
    called in turn within a round (so that a change of load on a shared machine affects them
    alike), after one warm-up round; stops early once ``budget`` seconds are spent; and the
    last result of each."""
    results = [function() for function in functions]
    best = [math.inf] * len(functions)
    spent = 0.0
    for _ in range(repeat):
        for i, function in enumerate(functions):
            start = time.perf_counter()
            results[i] = function()
            elapsed = time.perf_counter() - start
            best[i], spent = min(best[i], elapsed), spent + elapsed
        if spent > budget:
            break
    return best, results


def _status(key: str) -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def peak_bytes(function: Callable[[], Any]) -> int | None:
    """Growth of the resident set's high-water mark during ``function`` (Linux), else None."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return None
    before = _status("VmRSS")
    function()
    after = _status("VmHWM")
    if before is None or after is None:
        return None
    return max(after - before, 0)


# -- textbook loops (per time step, padded layout, as trainers write them) -----------------


def loop_gae(rewards: Tensor, values: Tensor, mask: Tensor, gamma: float, lam: float) -> Tensor:
    next_value = torch.zeros(rewards.shape[0], dtype=rewards.dtype)
    last = torch.zeros(rewards.shape[0], dtype=rewards.dtype)
    columns = []
    for t in reversed(range(rewards.shape[1])):
        delta = rewards[:, t] + gamma * next_value - values[:, t]
        new_last = delta + gamma * lam * last
        next_value = values[:, t] * mask[:, t] + (1 - mask[:, t]) * next_value
        last = new_last * mask[:, t] + (1 - mask[:, t]) * last
        columns.append(last)
    return torch.stack(columns[::-1], dim=1)


def loop_returns(rewards: Tensor, mask: Tensor, gamma: float) -> Tensor:
    running = torch.zeros(rewards.shape[0], dtype=rewards.dtype)
    out = torch.zeros_like(rewards)
    for t in reversed(range(rewards.shape[1])):
        new = rewards[:, t] + gamma * running
        out[:, t] = new * mask[:, t]
        running = new * mask[:, t] + running * (1 - mask[:, t])
    return out


def loop_group(scores: Tensor, group: list[int], kind: str, eps: float = 1e-6) -> Tensor:
    """GRPO / RLOO the way trainers write them: a dict of lists per group, a loop over samples."""
    members: dict[int, list[Tensor]] = {}
    for i, g in enumerate(group):
        members.setdefault(g, []).append(scores[i])
    out = scores.clone()
    for i, g in enumerate(group):
        pool = torch.stack(members[g])
        if len(pool) == 1:
            out[i] = 0.0
        elif kind == "grpo":
            std = torch.std(pool)
            out[i] = 0.0 if std == 0 else (scores[i] - pool.mean()) / (std + eps)
        else:
            out[i] = scores[i] - (pool.sum() - scores[i]) / (len(pool) - 1)
    return out


def whiten(values: Tensor, mask: Tensor) -> Tensor:
    valid = values[mask.bool()]
    mean, var = valid.mean(), valid.var()
    return (values - mean) * torch.rsqrt(var + 1e-8) * mask


# -- the run -----------------------------------------------------------------------------


@dataclass
class Inputs:
    batch: TrajectoryBatch
    rewards: Tensor  # padded token rewards
    values: Tensor
    mask: Tensor
    step_rewards: Tensor  # padded [B, K]
    step_values: Tensor
    step_prm: Tensor
    step_mask: Tensor


def padded_inputs(batch: TrajectoryBatch) -> Inputs:
    k = int(batch.trajectory_steps.max())
    n = batch.num_trajectories
    column = torch.arange(batch.num_steps) - batch.step_offsets[batch.step_trajectory]

    def steps_padded(values: Tensor) -> Tensor:
        out = torch.zeros(n, k, dtype=values.dtype)
        out[batch.step_trajectory, column] = values
        return out

    return Inputs(
        batch=batch,
        rewards=batch.to_padded(batch.token_rewards()),
        values=batch.to_padded(batch.fields["token_values"]),
        mask=batch.padded_mask().to(batch.dtype),
        step_rewards=steps_padded(batch.step_rewards()),
        step_values=steps_padded(batch.fields["value"]),
        step_prm=steps_padded(batch.fields["prm"]),
        step_mask=steps_padded(torch.ones(batch.num_steps)),
    )


@dataclass
class LoopResult:
    seconds: float
    extrapolated: bool
    diff: float  # max |cactl - loop|, both float32
    cactl_error: float | None  # max |cactl (float32) - loop in float64|
    loop_error: float | None  # max |loop (float32) - loop in float64|


def run_loop(name: str, inputs: Inputs, credit: Credit, loop_max: int) -> LoopResult | None:
    """Time the textbook loop for ``name`` and compare; the float64 loop is the exact value."""
    batch = inputs.batch
    if name in ("gae", "reinforce_pp"):
        total = inputs.rewards.shape[1]
        cut = max(total - loop_max, 0)
        r, v, m = inputs.rewards[:, cut:], inputs.values[:, cut:], inputs.mask[:, cut:]

        def loop(r: Tensor, v: Tensor, m: Tensor) -> Tensor:
            return loop_gae(r, v, m, GAMMA, LAM) if name == "gae" else loop_returns(r, m, GAMMA)

        seconds, result = timed(lambda: loop(r, v, m), 1)
        exact = loop(r.double(), v.double(), m.double())
        ours = batch.to_padded(credit.token)[:, cut:]  # reinforce_pp: the caller passes returns
        return LoopResult(
            seconds * total / (total - cut),
            cut > 0,
            float(((result - ours) * m).abs().max()),
            float(((ours.double() - exact) * m).abs().max()),
            float(((result.double() - exact) * m).abs().max()),
        )
    if name in ("turn_gae", "prm"):
        sm = inputs.step_mask

        def step_loop(rewards: Tensor, values: Tensor, prm: Tensor, sm: Tensor) -> Tensor:
            if name == "turn_gae":
                return loop_gae(rewards, values, sm, GAMMA, LAM)
            return loop_returns(rewards + prm * sm, sm, GAMMA)

        args = (inputs.step_rewards, inputs.step_values, inputs.step_prm, sm)
        seconds, result = timed(lambda: step_loop(*args), 1)
        exact = step_loop(*(a.double() for a in args))
        column = torch.arange(batch.num_steps) - batch.step_offsets[batch.step_trajectory]
        at = (batch.step_trajectory, column)
        return LoopResult(
            seconds,
            False,
            float((result[at] - credit.step).abs().max()),
            float((credit.step.double() - exact[at]).abs().max()),
            float((result[at].double() - exact[at]).abs().max()),
        )
    if name in ("grpo", "rloo"):
        labels = batch.group.tolist()
        seconds, result = timed(lambda: loop_group(batch.reward, labels, name), 1)
        diff = float((result[batch.step_trajectory] - credit.step).abs().max())
        return LoopResult(seconds, False, diff, None, None)
    return None


def _reinforce_returns(batch: TrajectoryBatch) -> Tensor:
    from cactl.estimators.ops import reverse_discounted_scan

    return reverse_discounted_scan(batch.token_rewards(), batch.token_offsets, GAMMA)


def bench_regime(
    regime: Regime, loop_max: int, repeat: int, names: list[str]
) -> list[dict[str, Any]]:
    batch = make_batch(regime)
    inputs = padded_inputs(batch)
    records = []
    for name in names:
        seconds, credit = timed(lambda name=name: estimate(name, batch), repeat)
        record: dict[str, Any] = {
            "regime": regime.name,
            "size": regime.label,
            "estimator": name,
            "tokens": batch.num_tokens,
            "steps": batch.num_steps,
            "padded_time": inputs.rewards.shape[1],
            "ours_ms": seconds * 1000,
            "peak_mb": None,
            "bytes_per_token": None,
        }
        if name in ("reinforce_pp",):
            # Compare the return scan itself (the whitening is the same one-liner in both).
            credit = Credit.from_token(batch, _reinforce_returns(batch))
        loop = run_loop(name, inputs, credit, loop_max)
        if loop is not None:
            if name == "reinforce_pp":
                scan_seconds, _ = timed(lambda: _reinforce_returns(batch), repeat)
                record["ours_scan_ms"] = scan_seconds * 1000
            record.update(
                loop_ms=loop.seconds * 1000,
                loop_extrapolated=loop.extrapolated,
                speedup=loop.seconds / (record.get("ours_scan_ms", record["ours_ms"]) / 1000),
                max_abs_diff=loop.diff,
                cactl_error_vs_float64=loop.cactl_error,
                loop_error_vs_float64=loop.loop_error,
            )
        records.append(record)
        print(
            f"  {regime.name:10s} {name:15s} {record['ours_ms']:9.1f} ms",
            file=sys.stderr,
            flush=True,
        )
    return records


def memory_pass(args: argparse.Namespace) -> dict[str, Any]:
    """Peak memory of each estimator per regime, and the mixed case (run in a child process
    whose allocator returns large blocks to the OS, so the high-water mark is the peak)."""
    regimes = _regimes(args)
    names = args.estimator or registered_names()
    peaks: dict[str, int | None] = {}
    for regime in regimes:
        batch = make_batch(regime)
        for name in names:
            estimate(name, batch)  # warm-up
            peaks[f"{regime.name}/{name}"] = peak_bytes(
                lambda name=name, batch=batch: estimate(name, batch)
            )
    return {"peaks": peaks, "mixed": None if args.quick else mixed_memory()}


def run_memory_pass(argv: list[str]) -> dict[str, Any] | None:
    """The memory pass in a child process (Linux; None elsewhere or on failure)."""
    if not sys.platform.startswith("linux"):
        return None
    env = {**os.environ, "MALLOC_MMAP_THRESHOLD_": "131072"}
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), *argv, "--memory-only"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        print(f"memory pass failed: {done.stderr.strip()[-400:]}", file=sys.stderr)
        return None
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _regimes(args: argparse.Namespace) -> list[Regime]:
    regimes = QUICK if args.quick else FULL
    if args.regime:
        regimes = [r for r in regimes if r.name in args.regime]
    return regimes


def bench_verl(regime: Regime, loop_max: int, repeat: int) -> list[dict[str, Any]]:
    """verl's own functions against cactl.estimators.trainer on the same padded inputs."""
    import numpy as np
    from verl.trainer.ppo import core_algos

    batch = make_batch(regime)
    inputs = padded_inputs(batch)
    total = inputs.rewards.shape[1]
    cut = max(total - loop_max, 0)
    r, v, m = inputs.rewards, inputs.values, inputs.mask
    labels = [f"g{int(g)}" for g in batch.group]
    index = np.array(labels, dtype=object)
    config = type("Config", (), {"gamma": GAMMA})()
    cases: list[
        tuple[
            str,
            Callable[[Tensor, Tensor, Tensor], Any],
            Callable[[Tensor, Tensor, Tensor], Any],
            bool,
        ]
    ] = [
        (
            "compute_gae_advantage_return",
            lambda r, v, m: core_algos.compute_gae_advantage_return(r, v, m, GAMMA, LAM),
            lambda r, v, m: trainer.compute_gae_advantage_return(r, v, m, GAMMA, LAM),
            True,
        ),
        (
            "compute_reinforce_plus_plus_outcome_advantage",
            lambda r, v, m: core_algos.compute_reinforce_plus_plus_outcome_advantage(
                r, m, config=config
            ),
            lambda r, v, m: trainer.compute_reinforce_plus_plus_outcome_advantage(r, m, GAMMA),
            True,
        ),
        (
            "compute_grpo_outcome_advantage",
            lambda r, v, m: core_algos.compute_grpo_outcome_advantage(r, m, index),
            lambda r, v, m: trainer.compute_grpo_outcome_advantage(r, m, labels),
            False,
        ),
        (
            "compute_rloo_outcome_advantage",
            lambda r, v, m: core_algos.compute_rloo_outcome_advantage(r, m, index),
            lambda r, v, m: trainer.compute_rloo_outcome_advantage(r, m, labels),
            False,
        ),
    ]
    records = []
    for name, theirs, ours, over_time in cases:
        ours_seconds, _ = timed(lambda ours=ours: ours(r, v, m), repeat)
        c = cut if over_time else 0
        rs, vs, ms = r[:, c:], v[:, c:], m[:, c:]
        verl_seconds, (their_adv, their_ret) = timed(
            lambda theirs=theirs, rs=rs, vs=vs, ms=ms: theirs(rs.clone(), vs, ms), 1
        )
        our_adv, our_ret = ours(rs, vs, ms)
        valid = ms.bool()
        scale = total / (total - c)
        records.append(
            {
                "regime": regime.name,
                "size": regime.label,
                "function": name,
                "verl_ms": verl_seconds * scale * 1000,
                "verl_extrapolated": c > 0,
                "ours_ms": ours_seconds * 1000,
                "speedup": verl_seconds * scale / ours_seconds,
                "max_abs_diff_advantages": float((their_adv - our_adv)[valid].abs().max()),
                "max_abs_diff_returns": float((their_ret - our_ret)[valid].abs().max()),
            }
        )
        print(f"  verl {regime.name:10s} {name}", file=sys.stderr, flush=True)
    return records


def mixed_memory() -> dict[str, Any]:
    """One 1M-token trajectory and a thousand 50-token ones: ragged vs padded cost."""
    lengths = [1 << 20] + [50] * 1000
    step_tokens = torch.tensor(lengths)
    n = len(lengths)
    offsets = lengths_to_offsets(step_tokens)
    tokens = int(offsets[-1])
    values = torch.rand(tokens)

    def build_and_run() -> None:
        batch = TrajectoryBatch(
            step_offsets=torch.arange(n + 1),
            token_offsets=offsets,
            step_token_offsets=offsets,
            reward=torch.rand(n),
            step_reward=torch.zeros(n),
            group=torch.arange(n) // 8,
            ids=tuple(str(i) for i in range(n)),
            group_names=tuple(str(i) for i in range(n // 8 + 1)),
            fields={"token_values": values},
        )
        estimate("gae", batch)

    peak = peak_bytes(build_and_run)
    padded = n * (1 << 20) * 4 * 3  # rewards, values, mask in float32
    return {
        "tokens": tokens,
        "trajectories": n,
        "peak_mb": None if peak is None else peak / 2**20,
        "bytes_per_token": None if peak is None else peak / tokens,
        "padded_inputs_gb": padded / 2**30,
    }


# -- the trainer layout (issue 9: 1024 x 4096, rows padded at the end or with tool spans) ----

TRAINER_SHAPE = (1024, 4096)
TRAINER_QUICK = (64, 512)


def trainer_inputs(
    rows: int, cols: int, *, tool_spans: bool, group_size: int = 8, seed: int = 0
) -> tuple[Tensor, Tensor, Tensor, list[str]]:
    """Padded rewards, values and mask with row lengths uniform in ``[T/8, T]``; with
    ``tool_spans``, 3 to 5 masked spans (tool output) inside each row, never over its last
    token; the outcome on the last valid token; uids in groups of ``group_size``."""
    g = torch.Generator().manual_seed(seed)
    lengths = torch.randint(cols // 8, cols + 1, (rows,), generator=g)
    position = torch.arange(cols)
    mask = (position[None, :] < lengths[:, None]).float()
    if tool_spans:
        for i, length in enumerate(lengths.tolist()):
            for _ in range(int(torch.randint(3, 6, (1,), generator=g))):
                width = int(torch.randint(1, max(length // 10, 2), (1,), generator=g))
                start = int(torch.randint(1, max(length - width, 2), (1,), generator=g))
                mask[i, start : min(start + width, length - 1)] = 0
    rewards = torch.zeros(rows, cols)
    rewards[torch.arange(rows), lengths - 1] = (torch.rand(rows, generator=g) < 0.5).float()
    values = torch.rand(rows, cols, generator=g)
    labels = [f"uid{i // group_size}" for i in range(rows)]
    return rewards, values, mask, labels


def floor_pass(rewards: Tensor, values: Tensor, mask: Tensor) -> tuple[Tensor, Tensor]:
    """One elementwise pass with GAE's memory traffic: reads rewards, values and mask, writes
    two outputs (two torch calls, the fewest that do)."""
    return torch.addcmul(rewards, values, mask), torch.mul(values, mask)


def bench_trainer(shape: tuple[int, int], repeat: int, verl_ok: bool) -> list[dict[str, Any]]:
    """cactl.estimators.trainer against verl's functions (when verl imports) and the floor, on
    rows padded at the end and on rows with tool spans."""
    core_algos: Any = None
    if verl_ok:
        from verl.trainer.ppo import core_algos as verl_core

        core_algos = verl_core
    records = []
    for spans in (False, True):
        records += _bench_trainer_mask(shape, spans, repeat, core_algos)
    return records


def _bench_trainer_mask(
    shape: tuple[int, int], spans: bool, repeat: int, core_algos: Any
) -> list[dict[str, Any]]:
    import numpy as np

    rows, cols = shape
    verl_ok = core_algos is not None
    config = type("Config", (), {"gamma": GAMMA})()
    r, v, m, labels = trainer_inputs(rows, cols, tool_spans=spans)
    index = np.array(labels, dtype=object)
    records = []
    cases: list[tuple[str, Callable[[], Any], Callable[[], Any] | None]] = [
        (
            "gae_advantage_return",
            lambda: trainer.compute_gae_advantage_return(r, v, m, GAMMA, LAM),
            (lambda: core_algos.compute_gae_advantage_return(r, v, m, GAMMA, LAM))
            if verl_ok
            else None,
        ),
        (
            "reinforce_plus_plus_outcome_advantage",
            lambda: trainer.compute_reinforce_plus_plus_outcome_advantage(r, m, GAMMA),
            (lambda: core_algos.compute_reinforce_plus_plus_outcome_advantage(r, m, config=config))
            if verl_ok
            else None,
        ),
    ]
    if not spans:
        # (row label, cactl's function, verl's function of the same sum) for the outcome
        # estimators, each also against verl's vectorised version.
        outcome = [
            ("grpo", trainer.compute_grpo_outcome_advantage, "grpo"),
            ("rloo", trainer.compute_rloo_outcome_advantage, "rloo"),
        ]
        for name, ours, peer in outcome:
            for label, verl_name in (
                (f"{name}_outcome_advantage", f"compute_{peer}_outcome_advantage"),
                (
                    f"{name}_outcome_advantage (vs verl's {peer}_vectorized)",
                    f"compute_{peer}_vectorized_outcome_advantage",
                ),
            ):
                theirs = getattr(core_algos, verl_name) if verl_ok else None
                cases.append(
                    (
                        label,
                        lambda ours=ours: ours(r, m, labels),
                        (lambda theirs=theirs: theirs(r, m, index)) if theirs else None,
                    )
                )
    for name, ours, theirs in cases:
        if theirs is None and "(vs" in name:
            continue
        # The floor, cactl and (when it is quick) verl in turn, so that they share the load.
        slow = "vectorized" not in name and "grpo" not in name and "rloo" not in name
        together = [lambda: floor_pass(r, v, m), ours]
        if theirs is not None and not slow:
            together.append(theirs)
        seconds, results = timed_together(together, repeat)
        floor_seconds, ours_seconds = seconds[0], seconds[1]
        our_adv, our_ret = results[1]
        record: dict[str, Any] = {
            "size": f"{rows} x {cols}",
            "mask": "tool spans" if spans else "padded at the end",
            "function": name,
            "ours_ms": ours_seconds * 1000,
            "floor_ms": floor_seconds * 1000,
            "floor_ratio": ours_seconds / floor_seconds,
            "verl_ms": None,
        }
        if theirs is not None:
            if slow:
                verl_seconds, (their_adv, their_ret) = timed(theirs, 1)
            else:
                verl_seconds, (their_adv, their_ret) = seconds[2], results[2]
            valid = m.bool()
            record.update(
                verl_ms=verl_seconds * 1000,
                speedup=verl_seconds / ours_seconds,
                max_abs_diff_advantages=float((their_adv - our_adv)[valid].abs().max()),
                max_abs_diff_returns=float((their_ret - our_ret)[valid].abs().max()),
            )
        records.append(record)
        print(f"  trainer {record['mask']:18s} {name}", file=sys.stderr, flush=True)

    return records


def bench_ragged_floor(regime: Regime, repeat: int) -> list[dict[str, Any]]:
    """``estimate()`` of gae and reinforce_pp on the ragged batch against the floor pass over
    its flat tokens (rewards, values and a mask of ones read, two outputs written)."""
    batch = make_batch(regime)
    rewards = batch.token_rewards()
    values = batch.fields["token_values"]
    ones = torch.ones_like(values)
    records = []
    for name in ("gae", "reinforce_pp"):
        (floor_seconds, seconds), _ = timed_together(
            [lambda: floor_pass(rewards, values, ones), lambda name=name: estimate(name, batch)],
            repeat,
        )
        records.append(
            {
                "size": regime.label,
                "estimator": name,
                "tokens": batch.num_tokens,
                "ours_ms": seconds * 1000,
                "floor_ms": floor_seconds * 1000,
                "floor_ratio": seconds / floor_seconds,
            }
        )
    return records


def trainer_markdown(records: list[dict[str, Any]], ragged: list[dict[str, Any]]) -> list[str]:
    lines = [
        "",
        "The trainer layout (`cactl.estimators.trainer`) against verl's functions on the same",
        "padded inputs, row lengths uniform in [T/8, T], outcome on the last valid token, uids in",
        "groups of 8; floor: one elementwise pass with GAE's memory traffic (reads rewards, values",
        "and mask, writes two outputs), measured in the same run:",
        "",
        "| size | mask | function | verl (ms) | cactl (ms) | speed-up | floor (ms) | cactl / floor | max abs diff, valid tokens (adv / returns) |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in records:
        verl = "-" if r["verl_ms"] is None else _ms(r["verl_ms"])
        speedup = "-" if r["verl_ms"] is None else f"{r['speedup']:.1f}x"
        diff = "-"
        if r["verl_ms"] is not None:
            diff = f"{r['max_abs_diff_advantages']:.1e} / {r['max_abs_diff_returns']:.1e}"
        lines.append(
            f"| {r['size']} | {r['mask']} | {r['function']} | {verl} | {_ms(r['ours_ms'])} "
            f"| {speedup} | {r['floor_ms']:.2f} | {r['floor_ratio']:.1f}x | {diff} |"
        )
    if ragged:
        lines += [
            "",
            "The ragged `estimate()` path against the same floor over its flat tokens:",
            "",
            "| size | estimator | tokens | cactl (ms) | floor (ms) | cactl / floor |",
            "|---|---|---:|---:|---:|---:|",
        ]
        for r in ragged:
            lines.append(
                f"| {r['size']} | {r['estimator']} | {r['tokens']:,} | {_ms(r['ours_ms'])} "
                f"| {r['floor_ms']:.2f} | {r['floor_ratio']:.1f}x |"
            )
    return lines


# -- output ------------------------------------------------------------------------------


def _ms(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:,.0f}" if value >= 100 else f"{value:.1f}"


def markdown(
    records: list[dict[str, Any]],
    peers: list[dict[str, Any]],
    mixed: dict[str, Any] | None,
    machine: str,
) -> str:
    """Three tables: the loop comparisons, every estimator per regime, and verl."""
    sizes = list(dict.fromkeys(r["size"] for r in records))
    lines = [
        f"Machine: {machine}. float32; times are the best of several runs (loops: one run).",
        "",
        "Against the textbook loop (measured in the same run):",
        "",
        "| size | estimator | cactl (ms) | loop (ms) | speed-up | max abs diff | error vs float64: cactl / loop |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for r in records:
        if "loop_ms" not in r:
            continue
        ours = r.get("ours_scan_ms", r["ours_ms"])
        loop = _ms(r["loop_ms"]) + ("*" if r["loop_extrapolated"] else "")
        error = "-"
        if r.get("cactl_error_vs_float64") is not None:
            error = f"{r['cactl_error_vs_float64']:.1e} / {r['loop_error_vs_float64']:.1e}"
        name = r["estimator"] + (" (returns)" if "ours_scan_ms" in r else "")
        lines.append(
            f"| {r['size']} | {name} | {_ms(ours)} | {loop} | {r['speedup']:.0f}x "
            f"| {r['max_abs_diff']:.1e} | {error} |"
        )
    lines += [
        "",
        "loop: a Python loop over time steps on the padded [batch, time] layout, as trainers",
        "write GAE and returns (gae, reinforce_pp; turn_gae and prm loop over step columns), or",
        "over samples (grpo, rloo). * = timed on the last 200K columns and scaled linearly (the",
        "cost per column is constant); diffs over those columns. max abs diff: cactl against the",
        "loop, both float32. error vs float64: each against the same loop run in float64.",
        "reinforce_pp (returns): the return scan; the whitening after it is the same in both.",
        "",
        "Every estimator on the ragged batch, milliseconds (peak memory in bytes per token):",
        "",
        "| estimator | " + " | ".join(sizes) + " |",
        "|---|" + "---:|" * len(sizes),
    ]
    by_key = {(r["estimator"], r["size"]): r for r in records}
    for name in dict.fromkeys(r["estimator"] for r in records):
        cells = []
        for size in sizes:
            r = by_key.get((name, size))
            if r is None:
                cells.append("-")
                continue
            per = r["bytes_per_token"]
            cells.append(_ms(r["ours_ms"]) + ("" if per is None else f" ({per:.0f} B)"))
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    first = records[0]["estimator"]
    tokens = " | ".join(f"{by_key[(first, size)]['tokens']:,}" for size in sizes)
    lines += [
        f"| tokens | {tokens} |",
        "",
        "Step lengths vary +-25% around the stated mean. Peak memory: growth of the resident set's",
        "high-water mark while the estimator runs, in a pass whose allocator returns freed memory.",
    ]
    if mixed is not None and mixed.get("peak_mb") is not None:
        lines += [
            "",
            f"Ragged memory: one 1M-token trajectory plus 1,000 50-token ones ({mixed['tokens']:,} tokens):",
            f"building the batch and running gae peaks at {mixed['peak_mb']:.0f} MB "
            f"({mixed['bytes_per_token']:.0f} bytes/token); the padded layout's rewards, values",
            f"and mask alone would take {mixed['padded_inputs_gb']:.1f} GB.",
        ]
    if peers:
        lines += [
            "",
            "verl's own functions against `cactl.estimators.trainer` on the same padded inputs:",
            "",
            "| size | verl function | verl (ms) | cactl (ms) | speed-up | max abs diff, valid tokens (adv / returns) |",
            "|---|---|---:|---:|---:|---:|",
        ]
        for p in peers:
            verl_ms = _ms(p["verl_ms"]) + ("*" if p["verl_extrapolated"] else "")
            lines.append(
                f"| {p['size']} | {p['function'].removeprefix('compute_')} | {verl_ms} | {_ms(p['ours_ms'])} "
                f"| {p['speedup']:.0f}x | {p['max_abs_diff_advantages']:.1e} / {p['max_abs_diff_returns']:.1e} |"
            )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="small sizes (a smoke test, seconds)")
    parser.add_argument("--json", type=Path, help="also write all measurements to this JSON file")
    parser.add_argument("--regime", action="append", help="run only these regimes (repeatable)")
    parser.add_argument(
        "--estimator", action="append", help="run only these estimators (repeatable)"
    )
    parser.add_argument(
        "--repeat", type=int, default=7, help="timing repeats of the vectorised code (best is kept)"
    )
    parser.add_argument(
        "--loop-max",
        type=int,
        default=200_000,
        help="time the per-step loops on at most this many columns, scaling linearly beyond",
    )
    parser.add_argument("--no-peer", action="store_true", help="skip verl even if it imports")
    parser.add_argument(
        "--no-trainer", action="store_true", help="skip the trainer-layout comparison"
    )
    parser.add_argument(
        "--trainer-only",
        action="store_true",
        help="only the trainer-layout comparison and the ragged floor ratios",
    )
    parser.add_argument("--no-memory", action="store_true", help="skip the peak-memory pass")
    parser.add_argument("--memory-only", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="torch intra-op threads (default 1: stable timings on a shared machine; the loops "
        "are single-threaded in effect anyway)",
    )
    args = parser.parse_args(argv)
    if args.memory_only:
        sys.stdout.write(json.dumps(memory_pass(args)) + "\n")
        return 0
    torch.set_num_threads(args.threads)
    regimes = _regimes(args)
    names = args.estimator or registered_names()
    machine = f"{platform.machine()}, {os.cpu_count()} CPUs, torch {torch.__version__} ({torch.get_num_threads()} threads), no GPU used"
    records: list[dict[str, Any]] = []
    peers: list[dict[str, Any]] = []
    peer_note = "verl not importable: peer comparison skipped"
    verl_ok = False
    if not args.no_peer:
        try:
            import verl  # noqa: F401
            from verl.trainer.ppo import core_algos  # noqa: F401

            verl_ok = True
            peer_note = f"verl {getattr(sys.modules['verl'], '__version__', '?')}"
        except Exception as exc:  # any import failure means no peer
            peer_note = f"verl not importable ({type(exc).__name__}): peer comparison skipped"
    trainer_records: list[dict[str, Any]] = []
    ragged_floor: list[dict[str, Any]] = []
    if not args.no_trainer:
        shape = TRAINER_QUICK if args.quick else TRAINER_SHAPE
        trainer_records = bench_trainer(shape, args.repeat, verl_ok)
        ragged_floor = bench_ragged_floor(regimes[0], args.repeat)
    if args.trainer_only:
        regimes = []
    for regime in regimes:
        records += bench_regime(regime, args.loop_max, args.repeat, names)
        if verl_ok:
            peers += bench_verl(regime, args.loop_max, args.repeat)
    mixed = None
    if not args.no_memory and not args.trainer_only:
        child_args = [a for a in (argv if argv is not None else sys.argv[1:]) if a != "--json"]
        if args.json:
            child_args = [a for a in child_args if a != str(args.json)]
        memory = run_memory_pass(child_args)
        if memory is not None:
            mixed = memory["mixed"]
            for record in records:
                peak = memory["peaks"].get(f"{record['regime']}/{record['estimator']}")
                if peak is not None:
                    record["peak_mb"] = peak / 2**20
                    record["bytes_per_token"] = peak / record["tokens"]
    text = markdown(records, peers, mixed, machine) if records else f"Machine: {machine}.\n"
    if trainer_records:
        text += "\n".join(trainer_markdown(trainer_records, ragged_floor)) + "\n"
    sys.stdout.write(text + f"\nPeer: {peer_note}.\n")
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "machine": machine,
                    "peer": peer_note,
                    "estimators": records,
                    "verl": peers,
                    "trainer": trainer_records,
                    "ragged_floor": ragged_floor,
                    "mixed_memory": mixed,
                },
                indent=2,
            )
            + "\n"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
