"""The coach's hour timer on scripted per-second postures: when it reminds, and when it must not."""

from coach_script import HOUR, MINUTE, Day, settings_with
from logic import bouts, events, patterns
from logic.bouts import LIE_END_S
from logic.states import LYING, NOT_WORN, SITTING, STANDING, WALKING


def test_one_reminder_after_an_hour_of_sitting():
    day = Day().run(SITTING, 70 * MINUTE - 1)
    buzzes = day.buzzes()
    assert len(buzzes) == 1
    t, pattern = buzzes[0]
    assert abs(t - HOUR) <= 30
    assert pattern == patterns.REMINDER_1
    assert day.since_t0(day.events.of(events.REMINDER)) == [(t, 0, 60)]
    assert day.coach.reminders_this_bout == 1


def test_repeats_every_ten_minutes_escalate_and_stop_at_the_cap():
    day = Day().run(SITTING, 4 * HOUR)
    times = [t for t, _ in day.buzzes()]
    # the first reminder plus max_repeats (3) repeats, 10 minutes of sitting apart
    assert times == [3599, 4199, 4799, 5399]
    assert [p for _, p in day.buzzes()] == [
        patterns.REMINDER_1, patterns.REMINDER_2, patterns.REMINDER_3, patterns.REMINDER_4]
    assert [a for _, a, _ in day.events.of(events.REMINDER)] == [0, 1, 2, 3]
    assert [b for _, _, b in day.events.of(events.REMINDER)] == [60, 70, 80, 90]
    assert day.coach.sitting_s == 4 * HOUR


def test_repeat_settings_are_followed():
    day = Day(settings_with(sit_limit_min=30, repeat_min=5, max_repeats=1))
    day.run(SITTING, 2 * HOUR)
    assert [t for t, _ in day.buzzes()] == [30 * MINUTE - 1, 35 * MINUTE - 1]
    day = Day(settings_with(max_repeats=0)).run(SITTING, 3 * HOUR)
    assert len(day.buzzes()) == 1


def test_patterns_escalate_gently():
    last_strength = 0
    last_duration = 0
    for played in range(6):
        pattern = patterns.for_reminder(played)
        steps = patterns.steps(pattern)
        strength = max(percent for _, _, percent in steps)
        assert strength >= last_strength and strength <= 100
        assert patterns.duration_ms(pattern) >= last_duration
        assert patterns.duration_ms(pattern) <= 3000
        last_strength = strength
        last_duration = patterns.duration_ms(pattern)
    assert patterns.drive_percent(60, 70) == 42
    assert patterns.drive_percent(100, 100) == 100


def test_a_fifty_minute_rhythm_never_reminds():
    day = Day()
    for _ in range(8):
        day.run(SITTING, 50 * MINUTE).run(WALKING, 2 * MINUTE).run(STANDING, MINUTE)
    assert day.buzzes() == []
    # nothing logged but the eight bouts, each ended by its walk
    assert day.events.count == 8
    assert [e[1:] for e in day.events.of(events.BOUT_END)] == [
        (50 * MINUTE, bouts.END_BREAK)] * 8


def test_short_stands_do_not_reset_the_count():
    day = Day()
    for _ in range(4):
        day.run(SITTING, 15 * MINUTE).run(STANDING, 50)
    day.run(SITTING, 5 * MINUTE)
    # 65 minutes of sitting in a bout broken only by 50 s stands: reminded at 60 sat minutes
    assert len(day.buzzes()) == 1
    assert day.buzzes()[0][0] == 3 * (15 * MINUTE + 50) + 15 * MINUTE - 1
    assert day.coach.sitting_s == 65 * MINUTE


def test_a_break_of_break_s_resets_the_bout():
    day = Day().run(SITTING, 45 * MINUTE).run(WALKING, 60).run(SITTING, 45 * MINUTE)
    assert day.buzzes() == []
    assert day.coach.sitting_s == 45 * MINUTE
    day = Day(settings_with(break_s=120))
    day.run(SITTING, 45 * MINUTE).run(WALKING, 90).run(SITTING, 20 * MINUTE)
    assert len(day.buzzes()) == 1


def test_eight_hours_standing_lying_or_off_the_body_never_remind():
    for state in (STANDING, WALKING, LYING, NOT_WORN):
        day = Day().run(state, 8 * HOUR)
        assert day.buzzes() == [], state
        assert day.events.of(events.REMINDER) == []
        assert day.events.of(events.REMINDER_SUPPRESSED) == []
        assert day.coach.sitting_s == 0


def test_a_short_lie_pauses_the_count_and_a_minute_of_lying_ends_the_bout():
    day = Day().run(SITTING, 40 * MINUTE).run(LYING, LIE_END_S - 1).run(SITTING, 20 * MINUTE)
    assert [t for t, _ in day.buzzes()] == [60 * MINUTE + LIE_END_S - 2]
    day = Day().run(SITTING, 40 * MINUTE).run(LYING, LIE_END_S).run(SITTING, 25 * MINUTE)
    assert day.buzzes() == []
    assert day.coach.sitting_s == 25 * MINUTE
    assert [e[1:] for e in day.events.of(events.BOUT_END)] == [(40 * MINUTE, bouts.END_LYING)]


def test_taking_the_clip_off_ends_the_bout():
    day = Day().run(SITTING, 50 * MINUTE).run(NOT_WORN, 1)
    assert day.coach.sitting_s == 0
    assert [e[1:] for e in day.events.of(events.BOUT_END)] == [
        (50 * MINUTE, bouts.END_NOT_WORN)]
    day.run(NOT_WORN, 10 * MINUTE).run(SITTING, 59 * MINUTE)
    assert day.buzzes() == []
    assert day.coach.sitting_s == 59 * MINUTE


def test_a_still_desk_is_not_sitting():
    day = Day().run(SITTING, 30 * MINUTE)
    put_down = day.t
    # the detector keeps saying "sitting" for 25 minutes before it recognises the stillness
    day.run(SITTING, 25 * MINUTE)
    day.run(NOT_WORN, 10 * MINUTE, still_since_s=put_down)
    assert day.since_t0(day.events.of(events.NOT_WORN)) == [
        (55 * MINUTE, 25 * MINUTE + 1, 25 * MINUTE)]
    # the bout the clip logs is the 30 minutes worn, and it ended when the clip came off
    assert [e[1:] for e in day.events.of(events.BOUT_END)] == [
        (30 * MINUTE, bouts.END_NOT_WORN)]
    assert day.coach.sitting_s == 0
    # picked up again and worn sitting: a new bout, reminded after its own hour
    day.run(SITTING, 59 * MINUTE)
    assert day.buzzes() == []
    day.run(SITTING, MINUTE)
    assert [t for t, _ in day.buzzes()] == [65 * MINUTE + 60 * MINUTE - 1]


def test_a_still_desk_past_the_limit_does_not_use_up_the_next_bout():
    day = Day().run(SITTING, 20 * MINUTE)
    put_down = day.t
    day.run(STANDING, 30).run(SITTING, 45 * MINUTE)  # a desk that looked like sitting
    assert len(day.buzzes()) == 1  # felt by nobody; the detector was late
    day.run(NOT_WORN, 10, still_since_s=put_down)
    # only the sitting seconds are taken back, not the 30 s that looked like standing
    assert day.events.of(events.NOT_WORN)[0][1:] == (45 * MINUTE + 30 + 1, 45 * MINUTE)
    assert [e[1:] for e in day.events.of(events.BOUT_END)] == [
        (20 * MINUTE, bouts.END_NOT_WORN)]
    # the real sitting after it gets its first reminder at 60 minutes
    day.run(SITTING, 59 * MINUTE)
    assert len(day.buzzes()) == 1
    day.run(SITTING, MINUTE)
    assert len(day.buzzes()) == 2
    assert day.buzzes()[1] == (day.t - day.t0 - 1, patterns.REMINDER_1)


def test_heeded_when_the_wearer_gets_up_within_five_minutes():
    day = Day().run(SITTING, HOUR).run(SITTING, 90).run(WALKING, 3 * MINUTE)
    # reminded at 3599 s; first upright second at 3600 + 90: got up 91 s after the reminder
    assert day.events.of(events.HEEDED) == [(day.t0 + HOUR + 90 + 59, 91, 0)]
    assert day.coach.sitting_s == 0
    assert day.coach.reminders_this_bout == 0


def test_heeded_reports_the_reminder_it_answered():
    day = Day().run(SITTING, 70 * MINUTE).run(SITTING, 4 * MINUTE).run(STANDING, 2 * MINUTE)
    assert [(a, b) for _, a, b in day.events.of(events.HEEDED)] == [(4 * MINUTE + 1, 1)]


def test_not_heeded_after_five_minutes():
    day = Day().run(SITTING, HOUR).run(SITTING, 5 * MINUTE + 30).run(WALKING, 5 * MINUTE)
    assert day.events.of(events.HEEDED) == []
    assert day.coach.sitting_s == 0  # still a break, just not an answer to the reminder


def test_short_stand_after_a_reminder_is_not_heeded_until_it_qualifies():
    day = Day().run(SITTING, HOUR).run(STANDING, 30).run(SITTING, 60).run(STANDING, 59)
    assert day.events.of(events.HEEDED) == []
    day.run(STANDING, 1)
    assert [a for _, a, _ in day.events.of(events.HEEDED)] == [91]


def test_disabled_coach_never_reminds():
    day = Day(settings_with(enabled=0)).run(SITTING, 3 * HOUR)
    assert day.buzzes() == []
    assert day.events.count == 0
    assert day.coach.sitting_s == 3 * HOUR
