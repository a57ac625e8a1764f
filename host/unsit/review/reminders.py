"""What became of each reminder: heeded (the wearer got up) or ignored.

The coach logs ``REMINDER`` (a = repeat index) and, when the wearer gets up, ``HEEDED``
(a = seconds from the reminder to getting up). A reminder is heeded when the next of these two
kinds that the same device logged after it (by sequence number) is a ``HEEDED``; a reminder
followed by another reminder (a repeat, or the next bout's) was ignored.
"""

from __future__ import annotations

import sqlite3
from typing import NamedTuple

from unsit_firmware.logic import events

# A HEEDED answers the reminder logged at most this long before it; older ones (lost records,
# a reboot between them) are not paired across.
_MAX_ANSWER_S = 6 * 3600


class Reminder(NamedTuple):
    t_utc: int
    repeat: int
    heeded: bool
    get_up_s: int | None     # seconds from the reminder to getting up, when heeded


def reminders(conn: sqlite3.Connection, device_id: str, lo: int, hi: int) -> list[Reminder]:
    """The reminders of ``device_id`` given in ``[lo, hi)`` (UTC seconds), in order."""
    rows = conn.execute(
        "SELECT t_utc, kind, a FROM events WHERE device_id = ? AND kind IN (?, ?)"
        " AND t_utc >= ? AND t_utc < ? ORDER BY seq",
        (device_id, events.REMINDER, events.HEEDED, lo, hi + _MAX_ANSWER_S),
    ).fetchall()
    found: list[Reminder] = []
    pending: tuple[int, int] | None = None
    for t, kind, a in rows:
        if kind == events.REMINDER:
            if pending is not None:
                found.append(Reminder(pending[0], pending[1], False, None))
            pending = (t, a) if t < hi else None
        elif pending is not None:
            answered = 0 <= t - pending[0] <= _MAX_ANSWER_S
            found.append(Reminder(pending[0], pending[1], answered, a if answered else None))
            pending = None
    if pending is not None:
        found.append(Reminder(pending[0], pending[1], False, None))
    return found
