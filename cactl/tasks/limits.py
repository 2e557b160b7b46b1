"""The work a task run asks for, checked before it starts (pure Python, no torch).

Each parameter is in range on its own (:mod:`cactl.tasks.catalog`); their products are
bounded here: the steps and tokens of one sample (held in memory), the steps simulated in
all, counting the continuations of ``branches`` and ``counterfactuals`` and every sample
(``--resamples``, or ``--train`` iterations times ``--seeds``), and the coalition values a task
with players builds (2^players per trajectory). The work of the ``shapley`` estimator, which
looks up coalition values (2^n per trajectory of n players up to its exact limit, permutations
x n beyond), is bounded too: for a task before it is sampled, for a file before the estimator
runs (its kernel checks the trajectories it gets). A run past a limit is exit 2 (code
``too-large``) naming the parameters, before any work.
"""

from __future__ import annotations

import math

from cactl.errors import InputError
from cactl.tasks.engine import Environment

#: Steps of one sample (groups x group_size x horizon); each is held in memory (~1 kB).
MAX_STEPS = 1_000_000
#: Tokens of one sample (steps x tokens).
MAX_TOKENS = 20_000_000
#: Steps simulated in all by a trial: (1 + (branches + counterfactuals) x horizon) per sampled
#: step, for every sample (--resamples). About 4 million a second on one core: a run at the
#: limit takes about 12 s.
MAX_WORK = 50_000_000
#: Sampled steps trained on in all by --train: steps per sample x iterations x seeds x
#: estimators (each estimator trains its own policy). About 35 us each on one core (the
#: sample, its credit and the policy's update): a run at the limit takes about 18 s.
MAX_TRAIN_STEPS = 500_000
#: --lr of --train: a finite number in [0, MAX_LR].
MAX_LR = 10.0
#: Coalition values built in all (trajectories x 2^players for a task with players, every
#: sample): each is a Python object held with its trajectory (about 15 us and 0.5 kB each).
MAX_COALITIONS = 500_000
#: Coalition values the ``shapley`` estimator looks up in all (see :func:`shapley_lookups`):
#: about 4 to 6 us each, on one core.
MAX_SHAPLEY_LOOKUPS = 1_000_000


def work_of(env: Environment, samples: int = 1) -> tuple[int, int, int]:
    """``(steps, tokens, simulated steps)`` of ``samples`` samples of the task."""
    steps = env.groups * env.group_size * env.horizon
    per_step = 1 + (env.branches + env.counterfactuals) * env.horizon
    return steps, steps * env.tokens, steps * per_step * samples


def coalitions_of(env: Environment, samples: int = 1) -> int:
    """The coalition values ``samples`` samples of the task build (0 without players)."""
    trajectories = env.groups * env.group_size
    return trajectories * (1 << env.players) * samples if env.players else 0


def shapley_lookups(players: int, *, max_exact: int, permutations: int) -> int:
    """The coalition values the ``shapley`` estimator looks up for one trajectory of
    ``players`` players: all ``2^players`` when ``players <= max_exact``, else ``players``
    per sampled permutation."""
    if players == 0:
        return 0
    return 1 << players if players <= max_exact else permutations * players


def check_work(name: str, env: Environment, *, samples: int = 1, samples_by: str = "") -> None:
    """Refuse a run of task ``name`` past :data:`MAX_STEPS`, :data:`MAX_TOKENS`,
    :data:`MAX_WORK` or :data:`MAX_COALITIONS`; ``samples_by`` names the options that set
    ``samples``, with their values (``--resamples=3``)."""
    steps, tokens, work = work_of(env, samples)
    sizes = f"groups={env.groups} group_size={env.group_size} horizon={env.horizon}"
    if steps > MAX_STEPS:
        _refuse(name, "too many steps in one sample", sizes, f"at most {MAX_STEPS} steps", steps)
    if tokens > MAX_TOKENS:
        _refuse(
            name,
            "too many tokens in one sample",
            f"{sizes} tokens={env.tokens}",
            f"at most {MAX_TOKENS} tokens",
            tokens,
        )
    if work > MAX_WORK:
        extra = f" branches={env.branches} counterfactuals={env.counterfactuals}"
        by = f" {samples_by}" if samples_by else ""
        _refuse(
            name,
            "too much work for one run",
            sizes + extra + by,
            f"at most {MAX_WORK} simulated steps",
            work,
        )
    coalitions = coalitions_of(env, samples)
    if coalitions > MAX_COALITIONS:
        by = f" {samples_by}" if samples_by else ""
        _refuse(
            name,
            "too many coalition values (2^players per trajectory)",
            f"groups={env.groups} group_size={env.group_size} {env.player_params()}{by}",
            f"at most {MAX_COALITIONS} coalition values",
            coalitions,
        )


def check_training(
    name: str, env: Environment, *, iterations: int, seeds: int, estimators: int = 1
) -> None:
    """Refuse a ``--train`` run of task ``name`` past :data:`MAX_TRAIN_STEPS` (``estimators``
    policies, each trained ``iterations`` times per seed)."""
    steps = env.groups * env.group_size * env.horizon
    trained = steps * iterations * seeds * estimators
    if trained > MAX_TRAIN_STEPS:
        each = f" ({estimators} estimators)" if estimators > 1 else ""
        _refuse(
            name,
            "too much training for one run",
            f"groups={env.groups} group_size={env.group_size} horizon={env.horizon} "
            f"--train={iterations} --seeds={seeds}{each}",
            f"at most {MAX_TRAIN_STEPS} sampled steps trained on",
            trained,
        )


def check_shapley(
    name: str,
    env: Environment,
    *,
    max_exact: int,
    permutations: int,
    samples: int = 1,
    samples_by: str = "",
) -> None:
    """Refuse a ``shapley`` run on task ``name`` past :data:`MAX_SHAPLEY_LOOKUPS` (the
    kernel's ``max_exact`` and ``permutations`` set what one trajectory costs)."""
    per = shapley_lookups(env.players, max_exact=max_exact, permutations=permutations)
    lookups = env.groups * env.group_size * per * samples
    if lookups > MAX_SHAPLEY_LOOKUPS:
        by = f" {samples_by}" if samples_by else ""
        _refuse(
            name,
            f"too much work for the shapley estimator ({per} coalition lookups per trajectory)",
            f"groups={env.groups} group_size={env.group_size} {env.player_params()}{by}",
            f"at most {MAX_SHAPLEY_LOOKUPS} coalition lookups",
            lookups,
        )


def _refuse(name: str, message: str, params: str, expected: str, found: int) -> None:
    raise InputError(
        f"task {name!r}: {message}",
        field="--param",
        expected=expected,
        found=f"{found} from {params}",
        hint="lower these parameters",
        code="too-large",
        context={"task": name, "parameters": params},
    )


def check_lr(lr: float) -> None:
    """Refuse a learning rate that is not a finite number in [0, MAX_LR]."""
    if not math.isfinite(lr) or not 0.0 <= lr <= MAX_LR:
        raise InputError(
            "learning rate out of range",
            field="--lr",
            expected=f"a finite number in [0, {MAX_LR:g}]",
            found=repr(lr),
            code="not-finite" if not math.isfinite(lr) else "out-of-range",
        )
