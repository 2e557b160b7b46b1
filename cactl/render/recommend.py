"""Renderings of the decision tree and of a recommendation: JSON records, the question prompt,
the final rich panel, the tree as a rich tree, as Mermaid, and as JSON."""

from __future__ import annotations

from typing import Any

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text
from rich.tree import Tree as RichTree

from cactl.inventory import Method
from cactl.recommend.model import Leaf, Tree
from cactl.recommend.walk import Walk


def recommendation_record(
    tree: Tree, result: Walk, leaf: Leaf, methods: list[Method]
) -> dict[str, Any]:
    """The JSON document of ``cactl recommend --format json``."""
    return {
        "tree": {"id": tree.id, "version": tree.version},
        "path": [
            {"question": step.question, "text": step.text, "answer": step.answer}
            for step in result.path
        ],
        "recommendation": {
            "leaf": result.leaf_id,
            "family": leaf.family,
            "rationale": leaf.rationale,
            "risks": leaf.risks,
            "methods": [method.name for method in methods],
            "estimators": list(leaf.estimators),
            "next": leaf.next_command,
        },
    }


def path_text(result: Walk) -> str:
    """``agents=single > regime=reasoning`` (empty before the first answer)."""
    return " > ".join(f"{step.question}={step.answer}" for step in result.path)


def question_text(tree: Tree, node_id: str, number: int) -> str:
    """A question with its numbered options, as printed before the prompt."""
    key = tree.nodes[node_id].ask
    question = tree.questions[key]
    lines = [f"{number}. {question.text}  [{key}]"]
    width = max(len(option) for option in question.options)
    for index, (option, label) in enumerate(question.options.items(), start=1):
        lines.append(f"  {index}) {option:<{width}}  {label}")
    return "\n".join(lines)


def prompt_text(tree: Tree, node_id: str) -> str:
    count = len(tree.question_at(node_id).options)
    return f"answer 1-{count} (? help, b back): "


def recommendation_panel(tree: Tree, result: Walk, leaf: Leaf, methods: list[Method]) -> Panel:
    """The final panel: answers, family, why, risks, methods with titles and links, next."""
    facts = Table.grid(padding=(0, 2))
    facts.add_column(style="bold", no_wrap=True)
    facts.add_column()
    # the text of a tree file is shown as written, never read as rich markup
    facts.add_row("answers", Text(path_text(result)))
    facts.add_row("why", Text(leaf.rationale))
    facts.add_row("risks", Text(leaf.risks))
    facts.add_row(
        "estimators", Text(", ".join(leaf.estimators) + f" (against the baseline {leaf.baseline})")
    )
    facts.add_row("next", Text(leaf.next_command, style="bold green"))
    table = Table(title="representative methods", title_justify="left", expand=False)
    table.add_column("method", style="bold", no_wrap=True)
    table.add_column("title and link")
    for method in methods:
        table.add_row(method.name, Text(method.title + "\n") + Text(method.url, style="blue"))
    parts: list[RenderableType] = [facts, Text(""), table]
    return Panel(
        Group(*parts),
        title=Text(leaf.family, style="bold"),
        subtitle=Text(f"{tree.id} {tree.version}, leaf {result.leaf_id}"),
        expand=False,
    )


def tree_record(tree: Tree) -> dict[str, Any]:
    """The tree as JSON (its file's content), with each leaf's trial command added."""
    record = tree.model_dump(mode="json")
    for leaf_id, leaf in tree.leaves.items():
        record["leaves"][leaf_id]["next"] = leaf.next_command
    return record


def _leaf_label(leaf_id: str, leaf: Leaf) -> str:
    return f"[{leaf_id}] {leaf.family} (try: {', '.join(leaf.estimators)})"


def tree_rich(tree: Tree) -> RichTree:
    """The tree, one branch per option; a node reached from several options is repeated."""
    root = RichTree(Text(f"{tree.id} {tree.version}: {tree.title}", style="bold"))

    def add(branch: RichTree, node_id: str, prefix: str) -> None:
        if tree.is_leaf(node_id):
            branch.add(Text(prefix + _leaf_label(node_id, tree.leaves[node_id])))
            return
        node = tree.nodes[node_id]
        question = tree.questions[node.ask]
        child = branch.add(Text(f"{prefix}{node.ask}: {question.text}"))
        for option, target in node.next.items():
            add(child, target, f"{option} -> ")

    add(root, tree.root, "")
    return root


def _mermaid_id(node_id: str) -> str:
    return node_id.replace("-", "_")


def _mermaid_label(text: str) -> str:
    return text.replace('"', "#quot;")


def tree_mermaid(tree: Tree) -> str:
    """A Mermaid flowchart: questions as diamonds, leaves as boxes, options on the edges."""
    lines = ["flowchart TD"]
    for node_id, node in tree.nodes.items():
        text = _mermaid_label(tree.questions[node.ask].text)
        lines.append(f'  {_mermaid_id(node_id)}{{"{node.ask}: {text}"}}')
    for leaf_id, leaf in tree.leaves.items():
        label = _mermaid_label(f"{leaf.family}<br/>try: {', '.join(leaf.estimators)}")
        lines.append(f'  {_mermaid_id(leaf_id)}["{label}"]')
    for node_id, node in tree.nodes.items():
        for option, target in node.next.items():
            lines.append(f"  {_mermaid_id(node_id)} -->|{option}| {_mermaid_id(target)}")
    return "\n".join(lines) + "\n"


def check_summary(tree: Tree, display_name: str) -> str:
    """One line for a tree that passed every check."""
    methods = {name for leaf in tree.leaves.values() for name in leaf.methods}
    estimators = {
        name for leaf in tree.leaves.values() for name in [*leaf.estimators, leaf.baseline]
    }
    return (
        f"ok: {display_name}: tree {tree.id} {tree.version}, {len(tree.questions)} questions "
        f"asked at {len(tree.nodes)} nodes, {len(tree.leaves)} leaves; one root, every node "
        f"reachable, no cycles, every option leads somewhere; {len(methods)} methods and "
        f"{len(estimators)} estimators known"
    )
