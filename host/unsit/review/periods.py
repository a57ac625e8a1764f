"""Days grouped into weeks or months, and the mean day of a group (docs/metrics.md, "Weeks,
months and means").

The mean of a group is a day's figures averaged over its days: times, steps, breaks, bouts and
reminders per day; ratios (breaks per sitting hour, mean bout, heeded %) pooled over all the
group's days, and the median minutes to get up over every heeded reminder in it.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from unsit.review.metrics import DayMetrics

PERIODS = ("day", "week", "month")
DAILY_MAX = 31          # longer ranges are shown by week by default
WEEKLY_MAX = 183        # and longer than about half a year by month


def auto_period(first: date, last: date) -> str:
    """``day`` for up to a month, ``week`` up to half a year, else ``month``."""
    count = (last - first).days + 1
    if count <= DAILY_MAX:
        return "day"
    return "week" if count <= WEEKLY_MAX else "month"


def period_start(day: date, period: str) -> date:
    """The first day of the period holding ``day`` (weeks start on Monday, ISO 8601)."""
    if period == "week":
        return day - timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    return day


def period_label(start: date, period: str) -> str:
    """Short text for the period beginning ``start``: ``Mon 2 Mar``, ``wk 2 Mar``, ``Mar 2026``."""
    if period == "week":
        return f"wk {start.day} {start:%b}"
    if period == "month":
        return f"{start:%b %Y}"
    return f"{start:%a} {start.day} {start:%b}"


def group(days: Sequence[DayMetrics], period: str) -> list[tuple[date, list[DayMetrics]]]:
    """``(first day of the period, its days)`` in order; a period at either end of the range
    holds only the days inside the range."""
    out: list[tuple[date, list[DayMetrics]]] = []
    for day in days:
        start = period_start(day.day, period)
        if out and out[-1][0] == start:
            out[-1][1].append(day)
        else:
            out.append((start, [day]))
    return out


def average_row(days: Sequence[DayMetrics]) -> dict[str, Any]:
    """The mean day of ``days`` with :meth:`DayMetrics.as_row`'s fields (``date`` empty,
    ``low_wear`` False)."""
    n = len(days)
    rows = [day.as_row() for day in days]

    def mean(field: str) -> float:
        return round(sum(row[field] for row in rows) / n, 1)

    sitting_h = sum(day.sitting_s for day in days) / 3600
    bouts = [b for day in days for b in day.bouts]
    reminders = sum(day.reminders for day in days)
    get_up = [s for day in days for s in day.get_up_s]
    row: dict[str, Any] = {field: mean(field) for field in (
        "wear_min", "sitting_min", "standing_min", "walking_min", "lying_min", "breaks",
        "longest_bout_min", "bouts_30", "bouts_30_min", "bouts_60", "bouts_60_min",
        "reminders", "heeded", "snoozed")}
    row.update({
        "device": days[0].device, "date": "", "low_wear": False, "estimated_min": 0,
        "steps": round(sum(day.steps for day in days) / n),
        "breaks_per_sitting_hour": (round(sum(day.breaks for day in days) / sitting_h, 2)
                                    if sitting_h else None),
        "bouts": round(len(bouts) / n, 1),
        "mean_bout_min": round(statistics.fmean(bouts), 1) if bouts else None,
        "heeded_pct": (round(100 * sum(day.heeded for day in days) / reminders, 1)
                       if reminders else None),
        "median_min_to_get_up": round(statistics.median(get_up) / 60, 1) if get_up else None,
    })
    return row


PERIOD_FIELDS = ("device", "period", "date", "days", "valid_days")


def period_rows(days: Sequence[DayMetrics], period: str) -> list[dict[str, Any]]:
    """One row per device and period: the mean day of the period's valid days (of all its
    days, marked ``low_wear``, when none is valid), with ``date`` its first day, ``label``
    (:func:`period_label`), ``days`` and ``valid_days`` the days it holds and the valid ones."""
    out = []
    for device in dict.fromkeys(day.device for day in days):
        for start, members in group([d for d in days if d.device == device], period):
            valid = [d for d in members if not d.low_wear]
            row = average_row(valid or members)
            row.update(period=period, date=start.isoformat(), label=period_label(start, period),
                       days=len(members), valid_days=len(valid), low_wear=not valid,
                       estimated_min=sum(d.estimated_min for d in members))
            out.append(row)
    return out
