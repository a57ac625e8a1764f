"""Fixtures of the security tests: the BLE world of tests/ble (real firmware under
MicroPython, bumble link, bleak on the host) and the paths to the shared test helpers."""

from __future__ import annotations

import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
for folder in (HERE.parent / "ble", HERE.parent):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

from ble_world import BleWorld, use_bumble_for_bleak  # noqa: E402
from bleak_bumble import use_central  # noqa: E402


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
