"""The log domain without a database: reminder outcomes and placing records in time, as pure
functions over records (the store's tests check the same rules through SQLite)."""

from __future__ import annotations

from unsit_firmware.logic import events

from unsit.log import placement
from unsit.log.records import BOOT, IDLE, MINUTE, ClockLink, StoredRecord, covered_s
from unsit.log.reminders import (
    HEEDED, IGNORED, MAX_ANSWER_S, SNOOZE_WINDOW_S, SNOOZED, Outcome, outcomes)

T0 = 1_790_000_000


def test_each_reminder_is_heeded_snoozed_or_ignored_once() -> None:
    log = [
        (0, events.REMINDER, 0, 60), (170, events.HEEDED, 170, 0),           # heeded
        (4000, events.REMINDER, 0, 60), (4000 + SNOOZE_WINDOW_S, events.SNOOZE, 20, 0),
        (9000, events.REMINDER, 0, 60), (9001 + SNOOZE_WINDOW_S, events.SNOOZE, 20, 0),
        (12000, events.REMINDER, 1, 90), (12010, events.SNOOZE, 30, 0),
        (12100, events.HEEDED, 100, 1),                                      # up after all
        (20000, events.REMINDER, 0, 60),                                     # the data ends
    ]
    assert outcomes(log) == [
        Outcome(0, 0, 60, HEEDED, 170, None),
        Outcome(4000, 0, 60, SNOOZED, None, 20),
        Outcome(9000, 0, 60, IGNORED, None, None),      # the tap came 1 s too late
        Outcome(12000, 1, 90, HEEDED, 100, None),
        Outcome(20000, 0, 60, IGNORED, None, None),
    ]


def test_an_answer_without_its_reminder_answers_nothing() -> None:
    log = [(100, events.HEEDED, 50, 0), (200, events.SNOOZE, 20, 0),
           (300, events.REMINDER, 0, 60), (300 + MAX_ANSWER_S + 1, events.HEEDED, 50, 0),
           (400 + MAX_ANSWER_S, events.HEEDED, 60, 0)]
    assert outcomes(log) == [Outcome(300, 0, 60, IGNORED, None, None)]


def record(seq: int, t: int, kind: int = MINUTE, boot: int = 7, clock_set: bool = False,
           values: tuple[int, ...] = (0, 60, 0, 0, 0, 0)) -> StoredRecord:
    return StoredRecord(seq, kind, boot, t, clock_set, values)


def test_a_record_is_placed_by_the_first_link_of_its_boot_with_no_other_boot_between() -> None:
    a, b, c = record(1, 60), record(2, 120), record(5, 60, boot=8)
    links = [ClockLink(7, 3, T0, "clock_link"), ClockLink(7, 9, T0 + 5, "hello"),
             ClockLink(8, 9, T0 + 7, "hello")]
    marks = [(1, MINUTE, 7), (2, MINUTE, 7), (4, BOOT, 8), (5, MINUTE, 8)]
    assert placement.link_offsets([a, b, c], links, marks) == {1: T0, 2: T0, 5: T0 + 7}
    # the link at 9 is the only one left for boot 7 once 3 is gone: boot 8 lies between
    assert placement.link_offsets([a], links[1:], marks) == {}
    # uptime stamped in another boot (its BOOT event lost) also lies between
    assert placement.link_offsets([c], [ClockLink(8, 9, T0, "hello")],
                                  [(5, MINUTE, 8), (6, MINUTE, 3)]) == {}


def test_a_boot_that_ended_in_an_immediate_reset_is_placed_by_estimate() -> None:
    run = placement.Run(7, [placement.Timed(record(1, 60)), placement.Timed(record(2, 120))])
    assert run.end_s == 180 == 120 + covered_s(MINUTE, (0,))
    assert covered_s(IDLE, (3,)) == 180 and covered_s(events.REMINDER, (0, 0)) == 0
    boot = placement.Timed(record(3, T0, BOOT, 0, True, (events.RESET_WATCHDOG, 8)), T0)
    verdict = placement.judge(run, boot, new_log_between=False, later_boot=True)
    offset = T0 - placement.RESET_GAP_S - 180
    assert verdict == placement.Verdict(placement.ESTIMATE, offset, 3)
    assert placement.estimate(run, verdict) == [(run.rows[0].record, offset + 60),
                                                (run.rows[1].record, offset + 120)]
    power_on = placement.Timed(record(3, T0, BOOT, 0, True, (events.RESET_POWER_ON, 8)), T0)
    assert placement.judge(run, power_on, False, True).what == placement.POWER_LOST
    assert placement.judge(run, boot, True, True).what == placement.LINK_MISSING
    assert placement.judge(run, None, False, False).what == placement.AWAITING
    judged = [(run, placement.judge(run, power_on, False, True))]
    assert placement.count_unplaced(judged) == placement.Unplaced(0, {placement.POWER_LOST: 2})
