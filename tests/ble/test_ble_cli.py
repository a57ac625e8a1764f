"""``unsit scan``, ``pair`` and ``forget`` over the software radio, and the clear failures."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from bleak_bumble import use_central
from ble_world import DEVICE_ID, BleWorld
from unsit.commands import forget, pair, scan
from unsit.errors import UnsitError
from unsit.links import ble
from unsit.links import ble_scan
from unsit.pairing import ble as ble_pairing
from unsit.pairing.keys import KeyRing

NAME = "unsit-" + DEVICE_ID[-4:]


def forget_args(name: str | None, **options: object) -> argparse.Namespace:
    values: dict[str, object] = {"name": name, "all": False, "port": None, "time": 2.0}
    return argparse.Namespace(**{**values, **options})


async def test_scan_pair_scan_forget(ble_world: BleWorld, tmp_path: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    flash = tmp_path / "flash"
    flash.mkdir()
    await ble_world.start_firmware(window_ms=60_000, script="ble_log_main.py", extra_env={
        "UNSIT_STORAGE": str(flash), "UNSIT_MINUTES": "0", "UNSIT_START": "1790000000"})
    assert await scan.run_async(argparse.Namespace(time=0.5)) == 0
    assert f"{NAME}  F0:0D:00:00:00:01  -50 dBm  not paired" in capsys.readouterr().out
    assert await pair.run_async(argparse.Namespace(name=None, port=None, time=1.0)) == 0
    assert f"Paired with {NAME} (id {DEVICE_ID})" in capsys.readouterr().out
    assert await scan.run_async(argparse.Namespace(time=0.5)) == 0
    assert "-50 dBm  paired" in capsys.readouterr().out
    assert await forget.run_async(forget_args(NAME.lower())) == 0
    assert "the clip dropped this computer's key" in capsys.readouterr().out
    assert KeyRing().devices() == [] and not (flash / "keys.bin").exists()
    with pytest.raises(UnsitError, match="not paired"):
        await forget.run_async(forget_args(NAME))


async def test_bluetooth_off_is_one_clear_error(ble_world: BleWorld) -> None:
    use_central(None)
    with pytest.raises(ble_scan.BluetoothUnavailable, match="turn it on"):
        await ble_scan.scan(0.2)


async def test_device_out_of_range(ble_world: BleWorld, capsys: pytest.CaptureFixture[str]) -> None:
    assert await scan.run_async(argparse.Namespace(time=0.3)) == 1
    assert "No unsit device found" in capsys.readouterr().out
    with pytest.raises(ble_scan.DeviceNotFound, match="not advertising nearby"):
        await ble_pairing.pair(NAME, KeyRing(), timeout=0.3)


async def test_connecting_needs_a_pairing_first(ble_world: BleWorld) -> None:
    with pytest.raises(UnsitError, match="no device is paired"):
        await ble.connect(None, KeyRing())
