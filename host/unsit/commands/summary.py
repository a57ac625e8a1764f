"""``unsit summary``: one row per day in the wearer's local time, from the synced store.

Wear, time in each posture, steps, breaks in sitting, sitting bouts and what the reminders
achieved (heeded, snoozed); days with little wear (``*``) and days holding minutes whose time
is an estimate (``~``) are marked, not hidden. Definitions: docs/metrics.md.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from unsit.review.metrics import FIELDS, LOW_WEAR_MIN, summarise
from unsit.review.options import Selection, add_day_options, add_store_options
from unsit.review.tables import write_csv, write_json, write_text

NAME = "summary"
HELP = "Daily sitting summary: wear, postures, breaks, bouts and reminders per local day."

DEFAULT_DAYS = 7

_COLUMNS = (
    ("date", "day"), ("wear_h", "wear h"), ("sitting_h", "sit h"), ("standing_h", "stand h"),
    ("walking_h", "walk h"), ("lying_h", "lie h"),
    ("steps", "steps"), ("breaks", "breaks"), ("breaks_per_sitting_hour", "br/sit h"),
    ("mean_bout_min", "mean bout"), ("longest_bout_min", "longest"),
    ("long_30", ">=30 n/min"), ("long_60", ">=60 n/min"), ("reminders", "remind"),
    ("snoozed", "snooze"), ("heeded_pct", "heeded %"), ("median_min_to_get_up", "get up min"),
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_day_options(parser, DEFAULT_DAYS)
    shape = parser.add_mutually_exclusive_group()
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
    rows = [day.as_row() for day in days]
    if args.json:
        write_json(sys.stdout, rows)
    elif args.csv:
        write_csv(sys.stdout, FIELDS, rows)
    else:
        _print_table(rows)
    return 0


def _print_table(rows: list[dict[str, Any]]) -> None:
    devices = list(dict.fromkeys(row["device"] for row in rows))
    for n, device in enumerate(devices):
        if len(devices) > 1:
            print(("\n" if n else "") + f"device {device}")
        shown = []
        for row in (r for r in rows if r["device"] == device):
            shown.append({
                **row,
                "date": _marked(row),
                "wear_h": round(row["wear_min"] / 60, 1),
                "sitting_h": round(row["sitting_min"] / 60, 1),
                "standing_h": round(row["standing_min"] / 60, 1),
                "walking_h": round(row["walking_min"] / 60, 1),
                "lying_h": round(row["lying_min"] / 60, 1),
                "long_30": f"{row['bouts_30']}/{row['bouts_30_min']:g}",
                "long_60": f"{row['bouts_60']}/{row['bouts_60_min']:g}",
            })
        write_text(sys.stdout, _COLUMNS, shown)
    if any(row["low_wear"] for row in rows):
        print(f"* less than {LOW_WEAR_MIN // 60} h of wear: the day's figures are incomplete")
    if any(row["estimated_min"] for row in rows):
        print("~ some minutes' times are estimates (a boot that ended before its clock was"
              " set, docs/sync.md): they may lie up to about 10 min late")


def _marked(row: dict[str, Any]) -> str:
    """The date with ``*`` for little wear and ``~`` for estimated times, e.g. ``2026-03-02 *~``."""
    marks = ("*" if row["low_wear"] else "") + ("~" if row["estimated_min"] else "")
    return f"{row['date']} {marks}" if marks else row["date"]
