"""``cactl tree``: show and check method-selection decision trees."""

from __future__ import annotations

import typer

from cactl.cli import console
from cactl.cli.formats import Format, Formats, emit, json_text
from cactl.errors import InputError
from cactl.recommend.load import DEFAULT_TREE, load_tree
from cactl.recommend.model import Tree
from cactl.render import recommend as render

app = typer.Typer(
    help="The method-selection decision tree: show it, check a tree file.",
    no_args_is_help=True,
)


#: The formats of ``cactl tree show``.
SHOW_FORMATS: Formats[Tree] = Formats(
    Format("tree", "an indented tree", render.tree_rich),
    Format("mermaid", "a Mermaid flowchart", render.tree_mermaid),
    Format(
        "json",
        "one document, with each leaf's trial command",
        lambda t: json_text(render.tree_record(t)),
    ),
)


_TREE_OPTION = typer.Option(
    None, "--tree", metavar="NAME_OR_FILE", help="A built-in tree or a tree file."
)


@app.command("show")
def show(
    tree_name: str = typer.Option(
        DEFAULT_TREE, "--tree", metavar="NAME_OR_FILE", help="A built-in tree or a tree file."
    ),
    output_format: Format[Tree] = SHOW_FORMATS.option(),
) -> None:
    """Show the decision tree: every question, option and leaf.

    Examples:

      cactl tree show

      cactl tree show --format mermaid > tree.mmd

      cactl tree show --tree my-tree.yaml --format json
    """
    emit(output_format.render(load_tree(tree_name).tree))


@app.command("check")
def check(
    file: str | None = typer.Argument(
        None, metavar="FILE", help="Tree file (default: the built-in tree)."
    ),
    tree_name: str | None = _TREE_OPTION,
) -> None:
    """Check a tree: one root, every node reachable, no cycles, every option leads somewhere,
    no question twice on a path, every method in the inventory, every estimator and task known.
    Exit 0 when it passes; exit 2 with every problem, each with file:line:col and its node.

    Examples:

      cactl tree check

      cactl tree check my-tree.yaml
    """
    if file is not None and tree_name is not None and file != tree_name:
        raise InputError(
            "give the tree once: as FILE or with --tree",
            field="--tree",
            found=f"{file!r} and {tree_name!r}",
            code="bad-option",
        )
    chosen = file if file is not None else tree_name
    loaded = load_tree(DEFAULT_TREE if chosen is None else chosen)
    console.emit_text(render.check_summary(loaded.tree, loaded.display_name))
