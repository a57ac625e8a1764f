"""``unsit forget [NAME]``: unpair this computer from a clip, on both sides.

The clip is told to drop this computer's key, over an authenticated Bluetooth session (or
over USB with ``--port``), and then this computer drops its copy. When the clip cannot be
reached, this computer's copy is dropped anyway and the command says that the clip still
holds its key (useless without this copy; ``--port`` or a factory reset removes it later).

``--all`` forgets every clip this computer is paired with. ``--all --port PATH`` is the
factory reset of a clip's pairings: over the cable (physical access is consent, as for
pairing) it drops every computer's key; any computer then has to pair again.
"""

from __future__ import annotations

import argparse
import asyncio

from unsit.pairing.keys import KeyRing, PairedDevice

NAME = "forget"
HELP = "Unpair: the clip and this computer drop this computer's key (--all --port: factory reset)."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", nargs="?", metavar="NAME",
                        help="the clip's name (unsit-XXXX), id or address "
                        "(default: the only paired clip)")
    parser.add_argument("--all", action="store_true",
                        help="every paired clip; with --port: the clip on that port forgets "
                        "every computer (factory reset of its pairings)")
    parser.add_argument("--port", metavar="PATH",
                        help="tell the clip over this USB serial port instead of Bluetooth "
                        "('auto': find it)")
    parser.add_argument("--time", type=float, metavar="S",
                        help="how long to look for the clip over Bluetooth, in seconds "
                        "(default 5)")


def _drop_local(keyring: KeyRing, device_id: str) -> str:
    return " and so did this computer" if keyring.forget(device_id) else ""


async def _over_usb(args: argparse.Namespace, keyring: KeyRing) -> int:
    from unsit.pairing.usb import forget_usb, reset_keys_usb

    if args.all:
        done = await reset_keys_usb(args.port)
        info = done.device
        print(f"Factory reset of {info.name}'s pairings (id {info.device_id}): it forgot "
              f"every computer's key ({done.removed}){_drop_local(keyring, info.device_id)}.")
        return 0
    expect = None
    if args.name is not None:
        paired = keyring.find(args.name)
        expect = args.name if paired is None else paired.device_id
    done = await forget_usb(args.port, keyring, expect)
    info = done.device
    held = "dropped this computer's key" if done.removed else "did not hold this computer's key"
    print(f"{info.name} (id {info.device_id}) {held}{_drop_local(keyring, info.device_id)}; "
          f"it keeps {done.remaining} other computer(s)' keys.")
    return 0


async def _over_ble(device: PairedDevice, keyring: KeyRing, scan_s: float | None) -> None:
    # bleak and cryptography: loaded only when a command needs them
    from unsit.links.ble_scan import SCAN_S, BluetoothUnavailable, DeviceNotFound
    from unsit.links.transport import TransportError
    from unsit.pairing.ble import forget_ble

    try:
        held, remaining = await forget_ble(device, keyring, scan_s or SCAN_S)
    except (BluetoothUnavailable, DeviceNotFound, TransportError) as error:
        keyring.forget(device.device_id)
        print(f"Forgot {device.name} (id {device.device_id}) on this computer only: the clip "
              f"could not be reached ({error}) and still holds this computer's key. Without "
              "this computer's copy it is useless; 'unsit forget --port PATH' over USB or a "
              "factory reset removes it.")
        return
    keyring.forget(device.device_id)
    if held is None:
        print(f"Forgot {device.name} (id {device.device_id}) on this computer. The clip "
              "refused this computer's key before proving who it is, so whether it still "
              "holds it is unknown; 'unsit forget --port PATH' over USB removes it for sure.")
    elif held:
        print(f"Forgot {device.name} (id {device.device_id}): the clip dropped this "
              f"computer's key (it keeps {remaining} other computer(s)' keys) and so did "
              "this computer.")
    else:
        print(f"Forgot {device.name} (id {device.device_id}): the clip had already "
              "forgotten this computer; this computer's copy is gone too.")


async def run_async(args: argparse.Namespace) -> int:
    keyring = KeyRing()
    if args.port is not None:
        return await _over_usb(args, keyring)
    if args.all:
        devices = keyring.devices()
        if not devices:
            print("No paired clips.")
    else:
        devices = [keyring.choose(args.name)]
    for device in devices:
        await _over_ble(device, keyring, args.time)
    return 0


def run(args: argparse.Namespace) -> int:
    return asyncio.run(run_async(args))
