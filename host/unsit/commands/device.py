"""``unsit device install|info``: put the firmware on a board over USB, or show what is on it.

A thin front over :mod:`unsit.device_install`. Without ``--port`` the one USB serial port that
looks like a board is used.
"""

from __future__ import annotations

import argparse

from unsit import console
from unsit.device_install import board_info, install
from unsit.links.ports import find_device_port

NAME = "device"
HELP = ("Install the firmware on a board over USB (device install) or show what it runs "
        "(device info).")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    for action, text in (
        ("install", "compile the firmware for the board and copy the files that changed"),
        ("info", "show the board's MicroPython, free space and installed unsit files"),
    ):
        sub = actions.add_parser(action, help=text, description=text)
        sub.add_argument("--port", metavar="PATH",
                         help="serial port of the board (default: the one USB board found)")
        sub.add_argument("--timeout", type=float, default=10.0, metavar="S",
                         help="seconds to wait for the board's REPL (default 10)")


def _say(line: str) -> None:
    console.say(line)


def run(args: argparse.Namespace) -> int:
    port = args.port or find_device_port()
    if args.action == "info":
        info = board_info(port, timeout_s=args.timeout)
        print(f"port         {info.port}")
        print(f"micropython  {info.version_text} ({info.machine})")
        major, sub = info.bytecode
        print(f"bytecode     mpy v{major}.{sub}, native code {info.arch or 'none'}")
        print(f"filesystem   {info.free_bytes // 1024} KB free of {info.total_bytes // 1024} KB")
        if info.manifest:
            files = info.manifest.get("files", {})
            print(f"unsit        {info.manifest.get('unsit', '?')} ({len(files)} files)")
        else:
            print("unsit        not installed")
        return 0
    result = install(port, progress=_say, timeout_s=args.timeout)
    print(f"installed on {port}: {len(result.copied)} files copied "
          f"({result.bytes_copied} bytes), {len(result.unchanged)} unchanged, "
          f"{len(result.removed)} stale removed; verified")
    return 0
