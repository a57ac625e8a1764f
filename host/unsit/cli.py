"""The ``unsit`` command line: a thin front over the library.

Each sub-command lives in its own module in :mod:`unsit.commands` and is found here by name,
so adding a command touches no other file. User mistakes (:class:`UnsitError`) print one line
on stderr and exit non-zero; only real bugs show a traceback.
"""

from __future__ import annotations

# Only what a Python start has loaded already: everything else is imported inside main()'s
# handler of Ctrl-C, so that an interrupt at any moment ends in one line, not a traceback.
import signal
import sys

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    import argparse
    from collections.abc import Sequence
    from types import ModuleType

# What a light install (``pip install unsit``) lacks, and the extra that brings it
_EXTRA_FOR = {"numpy": "sim", "mpremote": "device", "agcounts": "eval"}


def command_modules() -> list[ModuleType]:
    """Every sub-command module, sorted by command name."""
    import importlib
    import pkgutil

    from unsit import commands

    found = []
    for info in pkgutil.iter_modules(commands.__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{commands.__name__}.{info.name}")
        found.append(module)
    return sorted(found, key=lambda m: m.NAME)


def _verbosity_options(parser: argparse.ArgumentParser, default: object) -> None:
    """``-q``/``-v``, before the command or after it (``unsit -q sync``, ``unsit sync -q``)."""
    group = parser.add_argument_group("messages")
    group.add_argument("-q", "--quiet", action="count", default=default,
                       help="say nothing on stderr but errors (no progress)")
    group.add_argument("-v", "--verbose", action="count", default=default,
                       help="say more about the work on stderr")


def build_parser() -> argparse.ArgumentParser:
    import argparse

    class _Parser(argparse.ArgumentParser):
        """argparse, but usage errors print one line plus a hint rather than the whole usage."""

        def error(self, message: str) -> None:  # type: ignore[override]
            self.exit(2, f"{self.prog}: error: {message}\n(try '{self.prog} --help')\n")

    parser = _Parser(
        prog="unsit",
        description="Sync and review the unsit sitting monitor; analyse and simulate traces.",
    )
    class _Version(argparse.Action):
        """``--version``, looked up only when asked (importlib.metadata is slow to load)."""

        def __call__(self, parser: argparse.ArgumentParser, *_: object) -> None:
            from unsit import __version__

            print(f"unsit {__version__}")
            parser.exit(0)

    parser.add_argument("--version", action=_Version, nargs=0,
                        help="show the version of unsit and exit")
    _verbosity_options(parser, 0)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for module in command_modules():
        command = sub.add_parser(module.NAME, help=module.HELP, description=module.HELP)
        module.add_arguments(command)
        # SUPPRESS: a sub-command's default must not undo a -q given before the command
        _verbosity_options(command, argparse.SUPPRESS)
        command.set_defaults(_run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; Ctrl-C at any moment ends it with one line and exit status 130."""
    words = sys.argv[1:] if argv is None else list(argv)
    command = " ".join(["unsit", *[w for w in words if not w.startswith("-")][:1]])
    try:
        from unsit import console

        parser = build_parser()
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help()
            return 2
        command = f"unsit {args.command}"
        console.set_verbosity(console.NORMAL - args.quiet + args.verbose)
        return _run(args)
    except KeyboardInterrupt:
        # a second Ctrl-C while this line is written must not print a traceback either
        try:
            previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        except ValueError:  # not the main thread: no signal arrives here anyway
            previous = None
        try:
            clear = "\r\x1b[K" if sys.stderr.isatty() else ""  # a progress bar's line
            print(f"{clear}{command}: interrupted", file=sys.stderr, flush=True)
        finally:
            if previous is not None:
                signal.signal(signal.SIGINT, previous)
        return 130


def _run(args: argparse.Namespace) -> int:
    import sqlite3

    from unsit.errors import UnsitError

    try:
        return int(args._run(args) or 0)
    except UnsitError as error:
        print(f"unsit {args.command}: error: {error}", file=sys.stderr)
        return error.exit_code
    except sqlite3.DatabaseError as error:
        # Found mid-query: damaged pages, a lock held by another program or a full disk
        # (store_error tells which).
        from unsit.store import default_path, store_error

        where = getattr(args, "db", None) or default_path()
        print(f"unsit {args.command}: error: {store_error(where, error)}", file=sys.stderr)
        return 1
    except ModuleNotFoundError as error:
        extra = _EXTRA_FOR.get((error.name or "").partition(".")[0])
        if extra is None:
            raise
        print(f"unsit {args.command}: error: this command needs {error.name}, which the "
              f"light install leaves out: pip install 'unsit[{extra}]'", file=sys.stderr)
        return 1
    except BrokenPipeError:
        # The reader of our output went away (``unsit analyze ... | head``): not an error.
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
