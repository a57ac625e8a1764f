"""Bluetooth LE to the clip: the encrypted :class:`Transport` to a paired device.

Written against bleak's public API only (``BleakClient``). The device's GATT service
(``logic.ble_ids``) has a write characteristic (host -> device) and a notify characteristic
(device -> host) carrying length-prefixed records of the secure session
(``logic.secure_session``), cut to the negotiated MTU. :class:`BleTransport` authenticates
with the pairing key before the first request and then carries protocol messages sealed
(AES-CTR + HMAC), so ``unsit.links.client`` uses it exactly like the serial transport.
Finding the device is ``unsit.links.ble_scan``; pairing is ``unsit.pairing.ble``.

Failures become one-line :class:`~unsit.errors.UnsitError`\\ s: Bluetooth off, the device
out of range (after ``CONNECT_ATTEMPTS`` tries with a pause, since a first connection
attempt over the air often fails transiently), a refused key, a link lost mid-transfer.
"""

from __future__ import annotations

import asyncio
import secrets

from bleak import BleakClient
from bleak.backends.characteristic import BleakGATTCharacteristic
from bleak.exc import BleakBluetoothNotAvailableError, BleakError

from unsit.errors import UnsitError
from unsit.links.aes_block import aes_ecb
from unsit.links.ble_scan import SCAN_S, DeviceNotFound, find, unavailable
from unsit.links.transport import LinkLost, Transport, TransportError, next_message
from unsit.pairing.keys import KeyRing, PairedDevice
from unsit_firmware.logic import ble_ids, secure_session
from unsit_firmware.logic.record_stream import RecordAssembler, prefixed

CONNECT_S = 10.0
CONNECT_ATTEMPTS = 3
RETRY_PAUSE_S = 1.0
HANDSHAKE_S = 5.0
MAX_RECORD = 64 * 1024


class AccessRefused(UnsitError):
    """The device refused this computer (not paired, wrong key, pairing window closed);
    ``code`` is the session's ERROR code (``secure_session.NOT_PAIRED``, ...)."""

    def __init__(self, message: str, code: int = 0) -> None:
        super().__init__(message)
        self.code = code


class RecordLink:
    """Records over the two characteristics of one connected device."""

    def __init__(self, address: str, description: str) -> None:
        self.address = address
        self.description = description
        self._client: BleakClient | None = None
        self._records: asyncio.Queue[bytes | BaseException] = asyncio.Queue()
        self._assembler = RecordAssembler(MAX_RECORD)
        self._rx: BleakGATTCharacteristic | None = None
        self.bytes_in = 0
        self.bytes_out = 0

    async def connect(self) -> None:
        last: Exception | None = None
        for attempt in range(CONNECT_ATTEMPTS):
            if attempt:
                await asyncio.sleep(RETRY_PAUSE_S)
            client = BleakClient(self.address, timeout=CONNECT_S,
                                 disconnected_callback=self._on_disconnect)
            try:
                await client.connect()
                self._rx = client.services.get_characteristic(ble_ids.RX_UUID)
                if self._rx is None:
                    await client.disconnect()
                    raise TransportError(f"{self.description} is not an unsit device")
                await client.start_notify(ble_ids.TX_UUID, self._on_notify)
            except BleakBluetoothNotAvailableError as error:
                raise unavailable(error) from None
            except (BleakError, TimeoutError, OSError) as error:
                last = error
                continue
            self._client = client
            return
        raise DeviceNotFound(f"cannot connect to {self.description} after {CONNECT_ATTEMPTS} "
                             f"tries ({last}): is it in range and awake?")

    async def close(self) -> None:
        client, self._client = self._client, None
        if client is not None and client.is_connected:
            try:
                await client.disconnect()
            except BleakError:
                pass

    def _on_disconnect(self, client: BleakClient) -> None:
        self._client = None
        self._records.put_nowait(LinkLost(f"{self.description}: Bluetooth link lost"))

    def _on_notify(self, characteristic: BleakGATTCharacteristic, data: bytearray) -> None:
        self.bytes_in += len(data)
        view = memoryview(data)
        try:
            while view:
                view = view[self._assembler.feed(view):]
                while (record := self._assembler.next_record()) is not None:
                    self._records.put_nowait(record)
        except ValueError as error:
            self._records.put_nowait(LinkLost(f"{self.description}: broken stream ({error})"))

    async def send(self, record: bytes) -> None:
        client = self._client
        if client is None or self._rx is None:
            raise LinkLost(f"{self.description} is not connected")
        data = prefixed(record)
        size = max(20, client.mtu_size - 3)
        try:
            for pos in range(0, len(data), size):
                await client.write_gatt_char(self._rx, data[pos:pos + size], response=True)
        except BleakError as error:
            raise LinkLost(f"{self.description}: write failed ({error})") from None
        self.bytes_out += len(data)

    async def receive(self, timeout: float) -> bytes:
        return await next_message(self._records, timeout, self.description)


WINDOW_HINT = ("hold its button for 3 s, then pair within a minute (a clip paired with no "
               "computer yet also opens it when switched on); or pair over USB with --port")


def refused(error: secure_session.SessionError) -> AccessRefused:
    hint = ""
    if error.code in (secure_session.NOT_PAIRED, secure_session.BAD_AUTH):
        hint = " (run 'unsit pair')"
    elif error.code == secure_session.WINDOW_CLOSED:
        hint = f" ({WINDOW_HINT})"
    return AccessRefused(f"{error}{hint}", error.code)


class BleTransport(Transport):
    """Protocol messages to one paired device over an authenticated, encrypted BLE session."""

    max_message = 1024

    def __init__(self, address: str, paired: PairedDevice, host_id: bytes,
                 keyring: KeyRing | None = None) -> None:
        self.paired = paired
        self._address = address
        self._keyring = keyring
        self.description = f"{paired.name} (BLE)"
        self._link = RecordLink(address, self.description)
        self._session = secure_session.HostSession(host_id, aes_ecb, secrets.token_bytes)
        self._lock = asyncio.Lock()

    @property
    def bytes_in(self) -> int:
        return self._link.bytes_in

    @property
    def bytes_out(self) -> int:
        return self._link.bytes_out

    async def open(self) -> None:
        await self._link.connect()
        try:
            await self._link.send(self._session.hello(self.paired.key))
            challenge = await self._link.receive(HANDSHAKE_S)
            await self._link.send(self._session.answer(challenge, self.paired.key))
            self._session.welcome(await self._link.receive(HANDSHAKE_S))
            if self._session.device_id != self.paired.device_id:
                raise secure_session.SessionError(
                    secure_session.BAD_AUTH, "another device answered in the clip's place")
        except secure_session.SessionError as error:
            await self._link.close()
            raise refused(error) from None
        except BaseException:
            await self._link.close()
            raise
        paired = self.paired
        if self._keyring is not None and self._address != paired.address:
            # Only a device that proved it holds the key may move the clip's address: an
            # unauthenticated answer from elsewhere is never remembered.
            self._keyring.add(PairedDevice(paired.device_id, paired.name, paired.key,
                                           self._address))

    async def close(self) -> None:
        await self._link.close()

    async def request(self, message: bytes, timeout: float) -> bytes:
        channel = self._session.channel
        if channel is None:
            raise LinkLost(f"{self.description} is not open")
        async with self._lock:
            await self._link.send(channel.seal(message))
            return await self._next(timeout)

    async def receive(self, timeout: float) -> bytes:
        if self._session.channel is None:
            raise LinkLost(f"{self.description} is not open")
        async with self._lock:
            return await self._next(timeout)

    async def _next(self, timeout: float) -> bytes:
        """The next sealed message from the device, opened; the session ends on any fault."""
        channel = self._session.channel
        assert channel is not None
        record = await self._link.receive(timeout)
        try:
            secure_session.check_error(record)
            return channel.open(record)
        except secure_session.SessionError as error:
            await self._link.close()
            raise TransportError(f"{self.description}: {error}") from None


async def connect(name_or_id: str | None, keyring: KeyRing,
                  timeout: float = SCAN_S) -> BleTransport:
    """An unopened transport to a paired device (the only one when ``name_or_id`` is None).

    This is the hook ``unsit sync`` uses for Bluetooth: ``async with await connect(...)``.
    """
    chosen = keyring.choose(name_or_id)
    found = await find(chosen.name, timeout)
    return BleTransport(found.address, chosen, keyring.host_id, keyring)
