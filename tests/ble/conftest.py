"""Fixtures for end-to-end Bluetooth LE tests without a radio.

``ble_world`` builds one in-process bumble ``LocalLink`` with a central (behind bleak, via
``bleak_bumble``) and a peripheral bridge, and starts firmware under the real ``micropython``
interpreter whose ``bluetooth`` module (tests/ble/mpy/standin) drives that peripheral.
``nimble_world`` runs the firmware on the board-grade build instead, whose ``bluetooth`` is
the real module over NimBLE, talking HCI to a bumble controller on the same link
(nimble_world.py). The host code under test (``unsit.links.ble``) calls ``BleakScanner``/
``BleakClient`` as in production.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from ble_world import DEVICE_ID, BleWorld, use_bumble_for_bleak
from bleak_bumble import use_central
from nimble_world import NimbleWorld, board_interpreter

__all__ = ["DEVICE_ID", "BleWorld", "NimbleWorld"]


@pytest.fixture
async def ble_world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[BleWorld]:
    use_bumble_for_bleak(monkeypatch.setattr)
    monkeypatch.setenv("UNSIT_KEYS", str(tmp_path / "host-keys.json"))
    world = BleWorld(tmp_path)
    await world.central.power_on()
    use_central(world.central)
    try:
        yield world
    finally:
        use_central(None)
        await world.stop_firmware()
        await world.central.power_off()
        if os.environ.get("UNSIT_BLE_DEBUG"):
            print("".join(world.output))


@pytest.fixture
async def nimble_world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                       ) -> AsyncIterator[NimbleWorld]:
    """As ``ble_world``, with the firmware on the board-grade build's real ``bluetooth``."""
    interpreter, why = board_interpreter()
    if interpreter is None:
        pytest.skip(why)
    use_bumble_for_bleak(monkeypatch.setattr)
    monkeypatch.setenv("UNSIT_KEYS", str(tmp_path / "host-keys.json"))
    world = NimbleWorld(tmp_path, interpreter)
    await world.central.power_on()
    use_central(world.central)
    try:
        yield world
    finally:
        use_central(None)
        await world.stop_firmware()
        await world.central.power_off()
        if os.environ.get("UNSIT_BLE_DEBUG"):
            print("".join(world.output))
