"""The CLI's shape: every command has help, --version works, user mistakes are one line."""

from __future__ import annotations

import subprocess
import sys

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


def test_parser_builds() -> None:
    parser = build_parser()
    assert parser.prog == "unsit"
