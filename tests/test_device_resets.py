"""Resets, end to end: the real ``firmware/main.py`` under MicroPython on the simulated board,
whose watchdog follows ``machine.WDT`` (unsit/lab/simboard/simboard.py).

A fault is injected in the simulated accelerometer: its FIFO read never returns (the whole
asyncio loop is blocked), or its watermark interrupt never comes (only the sampling task is
stuck). The watchdog resets the board, ``unsit.lab.simulation`` starts the firmware again on the
same flash where the trace had got to, and the clip carries on from its saved state. (A task
that raises is logged as FAULT and restarted: tests/test_simulator.py.)
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from unsit.lab import tracegen as tg
from unsit.lab.simulation import REBOOT_MS, read_log, run_firmware, simulate
from unsit_firmware.logic import events, records
from unsit_firmware.logic.detector import SAVE_SIZE
from unsit_firmware.logic.states import NAMES, NOT_WORN, SITTING, STANDING

MONDAY_9 = int(datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc).timestamp())
DEVICE_EPOCH = int(datetime(2016, 1, 1, tzinfo=timezone.utc).timestamp())   # logic.localtime
RATE = 25
WDT_S = 60           # hw.boards.WATCHDOG_MS, the simulated board's default
STALL_S = 30         # app.device.STALL_S
SAVE_EVERY_S = 300   # app.device.SAVE_EVERY_S: the state saved, the log flushed
HELD_S = 3 * 60      # minutes held back for the not-worn discount: 2 and the one in progress

Log = list[tuple[int, int, int, bool, tuple[int, ...]]]


def of_kind(log: Log, kind: int) -> list[tuple[int, tuple[int, ...]]]:
    return [(t - MONDAY_9, values) for _, k, t, _, values in log if k == kind]


def minutes(log: Log) -> list[tuple[int, int, tuple[int, ...]]]:
    """(first second, seconds covered, counts) of each minute record, trace seconds."""
    out = []
    for _, kind, t, _, values in log:
        if kind == records.MINUTE:
            out.append((t - MONDAY_9, sum(values[:5]), values[:5]))
    return out


def test_a_hung_imu_read_is_reset_by_the_watchdog_and_the_clip_carries_on(
        tmp_path: Path) -> None:
    trace = tg.generate("stand 5m\nsit 70m\nwalk 3m")
    hang_s = 36 * 60 + 40                 # the FIFO read hangs 31 min into the sit
    result = simulate(trace.board_samples(), MONDAY_9, workdir=tmp_path,
                      env={"UNSIT_SIM_HANG_AT": str(hang_s * RATE)})
    # The loop was blocked, so nothing fed the watchdog after the hang: it reset the board
    # one timeout after the last feed (fed every second while sampling progressed).
    (reset_s,) = result.watchdog_resets
    assert hang_s + WDT_S - 1 <= reset_s <= hang_s + WDT_S
    log = read_log(tmp_path / "storage")
    boots = of_kind(log, events.BOOT)
    assert [values[0] for _, values in boots] == [events.RESET_POWER_ON, events.RESET_WATCHDOG]
    resume_s = reset_s + REBOOT_MS / 1000
    assert abs(boots[1][0] - resume_s) <= 1
    # A hang raises nothing; and neither boot reports the clip as taken off.
    assert result.faults == 0
    assert of_kind(log, events.NOT_WORN) == []

    # The coach carried on from its last save (every 5 min of uptime): the sitting counted
    # since then and the time the board was down are lost, nothing else. The reminder comes
    # after an hour of sitting counted in all, that much later than without the hang.
    last_save_s = hang_s // SAVE_EVERY_S * SAVE_EVERY_S
    lost_s = resume_s - last_save_s
    assert 150 < lost_s < SAVE_EVERY_S + WDT_S + 2
    (reminder,) = result.reminders
    assert reminder.minutes_sat == 60 and reminder.repeat == 0
    assert abs(reminder.t_s - (300 + 3600 + lost_s)) <= 30
    assert result.pulses and abs(result.pulses[0].t_s - reminder.t_s) < 2

    # The detector carried on too: the wearer still sits after the reset, and every second
    # logged from the boot to the end of the sit is sitting (a fresh detector would have
    # said not worn, then taken the sitting posture for upright).
    sit_end_s = 75 * 60
    after = [m for m in minutes(log) if resume_s - 1 <= m[0] and m[0] + m[1] <= sit_end_s - 5]
    assert sum(m[1] for m in after) >= sit_end_s - resume_s - 70
    for _, _, counts in after:
        assert counts[SITTING] == sum(counts), counts

    # Nothing in the log is lost or duplicated beyond the records that were only in RAM:
    # sequence numbers run on without a gap, minutes never overlap, and the only seconds
    # missing are one span from before the last flush (less the held-back minutes) to the
    # boot after the reset.
    seqs = [seq for seq, *_ in log]
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))
    spans = sorted((first, first + n) for first, n, _ in minutes(log))
    gaps = [(a_end, b) for (_, a_end), (b, _) in zip(spans, spans[1:]) if b != a_end]
    assert all(b > a_end for a_end, b in gaps)            # no overlap
    (gap,) = gaps
    last_flush_s = hang_s // SAVE_EVERY_S * SAVE_EVERY_S
    assert last_flush_s - HELD_S - 60 <= gap[0] <= hang_s
    assert resume_s - 1 <= gap[1] <= resume_s + 1
    covered = sum(b - a for a, b in spans)
    assert abs(covered - (trace.seconds - (gap[1] - gap[0]))) <= 2


def test_a_stalled_sampling_task_stops_the_feeding_and_the_watchdog_resets(
        tmp_path: Path) -> None:
    # The watermark interrupt never comes again: the other tasks run on, and the app's
    # watchdog task feeds for STALL_S more seconds, then lets the watchdog reset the board.
    trace = tg.generate("stand 3m\nsit 12m")
    stall_s = 9 * 60 + 20
    result = simulate(trace.board_samples(), MONDAY_9, workdir=tmp_path,
                      env={"UNSIT_SIM_STALL_AT": str(stall_s * RATE)})
    (reset_s,) = result.watchdog_resets
    assert stall_s + STALL_S + WDT_S - 2 <= reset_s <= stall_s + STALL_S + WDT_S
    log = read_log(tmp_path / "storage")
    assert [values[0] for _, values in of_kind(log, events.BOOT)] == [
        events.RESET_POWER_ON, events.RESET_WATCHDOG]
    after = [m for m in minutes(log) if m[0] >= reset_s]
    assert after and all(counts[SITTING] == sum(counts) for _, _, counts in after)
    assert result.board["samples"] < len(trace.samples) - (reset_s - stall_s) * RATE


@pytest.mark.parametrize("timeout_ms", [2000, 20000])
def test_the_watchdog_timeout_is_the_one_it_was_created_with(tmp_path: Path,
                                                             timeout_ms: int) -> None:
    trace = tg.generate("stand 2m\nsit 3m")
    hang_s = 4 * 60
    result = simulate(trace.board_samples(), MONDAY_9, workdir=tmp_path,
                      env={"UNSIT_SIM_HANG_AT": str(hang_s * RATE),
                           "UNSIT_SIM_WDT_MS": str(timeout_ms)})
    (reset_s,) = result.watchdog_resets
    assert hang_s + timeout_ms / 1000 - 1 <= reset_s <= hang_s + timeout_ms / 1000
    assert result.boots == 2


def test_damaged_saved_state_gives_a_fresh_start_and_is_saved_again(tmp_path: Path) -> None:
    trace = tg.generate("stand 3m\nsit 4m")
    samples = trace.board_samples()
    storage = tmp_path / "storage"
    run_firmware(samples, tmp_path, MONDAY_9)
    detector = storage / "detector.bin"
    assert len(detector.read_bytes()) == SAVE_SIZE
    assert not list(storage.glob("*.new"))
    detector.write_bytes(detector.read_bytes()[:-1])             # short
    coach = storage / "coach.bin"
    coach.write_bytes(b"\xff" * len(coach.read_bytes()))         # another version
    later = MONDAY_9 + 600
    run_firmware(samples, tmp_path, later)
    log = read_log(storage)
    boots = [t for _, kind, t, _, _ in log if kind == events.BOOT]
    assert len(boots) == 2
    # a fresh detector: not worn until it sees the body move, then the standing wearer
    second_run = [values[:5] for _, kind, t, _, values in log
                  if kind == records.MINUTE and t >= later]
    first_minute = second_run[0]
    assert first_minute[NOT_WORN] <= 2 and first_minute[STANDING] >= 55, dict(
        zip(NAMES, first_minute))
    assert len(detector.read_bytes()) == SAVE_SIZE                 # saved again at shutdown
    assert coach.read_bytes()[0] == 2                               # coach's version


@pytest.mark.parametrize(("gap_s", "reminded"), [(60, True), (2 * 3600, False)])
def test_a_coach_state_saved_in_utc_by_the_previous_firmware_carries_on(
        tmp_path: Path, gap_s: int, reminded: bool) -> None:
    # The firmware before device seconds saved version 1 with t_s in UTC epoch seconds; the
    # same bytes otherwise. After the update the bout carries on over a short reset, and a
    # long time off ends it (the gap is measured in one time base).
    first = tg.generate("walk 3m\nsit 50m").board_samples()
    run_firmware(first, tmp_path, MONDAY_9)
    coach = tmp_path / "storage" / "coach.bin"
    data = coach.read_bytes()
    sitting_s = int.from_bytes(data[5:9], "little")
    saved_utc = int.from_bytes(data[-8:], "little") + DEVICE_EPOCH
    assert data[0] == 2 and 49 * 60 <= sitting_s <= 50 * 60
    assert MONDAY_9 + 53 * 60 - 2 <= saved_utc <= MONDAY_9 + 53 * 60
    coach.write_bytes(b"\x01" + data[1:-8] + saved_utc.to_bytes(8, "little"))
    later = saved_utc + gap_s
    run_firmware(tg.generate("sit 15m").board_samples(), tmp_path, later)
    log = read_log(tmp_path / "storage")
    reminders = [t - later for _, kind, t, _, _ in log if kind == events.REMINDER]
    if reminded:    # at 60 min of sitting, the 50 before the reset counted
        assert len(reminders) == 1 and 3600 - sitting_s <= reminders[0] <= 3660 - sitting_s
    else:
        assert reminders == []
