"""The ``unsit`` command line: a thin front over the library.

Each sub-command lives in its own module in :mod:`unsit.commands` and is found here by name,
so adding a command touches no other file. User mistakes (:class:`UnsitError`) print one line
on stderr and exit non-zero; only real bugs show a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sqlite3
import sys
from collections.abc import Sequence
from types import ModuleType

from unsit import __version__, commands
from unsit.errors import UnsitError
from unsit.store import default_path, store_error


def command_modules() -> list[ModuleType]:
    """Every sub-command module, sorted by command name."""
    found = []
    for info in pkgutil.iter_modules(commands.__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{commands.__name__}.{info.name}")
        found.append(module)
    return sorted(found, key=lambda m: m.NAME)


class _Parser(argparse.ArgumentParser):
    """argparse, but usage errors print one line plus a hint rather than the whole usage."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message}\n(try '{self.prog} --help')\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="unsit",
        description="Sync and review the unsit sitting monitor; analyse and simulate traces.",
    )
    parser.add_argument("--version", action="version", version=f"unsit {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for module in command_modules():
        command = sub.add_parser(module.NAME, help=module.HELP, description=module.HELP)
        module.add_arguments(command)
        command.set_defaults(_run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        return int(args._run(args) or 0)
    except UnsitError as error:
        print(f"unsit {args.command}: error: {error}", file=sys.stderr)
        return error.exit_code
    except sqlite3.DatabaseError as error:
        # Found mid-query: pages of the store's file are damaged (the check at open passed).
        # (or it is locked by another program, or the disk is full: store_error tells which)
        where = getattr(args, "db", None) or default_path()
        print(f"unsit {args.command}: error: {store_error(where, error)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"unsit {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader of our output went away (``unsit analyze ... | head``): not an error.
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
