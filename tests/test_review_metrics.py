"""Known-answer days: metrics worked out by hand from hand-built minute logs (docs/metrics.md)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from review_log import BERLIN, Log, mark_estimated, utc

from unsit.review.bouts import BREAK, GAP, LYING, NOT_WORN, OPEN, find_bouts
from unsit.review.metrics import summarise
from unsit.review.reminders import HEEDED, IGNORED, SNOOZED, SNOOZE_WINDOW_S, reminders
from unsit.review.source import LocalClock, choose_days, select_devices
from unsit.errors import UnsitError
from unsit.store import Store, open_store
from unsit_firmware.logic import events


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with open_store(tmp_path / "unsit.db") as opened:
        yield opened


def rows(store: Store, first: str, last: str, zone: ZoneInfo = BERLIN,
         devices: list[str] | None = None) -> list[dict[str, Any]]:
    found = summarise(store.conn, devices or ["a1b2c3d4"], date.fromisoformat(first),
                      date.fromisoformat(last), zone)
    return [day.as_row() for day in found]


def office_day() -> Log:
    """Monday 2 March 2026 (CET), minute by minute; the expected figures are in the test."""
    log = Log()
    log.minutes("2026-03-02 08:00", 10, "walking", steps=100)   # 10 walking, 1000 steps
    log.minutes("2026-03-02 08:10", 90, "sitting")              # bout 90
    log.minutes("2026-03-02 09:40", 5, "standing")              # break 1
    log.minutes("2026-03-02 09:45", 30, "sitting")              # bout 30 (edge: counts as >= 30)
    log.minutes("2026-03-02 10:15", 5, "walking", steps=50)     # break 2, 250 steps
    log.minutes("2026-03-02 10:20", 29, "sitting")              # bout 29 (edge: not >= 30)
    log.minutes("2026-03-02 10:49", 1, sitting=30, standing=30)  # a tie is upright: break 3
    log.minutes("2026-03-02 10:50", 60, "sitting")              # bout 60 (edge: >= 60)
    log.minutes("2026-03-02 11:50", 10, "lying")                # ends the bout, not a break
    log.minutes("2026-03-02 12:00", 30, "not_worn")             # no wear
    log.minutes("2026-03-02 12:30", 1, sitting=31, not_worn=29)  # bout 1, then a hole in the log
    log.minutes("2026-03-02 13:00", 360, "standing")            # to 19:00
    log.event("2026-03-02 09:10", events.REMINDER, 0, 60)
    log.event("2026-03-02 09:20", events.REMINDER, 1, 70)       # the first was ignored
    log.event("2026-03-02 09:40", events.HEEDED, 1200, 1)       # the repeat was heeded: 20 min
    log.event("2026-03-02 11:50", events.REMINDER, 0, 60)       # lay down: never heeded
    return log


def test_office_day_known_answers(store: Store) -> None:
    office_day().save(store)
    (day,) = rows(store, "2026-03-02", "2026-03-02")
    sitting_s = (90 + 30 + 29 + 60) * 60 + 30 + 31
    assert sitting_s == 12601
    assert day == {
        "device": "a1b2c3d4",
        "date": "2026-03-02",
        # worn minutes: 10+90+5+30+5+29+1+60+10+360 = 600, plus 31 s: 600.5, just enough
        "wear_min": 600.5,
        "low_wear": False,
        "estimated_min": 0,
        "sitting_min": 210.0,                 # 12601 s
        "standing_min": 5 + 0.5 + 360.0,
        "walking_min": 15.0,
        "lying_min": 10.0,
        "steps": 1250,
        "breaks": 3,
        "breaks_per_sitting_hour": round(3 / (12601 / 3600), 2),   # 0.86
        "bouts": 5,
        "mean_bout_min": 42.0,                # (90+30+29+60+1) / 5
        "longest_bout_min": 90,
        "bouts_30": 3, "bouts_30_min": 180,   # 90, 30, 60
        "bouts_60": 2, "bouts_60_min": 150,   # 90, 60
        "reminders": 3,
        "heeded": 1,
        "snoozed": 0,
        "heeded_pct": 33.3,
        "median_min_to_get_up": 20.0,
    }


def test_bouts_end_the_way_the_log_says(store: Store) -> None:
    office_day().save(store)
    lo, hi = utc("2026-03-02 00:00"), utc("2026-03-03 00:00")
    bouts = find_bouts(store.conn, "a1b2c3d4", lo, hi)
    assert [(b.minutes, b.ended_by) for b in bouts] == [
        (90, BREAK), (30, BREAK), (29, BREAK), (60, LYING), (1, GAP)]
    assert bouts[0].start_utc == utc("2026-03-02 08:10")
    assert bouts[0].end_utc == utc("2026-03-02 09:40")
    tail = Log()
    tail.minutes("2026-03-03 09:00", 5, "sitting")
    tail.minutes("2026-03-03 09:05", 1, "not_worn")
    tail.minutes("2026-03-03 09:06", 3, "sitting")
    tail.idle("2026-03-03 09:09", 20)                  # the device logs a run of unworn minutes
    tail.minutes("2026-03-03 09:29", 2, "sitting")
    tail.minutes("2026-03-03 09:31", 1, "walking")     # right after the idle run: contiguous
    tail.minutes("2026-03-03 09:40", 4, "sitting")
    tail.save(store, first_seq=10_000)
    later = find_bouts(store.conn, "a1b2c3d4", hi, hi + 86400)
    assert [(b.minutes, b.ended_by) for b in later] == [
        (5, NOT_WORN), (3, NOT_WORN), (2, BREAK), (4, OPEN)]


def test_a_bout_over_midnight_belongs_to_the_day_it_began(store: Store) -> None:
    log = Log()
    log.minutes("2026-03-03 23:00", 30, "standing")
    log.minutes("2026-03-03 23:30", 75, "sitting")     # to 00:45 next day
    log.minutes("2026-03-04 00:45", 5, "standing")     # the break happens on the 4th
    log.save(store)
    tuesday, wednesday = rows(store, "2026-03-03", "2026-03-04")
    assert (tuesday["sitting_min"], tuesday["bouts"], tuesday["longest_bout_min"]) == (30, 1, 75)
    assert (tuesday["bouts_60"], tuesday["bouts_60_min"], tuesday["breaks"]) == (1, 75, 0)
    assert (wednesday["sitting_min"], wednesday["bouts"], wednesday["breaks"]) == (45, 0, 1)
    assert wednesday["longest_bout_min"] == 0 and wednesday["mean_bout_min"] is None
    # Read alone, the 4th still knows that its first 45 minutes continue Tuesday's bout.
    (alone,) = rows(store, "2026-03-04", "2026-03-04")
    assert (alone["bouts"], alone["breaks"]) == (0, 1)


def test_days_without_wear_are_listed_and_marked(store: Store) -> None:
    log = Log()
    log.minutes("2026-03-05 08:00", 120, "sitting")
    log.minutes("2026-03-06 00:00", 1440, "not_worn")   # on the desk all day
    log.minutes("2026-03-08 08:00", 10, "standing")      # the 7th has no rows at all
    log.save(store)
    found = rows(store, "2026-03-05", "2026-03-08")
    assert [d["date"] for d in found] == ["2026-03-05", "2026-03-06", "2026-03-07", "2026-03-08"]
    assert [d["wear_min"] for d in found] == [120.0, 0.0, 0.0, 10.0]
    assert [d["low_wear"] for d in found] == [True, True, True, True]
    empty = found[2]
    assert (empty["bouts"], empty["breaks"], empty["longest_bout_min"]) == (0, 0, 0)
    assert empty["steps"] == 0
    assert empty["breaks_per_sitting_hour"] is None and empty["heeded_pct"] is None
    # The 5th's bout ran into the end of the data... then into not-worn time: no break.
    assert (found[0]["bouts"], found[0]["longest_bout_min"], found[0]["breaks"]) == (1, 120, 0)


def test_spring_forward_day_has_23_hours(store: Store) -> None:
    log = Log()
    start = utc("2026-03-29 00:00")
    t = log.minutes(start, 90, "standing")              # 00:00-01:30 CET
    t = log.minutes(t, 60, "sitting")                   # 01:30 CET - 03:30 CEST: one real hour
    end = utc("2026-03-30 00:00")
    log.minutes(t, (end - t) // 60, "standing")
    log.save(store)
    assert (end - start) // 60 == 1380
    saturday, sunday, monday = rows(store, "2026-03-28", "2026-03-30")
    assert sunday["wear_min"] == 1380.0 and sunday["standing_min"] == 1320.0
    assert (sunday["sitting_min"], sunday["longest_bout_min"], sunday["breaks"]) == (60, 60, 1)
    assert saturday["wear_min"] == 0 and monday["wear_min"] == 0


def test_fall_back_day_has_25_hours(store: Store) -> None:
    log = Log()
    start = utc("2026-10-25 00:00")
    t = log.minutes(start, 150, "standing")             # 00:00 - 02:30 CEST (the first 02:30)
    t = log.minutes(t, 60, "sitting")                   # to 02:30 CET (the second one)
    end = utc("2026-10-26 00:00")
    log.minutes(t, (end - t) // 60, "walking", steps=1)
    log.save(store)
    assert (end - start) // 60 == 1500
    (sunday,) = rows(store, "2026-10-25", "2026-10-25")
    assert sunday["wear_min"] == 1500.0 and sunday["steps"] == 1500 - 210
    assert (sunday["longest_bout_min"], sunday["breaks"]) == (60, 1)
    # The same data in UTC: the Berlin day began at 22:00 UTC on the 24th and ended at 23:00.
    saturday_utc, sunday_utc = rows(store, "2026-10-24", "2026-10-25", ZoneInfo("UTC"))
    assert (saturday_utc["wear_min"], sunday_utc["wear_min"]) == (120.0, 1380.0)


def test_local_clock_agrees_with_zoneinfo_across_transitions() -> None:
    lo, hi = utc("2026-01-01 00:00"), utc("2027-01-01 00:00")
    clock = LocalClock(BERLIN, lo, hi)
    assert clock.starts[1:] == [utc("2026-03-29 03:00"), utc("2026-10-25 02:00") + 3600]
    for t in range(lo, hi, 3 * 3600 + 17):
        local = datetime.fromtimestamp(t, BERLIN)
        assert clock.day_of(t) == local.date()


def test_several_devices_each_get_their_days(store: Store) -> None:
    office_day().save(store)
    other = Log("ffee0011")
    other.minutes("2026-03-02 09:00", 45, "sitting")
    other.minutes("2026-03-02 09:45", 1, "walking")
    other.save(store)
    assert select_devices(store.conn, None) == ["a1b2c3d4", "ffee0011"]
    assert select_devices(store.conn, "ffee") == ["ffee0011"]
    assert select_devices(store.conn, "clip a1b2c3d4") == ["a1b2c3d4"]
    with pytest.raises(UnsitError, match="several devices"):
        select_devices(store.conn, None, only_one=True)
    with pytest.raises(UnsitError, match="no device 'zz'"):
        select_devices(store.conn, "zz")
    found = rows(store, "2026-03-02", "2026-03-02", devices=["a1b2c3d4", "ffee0011"])
    assert [(d["device"], d["sitting_min"], d["breaks"]) for d in found] == [
        ("a1b2c3d4", 210.0, 3), ("ffee0011", 45.0, 1)]


def test_default_days_end_at_the_last_day_with_data(store: Store) -> None:
    office_day().save(store)
    first, last = choose_days(store.conn, ["a1b2c3d4"], BERLIN, 7, None, None, 30,
                              keep_empty=True)
    assert (first, last) == (date(2026, 2, 24), date(2026, 3, 2))
    # Without keep_empty, the days before the first day with data are left out.
    assert choose_days(store.conn, ["a1b2c3d4"], BERLIN, None, None, None, 30) == (
        date(2026, 3, 2), date(2026, 3, 2))
    assert choose_days(store.conn, ["a1b2c3d4"], BERLIN, None, date(2026, 2, 1), None, 30,
                       today=date(2026, 3, 20)) == (date(2026, 3, 2), date(2026, 3, 2))
    assert choose_days(store.conn, ["a1b2c3d4"], BERLIN, None, date(2026, 3, 1), None, 30,
                       keep_empty=True, today=date(2026, 3, 20)) == (
        date(2026, 3, 1), date(2026, 3, 20))


def snooze_day() -> Log:
    """Tuesday 3 March 2026: five reminders, two of them snoozed by a double tap (the coach's
    events as it logs them; the expected figures are in the tests)."""
    log = Log()
    log.minutes("2026-03-03 08:00", 94, "sitting")              # to 09:34
    log.minutes("2026-03-03 09:34", 10, "walking", steps=90)
    log.minutes("2026-03-03 10:00", 90, "sitting")              # to 11:30: the data ends
    log.event("2026-03-03 08:30", events.SNOOZE, 20)            # before any reminder: nothing
    log.event("2026-03-03 09:00", events.REMINDER, 0, 60)       # 1: snoozed
    log.event(utc("2026-03-03 09:00") + 30, events.SNOOZE, 20)
    log.event("2026-03-03 09:10", events.REMINDER_SUPPRESSED, events.SUPPRESSED_SNOOZE, 70)
    log.event("2026-03-03 09:20", events.REMINDER, 1, 80)       # 2: ignored (a repeat follows)
    log.event("2026-03-03 09:30", events.REMINDER, 2, 90)       # 3: snoozed, then got up:
    log.event("2026-03-03 09:31", events.SNOOZE, 20)            #    heeded wins
    log.event("2026-03-03 09:34", events.HEEDED, 240, 2)
    log.event("2026-03-03 11:00", events.REMINDER, 0, 60)       # 4: ignored, the tap came
    log.event(utc("2026-03-03 11:00") + SNOOZE_WINDOW_S + 1, events.SNOOZE, 20)  # 1 s too late
    log.event("2026-03-03 11:26", events.REMINDER, 1, 86)       # 5: snoozed at the window's
    log.event(utc("2026-03-03 11:26") + SNOOZE_WINDOW_S, events.SNOOZE, 20)  # edge; data ends
    return log


def test_snoozed_reminders_are_told_apart(store: Store) -> None:
    snooze_day().save(store)
    lo, hi = utc("2026-03-03 00:00"), utc("2026-03-04 00:00")
    found = reminders(store.conn, "a1b2c3d4", lo, hi)
    assert [(r.t_utc, r.repeat, r.outcome, r.get_up_s) for r in found] == [
        (utc("2026-03-03 09:00"), 0, SNOOZED, None),
        (utc("2026-03-03 09:20"), 1, IGNORED, None),
        (utc("2026-03-03 09:30"), 2, HEEDED, 240),
        (utc("2026-03-03 11:00"), 0, IGNORED, None),
        (utc("2026-03-03 11:26"), 1, SNOOZED, None),
    ]
    assert [r.snoozed for r in found] == [True, False, False, False, True]
    # Read from 09:25 on, the 09:00 reminder is not the day's and the 09:30 one keeps its tap.
    later = reminders(store.conn, "a1b2c3d4", utc("2026-03-03 09:25"), hi)
    assert [r.outcome for r in later] == [HEEDED, IGNORED, SNOOZED]


def test_snoozed_day_known_answers(store: Store) -> None:
    snooze_day().save(store)
    (day,) = rows(store, "2026-03-03", "2026-03-03")
    assert {k: day[k] for k in ("reminders", "heeded", "snoozed", "heeded_pct",
                                "median_min_to_get_up")} == {
        "reminders": 5,              # REMINDER_SUPPRESSED is no reminder given
        "heeded": 1,
        "snoozed": 2,
        "heeded_pct": 20.0,          # 1 of all 5: snoozed reminders stay in the denominator
        "median_min_to_get_up": 4.0,
    }
    # The wearer's other figures do not depend on the taps.
    assert (day["sitting_min"], day["bouts"], day["breaks"]) == (184.0, 2, 1)


def test_days_with_estimated_minutes_count_them(store: Store) -> None:
    log = Log()
    log.minutes("2026-03-04 08:00", 30, "sitting")
    log.minutes("2026-03-04 08:30", 30, "standing")
    log.idle("2026-03-04 09:00", 60)
    log.event("2026-03-04 09:00", events.BOOT, events.RESET_WATCHDOG)
    log.minutes("2026-03-04 23:50", 20, "lying")                 # over midnight
    log.save(store)
    other = Log("ffee0011")                        # the same seqs and times, another device
    other.minutes("2026-03-04 07:30", 60, "sitting")
    other.save(store)
    # Boots placed by estimate: one up to 08:20, one from 23:55 to 00:05, and the idle run
    # and BOOT event at 09:00 (no minute rows: an idle run and events carry no posture).
    assert mark_estimated(store, "a1b2c3d4", utc("2026-03-04 07:00"),
                          utc("2026-03-04 08:20")) == 20
    assert mark_estimated(store, "a1b2c3d4", utc("2026-03-04 23:55"),
                          utc("2026-03-05 00:05")) == 10
    assert mark_estimated(store, "a1b2c3d4", utc("2026-03-04 09:00"),
                          utc("2026-03-04 09:01")) == 2
    wednesday, thursday, friday = rows(store, "2026-03-04", "2026-03-06")
    assert (wednesday["estimated_min"], thursday["estimated_min"]) == (20 + 5, 5)
    assert friday["estimated_min"] == 0
    # The figures themselves are the same as without the marks.
    assert (wednesday["sitting_min"], wednesday["standing_min"]) == (30.0, 30.0)
    assert (wednesday["lying_min"], thursday["lying_min"]) == (10.0, 10.0)
    # The other device's rows with the same sequence numbers are not marked.
    (theirs,) = rows(store, "2026-03-04", "2026-03-04", devices=["ffee0011"])
    assert (theirs["sitting_min"], theirs["estimated_min"]) == (60.0, 0)
