"""BLE end to end over the real stack, as on a board.

The firmware runs on the board-grade 32-bit build, whose ``bluetooth`` module is MicroPython's
binding over NimBLE, speaking HCI to a bumble controller on a pty; the laptop side is the
unmodified ``unsit.links.ble`` on bleak over bumble, on the same link (nimble_world.py). The clip is
the whole device app (mpy/ble_app_main.py) for pairing and its own log, the BLE protocol
service on a prefilled flash log (mpy/ble_log_main.py) for a week's sync, reconnect and forget,
and the peripheral with an echo service (mpy/ble_echo_main.py) for back-pressure and for hosts
that misbehave.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
from pathlib import Path

import pytest
from bleak import BleakClient

from nimble_world import DEVICE_ID, ClipController, NimbleWorld
from sync_device import DirectLine
from test_ble_forget import forget_args
from test_ble_pairing_audit import CLOSED_WITHIN_S, closed_after
from test_ble_sync import T_START, WEEK, expected, stored
from unsit import sync_choice
from unsit.commands import forget
from unsit.links import aes_block
from unsit.links import ble
from unsit.links import ble_scan
from unsit.links.client import DeviceClient
from unsit.links.transport import TransportError
from unsit.pairing import ble as ble_pairing
from unsit.pairing.keys import KeyRing
from unsit.pairing.usb import pair_usb, reset_keys_usb
from unsit.store import open_store
from unsit.sync import sync_device
from unsit_firmware.logic import ble_ids, events
from unsit_firmware.logic.ble_ids import ADV_FAST_US as FAST_US
from unsit_firmware.logic.ble_ids import ADV_SLOW_US as SLOW_US
from unsit_firmware.logic import secure_session as ss
from unsit_firmware.logic.record_stream import RecordAssembler, prefixed

pytestmark = pytest.mark.board

NAME = "unsit-" + DEVICE_ID[-4:]
ATT_PAYLOAD = 244   # MTU 247 - 3: what one notification carries
SESSION_OVERHEAD = 2 + 21   # length prefix + DATA record header and MAC (docs/ble.md)


async def start_log_clip(world: NimbleWorld, tmp: Path, minutes: int, window_ms: int = 60_000,
                         air_gap_s: float = 0.0) -> tuple[ClipController, Path]:
    flash = tmp / "flash"
    flash.mkdir(exist_ok=True)
    controller = await world.start_firmware("ble_log_main.py", air_gap_s=air_gap_s, extra_env={
        "UNSIT_STORAGE": str(flash), "UNSIT_MINUTES": str(minutes),
        "UNSIT_START": str(T_START), "UNSIT_WINDOW_MS": str(window_ms)})
    return controller, flash


async def test_the_whole_app_pairs_and_syncs(nimble_world: NimbleWorld, tmp_path: Path) -> None:
    flash = tmp_path / "flash"
    flash.mkdir()
    controller = await nimble_world.start_firmware("ble_app_main.py", extra_env={
        "UNSIT_STORAGE": str(flash), "UNSIT_RESET": str(events.RESET_POWER_ON),
        "UNSIT_MOTOR_LOG": str(tmp_path / "motor.log")})
    # Switched on: the window is open and NimBLE was asked to advertise fast.
    assert controller.advertising_interval_us == FAST_US
    keyring = KeyRing()
    device = await ble_pairing.pair(NAME, keyring, timeout=5)
    assert device.device_id == DEVICE_ID and len(device.key) == 32
    assert (flash / "keys.bin").stat().st_size == 40
    await nimble_world.wait_advertising()
    with pytest.raises(ble.AccessRefused, match="pairing window"):   # one pairing per window
        await ble_pairing.pair(NAME, KeyRing(tmp_path / "stranger.json"), timeout=5)
    async with await ble.connect(None, keyring, timeout=5) as link:
        assert (await DeviceClient(link).hello()).device_id == DEVICE_ID
    # The app's own log over the air: its boot and this pairing, flushed at once.
    db = tmp_path / "unsit.db"
    report = await sync_choice.sync_ble(None, db, timeout=5.0)
    assert report.missing == 0 and report.corrupt == 0
    with sqlite3.connect(db) as conn:
        kinds = [kind for (kind,) in conn.execute("SELECT kind FROM records ORDER BY seq")]
    assert events.PAIRED in kinds
    assert nimble_world.firmware_alive()


async def test_pairing_outside_the_window_is_refused(nimble_world: NimbleWorld,
                                                     tmp_path: Path) -> None:
    controller, flash = await start_log_clip(nimble_world, tmp_path, 0, window_ms=0)
    assert controller.advertising_interval_us == SLOW_US
    with pytest.raises(ble.AccessRefused, match="pairing window"):
        await ble_pairing.pair(NAME, KeyRing(), timeout=5)
    assert not (flash / "keys.bin").exists()


@pytest.mark.slow
async def test_sync_a_week(nimble_world: NimbleWorld, tmp_path: Path) -> None:
    controller, _ = await start_log_clip(nimble_world, tmp_path, WEEK)
    await ble_pairing.pair(NAME, KeyRing(), timeout=5)
    before = controller.notifications
    db = tmp_path / "unsit.db"
    report = await sync_choice.sync_ble(None, db, timeout=5.0)
    assert report.minutes == WEEK and report.missing == 0 and report.corrupt == 0
    assert stored(db) == expected(WEEK)
    # 315 READs of up to 32 records and a few other requests, each answer at most three
    # notifications: NimBLE's buffer pool never fills on this request/response protocol.
    assert 3 * 300 < controller.notifications - before < 3 * 330
    assert await nimble_world.enomem_count() == 0


async def test_sync_resumes_after_the_link_drops(nimble_world: NimbleWorld,
                                                 tmp_path: Path) -> None:
    minutes = 1500
    controller, _ = await start_log_clip(nimble_world, tmp_path, minutes)
    keyring = KeyRing()
    await ble_pairing.pair(NAME, keyring, timeout=5)
    db = tmp_path / "unsit.db"
    store = open_store(db)
    try:
        before = controller.notifications
        async with await ble.connect(None, keyring, timeout=5) as link:
            syncing = asyncio.create_task(sync_device(link, store, timeout=5.0))
            while controller.notifications - before < 40 and not syncing.done():
                await asyncio.sleep(0.001)
            await nimble_world.drop_link()   # out of range: both ends see a supervision timeout
            with pytest.raises(TransportError):
                await syncing
        partial = stored(db)
        assert 0 < len(partial) < minutes and partial == expected(len(partial))
        await nimble_world.wait_advertising(5)   # NimBLE reported the drop; the clip advertises
        async with await ble.connect(None, keyring, timeout=5) as link:
            report = await sync_device(link, store, timeout=5.0)
    finally:
        store.close()
    assert report.from_seq > 2   # resumed, not restarted
    assert stored(db) == expected(minutes)


async def test_sync_ble_finds_the_clip_again_after_a_drop(nimble_world: NimbleWorld,
                                                          tmp_path: Path) -> None:
    minutes = 1500
    controller, _ = await start_log_clip(nimble_world, tmp_path, minutes)
    await ble_pairing.pair(NAME, KeyRing(), timeout=5)
    before = controller.notifications
    db = tmp_path / "unsit.db"
    syncing = asyncio.create_task(sync_choice.sync_ble(None, db, timeout=5.0))
    while controller.notifications - before < 40:
        assert not syncing.done()
        await asyncio.sleep(0.001)
    await nimble_world.drop_link()
    report = await asyncio.wait_for(syncing, 30)
    assert "the link was lost and the sync resumed" in report.notes
    assert report.minutes == minutes and stored(db) == expected(minutes)


async def test_back_pressure_is_retried_never_dropped(nimble_world: NimbleWorld,
                                                      tmp_path: Path) -> None:
    # A radio that puts one 27-byte packet on air per millisecond: NimBLE's buffers fill and
    # gatts_notify raises OSError(ENOMEM) until they drain.
    controller = await nimble_world.start_firmware("ble_echo_main.py", air_gap_s=0.001,
                                                   extra_env={
        "UNSIT_KEYSTORE": str(tmp_path / "keys.bin"), "UNSIT_WINDOW_MS": "60000"})
    keyring = KeyRing()
    await ble_pairing.pair(NAME, keyring, timeout=5)
    size = 8_000
    async with await ble.connect(None, keyring, timeout=5) as link:
        before = controller.notifications
        answer = await link.request(b"N" + size.to_bytes(2, "little"), timeout=30)
        notified = controller.notifications - before
    assert answer == bytes(i & 0xFF for i in range(size))   # whole and in order
    assert notified == -(-(size + SESSION_OVERHEAD) // ATT_PAYLOAD)   # each piece exactly once
    assert await nimble_world.enomem_count() > 0   # it did meet back-pressure
    assert nimble_world.firmware_alive()


async def test_a_stuck_link_is_ended_after_the_stall_limit(nimble_world: NimbleWorld,
                                                           tmp_path: Path) -> None:
    controller = await nimble_world.start_firmware("ble_echo_main.py", extra_env={
        "UNSIT_KEYSTORE": str(tmp_path / "keys.bin"), "UNSIT_WINDOW_MS": "60000"})
    keyring = KeyRing()
    await ble_pairing.pair(NAME, keyring, timeout=5)
    async with await ble.connect(None, keyring, timeout=5) as link:
        controller.hold()   # connected, but nothing more goes out: NimBLE's buffers stay full
        started = asyncio.get_running_loop().time()
        with pytest.raises(TransportError):
            await link.request(b"N" + (8_000).to_bytes(2, "little"), timeout=60)
        waited = asyncio.get_running_loop().time() - started
    # hw/ble_peripheral.py retries for NOTIFY_STALL_MS (3 s of its 5 ms pauses, longer on a
    # loaded machine), then ends the link itself, long before the host would give up.
    assert 2.5 < waited < 30
    assert await nimble_world.enomem_count() > 100
    controller.release()
    await nimble_world.wait_advertising(5)
    async with await ble.connect(None, keyring, timeout=5) as link:   # NimBLE recovered
        assert await link.request(b"after", timeout=5) == b"echo:after"


async def test_a_silent_host_is_sent_away(nimble_world: NimbleWorld, tmp_path: Path) -> None:
    await nimble_world.start_firmware("ble_echo_main.py", extra_env={
        "UNSIT_KEYSTORE": str(tmp_path / "keys.bin"), "UNSIT_HANDSHAKE_MS": "300"})
    found = await ble_scan.find(NAME, 5)
    ended = asyncio.Event()
    async with BleakClient(found.address, disconnected_callback=lambda _: ended.set()):
        await asyncio.wait_for(ended.wait(), 5)   # says nothing; the clip hangs up
    await nimble_world.wait_advertising(5)
    assert nimble_world.firmware_alive()


async def test_forget_over_ble_then_the_old_key_is_refused(
        nimble_world: NimbleWorld, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, flash = await start_log_clip(nimble_world, tmp_path, 0)
    keyring = KeyRing()
    old = await ble_pairing.pair(NAME, keyring, timeout=5)
    assert (flash / "keys.bin").stat().st_size == 40
    capsys.readouterr()
    assert await forget.run_async(forget_args(time=5.0)) == 0
    assert "the clip dropped this computer's key" in capsys.readouterr().out
    assert KeyRing().devices() == [] and not (flash / "keys.bin").exists()
    # The clip ended that session itself (gap_disconnect) and advertises again; the old key
    # is now refused.
    await nimble_world.wait_advertising(5)
    found = await ble_scan.find(NAME, 5)
    with pytest.raises(ble.AccessRefused, match="not paired"):
        await ble.BleTransport(found.address, old, keyring.host_id).open()
    assert nimble_world.firmware_alive()


async def test_a_reset_over_usb_ends_the_ble_session_at_once(nimble_world: NimbleWorld,
                                                            tmp_path: Path) -> None:
    flash = tmp_path / "flash"
    flash.mkdir()
    line = DirectLine()
    try:
        fd = line.device_fd()
        await nimble_world.start_firmware("ble_log_main.py", pass_fds=(fd,), extra_env={
            "UNSIT_STORAGE": str(flash), "UNSIT_MINUTES": "0", "UNSIT_START": str(T_START),
            "UNSIT_WINDOW_MS": "0", "UNSIT_SERIAL_FD": str(fd)})
        os.close(fd)
        keyring = KeyRing()
        await pair_usb(line.path, keyring)   # over the cable: no window needed
        async with await ble.connect(None, keyring, timeout=5) as link:
            assert (await DeviceClient(link, timeout=5).hello()).device_id == DEVICE_ID
            assert (await reset_keys_usb(line.path)).removed == 1
            closed_s = await closed_after(link)   # BlePeripheral.disconnect() on NimBLE
        assert closed_s < CLOSED_WITHIN_S, closed_s
    finally:
        line.close()
    await nimble_world.wait_advertising(5)
    assert nimble_world.firmware_alive()


async def test_a_refused_host_with_more_records_queued_cannot_stop_the_clip(
        nimble_world: NimbleWorld, tmp_path: Path) -> None:
    # A stranger writes two HELLOs in one go. The first is refused (NOT_PAIRED) and the clip
    # asks NimBLE to end the link; until the peer has acknowledged that, NimBLE calls the link
    # "terminating" and another gap_disconnect raises OSError(EALREADY), which used to end
    # the peripheral's task: the clip never advertised again until it was restarted.
    await start_log_clip(nimble_world, tmp_path, 0)
    found = await ble_scan.find(NAME, 5)
    # named by a key the clip never stored
    hello = ss.HostSession(b"STRANGER", aes_block.aes_ecb, lambda n: bytes(n)).hello(bytes(32))
    assembler = RecordAssembler()
    records: list[bytes] = []

    def on_notify(_: object, data: bytearray) -> None:
        view = memoryview(data)
        while view:
            view = view[assembler.feed(view):]
            while (record := assembler.next_record()) is not None:
                records.append(bytes(record))

    ended = asyncio.Event()
    async with BleakClient(found.address, disconnected_callback=lambda _: ended.set()) as client:
        await client.start_notify(ble_ids.TX_UUID, on_notify)
        await client.write_gatt_char(ble_ids.RX_UUID, prefixed(hello) + prefixed(hello),
                                     response=True)
        await asyncio.wait_for(ended.wait(), 5)   # the clip hung up
    assert len(records) == 1   # one ERROR; the queued record was not answered
    with pytest.raises(ss.SessionError) as refused:
        ss.check_error(records[0])
    assert refused.value.code == ss.NOT_PAIRED
    await nimble_world.wait_advertising(5)
    assert "Traceback" not in "".join(nimble_world.output)
    await ble_pairing.pair(NAME, KeyRing(), timeout=5)   # and serves the next host
