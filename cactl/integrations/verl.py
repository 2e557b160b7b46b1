"""cactl's estimators as verl advantage estimators (``algorithm.adv_estimator=cactl_<name>``).

Importing this module registers the names of :data:`ESTIMATORS` in verl's
``ADV_ESTIMATOR_REGISTRY`` with ``verl.trainer.ppo.core_algos.register_adv_est`` (the only verl
module it imports, so it works with the plain verl wheel). verl finds it in two ways:

- the entry point ``cactl = "cactl.integrations.verl"`` of the group ``verl.plugins`` (cactl's
  ``pyproject.toml``): verl 0.9.1 loads every entry point of that group on ``import verl``, in
  every process, Ray workers included. verl skips a plugin that fails to import with only a
  debug log, so check the names (``cactl_grpo in ADV_ESTIMATOR_REGISTRY``), not for errors;
  ``VERL_USE_EXTERNAL_PLUGINS=none`` turns the discovery off;
- ``VERL_USE_EXTERNAL_MODULES=cactl.integrations.verl``: verl imports the listed modules on
  ``import verl`` (older verl without plugin discovery, or a worker whose environment has cactl
  on the path but not installed).

verl calls a registered estimator as
``fn(token_level_rewards, response_mask, config=None, index=None, **kwargs) -> (advantages,
returns)`` (``verl.trainer.ppo.ray_trainer.compute_advantage``): ``token_level_rewards`` and
``response_mask`` are ``[batch, response_length]``, ``index`` is the ``uid`` column (a numpy
object array of labels; rows of one prompt share one), ``config`` is ``algorithm`` of the
trainer's config (an omegaconf ``DictConfig``; a dict or verl's ``AlgoConfig`` dataclass work
too). The adapters read ``gamma`` and ``norm_adv_by_std_in_grpo`` from ``config`` (``lam`` is used
by none of them: GAE cannot run here, see below) and cactl's own parameters from
``config.cactl`` (``+algorithm.cactl.turn_gamma=0.9`` on verl's command line); a key the chosen
estimator does not take, or a bad value, is an :class:`~cactl.errors.InputError` naming the key
and the valid ones. ``AlgoConfig`` has no ``cactl`` field, so with it the defaults apply. Other
keyword arguments verl passes (``reward_baselines``) are ignored. Returned tensors are 0 on
masked positions.

The names (equations in each function's docstring and the README's "cactl inside verl"):

- ``cactl_grpo``, ``cactl_rloo``, ``cactl_reinforce_pp``: the trainer-layout functions of
  :mod:`cactl.estimators.trainer`; they equal verl's ``grpo``, ``rloo`` and
  ``reinforce_plus_plus`` on valid tokens (verl 0.9.1's REINFORCE++ carries the return across
  masked spans, as cactl's does).
- ``cactl_turn_discounted``, ``cactl_turn_prm``, ``cactl_turn_pure_min``: turn-level credit for
  multi-turn rows (a turn is a run of ``response_mask == 1``), the kernels of
  :mod:`cactl.estimators.turns`.

What cannot run through verl's registry today, and why: verl hands a registered estimator only
``token_level_rewards``, ``response_mask``, ``config``, the ``uid`` labels and (when present)
``reward_baselines``: no critic values, no log-probabilities, no per-turn anchor states and no
other non-tensor field. So ``gae`` (token values), ``turn_gae`` (turn values), ``vine`` (branch
returns), ``gigpo`` (anchor observations), ``implicit_prm`` (policy and reference
log-probabilities), ``igpo`` (per-turn answer probabilities), ``hindsight`` (log-probabilities
under the policy and a hindsight model), ``counterfactual`` (counterfactual returns),
``shapley`` (coalition values), ``entropy_focus`` (token entropies) and ``agent_norm`` (agent
labels) have no adapter (:data:`UNAVAILABLE`). verl's own GAE is special-cased in ``compute_advantage`` (it reads
``values`` itself), which a registered estimator cannot be. verl's open PR #7473 passes
``non_tensor_batch`` and ``batch`` to every registered estimator that accepts them; with it
these estimators could read their fields from the batch (what a rollout puts in
``AgentLoopOutput.extra_fields`` reaches ``non_tensor_batch``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor
from verl.trainer.ppo.core_algos import ADV_ESTIMATOR_REGISTRY, register_adv_est

from cactl.errors import InputError, did_you_mean
from cactl.estimators.trainer import (
    compute_grpo_outcome_advantage,
    compute_reinforce_plus_plus_outcome_advantage,
    compute_rloo_outcome_advantage,
)
from cactl.estimators.turns import turn_discounted_outcome, turn_prm, turn_pure_min

#: The key of cactl's own parameters inside verl's ``algorithm`` config.
CONFIG_KEY = "cactl"


@dataclass(frozen=True)
class Param:
    """One of cactl's own parameters of a verl estimator (read from ``config.cactl``)."""

    name: str
    default: float
    minimum: float
    maximum: float = math.inf
    #: Whether the minimum itself is refused (a temperature must be > 0).
    exclusive_minimum: bool = False
    doc: str = ""

    def check(self, estimator: str, value: Any) -> float:
        """``value`` as a float, or an InputError naming the key and the range."""
        field = f"algorithm.{CONFIG_KEY}.{self.name}"
        low = "(" if self.exclusive_minimum else "["
        expected = f"a number in {low}{self.minimum}, {self.maximum}]"
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise InputError(
                f"{estimator}: {self.name!r} must be a number",
                field=field,
                expected=expected,
                found=repr(value),
                code="wrong-type",
            )
        number = float(value)
        too_low = number <= self.minimum if self.exclusive_minimum else number < self.minimum
        if not math.isfinite(number) or too_low or number > self.maximum:
            raise InputError(
                f"{estimator}: {self.name!r} is out of range",
                field=field,
                expected=expected,
                found=repr(value),
                code="not-finite" if not math.isfinite(number) else "out-of-range",
            )
        return number


@dataclass(frozen=True)
class Settings:
    """What the adapters read from verl's ``algorithm`` config (verl's defaults)."""

    gamma: float = 1.0
    norm_adv_by_std_in_grpo: bool = True


#: An adapter's body: ``(token_level_rewards, response_mask, index, settings, params)``.
Compute = Callable[[Tensor, Tensor, Any, Settings, dict[str, float]], tuple[Tensor, Tensor]]


@dataclass(frozen=True)
class VerlEstimator:
    """A name in verl's registry: its parameters, whether it needs the ``uid`` groups, its body."""

    name: str
    summary: str
    params: tuple[Param, ...]
    needs_groups: bool
    compute: Compute
    #: The catalogue estimator (``cactl estimators list``) it computes, if any.
    ragged: str | None = None

    def resolve(self, given: Mapping[str, Any]) -> dict[str, float]:
        """cactl's parameters: defaults filled in, unknown keys and bad values refused."""
        known = {param.name: param for param in self.params}
        for key in given:
            if key not in known:
                valid = ", ".join(known) if known else "none"
                raise InputError(
                    f"{self.name} does not take {key!r}",
                    field=f"algorithm.{CONFIG_KEY}.{key}",
                    expected=f"one of its parameters: {valid}",
                    found=repr(key),
                    hint=did_you_mean(str(key), known) or None,
                    code="unknown-key",
                )
        return {
            name: param.check(self.name, given[name]) if name in given else param.default
            for name, param in known.items()
        }


def _setting(config: Any, key: str, default: Any) -> Any:
    """``config[key]`` for a mapping (dict, ``DictConfig``, ``AlgoConfig``), else the attribute."""
    if config is None:
        return default
    if isinstance(config, Mapping):
        return config.get(key, default)
    return getattr(config, key, default)


def read_config(config: Any) -> tuple[Settings, dict[str, Any]]:
    """verl's settings and cactl's raw parameters (``config.cactl``) from ``config``."""
    settings = Settings(
        gamma=float(_setting(config, "gamma", 1.0)),
        norm_adv_by_std_in_grpo=bool(_setting(config, "norm_adv_by_std_in_grpo", True)),
    )
    own = _setting(config, CONFIG_KEY, None)
    if own is None:
        return settings, {}
    if not isinstance(own, Mapping):
        raise InputError(
            f"algorithm.{CONFIG_KEY} must map cactl's parameter names to values",
            field=f"algorithm.{CONFIG_KEY}",
            expected="a mapping such as {turn_gamma: 0.9}",
            found=repr(own),
            code="wrong-type",
        )
    return settings, {str(key): value for key, value in own.items()}


def _grpo(
    rewards: Tensor, mask: Tensor, index: Any, settings: Settings, params: dict[str, float]
) -> tuple[Tensor, Tensor]:
    return compute_grpo_outcome_advantage(
        rewards,
        mask,
        index,
        epsilon=params["epsilon"],
        norm_adv_by_std_in_grpo=settings.norm_adv_by_std_in_grpo,
    )


def _rloo(
    rewards: Tensor, mask: Tensor, index: Any, settings: Settings, params: dict[str, float]
) -> tuple[Tensor, Tensor]:
    return compute_rloo_outcome_advantage(rewards, mask, index)


def _reinforce_pp(
    rewards: Tensor, mask: Tensor, index: Any, settings: Settings, params: dict[str, float]
) -> tuple[Tensor, Tensor]:
    return compute_reinforce_plus_plus_outcome_advantage(rewards, mask, gamma=settings.gamma)


def leave_one_out_baseline(rewards: Tensor, index: Any) -> Tensor:
    """``[B]``: the mean outcome (row reward sum) of the other rows of each row's group, 0 for
    a row alone in its group; RLOO's baseline, from its kernel (``R - A_rloo``)."""
    outcome = rewards.sum(dim=1, keepdim=True)
    advantage, _ = compute_rloo_outcome_advantage(outcome, torch.ones_like(outcome), index)
    return (outcome - advantage)[:, 0]


def _turn_discounted(
    rewards: Tensor, mask: Tensor, index: Any, settings: Settings, params: dict[str, float]
) -> tuple[Tensor, Tensor]:
    baseline = leave_one_out_baseline(rewards, index)
    advantages = turn_discounted_outcome(rewards, mask, baseline, params["turn_gamma"])
    return advantages, advantages


def _turn_prm(
    rewards: Tensor, mask: Tensor, index: Any, settings: Settings, params: dict[str, float]
) -> tuple[Tensor, Tensor]:
    advantages = turn_prm(rewards, mask, params["turn_gamma"])
    return advantages, advantages


def _turn_pure_min(
    rewards: Tensor, mask: Tensor, index: Any, settings: Settings, params: dict[str, float]
) -> tuple[Tensor, Tensor]:
    advantages = turn_pure_min(rewards, mask, params["temperature"])
    return advantages, advantages


_TURN_GAMMA = Param("turn_gamma", 1.0, 0.0, 1.0, doc="discount per turn")

#: Every name cactl registers in verl, in the order of the README.
ESTIMATORS: tuple[VerlEstimator, ...] = (
    VerlEstimator(
        "cactl_grpo",
        "GRPO (Dr. GRPO with algorithm.norm_adv_by_std_in_grpo=false): "
        "A = (R - mean_g R) / (std_g R + epsilon) on every token",
        (Param("epsilon", 1e-6, 0.0, doc="added to the group's std"),),
        True,
        _grpo,
        "grpo",
    ),
    VerlEstimator(
        "cactl_rloo",
        "RLOO: A = R - mean of the other rows' R in the group, on every token",
        (),
        True,
        _rloo,
        "rloo",
    ),
    VerlEstimator(
        "cactl_reinforce_pp",
        "REINFORCE++: G_t = r_t + gamma G_next-valid, whitened over the batch's valid tokens",
        (),
        False,
        _reinforce_pp,
        "reinforce_pp",
    ),
    VerlEstimator(
        "cactl_turn_discounted",
        "turn-discounted outcome: A_k = turn_gamma^(K-1-k) R - mean of the other rows' R",
        (_TURN_GAMMA,),
        True,
        _turn_discounted,
    ),
    VerlEstimator(
        "cactl_turn_prm",
        "process credit, sum form: A_k = sum_{j>=k} turn_gamma^(j-k) x_j",
        (_TURN_GAMMA,),
        False,
        _turn_prm,
        "prm",
    ),
    VerlEstimator(
        "cactl_turn_pure_min",
        "process credit, PURE's min form: A_k = sum_{k<=j<K-1} softmin_j(p/temperature) p_j + R",
        (Param("temperature", 0.1, 0.0, exclusive_minimum=True, doc="of the softmin"),),
        False,
        _turn_pure_min,
        "pure_min",
    ),
)


#: Catalogue estimators with no verl adapter, and what verl does not hand them.
UNAVAILABLE: dict[str, str] = {
    "gae": "token values",
    "turn_gae": "turn values",
    "vine": "branch returns",
    "gigpo": "anchor observations",
    "implicit_prm": "policy and reference log-probabilities",
    "igpo": "per-turn answer probabilities",
    "hindsight": "log-probabilities under the policy and a hindsight model",
    "counterfactual": "counterfactual returns",
    "shapley": "coalition values",
    "entropy_focus": "token entropies",
    "agent_norm": "agent labels",
}


def get(name: str) -> VerlEstimator:
    """The estimator registered under ``name``; an unknown name is an InputError."""
    for estimator in ESTIMATORS:
        if estimator.name == name:
            return estimator
    raise InputError(
        f"no cactl estimator {name!r} for verl",
        field="algorithm.adv_estimator",
        expected="one of " + ", ".join(e.name for e in ESTIMATORS),
        found=repr(name),
        hint=did_you_mean(name, [e.name for e in ESTIMATORS]) or None,
        code="unknown-name",
    )


def names() -> list[str]:
    """The names cactl registers in verl."""
    return [estimator.name for estimator in ESTIMATORS]


def make_adapter(estimator: VerlEstimator) -> Callable[..., tuple[Tensor, Tensor]]:
    """The function verl calls for ``estimator``, with the signature verl calls it with."""

    def adapter(
        token_level_rewards: Tensor,
        response_mask: Tensor,
        config: Any = None,
        index: Any = None,
        **kwargs: Any,
    ) -> tuple[Tensor, Tensor]:
        settings, given = read_config(config)
        params = estimator.resolve(given)
        if estimator.needs_groups and index is None:
            raise InputError(
                f"{estimator.name} needs the group labels (verl's uid column)",
                field="index",
                expected="one uid per row (data.non_tensor_batch['uid'])",
                found="None",
                code="missing-field",
            )
        with torch.no_grad():
            return estimator.compute(token_level_rewards, response_mask, index, settings, params)

    adapter.__name__ = adapter.__qualname__ = estimator.name
    adapter.__doc__ = f"cactl's {estimator.name} for verl: {estimator.summary}."
    return adapter


#: The registered functions, by name.
ADAPTERS: dict[str, Callable[..., tuple[Tensor, Tensor]]] = {}


def register() -> None:
    """Register every name in verl's registry (again after a reload of this module: verl's
    registry refuses a second function under a name, so cactl's own earlier one is kept)."""
    for estimator in ESTIMATORS:
        existing = ADV_ESTIMATOR_REGISTRY.get(estimator.name)
        if existing is not None and getattr(existing, "__module__", None) == __name__:
            ADAPTERS[estimator.name] = existing
            continue
        ADAPTERS[estimator.name] = register_adv_est(estimator.name)(make_adapter(estimator))


register()
