"""The inventory's names and ids, and what audit reads about a method, without its models.

``cactl audit`` checks a paper's ``method.inventory`` against the surveyed methods and gives
rules the method's granularity and methodology; ``cactl schema paper`` lists the names. Those
need the inventory's keys, not its pydantic models (whose classes take a while to build at
import): :func:`method_index` gives them from cactl's cache (:mod:`cactl.cache`), built from the
validated inventory once per change of its YAML or of the code that validates it.
:func:`lookup_key` is the one rule for matching a name or id (any case, an optional ``arXiv:``
or ``OpenReview:`` prefix); :meth:`cactl.inventory.Inventory.find` uses it too.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from cactl.resources import read_builtin

if TYPE_CHECKING:
    from cactl.inventory import Method

#: The built-in inventory: ``cactl/data/inventory/<INVENTORY_FILE>.yaml``.
INVENTORY_FILE = "methods"
INVENTORY_PATH = f"cactl/data/inventory/{INVENTORY_FILE}.yaml"


def lookup_key(name_or_id: str) -> str:
    """The form in which a method's name or id is matched."""
    return name_or_id.strip().lower().removeprefix("arxiv:").removeprefix("openreview:")


def method_keys(method: Method) -> list[str]:
    """A method's name and ids as written (name, arXiv, OpenReview, the survey's arXiv id)."""
    return [
        key for key in (method.name, method.arxiv, method.openreview, method.survey_arxiv) if key
    ]


@dataclass(frozen=True)
class MethodFacts:
    """What audit's rules read about an inventory method."""

    name: str
    granularity: tuple[str, ...]
    methodology: str


@dataclass(frozen=True)
class MethodIndex:
    """Every method's name and ids, and its facts by :func:`lookup_key`."""

    names: tuple[str, ...]  # in file order
    keys: tuple[str, ...]  # every name and id as written, method by method
    facts: dict[str, MethodFacts]

    @classmethod
    def of(cls, methods: Iterable[Method]) -> MethodIndex:
        names: list[str] = []
        keys: list[str] = []
        facts: dict[str, MethodFacts] = {}
        for method in methods:
            names.append(method.name)
            entry = MethodFacts(
                method.name,
                tuple(g.value for g in method.granularity),
                method.methodology.value,
            )
            for key in method_keys(method):
                keys.append(key)
                facts.setdefault(key.lower(), entry)  # the first method with a key owns it
        return cls(tuple(names), tuple(keys), facts)

    def find(self, name_or_id: str) -> MethodFacts | None:
        """The method a name or id names (as :meth:`cactl.inventory.Inventory.find`)."""
        return self.facts.get(lookup_key(name_or_id))


def _build() -> MethodIndex:
    from cactl.inventory import load_inventory

    return MethodIndex.of(load_inventory().methods)


@lru_cache(maxsize=1)
def method_index() -> MethodIndex:
    """The built-in inventory's index (from the cache while the YAML and the code stay)."""
    from cactl.cache import cached

    modules = ["cactl.inventory", "cactl.inventory_index", "cactl.vocab", "cactl.yamlsrc"]
    text = read_builtin("inventory", INVENTORY_FILE)
    return cached("inventory_index", f"{INVENTORY_PATH}\0{text}", modules, _build)
