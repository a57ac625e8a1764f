"""Per-minute activity records, held back long enough to discount a still desk.

The detector recognises a clip lying still (not worn) only some time after the stillness
began, and in the meantime reports those seconds as sitting. Rather than log minutes and
correct them later, the device keeps the per-second states of the last ``hold_min`` minutes in
a preallocated ring and releases a minute to the log only once it is that old; when the
detector reports NOT_WORN with ``still_since``, the held seconds from then on are rewritten as
not worn before they ever reach the log.

A minute is the UTC minute when the clock is set (times are device seconds,
``logic.localtime``, whose minutes fall on whole UTC minutes), otherwise the uptime minute.
The sink is called as ``sink(t_end, counts, steps)`` (``t_end``: the time just after the
minute's last second) with ``counts`` a preallocated list of seconds per state code; it must
copy what it keeps.
Pure logic: no hardware, no clock of its own.
"""

from logic.states import COUNT, NOT_WORN

from logic.compat import const

_MAX_SECONDS = const(60)


class MinuteLog:
    def __init__(self, sink, hold_min=10):
        self._sink = sink
        self._slots = hold_min + 1          # held minutes plus the one being filled
        self._ring_s = self._slots * _MAX_SECONDS
        self._states = bytearray(self._ring_s)
        self._start = [0] * self._slots     # t (seconds) at which each minute starts
        self._first = [0] * self._slots     # detector second index of its first second
        self._len = [0] * self._slots
        self._steps = [0] * self._slots
        self._lo = 0        # the head's minute: seconds that end in (_lo, _hi] belong to it
        self._hi = 0
        self._head = 0      # slot being filled
        self._count = 0     # slots in use, the one being filled included
        self._counts = [0] * COUNT
        self.released = 0

    def second(self, t_s, index, state, steps):
        """Add detector second ``index`` (at time ``t_s``) in ``state`` with ``steps``."""
        self.second_ending(t_s + 1, index, state, steps)

    def second_ending(self, t_end_s, index, state, steps):
        """``second`` for the second that ended at ``t_end_s`` (and began a second before).

        Only comparisons on a second within the current minute: no division but when a
        minute begins."""
        slot = self._head
        if (self._count == 0 or t_end_s <= self._lo or t_end_s > self._hi
                or self._len[slot] >= _MAX_SECONDS):
            t_s = t_end_s - 1
            key = t_s // 60
            self._lo = key * 60
            self._hi = self._lo + 60
            if self._count:
                slot = (slot + 1) % self._slots
                if self._count == self._slots:
                    self._release(slot)
                else:
                    self._count += 1
            else:
                self._count = 1
            self._head = slot
            self._start[slot] = t_s
            self._first[slot] = index
            self._len[slot] = 0
            self._steps[slot] = 0
        self._states[(self._first[slot] + self._len[slot]) % self._ring_s] = state
        self._len[slot] += 1
        self._steps[slot] += steps

    def not_worn_since(self, index):
        """The seconds from detector second ``index`` on were not worn: rewrite what is held."""
        oldest = (self._head - self._count + 1) % self._slots
        first = self._first[oldest]
        if index < first:
            index = first
        states = self._states
        ring = self._ring_s
        slot = oldest
        for _ in range(self._count):
            start = self._first[slot]
            for i in range(self._len[slot]):
                if start + i >= index:
                    states[(start + i) % ring] = NOT_WORN
            slot = (slot + 1) % self._slots

    def flush(self):
        """Release every held minute, the one being filled included (before a shutdown)."""
        while self._count:
            oldest = (self._head - self._count + 1) % self._slots
            self._release(oldest)
            self._count -= 1
        self._count = 0

    def _release(self, slot):
        counts = self._counts
        for i in range(COUNT):
            counts[i] = 0
        start = self._first[slot]
        states = self._states
        ring = self._ring_s
        for i in range(self._len[slot]):
            counts[states[(start + i) % ring]] += 1
        self.released += 1
        if self._len[slot]:
            self._sink(self._start[slot] + self._len[slot], counts, self._steps[slot])
