"""Rows for analysis elsewhere: the stored minutes, the sitting bouts, or the events.

Each row carries the device, UTC seconds and the local time in the chosen zone (ISO 8601
with its offset, so DST days stay unambiguous); minutes and events also say whether their time
is an estimate (``estimated`` 1: a row of ``estimated_times``, docs/sync.md). Rows are those
starting in the chosen span.
They are produced one at a time from an SQL cursor: a year of minutes never sits in memory
as a list.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import datetime, tzinfo
from typing import Any

from unsit.review.bouts import MINUTE_CLASS_SQL, find_bouts
from unsit_firmware.logic import events, states

WHAT = ("minutes", "bouts", "events")

FIELDS: dict[str, tuple[str, ...]] = {
    "minutes": ("device", "seq", "t_utc", "local_time", "not_worn_s", "sitting_s",
                "standing_s", "walking_s", "lying_s", "steps", "state", "estimated"),
    "bouts": ("device", "start_utc", "start_local", "end_local", "minutes", "ended_by"),
    "events": ("device", "seq", "t_utc", "local_time", "kind", "kind_code", "a", "b",
               "estimated"),
}

_EVERYTHING = (0, 2**62)

# 1 when the row's (device_id, seq) is in estimated_times. SQLite evaluates the list once per
# query (an ephemeral index), not per row; it is short (only boots placed by estimate).
_ESTIMATED_SQL = "(seq IN (SELECT seq FROM estimated_times WHERE device_id = ?))"


def export_rows(conn: sqlite3.Connection, what: str, devices: list[str], zone: tzinfo,
                span: tuple[int, int] | None = None) -> Iterator[dict[str, Any]]:
    """Rows of ``what`` (one of :data:`WHAT`) for ``devices`` starting in ``span`` (UTC
    seconds, half open; everything when None), in device then time order."""
    lo, hi = span or _EVERYTHING
    for device in devices:
        if what == "minutes":
            yield from _minutes(conn, device, zone, lo, hi)
        elif what == "bouts":
            yield from _bouts(conn, device, zone, lo, hi)
        elif what == "events":
            yield from _events(conn, device, zone, lo, hi)
        else:
            raise ValueError(f"unknown export {what!r}")


def _local(t: int, zone: tzinfo) -> str:
    return datetime.fromtimestamp(t, zone).isoformat()


def _minutes(conn: sqlite3.Connection, device: str, zone: tzinfo, lo: int, hi: int
             ) -> Iterator[dict[str, Any]]:
    # Idle runs (whole unworn minutes logged as one record) are expanded to one row a minute,
    # each with the run's sequence number, so the series has no holes the device did not have.
    cursor = conn.execute(
        "SELECT seq, t_utc, not_worn_s, sitting_s, standing_s, walking_s, lying_s, steps,"
        f" {MINUTE_CLASS_SQL}, 1, {_ESTIMATED_SQL} FROM minutes"
        " WHERE device_id = ? AND t_utc >= ? AND t_utc < ?"
        f" UNION ALL SELECT seq, t_utc, 60, 0, 0, 0, 0, 0, {states.NOT_WORN}, minutes,"
        f" {_ESTIMATED_SQL} FROM idle WHERE device_id = ? AND t_utc >= ? AND t_utc < ?"
        " ORDER BY 2, 1",
        (device, device, lo, hi, device, device, lo, hi),
    )
    names = states.NAMES
    for seq, t, nw, sit, stand, walk, lie, steps, cls, n, estimated in cursor:
        for i in range(n):
            at = t + 60 * i
            if at >= hi:
                break
            yield {"device": device, "seq": seq, "t_utc": at, "local_time": _local(at, zone),
                   "not_worn_s": nw, "sitting_s": sit, "standing_s": stand, "walking_s": walk,
                   "lying_s": lie, "steps": steps, "state": names[cls], "estimated": estimated}


def _bouts(conn: sqlite3.Connection, device: str, zone: tzinfo, lo: int, hi: int
           ) -> Iterator[dict[str, Any]]:
    for bout in find_bouts(conn, device, lo, hi):
        yield {"device": device, "start_utc": bout.start_utc,
               "start_local": _local(bout.start_utc, zone), "end_local": _local(bout.end_utc, zone),
               "minutes": bout.minutes, "ended_by": bout.ended_by}


def _events(conn: sqlite3.Connection, device: str, zone: tzinfo, lo: int, hi: int
            ) -> Iterator[dict[str, Any]]:
    cursor = conn.execute(
        f"SELECT seq, t_utc, kind, a, b, {_ESTIMATED_SQL} FROM events WHERE device_id = ?"
        " AND t_utc >= ? AND t_utc < ? ORDER BY seq",
        (device, device, lo, hi),
    )
    for seq, t, kind, a, b, estimated in cursor:
        yield {"device": device, "seq": seq, "t_utc": t, "local_time": _local(t, zone),
               "kind": events.NAMES.get(kind, f"kind_{kind}"), "kind_code": kind, "a": a, "b": b,
               "estimated": estimated}
