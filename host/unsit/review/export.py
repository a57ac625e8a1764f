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
from unsit.review.source import DAY_S
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


# -- layouts of other tools (docs/metrics.md, "Export to other tools") ----------------------

ACTIVPAL_HZ = 20            # samples a second that DataCount counts, as an activPAL3's file
EXCEL_EPOCH = datetime(1899, 12, 30)    # day 0 of the spreadsheet serial dates activPAL writes
SEDENTARY, STANDING, STEPPING = 0, 1, 2
ACTIVPAL_CODES = {states.SITTING: SEDENTARY, states.LYING: SEDENTARY,
                  states.STANDING: STANDING, states.WALKING: STEPPING}
_ACTIVPAL_BY_NAME = {states.NAMES[state]: code for state, code in ACTIVPAL_CODES.items()}
ACTIVPAL_CLASSES = {SEDENTARY: "sedentary", STANDING: "standing", STEPPING: "stepping"}
# METs behind the Activity Score column: sitting and standing still as measured by Mansoubi
# et al. 2015 (1.33 watching TV, 1.59 standing still), walking at a moderate pace from the
# 2011 Compendium of Physical Activities (3.5). A rough figure for pipelines that want it.
ACTIVPAL_METS = {SEDENTARY: 1.33, STANDING: 1.59, STEPPING: 3.5}

ACTIVPAL_FIELDS = (
    "Time", "DataCount (samples)", "Interval (s)",
    "ActivityCode (0=sedentary 1=standing 2=stepping)", "CumulativeStepCount",
    "Activity Score (MET.h)",
    # Beyond activPAL's six columns (its readers take the first six):
    "device", "start_utc", "start_local", "class", "steps", "lying_s",
)

# Gadgetbridge's activity-sample CSV, and the generic ActivityKind values it uses.
GADGETBRIDGE_FIELDS = ("TIMESTAMP", "DEVICE_ID", "USER_ID", "RAW_INTENSITY", "STEPS",
                       "RAW_KIND", "HEART_RATE")
GB_UNKNOWN, GB_ACTIVITY, GB_NOT_WORN, GB_WALKING = 0, 1, 8, 32
GB_NOT_MEASURED = -1
GB_KINDS = {"not_worn": GB_NOT_WORN, "sitting": GB_ACTIVITY, "standing": GB_ACTIVITY,
            "walking": GB_WALKING, "lying": GB_UNKNOWN}

LAYOUTS: dict[str, tuple[str, ...]] = {
    "activpal": ACTIVPAL_FIELDS, "gadgetbridge": GADGETBRIDGE_FIELDS}


def excel_serial(t: int, zone: tzinfo) -> str:
    """The local wall time of UTC second ``t`` as a spreadsheet serial date (days since
    1899-12-30, the local clock's time of day as the fraction), as activPAL files hold it."""
    local = datetime.fromtimestamp(t, zone).replace(tzinfo=None)
    return f"{(local - EXCEL_EPOCH).total_seconds() / DAY_S:.10f}"


def activpal_events(conn: sqlite3.Connection, device: str, zone: tzinfo,
                    span: tuple[int, int] | None = None) -> Iterator[dict[str, Any]]:
    """One row per posture event of ``device``, as an activPAL events file has them: a run of
    minutes of one class (sitting and lying are both sedentary, as on a thigh-worn activPAL),
    contiguous in the log. Unworn minutes and holes in the log end an event and get no row."""
    lo, hi = span or _EVERYTHING
    origin: int | None = None
    cumulative = 0
    event: list[int] = []           # start, seconds, code, steps, lying seconds

    def row() -> dict[str, Any]:
        nonlocal cumulative
        start, seconds, code, steps, lying = event
        cumulative += steps
        assert origin is not None
        return {
            "Time": excel_serial(start, zone),
            "DataCount (samples)": (start - origin) * ACTIVPAL_HZ,
            "Interval (s)": seconds,
            "ActivityCode (0=sedentary 1=standing 2=stepping)": code,
            # activPAL counts strides (its readers double the figure): half the steps.
            "CumulativeStepCount": cumulative // 2,
            "Activity Score (MET.h)": round(ACTIVPAL_METS[code] * seconds / 3600, 6),
            "device": device, "start_utc": start, "start_local": _local(start, zone),
            "class": ACTIVPAL_CLASSES[code], "steps": steps, "lying_s": lying,
        }

    for minute in _minutes(conn, device, zone, lo, hi):
        t = minute["t_utc"]
        code = _ACTIVPAL_BY_NAME.get(minute["state"])
        if event and (code != event[2] or t != event[0] + event[1]):
            yield row()
            event = []
        if code is None:
            continue
        if origin is None:
            origin = t
        if not event:
            event = [t, 0, code, 0, 0]
        event[1] += 60
        event[3] += minute["steps"]
        event[4] += minute["lying_s"]
    if event:
        yield row()


def gadgetbridge_minutes(conn: sqlite3.Connection, devices: list[str], zone: tzinfo,
                         span: tuple[int, int] | None = None) -> Iterator[dict[str, Any]]:
    """One row per logged minute in Gadgetbridge's activity-sample columns (unworn idle runs
    expanded, as in the minutes export)."""
    lo, hi = span or _EVERYTHING
    for device in devices:
        for minute in _minutes(conn, device, zone, lo, hi):
            yield {
                "TIMESTAMP": minute["t_utc"], "DEVICE_ID": device, "USER_ID": 1,
                "RAW_INTENSITY": round(255 * min(minute["walking_s"], 60) / 60),
                "STEPS": minute["steps"], "RAW_KIND": GB_KINDS[minute["state"]],
                "HEART_RATE": GB_NOT_MEASURED,
            }
