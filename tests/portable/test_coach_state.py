"""The coach across reboots, under setting changes, and without allocating in its second()."""

import struct

from coach_script import HOUR, MINUTE, Day, at_utc
from logic import events, patterns
from logic.localtime import device_seconds
from logic.coach import SAVE_SIZE, Coach
from logic.settings import Settings
from logic.states import LYING, NOT_WORN, SITTING, STANDING, WALKING
from portable import heap_locked, raises


def test_save_restore_mid_bout_carries_on():
    day = Day().run(SITTING, 40 * MINUTE)
    data = day.reboot(gap_s=20)
    assert len(data) == SAVE_SIZE
    assert day.coach.sitting_s == 40 * MINUTE
    day.run(SITTING, 20 * MINUTE)
    assert [t for t, _ in day.buzzes()] == [HOUR + 20 - 1]


def test_the_cap_and_the_snooze_survive_a_reboot():
    day = Day().run(SITTING, 90 * MINUTE)
    assert len(day.buzzes()) == 4
    day.reboot(gap_s=5)
    day.run(SITTING, HOUR)
    assert len(day.buzzes()) == 4
    day = Day().run(SITTING, 50 * MINUTE)
    day.tap()
    until = day.coach.snoozed_until
    day.reboot()
    assert day.coach.snoozed_until == until
    day.run(SITTING, 15 * MINUTE)
    assert day.buzzes() == []
    assert [a for _, a, _ in day.events.of(events.REMINDER_SUPPRESSED)] == [
        events.SUPPRESSED_SNOOZE]
    day.reboot()
    day.run(SITTING, 5 * MINUTE)
    assert day.buzzes() == [(70 * MINUTE - 1, 1)]
    # the held slot was logged once, not again after the reboot
    assert len(day.events.of(events.REMINDER_SUPPRESSED)) == 1


def test_a_long_time_off_ends_the_bout_when_the_clock_can_tell():
    day = Day().run(SITTING, 50 * MINUTE)
    day.reboot(gap_s=2 * HOUR)
    day.run(SITTING, 30 * MINUTE)
    assert day.buzzes() == []
    assert day.coach.sitting_s == 30 * MINUTE
    # on uptime seconds the gap cannot be measured: the bout carries on
    day = Day(t0=1000).run(SITTING, 50 * MINUTE)
    day.reboot(gap_s=2 * HOUR)
    day.run(SITTING, 10 * MINUTE)
    assert len(day.buzzes()) == 1


def test_saved_state_is_a_fixed_little_endian_layout():
    coach = Coach(Settings(), lambda kind, a=0, b=0: None)
    coach.second(0x0102030405, SITTING)
    data = coach.save()
    assert data == bytes([
        2, SITTING, 0, 0, 0,        # version, state, slots, played, flags
        1, 0, 0, 0,                 # sitting_s
        0, 0, 0, 0, 0, 0, 0, 0,     # upright_s, away_s
        0, 0, 0, 0, 0, 0, 0, 0,     # next due, snooze left
        0xFF, 0xFF, 0xFF, 0xFF, 0,  # no reminder yet (-1), its slot
        5, 4, 3, 2, 1, 0, 0, 0,     # t_s (device seconds)
    ])
    assert len(data) == SAVE_SIZE == 38


def saved_by_version_1(t_s, sitting_s, snooze_left=0):
    """A coach state as the firmware before device seconds saved it (the layout above, version
    1): ``t_s`` of its last second in UTC epoch seconds, or uptime seconds."""
    return struct.pack("<BBBBBIIIIIibq", 1, SITTING, 0, 0, 0, sitting_s, 0, 0, 0,
                       snooze_left, -1, 0, t_s)


def resume(data, t_s):
    """A ``Day`` at ``t_s`` with the coach restored from ``data``."""
    day = Day(t0=t_s)
    day.coach = Coach.restore(day.settings, day.events, data)
    return day


def test_a_state_saved_in_utc_restores_in_device_seconds():
    monday_0950z = 1795424400 + 50 * MINUTE
    data = saved_by_version_1(monday_0950z, 50 * MINUTE, snooze_left=5 * MINUTE)
    day = resume(data, device_seconds(monday_0950z) + 20)
    assert day.coach.snoozed_until == device_seconds(monday_0950z) + 5 * MINUTE
    day.run(SITTING, 10 * MINUTE)            # a short reset: the bout and the snooze go on
    assert day.buzzes() == [(10 * MINUTE - 1, patterns.for_reminder(0))]
    day = resume(data, device_seconds(monday_0950z) + 2 * HOUR)
    day.run(SITTING, 10 * MINUTE)            # off for two hours: the bout and snooze are over
    assert day.coach.snoozed_until == 0
    assert day.buzzes() == []
    assert day.coach.sitting_s == 10 * MINUTE


def test_a_state_saved_on_uptime_stays_on_uptime():
    day = resume(saved_by_version_1(5000, 50 * MINUTE), 5000 + 2 * HOUR)
    day.run(SITTING, 10 * MINUTE)            # the gap cannot be measured: the bout carries on
    assert len(day.buzzes()) == 1


def test_restore_refuses_what_is_not_a_saved_coach():
    settings = Settings()
    good = Coach(settings, print).save()
    for bad in (good[:-1], bytes([3]) + good[1:], bytes([0]) + good[1:],
                good[:1] + bytes([9]) + good[2:], b""):
        with raises(ValueError):
            Coach.restore(settings, print, bad)


def test_a_bad_setting_is_refused_and_the_coach_keeps_the_old_one():
    day = Day()
    with raises(ValueError) as refused:
        day.settings.set("sit_limit_min", 5)
    assert "between 10 and 240" in str(refused.value)
    with raises(ValueError):
        day.settings.set("break_s", "30")
    with raises(ValueError):
        day.settings.set("utc_offset_min", 900)
    day.run(SITTING, 61 * MINUTE)
    assert [t for t, _ in day.buzzes()] == [HOUR - 1]


def test_a_setting_changed_mid_bout_applies_at_once():
    day = Day().run(SITTING, 30 * MINUTE)
    day.settings.set("sit_limit_min", 45)
    day.run(SITTING, 20 * MINUTE)
    assert [t for t, _ in day.buzzes()] == [45 * MINUTE - 1]
    day.run(STANDING, 30)
    assert day.coach.sitting_s == 50 * MINUTE
    day.settings.set("break_s", 20)     # lowered during a stand that is already longer
    day.run(STANDING, 1)
    assert day.coach.sitting_s == 0


def office_day(day):
    """A scripted working day with every situation the coach meets."""
    day.run(SITTING, 62 * MINUTE).run(WALKING, 5 * MINUTE)            # reminded, heeded
    day.run(SITTING, 50 * MINUTE).run(STANDING, 2 * MINUTE)           # nothing due
    day.run(SITTING, 61 * MINUTE)                                     # reminded...
    day.tap()                                                         # ...and snoozed
    day.run(SITTING, 4 * MINUTE).run(STANDING, 40).run(SITTING, 10 * MINUTE)  # held
    day.run(WALKING, 30 * MINUTE)                                     # lunch: too late
    day.run(SITTING, 30 * MINUTE)
    put_down = day.t
    day.run(SITTING, 20 * MINUTE)                                     # a desk, not yet known
    day.run(NOT_WORN, 40 * MINUTE, still_since_s=put_down)
    day.run(SITTING, 65 * MINUTE, charging=True)
    day.run(LYING, HOUR)
    return day


def check_office_day(day):
    assert day.n_buzz == 2
    assert [(a, b) for _, a, b in day.events.of(events.REMINDER)] == [(0, 60), (0, 60)]
    assert [(a, b) for _, a, b in day.events.of(events.HEEDED)] == [(121, 0)]
    assert [a for _, a, _ in day.events.of(events.SNOOZE)] == [20]
    assert [(a, b) for _, a, b in day.events.of(events.REMINDER_SUPPRESSED)] == [
        (events.SUPPRESSED_SNOOZE, 70), (events.SUPPRESSED_CHARGING, 60)]
    assert [(a, b) for _, a, b in day.events.of(events.NOT_WORN)] == [
        (20 * MINUTE + 1, 20 * MINUTE)]
    # each bout's end: two breaks, the lunch walk, the desk (not worn), lying
    assert [(a, b) for _, a, b in day.events.of(events.BOUT_END)] == [
        (3720, 1), (3000, 1), (4500, 1), (1800, 3), (3900, 2)]
    assert day.coach.sitting_s == 0


def test_an_office_day():
    day = office_day(Day(t0=at_utc(0, 7, 0)))
    check_office_day(day)


def test_second_allocates_nothing():
    # Device seconds are small ints on every build, the 32-bit one included: the whole day,
    # its reminders, quiet-hours checks and the turn to NOT_WORN, runs under heap_lock.
    day = Day(t0=at_utc(0, 7, 0))
    with heap_locked():
        office_day(day)
    check_office_day(day)
    other = Day()
    coach = other.coach
    t = other.t
    t1 = t + 1
    with heap_locked():
        coach.second(t, SITTING, still_since_s=-1, charging=False)
        coach.second(t1, NOT_WORN, still_since_s=t)
    assert other.events.of(events.NOT_WORN) == [(0, 2, 1)]
