"""Pairing and unpairing over USB: the protocol's PAIR, FORGET and FORGET_ALL commands.

Over USB no pairing window is needed (the cable is physical access); the clip stores the key
as for Bluetooth pairing and answers with its half of the exchange. Afterwards the host
reaches the clip over Bluetooth with that key (``unsit.links.ble.connect``). The cable is consent
for the reverse too: :func:`forget_usb` makes the clip drop this computer's key,
:func:`reset_keys_usb` every computer's key (a factory reset of its pairings).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass

from unsit.errors import UnsitError
from unsit.links.aes_block import aes_ecb
from unsit.links.client import Command, DeviceClient, DeviceError, DeviceInfo
from unsit.links.ports import resolve_port
from unsit.links.transport import SerialTransport
from unsit.pairing import PAIR_S
from unsit.pairing.keys import KeyRing, PairedDevice
from unsit_firmware.logic import protocol, secure_session

KEYS_S = 2.0    # rewriting the key file on flash


async def pair_usb(port: str | None, keyring: KeyRing) -> PairedDevice:
    """Pair with the clip on serial ``port`` (found on USB when None); the key goes in
    ``keyring``."""
    path = resolve_port(port)
    session = secure_session.HostSession(keyring.host_id, aes_ecb, secrets.token_bytes)
    record = session.pair_request()
    async with SerialTransport(path) as link:
        client = DeviceClient(link, timeout=PAIR_S, retries=0)
        info = await client.handshake()
        try:
            reply = await client.call(
                Command.PAIR, lambda tag: protocol.pack_request(protocol.PAIR, tag, record))
        except DeviceError as error:
            raise UnsitError(f"the clip refused pairing over USB ({error}): its firmware may "
                             "have no Bluetooth") from None
    try:
        key = session.paired(reply)
    except secure_session.SessionError as error:
        raise UnsitError(f"pairing over USB failed: {error}") from None
    if session.device_id != info.device_id:
        raise UnsitError("pairing over USB failed: the clip answered with another id")
    device = PairedDevice(info.device_id, info.name, key, "")
    keyring.add(device)
    return device


@dataclass(frozen=True)
class Forgotten:
    """What the clip on USB answered to FORGET or FORGET_ALL."""

    device: DeviceInfo
    removed: int        # keys the clip dropped (0 or 1 for FORGET)
    remaining: int      # hosts' keys it still holds
    path: str


def _no_bluetooth(error: DeviceError, path: str) -> UnsitError:
    if error.status == protocol.NOT_ALLOWED:
        return UnsitError(f"the clip on {path} has no Bluetooth, so it holds no keys")
    return UnsitError(f"the clip on {path}: {error}")


async def _keys_call(port: str | None, command: Command,
                     request: Callable[[int], bytes], expect: str | None = None
                     ) -> tuple[DeviceInfo, bytes, str]:
    """Ask the clip on serial ``port`` (found on USB when None) to drop keys: HELLO, then
    ``command``; ``expect`` (its id or name) leaves any other clip alone."""
    path = resolve_port(port)
    async with SerialTransport(path) as link:
        client = DeviceClient(link, timeout=KEYS_S)
        info = await client.handshake()
        if expect is not None and expect.lower() not in (info.device_id, info.name):
            raise UnsitError(f"the clip on {path} is {info.name} (id {info.device_id}), "
                             f"not {expect}", exit_code=2)
        try:
            return info, await client.call(command, request), path
        except DeviceError as error:
            raise _no_bluetooth(error, path) from None


async def forget_usb(port: str | None, keyring: KeyRing, expect: str | None = None
                     ) -> Forgotten:
    """Make the clip on serial ``port`` (found on USB when None) drop this computer's key.

    ``expect``: the clip's id or name; another clip on the port is left alone (an
    :class:`UnsitError`). The key ring is not changed (the caller drops the key for
    ``result.device``).
    """
    host_id = keyring.host_id
    info, body, path = await _keys_call(
        port, Command.FORGET, lambda tag: protocol.forget_request(tag, host_id), expect)
    removed, remaining = protocol.unpack_forget(body)
    return Forgotten(info, int(removed), remaining, path)


async def reset_keys_usb(port: str | None) -> Forgotten:
    """Factory reset of the pairings of the clip on serial ``port``: it drops every
    computer's key. Needs the cable; the clip refuses it over Bluetooth."""
    info, body, path = await _keys_call(port, Command.FORGET_ALL, protocol.forget_all_request)
    return Forgotten(info, protocol.unpack_forget_all(body), 0, path)
