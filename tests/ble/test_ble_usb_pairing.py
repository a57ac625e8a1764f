"""Pairing over USB needs no window; the key it gives then opens the BLE session.

The firmware runs its protocol service on a pty (USB) and on the BLE peripheral at once.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ble_world import DEVICE_ID, BleWorld
from sync_device import DirectLine
from unsit import sync_choice
from unsit.links import ble
from unsit.pairing import ble as ble_pairing
from unsit.pairing.keys import KeyRing
from unsit.pairing.usb import pair_usb

T_START = 1_790_000_000


async def test_pair_over_usb_then_sync_over_ble(ble_world: BleWorld, tmp_path: Path) -> None:
    line = DirectLine()
    flash = tmp_path / "flash"
    flash.mkdir()
    try:
        fd = line.device_fd()
        await ble_world.start_firmware(
            window_ms=0, script="ble_log_main.py", pass_fds=(fd,), extra_env={
                "UNSIT_STORAGE": str(flash), "UNSIT_MINUTES": "100",
                "UNSIT_START": str(T_START), "UNSIT_SERIAL_FD": str(fd)})
        os.close(fd)
        with pytest.raises(ble.AccessRefused, match="pairing window"):
            await ble_pairing.pair("unsit-" + DEVICE_ID[-4:], KeyRing(), timeout=5)  # over the air: window closed
        device = await pair_usb(line.path, KeyRing())
        assert device.device_id == DEVICE_ID and device.name == "unsit-" + DEVICE_ID[-4:]
        assert (flash / "keys.bin").stat().st_size == 40
        report = await sync_choice.sync_ble(None, tmp_path / "unsit.db", timeout=5.0)
        assert report.minutes == 100 and report.device.device_id == DEVICE_ID
        assert KeyRing().get(DEVICE_ID).address == "F0:0D:00:00:00:01"  # learnt when found
    finally:
        line.close()
