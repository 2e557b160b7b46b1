"""Loading a decision tree and checking it whole.

:func:`parse_tree` validates the schema (every error located in the file), then the structure:
one root, every node reachable from it, no cycles, every option of every asked question leads
to a node or leaf that exists, no question asked twice on one path, every question asked
somewhere; then the names: every method exists in the inventory, every estimator is a built-in
estimator, every trial task exists. All problems are reported together, each naming the node
and its file:line:col.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pydantic import ValidationError

from cactl.errors import InputError, did_you_mean, raise_all
from cactl.recommend.model import Leaf, Tree
from cactl.resources import read_builtin, resolve
from cactl.yamlsrc import Positions, load_yaml_text, validation_errors

if TYPE_CHECKING:
    from cactl.inventory import Method

KIND = "decision_tree"
DEFAULT_TREE = "ca-method-selection"


@dataclass(frozen=True)
class KnownNames:
    """The names a tree may use, from outside the tree."""

    #: Canonical inventory name of a method name or id, or None when there is none.
    method: Callable[[str], str | None]
    #: All method names, for "did you mean" suggestions.
    method_names: Collection[str]
    estimators: Collection[str]
    #: The episode-level estimators (every token gets the same credit): the baselines.
    baselines: Collection[str]
    #: The controlled tasks of ``cactl trial`` (``cactl tasks list``).
    tasks: Collection[str]


def builtin_names() -> KnownNames:
    """The inventory, the estimator catalogue and the trial tasks (metadata only, no torch)."""
    from cactl.estimators.catalog import list_estimators
    from cactl.inventory_index import method_index
    from cactl.tasks.catalog import task_names

    index = method_index()

    def method(name: str) -> str | None:
        found = index.find(name)
        return None if found is None else found.name

    return KnownNames(
        method=method,
        method_names=index.names,
        estimators=[info.name for info in list_estimators()],
        baselines=[info.name for info in list_estimators() if info.episode_level],
        tasks=task_names(),
    )


@dataclass(frozen=True)
class LoadedTree:
    """A checked tree, the text it came from, and where each value sits in that text."""

    tree: Tree
    positions: Positions
    display_name: str


def parse_tree(text: str, file: str, known: KnownNames | None = None) -> LoadedTree:
    """Validate a tree document; raise every problem at once, each located in ``file``."""
    data, positions = load_yaml_text(text, file)
    if not isinstance(data, dict):
        raise positions.error((), "a decision tree must be a mapping", expected="a mapping")
    try:
        tree = Tree.model_validate(data)
    except ValidationError as exc:
        raise validation_errors(exc, positions, Tree) from None
    raise_all(structure_errors(tree, positions))
    raise_all(name_errors(tree, positions, known or builtin_names()))
    return LoadedTree(tree, positions, file)


#: What a built-in tree's check reads besides its text: the code that validates it and the
#: names it checks (the inventory's, the estimator catalogue's, the trial tasks').
_CHECKED_WITH = [
    "cactl.recommend.model",
    "cactl.inventory",
    "cactl.inventory_index",
    "cactl.vocab",
    "cactl.yamlsrc",
    "cactl.estimators.catalog",
    "cactl.tasks.catalog",
]


def load_tree(name_or_path: str = DEFAULT_TREE, known: KnownNames | None = None) -> LoadedTree:
    """A built-in tree by name, or a tree file by path, checked.

    A built-in tree checked against the built-in names is checked once per change of its file,
    of the inventory or of the code that checks it, and read back from cactl's cache
    (:mod:`cactl.cache`) after that; a file is checked on every load."""
    source = resolve(KIND, name_or_path, what="decision tree")
    if not source.builtin or known is not None:
        file = f"cactl/data/decision_tree/{source.name}.yaml" if source.builtin else source.name
        return parse_tree(source.text, file, known)
    file = f"cactl/data/decision_tree/{source.name}.yaml"
    from cactl.cache import cached
    from cactl.inventory_index import INVENTORY_FILE

    inventory = read_builtin("inventory", INVENTORY_FILE)
    return cached(
        "tree_" + source.name.replace("-", "_"),
        f"{file}\0{source.text}\0{inventory}",
        [sys.modules[__name__], *_CHECKED_WITH],
        lambda: parse_tree(source.text, file),
    )


def leaf_methods(leaf: Leaf) -> list[Method]:
    """The inventory entries of a leaf's representative methods (of a checked tree)."""
    from cactl.inventory import load_inventory

    inventory = load_inventory()
    return [inventory.get(name) for name in leaf.methods]


def _targets(tree: Tree) -> set[str]:
    return set(tree.nodes) | set(tree.leaves)


def structure_errors(tree: Tree, positions: Positions) -> list[InputError]:
    """Root, ids, options, dangling edges, cycles, reachability, repeated questions."""
    errors: list[InputError] = []
    targets = _targets(tree)
    for leaf_id in sorted(set(tree.nodes) & set(tree.leaves)):
        errors.append(
            positions.error(
                ("leaves", leaf_id),
                f"leaf {leaf_id!r} has the id of a node; ids must be unique",
                key=True,
            )
        )
    if tree.root not in tree.nodes:
        errors.append(
            positions.error(
                ("root",),
                f"root {tree.root!r} is not a question node",
                expected="one of " + ", ".join(tree.nodes),
                found=repr(tree.root),
                hint=did_you_mean(tree.root, tree.nodes),
            )
        )
    asked: set[str] = set()
    for node_id, node in tree.nodes.items():
        question = tree.questions.get(node.ask)
        if question is None:
            errors.append(
                positions.error(
                    ("nodes", node_id, "ask"),
                    f"node {node_id!r} asks {node.ask!r}, which is not a question",
                    expected="one of " + ", ".join(tree.questions),
                    hint=did_you_mean(node.ask, tree.questions),
                )
            )
            continue
        asked.add(node.ask)
        for option in question.options:
            if option not in node.next:
                errors.append(
                    positions.error(
                        ("nodes", node_id, "next"),
                        f"node {node_id!r}: option {option!r} of question {node.ask!r} "
                        "leads nowhere",
                        hint=f"add '{option}: <node or leaf id>' under next",
                    )
                )
        for option, target in node.next.items():
            if option not in question.options:
                errors.append(
                    positions.error(
                        ("nodes", node_id, "next", option),
                        f"node {node_id!r}: {option!r} is not an option of question {node.ask!r}",
                        key=True,
                        expected="one of " + ", ".join(question.options),
                        hint=did_you_mean(option, question.options),
                        code="unknown-key",
                    )
                )
            elif target not in targets:
                errors.append(
                    positions.error(
                        ("nodes", node_id, "next", option),
                        f"node {node_id!r}: option {option!r} leads to {target!r}, "
                        "which is neither a node nor a leaf",
                        hint=did_you_mean(target, targets),
                    )
                )
    for key in tree.questions:
        if key not in asked:
            errors.append(
                positions.error(
                    ("questions", key),
                    f"question {key!r} is not asked at any node",
                    key=True,
                )
            )
    if errors:
        # The graph checks below assume every edge is sound.
        return errors
    errors += _cycle_errors(tree, positions)
    if errors:
        return errors
    errors += _reachability_errors(tree, positions)
    errors += _repeat_errors(tree, positions)
    return errors


def _edges(tree: Tree, node_id: str) -> Iterator[str]:
    node = tree.nodes.get(node_id)
    if node is not None:
        yield from dict.fromkeys(node.next.values())


def _cycle_errors(tree: Tree, positions: Positions) -> list[InputError]:
    """One error per cycle, at the node where a depth-first search closes it."""
    errors = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    stack: list[str] = []

    def visit(node_id: str) -> None:
        state[node_id] = 1
        stack.append(node_id)
        for target in _edges(tree, node_id):
            if state.get(target) == 1:
                cycle = [*stack[stack.index(target) :], target]
                errors.append(
                    positions.error(
                        ("nodes", node_id, "next"),
                        f"node {node_id!r} closes a cycle: " + " -> ".join(cycle),
                    )
                )
            elif target not in state:
                visit(target)
        stack.pop()
        state[node_id] = 2

    for node_id in [tree.root, *tree.nodes]:
        if node_id not in state and node_id in tree.nodes:
            visit(node_id)
    return errors


def _reachable(tree: Tree) -> set[str]:
    seen = {tree.root}
    todo = [tree.root]
    while todo:
        for target in _edges(tree, todo.pop()):
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


def _reachability_errors(tree: Tree, positions: Positions) -> list[InputError]:
    reachable = _reachable(tree)
    entered = {target for node in tree.nodes.values() for target in node.next.values()}
    errors = []
    for section, ids in (("nodes", tree.nodes), ("leaves", tree.leaves)):
        for node_id in ids:
            if node_id in reachable:
                continue
            why = (
                "nothing leads to it (a second root)"
                if node_id not in entered
                else "it is reached only from unreachable nodes"
            )
            kind = "node" if section == "nodes" else "leaf"
            errors.append(
                positions.error(
                    (section, node_id),
                    f"{kind} {node_id!r} is not reachable from root {tree.root!r}: {why}",
                    key=True,
                )
            )
    return errors


def _repeat_errors(tree: Tree, positions: Positions) -> list[InputError]:
    """A question asked twice on one path could never get two answers: refuse it."""
    errors: dict[str, InputError] = {}

    def visit(node_id: str, asked: dict[str, str]) -> None:
        node = tree.nodes.get(node_id)
        if node is None:
            return
        if node.ask in asked and node_id not in errors:
            errors[node_id] = positions.error(
                ("nodes", node_id, "ask"),
                f"node {node_id!r} asks {node.ask!r} again; node {asked[node.ask]!r} "
                "already asked it on the same path",
            )
            return
        for target in _edges(tree, node_id):
            visit(target, {**asked, node.ask: node_id})

    visit(tree.root, {})
    return list(errors.values())


def name_errors(tree: Tree, positions: Positions, known: KnownNames) -> list[InputError]:
    """Every method, estimator and task a leaf names must exist."""
    errors = []
    estimators = list(known.estimators)
    for leaf_id, leaf in tree.leaves.items():
        for index, method in enumerate(leaf.methods):
            if known.method(method) is None:
                errors.append(
                    positions.error(
                        ("leaves", leaf_id, "methods", index),
                        f"leaf {leaf_id!r}: unknown method {method!r}, not in the inventory",
                        hint=did_you_mean(method, known.method_names)
                        or "list them with: cactl methods list --all",
                    )
                )
        for index, name in enumerate(leaf.estimators):
            if name not in estimators:
                errors.append(
                    positions.error(
                        ("leaves", leaf_id, "estimators", index),
                        f"leaf {leaf_id!r}: unknown estimator {name!r}",
                        expected="one of " + ", ".join(estimators),
                        hint=did_you_mean(name, estimators),
                    )
                )
            if name in leaf.estimators[:index] or name == leaf.baseline:
                errors.append(
                    positions.error(
                        ("leaves", leaf_id, "estimators", index),
                        f"leaf {leaf_id!r}: estimator {name!r} is named twice"
                        + (" (it is the baseline)" if name == leaf.baseline else ""),
                    )
                )
        if leaf.baseline not in known.baselines:
            baselines = list(known.baselines)
            errors.append(
                positions.error(
                    ("leaves", leaf_id, "baseline"),
                    f"leaf {leaf_id!r}: the baseline {leaf.baseline!r} is not an episode-level "
                    "estimator",
                    expected="one of " + ", ".join(baselines),
                    hint=did_you_mean(leaf.baseline, baselines),
                )
            )
        if leaf.task not in known.tasks:
            errors.append(
                positions.error(
                    ("leaves", leaf_id, "task"),
                    f"leaf {leaf_id!r}: unknown trial task {leaf.task!r}",
                    expected="one of " + ", ".join(known.tasks),
                    hint=did_you_mean(leaf.task, known.tasks),
                )
            )
    return errors
