"""Per-minute records held back for the not-worn discount (app/minutes.py), both interpreters."""

from app.minutes import MinuteLog
from logic.states import NOT_WORN, SITTING, STANDING, WALKING
from portable import heap_locked


class Sink:
    def __init__(self):
        self.minutes = []

    def __call__(self, t_end, counts, steps):
        self.minutes.append((t_end, list(counts), steps))


def feed(log, t0, index0, states, steps=0):
    for i, state in enumerate(states):
        log.second(t0 + i, index0 + i, state, steps)


def test_minutes_follow_the_utc_minute_and_are_held_back():
    sink = Sink()
    log = MinuteLog(sink, hold_min=2)
    t0 = 1000000040          # 20 s into a UTC minute
    feed(log, t0, 0, [SITTING] * 40 + [STANDING] * 60 + [WALKING] * 60 + [SITTING] * 60, 1)
    # four minutes touched (40 + 60 + 60 + 60 s): two held back and the one being filled
    assert len(sink.minutes) == 1
    t_end, counts, steps = sink.minutes[0]
    assert t_end == t0 + 40 and t_end % 60 == 0
    assert counts == [0, 40, 0, 0, 0] and steps == 40
    log.flush()
    assert [m[1] for m in sink.minutes[1:]] == [
        [0, 0, 60, 0, 0], [0, 0, 0, 60, 0], [0, 60, 0, 0, 0]]
    assert [m[0] for m in sink.minutes[1:]] == [t0 + 100, t0 + 160, t0 + 220]
    log.flush()
    assert len(sink.minutes) == 4


def test_not_worn_rewrites_the_held_seconds_from_when_the_stillness_began():
    sink = Sink()
    log = MinuteLog(sink, hold_min=2)
    t0 = 6_000
    feed(log, t0, 0, [STANDING] * 60)                 # minute 0: logged as it was
    feed(log, t0 + 60, 60, [SITTING] * 100)           # reported sitting, really on a desk
    log.not_worn_since(100)                           # the detector: still since second 100
    feed(log, t0 + 160, 160, [NOT_WORN] * 20)
    log.flush()
    counts = [m[1] for m in sink.minutes]
    assert counts == [[0, 0, 60, 0, 0], [20, 40, 0, 0, 0], [60, 0, 0, 0, 0]]


def test_stillness_older_than_what_is_held_changes_only_what_is_held():
    sink = Sink()
    log = MinuteLog(sink, hold_min=1)
    feed(log, 0, 0, [SITTING] * 300)
    log.not_worn_since(0)
    log.flush()
    counts = [m[1] for m in sink.minutes]
    assert counts[:3] == [[0, 60, 0, 0, 0]] * 3       # already released: unchanged
    assert counts[3:] == [[60, 0, 0, 0, 0]] * 2


def test_a_minute_never_holds_more_than_sixty_seconds():
    sink = Sink()
    log = MinuteLog(sink, hold_min=1)
    for i in range(150):                              # a clock that stands still
        log.second(500, i, SITTING, 0)
    log.flush()
    assert [sum(m[1]) for m in sink.minutes] == [60, 60, 30]


def test_adding_a_second_allocates_nothing():
    log = MinuteLog(lambda t, c, s: None, hold_min=2)
    feed(log, 0, 0, [SITTING] * 200)
    with heap_locked():
        for i in range(200, 400):
            log.second(i, i, SITTING, 1)
        log.not_worn_since(350)


def test_a_second_within_a_minute_allocates_nothing_with_utc_times():
    # On the 32-bit build UTC seconds are long ints: only a new minute may do arithmetic.
    sink = Sink()
    log = MinuteLog(sink, hold_min=2)
    t0 = 1795424400                       # 2026-11-23 09:00:00 UTC, a minute's start
    ends = [t0 + i for i in range(1, 181)]
    for minute in range(3):
        log.second_ending(ends[60 * minute], 60 * minute, SITTING, 0)  # a minute begins
        with heap_locked():
            for i in range(60 * minute + 1, 60 * minute + 60):
                log.second_ending(ends[i], i, SITTING, 1)
    log.flush()
    assert [(t - t0, c[SITTING], s) for t, c, s in sink.minutes] == [
        (60, 60, 59), (120, 60, 59), (180, 60, 59)]
