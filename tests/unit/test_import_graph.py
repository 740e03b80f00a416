"""The five packages import each other without cycles, lazy imports included."""

from __future__ import annotations

import grimp

PACKAGES = ("bot", "workflows", "store", "connectors", "messages")


def _cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Every group of modules that import each other round in a circle (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        for imported in graph.find_modules_directly_imported_by(module):
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == module:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return found


def test_no_module_of_the_five_packages_is_part_of_an_import_cycle() -> None:
    graph = grimp.build_graph(*PACKAGES, include_external_packages=False)

    assert _cycles(graph) == []
