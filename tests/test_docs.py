"""The docs that name code follow the code: README's command table lists exactly the CLI's
commands, and docs/architecture.md's layout names every module of the two trees."""

from __future__ import annotations

import re
from pathlib import Path

from unsit.cli import build_parser, command_modules

ROOT = Path(__file__).resolve().parents[1]


def _layout() -> str:
    """The fenced tree under docs/architecture.md's "## Layout"."""
    text = (ROOT / "docs" / "architecture.md").read_text()
    start = text.index("```", text.index("## Layout")) + 3
    return text[start:text.index("```", start)]


def test_readme_command_table_lists_every_command_and_no_other() -> None:
    readme = (ROOT / "README.md").read_text()
    start = readme.index("## Commands")
    table = readme[start:readme.index("\n## ", start + 1)]
    named: set[str] = set()
    for row in table.splitlines():
        if row.startswith("| `unsit "):
            cell = re.split(r"(?<!\\)\|", row)[1]
            named.update(re.findall(r"`unsit ([a-z]+)", cell))
    assert named == {module.NAME for module in command_modules()}


def test_readme_command_table_options_exist() -> None:
    """Every ``--option`` a row shows is an option of that command."""
    readme = (ROOT / "README.md").read_text()
    parser = build_parser()
    sub = next(a for a in parser._actions if hasattr(a, "choices") and a.choices)
    for row in readme.splitlines():
        if not row.startswith("| `unsit "):
            continue
        cell = re.split(r"(?<!\\)\|", row)[1]
        commands = re.findall(r"`unsit ([a-z]+)", cell)
        for option in re.findall(r"(--[a-z][a-z-]*)", cell):
            assert any(option in sub.choices[c]._option_string_actions for c in commands), \
                (commands, option)


def test_architecture_layout_names_every_module() -> None:
    layout = _layout()
    missing = []
    for tree in (ROOT / "firmware", ROOT / "host" / "unsit"):
        for path in sorted(tree.rglob("*.py")):
            if path.name == "__init__.py" or path.parent.name == "commands":
                continue   # packages are named as folders; commands/<name>.py as a pattern
            if not re.search(r"(?<![\w.])" + re.escape(path.name), layout):
                missing.append(str(path.relative_to(ROOT)))
    assert not missing, f"docs/architecture.md's layout does not name {missing}"


def test_architecture_layout_names_no_module_that_is_gone() -> None:
    names = {path.name for tree in (ROOT / "firmware", ROOT / "host" / "unsit")
             for path in tree.rglob("*.py")}
    gone = {name for name in re.findall(r"(?<![\w.<])([a-z_0-9]+\.py)\b", _layout())
            if name not in names}
    assert not gone, f"docs/architecture.md's layout names modules that are gone: {gone}"
