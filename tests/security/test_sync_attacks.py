"""A clip (or anything on its port) that lies to `unsit sync`, and clips whose log was erased
or replaced: the host checks what it is told and never loses or overwrites what it holds."""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from clip import Clip
from fault_relay import raw_pty
from hostile import DEVICE_ID, HostileClip, minute
from unsit.errors import UnsitError
from unsit.lab.tracegen import generate
from unsit.links.client import DeviceClient, DeviceError
from unsit.store import open_store
from unsit.sync import READ_SLACK, sync_device, sync_serial


def sync(clip: HostileClip, store_path: str | Path = ":memory:") -> object:
    store = open_store(store_path)
    try:
        return asyncio.run(sync_device(clip, store, timeout=0.05, retries=0))
    finally:
        store.close()


def stored_seqs(store_path: Path) -> list[int]:
    with sqlite3.connect(store_path) as conn:
        return [row[0] for row in conn.execute("SELECT seq FROM records ORDER BY seq")]


def test_a_clip_cannot_keep_the_sync_reading(tmp_path: Path) -> None:
    # Its HELLO says 9 records; every READ answer then moves on by one empty slot.
    def crawl(from_seq: int, max_count: int, clip: HostileClip) -> tuple[int, int, bytes]:
        if clip.reads >= 3000:
            return from_seq, from_seq, b""
        return from_seq, from_seq + 1, b""

    clip = HostileClip(count=9, read_script=crawl)
    with pytest.raises(UnsitError, match="reads"):
        sync(clip, tmp_path / "unsit.db")
    assert clip.reads <= 1 + READ_SLACK


def test_records_outside_the_answer_are_refused(tmp_path: Path) -> None:
    # Asked from 1, it sends records numbered 100 on: the genuine 100... would then be
    # ignored forever as already stored.
    def elsewhere(from_seq: int, max_count: int, clip: HostileClip) -> tuple[int, int, bytes]:
        return from_seq, from_seq + 9, b"".join(minute(100 + i) for i in range(9))

    db = tmp_path / "unsit.db"
    with pytest.raises(UnsitError, match="outside"):
        sync(HostileClip(count=9, read_script=elsewhere), db)
    assert all(seq < 10 for seq in stored_seqs(db))


def test_the_cursor_cannot_be_pushed_past_the_log(tmp_path: Path) -> None:
    def far(from_seq: int, max_count: int, clip: HostileClip) -> tuple[int, int, bytes]:
        start, _, data = clip.genuine(from_seq, max_count)
        return start, 0xFFFFFFFF, data

    db = tmp_path / "unsit.db"
    sync(HostileClip(count=9, read_script=far), db)
    with open_store(db) as store:
        assert store.cursor(DEVICE_ID) == 10
    # An honest sync afterwards still works and gets what is new.
    sync(HostileClip(count=20), db)
    assert stored_seqs(db) == list(range(1, 21))


def test_a_clip_with_the_old_protocol_is_refused_with_update_the_firmware() -> None:
    with pytest.raises(UnsitError, match="update the firmware"):
        sync(HostileClip(version=1))


def served(tmp_path: Path, name: str, **options: object) -> tuple[Clip, str]:
    master, slave, path = raw_pty()
    tmp = tmp_path / name
    tmp.mkdir()
    clip = Clip(tmp, master, **options)
    clip.on_stop(lambda: os.close(slave))
    return clip, path


def test_an_erased_clip_loses_nothing(tmp_path: Path) -> None:
    """The same clip, erased (or reinstalled) between two syncs, logs a new, shorter log and
    then a longer one: both logs stay complete in one store and the user is told."""
    db = tmp_path / "unsit.db"
    day1 = 1_790_000_000
    first, path = served(tmp_path, "before", minutes=300, start=day1)
    try:
        before = asyncio.run(sync_serial(path, db))
    finally:
        first.stop()
    assert before.minutes == 300
    second, path = served(tmp_path, "after", minutes=25, start=day1 + 86400)
    try:
        after = asyncio.run(sync_serial(path, db))
    finally:
        second.stop()
    with sqlite3.connect(db) as conn:
        days = conn.execute("SELECT (t_utc - ?) / 86400, COUNT(*) FROM minutes GROUP BY 1",
                            (day1,)).fetchall()
    assert days == [(0, 300), (1, 25)]
    assert after.minutes == 25 and after.new_log and not before.new_log
    assert any("new log" in note for note in after.notes)


EARLIEST_UTC = 1577836800   # 2020-01-01, docs/protocol.md
LATEST_UTC = 4102444800     # 2100-01-01


def test_set_time_is_bounded_on_both_sides(tmp_path: Path) -> None:
    clip, path = served(tmp_path, "clip", minutes=3)
    try:
        from unsit.links.transport import SerialTransport

        async def try_2100() -> None:
            async with SerialTransport(path) as link:
                client = DeviceClient(link)
                await client.handshake()
                with pytest.raises(DeviceError, match="time not acceptable"):
                    await client.set_time(LATEST_UTC, 0)
                with pytest.raises(DeviceError, match="time not acceptable"):
                    await client.set_time(EARLIEST_UTC - 1, 0)
                await client.set_time(LATEST_UTC - 1, 0)   # the last accepted second
                # kept as set, not wrapped into 1970 (32-bit board: a long int)
                assert await client.set_time(EARLIEST_UTC, 0) >= LATEST_UTC - 1

        asyncio.run(try_2100())
        # and the host never sends a clock it cannot believe itself
        with pytest.raises(UnsitError, match="not a plausible time"):
            asyncio.run(sync_serial(path, tmp_path / "unsit.db",
                                    clock=lambda: float(2**32 - 10)))
    finally:
        clip.stop()


SCRIPT_A = """
mount front
sit 25m
walk 3m cadence 1.9
sit 12m
"""
SCRIPT_B = """
mount front
sit 50m
walk 5m cadence 1.9
stand 5m
sit 30m
"""


def serve_trace(trace: Path, start: str, db: Path) -> object:
    """``unsit simulate TRACE --serve`` (the firmware's main.py on the simulated board, a
    fresh flash each time) synced with ``unsit sync --port``, as a user would."""
    server = subprocess.Popen(
        [sys.executable, "-m", "unsit", "simulate", str(trace), "--rate", "25",
         "--start", start, "--serve"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = server.stdout.readline()  # type: ignore[union-attr]
        assert first.startswith("serving the simulated clip on /dev/"), first
        said = []
        for line in server.stderr:  # type: ignore[union-attr]
            said.append(line)
            if "trace has been played" in line:
                break
        else:
            pytest.fail(f"the server ended: {''.join(said)}")
        done = subprocess.run(
            [sys.executable, "-m", "unsit", "sync", "--port", first.split()[-1], "--db",
             str(db), "--json"], capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)
    finally:
        server.terminate()
        server.wait(10)
        for stream in (server.stdout, server.stderr):
            if stream is not None:
                stream.close()


@pytest.mark.slow
def test_two_traces_served_as_the_same_clip_keep_both_days(tmp_path: Path) -> None:
    """Done when: two different traces served one after the other as the same clip (each a
    fresh log) and synced into one store: both days complete, and a new log is reported."""
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    generate(SCRIPT_A).write_text(a)
    generate(SCRIPT_B).write_text(b)
    db = tmp_path / "unsit.db"
    first = serve_trace(a, "2026-03-02T08:00+00:00", db)
    second = serve_trace(b, "2026-03-03T08:00+00:00", db)
    assert first["device_id"] == second["device_id"]   # the same clip
    with sqlite3.connect(db) as conn:
        per_day = dict(conn.execute(
            "SELECT date(t_utc, 'unixepoch'), COUNT(*) FROM minutes GROUP BY 1").fetchall())
        idle = conn.execute("SELECT COALESCE(SUM(minutes), 0) FROM idle").fetchone()[0]
    assert set(per_day) == {"2026-03-02", "2026-03-03"}
    assert 39 <= per_day["2026-03-02"] <= 41            # 40 minutes of trace A
    assert 89 <= per_day["2026-03-03"] + idle <= 91     # 90 minutes of trace B
    summary = subprocess.run(
        [sys.executable, "-m", "unsit", "summary", "--db", str(db), "--tz", "UTC",
         "--from", "2026-03-02", "--to", "2026-03-03"], capture_output=True, text=True,
        timeout=60)
    assert summary.returncode == 0, summary.stderr
    assert "2026-03-02" in summary.stdout and "2026-03-03" in summary.stdout
    assert not first["new_log"] and second["new_log"]       # and the user was told
    assert first["log_id"] != second["log_id"]


def test_settings_changed_behind_the_wearers_back_are_reported(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Whoever holds a key (or the cable) can change the clip's settings: the next sync of the
    wearer's own computer says so, loudly."""
    from unsit.commands.sync import print_report
    from unsit.links.transport import SerialTransport

    db = tmp_path / "unsit.db"
    clip, path = served(tmp_path, "clip", minutes=5, start=1_790_000_000)
    try:
        asyncio.run(sync_serial(path, db))

        async def meddle() -> None:
            async with SerialTransport(path) as link:
                client = DeviceClient(link)
                await client.handshake()
                await client.set_setting(1, 120)   # remind after 2 h instead of 1

        asyncio.run(meddle())
        report = asyncio.run(sync_serial(path, db))
    finally:
        clip.stop()
    assert report.setting_changes == [(1, 120)]
    print_report(report)
    assert "ATTENTION: setting" in capsys.readouterr().out
