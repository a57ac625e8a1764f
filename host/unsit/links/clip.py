"""Reaching one clip for a short exchange (``unsit settings``, ``status``, ``buzz``): over USB
with ``--port``, over Bluetooth LE to a named paired clip, and otherwise over USB when a clip
is plugged in, else Bluetooth to the only paired clip (the order ``unsit sync`` follows).
"""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from unsit.errors import UnsitError
from unsit.links.client import DeviceClient, DeviceInfo
from unsit.links.ports import no_clip_to_reach, resolve_port
from unsit.links.transport import SerialTransport, Transport
from unsit.pairing.keys import KeyRing

HANDSHAKE_S = 5.0


@dataclass
class Clip:
    """A clip that answered HELLO: its client, what it said, and the link (``via``)."""

    client: DeviceClient
    info: DeviceInfo
    via: str


async def _usb(port: str | None) -> tuple[Transport, str]:
    path = resolve_port(port)
    return SerialTransport(path), path


async def _ble(name: str | None, keyring: KeyRing, scan_s: float) -> tuple[Transport, str]:
    from unsit.links import ble  # bleak and cryptography: loaded only for Bluetooth

    return await ble.connect(name, keyring, scan_s), "Bluetooth LE"


@asynccontextmanager
async def open_clip(name: str | None, port: str | None, keyring: KeyRing | None = None,
                    scan_s: float = 5.0) -> AsyncIterator[Clip]:
    """The clip chosen by ``name`` (a paired clip, over Bluetooth) or ``port`` (USB; 'auto'
    finds it), or else the plugged-in clip, or else the only paired one."""
    if name is not None and port is not None:
        raise UnsitError("name a paired clip or give --port, not both", exit_code=2)
    if port is not None:
        transport, via = await _usb(port)
    elif name is not None:
        transport, via = await _ble(name, keyring or KeyRing(), scan_s)
    else:
        ring = keyring or KeyRing()
        try:
            transport, via = await _usb(None)
        except UnsitError as usb:
            if not ring.devices():
                raise no_clip_to_reach(usb) from None
            transport, via = await _ble(None, ring, scan_s)
    async with transport as link:
        client = DeviceClient(link)
        info = await client.handshake(HANDSHAKE_S)
        yield Clip(client, info, via)


def add_clip_arguments(parser: argparse.ArgumentParser) -> None:
    """``NAME`` and ``--port PATH``, as ``unsit sync`` takes them."""
    parser.add_argument("name", nargs="?", metavar="NAME",
                        help="a paired clip, reached over Bluetooth (unsit-XXXX or its id; "
                        "default: the clip on USB, else the only paired clip)")
    parser.add_argument("--port", metavar="PATH",
                        help="over USB: the clip's serial port, e.g. /dev/ttyACM0 or COM3, "
                        "or 'auto' to find it")
