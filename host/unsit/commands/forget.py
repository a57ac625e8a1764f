"""``unsit forget NAME``: remove a paired clip's key from this computer.

Afterwards this computer can no longer talk to the clip over Bluetooth until paired again.
The clip keeps its copy until a factory reset or until newer hosts push it out (it keeps the
four most recent); without this computer's copy that key is useless.
"""

from __future__ import annotations

import argparse

from unsit.errors import UnsitError
from unsit.keys import KeyRing

NAME = "forget"
HELP = "Remove a paired clip's key from this computer (--all: every key)."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", nargs="?", metavar="NAME",
                        help="the clip's name (unsit-XXXX), id or address")
    parser.add_argument("--all", action="store_true", help="forget every paired clip")


def run(args: argparse.Namespace) -> int:
    keyring = KeyRing()
    if args.all:
        devices = keyring.devices()
    elif args.name is None:
        raise UnsitError("name the clip to forget (or --all); 'unsit scan' lists them",
                         exit_code=2)
    else:
        device = keyring.find(args.name)
        if device is None:
            raise UnsitError(f"{args.name} is not paired with this computer", exit_code=2)
        devices = [device]
    for device in devices:
        keyring.forget(device.device_id)
        print(f"Forgot {device.name} (id {device.device_id}).")
    if not devices:
        print("No paired clips.")
    return 0
