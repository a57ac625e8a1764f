"""Test support: drives a real Coach through a scripted day of per-second postures.

Portable (CPython and MicroPython). ``Day`` feeds the coach one state per second and keeps
what it emitted and what it asked to play in preallocated arrays, so a script can run inside
``portable.heap_locked`` and prove that the coach allocates nothing.
"""

from array import array

from logic.coach import Coach
from logic.localtime import device_seconds
from logic.settings import Settings

# Monday 2026-11-23 09:00:00 UTC, in device seconds (the coach's time base)
MONDAY_0900 = device_seconds(1795424400)
MINUTE = 60
HOUR = 3600
DAY = 86400


def at_utc(day, hour, minute=0):
    """Device seconds at ``hour:minute`` UTC on ``day`` days after Monday 2026-11-23."""
    return MONDAY_0900 - 9 * HOUR + day * DAY + hour * HOUR + minute * MINUTE


class Events:
    """An ``emit(kind, a=0, b=0)`` that records into preallocated arrays, stamped with ``now``."""

    def __init__(self, size=512):
        self.size = size
        self.now = 0
        self.count = 0
        self.kind = array("i", [0] * size)
        self.a = array("i", [0] * size)
        self.b = array("i", [0] * size)
        self.t = array("q", [0] * size)

    def __call__(self, kind, a=0, b=0):
        n = self.count
        if n < self.size:
            self.kind[n] = kind
            self.a[n] = a
            self.b[n] = b
            self.t[n] = self.now
        self.count = n + 1

    def of(self, kind):
        """``[(t, a, b), ...]`` of the events of ``kind``, in order."""
        assert self.count <= self.size, "event recorder overflowed"
        return [(self.t[i], self.a[i], self.b[i]) for i in range(self.count)
                if self.kind[i] == kind]


class Day:
    """A coach, its settings, and the clock of a scripted day starting at ``t0``."""

    def __init__(self, settings=None, t0=MONDAY_0900, max_buzzes=256):
        self.settings = settings if settings is not None else Settings()
        self.events = Events()
        self.coach = Coach(self.settings, self.events)
        self.t0 = t0
        self.t = t0
        self.n_buzz = 0
        self._buzz_t = array("q", [0] * max_buzzes)
        self._buzz_pattern = array("i", [0] * max_buzzes)

    def run(self, state, seconds, charging=False, still_since_s=-1):
        """Feed ``seconds`` seconds of ``state``; return self (to chain)."""
        coach = self.coach
        events = self.events
        t = self.t
        end = t + seconds
        while t < end:
            events.now = t
            pattern = coach.second(t, state, still_since_s, charging)
            if pattern:
                n = self.n_buzz
                if n < len(self._buzz_t):
                    self._buzz_t[n] = t
                    self._buzz_pattern[n] = pattern
                self.n_buzz = n + 1
            t += 1
        self.t = t
        return self

    def script(self, steps):
        """Feed ``(state, seconds)`` steps in order."""
        for state, seconds in steps:
            self.run(state, seconds)
        return self

    def tap(self):
        """A double tap just after the last second fed; returns the acknowledgement pattern.

        The snooze then covers exactly the next ``snooze_min * 60`` seconds fed.
        """
        self.events.now = self.t - 1
        return self.coach.double_tap(self.t - 1)

    def reboot(self, gap_s=0):
        """Save the coach, restore it into a new one as the firmware does after a reset,
        and skip ``gap_s`` seconds that nobody fed (the board was off)."""
        data = self.coach.save()
        self.coach = Coach.restore(self.settings, self.events, data)
        self.t += gap_s
        return data

    def buzzes(self):
        """``[(seconds since t0, pattern), ...]`` of every reminder the coach asked to play."""
        assert self.n_buzz <= len(self._buzz_t), "buzz recorder overflowed"
        return [(self._buzz_t[i] - self.t0, self._buzz_pattern[i]) for i in range(self.n_buzz)]

    def since_t0(self, records):
        """Event records with their time made relative to ``t0``."""
        return [(t - self.t0, a, b) for t, a, b in records]


def settings_with(**values):
    """Settings with some values changed (validated as usual)."""
    settings = Settings()
    for name in values:
        settings.set(name, values[name])
    return settings
