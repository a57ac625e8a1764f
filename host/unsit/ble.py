"""Bluetooth LE to the clip: scanning, pairing and the encrypted :class:`Transport`.

Written against bleak's public API only (``BleakScanner``, ``BleakClient``). The device's
GATT service (``logic.ble_ids``) has a write characteristic (host -> device) and a notify
characteristic (device -> host) carrying length-prefixed records of the secure session
(``logic.secure_session``), cut to the negotiated MTU. :class:`BleTransport` authenticates
with the pairing key before the first request and then carries protocol messages sealed
(AES-CTR + HMAC), so ``unsit.client`` uses it exactly like the serial transport.

``unsit sync`` goes through :func:`sync_auto` (Bluetooth to the paired clip, falling back to
USB), ``unsit forget`` through :func:`forget_ble` (the clip drops this computer's key over an
authenticated session).

Failures become one-line :class:`~unsit.errors.UnsitError`\\ s: Bluetooth off, the device
out of range (after ``CONNECT_ATTEMPTS`` tries with a pause, since a first connection
attempt over the air often fails transiently), a refused key, a link lost mid-transfer.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bleak import BleakClient, BleakScanner
from bleak.backends.characteristic import BleakGATTCharacteristic
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementData
from bleak.exc import BleakBluetoothNotAvailableError, BleakError

from unsit.aes_block import aes_ecb
from unsit.errors import UnsitError
from unsit.keys import KeyRing, PairedDevice
from unsit.ports import find_device_port
from unsit.transport import LinkLost, Transport, TransportError, next_message
from unsit_firmware.logic import ble_ids, protocol, secure_session
from unsit_firmware.logic.record_stream import RecordAssembler, prefixed

if TYPE_CHECKING:
    from unsit.sync import Progress, SyncReport

SCAN_S = 5.0
# A clip on battery light-sleeps with its radio off and shows itself for 1.5 s every 5 minutes
# (hw/power.py DISCOVERY_EVERY_MS, DISCOVERY_MS); syncing waits for one such window.
SYNC_SCAN_S = 310.0
CONNECT_S = 10.0
CONNECT_ATTEMPTS = 3
RETRY_PAUSE_S = 1.0
HANDSHAKE_S = 5.0
PAIR_S = 20.0          # the device's key agreement takes seconds on a small MCU
RECONNECT_S = 10.0     # how long a link lost mid-sync is looked for again
MAX_RECORD = 64 * 1024


class BluetoothUnavailable(UnsitError):
    """No usable Bluetooth on this computer (off, absent or not allowed)."""


class DeviceNotFound(UnsitError):
    """The device is not advertising nearby (out of range, asleep, or busy with a host)."""


class AccessRefused(UnsitError):
    """The device refused this computer (not paired, wrong key, pairing window closed);
    ``code`` is the session's ERROR code (``secure_session.NOT_PAIRED``, ...)."""

    def __init__(self, message: str, code: int = 0) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class FoundDevice:
    name: str
    address: str
    rssi: int
    paired: bool


def _unavailable(error: BleakBluetoothNotAvailableError | OSError) -> BluetoothUnavailable:
    reason = str(error)
    if isinstance(error, OSError):  # e.g. Linux without a D-Bus system bus, so no BlueZ
        reason = f"no Bluetooth service to talk to: {error.strerror or error}"
    return BluetoothUnavailable(
        f"Bluetooth is not available ({reason}): turn it on, or use --port for USB")


async def scan(timeout: float = SCAN_S, keyring: KeyRing | None = None) -> list[FoundDevice]:
    """unsit devices advertising nearby, strongest signal first."""
    try:
        found = await BleakScanner.discover(timeout=timeout, return_adv=True,
                                            service_uuids=[ble_ids.SERVICE_UUID])
    except (BleakBluetoothNotAvailableError, OSError) as error:
        raise _unavailable(error) from None
    except BleakError as error:
        raise TransportError(f"scanning failed: {error}") from None
    paired = {d.name for d in keyring.devices()} if keyring is not None else set()
    devices = []
    for device, adv in found.values():
        name = adv.local_name or device.name or ""
        if not name.startswith(ble_ids.NAME_PREFIX):
            continue
        devices.append(FoundDevice(name, device.address, adv.rssi, name in paired))
    return sorted(devices, key=lambda d: -d.rssi)


async def find(name_or_address: str, timeout: float = SCAN_S) -> FoundDevice:
    """The advertising device with that name (``unsit-1a2b``) or address, as soon as seen."""
    wanted = name_or_address.lower()
    seen: asyncio.Future[FoundDevice] = asyncio.get_running_loop().create_future()

    def detected(device: BLEDevice, adv: AdvertisementData) -> None:
        name = adv.local_name or device.name or ""
        if wanted in (name.lower(), device.address.lower()) and not seen.done():
            seen.set_result(FoundDevice(name, device.address, adv.rssi, False))

    try:
        async with BleakScanner(detected, service_uuids=[ble_ids.SERVICE_UUID]):
            return await asyncio.wait_for(seen, timeout)
    except TimeoutError:  # before OSError, of which it is a subclass
        raise DeviceNotFound(f"{name_or_address} is not advertising nearby: is it in range "
                             "and awake (a paired host may already be connected)?") from None
    except (BleakBluetoothNotAvailableError, OSError) as error:
        raise _unavailable(error) from None
    except BleakError as error:
        raise TransportError(f"scanning failed: {error}") from None


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
                raise _unavailable(error) from None
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


def _refused(error: secure_session.SessionError) -> AccessRefused:
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
            raise _refused(error) from None
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


async def sync_ble(name_or_id: str | None, db: Path | str | None,
                   progress: Progress | None = None, reconnect_s: float = RECONNECT_S,
                   say: Callable[[str], None] | None = None, keyring: KeyRing | None = None,
                   scan_s: float = SCAN_S, **options: object) -> SyncReport:
    """``unsit sync`` over Bluetooth: the paired clip (the only one when ``name_or_id`` is
    None) into the store ``db``; the BLE counterpart of ``unsit.sync.sync_serial``.

    A link lost mid-transfer (the wearer walked out of range) is found and connected again
    for up to ``reconnect_s`` seconds, and the sync resumes at the stored cursor.
    """
    from unsit.sync import sync_resuming

    ring = KeyRing() if keyring is None else keyring

    async def open_link() -> Transport:
        return await connect(name_or_id, ring, scan_s)

    return await sync_resuming(
        open_link, db, (DeviceNotFound,),
        lambda error: f"{error}; looking for it for up to {reconnect_s:g} s",
        progress=progress, reconnect_s=reconnect_s, pause_s=0.0, say=say, **options)


async def sync_auto(name_or_id: str | None, db: Path | str | None,
                    progress: Progress | None = None,
                    say: Callable[[str], None] | None = None, keyring: KeyRing | None = None,
                    scan_s: float = SYNC_SCAN_S, **options: object) -> tuple[SyncReport, str]:
    """``unsit sync`` without ``--port``: over USB when a clip is plugged in (faster, and the
    cable needs no key), else over Bluetooth when this computer is paired with a clip, else
    (or when Bluetooth is off or the clip is out of range) one clear error.

    A named clip is synced over Bluetooth only. Returns the report and the link used
    (``"Bluetooth LE"`` or the serial port). When neither link works, one
    :class:`UnsitError` says why for both.
    """
    from unsit.sync import sync_serial

    keyring = KeyRing() if keyring is None else keyring
    plugged: str | None = None
    if name_or_id is None:
        try:
            plugged = find_device_port()
        except UnsitError:
            plugged = None
    if plugged is None and (name_or_id is not None or keyring.devices()):
        if say is not None and scan_s > 2 * SCAN_S:
            say(f"looking for the clip over Bluetooth for up to {scan_s / 60:.0f} min: on battery "
                "it shows itself every 5 minutes (Ctrl-C to stop)")
        try:
            report = await sync_ble(name_or_id, db, progress, say=say, keyring=keyring,
                                    scan_s=scan_s, **options)  # type: ignore[arg-type]
            return report, "Bluetooth LE"
        except (BluetoothUnavailable, DeviceNotFound) as error:
            if name_or_id is not None:
                raise
            why = str(error) if str(error).endswith((".", "?")) else f"{error}."
        try:
            port = find_device_port()
        except UnsitError as usb:
            raise UnsitError(f"cannot reach the clip. Bluetooth: {why} USB: {usb}") from None
        if say is not None:
            say(f"{why} Syncing over USB ({port}) instead.")
    elif plugged is not None:
        port = plugged
    else:
        try:
            port = find_device_port()
        except UnsitError as usb:
            raise UnsitError(f"{usb}; or pair the clip for Bluetooth with 'unsit pair'") from None
    # None: the port is looked for again if the clip resets and its USB port comes back
    report = await sync_serial(None, db, progress=progress, say=say,
                               **options)  # type: ignore[arg-type]
    return report, port


async def forget_ble(device: PairedDevice, keyring: KeyRing,
                     timeout: float = SCAN_S) -> tuple[bool | None, int]:
    """Tell ``device`` over an authenticated session to drop this computer's key.

    Returns ``(held, remaining)``: whether the clip still held the key, and how many hosts'
    keys it keeps. A refusal before authentication (NOT_PAIRED, BAD_AUTH) proves nothing,
    since anything can send it: reported as ``(None, -1)``, not as a key that is gone. :class:`BluetoothUnavailable` or
    :class:`DeviceNotFound` when it cannot be reached. The key ring is not changed.
    """
    from unsit.client import Command, DeviceClient

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
        raise _refused(error) from None
    finally:
        await link.close()
    assert session.device_id is not None
    device = PairedDevice(session.device_id, found.name, key, found.address)
    keyring.add(device)
    return device
