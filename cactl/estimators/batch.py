"""A ragged batch of trajectories: flat per-token and per-step tensors plus offsets.

Trajectory ``i`` owns steps ``step_offsets[i]:step_offsets[i+1]`` and tokens
``token_offsets[i]:token_offsets[i+1]``; step ``k`` (global index) owns tokens
``step_token_offsets[k]:step_token_offsets[k+1]``. Memory is proportional to the number of
tokens and steps, never batch x longest. Index maps: ``step_trajectory`` (step -> trajectory),
``token_step`` (token -> step), ``token_trajectory`` (token -> trajectory). Groups are an integer
tensor ``group`` (one id per trajectory; ``group_names`` holds the labels).

Signals (``fields``) are optional: a step-level field is a ``[num_steps]`` tensor, a token-level
one ``[num_tokens]``; an entry that a trajectory does not give is NaN (or -1 for the integer
``state``/``agent`` ids), and :meth:`TrajectoryBatch.require` refuses it, naming the trajectory.

Field conventions (from the JSONL format):

- ``value``, ``prm``, ``answer_prob``, ``entropy``, ``hindsight_logp``: one number per step.
- ``token_values``: one number per token.
- ``logp``, ``ref_logp``: per token. A step that gives one number (the sum over its tokens) has it
  spread evenly over its tokens, so per-step sums are exact either way.
- ``branch_returns``, ``counterfactual_returns``: the mean per step (``*_count`` holds how many).
- ``state``, ``agent``: integer ids per step (labels in ``state_names``/``agent_names``); states
  are keyed by (group, state) so equal keys in different groups are different anchor states.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import torch
from pydantic import ValidationError
from torch import Tensor

from cactl.errors import InputError
from cactl.estimators.functional import python_label_ids
from cactl.estimators.ops import BlockLayout, block_layout, lengths_to_offsets, offsets_to_index
from cactl.trajectory.model import Trajectory
from cactl.yamlsrc import pydantic_code

#: Step-level float fields, one number per step.
STEP_FIELDS = ("value", "prm", "answer_prob", "entropy", "hindsight_logp")
#: Step-level fields with a list of returns per step (stored as mean and count).
RETURN_LIST_FIELDS = ("branch_returns", "counterfactual_returns")
#: Token-level float fields.
TOKEN_FIELDS = ("token_values", "logp", "ref_logp")
#: Step-level label fields (stored as integer ids).
LABEL_FIELDS = ("state", "agent")

Coalitions = tuple[tuple[tuple[int | str, ...], float], ...]


def _is_missing(tensor: Tensor) -> Tensor:
    if tensor.dtype in (torch.long, torch.int32, torch.int64):
        return tensor < 0
    return torch.isnan(tensor)


@dataclass
class TrajectoryBatch:
    """Trajectories as flat tensors plus offsets; see the module docstring."""

    step_offsets: Tensor
    token_offsets: Tensor
    step_token_offsets: Tensor
    reward: Tensor
    step_reward: Tensor
    group: Tensor
    ids: tuple[str, ...]
    group_names: tuple[str, ...]
    fields: dict[str, Tensor] = field(default_factory=dict)
    state_names: tuple[str, ...] = ()
    agent_names: tuple[str, ...] = ()
    coalitions: tuple[Coalitions | None, ...] | None = None
    #: Column of every token in the padded layout it came from (``from_padded``), else None.
    positions: Tensor | None = None
    padded_shape: tuple[int, int] | None = None
    step_trajectory: Tensor = field(init=False, repr=False)
    token_step: Tensor = field(init=False, repr=False)
    token_trajectory: Tensor = field(init=False, repr=False)
    _layouts: dict[str, BlockLayout] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    #: Fields :meth:`require` found complete (the tensor and its version counter, which
    #: in-place changes bump), so a second call is free.
    _complete: dict[str, tuple[Tensor, int]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        self._validate()
        self.step_trajectory = offsets_to_index(self.step_offsets, self.num_steps)
        self.token_step = offsets_to_index(self.step_token_offsets, self.num_tokens)
        self.token_trajectory = self.step_trajectory[self.token_step]

    # -- sizes -----------------------------------------------------------------------------

    @property
    def num_trajectories(self) -> int:
        return self.step_offsets.numel() - 1

    @property
    def num_steps(self) -> int:
        return int(self.step_offsets[-1])

    @property
    def num_tokens(self) -> int:
        return int(self.token_offsets[-1])

    @property
    def num_groups(self) -> int:
        return len(self.group_names)

    @property
    def device(self) -> torch.device:
        return self.reward.device

    @property
    def dtype(self) -> torch.dtype:
        return self.reward.dtype

    @property
    def token_layout(self) -> BlockLayout:
        """The blocked layout of the trajectories' tokens for the scans (computed once)."""
        if "token" not in self._layouts:
            self._layouts["token"] = block_layout(self.token_offsets)
        return self._layouts["token"]

    @property
    def step_layout(self) -> BlockLayout:
        """The blocked layout of the trajectories' steps for the scans (computed once)."""
        if "step" not in self._layouts:
            self._layouts["step"] = block_layout(self.step_offsets)
        return self._layouts["step"]

    @property
    def step_tokens(self) -> Tensor:
        """Tokens of each step (long)."""
        return self.step_token_offsets[1:] - self.step_token_offsets[:-1]

    @property
    def trajectory_steps(self) -> Tensor:
        """Steps of each trajectory (long)."""
        return self.step_offsets[1:] - self.step_offsets[:-1]

    @property
    def trajectory_tokens(self) -> Tensor:
        """Tokens of each trajectory (long)."""
        return self.token_offsets[1:] - self.token_offsets[:-1]

    @property
    def last_step(self) -> Tensor:
        """Bool ``[num_steps]``: the step is its trajectory's last."""
        last = torch.zeros(self.num_steps, dtype=torch.bool, device=self.device)
        last[self.step_offsets[1:] - 1] = True
        return last

    @property
    def last_token_of_step(self) -> Tensor:
        """Long ``[num_steps]``: index of each step's last token."""
        return self.step_token_offsets[1:] - 1

    def token_rewards(self) -> Tensor:
        """Rewards per token: each step's reward on its last token, the outcome on the
        trajectory's last token (the convention of trainers: reward on the last valid token)."""
        rewards = torch.zeros(self.num_tokens, dtype=self.dtype, device=self.device)
        rewards.index_add_(0, self.last_token_of_step, self.step_reward)
        rewards.index_add_(0, self.token_offsets[1:] - 1, self.reward)
        return rewards

    def step_rewards(self) -> Tensor:
        """Rewards per step: the step's own reward, plus the outcome on the last step."""
        rewards = self.step_reward.clone()
        rewards.index_add_(0, self.step_offsets[1:] - 1, self.reward)
        return rewards

    def name(self, index: int) -> str:
        """``trajectory 3 (id 'abc')``, for messages (errors carry the index as a field)."""
        return f"trajectory {index} (id {self.ids[index]!r})"

    # -- validation ------------------------------------------------------------------------

    def _validate(self) -> None:
        n = self.step_offsets.numel() - 1
        if n < 1:
            raise InputError("the batch is empty", expected="at least one trajectory", found="0")
        if len(self.ids) != n or self.token_offsets.numel() != n + 1 or self.reward.numel() != n:
            raise InputError(
                "inconsistent batch sizes",
                expected=f"{n} ids, rewards and token offsets",
                found=f"{len(self.ids)} ids, {self.reward.numel()} rewards, "
                f"{self.token_offsets.numel() - 1} token offsets",
            )
        steps = self.step_offsets[1:] - self.step_offsets[:-1]
        bad = torch.nonzero(steps < 1).flatten()
        if bad.numel():
            i = int(bad[0])
            raise InputError(
                f"trajectory {i} (id {self.ids[i]!r}) has no steps",
                field="steps",
                expected="at least one step",
                found=str(int(steps[i])),
            )
        tokens = self.step_token_offsets[1:] - self.step_token_offsets[:-1]
        bad = torch.nonzero(tokens < 1).flatten()
        if bad.numel():
            k = int(bad[0])
            i = int(torch.searchsorted(self.step_offsets, k, right=True)) - 1
            raise InputError(
                f"trajectory {i} (id {self.ids[i]!r}): step {k - int(self.step_offsets[i])} "
                "has a token count below 1",
                field=f"steps[{k - int(self.step_offsets[i])}].tokens",
                expected="an integer >= 1",
                found=str(int(tokens[k])),
            )
        if not torch.equal(self.token_offsets, self.step_token_offsets[self.step_offsets]):
            raise InputError("token offsets do not match the steps' token offsets")
        _check_finite(self.reward, "reward", self, per="trajectory")
        _check_finite(self.step_reward, "steps[].reward", self, per="step")
        for name, tensor in self.fields.items():
            # NaN marks a missing entry; infinity is a number too large for the float dtype.
            if tensor.is_floating_point() and bool(torch.isinf(tensor).any()):
                per = (
                    "token"
                    if tensor.numel() == self.num_tokens and name in TOKEN_FIELDS
                    else "step"
                )
                where = name if per == "token" else f"steps[].{name}"
                _check_finite(tensor.masked_fill(tensor.isnan(), 0.0), where, self, per=per)

    def require(self, name: str) -> Tensor:
        """The tensor of a signal, or an InputError naming the first trajectory without it."""
        tensor = self.fields.get(name)
        if tensor is None:
            raise InputError(
                f"the batch has no {name!r} (no trajectory gives it)",
                field=name,
                expected=f"{name} on every step",
                found="missing",
            )
        checked = self._complete.get(name)
        if checked is not None and checked[0] is tensor and checked[1] == tensor._version:
            return tensor  # checked before, neither replaced nor changed in place since
        missing = _is_missing(tensor)
        if bool(missing.any()):
            first = int(torch.nonzero(missing).flatten()[0])
            per_token = tensor.numel() == self.num_tokens and name in TOKEN_FIELDS
            step = int(self.token_step[first]) if per_token else first
            i = int(self.step_trajectory[step])
            local = step - int(self.step_offsets[i])
            raise InputError(
                f"{self.name(i)}: step {local} has no {name!r}",
                field=f"steps[{local}].{name}",
                expected=f"{name} on every step",
                found="missing",
                code="missing-field",
                trajectory=i,
            )
        self._complete[name] = (tensor, tensor._version)
        return tensor

    def require_coalitions(self) -> tuple[Coalitions, ...]:
        """The coalitions tables, or an InputError naming the first trajectory without one."""
        tables = self.coalitions or (None,) * self.num_trajectories
        for i, table in enumerate(tables):
            if table is None:
                raise InputError(
                    f"{self.name(i)} has no coalitions table",
                    field="coalitions",
                    expected="coalition values for all subsets of the players",
                    found="missing",
                    code="missing-field",
                    trajectory=i,
                )
        return tuple(t for t in tables if t is not None)

    # -- conversions -----------------------------------------------------------------------

    def to(
        self, device: torch.device | str | None = None, dtype: torch.dtype | None = None
    ) -> TrajectoryBatch:
        """The same batch on another device and/or float dtype (indices stay long)."""

        def move(tensor: Tensor) -> Tensor:
            if tensor.is_floating_point() and dtype is not None:
                return tensor.to(device=device, dtype=dtype)
            return tensor.to(device=device)

        return replace(
            self,
            step_offsets=move(self.step_offsets),
            token_offsets=move(self.token_offsets),
            step_token_offsets=move(self.step_token_offsets),
            reward=move(self.reward),
            step_reward=move(self.step_reward),
            group=move(self.group),
            fields={name: move(tensor) for name, tensor in self.fields.items()},
            positions=None if self.positions is None else move(self.positions),
        )

    def to_padded(self, values: Tensor, fill: float = 0.0) -> Tensor:
        """Per-token (or per-step, spread over tokens) values as ``[batch, time]``.

        A batch made by :meth:`from_padded` goes back to its original shape and columns;
        otherwise rows are left-aligned and as long as the longest trajectory.
        """
        if values.numel() == self.num_steps and values.numel() != self.num_tokens:
            values = values[self.token_step]
        if self.positions is not None and self.padded_shape is not None:
            rows, cols = self.padded_shape
            column = self.positions
        else:
            rows = self.num_trajectories
            cols = int(self.trajectory_tokens.max())
            column = (
                torch.arange(self.num_tokens, device=self.device)
                - self.token_offsets[self.token_trajectory]
            )
        out = torch.full((rows, cols), fill, dtype=values.dtype, device=values.device)
        out[self.token_trajectory, column] = values
        return out

    def padded_mask(self) -> Tensor:
        """Bool ``[batch, time]``: where :meth:`to_padded` puts tokens."""
        ones = torch.ones(self.num_tokens, dtype=torch.bool, device=self.device)
        return self.to_padded(ones.to(self.dtype)).bool()

    # -- constructors ----------------------------------------------------------------------

    @classmethod
    def from_trajectories(
        cls,
        trajectories: Sequence[Trajectory | Mapping[str, Any]],
        *,
        device: torch.device | str | None = None,
        dtype: torch.dtype = torch.float32,
    ) -> TrajectoryBatch:
        """A batch from trajectory models (or dicts in the JSONL format, validated here)."""
        models = [_as_model(t, i) for i, t in enumerate(trajectories)]
        if not models:
            raise InputError("no trajectories", expected="at least one trajectory", found="0")
        group_ids: dict[str, int] = {}
        state_ids: dict[tuple[str, str], int] = {}
        agent_ids: dict[str, int] = {}
        step_counts: list[int] = []
        step_tokens: list[int] = []
        step_reward: list[float] = []
        step_values: dict[str, list[float]] = {name: [] for name in STEP_FIELDS}
        list_means: dict[str, list[float]] = {name: [] for name in RETURN_LIST_FIELDS}
        list_counts: dict[str, list[float]] = {name: [] for name in RETURN_LIST_FIELDS}
        token_values: dict[str, list[float]] = {name: [] for name in TOKEN_FIELDS}
        labels: dict[str, list[int]] = {name: [] for name in LABEL_FIELDS}
        present: set[str] = set()
        nan = math.nan
        # Only the optional fields some step sets are gathered (a field no step sets is absent
        # from the batch, and gathering its NaNs token by token was most of the time here).
        given: set[str] = set()
        for traj in models:
            for step in traj.steps:
                given |= step.model_fields_set
        step_names = [name for name in STEP_FIELDS if name in given]
        list_names = [name for name in RETURN_LIST_FIELDS if name in given]
        token_names = [name for name in TOKEN_FIELDS if name in given]
        with_state, with_agent = "state" in given, "agent" in given
        for traj in models:
            group_ids.setdefault(traj.group, len(group_ids))
            step_counts.append(len(traj.steps))
            for step in traj.steps:
                step_tokens.append(step.tokens)
                step_reward.append(step.reward)
                for name in step_names:
                    value = getattr(step, name)
                    if value is not None:
                        present.add(name)
                    step_values[name].append(nan if value is None else float(value))
                for name in list_names:
                    returns = getattr(step, name)
                    if returns is not None:
                        present.add(name)
                        # Each term divided first: the sum of huge returns does not overflow.
                        list_means[name].append(math.fsum(r / len(returns) for r in returns))
                        list_counts[name].append(float(len(returns)))
                    else:
                        list_means[name].append(nan)
                        list_counts[name].append(0.0)
                for name in token_names:
                    value = getattr(step, name)
                    if value is None:
                        token_values[name].extend([nan] * step.tokens)
                    elif isinstance(value, list):
                        present.add(name)
                        token_values[name].extend(float(v) for v in value)
                    else:
                        present.add(name)
                        token_values[name].extend([float(value) / step.tokens] * step.tokens)
                if with_state:
                    if step.state is not None:
                        present.add("state")
                        key = (traj.group, step.state)
                        labels["state"].append(state_ids.setdefault(key, len(state_ids)))
                    else:
                        labels["state"].append(-1)
                if with_agent:
                    if step.agent is not None:
                        present.add("agent")
                        labels["agent"].append(agent_ids.setdefault(step.agent, len(agent_ids)))
                    else:
                        labels["agent"].append(-1)

        def floats(values: list[float]) -> Tensor:
            return torch.tensor(values, dtype=dtype, device=device)

        def longs(values: list[int]) -> Tensor:
            return torch.tensor(values, dtype=torch.long, device=device)

        fields: dict[str, Tensor] = {}
        for name in STEP_FIELDS:
            if name in present:
                fields[name] = floats(step_values[name])
        for name in RETURN_LIST_FIELDS:
            if name in present:
                fields[name] = floats(list_means[name])
                fields[name.replace("_returns", "_count")] = floats(list_counts[name])
        for name in TOKEN_FIELDS:
            if name in present:
                fields[name] = floats(token_values[name])
        for name in LABEL_FIELDS:
            if name in present:
                fields[name] = longs(labels[name])
        step_offsets = lengths_to_offsets(longs(step_counts))
        step_token_offsets = lengths_to_offsets(longs(step_tokens))
        has_coalitions = any(t.coalitions is not None for t in models)
        return cls(
            step_offsets=step_offsets,
            token_offsets=step_token_offsets[step_offsets],
            step_token_offsets=step_token_offsets,
            reward=floats([t.reward for t in models]),
            step_reward=floats(step_reward),
            group=longs([group_ids[t.group] for t in models]),
            ids=tuple(t.id for t in models),
            group_names=tuple(group_ids),
            fields=fields,
            state_names=tuple(f"{g}/{s}" for g, s in state_ids),
            agent_names=tuple(agent_ids),
            coalitions=tuple(
                None
                if t.coalitions is None
                else tuple((tuple(c.members), float(c.value)) for c in t.coalitions)
                for t in models
            )
            if has_coalitions
            else None,
        )

    @classmethod
    def from_padded(
        cls,
        mask: Tensor,
        reward: Tensor,
        *,
        values: Tensor | None = None,
        group: Tensor | Sequence[Any] | None = None,
        steps: str = "runs",
        ids: Sequence[str] | None = None,
        dtype: torch.dtype | None = None,
    ) -> TrajectoryBatch:
        """A batch from the trainer layout: ``mask [batch, time]`` (1 = generated token), the
        outcome ``reward [batch]``, optional per-token ``values [batch, time]`` (the critic,
        becoming ``token_values``) and group labels (a sequence or an integer tensor).

        ``steps="runs"``: each maximal run of valid tokens in a row is a step (multi-turn rows,
        where environment tokens are masked out); ``steps="row"``: one step per row. Rows
        without a valid token are refused. :meth:`to_padded` restores the layout.
        """
        if mask.dim() != 2:
            raise InputError(
                "the mask must be two-dimensional",
                field="mask",
                expected="[batch, time]",
                found=str(tuple(mask.shape)),
            )
        if steps not in ("runs", "row"):
            raise InputError(
                "unknown step layout", field="steps", expected="runs or row", found=repr(steps)
            )
        valid = mask.bool()
        rows, cols = valid.shape
        dtype = dtype or (reward.dtype if reward.is_floating_point() else torch.float32)
        device = mask.device
        names = tuple(ids) if ids is not None else tuple(str(i) for i in range(rows))
        if reward.shape != (rows,):
            raise InputError(
                "reward must have one entry per row",
                field="reward",
                expected=f"shape ({rows},)",
                found=str(tuple(reward.shape)),
            )
        counts = valid.sum(dim=1)
        empty = torch.nonzero(counts == 0).flatten()
        if empty.numel():
            i = int(empty[0])
            raise InputError(
                f"trajectory {i} (id {names[i]!r}) has no valid token",
                field="mask",
                expected="at least one 1 per row",
                found="an all-zero row",
            )
        row, column = torch.nonzero(valid, as_tuple=True)
        if steps == "runs":
            previous = torch.zeros_like(valid)
            previous[:, 1:] = valid[:, :-1]
            start = (valid & ~previous)[row, column]
        else:
            start = torch.zeros(row.numel(), dtype=torch.bool, device=device)
            start[lengths_to_offsets(counts)[:-1]] = True
        starts = torch.nonzero(start).flatten()
        step_token_offsets = torch.cat([starts, torch.tensor([row.numel()], device=device)])
        steps_per_row = torch.bincount(row[starts], minlength=rows)
        step_offsets = lengths_to_offsets(steps_per_row)
        group_ids, group_names = _group_ids(group, rows, device)
        fields: dict[str, Tensor] = {}
        batch_reward = reward.to(dtype)
        if values is not None:
            if values.shape != valid.shape:
                raise InputError(
                    "values must have the mask's shape",
                    field="values",
                    expected=str(tuple(valid.shape)),
                    found=str(tuple(values.shape)),
                )
            fields["token_values"] = values[row, column].to(dtype)
        batch = cls(
            step_offsets=step_offsets,
            token_offsets=lengths_to_offsets(counts),
            step_token_offsets=step_token_offsets,
            reward=batch_reward,
            step_reward=torch.zeros(starts.numel(), dtype=dtype, device=device),
            group=group_ids,
            ids=names,
            group_names=group_names,
            fields=fields,
            positions=column,
            padded_shape=(rows, cols),
        )
        if values is not None:
            _check_finite(fields["token_values"], "token_values", batch, per="token")
        return batch


def _group_ids(
    group: Tensor | Sequence[Any] | None, rows: int, device: torch.device
) -> tuple[Tensor, tuple[str, ...]]:
    """Integer group ids (first-seen order, :func:`~cactl.estimators.functional.python_label_ids`)
    and their labels."""
    if group is None:
        return torch.arange(rows, device=device), tuple(str(i) for i in range(rows))
    labels = group.tolist() if isinstance(group, Tensor) else list(group)
    if len(labels) != rows:
        raise InputError(
            "group labels must have one entry per row",
            field="group",
            expected=f"{rows} labels",
            found=str(len(labels)),
        )
    ids, firsts = python_label_ids(labels)
    return torch.tensor(ids, dtype=torch.long, device=device), tuple(str(f) for f in firsts)


def _check_finite(tensor: Tensor, name: str, batch: TrajectoryBatch, *, per: str) -> None:
    bad = ~torch.isfinite(tensor)
    if not bool(bad.any()):
        return
    first = int(torch.nonzero(bad).flatten()[0])
    if per == "trajectory":
        i, where = first, name
    elif per == "step":
        i = int(torch.searchsorted(batch.step_offsets, first, right=True)) - 1
        where = name.replace("[]", f"[{first - int(batch.step_offsets[i])}]")
    else:
        i = int(torch.searchsorted(batch.token_offsets, first, right=True)) - 1
        where = f"{name}[{first - int(batch.token_offsets[i])}]"
    limit = torch.finfo(tensor.dtype).max
    raise InputError(
        f"{batch.name(i)}: {where} is not a finite number",
        field=where,
        expected=f"a finite number (at most {limit:.3g} in size for {str(tensor.dtype)[6:]})",
        found=str(float(tensor[first])),
        code="not-finite",
        trajectory=i,
    )


def _as_model(trajectory: Trajectory | Mapping[str, Any], index: int) -> Trajectory:
    if isinstance(trajectory, Trajectory):
        return trajectory
    try:
        return Trajectory.model_validate(trajectory)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"])
        ident = trajectory.get("id") if isinstance(trajectory, Mapping) else None
        label = f"trajectory {index}" + (f" (id {ident!r})" if ident is not None else "")
        raise InputError(
            f"{label}: {error['msg']}",
            field=where or None,
            found=repr(error.get("input"))[:80],
            code=pydantic_code(str(error["type"])),
            trajectory=index,
        ) from None
