"""Pairing over USB: the protocol's PAIR command carries the secure session's key agreement.

Over USB no pairing window is needed (the cable is physical access); the clip stores the key
as for Bluetooth pairing and answers with its half of the exchange. Afterwards the host
reaches the clip over Bluetooth with that key (``unsit.ble.connect``).
"""

from __future__ import annotations

import secrets

from unsit.aes_block import aes_ecb
from unsit.client import Command, DeviceClient, DeviceError
from unsit.errors import UnsitError
from unsit.keys import KeyRing, PairedDevice
from unsit.ports import find_device_port
from unsit.transport import SerialTransport
from unsit_firmware.logic import protocol, secure_session

PAIR_S = 20.0   # the clip's half of the key agreement takes seconds on a small MCU


async def pair_usb(port: str | None, keyring: KeyRing) -> PairedDevice:
    """Pair with the clip on serial ``port`` (found on USB when None); the key goes in
    ``keyring``."""
    path = find_device_port() if port is None else port
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
