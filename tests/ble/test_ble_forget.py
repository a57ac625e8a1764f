"""``unsit forget``: the clip drops this computer's key (over BLE or USB), the factory reset
drops every key (USB only), and afterwards the old keys are refused over the air.

The firmware is the real BleService and protocol service (tests/ble/mpy/ble_log_main.py)
under ``micropython``; with ``UNSIT_SERIAL_FD`` the same service also answers on a pty (USB).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import pytest

from ble_world import DEVICE_ID, BleWorld
from sync_device import DirectLine
from unsit.commands import forget
from unsit.errors import UnsitError
from unsit.links import ble
from unsit.links import ble_scan
from unsit.links.client import Command, DeviceClient, DeviceError
from unsit.pairing import ble as ble_pairing
from unsit.pairing.keys import KeyRing, PairedDevice
from unsit.pairing.usb import pair_usb
from unsit_firmware.logic import protocol

NAME = "unsit-" + DEVICE_ID[-4:]


def forget_args(name: str | None = None, **options: object) -> argparse.Namespace:
    values: dict[str, object] = {"name": name, "all": False, "port": None, "time": 2.0}
    return argparse.Namespace(**{**values, **options})


async def start_clip(world: BleWorld, flash: Path, window_ms: int = 60_000,
                     serial_fd: int | None = None) -> None:
    env = {"UNSIT_STORAGE": str(flash), "UNSIT_MINUTES": "0", "UNSIT_START": "1790000000"}
    fds: tuple[int, ...] = ()
    if serial_fd is not None:
        env["UNSIT_SERIAL_FD"] = str(serial_fd)
        fds = (serial_fd,)
    await world.start_firmware(window_ms=window_ms, script="ble_log_main.py", extra_env=env,
                               pass_fds=fds)


async def refused(device: PairedDevice, host_id: bytes) -> str:
    """How the clip answers a session opened with ``device``'s key (the error text)."""
    address = device.address or (await ble_scan.find(device.name, 5)).address
    with pytest.raises(ble.AccessRefused) as error:
        await ble.BleTransport(address, device, host_id).open()
    return str(error.value)


async def test_forget_over_ble_then_the_old_key_is_refused(
        ble_world: BleWorld, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    flash = tmp_path / "flash"
    flash.mkdir()
    await start_clip(ble_world, flash)
    keyring = KeyRing()
    old = await ble_pairing.pair(NAME, keyring, timeout=5)
    async with await ble.connect(None, keyring, timeout=5) as link:
        client = DeviceClient(link, timeout=5, retries=0)
        for command, request in (
                (Command.FORGET_ALL, protocol.forget_all_request),   # needs the cable
                (Command.FORGET, lambda tag: protocol.forget_request(tag, b"SOMEONE!"))):
            with pytest.raises(DeviceError) as denied:
                await client.call(command, request)
            assert denied.value.status == protocol.NOT_ALLOWED
    assert (flash / "keys.bin").stat().st_size == 40

    assert await forget.run_async(forget_args()) == 0
    assert ("the clip dropped this computer's key (it keeps 0 other computer(s)' keys) and so "
            "did this computer") in capsys.readouterr().out
    assert KeyRing().devices() == [] and not (flash / "keys.bin").exists()
    assert "not paired" in await refused(old, keyring.host_id)
    assert ble_world.firmware_alive()


async def test_a_clip_out_of_reach_keeps_the_key_and_says_so(
        ble_world: BleWorld, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    flash = tmp_path / "flash"
    flash.mkdir()
    await start_clip(ble_world, flash)
    await ble_pairing.pair(NAME, KeyRing(), timeout=5)
    await ble_world.stop_firmware()            # out of range
    capsys.readouterr()
    assert await forget.run_async(forget_args(NAME, time=0.3)) == 0
    out = capsys.readouterr().out
    # (why it could not be reached depends on whether the scan still caught its last
    # advertisement: not advertising, or no connection)
    assert out.startswith(f"Forgot {NAME} (id {DEVICE_ID}) on this computer only: the clip "
                          "could not be reached (")
    assert "still holds this computer's key" in out and len(out.splitlines()) == 1
    assert KeyRing().devices() == []
    assert (flash / "keys.bin").stat().st_size == 40   # the clip does still hold it


async def test_forget_and_factory_reset_over_usb(
        ble_world: BleWorld, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    flash = tmp_path / "flash"
    flash.mkdir()
    line = DirectLine()
    try:
        fd = line.device_fd()
        await start_clip(ble_world, flash, window_ms=0, serial_fd=fd)
        os.close(fd)
        mine, other = KeyRing(), KeyRing(tmp_path / "other-laptop.json")
        await pair_usb(line.path, mine)
        theirs = await pair_usb(line.path, other)
        assert (flash / "keys.bin").stat().st_size == 80

        with pytest.raises(UnsitError, match=f"the clip on .* is {NAME} .*not unsit-ffff"):
            await forget.run_async(forget_args("unsit-ffff", port=line.path))
        assert (flash / "keys.bin").stat().st_size == 80  # another clip's name: nothing done
        capsys.readouterr()
        assert await forget.run_async(forget_args(NAME, port=line.path)) == 0
        assert capsys.readouterr().out == (
            f"{NAME} (id {DEVICE_ID}) dropped this computer's key and so did this computer; "
            "it keeps 1 other computer(s)' keys.\n")
        assert KeyRing().devices() == [] and (flash / "keys.bin").stat().st_size == 40

        async with await ble.connect(None, other, timeout=5) as link:  # the other one still works
            assert (await DeviceClient(link).hello()).device_id == DEVICE_ID
        assert await forget.run_async(forget_args(all=True, port=line.path)) == 0
        assert capsys.readouterr().out == (
            f"Factory reset of {NAME}'s pairings (id {DEVICE_ID}): it forgot every computer's "
            "key (1).\n")
        assert not (flash / "keys.bin").exists()
        assert "not paired" in await refused(other.get(DEVICE_ID) or theirs, other.host_id)
    finally:
        line.close()
