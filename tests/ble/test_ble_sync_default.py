"""``unsit sync`` without ``--port``: Bluetooth to the paired clip, else USB, else one clear line.

The clip is the real protocol service and BleService (tests/ble/mpy/ble_log_main.py) under
``micropython``, on the bumble link and, with ``UNSIT_SERIAL_FD``, on a pty. A pty is not a
USB device, so where the USB fallback must find it, pyserial's port listing (the operating
system's USB enumeration, which cannot run here) names the pty as a MicroPython board.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

import pytest
from serial.tools import list_ports
from serial.tools.list_ports_common import ListPortInfo

from ble_world import DEVICE_ID, BleWorld
from bleak_bumble import use_central
from sync_device import DirectLine
from unsit import sync_choice
from unsit.commands import sync
from unsit.errors import UnsitError
from unsit.pairing import ble as ble_pairing
from unsit.pairing.keys import KeyRing, PairedDevice
from unsit.pairing.usb import pair_usb

NAME = "unsit-" + DEVICE_ID[-4:]
MINUTES = 100


def usb_ports(monkeypatch: pytest.MonkeyPatch, *paths: str) -> None:
    """What the operating system lists as USB serial ports: MicroPython boards at ``paths``."""
    infos = []
    for path in paths:
        info = ListPortInfo(path)
        info.vid, info.pid, info.description = 0xF055, 0x9802, "Board in FS mode"
        infos.append(info)
    monkeypatch.setattr(list_ports, "comports", lambda *args, **kwargs: infos)


async def start_clip(world: BleWorld, tmp: Path, serial_fd: int | None = None) -> None:
    flash = tmp / "flash"
    flash.mkdir()
    env = {"UNSIT_STORAGE": str(flash), "UNSIT_MINUTES": str(MINUTES),
           "UNSIT_START": "1790000000"}
    fds: tuple[int, ...] = ()
    if serial_fd is not None:
        env["UNSIT_SERIAL_FD"] = str(serial_fd)
        fds = (serial_fd,)
    await world.start_firmware(window_ms=60_000, script="ble_log_main.py", extra_env=env,
                               pass_fds=fds)


async def run_sync(db: Path, capsys: pytest.CaptureFixture[str]) -> tuple[dict[str, object], str]:
    args = argparse.Namespace(name=None, port=None, db=str(db), json=True)
    assert await sync.run_async(args) == 0
    captured = capsys.readouterr()
    return json.loads(captured.out), captured.err


async def test_paired_clip_syncs_over_bluetooth_by_default(
        ble_world: BleWorld, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    usb_ports(monkeypatch)                      # nothing on USB
    await start_clip(ble_world, tmp_path)
    await ble_pairing.pair(NAME, KeyRing(), timeout=5)
    capsys.readouterr()
    report, _ = await run_sync(tmp_path / "unsit.db", capsys)
    assert report["via"] == "Bluetooth LE" and report["device_id"] == DEVICE_ID
    assert report["minutes"] == MINUTES and report["missing"] == 0


async def test_a_plugged_in_clip_syncs_over_usb_and_neither_link_is_one_clear_line(
        ble_world: BleWorld, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    line = DirectLine()
    try:
        fd = line.device_fd()
        await start_clip(ble_world, tmp_path, serial_fd=fd)
        os.close(fd)
        await pair_usb(line.path, KeyRing())   # paired, but the cable comes first
        usb_ports(monkeypatch, line.path)
        report, err = await run_sync(tmp_path / "unsit.db", capsys)
        assert report["via"] == "USB" and report["minutes"] == MINUTES
        assert "Bluetooth" not in err

        use_central(None)                      # Bluetooth off
        usb_ports(monkeypatch)                 # unplugged too
        with pytest.raises(UnsitError) as neither:
            await run_sync(tmp_path / "unsit.db", capsys)
        text = str(neither.value)
        assert text.startswith("cannot reach the clip. Bluetooth: Bluetooth is not available (")
        assert text.endswith(" USB: no unsit device found on USB: plug it in with a data "
                             "cable, or give --port PATH")
        assert "\n" not in text and neither.value.exit_code == 1
    finally:
        line.close()


async def test_out_of_range_or_unpaired_without_usb(
        ble_world: BleWorld, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    usb_ports(monkeypatch)
    db = tmp_path / "unsit.db"
    with pytest.raises(UnsitError, match=r"^no unsit device found on USB: .*; or pair the "
                       "clip for Bluetooth with 'unsit pair'$"):
        await sync_choice.sync_auto(None, db)
    keyring = KeyRing()
    keyring.add(PairedDevice(DEVICE_ID, NAME, bytes(32), "F0:0D:00:00:00:01"))
    with pytest.raises(UnsitError, match=rf"^cannot reach the clip. Bluetooth: {NAME} is not "
                       r"advertising nearby: is it in range .*\? USB: no unsit device found"):
        await sync_choice.sync_auto(None, db, scan_s=0.3)
    with pytest.raises(UnsitError, match="unsit-ffff is not paired with this computer"):
        await sync_choice.sync_auto("unsit-ffff", db)   # a named clip: Bluetooth only
