"""The reminders a device gave in a span of time, each with what became of it.

The outcome (heeded, snoozed or ignored) is decided by :func:`unsit.log.reminders.outcomes`;
this module reads the events it needs from the store. docs/metrics.md ("Reminders") says how
these enter the daily figures.
"""

from __future__ import annotations

import sqlite3
from typing import NamedTuple

from unsit.log.reminders import (
    HEEDED, IGNORED, KINDS, MAX_ANSWER_S, SNOOZE_WINDOW_S, SNOOZED, outcomes)

__all__ = ["HEEDED", "IGNORED", "SNOOZED", "SNOOZE_WINDOW_S", "Reminder", "reminders"]


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
    marks = ", ".join("?" * len(KINDS))
    rows = conn.execute(
        f"SELECT t_utc, kind, a, b FROM events WHERE device_id = ? AND kind IN ({marks})"
        " AND t_utc >= ? AND t_utc < ? ORDER BY seq",
        (device_id, *KINDS, lo, hi + MAX_ANSWER_S),
    ).fetchall()
    return [Reminder(found.t, found.repeat, found.outcome, found.get_up_s)
            for found in outcomes(rows) if found.t < hi]
