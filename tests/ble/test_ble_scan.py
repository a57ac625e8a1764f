"""Scanning finds the clip by its service UUID and shows its name and signal strength."""

from __future__ import annotations

from ble_world import BleWorld, DEVICE_ID
from unsit.links import ble_scan
from unsit.pairing.keys import KeyRing
from unsit_firmware.logic.ble_ids import ADV_SLOW_US


async def test_scan_finds_the_advertising_device(ble_world: BleWorld) -> None:
    bridge = await ble_world.start_firmware()
    found = await ble_scan.scan(timeout=0.5, keyring=KeyRing())
    assert [d.name for d in found] == ["unsit-" + DEVICE_ID[-4:]]
    assert found[0].rssi < 0 and not found[0].paired
    assert found[0].address == "F0:0D:00:00:00:01"
    assert bridge.advertised_interval_us == ADV_SLOW_US
    assert ble_world.firmware_alive()
