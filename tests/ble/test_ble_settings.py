"""``unsit settings``, ``status`` and ``buzz`` over the paired Bluetooth LE session, through the
real device app (app.device.run under MicroPython, tests/ble/mpy/ble_app_main.py) and the
host's ``unsit.links.ble`` on bleak over the bumble link."""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from pathlib import Path

import pytest

from ble_world import DEVICE_ID, BleWorld
from unsit.commands import buzz, settings, status
from unsit.errors import UnsitError
from unsit.lab.simulation import read_log
from unsit.pairing import ble as ble_pairing
from unsit.pairing.keys import KeyRing
from unsit_firmware.logic import events, patterns

NAME = "unsit-" + DEVICE_ID[-4:]


def pulses(motor: Path) -> list[str]:
    """The motor's pulses so far, ``on PERCENT`` each."""
    return motor.read_text().splitlines() if motor.exists() else []


async def wait_pulses(motor: Path, count: int, what: str) -> None:
    deadline = time.monotonic() + 10
    while len(pulses(motor)) < count:
        assert time.monotonic() < deadline, what + " was not felt"
        await asyncio.sleep(0.05)


async def test_settings_status_and_buzz_over_bluetooth(
        ble_world: BleWorld, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    flash = tmp_path / "flash"
    flash.mkdir()
    motor = tmp_path / "motor.log"
    await ble_world.start_firmware(script="ble_app_main.py", extra_env={
        "UNSIT_STORAGE": str(flash), "UNSIT_RESET": str(events.RESET_POWER_ON),
        "UNSIT_MOTOR_LOG": str(motor)})
    await ble_pairing.pair(NAME, KeyRing(), timeout=5)       # switched on: its window is open
    capsys.readouterr()
    # the window opening and the new key are felt first, at the default strength
    await wait_pulses(motor, len(patterns.steps(patterns.PAIRING_OPEN))
                      + len(patterns.steps(patterns.KEY_CHANGED)), "the new key")

    # a bad value: nothing is sent, exit 2
    with pytest.raises(UnsitError, match="sit_limit_min must be from 10 to 240") as caught:
        await settings.run_async(argparse.Namespace(
            items=[NAME, "sit_limit_min=0"], port=None, json=False))
    assert caught.value.exit_code == 2

    assert await settings.run_async(argparse.Namespace(
        items=[NAME, "sit_limit_min=45", "days=mon-fri", "motor_strength=40"], port=None,
        json=False)) == 0
    out = capsys.readouterr().out
    assert f"{NAME} (id {DEVICE_ID}, firmware 0.1.0) over Bluetooth LE:" in out
    assert "changed sit_limit_min: 60 -> 45" in out and "changed days: all -> mon-fri" in out
    assert "changed motor_strength: 70 -> 40" in out

    # the only paired clip, without naming it
    assert await settings.run_async(argparse.Namespace(items=[], port=None, json=True)) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["via"] == "Bluetooth LE"
    assert (shown["settings"]["sit_limit_min"], shown["settings"]["days"],
            shown["settings"]["motor_strength"]) == (45, "mon-fri", 40)

    assert await status.run_async(argparse.Namespace(
        name=NAME, port=None, json=True, db=str(tmp_path / "none.db"))) == 0
    s = json.loads(capsys.readouterr().out)
    assert (s["via"], s["board"], s["battery_mv"], s["paired_hosts"]) == (
        "Bluetooth LE", "BLE test board", 3900, 1)
    assert s["protocol"] == 2 and s["state"] == "not_worn"     # a clip lying still
    assert s["log_capacity"] > 0 and s["unsynced"] >= 1

    before = len(pulses(motor))
    assert await buzz.run_async(argparse.Namespace(name=NAME, port=None,
                                                   pattern="reminder")) == 0
    assert "at motor strength 40 %" in capsys.readouterr().out
    steps = patterns.steps(patterns.REMINDER_1)
    await wait_pulses(motor, before + len(steps), "the buzz")
    felt = pulses(motor)[before:]
    assert felt == [f"on {patterns.drive_percent(p, 40)}" for _, _, p in steps]

    # the clip logged each change, old -> new, as made over Bluetooth
    logged = [(kind, values[:2]) for _, kind, _, _, values in read_log(flash)
              if kind in (events.SETTING_WAS, events.SETTING_CHANGED)]
    over_ble = events.CHANGED_BLE << 8
    assert logged == [
        (events.SETTING_WAS, (1 | over_ble, 60)), (events.SETTING_CHANGED, (1, 45)),
        (events.SETTING_WAS, (8 | over_ble, 0x7F)), (events.SETTING_CHANGED, (8, 0x1F)),
        (events.SETTING_WAS, (10 | over_ble, 70)), (events.SETTING_CHANGED, (10, 40)),
    ]
    assert ble_world.firmware_alive()
