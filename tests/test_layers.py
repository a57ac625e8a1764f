"""The host package's layers, as its folders show them: which folder may import which, and
no import cycle, counting the imports made inside functions (docs/architecture.md, "Layout")."""

from __future__ import annotations

import ast
from pathlib import Path

HOST = Path(__file__).resolve().parents[1] / "host"
# What each layer must not import: the layers above it. A module is matched with its
# submodules (``unsit.sync`` is not ``unsit.sync_choice``).
ABOVE = ("unsit.commands", "unsit.cli")
FORBIDDEN = {
    "unsit.links": ("unsit.pairing.ble", "unsit.pairing.usb", "unsit.sync", "unsit.sync_choice",
                    "unsit.store", "unsit.log", "unsit.review", "unsit.lab") + ABOVE,
    "unsit.pairing": ("unsit.sync", "unsit.sync_choice", "unsit.store", "unsit.log",
                      "unsit.review", "unsit.lab") + ABOVE,
    "unsit.sync": ("unsit.sync_choice", "unsit.links.ble", "unsit.links.ble_scan",
                   "unsit.pairing", "unsit.review", "unsit.lab") + ABOVE,
    "unsit.review": ("unsit.links", "unsit.pairing", "unsit.sync", "unsit.sync_choice",
                     "unsit.lab") + ABOVE,
    "unsit.log": ("unsit.store", "unsit.links", "unsit.pairing", "unsit.sync",
                  "unsit.sync_choice", "unsit.review", "unsit.lab") + ABOVE,
    "unsit.lab": ("unsit.links", "unsit.pairing", "unsit.sync", "unsit.sync_choice",
                  "unsit.review") + ABOVE,
}


def within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def host_modules() -> dict[str, Path]:
    """Every CPython module of the package by dotted name (the simulated board runs under
    MicroPython and imports none of it)."""
    found = {}
    for path in (HOST / "unsit").rglob("*.py"):
        if "simboard" in path.parts:
            continue
        parts = path.relative_to(HOST).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """The package's modules that ``name`` imports anywhere in its code."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join(parent + ([base] if base else []))
            found.add(base)
            found |= {f"{base}.{alias.name}" for alias in node.names}
    return {module for module in found if module in known and module != name}


def import_graph() -> dict[str, set[str]]:
    modules = host_modules()
    return {name: imports_of(name, path, set(modules)) for name, path in modules.items()}


def test_each_layer_imports_nothing_above_it() -> None:
    wrong = []
    for name, imported in sorted(import_graph().items()):
        for layer, forbidden in FORBIDDEN.items():
            if within(name, layer):
                wrong += [f"{name} -> {target}" for target in sorted(imported)
                          if any(within(target, f) for f in forbidden)]
    assert not wrong, wrong


def test_no_import_cycle_even_through_imports_inside_functions() -> None:
    graph = import_graph()
    state: dict[str, int] = {}
    cycles = []

    def visit(name: str, path: list[str]) -> None:
        state[name] = 1
        for target in sorted(graph[name]):
            if state.get(target) == 1:
                cycles.append(path[path.index(target):] + [target])
            elif target not in state:
                visit(target, path + [target])
        state[name] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert not cycles, cycles


def test_the_graph_sees_imports_inside_functions() -> None:
    graph = import_graph()
    assert "unsit.sync_choice" in graph["unsit.commands.sync"]   # imported when it runs
    assert "unsit.links.ble" in graph["unsit.links.clip"]
