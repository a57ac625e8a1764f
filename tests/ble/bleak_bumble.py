"""A bleak backend on a bumble central, so the real host code runs unmodified in tests.

``BumbleScanner`` and ``BumbleClient`` implement bleak 3.1's ``BaseBleakScanner`` and
``BaseBleakClient`` with a bumble ``Device`` on the test's ``LocalLink``. The fixture in
conftest.py installs the central with :func:`use_central` and points bleak's platform backend
lookup at these classes, so ``BleakScanner()``/``BleakClient(address)`` in ``unsit.links.ble`` need
no ``backend=`` argument. With no central installed (``use_central(None)``) both raise
``BleakBluetoothNotAvailableError(POWERED_OFF)``, as bleak does when the radio is off.
"""

from __future__ import annotations

import asyncio
from typing import Any

from bleak.backends.characteristic import BleakGATTCharacteristic
from bleak.backends.client import BaseBleakClient, NotifyCallback
from bleak.backends.descriptor import BleakGATTDescriptor
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementData, BaseBleakScanner
from bleak.backends.service import BleakGATTService, BleakGATTServiceCollection
from bleak.exc import (
    BleakBluetoothNotAvailableError,
    BleakBluetoothNotAvailableReason,
    BleakDeviceNotFoundError,
    BleakError,
)
from bumble import hci
from bumble.core import AdvertisingData
from bumble.device import Advertisement, Connection, Device, Peer

_central: Device | None = None
# The address type of each address the scanner has seen, as BlueZ and CoreBluetooth remember
# it: a clip advertising from its public address must be connected to as a public one.
_seen: dict[str, hci.Address] = {}

_PROPERTY_NAMES = {
    0x02: "read", 0x04: "write-without-response", 0x08: "write", 0x10: "notify",
    0x20: "indicate",
}


def use_central(device: Device | None) -> None:
    global _central
    _central = device
    _seen.clear()


def _require_central() -> Device:
    if _central is None:
        raise BleakBluetoothNotAvailableError(
            "Bluetooth is turned off", BleakBluetoothNotAvailableReason.POWERED_OFF)
    return _central


def _uuid_str(uuid: Any) -> str:
    return uuid.to_hex_str("-").lower() if len(uuid.uuid_bytes) == 16 else str(uuid).lower()


class BumbleScanner(BaseBleakScanner):
    def __init__(self, detection_callback: Any, service_uuids: list[str] | None,
                 scanning_mode: str = "active", **kwargs: Any) -> None:
        super().__init__(detection_callback, service_uuids)
        self._device: Device | None = None

    async def start(self) -> None:
        self._device = _require_central()
        self.seen_devices = {}
        self._device.on(Device.EVENT_ADVERTISEMENT, self._on_advertisement)
        await self._device.start_scanning(active=True, filter_duplicates=False)

    async def stop(self) -> None:
        if self._device is not None:
            self._device.remove_listener(Device.EVENT_ADVERTISEMENT, self._on_advertisement)
            await self._device.stop_scanning()
            self._device = None

    def _on_advertisement(self, advertisement: Advertisement) -> None:
        data = advertisement.data
        name = data.get(AdvertisingData.Type.COMPLETE_LOCAL_NAME)
        uuids = [_uuid_str(u) for t in (
            AdvertisingData.Type.COMPLETE_LIST_OF_128_BIT_SERVICE_CLASS_UUIDS,
            AdvertisingData.Type.COMPLETE_LIST_OF_16_BIT_SERVICE_CLASS_UUIDS)
            for u in (data.get(t) or [])]  # type: ignore[call-overload]
        if not self.is_allowed_uuid(uuids):
            return
        adv = AdvertisementData(
            local_name=name if isinstance(name, str) else None, manufacturer_data={},
            service_data={}, service_uuids=uuids, tx_power=None, rssi=advertisement.rssi,
            platform_data=(advertisement,))
        address = advertisement.address.to_string(with_type_qualifier=False)
        _seen[address.upper()] = advertisement.address
        device = self.create_or_update_device(address, address, adv.local_name,
                                              advertisement.address, adv)
        self.call_detection_callbacks(device, adv)


class BumbleClient(BaseBleakClient):
    def __init__(self, address_or_ble_device: BLEDevice | str, *,
                 disconnected_callback: Any, timeout: float, **kwargs: Any) -> None:
        super().__init__(address_or_ble_device, disconnected_callback=disconnected_callback,
                         timeout=timeout)
        self._connection: Connection | None = None
        self._peer: Peer | None = None

    @property
    def name(self) -> str:
        return self.address

    @property
    def mtu_size(self) -> int:
        return self._connection.att_mtu if self._connection is not None else 23

    @property
    def is_connected(self) -> bool:
        return self._connection is not None

    async def connect(self, pair: bool, **kwargs: Any) -> None:
        device = _require_central()
        address = _seen.get(self.address.upper()) or hci.Address(
            self.address, hci.Address.RANDOM_DEVICE_ADDRESS)
        try:
            connection = await device.connect(address, timeout=self._timeout)
        except (TimeoutError, asyncio.TimeoutError, hci.HCI_Error) as error:
            raise BleakDeviceNotFoundError(self.address, f"cannot connect: {error}") from None
        self._connection = connection
        connection.on(connection.EVENT_DISCONNECTION, self._on_disconnection)
        self._peer = Peer(connection)
        await self._peer.request_mtu(247)
        await self._peer.discover_all()
        self.services = self._collect()

    def _collect(self) -> BleakGATTServiceCollection:
        assert self._peer is not None
        collection = BleakGATTServiceCollection()
        for proxy in self._peer.services:
            service = BleakGATTService(proxy, proxy.handle, _uuid_str(proxy.uuid))
            collection.add_service(service)
            for char in proxy.characteristics:
                props = [n for bit, n in _PROPERTY_NAMES.items() if char.properties & bit]
                characteristic = BleakGATTCharacteristic(
                    char, char.handle, _uuid_str(char.uuid), props,  # type: ignore[arg-type]
                    lambda: self.mtu_size - 3, service)
                collection.add_characteristic(characteristic)
        return collection

    def _on_disconnection(self, reason: int) -> None:
        self._connection = None
        self._peer = None
        if self._disconnected_callback is not None:
            self._disconnected_callback()

    async def disconnect(self) -> None:
        if self._connection is not None:
            connection = self._connection
            self._disconnected_callback = None  # bleak calls it only for unsolicited ones
            await connection.disconnect()
            self._connection = None
            self._peer = None

    async def pair(self, *args: Any, **kwargs: Any) -> None:
        raise BleakError("link-layer pairing is not used by unsit")

    async def unpair(self) -> None:
        raise BleakError("link-layer pairing is not used by unsit")

    async def _gatt(self, operation: Any) -> Any:
        """Run a GATT operation; bumble cancels it when the link drops, bleak raises BleakError."""
        try:
            return await operation
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if task is not None and task.cancelling():
                raise
            raise BleakError("disconnected during a GATT operation") from None

    def _require_peer(self) -> Peer:
        if self._peer is None:
            raise BleakError("Not connected")
        return self._peer

    async def read_gatt_char(self, characteristic: BleakGATTCharacteristic, *,
                             use_cached: bool = False, **kwargs: Any) -> bytearray:
        return bytearray(await self._gatt(self._require_peer().read_value(characteristic.obj)))

    async def read_gatt_descriptor(self, descriptor: BleakGATTDescriptor, *,
                                   use_cached: bool = False, **kwargs: Any) -> bytearray:
        return bytearray(await self._gatt(self._require_peer().read_value(descriptor.obj)))

    async def write_gatt_char(self, characteristic: BleakGATTCharacteristic, data: Any,
                              response: bool) -> None:
        await self._gatt(self._require_peer().write_value(characteristic.obj, bytes(data),
                                                          with_response=response))

    async def write_gatt_descriptor(self, descriptor: BleakGATTDescriptor, data: Any) -> None:
        await self._gatt(self._require_peer().write_value(descriptor.obj, bytes(data),
                                                          with_response=True))

    async def start_notify(self, characteristic: BleakGATTCharacteristic,
                           callback: NotifyCallback, **kwargs: Any) -> None:
        await self._require_peer().subscribe(
            characteristic.obj, lambda value: callback(bytearray(value)))

    async def stop_notify(self, characteristic: BleakGATTCharacteristic) -> None:
        await self._require_peer().unsubscribe(characteristic.obj)
