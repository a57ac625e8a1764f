"""Docs that cannot drift: docs/architecture.md's module list against the tree, and the
README's command table against the CLI."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from unsit.cli import build_parser, command_modules

ROOT = Path(__file__).resolve().parents[1]
CHECKED = ("firmware/", "host/unsit/")   # the trees whose every module the layout lists
NAME = re.compile(r"^(?:[\w<>]+/)*(?:[\w<>]+\.py|\w+/)$")


def layout_lines(text: str) -> list[str]:
    """The lines of the code block in the "## Layout" section."""
    section = text.split("\n## Layout\n", 1)[1]
    block = section.split("```\n", 2)[1]
    return block.splitlines()


def listed_paths(lines: list[str]) -> tuple[set[str], set[str]]:
    """(modules, folders) the layout names, as paths from the repository root.

    A line is its indentation, then names (``a.py, b.py`` or ``folder/``), then two or more
    spaces and a description; a folder holds the lines indented under it. A line whose
    first word is not a name continues the description above and names nothing."""
    modules: set[str] = set()
    folders: set[str] = set()
    stack: list[tuple[int, str]] = []
    for line in lines:
        if not line.strip():
            continue
        indent = len(line) - len(line.lstrip())
        names_part = re.split(r"\s{2,}", line.strip(), maxsplit=1)[0]
        names = [n.strip() for n in names_part.split(",")]
        if not all(NAME.match(n) for n in names):
            continue
        while stack and stack[-1][0] >= indent:
            stack.pop()
        parent = stack[-1][1] if stack else ""
        for name in names:
            path = parent + name
            if name.endswith("/"):
                folders.add(path)
                stack.append((indent, path))
            else:
                modules.add(path)
    return modules, folders


def tree_modules() -> set[str]:
    found = set()
    for top in CHECKED:
        for path in (ROOT / top).rglob("*.py"):
            relative = path.relative_to(ROOT).as_posix()
            if path.name != "__init__.py" and "__pycache__" not in relative:
                found.add(relative)
    return found


def expand(modules: set[str]) -> set[str]:
    """``folder/<name>.py`` stands for every module of that folder."""
    expanded = set()
    for module in modules:
        if "<name>" in module:
            folder = ROOT / module.rsplit("/", 1)[0]
            expanded |= {p.relative_to(ROOT).as_posix() for p in folder.glob("*.py")
                         if p.name != "__init__.py"}
        else:
            expanded.add(module)
    return expanded


def test_the_layout_lists_every_module_and_nothing_else() -> None:
    modules, folders = listed_paths(layout_lines((ROOT / "docs/architecture.md").read_text()))
    listed = {m for m in expand(modules) if m.startswith(CHECKED)}
    actual = tree_modules()
    assert not actual - listed, f"modules missing from docs/architecture.md: {sorted(actual - listed)}"
    assert not listed - actual, f"listed but absent: {sorted(listed - actual)}"
    absent = [f for f in folders if f.startswith(CHECKED) and not (ROOT / f).is_dir()]
    assert not absent, f"folders listed but absent: {absent}"


def test_the_layout_parser_reads_folders_lists_and_continuations() -> None:
    lines = ["firmware/   root", "  logic/   pure", "    a.py, b.py   two", "  main.py   entry",
             "  the description goes on here", "host/unsit/   host", "  commands/<name>.py   each"]
    modules, folders = listed_paths(lines)
    assert modules == {"firmware/logic/a.py", "firmware/logic/b.py", "firmware/main.py",
                       "host/unsit/commands/<name>.py"}
    assert folders == {"firmware/", "firmware/logic/", "host/unsit/"}


def readme_command_cells() -> list[str]:
    """The first cell of each row of the README's table under "## Commands"."""
    section = (ROOT / "README.md").read_text().split("\n## Commands\n", 1)[1]
    section = section.split("\n## ", 1)[0]
    cells = []
    for line in section.splitlines():
        if line.startswith("| `unsit "):
            cells.append(re.split(r"(?<!\\)\|", line)[1])
    return cells


def subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def option_strings(parser: argparse.ArgumentParser) -> set[str]:
    found = {s for action in parser._actions for s in action.option_strings}
    for sub in subparsers(parser).values():
        found |= option_strings(sub)
    return found


def test_the_readme_command_table_matches_the_cli() -> None:
    commands = subparsers(build_parser())
    named: set[str] = set()
    for cell in readme_command_cells():
        for usage in re.findall(r"`unsit ([^`]+)`", cell):
            words = usage.replace("\\|", "|").split()
            name = words[0]
            named.add(name)
            assert name in commands, f"README names 'unsit {name}', which the CLI lacks"
            sub = subparsers(commands[name])
            if sub and len(words) > 1 and not words[1].startswith(("-", "[")):
                assert words[1] in sub, f"README names 'unsit {name} {words[1]}'"
            options = option_strings(commands[name])
            for option in re.findall(r"(?<![\w-])(--?[a-z][\w-]*)", usage):
                assert option in options, f"README: 'unsit {name}' has no option {option}"
    cli = {module.NAME for module in command_modules()}
    assert named == cli, (f"commands missing from the README table: {sorted(cli - named)}; "
                          f"in it but not in the CLI: {sorted(named - cli)}")
