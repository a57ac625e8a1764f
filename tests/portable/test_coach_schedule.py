"""When a due reminder is held back: quiet hours, the weekday schedule, snooze and charging."""

from coach_script import HOUR, MINUTE, Day, at_utc, settings_with
from logic import events, patterns
from logic.states import SITTING, STANDING

QUIET = events.SUPPRESSED_QUIET


def suppressed(day):
    return [(a, b) for _, a, b in day.events.of(events.REMINDER_SUPPRESSED)]


def test_quiet_hours_hold_every_slot_of_a_late_evening():
    day = Day(t0=at_utc(0, 21, 30)).run(SITTING, 2 * HOUR)
    assert day.buzzes() == []
    assert suppressed(day) == [(QUIET, 60), (QUIET, 70), (QUIET, 80), (QUIET, 90)]


def test_quiet_hours_follow_a_positive_utc_offset():
    # 19:30 UTC is 21:30 in UTC+2: the hour is up at 22:30 local
    day = Day(settings_with(utc_offset_min=120), t0=at_utc(0, 19, 30)).run(SITTING, 61 * MINUTE)
    assert day.buzzes() == []
    assert suppressed(day)[0] == (QUIET, 60)
    # the same UTC evening for a wearer in UTC is 20:30: reminded
    day = Day(t0=at_utc(0, 19, 30)).run(SITTING, 61 * MINUTE)
    assert [t for t, _ in day.buzzes()] == [HOUR - 1]


def test_quiet_hours_end_at_the_local_morning_with_a_negative_offset():
    # Tuesday 10:45 UTC is 05:45 in UTC-5; quiet hours end at 07:00 local = 12:00 UTC
    day = Day(settings_with(utc_offset_min=-300), t0=at_utc(1, 10, 45)).run(SITTING, 100 * MINUTE)
    assert suppressed(day) == [(QUIET, 60), (QUIET, 70)]
    assert day.buzzes() == [(80 * MINUTE - 1, patterns.REMINDER_1),
                            (90 * MINUTE - 1, patterns.REMINDER_2)]
    assert [a for _, a, _ in day.events.of(events.REMINDER)] == [2, 3]


def test_quiet_window_across_local_midnight_and_a_day_change():
    # quiet 23:30-00:30 local; UTC+1, sitting from 22:05 UTC = 23:05 Monday local
    settings = settings_with(utc_offset_min=60, quiet_start_min=23 * 60 + 30, quiet_end_min=30)
    day = Day(settings, t0=at_utc(0, 22, 5)).run(SITTING, 100 * MINUTE)
    # due at 00:05, 00:15, 00:25 Tuesday local (quiet) and 00:35 (after the window: played)
    assert suppressed(day) == [(QUIET, 60), (QUIET, 70), (QUIET, 80)]
    assert [t for t, _ in day.buzzes()] == [90 * MINUTE - 1]


def test_equal_quiet_start_and_end_means_no_quiet_hours():
    settings = settings_with(quiet_start_min=0, quiet_end_min=0)
    day = Day(settings, t0=at_utc(0, 23, 0)).run(SITTING, 70 * MINUTE)
    assert len(day.buzzes()) == 2
    assert suppressed(day) == []


def test_weekday_mask_holds_on_a_day_off_in_local_time():
    workdays = 0b0011111  # Monday to Friday
    no_quiet = {"quiet_start_min": 0, "quiet_end_min": 0, "weekday_mask": workdays}
    # Friday 23:30 UTC: the hour is up on Saturday 00:30 UTC
    day = Day(settings_with(**no_quiet), t0=at_utc(4, 23, 30)).run(SITTING, 61 * MINUTE)
    assert day.buzzes() == []
    assert suppressed(day) == [(events.SUPPRESSED_SCHEDULE, 60)]
    # ... which is still Friday 22:30 in UTC-2
    day = Day(settings_with(utc_offset_min=-120, **no_quiet), t0=at_utc(4, 23, 30))
    day.run(SITTING, 61 * MINUTE)
    assert len(day.buzzes()) == 1
    # Sunday 22:30 UTC is Monday 00:30 in UTC+2: a workday
    day = Day(settings_with(utc_offset_min=120, **no_quiet), t0=at_utc(6, 21, 30))
    day.run(SITTING, 61 * MINUTE)
    assert len(day.buzzes()) == 1
    day = Day(settings_with(**no_quiet), t0=at_utc(6, 21, 30)).run(SITTING, 61 * MINUTE)
    assert day.buzzes() == []


def test_an_unset_clock_cannot_know_quiet_hours_or_the_day_so_it_reminds():
    # uptime seconds that would read 23:00 if taken for UTC, and no day allowed at all
    day = Day(settings_with(weekday_mask=0), t0=23 * HOUR).run(SITTING, 61 * MINUTE)
    assert [t for t, _ in day.buzzes()] == [HOUR - 1]
    assert suppressed(day) == []


def test_snooze_holds_then_reminds_when_it_runs_out():
    day = Day().run(SITTING, HOUR + 30)
    assert len(day.buzzes()) == 1
    assert day.tap() == patterns.SNOOZE_ACK
    tapped = day.t - 1
    assert day.coach.snoozed_until == tapped + 20 * MINUTE
    assert day.events.of(events.SNOOZE) == [(tapped, 20, 0)]
    day.run(SITTING, 20 * MINUTE - 1)
    assert len(day.buzzes()) == 1
    assert suppressed(day) == [(events.SUPPRESSED_SNOOZE, 70)]
    assert day.coach.snoozed_until == tapped + 20 * MINUTE
    day.run(SITTING, 1)  # the snooze is over: the held reminder plays at once
    assert day.coach.snoozed_until == 0
    assert day.buzzes()[1] == (tapped + 20 * MINUTE - day.t0, patterns.REMINDER_2)
    day.run(SITTING, 2 * HOUR)
    # the held slot was not used up: the bout still gets its 1 + 3 reminders, repeats
    # counted from the one played after the snooze
    assert [a for _, a, _ in day.events.of(events.REMINDER)] == [0, 1, 2, 3]
    after_snooze = tapped + 20 * MINUTE - day.t0
    assert [t for t, _ in day.buzzes()] == [
        HOUR - 1, after_snooze, after_snooze + 10 * MINUTE, after_snooze + 20 * MINUTE]
    assert len(suppressed(day)) == 1


def test_snooze_before_the_hour_delays_the_first_reminder():
    day = Day().run(SITTING, 55 * MINUTE)
    day.tap()
    day.run(SITTING, 20 * MINUTE - 1)
    assert day.buzzes() == []
    assert suppressed(day) == [(events.SUPPRESSED_SNOOZE, 60)]
    day.run(SITTING, 1)
    assert day.buzzes() == [(75 * MINUTE - 1, patterns.REMINDER_1)]


def test_a_second_double_tap_restarts_the_snooze():
    day = Day(settings_with(snooze_min=5)).run(SITTING, HOUR)
    day.tap()
    day.run(SITTING, 3 * MINUTE)
    day.tap()
    assert day.coach.snoozed_until == day.t - 1 + 5 * MINUTE
    # the snooze ends at 68 minutes; nothing was due during it, so the repeat keeps its time
    day.run(SITTING, 7 * MINUTE - 1)
    assert len(day.buzzes()) == 1
    day.run(SITTING, 1)
    assert day.buzzes()[1][0] == 70 * MINUTE - 1
    assert suppressed(day) == []
    assert [a for _, a, _ in day.events.of(events.SNOOZE)] == [5, 5]


def test_a_snooze_running_out_while_standing_waits_for_sitting():
    day = Day().run(SITTING, HOUR)
    day.tap()
    day.run(SITTING, 20 * MINUTE - 30).run(STANDING, 50)
    assert len(day.buzzes()) == 1
    day.run(SITTING, 1)
    assert len(day.buzzes()) == 2


def test_charging_suppresses():
    day = Day()
    day.run(SITTING, 2 * HOUR, charging=True)
    assert day.buzzes() == []
    charging = events.SUPPRESSED_CHARGING
    assert suppressed(day) == [(charging, 60), (charging, 70), (charging, 80), (charging, 90)]
