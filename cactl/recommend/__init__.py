"""The method-selection decision tree: model, loading and checks, the pure walker, answers.

No printing, no prompts, no torch: the CLI (``cactl recommend``, ``cactl tree``) renders and
prompts; this package returns data.
"""

from cactl.recommend.load import DEFAULT_TREE, KnownNames, LoadedTree, load_tree, parse_tree
from cactl.recommend.model import Leaf, Node, Question, Tree
from cactl.recommend.walk import Step, Walk, leaf_of, unused_answers, walk

__all__ = [
    "DEFAULT_TREE",
    "KnownNames",
    "Leaf",
    "LoadedTree",
    "Node",
    "Question",
    "Step",
    "Tree",
    "Walk",
    "leaf_of",
    "load_tree",
    "parse_tree",
    "unused_answers",
    "walk",
]
