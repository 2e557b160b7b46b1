"""The surveyed credit-assignment methods as data (``cactl/data/inventory/methods.yaml``).

Pure Python and pydantic: no printing, no torch. The file is validated when it loads; a
typo in a vocabulary or a duplicate name is a load error with file, line and column. The
validated inventory is cached (:func:`load_inventory`), so its models build their validators
only when a file is validated (``defer_build``), not at every start.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from collections.abc import Iterable
from enum import Enum
from functools import lru_cache
from typing import Annotated, Any, Generic, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)

from cactl.errors import InputError, closest
from cactl.inventory_index import INVENTORY_FILE, INVENTORY_PATH, lookup_key, method_keys
from cactl.resources import read_builtin
from cactl.vocab import (
    BaselineFamily,
    Collection,
    EvidenceLevel,
    Granularity,
    Methodology,
    Scope,
    Setting,
    VenueKind,
)
from cactl.yamlsrc import load_yaml_text, validation_errors

ARXIV_ID = re.compile(r"^\d{4}\.\d{4,5}$")
OPENREVIEW_ID = re.compile(r"^[A-Za-z0-9_-]{8,}$")

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Url = Annotated[str, StringConstraints(pattern=r"^https://\S+$")]
ArxivClass = Annotated[str, StringConstraints(pattern=r"^[a-z-]+(\.[A-Za-z-]+)?$")]
T = TypeVar("T")


def is_unknown(value: object) -> bool:
    """A value that says nothing: null, or a vocabulary's ``unknown``."""
    return value is None or (isinstance(value, Enum) and value.value == "unknown")


def _sourced(argument: Any, state: dict[Any, Any]) -> Sourced[Any]:
    """A :class:`Sourced` read back by pickle (see ``Sourced.__reduce__``)."""
    model: type[Sourced[Any]] = Sourced[argument]
    value = model.__new__(model)
    value.__setstate__(state)
    return value


class Sourced(BaseModel, Generic[T]):
    """A value with the place it was confirmed (``source``: a paper section, the abstract
    page, the authors' README), or no value with the reason it could not be (``reason``).

    A known value needs a source and takes no reason; an unknown one (null, or a vocabulary's
    ``unknown``) needs a reason and may name where it was looked for in ``source``.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    value: T | None = None
    source: Text | None = None
    reason: Text | None = None

    def __reduce__(self) -> tuple[Any, ...]:
        # A parametrized generic model (``Sourced[Url]``) has no name pickle can look up:
        # pickle its type argument, and parametrize again when reading it back.
        (argument,) = type(self).__pydantic_generic_metadata__["args"]
        return (_sourced, (argument, self.__getstate__()))

    @model_validator(mode="after")
    def _sourced_or_explained(self) -> Sourced[T]:
        if is_unknown(self.value):
            if self.reason is None:
                raise ValueError("an unknown value needs a reason (why it could not be confirmed)")
        else:
            if self.source is None:
                raise ValueError("a value needs a source (where it was confirmed)")
            if self.reason is not None:
                raise ValueError("a confirmed value takes a source, not a reason")
        return self

    @property
    def known(self) -> bool:
        return not is_unknown(self.value)


class Venue(BaseModel):
    """A confirmed published version of a paper."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    name: Text = Field(description="Short name with the year, e.g. 'NeurIPS 2025'.")
    kind: VenueKind
    full_name: Text = Field(description="The proceedings' (booktitle) or journal's full name.")
    year: int = Field(ge=2017, le=2030, description="Year of the published version.")
    title: Text | None = Field(
        None, description="The published version's title, where it differs from the paper's."
    )


class Baseline(BaseModel):
    """A method a paper compares against, with its family in cactl's vocabulary."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    name: Text
    family: BaselineFamily


def classify_evidence(
    benchmarks: int | None,
    episode_baseline_same_model: bool | None,
    ablation_isolates_ca: bool | None,
    seeds_or_ci: bool | None,
) -> EvidenceLevel | None:
    """The level the criteria give for a paper with experiments on its CA claim: ``strong``
    when a >= 2 and b and (c or d) hold, ``limited`` when one of them certainly fails, and
    ``None`` when the criteria that are unknown (None) decide between the two."""
    a, b, c, d = benchmarks, episode_baseline_same_model, ablation_isolates_ca, seeds_or_ci
    if a is not None and a >= 2 and b is True and (c is True or d is True):
        return EvidenceLevel.strong
    if (a is not None and a < 2) or b is False or (c is False and d is False):
        return EvidenceLevel.limited
    return None


class Evidence(BaseModel):
    """A paper's evidence level with the four criteria it rests on (see
    :class:`cactl.vocab.EvidenceLevel`); a criterion that could not be read is null."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    level: EvidenceLevel
    benchmarks: int | None = Field(None, ge=0, description="(a) distinct benchmarks.")
    episode_baseline_same_model: bool | None = Field(
        None, description="(b) an episode-level baseline trained on the same base model."
    )
    ablation_isolates_ca: bool | None = Field(
        None, description="(c) an ablation that removes or replaces only the CA component."
    )
    seeds_or_ci: bool | None = Field(
        None, description="(d) >= 3 seeds with a spread, or confidence intervals."
    )
    source: Text | None = Field(None, description="Where the criteria were read.")
    reason: Text | None = Field(None, description="Why a criterion or the level is unknown.")

    def criteria(self) -> dict[str, int | bool | None]:
        return {
            "benchmarks": self.benchmarks,
            "episode_baseline_same_model": self.episode_baseline_same_model,
            "ablation_isolates_ca": self.ablation_isolates_ca,
            "seeds_or_ci": self.seeds_or_ci,
        }

    @model_validator(mode="after")
    def _level_follows_the_criteria(self) -> Evidence:
        unread = [name for name, value in self.criteria().items() if value is None]
        given = classify_evidence(
            self.benchmarks,
            self.episode_baseline_same_model,
            self.ablation_isolates_ca,
            self.seeds_or_ci,
        )
        level = self.level
        if level is EvidenceLevel.unknown:
            if self.reason is None:
                raise ValueError("evidence level unknown needs a reason")
            if given is not None:
                raise ValueError(f"the criteria give level {given.value}, not unknown")
            return self
        if self.source is None:
            raise ValueError(f"evidence level {level.value} needs a source")
        if level is EvidenceLevel.synthesis:
            if any(
                value is True for name, value in self.criteria().items() if name != "benchmarks"
            ):
                raise ValueError(
                    "synthesis means no experiment of the paper's own tests its CA claim, "
                    "so no baseline, ablation or seeds on it"
                )
            return self
        if given is None:
            raise ValueError(
                f"the criteria read ({', '.join(unread)} unknown) do not decide between strong "
                "and limited: the level is unknown, with a reason"
            )
        if given is not level:
            raise ValueError(f"the criteria give level {given.value}, not {level.value}")
        if unread and self.reason is None:
            raise ValueError(f"unknown criteria ({', '.join(unread)}) need a reason")
        return self


Authors = Annotated[list[Text], Field(min_length=1)]


class Method(BaseModel):
    """One surveyed (or later-added) credit-assignment method."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    name: str = Field(description="Short name, as the survey writes it.")
    title: str = Field(description="Full title of the paper.")
    arxiv: str | None = Field(None, description="arXiv id (checked against the title).")
    openreview: str | None = Field(None, description="OpenReview id, for papers not on arXiv.")
    survey_arxiv: str | None = Field(
        None, description="The id the survey's catalogue gives, where it points to another paper."
    )
    year: int = Field(ge=2017, le=2030, description="Year of the first public version.")
    survey_year: int | None = Field(
        None, description="The year the survey's catalogue gives, where it differs."
    )
    arxiv_class: Sourced[ArxivClass] = Field(
        description="arXiv primary category (e.g. cs.LG), for BibTeX's primaryClass."
    )
    authors: Sourced[Authors] = Field(description="Full author list, in order.")
    venue: Sourced[Venue] = Field(
        description="The confirmed published version; null (with the reason) when there is none."
    )
    survey_venue: str | None = Field(
        None, description="The venue the survey's catalogue gives, where it differs."
    )
    code: Sourced[Url] = Field(description="Code repository, when the paper names one.")
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
    methodology_reason: Text | None = Field(
        None, description="Why cactl chose the class (required when methodology_source is cactl)."
    )
    scope: Scope
    collection: Collection
    number: int | None = Field(None, description="Row number in the survey's table (1-47).")
    update_batch: str = Field(
        pattern=r"^\d{4}\.\d{2}$",
        description="The companion catalogue's update batch (2026.04 for the survey snapshot).",
    )
    catalog_scope: Text = Field(
        description="The companion catalogue's scope label ('Survey Method', 'Core', ...)."
    )
    summary: str = Field(description="One line, in cactl's words.")
    benchmarks: Sourced[Annotated[list[Text], Field(min_length=1)]] = Field(
        description="The main benchmarks the paper evaluates on."
    )
    baselines: Sourced[Annotated[list[Baseline], Field(min_length=1)]] = Field(
        description="The methods the paper compares against, with their families."
    )
    baseline_family: Sourced[BaselineFamily] = Field(
        description="Family of the paper's main baseline."
    )
    evidence: Evidence
    notes: list[Text] = Field(
        default_factory=list, description="Remarks on how the survey's labels were mapped."
    )

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

    @model_validator(mode="after")
    def _methodology_reason(self) -> Method:
        if self.methodology_source == "cactl" and self.methodology_reason is None:
            raise ValueError("methodology_source cactl needs a methodology_reason")
        return self

    @property
    def cited_year(self) -> int:
        """The year to cite: the published version's, else the first public version's."""
        return self.venue.value.year if self.venue.value is not None else self.year

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

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    survey: str
    version: str
    sources: dict[str, Text] = Field(
        description="Where the fields that are not sourced one by one come from, per field "
        "(the survey's table for the taxonomy labels, the abstract pages for titles and ids)."
    )
    methods: list[Method]

    @field_validator("sources")
    @classmethod
    def _sources_name_fields(cls, value: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(value) - set(Method.model_fields))
        if unknown:
            raise ValueError(f"sources names fields that a method does not have: {unknown}")
        return value

    def select(
        self,
        *,
        granularity: Iterable[Granularity] = (),
        methodology: Iterable[Methodology] = (),
        setting: Iterable[Setting] = (),
        scope: Iterable[Scope] = (),
        collection: Iterable[Collection] = (Collection.survey,),
        baseline_family: Iterable[BaselineFamily] = (),
        evidence: Iterable[EvidenceLevel] = (),
        venue: Iterable[str] = (),
    ) -> list[Method]:
        """Methods matching every given filter (a filter with several values matches any).

        ``baseline_family`` matches the family of a method's main baseline, ``evidence`` its
        evidence level, ``venue`` its confirmed venue: a word of the venue's name in any case
        (``neurips``, ``2025``, ``ICLR 2026``), or ``none`` for methods without one.
        """
        wanted_granularity = set(granularity)
        wanted_methodology = set(methodology)
        wanted_setting = set(setting)
        wanted_scope = set(scope)
        wanted_collection = set(collection)
        wanted_family = set(baseline_family)
        wanted_evidence = set(evidence)
        wanted_venue = [v.strip().casefold() for v in venue]
        return [
            method
            for method in self.methods
            if (not wanted_granularity or wanted_granularity & set(method.granularity))
            and (not wanted_methodology or method.methodology in wanted_methodology)
            and (not wanted_setting or method.setting in wanted_setting)
            and (not wanted_scope or method.scope in wanted_scope)
            and (not wanted_collection or method.collection in wanted_collection)
            and (not wanted_family or method.baseline_family.value in wanted_family)
            and (not wanted_evidence or method.evidence.level in wanted_evidence)
            and (not wanted_venue or any(venue_matches(method, v) for v in wanted_venue))
        ]

    def citation_keys(self) -> dict[str, str]:
        """A BibTeX key per method name: first author's family name, cited year, first word of
        the title (``kazemnejad2025vineppo``); clashes get ``a``, ``b``, ... in file order.
        Keys depend on the whole inventory only, so a filtered list keeps them."""
        stems = {method.name: citation_stem(method) for method in self.methods}
        counts: dict[str, int] = {}
        for stem in stems.values():
            counts[stem] = counts.get(stem, 0) + 1
        seen: dict[str, int] = {}
        keys = {}
        for name, stem in stems.items():
            if counts[stem] == 1:
                keys[name] = stem
            else:
                keys[name] = stem + "abcdefghijklmnopqrstuvwxyz"[seen.get(stem, 0)]
                seen[stem] = seen.get(stem, 0) + 1
        return keys

    def names(self) -> list[str]:
        return [method.name for method in self.methods]

    def find(self, name_or_id: str) -> Method | None:
        """A method by short name or id (arXiv, OpenReview, or the survey's id), any case."""
        key = lookup_key(name_or_id)
        for method in self.methods:
            if key in {k.lower() for k in method_keys(method)}:
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
            code="unknown-name",
        )


def venue_matches(method: Method, wanted: str) -> bool:
    """``wanted`` (case-folded) is ``none`` and the method has no confirmed venue, or it is
    a whole word or run of words of the venue's name."""
    venue = method.venue.value
    if wanted == "none":
        return venue is None
    if venue is None or not wanted:
        return False
    words = venue.name.casefold().split()
    wanted_words = wanted.split()
    n = len(wanted_words)
    return any(words[i : i + n] == wanted_words for i in range(len(words) - n + 1))


_TITLE_SKIP = {"a", "an", "the"}


def _ascii_letters(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9]", "", folded).lower()


def citation_stem(method: Method) -> str:
    """``firstauthorYEARfirstword`` before clash suffixes (``anon`` when no author is known)."""
    authors = method.authors.value
    family = _ascii_letters(authors[0].split()[-1]) if authors else ""
    words = [_ascii_letters(word) for word in method.title.split()]
    first = next((w for w in words if w and w not in _TITLE_SKIP), "")
    return f"{family or 'anon'}{method.cited_year}{first}"


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
    """The built-in inventory: validated once per change of its YAML or of the code that
    validates it, and read back from cactl's cache (:mod:`cactl.cache`) after that."""
    from cactl.cache import cached

    text = read_builtin("inventory", INVENTORY_FILE)
    return cached(
        "inventory",
        f"{INVENTORY_PATH}\0{text}",
        [sys.modules[__name__], "cactl.inventory_index", "cactl.vocab", "cactl.yamlsrc"],
        lambda: parse_inventory(text, INVENTORY_PATH),
    )
