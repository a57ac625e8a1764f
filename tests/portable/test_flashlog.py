"""The flash log: append, read, acknowledge, budget, time stamps and recovery after a power cut.

Runs on the host filesystem under CPython and MicroPython, and on LittleFS2 in a RAM block
device under MicroPython (the filesystem a board's flash has).
"""

import os

import logfs
from logfs import read_all
from logic import events, records
from logic.flashlog import FlashLog
from logic.records import SIZE
from portable import MICROPYTHON, skip

MICROPYTHON_TIMEOUT = 300

T0 = 1767225600
SAT = (0, 50, 6, 4, 0)
UNWORN = (60, 0, 0, 0, 0)


class Clock:
    """A settable test clock: ``ms`` is uptime; ``utc`` is None until set."""

    def __init__(self, ms=0, utc=None):
        self.ms = ms
        self.utc = utc

    def ticks_ms(self):
        return self.ms & 0x3FFFFFFF

    def time(self):
        return self.utc

    def advance(self, seconds):
        self.ms += seconds * 1000
        if self.utc is not None:
            self.utc += seconds


def files(path):
    out = {}
    for name in os.listdir(path):
        with open(path + "/" + name, "rb") as f:
            out[name] = f.read()
    return out


def restore(path, snapshot):
    for name in os.listdir(path):
        os.remove(path + "/" + name)
    for name in snapshot:
        with open(path + "/" + name, "wb") as f:
            f.write(snapshot[name])


def minutes(log, clock, n, counts=SAT, steps=3):
    for i in range(n):
        clock.advance(60)
        log.append_minute(counts, steps + i % 5 if steps else 0)


def test_append_flush_read_and_reopen_continues_sequence():
    path = logfs.fresh_dir("basic")
    clock = Clock(utc=T0)
    log = FlashLog(path, clock, segment_records=8, batch=4)
    assert (log.first_seq, log.next_seq, log.boot) == (1, 1, 1)
    minutes(log, clock, 10)
    log.append_event(events.REMINDER, 0, 60)
    assert log.next_seq == 12
    assert log.stored_seq == 9             # 8 written by full buffers, 3 still in RAM
    log.flush()
    got = read_all(log)
    assert [r[0] for r in got] == list(range(1, 12))
    assert got[0] == (1, records.MINUTE, T0, False, SAT + (3,))
    assert got[10][1:] == (events.REMINDER, T0 + 600, False, (0, 60))

    again = FlashLog(path, clock, segment_records=8, batch=4)
    assert (again.first_seq, again.next_seq, again.boot) == (1, 12, 2)
    minutes(again, clock, 2)
    again.flush()
    assert [r[0] for r in read_all(again)] == list(range(1, 14))
    logfs.remove(path)


def test_read_into_reports_start_count_and_next():
    path = logfs.fresh_dir("read")
    clock = Clock(utc=T0)
    log = FlashLog(path, clock, segment_records=8, batch=4)
    minutes(log, clock, 20)
    log.flush()
    buf = bytearray(5 * SIZE)
    assert log.read_into(0, buf) == (1, 5, 6)
    assert log.read_into(6, buf) == (6, 5, 11)
    assert records.seq_of(buf) == 6
    assert log.read_into(18, buf) == (18, 3, 21)
    assert log.read_into(21, buf) == (21, 0, 21)
    assert log.read_into(500, buf) == (500, 0, 21)
    assert log.read_into(3, bytearray(0)) == (3, 0, 3)
    logfs.remove(path)


def test_ack_is_clamped_monotonic_and_persisted():
    path = logfs.fresh_dir("ack")
    clock = Clock(utc=T0)
    log = FlashLog(path, clock, segment_records=8, batch=4)
    minutes(log, clock, 6)
    assert log.ack(100) == 4               # only flushed records can be acknowledged
    log.flush()
    assert log.ack(5) == 5
    assert log.ack(2) == 5
    again = FlashLog(path, clock, segment_records=8, batch=4)
    assert again.acked == 5
    assert again.next_seq == 7
    logfs.remove(path)


def test_full_budget_drops_oldest_segment_counts_unacked_and_logs_it():
    path = logfs.fresh_dir("budget")
    clock = Clock(utc=T0)
    log = FlashLog(path, clock, budget_bytes=4 * 8 * SIZE, segment_records=8, batch=4)
    minutes(log, clock, 32)
    log.flush()
    assert (log.first_seq, log.dropped) == (1, 0)
    minutes(log, clock, 1)
    log.flush()                             # a fifth segment: the first one goes
    assert log.first_seq == 9
    assert log.dropped == 8
    got = read_all(log)
    assert got[0][0] == 9
    dropped = [r for r in got if r[1] == events.DROPPED]
    assert len(dropped) == 1 and dropped[0][4] == (8, 0)
    assert [r[0] for r in got] == list(range(9, log.next_seq))
    assert len(os.listdir(path)) - 3 <= 4  # segments within budget (plus state slots, logid)

    # acknowledged records go without being counted
    log.ack(log.stored_seq - 1)
    minutes(log, clock, 16)
    log.flush()
    assert log.dropped == 8
    again = FlashLog(path, clock, budget_bytes=4 * 8 * SIZE, segment_records=8, batch=4)
    assert again.dropped == 8
    assert again.next_seq == log.next_seq
    logfs.remove(path)


def test_read_from_a_dropped_seq_starts_at_the_oldest_kept():
    path = logfs.fresh_dir("gap")
    clock = Clock(utc=T0)
    log = FlashLog(path, clock, budget_bytes=2 * 8 * SIZE, segment_records=8, batch=8)
    minutes(log, clock, 40)
    log.flush()
    buf = bytearray(4 * SIZE)
    start, count, nxt = log.read_into(1, buf)
    assert start == log.first_seq > 1
    assert records.seq_of(buf) == start and count == 4
    logfs.remove(path)


def test_clock_never_set_uses_boot_and_uptime_then_links_to_utc():
    path = logfs.fresh_dir("clock")
    clock = Clock(ms=5000)
    log = FlashLog(path, clock, segment_records=16, batch=4)
    log.append_event(events.BOOT, events.RESET_POWER_ON, 1)
    minutes(log, clock, 3)
    clock.utc = T0                          # the host sets the clock
    log.append_event(events.TIME_SET, 0, 1024 + 60)
    minutes(log, clock, 1)
    log.flush()
    got = read_all(log)
    kinds = [r[1] for r in got]
    assert kinds == [events.BOOT, 0, 0, 0, events.CLOCK_LINK, events.TIME_SET, 0]
    boot_rec = got[0]
    assert boot_rec[3] is True and records.split_uptime(boot_rec[2]) == (1, 5)
    assert records.split_uptime(got[1][2]) == (1, 5)      # minute from 5 s to 65 s
    link = got[4]
    assert link[3] is False and link[2] == T0
    up = link[4][0] | ((link[4][1] & 0xFF) << 16)
    assert up == 185 and link[4][1] >> 8 == 1
    # placing: UTC = uptime + (T0 - 185)
    assert records.split_uptime(got[3][2])[1] + (T0 - up) == T0 - 60
    assert got[6][2:4] == (T0, False)

    clock2 = Clock(ms=0)                    # reboot, clock lost again
    again = FlashLog(path, clock2, segment_records=16, batch=4)
    clock2.advance(30)
    again.append_event(events.BOOT, events.RESET_WATCHDOG, 1)
    again.flush()
    last = read_all(again)[-1]
    assert last[0] == 8 and records.split_uptime(last[2]) == (2, 30) and last[3] is True
    logfs.remove(path)


def test_unworn_minutes_become_idle_runs():
    path = logfs.fresh_dir("idle")
    clock = Clock(utc=T0)
    log = FlashLog(path, clock, segment_records=64, batch=8)
    minutes(log, clock, 1)
    minutes(log, clock, 90, UNWORN, 0)
    minutes(log, clock, 1)
    minutes(log, clock, 5, UNWORN, 0)
    log.append_event(events.SNOOZE, 20)
    minutes(log, clock, 3, UNWORN, 0)
    log.close()
    got = [(r[1], r[2] - T0, r[4]) for r in read_all(log)]
    assert got == [
        (0, 0, SAT + (3,)),
        (records.IDLE, 60, (60,)),
        (records.IDLE, 60 + 3600, (30,)),
        (0, 91 * 60, SAT + (3,)),
        (records.IDLE, 92 * 60, (5,)),
        (events.SNOOZE, 97 * 60, (20, 0)),
        (records.IDLE, 97 * 60, (3,)),
    ]
    logfs.remove(path)


def _power_cut_at_every_byte(path, segment_records, before, batch_records):
    """Write ``before`` records, snapshot, append ``batch_records`` in one flush, then for
    every byte offset of that flush rebuild the files as a power cut there leaves them."""
    clock = Clock(utc=T0)
    log = FlashLog(path, clock, segment_records=segment_records, batch=64)
    minutes(log, clock, before)
    log.flush()
    snapshot = files(path)
    minutes(log, clock, batch_records)
    log.flush()
    final = files(path)
    segments = sorted(n for n in final if n.endswith(".seg"))
    appended = []
    for name in segments:
        old = snapshot.get(name, b"")
        assert final[name][:len(old)] == old
        appended.append((name, final[name][len(old):]))
    total = sum(len(data) for name, data in appended)
    assert total == batch_records * SIZE
    checked = 0
    for cut in range(total + 1):
        state = dict(snapshot)
        left = cut
        for name, data in appended:
            if left <= 0 and name not in snapshot:
                break   # a segment that the write never reached was not created
            state[name] = snapshot.get(name, b"") + data[:left]
            left -= len(data)
        restore(path, state)
        clock2 = Clock(ms=0, utc=T0 + 10 ** 6)
        again = FlashLog(path, clock2, segment_records=segment_records, batch=4)
        whole = cut // SIZE
        got = read_all(again)
        # nothing valid lost, nothing torn accepted, every record intact
        assert [r[0] for r in got] == list(range(1, before + whole + 1)), cut
        assert again.next_seq == before + whole + 1, cut
        for r in got:
            assert r[1] == records.MINUTE and r[4][:5] == SAT
        # the log goes on after the cut, with new sequence numbers only
        again.append_event(events.BOOT, events.RESET_POWER_ON, 1)
        again.flush()
        got = read_all(again)
        assert [r[0] for r in got] == list(range(1, before + whole + 2)), cut
        assert got[-1][1] == events.BOOT
        checked += 1
    return checked


def test_power_cut_at_every_byte_of_an_append():
    path = logfs.fresh_dir("cut")
    assert _power_cut_at_every_byte(path, 64, 5, 3) == 3 * SIZE + 1
    logfs.remove(path)


def test_power_cut_at_every_byte_of_an_append_across_segments():
    path = logfs.fresh_dir("cutseg")
    assert _power_cut_at_every_byte(path, 4, 3, 3) == 3 * SIZE + 1
    logfs.remove(path)


def test_corrupt_records_are_skipped_never_returned():
    path = logfs.fresh_dir("rot")
    clock = Clock(utc=T0)
    log = FlashLog(path, clock, segment_records=8, batch=8)
    minutes(log, clock, 20)
    log.flush()
    name = path + "/00000001.seg"
    with open(name, "rb") as f:
        data = bytearray(f.read())
    data[3 * SIZE + 5] ^= 0x40              # record 4: one bit flipped
    data[6 * SIZE:7 * SIZE] = b"\xff" * SIZE    # record 7: erased
    with open(name, "wb") as f:
        f.write(data)
    again = FlashLog(path, clock, segment_records=8, batch=8)
    seqs = [r[0] for r in read_all(again)]
    assert seqs == [s for s in range(1, 21) if s not in (4, 7)]
    assert again.next_seq == 21
    logfs.remove(path)


def test_torn_tail_of_newest_segment_is_not_appended_to():
    path = logfs.fresh_dir("torn")
    clock = Clock(utc=T0)
    log = FlashLog(path, clock, segment_records=8, batch=8)
    minutes(log, clock, 3)
    log.flush()
    with open(path + "/00000001.seg", "ab") as f:
        f.write(b"\x04\x00\x00\x00\x12")   # half a record
    again = FlashLog(path, clock, segment_records=8, batch=8)
    assert again.next_seq == 4
    minutes(again, clock, 3)
    again.flush()
    assert [r[0] for r in read_all(again)] == [1, 2, 3, 4, 5, 6]
    assert "00000004.seg" in os.listdir(path)
    third = FlashLog(path, clock, segment_records=8, batch=8)
    assert third.next_seq == 7
    logfs.remove(path)


def test_sequence_survives_losing_every_segment_after_ack():
    path = logfs.fresh_dir("floor")
    clock = Clock(utc=T0)
    log = FlashLog(path, clock, segment_records=8, batch=8)
    minutes(log, clock, 5)
    log.flush()
    log.ack(5)
    for name in os.listdir(path):
        if name.endswith(".seg"):
            os.remove(path + "/" + name)
    again = FlashLog(path, clock, segment_records=8, batch=8)
    assert again.next_seq == 6              # never reuses an acknowledged number
    logfs.remove(path)


def test_torn_state_write_keeps_the_previous_state():
    path = logfs.fresh_dir("state")
    clock = Clock(utc=T0)
    log = FlashLog(path, clock, segment_records=8, batch=8)
    minutes(log, clock, 5)
    log.flush()
    log.ack(3)
    names = sorted(n for n in os.listdir(path) if n.startswith("state"))
    assert names == ["state0", "state1"]
    gens = []
    for name in names:
        with open(path + "/" + name, "rb") as f:
            data = f.read()
        gens.append((data[0] | data[1] << 8 | data[2] << 16 | data[3] << 24, name))
    newest = max(gens)[1]                   # the write that recorded the ack: tear it
    with open(path + "/" + newest, "wb") as f:
        f.write(b"\x01\x02")
    again = FlashLog(path, clock, segment_records=8, batch=8)
    assert again.acked == 0 and again.boot == 2
    assert again.next_seq == 6
    logfs.remove(path)


def test_on_littlefs_in_a_ram_block_device():
    if not MICROPYTHON:
        skip("LittleFS2 on a RAM block device exists only under MicroPython")
    fs = logfs.LittleFs("/lfs", blocks=256)
    with fs as root:
        clock = Clock(ms=0)
        log = FlashLog(root + "/log", clock, budget_bytes=8 * 1024, segment_records=64)
        log.append_event(events.BOOT, 1, 1)
        minutes(log, clock, 300)
        clock.utc = T0
        minutes(log, clock, 300)
        log.flush()
        assert log.dropped > 0              # 8 KiB hold 512 records
        kept = read_all(log)
        assert [r[0] for r in kept] == list(range(log.first_seq, log.next_seq))
        fs.remount()                        # reboot
        again = FlashLog(root + "/log", Clock(ms=0), budget_bytes=8 * 1024,
                         segment_records=64)
        assert again.next_seq == log.next_seq and again.boot == 2
        assert again.dropped == log.dropped
        assert [r[0] for r in read_all(again)] == [r[0] for r in kept]


def test_power_cut_at_every_block_write_on_littlefs():
    if not MICROPYTHON:
        skip("LittleFS2 on a RAM block device exists only under MicroPython")
    fs = logfs.LittleFs("/lfscut", blocks=64)
    with fs as root:
        clock = Clock(utc=T0)
        log = FlashLog(root + "/log", clock, segment_records=8, batch=16)
        minutes(log, clock, 10)
        log.flush()
        base = bytes(fs.device.data)
        fs.device.journal = []
        minutes(log, clock, 8)          # seqs 11..18: fills segment 9 and starts segment 17
        log.flush()
        journal = fs.device.journal
        fs.device.journal = None
    assert len(journal) > 2
    seen = []
    for cut in range(len(journal) + 1):
        for torn in (False, True):
            if torn and cut == len(journal):
                continue
            data = bytearray(base)
            for start, chunk in journal[:cut]:
                data[start:start + len(chunk)] = chunk
            if torn:                    # the next program stops half way
                start, chunk = journal[cut]
                half = len(chunk) // 2
                data[start:start + half] = chunk[:half]
            with logfs.LittleFs("/lfsboot", blocks=64, data=data) as root:
                again = FlashLog(root + "/log", Clock(ms=0, utc=T0 + 10 ** 6),
                                 segment_records=8, batch=16)
                got = read_all(again)
                n = len(got)
                assert [r[0] for r in got] == list(range(1, n + 1)), cut
                assert 10 <= n <= 18 and again.next_seq == n + 1, cut
                for r in got:
                    assert r[1] == records.MINUTE and r[4][:5] == SAT
                again.append_event(events.BOOT, events.RESET_POWER_ON, 1)
                again.flush()
                assert [r[0] for r in read_all(again)] == list(range(1, n + 2)), cut
                seen.append(n)
    assert seen[0] == 10 and seen[-1] == 18
