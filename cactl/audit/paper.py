"""The paper metadata schema audited by ``cactl audit`` (one YAML file per paper).

Every field is optional: a missing field is a checklist finding, not a parse error. Wrong types,
unknown keys and bad vocabulary values are errors (exit 2), all reported at once with line and
column. Each section and each list entry can say where in the paper it is reported (``where``).
"""

from __future__ import annotations

import re
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, ClassVar

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    Strict,
    ValidationError,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from cactl.errors import InputError, InputErrors, did_you_mean, raise_all
from cactl.fileio import source_name
from cactl.vocab import BaselineFamily, Granularity, Methodology, Setting
from cactl.yamlsrc import Positions, load_yaml_text, read_text, validation_errors


def _number_as_text(value: Any) -> Any:
    # Sizes and counts are often written as numbers (size: 7, seeds: "3"); accept numbers
    # where text is expected so that `size: 7` and `size: "7B"` both work.
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return value


Text = Annotated[str, BeforeValidator(_number_as_text)]

#: Numbers and counts are strict: ``true`` is not 1 seed, and ``"1536"`` (quoted) is text, not a
#: number of GPU-hours (an integer is a number).
Number = Annotated[float, Strict()]
Count = Annotated[int, Strict()]

WHERE = "Where in the paper this is reported, e.g. 'Table 3' or 'Section 4.2'."
NOT_CHECKED = (
    "The auditor could not read this part of the paper: a reason for the whole section, or "
    "a mapping from field name to reason. Items that depend on it report 'not checked'."
)

#: Keys of a section that are not its fields.
NOT_FIELDS = frozenset({"where", "not_checked", "omissions"})

#: What ``not_checked`` holds: a reason for the whole section, or one reason per field.
NotChecked = Text | dict[str, Text]

#: Numbers in papers are finite: ``.inf``, ``1e999`` and ``.nan`` are errors (exit 2).
FINITE = ConfigDict(extra="forbid", allow_inf_nan=False)


def _check_not_checked(model: type[BaseModel], value: Any) -> Any:
    """A field-level ``not_checked`` names fields of its own section."""
    if isinstance(value, dict):
        known = [name for name in model.model_fields if name not in NOT_FIELDS]
        for key in value:
            if key not in known:
                hint = did_you_mean(str(key), known)
                raise ValueError(
                    f"not_checked names {key!r}, which is not a field here"
                    + (f"; {hint}" if hint else f"; fields: {', '.join(known)}")
                )
    return value


def _not_checked_schema(model: type[BaseModel], schema: dict[str, Any]) -> None:
    """In the JSON Schema, the field-level form of ``not_checked`` lists the section's fields."""
    prop = schema.get("properties", {}).get("not_checked")
    if prop is None:
        return
    known = [name for name in model.model_fields if name not in NOT_FIELDS]
    prop.pop("anyOf", None)
    prop["anyOf"] = [
        {"type": "string"},
        {
            "type": "object",
            "propertyNames": {"enum": known},
            "additionalProperties": {"type": "string"},
        },
        {"type": "null"},
    ]


class Section(BaseModel):
    """Base of every section: no unknown keys, a ``where`` pointer and ``not_checked``."""

    model_config = FINITE

    #: Fields ``cactl init``'s template leaves out (they still load).
    template_hidden: ClassVar[frozenset[str]] = frozenset({"not_checked"})

    where: Text | None = Field(None, description=WHERE)
    not_checked: NotChecked | None = Field(None, description=NOT_CHECKED)

    @field_validator("not_checked")
    @classmethod
    def _not_checked_fields(cls, value: Any) -> Any:
        return _check_not_checked(cls, value)

    @classmethod
    def __get_pydantic_json_schema__(
        cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        schema = handler.resolve_ref_schema(handler(core_schema))
        _not_checked_schema(cls, schema)
        return schema


#: An arXiv id as audit accepts it (also the pattern of the JSON Schema).
ARXIV_PATTERN = r"^(arXiv:)?[0-9]{4}\.[0-9]{4,5}(v[0-9]+)?$"


class PaperInfo(Section):
    """Bibliographic identity of the paper."""

    title: Text | None = Field(None, description="Full title of the paper.")
    arxiv: Text | None = Field(
        None,
        description="arXiv id, e.g. 2505.10978.",
        json_schema_extra={"pattern": ARXIV_PATTERN},
    )
    doi: Text | None = Field(None, description="DOI, e.g. 10.1234/abcd.")
    url: Text | None = Field(None, description="Link to the paper.")
    year: Count | None = Field(None, ge=1950, le=2100, description="Year of publication.")
    venue: Text | None = Field(None, description="Venue, when published (e.g. NeurIPS 2025).")

    @field_validator("arxiv")
    @classmethod
    def _arxiv(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(ARXIV_PATTERN, value):
            raise ValueError(f"arXiv id must look like 2505.10978, found {value!r}")
        return value


class Model(Section):
    """The base model that the credit-assignment method trains."""

    name: Text | None = Field(None, description="Base model name, e.g. Qwen2.5-7B-Instruct.")
    size: Text | None = Field(None, description="Parameter count, e.g. 7B.")
    version: Text | None = Field(None, description="Release or checkpoint version, e.g. 2.5.")
    other_models: list[Text] | None = Field(
        None, description="Other base models the paper also trains with the method."
    )


class Data(Section):
    """The training data (prompts, tasks or environments)."""

    source: Text | None = Field(None, description="Where the training data comes from.")
    size: Text | None = Field(None, description="How much: problems, tasks or episodes.")
    filtering: Text | None = Field(None, description="How the data was filtered or selected.")


class MethodologySource(str, Enum):
    """Who assigned the methodology family.

    - ``paper``: the paper states it, or its computation makes it explicit.
    - ``auditor``: only the auditor assigned it (the paper does not say).
    """

    paper = "paper"
    auditor = "auditor"


def _case_insensitive(text: str) -> str:
    """An ECMA-262 pattern matching ``text`` exactly, in any case (JSON Schema has no flags)."""
    out = []
    for char in text:
        if char.lower() != char.upper():
            out.append(f"[{re.escape(char.lower())}{re.escape(char.upper())}]")
        else:
            out.append(re.escape(char))
    return "".join(out)


def inventory_keys() -> tuple[list[str], list[str]]:
    """The names audit accepts for ``method.inventory``: the methods' names (for completion)
    and every name and id in the form the inventory matches (any case)."""
    from cactl.inventory_index import method_index

    index = method_index()
    return list(index.names), list(index.keys)


class Method(Section):
    """The credit-assignment method, in the survey's taxonomy."""

    @classmethod
    def __get_pydantic_json_schema__(
        cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        schema = super().__get_pydantic_json_schema__(core_schema, handler)
        prop = schema.get("properties", {}).get("inventory")
        if prop is not None:
            names, keys = inventory_keys()
            alternatives = "|".join(_case_insensitive(k) for k in dict.fromkeys(keys))
            pattern = rf"^\s*(?:(?:[aA][rR][xX][iI][vV]|[oO][pP][eE][nN][rR][eE][vV][iI][eE][wW]):)?(?:{alternatives})\s*$"
            prop.pop("anyOf", None)
            prop["anyOf"] = [
                {"enum": names},
                {"type": "string", "pattern": pattern},
                {"type": "null"},
            ]
        return schema

    name: Text | None = Field(None, description="Name of the method.")
    inventory: Text | None = Field(
        None,
        description="Its name in cactl's inventory when it is a surveyed method (cactl methods list).",
    )
    granularity: Annotated[
        list[Granularity] | None,
        WithJsonSchema(
            {
                "anyOf": [
                    {"type": "array", "items": {"enum": [g.value for g in Granularity]}},
                    {"enum": [g.value for g in Granularity]},
                    {"type": "null"},
                ]
            }
        ),
    ] = Field(
        None,
        description="Unit that receives credit: token, segment, step, turn, multi-agent (one or a list).",
    )
    methodology: Methodology | None = Field(
        None,
        description="How credit is computed: monte-carlo, temporal-difference, model-based, "
        "game-theoretic, information-theoretic.",
    )
    methodology_source: MethodologySource | None = Field(
        None,
        description="paper (the paper states the family, or its computation makes it explicit) "
        "or auditor (only the auditor assigned it).",
    )

    @field_validator("granularity", mode="before")
    @classmethod
    def _one_or_list(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value


class BaselineCompute(str, Enum):
    """How the baseline's training compute relates to the method's.

    - ``matched``: the same compute budget (GPU-hours or FLOPs).
    - ``compared``: an explicit comparison of the compute both used.
    - ``same-steps``: the same number of training steps, compute not compared.
    - ``same-samples``: the same number of environment samples or training examples (data),
      compute not compared.
    - ``not-controlled``: the paper says compute differs and is not accounted for.
    """

    matched = "matched"
    compared = "compared"
    same_steps = "same-steps"
    same_samples = "same-samples"
    not_controlled = "not-controlled"


class Baseline(Section):
    """One baseline the method is compared against."""

    name: Text | None = Field(None, description="Baseline name, e.g. GRPO.")
    family: BaselineFamily | None = Field(
        None,
        description="group-relative (GRPO, RLOO, ...), actor-critic (PPO), preference, "
        "prompting, other, unknown.",
    )
    base_model: Text | None = Field(None, description="The base model the baseline trains.")
    compute: BaselineCompute | None = Field(
        None, description="matched, compared, same-steps, same-samples or not-controlled."
    )


class Ablation(Section):
    """One ablation study."""

    component: Text | None = Field(None, description="What is removed or replaced.")
    isolates_ca: bool | None = Field(
        None, description="Whether it isolates the credit-assignment component's contribution."
    )


class Benchmark(Section):
    """One evaluation benchmark."""

    name: Text | None = Field(None, description="Benchmark name, e.g. ALFWorld.")
    split: Text | None = Field(None, description="The exact split or subset evaluated on.")


class Metric(Section):
    """One evaluation metric."""

    name: Text | None = Field(None, description="Metric name, e.g. pass@1.")
    definition: Text | None = Field(None, description="Its exact definition.")


class VarianceKind(str, Enum):
    """How the spread of results is reported.

    - ``std``: standard deviation over training runs (seeds).
    - ``stderr``: standard error over training runs.
    - ``confidence-interval``: confidence intervals over training runs.
    - ``central``: a central value of several runs (their median or mean), no spread.
    - ``sampling``: several samples per problem inside one training run (e.g. pass@k,
      avg@k), no spread over runs.
    - ``none``: point estimates only.
    """

    std = "std"
    stderr = "stderr"
    confidence_interval = "confidence-interval"
    central = "central"
    sampling = "sampling"
    none = "none"


class Evaluation(Section):
    """How the method is evaluated."""

    benchmarks: list[Benchmark] | None = Field(None, description="Benchmarks with their splits.")
    metrics: list[Metric] | None = Field(None, description="Metrics with their definitions.")
    seeds: Count | None = Field(None, ge=1, description="Independent training runs (seeds).")
    variance: VarianceKind | None = Field(
        None, description="std, stderr, confidence-interval, central, sampling or none."
    )


class CAOverhead(Section):
    """What the credit assignment costs on top of the episode-level baseline."""

    extra_forward_passes: Text | None = Field(
        None, description="Extra forward passes (rollouts, critic or reward-model calls)."
    )
    environment_resets: Text | None = Field(
        None, description="Extra environment resets or state restores (branching)."
    )
    llm_calls: Text | None = Field(None, description="Extra LLM calls (judges, critics).")
    note: Text | None = Field(None, description="Any other statement about the overhead.")
    extra_forward_passes_per_sample: Number | None = Field(
        None, ge=0, description="Number: extra forward passes per training sample."
    )
    environment_resets_per_sample: Number | None = Field(
        None, ge=0, description="Number: extra environment resets per training sample."
    )
    llm_calls_per_sample: Number | None = Field(
        None, ge=0, description="Number: extra LLM calls per training sample."
    )
    wall_clock_overhead_percent: Number | None = Field(
        None, description="Number: measured extra wall-clock time, in percent of the baseline's."
    )
    gpu_hours_overhead: Number | None = Field(
        None, ge=0, description="Number: measured extra GPU-hours."
    )


class Compute(Section):
    """Training compute."""

    gpu_hours: Number | None = Field(None, gt=0, description="Total training GPU-hours.")
    hardware: Text | None = Field(None, description="Accelerators used, e.g. 8x H100 80GB.")
    ca_overhead: CAOverhead | None = None


class LengthUnit(str, Enum):
    """Unit of trajectory length: tokens (reasoning) or turns (agentic, multi-agent)."""

    tokens = "tokens"
    turns = "turns"


LENGTHS = ("mean", "min", "median", "max", "cap")

ORDER = {
    ("min", "median"),
    ("min", "mean"),
    ("min", "max"),
    ("median", "max"),
    ("mean", "max"),
    ("min", "cap"),
    ("median", "cap"),
    ("mean", "cap"),
    ("max", "cap"),
}


def _check_order(values: dict[str, float | None]) -> None:
    given = [(name, value) for name, value in values.items() if value is not None]
    for low_name, low in given:
        for high_name, high in given:
            if (low_name, high_name) in ORDER and low > high:
                raise ValueError(f"{low_name} ({low:g}) is larger than {high_name} ({high:g})")


class Lengths(Section):
    """Trajectory lengths in one unit."""

    mean: Number | None = Field(None, gt=0, description="Average length.")
    min: Number | None = Field(None, gt=0, description="Shortest observed.")
    median: Number | None = Field(None, gt=0, description="Median.")
    max: Number | None = Field(None, gt=0, description="Longest observed (not the limit).")
    cap: Number | None = Field(
        None, gt=0, description="The generation or turn limit (a limit, not a length)."
    )

    @model_validator(mode="after")
    def _ordered(self) -> Lengths:
        _check_order({name: getattr(self, name) for name in LENGTHS})
        return self


class Trajectories(Section):
    """Trajectory lengths (tokens for reasoning RL, turns for agentic RL).

    Either the flat form (``unit`` with mean, min, median, max, cap) or one block per unit
    (``tokens:`` and ``turns:``, each with mean, min, median, max, cap), when a paper reports
    both.
    """

    unit: LengthUnit | None = Field(None, description="tokens or turns (of the flat form).")
    mean: Number | None = Field(None, gt=0, description="Average length.")
    min: Number | None = Field(None, gt=0, description="Shortest observed.")
    median: Number | None = Field(None, gt=0, description="Median.")
    max: Number | None = Field(None, gt=0, description="Longest observed (not the limit).")
    cap: Number | None = Field(
        None, gt=0, description="The generation or turn limit (a limit, not a length)."
    )
    template_hidden: ClassVar[frozenset[str]] = frozenset({"not_checked", "unit", *LENGTHS})

    tokens: Lengths | None = Field(None, description="Lengths in tokens.")
    turns: Lengths | None = Field(None, description="Lengths in turns.")

    @model_validator(mode="after")
    def _ordered(self) -> Trajectories:
        flat = {name: getattr(self, name) for name in LENGTHS}
        _check_order(flat)
        if any(value is not None for value in flat.values()):
            if self.unit is not None and getattr(self, self.unit.value) is not None:
                raise ValueError(
                    f"lengths in {self.unit.value} are given twice: in the flat form and in "
                    f"the {self.unit.value} block"
                )
            if self.unit is None and (self.tokens is not None or self.turns is not None):
                raise ValueError("the flat lengths need their unit next to a tokens or turns block")
        return self

    def by_unit(self) -> dict[str, Lengths]:
        """The lengths per unit, the flat form (when its unit is known) folded in."""
        found: dict[str, Lengths] = {}
        for unit in LengthUnit:
            block = getattr(self, unit.value)
            if block is not None:
                found[unit.value] = block
        if self.unit is not None and any(getattr(self, name) is not None for name in LENGTHS):
            found[self.unit.value] = Lengths(**{name: getattr(self, name) for name in LENGTHS})
        return found


class Observability(str, Enum):
    full = "full"
    partial = "partial"


class RewardType(str, Enum):
    """Feedback the policy is trained on."""

    outcome = "outcome"
    process = "process"
    mixed = "mixed"


class Protocol(Section):
    """Benchmark-protocol metadata (the survey's section 9)."""

    task_family: Text | None = Field(
        None, description="Task family, e.g. math, code, web, embodied, search."
    )
    horizon: Count | None = Field(None, ge=1, description="Typical number of turns or steps.")
    stochastic_transitions: bool | None = Field(
        None, description="Whether environment transitions are stochastic."
    )
    observability: Observability | None = Field(None, description="full or partial.")
    reward_type: RewardType | None = Field(None, description="outcome, process or mixed.")
    branchable_states: bool | None = Field(
        None, description="Whether intermediate states can be restored and branched from."
    )
    bifurcation_results: Text | None = Field(
        None, description="Results on controlled bifurcation tasks, if any."
    )


OMISSIONS = (
    "Justified omissions: a section name or checklist item id, with the reason the paper has "
    "no such report (e.g. an offline setting with no GRPO or PPO baseline). Shown beside the "
    "item's status, which does not change."
)


class Paper(BaseModel):
    """The credit-assignment reporting metadata of one paper."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, title="cactl paper metadata")

    paper: PaperInfo | None = None
    regime: Setting | None = Field(None, description="reasoning, agentic or multi-agent.")
    model: Model | None = None
    data: Data | None = None
    method: Method | None = None
    baselines: list[Baseline] | None = None
    ablations: list[Ablation] | None = None
    evaluation: Evaluation | None = None
    compute: Compute | None = None
    trajectories: Trajectories | None = None
    protocol: Protocol | None = None
    not_checked: NotChecked | None = Field(
        None,
        description="Parts of the paper the auditor could not read: a reason for the whole "
        "paper, or a mapping from section name to reason.",
    )
    omissions: dict[Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")], Text] | None = Field(
        None, description=OMISSIONS
    )

    @field_validator("not_checked")
    @classmethod
    def _not_checked_fields(cls, value: Any) -> Any:
        return _check_not_checked(cls, value)

    @classmethod
    def __get_pydantic_json_schema__(
        cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        schema = handler.resolve_ref_schema(handler(core_schema))
        _not_checked_schema(cls, schema)
        return schema


def parse_paper(data: Any, positions: Positions) -> Paper:
    """Validate parsed YAML as a :class:`Paper`; every problem located, all at once."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise positions.error(
            (),
            "a paper file must be a mapping of sections",
            expected="a mapping",
            found=type(data).__name__,
        )
    errors = [*positions.problems, *_inventory_errors(data, positions)]
    try:
        paper = Paper.model_validate(data)
    except ValidationError as exc:
        errors = [*validation_errors(exc, positions, Paper).errors, *errors]
        errors.sort(key=lambda e: (e.line or 0, e.column or 0))
        raise InputErrors(errors) from None
    errors.sort(key=lambda e: (e.line or 0, e.column or 0))
    raise_all(errors)
    return paper


def _inventory_errors(data: dict[Any, Any], positions: Positions) -> list[InputError]:
    """The method's inventory name, checked against the surveyed methods (any case)."""
    method = data.get("method")
    name = method.get("inventory") if isinstance(method, dict) else None
    if not isinstance(name, str):
        return []  # absent, or a type error the schema reports
    from cactl.inventory_index import method_index

    index = method_index()
    if index.find(name) is not None:
        return []
    return [
        positions.error(
            ("method", "inventory"),
            f"no method named {name!r} in the inventory",
            expected="a surveyed method's name (cactl methods list)",
            found=repr(name),
            hint=did_you_mean(name, index.names),
        )
    ]


def load_paper_text(text: str, file: str) -> tuple[Paper, Any, Positions]:
    """Parse and validate paper YAML text: ``(paper, raw data, positions)``."""
    data, positions = load_yaml_text(text, file, keep_going=True)
    return parse_paper(data, positions), data, positions


def load_paper(path: Path | str) -> tuple[Paper, Any, Positions]:
    """Read, parse and validate one paper file."""
    return load_paper_text(read_text(path, what="paper file"), source_name(path))


__all__ = [
    "Ablation",
    "Baseline",
    "BaselineCompute",
    "Benchmark",
    "CAOverhead",
    "Compute",
    "Data",
    "Evaluation",
    "LengthUnit",
    "Lengths",
    "Method",
    "MethodologySource",
    "Metric",
    "Model",
    "Observability",
    "Paper",
    "PaperInfo",
    "Protocol",
    "RewardType",
    "Trajectories",
    "VarianceKind",
    "load_paper",
    "load_paper_text",
]
