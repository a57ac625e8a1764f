"""The CLI's shape: every command has help, --version works, user mistakes are one line."""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections.abc import Iterator

import pytest

from unsit import __version__
from unsit.cli import build_parser, command_modules, main


def run_unsit(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "unsit", *args], capture_output=True, text=True, timeout=120
    )


def test_every_command_has_one_line_help() -> None:
    modules = command_modules()
    assert modules, "no sub-commands found"
    for module in modules:
        assert module.HELP and "\n" not in module.HELP, module.__name__
        assert module.__doc__, f"{module.__name__} has no module docstring"


def test_help_lists_every_command() -> None:
    done = run_unsit("--help")
    assert done.returncode == 0
    for module in command_modules():
        assert module.NAME in done.stdout


def test_version() -> None:
    done = run_unsit("--version")
    assert done.returncode == 0
    assert done.stdout.strip() == f"unsit {__version__}"


def test_unknown_command_is_one_clear_line_not_a_traceback() -> None:
    done = run_unsit("frobnicate")
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "invalid choice: 'frobnicate'" in done.stderr


def test_no_command_prints_help_and_fails(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "COMMAND" in capsys.readouterr().out


def _sub_parsers(parser: argparse.ArgumentParser,
                 path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...],
                                                              argparse.ArgumentParser]]:
    """Every parser below ``parser`` with the words that reach it (``device install``...)."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield (*path, name), sub
                yield from _sub_parsers(sub, (*path, name))


def _minimal_words(parser: argparse.ArgumentParser) -> list[str] | None:
    """Words that fill every required argument of ``parser`` (None: it has sub-commands)."""
    words: list[str] = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return None
        if not (action.required or (not action.option_strings and action.nargs not in ("?", "*"))):
            continue
        value = str(next(iter(action.choices))) if action.choices else "1"
        if action.option_strings:
            words.append(action.option_strings[0])
        words.append(value)
    return words


def test_parser_builds() -> None:
    """Every command and option has help text, and every command parses with only its
    required arguments given, reaching its own ``run``."""
    parser = build_parser()
    assert parser.prog == "unsit"
    runs = {module.NAME: module.run for module in command_modules()}
    commands = list(_sub_parsers(parser))
    assert {path[0] for path, _ in commands} == set(runs)
    for path, sub in commands:
        assert sub.description, path
        for action in sub._actions:
            if not isinstance(action, argparse._SubParsersAction):
                assert action.help and action.help != argparse.SUPPRESS, (path, action.dest)
        words = _minimal_words(sub)
        if words is None:
            continue
        args = parser.parse_args([*path, *words])
        assert args.command == path[0]
        assert args._run is runs[path[0]], path
