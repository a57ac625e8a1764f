"""Finding clips over Bluetooth LE: scanning for unsit devices and finding one by name.

Written against bleak's public API only (``BleakScanner``). Failures become one-line
:class:`~unsit.errors.UnsitError`\\ s: Bluetooth off or absent, the device out of range.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from bleak import BleakScanner
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementData
from bleak.exc import BleakBluetoothNotAvailableError, BleakError

from unsit.errors import UnsitError
from unsit.links.transport import TransportError
from unsit.pairing.keys import KeyRing
from unsit_firmware.logic import ble_ids

SCAN_S = 5.0


class BluetoothUnavailable(UnsitError):
    """No usable Bluetooth on this computer (off, absent or not allowed)."""


class DeviceNotFound(UnsitError):
    """The device is not advertising nearby (out of range, asleep, or busy with a host)."""


@dataclass(frozen=True)
class FoundDevice:
    name: str
    address: str
    rssi: int
    paired: bool


def unavailable(error: BleakBluetoothNotAvailableError | OSError) -> BluetoothUnavailable:
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
        raise unavailable(error) from None
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
        raise unavailable(error) from None
    except BleakError as error:
        raise TransportError(f"scanning failed: {error}") from None
