"""Sitting bouts and breaks, built from per-minute rows (docs/metrics.md, "Bouts and breaks").

The rules are the clip's own (``logic.bouts``, which its coach follows): each logged minute
gets one class from its seconds per state (:data:`MINUTE_CLASS_SQL` is
``logic.bouts.minute_class`` in SQL, checked equal by the tests):

- not worn: fewer than 30 worn seconds (sitting + standing + walking + lying);
- sitting: more sitting seconds than upright (standing + walking) ones, and at least as many
  as lying ones;
- else upright (walking when it outweighs standing, standing otherwise) when upright seconds
  are at least the lying ones; else lying.

Runs of whole unworn minutes that the device logs as one IDLE record (table ``idle``) count as
not-worn minutes. A sitting bout is a run of sitting minutes, each starting 60 s after the one
before. A break is a bout followed directly by an upright minute (the sit-to-upright
transition of the activPAL studies, at the one-minute resolution of Healy et al. 2008). A bout
that ends in lying, in not-worn time or in a hole in the log ends without a break.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from typing import NamedTuple

from unsit_firmware.logic import bouts as rules
from unsit_firmware.logic import states

MINUTE_CLASS_SQL = (
    "CASE"
    f" WHEN sitting_s + standing_s + walking_s + lying_s < 30 THEN {states.NOT_WORN}"
    f" WHEN sitting_s > standing_s + walking_s AND sitting_s >= lying_s THEN {states.SITTING}"
    " WHEN standing_s + walking_s >= lying_s THEN"
    f"  (CASE WHEN walking_s > standing_s THEN {states.WALKING} ELSE {states.STANDING} END)"
    f" ELSE {states.LYING} END"
)

# How a bout ended.
BREAK = "break"          # an upright minute followed: a break in sitting
LYING = "lying"
NOT_WORN = "not_worn"
GAP = "gap"              # the log has a hole (device off, data not synced)
OPEN = "open"            # the data ends while sitting

_END_NAMES = {rules.END_BREAK: BREAK, rules.END_LYING: LYING, rules.END_NOT_WORN: NOT_WORN}
_END_OF_CLASS = {state: _END_NAMES[rules.minute_end(state)]
                 for state in (states.STANDING, states.WALKING, states.LYING, states.NOT_WORN)}


class Bout(NamedTuple):
    """One sitting bout: starts at ``start_utc``, lasts ``minutes`` whole logged minutes."""

    start_utc: int
    minutes: int
    ended_by: str

    @property
    def end_utc(self) -> int:
        return self.start_utc + 60 * self.minutes


# The sitting class of MINUTE_CLASS_SQL as a plain condition (cheaper than the CASE).
SITTING_SQL = (
    "sitting_s > standing_s + walking_s AND sitting_s >= lying_s"
    " AND sitting_s + standing_s + walking_s + lying_s >= 30"
)

_CHUNK = 500        # bout ends looked up per query (SQLite allows 999 parameters at least)


def find_bouts(conn: sqlite3.Connection, device_id: str, lo: int, hi: int) -> list[Bout]:
    """The sitting bouts of ``device_id`` among the minutes starting in ``[lo, hi)``, in order.

    A bout's end is judged by what follows it, even beyond ``hi``.
    """
    # Only the sitting minutes leave SQLite (about a third of a day's rows).
    sitting = conn.execute(
        f"SELECT t_utc FROM minutes WHERE device_id = ? AND t_utc >= ? AND t_utc < ?"
        f" AND {SITTING_SQL} ORDER BY t_utc",
        (device_id, lo, hi),
    )
    return bouts_of_sitting(conn, device_id, (t for (t,) in sitting), lo, hi)


def bouts_of_sitting(conn: sqlite3.Connection, device_id: str, sitting: Iterable[int],
                     lo: int, hi: int) -> list[Bout]:
    """The bouts formed by the start times of ``device_id``'s sitting minutes (ascending),
    read from ``[lo, hi)``; what follows each bout is looked up for the bouts' ends alone."""
    runs: list[tuple[int, int]] = []
    start = follows = -1
    count = 0
    for t in sitting:
        if t == follows:
            count += 1
        else:
            if start >= 0:
                runs.append((start, count))
            start, count = t, 1
        follows = t + 60
    if start >= 0:
        runs.append((start, count))
    if not runs:
        return []
    ends = [s + 60 * n for s, n in runs]
    after: dict[int, int] = {}
    idle: set[int] = set()
    for i in range(0, len(ends), _CHUNK):
        chunk = ends[i:i + _CHUNK]
        marks = ",".join("?" * len(chunk))
        after.update(conn.execute(
            f"SELECT t_utc, {MINUTE_CLASS_SQL} FROM minutes WHERE device_id = ?"
            f" AND t_utc IN ({marks})",
            (device_id, *chunk),
        ))
        idle.update(t for (t,) in conn.execute(
            f"SELECT t_utc FROM idle WHERE device_id = ? AND t_utc IN ({marks})",
            (device_id, *chunk),
        ))
    row = conn.execute(
        "SELECT MAX(t) FROM (SELECT MAX(t_utc) AS t FROM minutes WHERE device_id = ?1"
        " AND t_utc < ?2 UNION ALL SELECT MAX(t_utc) FROM idle WHERE device_id = ?1"
        " AND t_utc < ?2)",
        (device_id, hi),
    ).fetchone()
    last = row[0] if row[0] is not None else lo
    bouts = []
    for start, count in runs:
        end = start + 60 * count
        if end in after:
            ended = _END_OF_CLASS.get(after[end], GAP)
        elif end in idle:
            ended = NOT_WORN
        else:
            ended = OPEN if end > last else GAP
        bouts.append(Bout(start, count, ended))
    return bouts
