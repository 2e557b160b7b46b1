"""The surveyed credit-assignment methods as data (``cactl/data/inventory/methods.yaml``).

Pure Python and pydantic: no printing, no torch. The file is validated when it loads; a
typo in a vocabulary or a duplicate name is a load error with file, line and column.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from cactl.errors import InputError, closest
from cactl.resources import read_builtin
from cactl.vocab import (
    BaselineFamily,
    Collection,
    EvidenceLevel,
    Granularity,
    Methodology,
    Scope,
    Setting,
)
from cactl.yamlsrc import load_yaml_text, validation_errors

ARXIV_ID = re.compile(r"^\d{4}\.\d{4,5}$")
OPENREVIEW_ID = re.compile(r"^[A-Za-z0-9_-]{8,}$")


class Method(BaseModel):
    """One surveyed (or later-added) credit-assignment method."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(description="Short name, as the survey writes it.")
    title: str = Field(description="Full title of the paper.")
    arxiv: str | None = Field(None, description="arXiv id (checked against the title).")
    openreview: str | None = Field(None, description="OpenReview id, for papers not on arXiv.")
    survey_arxiv: str | None = Field(
        None, description="The id the survey's catalogue gives, where it points to another paper."
    )
    year: int = Field(ge=2017, le=2030)
    venue: str | None = Field(None, description="Venue when confirmed; null when not.")
    setting: Setting
    category: str = Field(description="The survey's category (its section heading).")
    granularity: list[Granularity] = Field(min_length=1)
    granularity_label: str = Field(description="The survey's granularity label.")
    methodology: Methodology
    methodology_label: str = Field(description="The survey's fine methodology label.")
    methodology_source: str = Field(
        description="'survey-grid' when the class is the survey's figure placement, "
        "'cactl' when cactl assigned it from the mechanism (the figure leaves it out)."
    )
    scope: Scope
    collection: Collection
    number: int | None = Field(None, description="Row number in the survey's table (1-47).")
    summary: str = Field(description="One line, in cactl's words.")
    baseline_family: BaselineFamily = BaselineFamily.unknown
    evidence: EvidenceLevel = EvidenceLevel.unknown

    @field_validator("arxiv", "survey_arxiv")
    @classmethod
    def _arxiv_format(cls, value: str | None) -> str | None:
        if value is not None and not ARXIV_ID.match(value):
            raise ValueError(f"arXiv id must look like 2504.15275, found {value!r}")
        return value

    @field_validator("methodology_source")
    @classmethod
    def _source(cls, value: str) -> str:
        if value not in {"survey-grid", "cactl"}:
            raise ValueError("methodology_source must be 'survey-grid' or 'cactl'")
        return value

    @property
    def identifier(self) -> str:
        """``arXiv:ID`` or ``OpenReview:ID``."""
        if self.arxiv:
            return f"arXiv:{self.arxiv}"
        return f"OpenReview:{self.openreview}"

    @property
    def url(self) -> str:
        if self.arxiv:
            return f"https://arxiv.org/abs/{self.arxiv}"
        return f"https://openreview.net/forum?id={self.openreview}"


class Inventory(BaseModel):
    """The whole inventory file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    survey: str
    version: str
    methods: list[Method]

    def select(
        self,
        *,
        granularity: Iterable[Granularity] = (),
        methodology: Iterable[Methodology] = (),
        setting: Iterable[Setting] = (),
        scope: Iterable[Scope] = (),
        collection: Iterable[Collection] = (Collection.survey,),
    ) -> list[Method]:
        """Methods matching every given filter (a filter with several values matches any)."""
        wanted_granularity = set(granularity)
        wanted_methodology = set(methodology)
        wanted_setting = set(setting)
        wanted_scope = set(scope)
        wanted_collection = set(collection)
        return [
            method
            for method in self.methods
            if (not wanted_granularity or wanted_granularity & set(method.granularity))
            and (not wanted_methodology or method.methodology in wanted_methodology)
            and (not wanted_setting or method.setting in wanted_setting)
            and (not wanted_scope or method.scope in wanted_scope)
            and (not wanted_collection or method.collection in wanted_collection)
        ]

    def names(self) -> list[str]:
        return [method.name for method in self.methods]

    def find(self, name_or_id: str) -> Method | None:
        """A method by short name or id (arXiv, OpenReview, or the survey's id), any case."""
        key = name_or_id.strip().lower().removeprefix("arxiv:").removeprefix("openreview:")
        for method in self.methods:
            ids = {method.name.lower(), (method.arxiv or "").lower()}
            ids |= {(method.openreview or "").lower(), (method.survey_arxiv or "").lower()}
            if key in ids - {""}:
                return method
        return None

    def get(self, name_or_id: str) -> Method:
        """Like :meth:`find`, but a miss is an :class:`InputError` with suggestions."""
        found = self.find(name_or_id)
        if found is not None:
            return found
        suggestions = closest(name_or_id, self.names(), n=3)
        shown = name_or_id if len(name_or_id) <= 60 else name_or_id[:60] + "..."
        raise InputError(
            f"no method named {shown!r} in the inventory",
            hint=("did you mean " + ", ".join(suggestions) + "?")
            if suggestions
            else "list them with: cactl methods list",
        )


INVENTORY_FILE = "methods"


def parse_inventory(text: str, file: str) -> Inventory:
    """Validate an inventory document; every error located in the file."""
    data, positions = load_yaml_text(text, file)
    try:
        inventory = Inventory.model_validate(data)
    except ValidationError as exc:
        raise validation_errors(exc, positions, Inventory) from None
    problems = []
    seen: dict[str, int] = {}
    for index, method in enumerate(inventory.methods):
        for key in filter(None, [method.name.lower(), method.arxiv, method.openreview]):
            if key in seen:
                problems.append(
                    positions.error(
                        ("methods", index),
                        f"duplicate name or id {key!r} (also entry {seen[key]})",
                    )
                )
            seen[key] = index
        if not method.arxiv and not method.openreview:
            problems.append(positions.error(("methods", index), "needs an arxiv or openreview id"))
    if problems:
        from cactl.errors import raise_all

        raise_all(problems)
    return inventory


@lru_cache(maxsize=1)
def load_inventory() -> Inventory:
    """The built-in inventory (validated once per process)."""
    return parse_inventory(
        read_builtin("inventory", INVENTORY_FILE), "cactl/data/inventory/methods.yaml"
    )
