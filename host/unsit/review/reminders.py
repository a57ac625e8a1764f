"""What became of each reminder: heeded (the wearer got up), snoozed (double tap) or ignored.

The coach logs ``REMINDER`` (a = repeat index), ``HEEDED`` when the wearer gets up within its
window (a = seconds from the reminder to getting up) and ``SNOOZE`` on a double tap. Of the
events a device logged after a reminder (by sequence number), up to the next reminder:

- a ``HEEDED`` (within :data:`_MAX_ANSWER_S`) makes it *heeded*, even after a snooze: what
  counts is that the wearer got up;
- otherwise a ``SNOOZE`` within :data:`SNOOZE_WINDOW_S` of it makes it *snoozed*: the wearer
  felt it and asked for quiet (the coach then holds the next slot until the snooze ends);
- otherwise it was *ignored*; so is a reminder at the very end of the data (until the next
  sync says otherwise).

docs/metrics.md ("Reminders") says how these enter the daily figures.
"""

from __future__ import annotations

import sqlite3
from typing import NamedTuple

from unsit_firmware.logic import coach, events

# A HEEDED answers the reminder logged at most this long before it; older ones (lost records,
# a reboot between them) are not paired across.
_MAX_ANSWER_S = 6 * 3600
#: A double tap this soon after a reminder answers it: the coach's own window for heeding
#: (``logic.coach.HEEDED_WINDOW_S``, 5 min). A later tap snoozes what is to come, not it.
SNOOZE_WINDOW_S = coach.HEEDED_WINDOW_S

HEEDED = "heeded"
SNOOZED = "snoozed"
IGNORED = "ignored"


class Reminder(NamedTuple):
    t_utc: int
    repeat: int
    outcome: str             # HEEDED, SNOOZED or IGNORED
    get_up_s: int | None     # seconds from the reminder to getting up, when heeded

    @property
    def heeded(self) -> bool:
        return self.outcome == HEEDED

    @property
    def snoozed(self) -> bool:
        return self.outcome == SNOOZED


def reminders(conn: sqlite3.Connection, device_id: str, lo: int, hi: int) -> list[Reminder]:
    """The reminders of ``device_id`` given in ``[lo, hi)`` (UTC seconds), in order."""
    rows = conn.execute(
        "SELECT t_utc, kind, a FROM events WHERE device_id = ? AND kind IN (?, ?, ?)"
        " AND t_utc >= ? AND t_utc < ? ORDER BY seq",
        (device_id, events.REMINDER, events.HEEDED, events.SNOOZE, lo, hi + _MAX_ANSWER_S),
    ).fetchall()
    found: list[Reminder] = []
    pending: tuple[int, int] | None = None      # the unanswered reminder: t_utc, repeat
    snoozed = False
    for t, kind, a in rows:
        if kind == events.REMINDER:
            if pending is not None:
                found.append(Reminder(*pending, SNOOZED if snoozed else IGNORED, None))
            pending = (t, a) if t < hi else None
            snoozed = False
        elif pending is None:
            continue
        elif kind == events.SNOOZE:
            snoozed = snoozed or 0 <= t - pending[0] <= SNOOZE_WINDOW_S
        elif 0 <= t - pending[0] <= _MAX_ANSWER_S:
            found.append(Reminder(*pending, HEEDED, a))
            pending = None
        else:
            found.append(Reminder(*pending, SNOOZED if snoozed else IGNORED, None))
            pending = None
    if pending is not None:
        found.append(Reminder(*pending, SNOOZED if snoozed else IGNORED, None))
    return found
