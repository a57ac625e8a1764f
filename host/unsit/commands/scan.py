"""``unsit scan``: list the unsit clips advertising nearby over Bluetooth LE.

One line per device: name, address, signal strength and whether this computer is paired
with it. Scanning takes ``--time`` seconds (default 5).
"""

from __future__ import annotations

import argparse
import asyncio

from unsit.pairing.keys import KeyRing

NAME = "scan"
HELP = "List unsit devices nearby over Bluetooth LE, with signal strength and pairing."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--time", type=float, metavar="S",
                        help="how long to listen, in seconds (default 5)")


async def run_async(args: argparse.Namespace) -> int:
    from unsit.links import ble_scan  # bleak: loaded only when a command needs it

    found = await ble_scan.scan(args.time or ble_scan.SCAN_S, KeyRing())
    if not found:
        print("No unsit device found nearby (is it awake, in range, and not connected "
              "to another computer?).")
        return 1
    for device in found:
        paired = "paired" if device.paired else "not paired"
        print(f"{device.name}  {device.address}  {device.rssi} dBm  {paired}")
    return 0


def run(args: argparse.Namespace) -> int:
    return asyncio.run(run_async(args))
