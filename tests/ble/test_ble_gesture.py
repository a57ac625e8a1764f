"""The wearer's pairing gesture, end to end through the real device app (app.device.run).

Switching the clip on opens the pairing window (every build can do that); a watchdog reset
does not; on a board with a button a 3 s press opens it. The firmware runs under the
``micropython`` interpreter (tests/ble/mpy/ble_app_main.py), the host is ``unsit.links.ble`` on
bleak over the bumble link.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from ble_world import DEVICE_ID, BleWorld
from unsit.links import ble
from unsit.links.client import DeviceClient
from unsit.pairing import ble as ble_pairing
from unsit.pairing.keys import KeyRing
from unsit_firmware.logic import events, patterns
from unsit_firmware.logic.ble_ids import ADV_FAST_US as FAST_US
from unsit_firmware.logic.ble_ids import ADV_SLOW_US as SLOW_US
from unsit_firmware.logic.pairing import LONG_PRESS_MS

NAME = "unsit-" + DEVICE_ID[-4:]


async def start_app(world: BleWorld, tmp: Path, reset_cause: int,
                    button: Path | None = None) -> Path:
    flash = tmp / "flash"
    flash.mkdir()
    env = {"UNSIT_STORAGE": str(flash), "UNSIT_RESET": str(reset_cause),
           "UNSIT_MOTOR_LOG": str(tmp / "motor.log")}
    if button is not None:
        button.write_text("1")
        env["UNSIT_BUTTON"] = str(button)
    await world.start_firmware(script="ble_app_main.py", extra_env=env)
    return flash


async def test_switching_the_clip_on_opens_the_window_once(ble_world: BleWorld,
                                                           tmp_path: Path) -> None:
    flash = await start_app(ble_world, tmp_path, events.RESET_POWER_ON)
    assert ble_world.bridge is not None and ble_world.bridge.advertised_interval_us == FAST_US
    device = await ble_pairing.pair(NAME, KeyRing(), timeout=5)
    assert device.device_id == DEVICE_ID and (flash / "keys.bin").stat().st_size == 40
    # The window closed with that pairing: another computer cannot slip in after it.
    await asyncio.wait_for(ble_world.bridge.advertising.wait(), 5)
    with pytest.raises(ble.AccessRefused, match="pairing window"):
        await ble_pairing.pair(NAME, KeyRing(tmp_path / "stranger.json"), timeout=5)
    async with await ble.connect(None, KeyRing(), timeout=5) as link:  # the paired one works
        assert (await DeviceClient(link).hello()).device_id == DEVICE_ID
    assert ble_world.firmware_alive()


async def test_after_a_watchdog_reset_only_a_long_press_opens_it(ble_world: BleWorld,
                                                                 tmp_path: Path) -> None:
    button = tmp_path / "button"
    flash = await start_app(ble_world, tmp_path, events.RESET_WATCHDOG, button)
    bridge = ble_world.bridge
    assert bridge is not None and bridge.advertised_interval_us == SLOW_US
    with pytest.raises(ble.AccessRefused, match="hold its button for 3 s"):
        await ble_pairing.pair(NAME, KeyRing(), timeout=5)
    assert not (flash / "keys.bin").exists()

    await asyncio.wait_for(bridge.advertising.wait(), 5)
    pressed = time.monotonic()
    button.write_text("0")
    while bridge.advertised_interval_us != FAST_US:  # the window opened: advertising fast
        assert time.monotonic() - pressed < 10, "a long press did not open the window"
        await asyncio.sleep(0.02)
    held = time.monotonic() - pressed
    button.write_text("1")
    assert held >= LONG_PRESS_MS / 1000 - 0.05
    # and the wearer feels that it opened: the PAIRING_OPEN pattern, nothing before it
    motor = tmp_path / "motor.log"
    while motor.read_text().count("on") < len(patterns.steps(patterns.PAIRING_OPEN)) if \
            motor.exists() else True:
        assert time.monotonic() - pressed < 10, "no pulses when the window opened"
        await asyncio.sleep(0.02)
    assert motor.read_text().count("on") == len(patterns.steps(patterns.PAIRING_OPEN))
    device = await ble_pairing.pair(NAME, KeyRing(), timeout=5)
    assert device.device_id == DEVICE_ID and (flash / "keys.bin").stat().st_size == 40
