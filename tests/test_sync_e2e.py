"""USB sync end to end: the firmware's protocol service and flash log under the real
``micropython`` interpreter on one end of a pty, the host (pyserial, ``unsit sync``, SQLite) on
the other; then the faults: a host killed mid-sync, a device restarted mid-sync, a line that
drops, flips and inserts bytes, a full budget, a clock never set, a silent port."""

from __future__ import annotations

import asyncio
import io
import os
import re
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fault_relay import FaultRelay, Faults
from sync_device import DEVICE_ID, DirectLine, MpyDevice, pattern
from unsit_firmware.logic import events

from unsit.cli import main
from unsit.links.client import DeviceClient, DeviceInfo
from unsit.links.ports import candidates
from unsit.links.transport import LinkTimeout, SerialTransport, TransportError
from unsit.store import open_store
from unsit.sync import SyncReport, sync_device, sync_serial

T_START = 1_790_000_000


@pytest.fixture
def line() -> Iterator[DirectLine]:
    direct = DirectLine()
    yield direct
    direct.close()


@pytest.fixture
def devices() -> Iterator[list[MpyDevice]]:
    """Every device process a test starts; all are stopped at the end."""
    started: list[MpyDevice] = []
    yield started
    for device in started:
        device.stop()


def start(devices: list[MpyDevice], storage: Path, fd: int, **options: object) -> MpyDevice:
    device = MpyDevice(storage, fd, **options)
    devices.append(device)
    return device


def stored_minutes(db: Path) -> list[tuple[int, int, int, int, int]]:
    with sqlite3.connect(db) as conn:
        return conn.execute(
            "SELECT seq, sitting_s, standing_s, walking_s, steps FROM minutes ORDER BY seq"
        ).fetchall()


def expected_minutes(count: int, first_seq: int = 2) -> list[tuple[int, int, int, int, int]]:
    """The prefilled minutes: seq 1 is the BOOT event, minute i has seq i + 2."""
    rows = []
    for i in range(count):
        counts, steps = pattern(i)
        rows.append((first_seq + i, counts[1], counts[2], counts[3], steps))
    return rows


def sync(path: str, db: Path, **options: object) -> SyncReport:
    return asyncio.run(sync_serial(path, db, **options))


def device_info(path: str) -> DeviceInfo:
    async def hello() -> DeviceInfo:
        async with SerialTransport(path) as link:
            return await DeviceClient(link).handshake()

    return asyncio.run(hello())


def test_sync_stores_everything_once_and_says_what_arrived(
        tmp_path: Path, line: DirectLine, devices: list[MpyDevice],
        capsys: pytest.CaptureFixture[str]) -> None:
    start(devices, tmp_path / "flash", line.device_fd(), minutes=300, start=T_START)
    db = tmp_path / "unsit.db"

    assert main(["sync", "--port", line.path, "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "Synced unsit-2c3d (id 0a1b2c3d, firmware 0.1.0)" in out
    assert "300 minutes" in out
    assert stored_minutes(db) == expected_minutes(300)
    with sqlite3.connect(db) as conn:
        times = [r[0] for r in conn.execute("SELECT t_utc FROM minutes ORDER BY seq")]
        kinds = [r[0] for r in conn.execute("SELECT kind FROM events ORDER BY seq")]
    assert times == [T_START + 60 * i for i in range(300)]
    assert kinds[0] == events.BOOT and events.TIME_SET in kinds

    # Again: nothing counted twice; only the new TIME_SET event of this sync arrives.
    again = sync(line.path, db)
    assert again.minutes == 0 and again.new == again.events
    assert stored_minutes(db) == expected_minutes(300)
    assert again.acked == again.to_seq - 1 == again.device.next_seq - 1


def test_records_written_before_the_clock_was_set_are_placed_in_time(
        tmp_path: Path, line: DirectLine, devices: list[MpyDevice]) -> None:
    start(devices, tmp_path / "flash", line.device_fd(), minutes=120)
    db = tmp_path / "unsit.db"
    before = int(time.time())
    report = sync(line.path, db)
    after = int(time.time())
    assert report.clock_before is None
    assert report.unplaced == 0
    with sqlite3.connect(db) as conn:
        times = [r[0] for r in conn.execute("SELECT t_utc FROM minutes ORDER BY seq")]
        link = conn.execute("SELECT source FROM clock_links").fetchall()
    assert len(times) == 120
    assert all(b - a == 60 for a, b in zip(times, times[1:]))
    # The device's virtual uptime ran 120 min before the sync: the last minute began then.
    assert before - 60 * 120 - 2 <= times[0] <= after - 60 * 120 + 2
    assert ("clock_link",) in link


def test_host_killed_mid_sync_loses_nothing_and_counts_nothing_twice(
        tmp_path: Path, line: DirectLine, devices: list[MpyDevice]) -> None:
    minutes = 4000
    start(devices, tmp_path / "flash", line.device_fd(), minutes=minutes, start=T_START)
    db = tmp_path / "unsit.db"
    open_store(db).close()  # so that it can be watched from the start
    command = [sys.executable, "-m", "unsit", "sync", "--port", line.path, "--db", str(db)]
    host = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    stored = 0
    with sqlite3.connect(db, timeout=10) as watch:
        while time.monotonic() < deadline and host.poll() is None:
            stored = watch.execute("SELECT COUNT(*) FROM minutes").fetchone()[0]
            if stored >= 500:
                break
            time.sleep(0.005)
    host.kill()
    host.communicate()
    assert 0 < stored < minutes, "the sync was not caught in the middle"
    partial = stored_minutes(db)
    assert partial == expected_minutes(minutes)[:len(partial)]
    # The device frees only what the host acknowledged after storing it.
    assert device_info(line.path).acked <= partial[-1][0]

    report = sync(line.path, db)
    assert report.missing == 0 and report.corrupt == 0
    assert stored_minutes(db) == expected_minutes(minutes)


def test_device_restarted_mid_sync_resumes_without_loss_or_duplicates(
        tmp_path: Path, devices: list[MpyDevice]) -> None:
    minutes = 1500
    flash = tmp_path / "flash"
    db = tmp_path / "unsit.db"
    with FaultRelay() as relay:
        start(devices, flash, relay.device_fd(), minutes=minutes, start=T_START)
        restarted: list[threading.Timer] = []

        def restart_once(done: int, total: int) -> None:
            if done >= 400 and not restarted:
                devices[0].stop()  # power cut: the board comes back on the same port, later
                fd = relay.device_fd()
                restarted.append(threading.Timer(0.4, lambda: start(devices, flash, fd)))
                restarted[0].start()

        report = sync(relay.host_path, db, progress=restart_once, timeout=0.3, retries=10)
        assert restarted, "the device was not restarted"
        restarted[0].join()
        assert report.retries >= 1
        assert stored_minutes(db) == expected_minutes(minutes)
        # The sync reads only what its HELLO announced: the second boot's BOOT event (on
        # uptime: its clock was lost) comes with the next sync, which sets the clock again
        # and places it.
        again = sync(relay.host_path, db)
        assert again.unplaced == 0
    assert stored_minutes(db) == expected_minutes(minutes)
    with sqlite3.connect(db) as conn:
        boots = conn.execute("SELECT COUNT(*) FROM events WHERE kind = ?",
                             (events.BOOT,)).fetchone()[0]
    assert boots == 2


@pytest.mark.parametrize("seed", [1, 2])
def test_a_line_that_drops_flips_and_inserts_bytes(
        tmp_path: Path, devices: list[MpyDevice], seed: int) -> None:
    minutes = 600
    to_host = Faults(drop=0.0005, flip=0.0005, insert=0.0005, limit=8, seed=seed)
    to_device = Faults(drop=0.01, flip=0.01, insert=0.01, limit=5, seed=seed + 100)
    db = tmp_path / "unsit.db"
    with FaultRelay(to_host=to_host, to_device=to_device) as relay:
        start(devices, tmp_path / "flash", relay.device_fd(), minutes=minutes, start=T_START)
        report = sync(relay.host_path, db, timeout=0.3, retries=10)
    assert to_host.injected + to_device.injected >= 6, "the line was not faulty enough"
    assert report.retries >= 1
    assert report.corrupt == 0 and report.missing == 0
    assert stored_minutes(db) == expected_minutes(minutes)


def test_a_full_budget_is_reported_and_the_newest_records_arrive(
        tmp_path: Path, line: DirectLine, devices: list[MpyDevice],
        capsys: pytest.CaptureFixture[str]) -> None:
    # 4 segments of 64 records: 600 minutes do not fit, the oldest segments were dropped.
    device = start(devices, tmp_path / "flash", line.device_fd(), minutes=600, start=T_START,
                   budget=4 * 64 * 16, segment=64)
    assert device.first_seq > 1
    db = tmp_path / "unsit.db"
    assert main(["sync", "--port", line.path, "--db", str(db)]) == 0
    out = capsys.readouterr().out
    dropped = device.first_seq - 1
    assert f"The clip dropped {dropped} records it had no room for" in out
    # DROPPED events take sequence numbers among the minutes: compare the minutes' contents.
    kept = [row[1:] for row in stored_minutes(db)]
    assert 0 < len(kept) < 600
    assert kept == [row[1:] for row in expected_minutes(600)][-len(kept):]
    with sqlite3.connect(db) as conn:
        noted = conn.execute("SELECT a + 65536 * b FROM events WHERE kind = ?",
                             (events.DROPPED,)).fetchall()
        assert conn.execute("SELECT dropped FROM devices").fetchone() == (dropped,)
    # DROPPED events count the drops as they happen; some were themselves dropped later.
    assert 0 < sum(r[0] for r in noted) <= dropped


def test_sync_says_when_the_clips_accelerometer_failed(
        tmp_path: Path, line: DirectLine, devices: list[MpyDevice],
        capsys: pytest.CaptureFixture[str]) -> None:
    start(devices, tmp_path / "flash", line.device_fd(), minutes=60, start=T_START, faults=1)
    db = tmp_path / "unsit.db"
    assert main(["sync", "--port", line.path, "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert out.count("The clip's accelerometer did not answer") == 1
    assert "for 15 min." in out
    assert main(["sync", "--port", line.path, "--db", str(db), "--json"]) == 0
    assert '"faults": []' in capsys.readouterr().out     # said once, not at every sync


def test_the_handshake_survives_bytes_lost_before_the_device_listens(
        tmp_path: Path, devices: list[MpyDevice]) -> None:
    async def scenario(relay: FaultRelay) -> str:
        async with SerialTransport(relay.host_path) as link:
            client = DeviceClient(link)
            hello = asyncio.create_task(client.handshake(within_s=10, interval_s=0.2))
            await asyncio.sleep(0.5)  # hellos sent now go nowhere: no device on the line yet
            start(devices, tmp_path / "flash", relay.device_fd(), minutes=3)
            info = await hello
            assert client.retried >= 2
            return info.device_id

    with FaultRelay() as relay:
        assert asyncio.run(scenario(relay)) == DEVICE_ID


def test_a_port_where_nothing_answers_is_one_clear_error(tmp_path: Path) -> None:
    line = DirectLine()  # nobody on the other end
    try:
        async def scenario() -> None:
            async with SerialTransport(line.path) as link:
                await sync_device(link, open_store(":memory:"), handshake_s=0.6)

        with pytest.raises(LinkTimeout, match="no unsit device answers on .* 0.6 s"):
            asyncio.run(scenario())
    finally:
        line.close()


def test_a_missing_port_is_one_line_without_traceback(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "unsit", "sync", "--port", str(tmp_path / "ttyNONE"),
         "--db", str(tmp_path / "unsit.db")],
        capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith(f"unsit sync: error: no such port {tmp_path / 'ttyNONE'}; ")
    assert "ports found: " in done.stderr or "no serial ports found" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


class _Terminal(io.StringIO):
    """Standard error as a terminal (the one thing a test cannot have here)."""

    def isatty(self) -> bool:
        return True


def test_progress_on_a_terminal_only_and_nothing_new_since_the_last_sync(
        tmp_path: Path, line: DirectLine, devices: list[MpyDevice],
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    start(devices, tmp_path / "flash", line.device_fd(), minutes=1200, start=T_START)
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert main(["sync", "--port", line.path, "--db", str(tmp_path / "unsit.db"),
                 "--json"]) == 0
    monkeypatch.undo()
    updates = [x for x in terminal.getvalue().split("\r") if x.startswith("fetching records:")]
    assert len(updates) >= 5 and updates[-1].rstrip().endswith("(100 %)")
    assert '"minutes": 1200' in capsys.readouterr().out
    # not on a terminal: no progress; a second sync brought only its own clock events
    assert main(["sync", "--port", line.path, "--db", str(tmp_path / "unsit.db")]) == 0
    captured = capsys.readouterr()
    assert "fetching" not in captured.err
    assert re.search(r"  Nothing new since \d{4}-\d\d-\d\d \d\d:\d\d\.\n", captured.out), \
        captured.out



def test_without_a_port_the_device_is_looked_for_on_usb(tmp_path: Path) -> None:
    boards, bridges = candidates()
    if boards or bridges:
        pytest.skip("a USB serial device is plugged in here")
    done = subprocess.run(  # paired with no clip, so Bluetooth is not tried (tests/ble)
        [sys.executable, "-m", "unsit", "sync", "--db", str(tmp_path / "unsit.db")],
        capture_output=True, text=True, timeout=60,
        env={**os.environ, "UNSIT_KEYS": str(tmp_path / "keys.json")})
    assert done.returncode == 1
    assert done.stderr == ("unsit sync: error: no unsit device found on USB: plug it in with a "
                           "data cable, or give --port PATH; or pair the clip for Bluetooth "
                           "with 'unsit pair'\n")


def test_a_device_that_goes_away_is_a_lost_link_not_a_hang(
        tmp_path: Path, line: DirectLine, devices: list[MpyDevice]) -> None:
    device = start(devices, tmp_path / "flash", line.device_fd(), minutes=3)

    async def scenario() -> None:
        async with SerialTransport(line.path) as link:
            client = DeviceClient(link, timeout=0.5, retries=0)
            assert (await client.handshake()).device_id == DEVICE_ID
            device.stop()  # the cable is pulled: the pty hangs up
            began = time.monotonic()
            with pytest.raises(TransportError) as caught:
                await client.status()
            assert time.monotonic() - began < 2
            assert str(caught.value).startswith(f"lost the connection to {line.path} (")

    asyncio.run(scenario())


def test_a_port_that_comes_back_after_a_reset_is_reconnected_and_the_sync_resumes(
        tmp_path: Path, devices: list[MpyDevice], capsys: pytest.CaptureFixture[str]) -> None:
    # A board reset makes its USB port vanish and come back under the same name: here a
    # symlink that is pointed at a new pty once the device has restarted.
    minutes = 1500
    flash = tmp_path / "flash"
    port = tmp_path / "ttyACM0"
    lines = [DirectLine()]
    port.symlink_to(lines[0].path)
    start(devices, flash, lines[0].device_fd(), minutes=minutes, start=T_START)
    restarted: list[threading.Timer] = []

    def come_back() -> None:
        lines.append(DirectLine())
        start(devices, flash, lines[-1].device_fd())
        port.symlink_to(lines[-1].path)

    def reset_once(done: int, total: int) -> None:
        if done >= 400 and not restarted:
            devices[0].stop()  # the old pty hangs up: the host sees the link lost
            port.unlink()
            restarted.append(threading.Timer(0.5, come_back))
            restarted[0].start()

    try:
        report = sync(str(port), tmp_path / "unsit.db", progress=reset_once,
                      say=lambda line: print(line))
        restarted[0].join()
    finally:
        for line in lines:
            line.close()
    assert "lost the connection to" in capsys.readouterr().out
    assert report.notes == ["the link was lost and the sync resumed"]
    assert report.fetched >= minutes and report.minutes == minutes
    assert stored_minutes(tmp_path / "unsit.db") == expected_minutes(minutes)
