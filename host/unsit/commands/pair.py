"""``unsit pair [NAME]``: pair this computer with a clip over Bluetooth LE.

The wearer first opens the pairing window on the clip: switching on a clip that holds no key
yet opens it for two minutes, and on a clip with a button (M5StickC Plus2: button A) holding the button for 3 s
opens it for one minute (docs/ble.md, "The pairing gesture"). The clip and this computer then
agree on a secret key, which is kept in this computer's key file (``unsit.pairing.keys``). Without
NAME the one clip advertising nearby is used. With ``--port`` the pairing goes over the USB
cable instead, with no window needed (``--port auto`` finds the clip on USB).
"""

from __future__ import annotations

import argparse
import asyncio

from unsit.pairing.keys import KeyRing

NAME = "pair"
HELP = ("Pair this computer with a clip (switch the clip on, or hold its button 3 s, first; "
        "or --port for USB).")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", nargs="?", metavar="NAME",
                        help="the clip's name (unsit-XXXX) or address "
                        "(default: the only one nearby)")
    parser.add_argument("--port", metavar="PATH",
                        help="pair over this USB serial port instead ('auto': find it)")
    parser.add_argument("--time", type=float, metavar="S",
                        help="how long to look for the clip, in seconds (default 5)")


async def run_async(args: argparse.Namespace) -> int:
    # bleak and cryptography: loaded only when a command needs them
    from unsit.links.ble_scan import SCAN_S
    from unsit.pairing.ble import pair
    from unsit.pairing.usb import pair_usb

    keyring = KeyRing()
    if args.port is not None:
        print("Pairing over USB...")
        device = await pair_usb(args.port, keyring)
    else:
        print("Pairing... (the clip's pairing window must be open: it is for 1 minute after "
              "holding its button for 3 s, or for 2 minutes after switching on a clip that "
              "is paired with no computer yet)")
        device = await pair(args.name, keyring, args.time or SCAN_S)
    print(f"Paired with {device.name} (id {device.device_id}). Key saved in {keyring.path}.")
    return 0


def run(args: argparse.Namespace) -> int:
    return asyncio.run(run_async(args))
