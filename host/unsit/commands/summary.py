"""``unsit summary``: one row per day in the wearer's local time, from the synced store.

Wear, time in each posture, steps, breaks in sitting, sitting bouts and what the reminders
achieved (heeded, snoozed); days with little wear (``*``) and days holding minutes whose time
is an estimate (``~``) are marked, not hidden. Definitions: docs/metrics.md.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any, TextIO

from unsit.review.metrics import FIELDS, LOW_WEAR_MIN, DayMetrics, summarise
from unsit.review.options import Selection, add_day_options, add_store_options
from unsit.review.periods import PERIOD_FIELDS, PERIODS, average_row, period_rows
from unsit.review.tables import write_csv, write_json, write_text

NAME = "summary"
HELP = "Daily sitting summary: wear, postures, breaks, bouts and reminders per local day."

DEFAULT_DAYS = 7

# (field, heading): every column with --wide; the default fits a 100-column terminal.
_WIDE = (
    ("date", "date"), ("weekday", "day"), ("wear_h", "wear h"), ("sitting_h", "sit h"),
    ("standing_h", "stand h"), ("walking_h", "walk h"), ("lying_h", "lie h"),
    ("steps", "steps"), ("breaks", "breaks"), ("breaks_per_sitting_hour", "br/sit h"),
    ("mean_bout_min", "mean bout"), ("longest_bout_min", "longest"),
    ("long_30", ">=30 n/min"), ("long_60", ">=60 n/min"), ("reminders", "remind"),
    ("snoozed", "snooze"), ("heeded_pct", "heeded %"), ("median_min_to_get_up", "get up min"),
)
_NARROW = (
    ("date", "date"), ("weekday", "day"), ("wear_h", "wear h"), ("sitting_h", "sit h"),
    ("upright_h", "up h"), ("steps", "steps"), ("breaks", "breaks"),
    ("longest_bout_min", "longest"), ("bouts_60", ">=60"), ("reminders", "remind"),
    ("snoozed", "snooze"), ("heeded_pct", "heeded %"),
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_day_options(parser, DEFAULT_DAYS)
    parser.add_argument("--by", choices=PERIODS, default="day",
                        help="one row per day (default), week or month: the mean day of its"
                             " days with 10 h of wear")
    shape = parser.add_mutually_exclusive_group()
    shape.add_argument("--wide", action="store_true",
                       help="every column in the table (wider than 100 characters)")
    shape.add_argument("--json", action="store_true", help="print JSON (every metric)")
    shape.add_argument("--csv", action="store_true", help="print CSV (every metric)")
    add_store_options(parser)


def run(args: argparse.Namespace) -> int:
    chosen = Selection(args, default_days=DEFAULT_DAYS)
    try:
        assert chosen.first is not None and chosen.last is not None
        days = summarise(chosen.conn, chosen.devices, chosen.first, chosen.last, chosen.zone)
    finally:
        chosen.close()
    if args.by != "day" and (args.json or args.csv):
        fields = PERIOD_FIELDS + tuple(f for f in FIELDS if f not in PERIOD_FIELDS)
        rows = [{f: row[f] for f in fields} for row in period_rows(days, args.by)]
        if args.json:
            write_json(sys.stdout, rows)
        else:
            write_csv(sys.stdout, fields, rows)
    elif args.json:
        write_json(sys.stdout, (day.as_row() for day in days))
    elif args.csv:
        write_csv(sys.stdout, FIELDS, (day.as_row() for day in days))
    else:
        print_table(sys.stdout, days, _WIDE if args.wide else _NARROW, args.by)
    return 0


def print_table(out: TextIO, days: list[DayMetrics],
                columns: Sequence[tuple[str, str]], period: str = "day") -> None:
    """One table per device: a row per day (or week, or month: the mean day of its valid
    days), then the mean of all days and of the valid days (at least 10 h of wear), then
    footnotes for the marks used."""
    devices = list(dict.fromkeys(day.device for day in days))
    if period != "day":
        columns = [("date", period), ("days", "days"),
                   *(c for c in columns if c[0] not in ("date", "weekday"))]
    by_period = period_rows(days, period) if period != "day" else []
    rows: list[dict[str, Any]] = []
    for n, device in enumerate(devices):
        if len(devices) > 1:
            out.write(("\n" if n else "") + f"device {device}\n")
        own = [day for day in days if day.device == device]
        if period == "day":
            shown = [_shown(day.as_row(), day.day.strftime("%a")) for day in own]
        else:
            shown = [{**_shown(row, "", row["label"] + (" *" if row["low_wear"] else "")),
                      "days": f"{row['valid_days']}/{row['days']}"}
                     for row in by_period if row["device"] == device]
        rows.extend(shown)
        valid = [day for day in own if not day.low_wear]
        if len(own) > 1:
            shown.append({**_shown(average_row(own), "", f"mean {len(own)} days"), "days": ""})
            if valid and len(valid) < len(own):
                shown.append({**_shown(average_row(valid), "", f"mean {len(valid)} valid"),
                              "days": ""})
        write_text(out, columns, shown)
    fields = {field for field, _ in columns}
    if len(days) > len(devices) and any(day.low_wear for day in days):
        out.write(f"valid: days with at least {LOW_WEAR_MIN // 60} h of wear\n")
    if period != "day":
        out.write(f"each {period}: the mean day of its valid days; days: valid/all\n")
    if any(row["low_wear"] for row in rows):
        what = "the day's figures are incomplete" if period == "day" else (
            f"no valid day in the {period}: the mean of all its days")
        out.write(f"* less than {LOW_WEAR_MIN // 60} h of wear: {what}\n")
    if period == "day" and any(row["estimated_min"] for row in rows):
        out.write("~ some minutes' times are estimates (a boot that ended before its clock was"
                  " set, docs/sync.md): they may lie up to about 10 min late\n")
    if "upright_h" in fields:
        out.write("up h: standing and walking; >=60: sitting bouts of an hour or more;"
                  " --wide: every column\n")


def _shown(row: dict[str, Any], weekday: str, label: str = "") -> dict[str, Any]:
    """A row as the table shows it: hours to one decimal, bouts as number/minutes."""
    return {
        **row,
        "date": label or _marked(row),
        "weekday": weekday,
        "wear_h": round(row["wear_min"] / 60, 1),
        "sitting_h": round(row["sitting_min"] / 60, 1),
        "standing_h": round(row["standing_min"] / 60, 1),
        "walking_h": round(row["walking_min"] / 60, 1),
        "upright_h": round((row["standing_min"] + row["walking_min"]) / 60, 1),
        "lying_h": round(row["lying_min"] / 60, 1),
        "long_30": f"{row['bouts_30']:g}/{row['bouts_30_min']:g}",
        "long_60": f"{row['bouts_60']:g}/{row['bouts_60_min']:g}",
    }


def _marked(row: dict[str, Any]) -> str:
    """The date with ``*`` for little wear and ``~`` for estimated times, e.g. ``2026-03-02 *~``."""
    marks = ("*" if row["low_wear"] else "") + ("~" if row["estimated_min"] else "")
    return f"{row['date']} {marks}" if marks else str(row["date"])
