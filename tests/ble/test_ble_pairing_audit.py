"""The pairing audit trail and FORGET ending the session.

Every key change lands in the clip's activity log (PAIRED: who and over which link;
FORGOTTEN: whose key, how many are left), syncs into the store and is exported by name. A
session whose key the clip dropped is ended by the clip itself: right after its answer when
the host forgot itself over BLE, at once when the key went over USB.

The firmware is the real BleService and protocol service (tests/ble/mpy/ble_log_main.py)
under ``micropython``, answering on BLE (bumble) and on a pty (USB) at once.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from pathlib import Path

import pytest

from ble_world import DEVICE_ID, BleWorld
from sync_device import DirectLine
from unsit.cli import main
from unsit.links import ble
from unsit.links.client import Command, DeviceClient
from unsit.links.transport import LinkLost
from unsit.pairing import ble as ble_pairing
from unsit.pairing.keys import KeyRing
from unsit.pairing.usb import pair_usb, reset_keys_usb
from unsit.sync import sync_serial
from unsit_firmware.logic import events, protocol

NAME = "unsit-" + DEVICE_ID[-4:]
CLOSED_WITHIN_S = 2.0


def prefix(keyring: KeyRing) -> int:
    """How the log names a host: its id's first two bytes, read as the hex is printed."""
    return int(keyring.host_id.hex()[:4], 16)


async def closed_after(link: ble.BleTransport) -> float:
    """Seconds until the clip ends ``link`` (fails if it is still open after the limit)."""
    start = time.monotonic()
    with pytest.raises(LinkLost):
        await link.receive(CLOSED_WITHIN_S + 1.0)   # nothing more comes: only the link's end
    return time.monotonic() - start


async def test_key_changes_are_logged_and_a_forgotten_session_is_closed(
        ble_world: BleWorld, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    flash = tmp_path / "flash"
    flash.mkdir()
    db = tmp_path / "unsit.db"
    line = DirectLine()
    try:
        fd = line.device_fd()
        await ble_world.start_firmware(
            window_ms=60_000, script="ble_log_main.py", pass_fds=(fd,), extra_env={
                "UNSIT_STORAGE": str(flash), "UNSIT_MINUTES": "0",
                "UNSIT_START": "1790000000", "UNSIT_SERIAL_FD": str(fd)})
        os.close(fd)
        laptop, desktop = KeyRing(), KeyRing(tmp_path / "desktop.json")
        await ble_pairing.pair(NAME, laptop, timeout=5)            # over the air, in the window
        await pair_usb(line.path, desktop)                 # over the cable

        # The laptop makes the clip forget it over BLE: answered, then the clip hangs up.
        async with await ble.connect(None, laptop, timeout=5) as link:
            body = await DeviceClient(link, timeout=5, retries=0).call(
                Command.FORGET, lambda tag: protocol.forget_request(tag, laptop.host_id))
            assert protocol.unpack_forget(body) == (True, 1)
            laptop_closed_s = await closed_after(link)
        assert laptop_closed_s < CLOSED_WITHIN_S, laptop_closed_s
        assert ble_world.bridge is not None and ble_world.bridge.disconnects_requested == 1

        # The desktop is connected over BLE when the pairings are reset over USB: its session
        # ends at once, it does not run on with a key the clip no longer holds.
        async with await ble.connect(None, desktop, timeout=5) as link:
            assert (await DeviceClient(link, timeout=5).hello()).device_id == DEVICE_ID
            assert (await reset_keys_usb(line.path)).removed == 1
            desktop_closed_s = await closed_after(link)
        assert desktop_closed_s < CLOSED_WITHIN_S, desktop_closed_s
        assert not (flash / "keys.bin").exists()
        assert ble_world.firmware_alive()

        report = await sync_serial(line.path, db)
        assert report.device.device_id == DEVICE_ID
    finally:
        line.close()

    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT kind, a, b FROM events WHERE device_id = ? AND kind IN (?, ?) ORDER BY seq",
            (DEVICE_ID, events.PAIRED, events.FORGOTTEN)).fetchall()
    assert rows == [
        (events.PAIRED, prefix(laptop), events.PAIRED_BLE),
        (events.PAIRED, prefix(desktop), events.PAIRED_USB),
        (events.FORGOTTEN, prefix(laptop), 1),   # the desktop's key is left
        (events.FORGOTTEN, 0, 0),                # every key, none left
    ]

    capsys.readouterr()
    assert main(["export", "--db", str(db), "--tz", "UTC", "--format", "json",
                 "--what", "events"]) == 0
    exported = [(e["kind"], e["kind_code"], e["a"], e["b"])
                for e in json.loads(capsys.readouterr().out)
                if e["kind"] in ("paired", "forgotten")]
    assert exported == [("paired", 13, prefix(laptop), 2), ("paired", 13, prefix(desktop), 1),
                        ("forgotten", 14, prefix(laptop), 1), ("forgotten", 14, 0, 0)]
    print(f"closed after FORGET over BLE: {laptop_closed_s:.3f} s; "
          f"after FORGET_ALL over USB: {desktop_closed_s:.3f} s")
