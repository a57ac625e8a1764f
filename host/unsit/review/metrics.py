"""Per-day metrics in the wearer's local time, from per-minute rows and events.

Time totals are exact sums of the logged seconds per local day (one SQL range query a day,
which also hands back the day's sitting minutes); bouts and breaks are built from those
(:mod:`unsit.review.bouts`); reminders come from :mod:`unsit.review.reminders`. Minutes whose
time is an estimate (``estimated_times``, docs/sync.md) are counted per day so that the day
can be marked. Definitions and sources: docs/metrics.md.
"""

from __future__ import annotations

import sqlite3
import statistics
from dataclasses import dataclass, field
from datetime import date, timedelta, tzinfo
from typing import Any

from unsit.review.bouts import BREAK, SITTING_SQL, Bout, bouts_of_sitting
from unsit.review.reminders import reminders
from unsit.review.source import (
    DAY_S, LocalClock, day_number, day_start_utc, days_between,
)

LOW_WEAR_MIN = 600          # a day with less wear than 10 h is marked (Troiano et al. 2008)
PROLONGED_MIN = (30, 60)    # bout lengths reported as prolonged sitting

FIELDS = (
    "device", "date", "wear_min", "low_wear", "estimated_min", "sitting_min", "standing_min", "walking_min",
    "lying_min", "steps", "breaks", "breaks_per_sitting_hour", "bouts", "mean_bout_min",
    "longest_bout_min", "bouts_30", "bouts_30_min", "bouts_60", "bouts_60_min", "reminders",
    "heeded", "snoozed", "heeded_pct", "median_min_to_get_up",
)


@dataclass
class DayMetrics:
    """Everything measured on one local day of one device (seconds and whole-minute bouts)."""

    device: str
    day: date
    sitting_s: int = 0
    standing_s: int = 0
    walking_s: int = 0
    lying_s: int = 0
    steps: int = 0
    breaks: int = 0
    bouts: list[int] = field(default_factory=list)   # minutes of each bout begun this day
    reminders: int = 0
    heeded: int = 0
    snoozed: int = 0                                 # not heeded: snoozed by a double tap
    estimated_min: int = 0                           # minute rows with an estimated time
    get_up_s: list[int] = field(default_factory=list)

    @property
    def wear_s(self) -> int:
        return self.sitting_s + self.standing_s + self.walking_s + self.lying_s

    @property
    def estimated(self) -> bool:
        """Whether some of the day's minutes were placed in time by an estimate."""
        return self.estimated_min > 0

    @property
    def low_wear(self) -> bool:
        return self.wear_s < LOW_WEAR_MIN * 60

    def prolonged(self, minutes: int) -> tuple[int, int]:
        """Number and total minutes of the bouts lasting at least ``minutes``."""
        long = [b for b in self.bouts if b >= minutes]
        return len(long), sum(long)

    def as_row(self) -> dict[str, Any]:
        """The day as flat values (minutes to one decimal), keyed by :data:`FIELDS`."""
        sitting_h = self.sitting_s / 3600
        n30, m30 = self.prolonged(PROLONGED_MIN[0])
        n60, m60 = self.prolonged(PROLONGED_MIN[1])
        return {
            "device": self.device,
            "date": self.day.isoformat(),
            "wear_min": _minutes(self.wear_s),
            "low_wear": self.low_wear,
            "estimated_min": self.estimated_min,
            "sitting_min": _minutes(self.sitting_s),
            "standing_min": _minutes(self.standing_s),
            "walking_min": _minutes(self.walking_s),
            "lying_min": _minutes(self.lying_s),
            "steps": self.steps,
            "breaks": self.breaks,
            "breaks_per_sitting_hour": round(self.breaks / sitting_h, 2) if sitting_h else None,
            "bouts": len(self.bouts),
            "mean_bout_min": round(statistics.fmean(self.bouts), 1) if self.bouts else None,
            "longest_bout_min": max(self.bouts, default=0),
            "bouts_30": n30,
            "bouts_30_min": m30,
            "bouts_60": n60,
            "bouts_60_min": m60,
            "reminders": self.reminders,
            "heeded": self.heeded,
            "snoozed": self.snoozed,
            # over every reminder given, snoozed ones included (docs/metrics.md, "Reminders")
            "heeded_pct": round(100 * self.heeded / self.reminders, 1) if self.reminders else None,
            "median_min_to_get_up": (round(statistics.median(self.get_up_s) / 60, 1)
                                     if self.get_up_s else None),
        }


def _minutes(seconds: int) -> float:
    return round(seconds / 60, 1)


def summarise(conn: sqlite3.Connection, devices: list[str], first: date, last: date,
              zone: tzinfo) -> list[DayMetrics]:
    """One :class:`DayMetrics` per device and local day from ``first`` to ``last`` inclusive,
    days without data included (all zero, marked low wear)."""
    dates = days_between(first, last)
    bounds = [day_start_utc(day, zone) for day in dates]
    bounds.append(day_start_utc(last + timedelta(days=1), zone))
    lo, hi = bounds[0], bounds[-1]
    clock = LocalClock(zone, lo - DAY_S, hi + DAY_S)
    base = day_number(first)
    out: list[DayMetrics] = []
    for device in devices:
        days = [DayMetrics(device, day) for day in dates]
        sitting = _scan(conn, device, bounds, days)
        bouts = bouts_of_sitting(conn, device, sitting, lo - DAY_S, hi + DAY_S)
        _add_bouts(days, bouts, clock, base)
        for reminder in reminders(conn, device, lo, hi):
            day = days[clock.day_number(reminder.t_utc) - base]
            day.reminders += 1
            if reminder.heeded and reminder.get_up_s is not None:
                day.heeded += 1
                day.get_up_s.append(reminder.get_up_s)
            elif reminder.snoozed:
                day.snoozed += 1
        for t in _estimated_minutes(conn, device, lo, hi):
            days[clock.day_number(t) - base].estimated_min += 1
        out.extend(days)
    return out


def _scan(conn: sqlite3.Connection, device: str, bounds: list[int], days: list[DayMetrics]
          ) -> list[int]:
    """Add each day's time totals to ``days`` and return the start times of the sitting
    minutes from a day before the first to a day after the last (for bouts over the edges).

    One indexed range query per day reads each row once and returns one row per day; the
    sitting minutes come back as one text list a day. That is about half the work of a
    grouped query plus a second pass for the bouts."""
    edges = [bounds[0] - DAY_S, *bounds, bounds[-1] + DAY_S]
    sitting: list[int] = []
    for i, (lo, hi) in enumerate(zip(edges, edges[1:], strict=False)):
        row = conn.execute(
            "SELECT TOTAL(sitting_s), TOTAL(standing_s), TOTAL(walking_s), TOTAL(lying_s),"
            f" TOTAL(steps), group_concat(CASE WHEN {SITTING_SQL} THEN t_utc END)"
            " FROM minutes WHERE device_id = ? AND t_utc >= ? AND t_utc < ?",
            (device, lo, hi),
        ).fetchone()
        if 0 < i <= len(days):
            day = days[i - 1]
            day.sitting_s, day.standing_s, day.walking_s, day.lying_s, day.steps = (
                int(v) for v in row[:5])
        if row[5]:
            sitting.extend(map(int, row[5].split(",")))
    sitting.sort()      # already in index order; sorting makes it certain at little cost
    return sitting


def _estimated_minutes(conn: sqlite3.Connection, device: str, lo: int, hi: int) -> list[int]:
    """Start times of the minute rows in ``[lo, hi)`` whose time is an estimate.

    ``estimated_times`` is walked first (CROSS JOIN keeps SQLite from turning the loop round):
    it holds only the records of boots placed by estimate, usually none, so a year of minutes
    costs nothing extra."""
    rows = conn.execute(
        "SELECT m.t_utc FROM estimated_times e CROSS JOIN minutes m"
        " ON m.device_id = e.device_id AND m.seq = e.seq"
        " WHERE e.device_id = ? AND m.t_utc >= ? AND m.t_utc < ?",
        (device, lo, hi),
    )
    return [t for (t,) in rows]


def _add_bouts(days: list[DayMetrics], bouts: list[Bout], clock: LocalClock, base: int
               ) -> None:
    count = len(days)
    for bout in bouts:
        i = clock.day_number(bout.start_utc) - base
        if 0 <= i < count:
            days[i].bouts.append(bout.minutes)
        if bout.ended_by == BREAK:
            j = clock.day_number(bout.end_utc) - base
            if 0 <= j < count:
                days[j].breaks += 1
