"""The package's import graph: data flows one way, and no module reaches into another's privates.

``python tests/test_import_graph.py`` prints the graph between subpackages.
"""

from __future__ import annotations

import ast
import collections
import pathlib

PACKAGE = pathlib.Path(__file__).parent.parent / "src" / "keras_tutorial_kit"
#: The top layers: nothing below them may import them (DESIGN.md, "Architecture").
TOP_LAYERS = {"examples", "cli", "__main__"}


def _imports() -> list[tuple[str, str, str]]:
    """``(importing file, importing subpackage, imported dotted name)`` for every kit import."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).parts
        source = parts[0] if len(parts) > 1 else parts[0].removesuffix(".py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                "keras_tutorial_kit"
            ):
                found += [
                    (str(path), source, f"{node.module}.{alias.name}") for alias in node.names
                ]
            elif isinstance(node, ast.Import):
                found += [
                    (str(path), source, alias.name)
                    for alias in node.names
                    if alias.name.startswith("keras_tutorial_kit")
                ]
    return found


def import_graph() -> dict[str, set[str]]:
    """Subpackage (or top-level module) -> the other ones it imports."""
    graph: dict[str, set[str]] = collections.defaultdict(set)
    for _, source, name in _imports():
        parts = name.split(".")
        if len(parts) > 1 and parts[1] != source:
            graph[source].add(parts[1])
    return graph


def test_no_private_name_of_another_subpackage_is_imported():
    reach_ins = [
        (path, name)
        for path, source, name in _imports()
        for parts in [name.split(".")]
        if len(parts) > 2
        and parts[1] != source
        and not parts[1].startswith("_")  # top-level private modules are shared by all
        and any(part.startswith("_") for part in parts[2:])
    ]
    assert not reach_ins, reach_ins


def test_only_the_package_root_imports_the_top_layers():
    graph = import_graph()
    offenders = {
        source: graph[source] & TOP_LAYERS
        for source in graph
        if source not in TOP_LAYERS | {"__init__"} and graph[source] & TOP_LAYERS
    }
    assert not offenders, offenders
    assert "examples" not in graph["__init__"] and "cli" not in graph["__init__"]


def test_components_do_not_import_the_data_or_rl_layers():
    graph = import_graph()
    for component in ("layers", "losses", "metrics", "models", "samplers"):
        assert not graph[component] & {"data", "rl", "examples", "cli"}, (
            component,
            graph[component],
        )


if __name__ == "__main__":
    for source, targets in sorted(import_graph().items()):
        print(f"{source:10} -> {', '.join(sorted(targets))}")
