"""Random days against the coach's promises, checked second by second.

Each day draws its settings (within the schema) and a script of postures, charging and
double taps from a seeded generator that gives the same days on both interpreters. A simple
model, written independently of the coach, follows the sitting count; the checks are the
rules the wearer relies on, not the coach's internals.
"""

from logic import events
from logic.bouts import LIE_END_S
from logic.coach import Coach
from logic.localtime import day_allowed, device_seconds, is_quiet
from logic.settings import Settings
from logic.states import LYING, NOT_WORN, SITTING, STANDING, WALKING

DAYS = 8
DAY_S = 3 * 3600


class Draw:
    """xorshift32: the same sequence on CPython and MicroPython."""

    def __init__(self, seed):
        self.state = (seed * 2654435761 + 1) & 0xFFFFFFFF or 1

    def below(self, n):
        x = self.state
        x ^= (x << 13) & 0xFFFFFFFF
        x ^= x >> 17
        x ^= (x << 5) & 0xFFFFFFFF
        self.state = x
        return x % n


class Tally:
    def __init__(self):
        self.slots = 0          # reminders played or suppressed (not held by a snooze)
        self.played = 0
        self.max_slots = 0

    def __call__(self, kind, a=0, b=0):
        if kind == events.REMINDER:
            self.slots += 1
            self.played += 1
        elif kind == events.REMINDER_SUPPRESSED and a != events.SUPPRESSED_SNOOZE:
            self.slots += 1
        if self.slots > self.max_slots:
            self.max_slots = self.slots


def random_settings(draw):
    settings = Settings()
    settings.set("sit_limit_min", 10 + draw.below(60))
    settings.set("break_s", 10 + draw.below(120))
    settings.set("repeat_min", 1 + draw.below(15))
    settings.set("max_repeats", draw.below(5))
    settings.set("snooze_min", 5 + draw.below(20))
    if draw.below(2):
        start = draw.below(1440)
        settings.set("quiet_start_min", start)
        settings.set("quiet_end_min", (start + draw.below(600)) % 1440)
    if draw.below(3) == 0:
        settings.set("weekday_mask", draw.below(128))
    settings.set("utc_offset_min", -720 + draw.below(1561))
    return settings


def run_day(seed):
    draw = Draw(seed)
    settings = random_settings(draw)
    tally = Tally()
    coach = Coach(settings, tally)
    t = device_seconds(1767225600) + draw.below(400) * 86400 + draw.below(86400)
    end = t + DAY_S
    limit_s = settings.get("sit_limit_min") * 60
    break_s = settings.get("break_s")
    cap = 1 + settings.get("max_repeats")
    model_sitting = upright = away = 0
    previous = NOT_WORN
    buzzes = 0
    states = (SITTING, SITTING, SITTING, STANDING, WALKING, LYING, NOT_WORN)
    while t < end:
        state = states[draw.below(len(states))]
        longest = 90
        if state == SITTING:
            longest = 5400
        elif (state == LYING or state == NOT_WORN) and draw.below(3) == 0:
            longest = 2400
        seconds = 1 + draw.below(longest)
        charging = draw.below(4) == 0
        tap_when_left = draw.below(seconds) if draw.below(3) == 0 else -1
        while seconds and t < end:
            if seconds == tap_when_left:
                coach.double_tap(t - 1)
            snoozed = coach.snoozed_until > t
            pattern = coach.second(t, state, -1, charging)
            # the independent model of the count
            if state == SITTING:
                model_sitting += 1
                upright = away = 0
            elif state == STANDING or state == WALKING:
                upright += 1
                away = 0
                if upright >= break_s:
                    model_sitting = 0
            else:
                upright = 0
                away += 1
                if state == NOT_WORN and previous != NOT_WORN or (
                        state == LYING and away >= LIE_END_S):
                    model_sitting = 0
            previous = state
            assert coach.sitting_s == model_sitting, (seed, t)
            if model_sitting == 0:
                tally.slots = 0
            if pattern:
                buzzes += 1
                assert state == SITTING and not charging and not snoozed, (seed, t)
                assert model_sitting >= limit_s
                offset = settings.get("utc_offset_min")
                assert not is_quiet(t, offset, settings.get("quiet_start_min"),
                                    settings.get("quiet_end_min"))
                assert day_allowed(t, offset, settings.get("weekday_mask"))
            assert tally.slots <= cap, (seed, t)
            t += 1
            seconds -= 1
    assert buzzes == tally.played
    return buzzes, tally.max_slots


def test_random_days_keep_the_rules():
    total_buzzes = 0
    total_slots = 0
    for seed in range(DAYS):
        buzzes, slots = run_day(seed)
        total_buzzes += buzzes
        total_slots += slots
    # the days are long and varied enough to exercise reminders at all
    assert total_slots > DAYS
    assert total_buzzes > 0
