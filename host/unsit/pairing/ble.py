"""Pairing over Bluetooth LE: a new key agreed with a clip whose pairing window is open, and a
paired clip told to forget this computer (docs/ble.md). Pairing over USB is
``unsit.pairing.usb``.
"""

from __future__ import annotations

import secrets

from unsit.errors import UnsitError
from unsit.links.aes_block import aes_ecb
from unsit.links.ble import HANDSHAKE_S, AccessRefused, RecordLink, connect, refused
from unsit.links.ble_scan import SCAN_S, DeviceNotFound, find, scan
from unsit.links.client import Command, DeviceClient
from unsit.pairing import PAIR_S
from unsit.pairing.keys import KeyRing, PairedDevice
from unsit_firmware.logic import protocol, secure_session


async def forget_ble(device: PairedDevice, keyring: KeyRing,
                     timeout: float = SCAN_S) -> tuple[bool | None, int]:
    """Tell ``device`` over an authenticated session to drop this computer's key.

    Returns ``(held, remaining)``: whether the clip still held the key, and how many hosts'
    keys it keeps. A refusal before authentication (NOT_PAIRED, BAD_AUTH) proves nothing,
    since anything can send it: reported as ``(None, -1)``, not as a key that is gone.
    :class:`~unsit.links.ble_scan.BluetoothUnavailable` or
    :class:`~unsit.links.ble_scan.DeviceNotFound` when it cannot be reached. The key ring is
    not changed.
    """
    host_id = keyring.host_id
    transport = await connect(device.device_id, keyring, timeout)
    try:
        async with transport as link:
            client = DeviceClient(link, timeout=HANDSHAKE_S, retries=1)
            body = await client.call(
                Command.FORGET, lambda tag: protocol.forget_request(tag, host_id))
    except AccessRefused as error:
        if error.code in (secure_session.NOT_PAIRED, secure_session.BAD_AUTH):
            return None, -1
        raise
    return protocol.unpack_forget(body)


async def pair(name_or_address: str | None, keyring: KeyRing,
               timeout: float = SCAN_S) -> PairedDevice:
    """Pair over BLE with a device whose pairing window is open; the key goes in ``keyring``."""
    if name_or_address is None:
        found_all = await scan(timeout)
        if not found_all:
            raise DeviceNotFound("no unsit device is advertising nearby")
        if len(found_all) > 1:
            names = ", ".join(d.name for d in found_all)
            raise UnsitError(f"several devices nearby ({names}): name one", exit_code=2)
        found = found_all[0]
    else:
        found = await find(name_or_address, timeout)
    link = RecordLink(found.address, f"{found.name} (BLE)")
    session = secure_session.HostSession(keyring.host_id, aes_ecb, secrets.token_bytes)
    await link.connect()
    try:
        await link.send(session.pair_request())
        key = session.paired(await link.receive(PAIR_S))
    except secure_session.SessionError as error:
        raise refused(error) from None
    finally:
        await link.close()
    assert session.device_id is not None
    device = PairedDevice(session.device_id, found.name, key, found.address)
    keyring.add(device)
    return device
