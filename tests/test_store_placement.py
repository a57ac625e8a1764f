"""Placing in time the records of boots that ended before the clock was ever set.

The logs here are built record by record with the firmware's own packers
(``unsit_firmware.logic.records``) and decoded as a sync decodes them, then stored in batches
with the clock links a sync would pass along. Two tests end to end: the firmware's flash log
and protocol service under MicroPython synced over a pty, and the real firmware on the
simulated board, hung and reset by its watchdog, its estimate checked against the truth.
docs/sync.md, "Placing records in time", has the rules these tests hold the store to.
"""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest
from sync_device import DirectLine, MpyDevice
from test_store import DEV, T0, count, store  # noqa: F401  (store: the fixture)
from unsit_firmware.logic import events, records

from unsit.commands.sync import print_report
from unsit.log.placement import (
    DEEP_SLEEP, LINK_MISSING, POWER_LOST, RESET_GAP_S, UNPLACEABLE_WHY, Unplaced)
from unsit.log.records import ClockLink, StoredRecord, clock_link, decode
from unsit.lab.simulation import RATE_HZ, board_bytes, read_log, run_until_end
from unsit.store import MIGRATIONS, SCHEMA_VERSION, Store, open_store
from unsit.lab.trace import to_board_samples
from unsit.lab.tracegen import generate
from unsit.sync import sync_serial

SITTING = [0, 60, 0, 0, 0]


class Log:
    """A clip's log as the firmware writes it: sequence numbers run on across boots."""

    def __init__(self, first_seq: int = 1) -> None:
        self.seq = first_seq
        self.records: list[StoredRecord] = []

    def _add(self, body: bytes) -> StoredRecord:
        record = decode(body)
        self.records.append(record)
        self.seq += 1
        return record

    def boot(self, boot: int, cause: int, up: int = 2) -> StoredRecord:
        """The BOOT event that opens boot number ``boot`` (stamped on uptime)."""
        return self._add(records.pack_event(self.seq, records.uptime_time(boot, up), True,
                                            events.BOOT, cause, 1))

    def minutes(self, boot: int, up: int, n: int) -> list[StoredRecord]:
        """``n`` sitting minutes from uptime ``up`` on, before the clock was set."""
        return [self._add(records.pack_minute(self.seq, records.uptime_time(boot, up + 60 * i),
                                              True, SITTING, 0)) for i in range(n)]

    def idle(self, boot: int, up: int, n: int) -> StoredRecord:
        return self._add(records.pack_event(self.seq, records.uptime_time(boot, up), True,
                                            records.IDLE, n, 0))

    def event(self, boot: int, up: int, kind: int, a: int = 0, b: int = 0) -> StoredRecord:
        return self._add(records.pack_event(self.seq, records.uptime_time(boot, up), True,
                                            kind, a, b))

    def clock_set(self, boot: int, up: int, utc: int) -> StoredRecord:
        """The CLOCK_LINK the log writes when the clock is first set in this boot."""
        return self._add(records.pack_event(self.seq, utc, False, events.CLOCK_LINK,
                                            up & 0xFFFF, (up >> 16) | (boot << 8)))

    def utc_minutes(self, utc: int, n: int) -> list[StoredRecord]:
        return [self._add(records.pack_minute(self.seq, utc + 60 * i, False, SITTING, 0))
                for i in range(n)]


def sync(store: Store, log: list[StoredRecord], batch: int = 32,
         hello: ClockLink | None = None) -> tuple[int, int, int]:
    """Store ``log`` as a sync does (batches, each with the links its CLOCK_LINKs give, the
    hello's link with the first); return the totals of (new, placed, estimated)."""
    new = placed = estimated = 0
    pending = [hello] if hello is not None else []
    for i in range(0, len(log), batch):
        part = log[i:i + batch]
        links = pending + [link for link in map(clock_link, part) if link is not None]
        pending = []
        result = store.store_batch(DEV, part, next_seq=part[-1].seq + 1, links=links)
        new, placed, estimated = (new + result.new, placed + result.placed,
                                  estimated + result.estimated)
    return new, placed, estimated


def times(store: Store, seqs: list[int]) -> list[int | None]:
    return [store.conn.execute("SELECT t_utc FROM records WHERE device_id = ? AND seq = ?",
                               (DEV, seq)).fetchone()[0] for seq in seqs]


def estimated(store: Store) -> dict[int, int]:
    """seq -> the BOOT record its estimate hangs on."""
    return dict(store.conn.execute(
        "SELECT seq, anchor_seq FROM estimated_times WHERE device_id = ?", (DEV,)).fetchall())


def seqs(recs: list[StoredRecord]) -> list[int]:
    return [r.seq for r in recs]


def watchdog_chain() -> tuple[Log, list[StoredRecord], list[StoredRecord], list[StoredRecord]]:
    """Boot 7 (switched on) and boot 8 end in watchdog resets before any sync; in boot 9 the
    clock is set at uptime 300 s (UTC T0 + 300)."""
    log = Log(first_seq=100)
    b7 = [log.boot(7, events.RESET_POWER_ON, up=2), *log.minutes(7, 60, 10),
          log.event(7, 630, events.NOT_WORN, 30, 0)]                    # last minute ends at 660
    b8 = [log.boot(8, events.RESET_WATCHDOG, up=2), *log.minutes(8, 100, 5),
          log.event(8, 410, events.REMINDER, 0, 60)]                    # last thing: 410
    b9 = [log.boot(9, events.RESET_WATCHDOG, up=3), *log.minutes(9, 30, 3),
          log.clock_set(9, 300, T0 + 300), *log.utc_minutes(T0 + 360, 2)]
    return log, b7, b8, b9


def test_a_chain_of_watchdog_resets_is_placed_backwards_and_marked_estimated(
        store: Store) -> None:
    log, b7, b8, b9 = watchdog_chain()
    new, placed, n_estimated = sync(store, log.records)
    assert new == len(log.records)
    assert n_estimated == len(b7) + len(b8)
    # Boot 9 is placed by its link: UTC = uptime + T0; it began (uptime 0) at T0.
    assert times(store, seqs(b9[:4])) == [T0 + 3, T0 + 30, T0 + 90, T0 + 150]
    # Boot 8 ended RESET_GAP_S before that, at its last record (uptime 410).
    offset8 = T0 - RESET_GAP_S - 410
    assert times(store, seqs(b8)) == [offset8 + up for up in (2, 100, 160, 220, 280, 340, 410)]
    # Boot 7 ended (its last minute, from uptime 600, ends at 660) RESET_GAP_S before boot 8
    # began, whose start is now known by estimate.
    offset7 = offset8 - RESET_GAP_S - 660
    assert times(store, seqs(b7)) == [offset7 + 2, *(offset7 + 60 * i for i in range(1, 11)),
                                      offset7 + 630]
    assert estimated(store) == {**{r.seq: b8[0].seq for r in b7}, **{r.seq: b9[0].seq for r in b8}}
    # The review's tables have them, at the same times; the marks tell them apart.
    marked = store.conn.execute(
        "SELECT COUNT(*) FROM minutes m JOIN estimated_times e USING (device_id, seq)"
        " WHERE m.t_utc = (SELECT t_utc FROM records r WHERE r.seq = m.seq)").fetchone()[0]
    assert marked == 15 and count(store, "minutes") == 20
    assert store.conn.execute(
        "SELECT t_utc FROM events WHERE seq = ?", (b7[-1].seq,)).fetchone() == (offset7 + 630,)
    assert store.unplaced(DEV).awaiting == 0 and store.unplaced(DEV).never == 0


@pytest.mark.parametrize("batch", [1, 5, 7])
def test_the_estimate_does_not_depend_on_how_the_records_were_batched(batch: int) -> None:
    one_go = open_store(":memory:")
    one_go.upsert_device(DEV)
    log, *_ = watchdog_chain()
    sync(one_go, log.records, batch=1000)
    piecewise = open_store(":memory:")
    piecewise.upsert_device(DEV)
    sync(piecewise, log.records, batch=batch)
    query = "SELECT seq, t_utc FROM records ORDER BY seq"
    assert piecewise.conn.execute(query).fetchall() == one_go.conn.execute(query).fetchall()
    assert estimated(piecewise) == estimated(one_go)


def test_records_stored_out_of_order_end_up_where_they_would_in_order(store: Store) -> None:
    # A sync reads in order; the store does not rely on it.
    in_order = open_store(":memory:")
    in_order.upsert_device(DEV)
    log, *_ = watchdog_chain()
    sync(in_order, log.records)
    for record in reversed(log.records):
        sync(store, [record])
    query = "SELECT seq, t_utc FROM records ORDER BY seq"
    assert store.conn.execute(query).fetchall() == in_order.conn.execute(query).fetchall()
    assert estimated(store) == estimated(in_order)


@pytest.mark.parametrize("cause, verdict", [
    (events.RESET_WATCHDOG, None), (events.RESET_HARD, None), (events.RESET_SOFT, None),
    (events.RESET_POWER_ON, POWER_LOST), (events.RESET_DEEPSLEEP, DEEP_SLEEP),
    (99, LINK_MISSING),     # a cause this host does not know says nothing of the gap
])
def test_only_an_immediate_restart_places_the_boot_before_it(
        store: Store, cause: int, verdict: str | None) -> None:
    log = Log()
    orphan = [log.boot(1, events.RESET_POWER_ON, up=1), *log.minutes(1, 60, 2)]
    log.boot(2, cause, up=2)
    log.clock_set(2, 200, T0 + 200)
    sync(store, log.records)
    if verdict is None:
        offset1 = T0 - RESET_GAP_S - 180
        assert times(store, seqs(orphan)) == [offset1 + 1, offset1 + 60, offset1 + 120]
        assert set(estimated(store)) == set(seqs(orphan))
        assert store.unplaced(DEV).never == 0
    else:
        assert times(store, seqs(orphan)) == [None] * 3
        assert estimated(store) == {}
        assert store.unplaced(DEV) == Unplaced(awaiting=0, unplaceable={verdict: 3})
        assert count(store, "minutes") == 0


def test_a_soft_reset_with_a_running_tick_counter_shares_the_next_boots_offset(
        store: Store) -> None:
    # A soft reset restarts MicroPython, not the hardware timer: boot 2's uptime goes on
    # from boot 1's, so the BOOT event's uptime (1000 s) is past boot 1's end (180 s).
    log = Log()
    first = [log.boot(1, events.RESET_POWER_ON, up=1), *log.minutes(1, 60, 2)]
    log.boot(2, events.RESET_SOFT, up=1000)
    log.clock_set(2, 1100, T0 + 1100)
    sync(store, log.records)
    assert times(store, seqs(first)) == [T0 + 1, T0 + 60, T0 + 120]
    assert set(estimated(store)) == set(seqs(first))


def test_a_boot_before_a_power_loss_stays_unplaced_and_is_counted_as_unplaceable(
        store: Store) -> None:
    log = Log()
    b1 = [log.boot(1, events.RESET_POWER_ON), *log.minutes(1, 60, 4)]
    b2 = [log.boot(2, events.RESET_WATCHDOG), *log.minutes(2, 60, 3)]   # ends before a power-on
    b3 = [log.boot(3, events.RESET_POWER_ON), *log.minutes(3, 60, 2),
          log.clock_set(3, 200, T0 + 200)]
    b4 = [log.boot(4, events.RESET_WATCHDOG), *log.minutes(4, 60, 6)]   # the clock was lost
    sync(store, log.records)
    assert times(store, seqs(b1) + seqs(b2)) == [None] * (len(b1) + len(b2))
    assert None not in times(store, seqs(b3))
    # Boot 4, the clip's current boot, lost the clock in its reset: its records wait for
    # the next sync's hello, and only they are awaiting.
    assert estimated(store) == {}
    unplaced = store.unplaced(DEV)
    assert unplaced.awaiting == len(b4)
    # Boot 2 ended before a power-on; boot 1 ended in a watchdog reset into boot 2, which
    # cannot be placed: both for the same reason.
    assert unplaced.unplaceable == {POWER_LOST: len(b1) + len(b2)}
    assert unplaced.never == len(b1) + len(b2)
    assert UNPLACEABLE_WHY[POWER_LOST] == ("written before a power loss, before the clock was "
                                           "set: their time is unknown")
    assert store.unplaced_count(DEV) == len(b1) + len(b2) + len(b4)
    # The next sync's hello links boot 4 (UTC = uptime + T0 + 3000).
    store.store_batch(DEV, [], links=[ClockLink(4, log.seq, T0 + 3000, "hello")])
    assert times(store, seqs(b4))[:2] == [T0 + 3002, T0 + 3060]
    assert store.unplaced(DEV).awaiting == 0
    assert store.unplaced(DEV).never == len(b1) + len(b2)


def test_a_boot_whose_next_boot_is_missing_from_the_log_is_unplaceable(store: Store) -> None:
    log = Log()
    orphan = [log.boot(1, events.RESET_POWER_ON), *log.minutes(1, 60, 3)]
    log.seq += 1   # the next boot's BOOT record never arrived (damaged on flash)
    rest = [*log.minutes(2, 60, 2), log.clock_set(2, 200, T0 + 200)]
    sync(store, orphan + rest)
    assert times(store, seqs(orphan)) == [None] * 4
    assert store.unplaced(DEV).unplaceable == {LINK_MISSING: 4}


def test_a_later_real_link_wins_over_an_estimate_and_the_chain_follows(store: Store) -> None:
    log, b7, b8, b9 = watchdog_chain()
    sync(store, log.records)
    before7 = times(store, seqs(b7))
    # A real link for boot 8 is learnt after all (say a hello answered in boot 8, just before
    # its reset, covering every record up to boot 9's BOOT): UTC = uptime + T0 - 5000.
    result = store.store_batch(DEV, [], links=[ClockLink(8, b9[0].seq, T0 - 5000, "hello")])
    assert result.placed == len(b8)
    real8 = [T0 - 5000 + up for up in (2, 100, 160, 220, 280, 340, 410)]
    assert times(store, seqs(b8)) == real8
    assert not set(seqs(b8)) & set(estimated(store))
    assert store.conn.execute("SELECT t_utc FROM minutes WHERE seq = ?",
                              (b8[1].seq,)).fetchone() == (T0 - 5000 + 100,)
    assert store.conn.execute("SELECT t_utc FROM events WHERE seq = ?",
                              (b8[-1].seq,)).fetchone() == (T0 - 5000 + 410,)
    # Boot 7 hangs on boot 8's BOOT event, which moved: its estimate moves with it.
    after7 = times(store, seqs(b7))
    shift = (T0 - 5000) - (T0 - RESET_GAP_S - 410)
    assert after7 == [t + shift for t in before7 if t is not None]
    assert set(seqs(b7)) <= set(estimated(store))
    # Storing everything again (a re-sync) or anything later never puts the estimate back.
    sync(store, log.records)
    log2 = Log(first_seq=log.seq)
    sync(store, log2.utc_minutes(T0 + 1000, 3))
    assert times(store, seqs(b8)) == real8
    assert times(store, seqs(b7)) == after7


def test_storing_again_changes_nothing(store: Store) -> None:
    log, b7, b8, _ = watchdog_chain()
    sync(store, log.records)
    snapshot = {table: store.conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall()
                for table in ("records", "minutes", "events", "estimated_times")}
    assert sync(store, log.records) == (0, 0, 0)
    assert sync(store, log.records[5:20], batch=3) == (0, 0, 0)
    for table, rows in snapshot.items():
        assert store.conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall() == rows


def test_boot_numbers_coming_round_again_are_not_confused(store: Store) -> None:
    log = Log(first_seq=1)
    # An old boot 0 that ended before a power loss, then boots 1..254 (one record each, placed
    # by links), then boot 255 that a watchdog reset ended before the clock was set, then
    # boot 0 again (8-bit boot numbers: boot 256), placed by its link.
    old0 = [log.boot(0, events.RESET_POWER_ON), *log.minutes(0, 60, 2)]
    for boot in range(1, 255):
        log.boot(boot, events.RESET_POWER_ON, up=1)
        log.clock_set(boot, 2, T0 - 10**6 + boot * 1000)
    b255 = [log.boot(255, events.RESET_POWER_ON), *log.minutes(255, 60, 3)]
    new0 = [log.boot(0, events.RESET_WATCHDOG, up=2), *log.minutes(0, 60, 2),
            log.clock_set(0, 500, T0 + 500)]
    sync(store, log.records)
    # The new boot 0's link places the new boot 0 only, not the old one.
    assert times(store, seqs(new0[:3])) == [T0 + 2, T0 + 60, T0 + 120]
    assert times(store, seqs(old0)) == [None] * 3
    # Boot 255 ended (its last minute, from uptime 180, ends at 240) before boot 0 began.
    offset255 = T0 - RESET_GAP_S - 240
    assert times(store, seqs(b255)) == [offset255 + 2, offset255 + 60, offset255 + 120,
                                        offset255 + 180]
    assert estimated(store) == {r.seq: new0[0].seq for r in b255}
    # The old boot 0 ended before boot 1, a power-on: unplaceable, not linked by the new 0.
    assert store.unplaced(DEV).unplaceable == {POWER_LOST: 3}


def test_a_boot_is_only_what_lies_together_in_the_log(store: Store) -> None:
    # Boot 3 of long ago, before a power loss; boots 4..258 (placed); then boot 3 again
    # (259 in 8 bits) whose BOOT record was damaged, reset by the watchdog into boot 4.
    log = Log()
    old3 = [log.boot(3, events.RESET_POWER_ON), *log.minutes(3, 60, 2)]
    for boot in range(4, 259):
        log.boot(boot & 0xFF, events.RESET_POWER_ON, up=1)
        log.clock_set(boot & 0xFF, 2, T0 - 10**6 + boot * 1000)
    log.seq += 1                                          # the new boot 3's BOOT record
    new3 = log.minutes(3, 60, 2)
    log.boot(4, events.RESET_WATCHDOG, up=2)
    log.clock_set(4, 100, T0 + 100)
    sync(store, log.records)
    offset3 = T0 - RESET_GAP_S - 180
    assert times(store, seqs(new3)) == [offset3 + 60, offset3 + 120]
    assert times(store, seqs(old3)) == [None] * 3
    assert set(estimated(store)) == set(seqs(new3))


def test_idle_runs_count_to_their_end(store: Store) -> None:
    log = Log()
    orphan = [log.boot(1, events.RESET_POWER_ON), *log.minutes(1, 60, 1),
              log.idle(1, 120, 45)]                       # unworn from 120 s to 120 + 2700 s
    log.boot(2, events.RESET_WATCHDOG, up=2)
    log.clock_set(2, 100, T0 + 100)
    sync(store, log.records)
    offset1 = T0 - RESET_GAP_S - (120 + 45 * 60)
    assert times(store, seqs(orphan)) == [offset1 + 2, offset1 + 60, offset1 + 120]
    assert store.conn.execute("SELECT t_utc, minutes FROM idle").fetchone() == (
        offset1 + 120, 45)


def test_a_version_1_store_is_upgraded_and_its_orphans_placed(tmp_path: Path) -> None:
    """A store written by the previous version (schema 1) holding an orphan boot and the
    placed boot after it is upgraded in place when opened, and the orphan gets its estimate."""
    path = tmp_path / "old.db"
    log, b7, b8, b9 = watchdog_chain()
    with sqlite3.connect(path, isolation_level=None) as conn:
        old = Store(conn)
        assert old.migrate(MIGRATIONS[:1]) == [1]
        conn.execute("INSERT INTO devices(device_id, name) VALUES (?, 'old clip')", (DEV,))
        # What version 1 stored: every record, times for those a link placed, their rows.
        link = clock_link(b9[4])
        assert link is not None
        conn.execute("INSERT INTO clock_links VALUES (?, ?, ?, ?, ?)",
                     (DEV, link.boot, link.link_seq, link.offset_s, link.source))
        for r in log.records:
            t_utc = r.t_device if r.clock_set else (
                r.t_device + T0 if r.boot == 9 and r.seq < link.link_seq else None)
            conn.execute("INSERT INTO records VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                         (DEV, r.seq, r.kind, r.boot, r.t_device, int(r.clock_set), t_utc,
                          ",".join(map(str, r.values)), r.body, T0))
            if t_utc is not None and r.kind == records.MINUTE:
                conn.execute("INSERT INTO minutes VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                             (DEV, r.seq, t_utc, *r.values))
            elif t_utc is not None:
                conn.execute("INSERT INTO events VALUES (?, ?, ?, ?, ?, ?)",
                             (DEV, r.seq, t_utc, r.kind, *r.values))
    conn.close()
    with open_store(path) as store:
        assert store.schema_version() == SCHEMA_VERSION == 4
        assert [row[0] for row in store.conn.execute(
            "SELECT version FROM schema_migrations ORDER BY 1")] == [1, 2, 3, 4]
        assert store.conn.execute("SELECT name FROM devices").fetchone() == ("old clip",)
        assert set(estimated(store)) == set(seqs(b7) + seqs(b8))
        assert times(store, seqs(b8))[0] == T0 - RESET_GAP_S - 410 + 2
        assert count(store, "minutes") == 20
        assert count(store, "events") == len(log.records) - 20
        assert store.migrate() == []


@pytest.mark.parametrize("cause", [events.RESET_WATCHDOG, events.RESET_POWER_ON])
def test_end_to_end_a_boot_that_never_got_the_clock(tmp_path: Path, cause: int,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    """The firmware's flash log under MicroPython: a first boot logs 5 minutes on uptime and
    is reset before any sync; the second boot (reset cause ``cause``) logs 3 and is synced."""
    flash, db = tmp_path / "flash", tmp_path / "unsit.db"
    first_line, second_line = DirectLine(), DirectLine()
    try:
        MpyDevice(flash, first_line.device_fd(), minutes=5).stop()   # seq 1 BOOT, 2-6 minutes
        device = MpyDevice(flash, second_line.device_fd(), minutes=3, cause=cause)
        try:
            report = asyncio.run(sync_serial(second_line.path, db))
        finally:
            device.stop()
    finally:
        first_line.close()
        second_line.close()
    assert report.new == 12 and report.unplaced == 0  # and the TIME_SET, CLOCK_LINK of the sync
    with open_store(db) as stored:
        boot2_utc = stored.conn.execute("SELECT t_utc FROM events WHERE seq = 7").fetchone()[0]
        first = stored.conn.execute(
            "SELECT seq, t_utc FROM records WHERE seq <= 6 ORDER BY seq").fetchall()
        marked = [row[0] for row in stored.conn.execute(
            "SELECT seq FROM estimated_times ORDER BY seq")]
    # serve_log's clock: the BOOT event at uptime 0, minute i from 60 * i to 60 * (i + 1).
    if cause == events.RESET_WATCHDOG:
        start1 = boot2_utc - RESET_GAP_S - 300
        assert first == [(1, start1), *((2 + i, start1 + 60 * i) for i in range(5))]
        assert marked == [1, 2, 3, 4, 5, 6]
        assert (report.estimated, report.unplaceable, report.unplaceable_why) == (6, 0, {})
        said = "6 records were placed in time by an estimate"
    else:
        assert first == [(seq, None) for seq in range(1, 7)]
        assert marked == []
        assert (report.estimated, report.unplaceable, report.unplaceable_why) == (
            0, 6, {POWER_LOST: 6})
        said = f"6 records cannot be placed in time: {UNPLACEABLE_WHY[POWER_LOST]}."
    print_report(report)
    out = capsys.readouterr().out
    assert said in out and "cannot be placed in time yet" not in out


# How late an estimate can be: the records a reset loses (unflushed for up to SAVE_EVERY_S,
# 5 min, after minutes held back 3 min) and the hang before the watchdog fired (its 60 s
# timeout, plus STALL_S = 30 s when only sampling was stuck): app/device.py's bounds.
LATEST_S = 300 + 180 + 60 + 30


def test_the_estimate_of_a_hung_boot_on_the_real_firmware_is_late_by_what_the_reset_lost(
        tmp_path: Path) -> None:
    """The firmware on the simulated board, never given the clock, hangs 17 min in; the
    watchdog resets it and it runs on. The second boot is linked with its true offset (a
    sync's hello); the first boot's estimate is compared with the truth."""
    trace = generate("seed 3\nmount front\nwalk 3m\nsit 22m\nstand 2m")
    samples = board_bytes(to_board_samples(trace.samples, trace.rate_hz))
    runs = run_until_end(samples, tmp_path, None,
                         env={"UNSIT_SIM_HANG_AT": str(17 * 60 * RATE_HZ)})
    assert [run.reset_cause for run in runs] == [events.RESET_POWER_ON, events.RESET_WATCHDOG]
    log = []
    for seq, kind, t, uptime, values in read_log(tmp_path / "storage"):
        if kind == records.MINUTE:
            body = records.pack_minute(seq, t, uptime, values[:5], values[5])
        else:   # an event (a, b) or an unworn run (minutes,)
            body = records.pack_event(seq, t, uptime, kind, *(tuple(values) + (0,))[:2])
        log.append(decode(body))
    boots = [r.boot for r in log if r.kind == events.BOOT]
    true_offset = [T0 + run.offset // RATE_HZ for run in runs]   # UTC at each boot's uptime 0
    with open_store(":memory:") as stored:
        stored.upsert_device(DEV)
        sync(stored, log, hello=ClockLink(boots[1], log[-1].seq + 1, true_offset[1], "hello"))
        first = stored.conn.execute(
            "SELECT t_device, t_utc FROM records WHERE boot = ? AND seq IN"
            " (SELECT seq FROM estimated_times) ORDER BY seq", (boots[0],)).fetchall()
        assert len(first) == sum(1 for r in log if r.boot == boots[0] and not r.clock_set) > 10
        late = {t_utc - (t_device + true_offset[0]) for t_device, t_utc in first}
        assert len(late) == 1                 # one offset for the whole boot
        assert 60 <= late.pop() <= LATEST_S   # at least the watchdog's timeout, never early
        assert stored.unplaced(DEV) == Unplaced(awaiting=0, unplaceable={})
