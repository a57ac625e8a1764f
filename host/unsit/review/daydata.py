"""What the report draws per local day: posture runs by time of day and sitting per hour.

Positions are local wall-clock minutes (0-1439), so 14:00 is at the same place every day. On
the day clocks go back, the repeated hour is drawn over the first one; on the day they go
forward, the skipped hour stays empty (docs/metrics.md, "Days and time zones").
"""

from __future__ import annotations

import sqlite3
from typing import NamedTuple

from unsit.review.bouts import MINUTE_CLASS_SQL
from unsit.review.source import DAY_S, LocalClock
from unsit_firmware.logic import states


class Run(NamedTuple):
    """Minutes ``start``..``end`` (exclusive) of a local day spent in posture class ``state``."""

    start: int
    end: int
    state: int


def day_runs(conn: sqlite3.Connection, clock: LocalClock, device: str, lo: int, hi: int,
             base: int, count: int) -> list[list[Run]]:
    """Per local day (``base`` = day number of the first, ``count`` days), the runs of equal
    minute classes in ``[lo, hi)`` UTC, merged while contiguous and split at local midnights
    (a run's later pieces are placed by its start's UTC offset)."""
    local = clock.sql_local()
    # Runs of the minute rows in one pass over them (in index order, so SQLite need not sort);
    # the few idle runs are added after, then everything is cut into days.
    runs: list[tuple[int, int, int]] = []        # local start seconds, minutes, class
    start = follows = state = -1
    for t, cls in conn.execute(
        f"SELECT {local}, {MINUTE_CLASS_SQL} FROM minutes"
        " WHERE device_id = ? AND t_utc >= ? AND t_utc < ? ORDER BY t_utc",
        (device, lo, hi),
    ):
        if t != follows or cls != state:
            if start >= 0:
                runs.append((start, (follows - start) // 60, state))
            start, state = t, cls
        follows = t + 60
    if start >= 0:
        runs.append((start, (follows - start) // 60, state))
    runs.extend(conn.execute(
        f"SELECT {local}, minutes, {states.NOT_WORN} FROM idle"
        " WHERE device_id = ? AND t_utc >= ? AND t_utc < ? AND minutes > 0",
        (device, lo, hi),
    ))
    runs.sort()
    return _cut_into_days(runs, base, count)


def _cut_into_days(runs: list[tuple[int, int, int]], base: int, count: int) -> list[list[Run]]:
    days: list[list[Run]] = [[] for _ in range(count)]
    current: list[Run] | None = None
    day = -1
    start = end = state = -1
    for local, n, cls in runs:
        while n > 0:
            d = local // DAY_S - base
            minute = local % DAY_S // 60
            k = min(n, 1440 - minute)
            if d == day and cls == state and minute == end:
                end += k
            else:
                if current is not None:
                    current.append(Run(start, end, state))
                if d != day:
                    day = d
                    current = days[d] if 0 <= d < count else None
                start, end, state = minute, minute + k, cls
            n -= k
            local += 60 * k
    if current is not None:
        current.append(Run(start, end, state))
    return days


def hourly_sitting(conn: sqlite3.Connection, clock: LocalClock, device: str, lo: int, hi: int,
                   base: int) -> dict[tuple[int, int], tuple[int, int]]:
    """``(day index, local hour) -> (sitting seconds, worn seconds)`` for hours with data."""
    rows = conn.execute(
        f"SELECT {clock.sql_local()} / 3600 AS h, SUM(sitting_s),"
        " SUM(sitting_s + standing_s + walking_s + lying_s) FROM minutes"
        " WHERE device_id = ? AND t_utc >= ? AND t_utc < ? GROUP BY h",
        (device, lo, hi),
    )
    return {(h // 24 - base, h % 24): (sitting, worn) for h, sitting, worn in rows}
