"""Pairing the wearer can see, and a link a stranger cannot hold or fool: the real firmware
(the device app, or the secure session around an echo service) on NimBLE under the
board-grade 32-bit build when it is built, else on the unix port's stand-in radio
(clip_radio.py), the host's own code on bleak over a bumble link, and the clip's USB port on
a pty."""

from __future__ import annotations

import asyncio
import json
import os
import time
from pathlib import Path

import pytest
from bleak import BleakClient
from unsit_firmware.logic import ble_ids, events, patterns, protocol
from unsit_firmware.logic import secure_session as ss
from unsit_firmware.logic.record_stream import prefixed

from ble_world import DEVICE_ID
from clip_radio import ClipRadio
from sync_device import DirectLine
from unsit.commands.forget import _over_ble
from unsit.links import ble
from unsit.links import ble_scan
from unsit.pairing import ble as ble_pairing
from unsit.pairing.keys import KeyRing, PairedDevice
from unsit.pairing.usb import pair_usb, reset_keys_usb
from unsit.sync import sync_serial

NAME = "unsit-" + DEVICE_ID[-4:]
pytestmark = pytest.mark.board

APP = Path(__file__).resolve().parent / "mpy" / "clip_app_main.py"
MOTOR_PERCENT = 70      # the default motor_percent setting (logic/settings.py)


def felt(motor: Path, pattern: int) -> int:
    """How many times ``pattern`` was played, by its pulses in the motor's log."""
    percent = patterns.steps(pattern)[0][2] * MOTOR_PERCENT // 100
    pulses = motor.read_text().split().count(str(percent)) if motor.exists() else 0
    return pulses // len(patterns.steps(pattern))


async def wait_felt(motor: Path, pattern: int, times: int) -> None:
    start = time.monotonic()
    while felt(motor, pattern) < times:
        assert time.monotonic() - start < 10, f"pattern {pattern} not felt {times} time(s)"
        await asyncio.sleep(0.05)


async def start_app(radio: ClipRadio, tmp: Path, fd: int | None = None,
                    reset: int = events.RESET_POWER_ON) -> None:
    flash = tmp / "flash"
    flash.mkdir(exist_ok=True)
    env = {"UNSIT_STORAGE": str(flash), "UNSIT_RESET": str(reset),
           "UNSIT_MOTOR_LOG": str(tmp / "motor.log")}
    if fd is not None:
        env["UNSIT_SERIAL_FD"] = str(fd)
    await radio.start_firmware(script=str(APP), extra_env=env,
                               pass_fds=() if fd is None else (fd,))
    if fd is not None:
        os.close(fd)


async def test_switching_a_paired_clip_on_opens_no_pairing_window(clip_radio: ClipRadio,
                                                                  tmp_path: Path) -> None:
    await start_app(clip_radio, tmp_path)
    laptop = KeyRing()
    await ble_pairing.pair(NAME, laptop, timeout=5)       # a new clip: switching it on is the gesture
    await start_app(clip_radio, tmp_path)         # switched off and on again, now paired
    with pytest.raises(ble.AccessRefused, match="pairing window"):
        await ble_pairing.pair(NAME, KeyRing(tmp_path / "stranger.json"), timeout=5)
    async with await ble.connect(None, laptop, timeout=5) as link:   # the wearer's still works
        assert await link.request(protocol.hello_request(1), 5)


async def test_a_key_paired_over_the_air_is_felt_and_logged_in_full(
        clip_radio: ClipRadio, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    line = DirectLine()
    try:
        await start_app(clip_radio, tmp_path, line.device_fd())
        motor = tmp_path / "motor.log"
        laptop = KeyRing()
        await ble_pairing.pair(NAME, laptop, timeout=5)
        await wait_felt(motor, patterns.KEY_CHANGED, 1)
        report = await sync_serial(line.path, tmp_path / "unsit.db")
    finally:
        line.close()
    assert ("paired", laptop.host_id.hex(), events.PAIRED_BLE) in report.key_changes
    from unsit.commands.sync import print_changes
    print_changes(report, None)
    assert f"computer {laptop.host_id.hex()} was paired" in capsys.readouterr().out


async def test_pairing_and_factory_reset_over_usb_are_felt_and_logged(
        clip_radio: ClipRadio, tmp_path: Path) -> None:
    line = DirectLine()
    try:
        await start_app(clip_radio, tmp_path, line.device_fd(), reset=events.RESET_WATCHDOG)
        motor = tmp_path / "motor.log"
        desktop = KeyRing(tmp_path / "desktop.json")
        await pair_usb(line.path, desktop)
        await wait_felt(motor, patterns.KEY_CHANGED, 1)
        assert (await reset_keys_usb(line.path)).removed == 1
        await wait_felt(motor, patterns.KEY_CHANGED, 2)
        report = await sync_serial(line.path, tmp_path / "unsit.db")
    finally:
        line.close()
    assert report.key_changes == [("paired", desktop.host_id.hex(), events.PAIRED_USB),
                                  ("forgotten", "", 0)]


async def test_pairing_over_the_air_cannot_replace_a_known_hosts_key(clip_radio: ClipRadio,
                                                                     tmp_path: Path) -> None:
    await clip_radio.start_firmware(window_ms=60_000)
    laptop = KeyRing()
    await ble_pairing.pair(NAME, laptop, timeout=5)
    await clip_radio.start_firmware(window_ms=60_000)   # a window open again later
    # A stranger who saw the laptop's host id pairs under it, in the window.
    forged = tmp_path / "stranger.json"
    forged.write_text(json.dumps({"host_id": laptop.host_id.hex(), "devices": []}))
    stranger = KeyRing(forged)
    with pytest.raises(ble.AccessRefused, match="already has a key"):
        await ble_pairing.pair(NAME, stranger, timeout=5)
    async with await ble.connect(None, laptop, timeout=5) as link:   # not locked out
        assert await link.request(b"still mine", 5) == b"echo:still mine"


async def test_no_stable_identifier_travels_in_clear(clip_radio: ClipRadio,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    await clip_radio.start_firmware(window_ms=60_000)
    laptop = KeyRing()
    await ble_pairing.pair(NAME, laptop, timeout=5)
    sent: list[bytes] = []
    send = ble.RecordLink.send

    async def sniffed(self: ble.RecordLink, record: bytes) -> None:
        sent.append(bytes(record))
        await send(self, record)

    monkeypatch.setattr(ble.RecordLink, "send", sniffed)
    for _ in range(2):
        await clip_radio.wait_advertising(5)
        async with await ble.connect(None, laptop, timeout=5) as link:
            assert await link.request(b"hi", 5) == b"echo:hi"
    hellos = [record for record in sent if record[0] == ss.HELLO]
    assert len(hellos) == 2
    assert all(laptop.host_id not in record for record in sent)
    assert hellos[0][1:9] != hellos[1][1:9]      # a new name every session


async def test_a_trickling_stranger_is_dropped_at_the_deadline(clip_radio: ClipRadio) -> None:
    await clip_radio.start_firmware(handshake_ms=1500)
    found = await ble_scan.find(NAME, 5)
    # A length prefix for a long record, then a byte every 0.4 s: never a whole record.
    trickle = prefixed(bytes(300))
    async with BleakClient(found.address) as client:
        connected = time.monotonic()
        for byte in trickle:
            if not client.is_connected or time.monotonic() - connected > 6:
                break
            try:
                await client.write_gatt_char(ble_ids.RX_UUID, bytes((byte,)), response=True)
            except Exception:  # noqa: BLE001 - the clip hung up mid-write
                break
            await asyncio.sleep(0.4)
        await clip_radio.wait_advertising(5)
        held = time.monotonic() - connected
    assert held < 3.0, f"the stranger held the link {held:.1f} s"


async def test_a_refusal_before_authentication_is_not_believed(
        clip_radio: ClipRadio, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    await clip_radio.start_firmware(window_ms=60_000)
    laptop = KeyRing()
    device = await ble_pairing.pair(NAME, laptop, timeout=5)
    # The clip was last seen elsewhere; now a spoofer with the clip's name (and no key)
    # answers in its place.
    laptop.add(PairedDevice(device.device_id, device.name, device.key, "C0:FF:EE:00:00:01"))
    clip_radio.keystore.unlink()
    await clip_radio.start_firmware()
    held, _ = await ble_pairing.forget_ble(laptop.choose(None), laptop, 5)
    assert held is None                                   # unknown, not "already forgotten"
    assert KeyRing().choose(None).address == "C0:FF:EE:00:00:01"   # the spoofer's not saved
    await _over_ble(laptop.choose(None), laptop, 5)
    out = capsys.readouterr().out
    assert "already forgotten" not in out and "is unknown" in out
