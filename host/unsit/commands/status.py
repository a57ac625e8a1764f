"""``unsit status [NAME | --port PATH] [--json]``: what the clip thinks right now and how it is.

Battery (% and volts, charging or not), firmware and MicroPython version, board, the log's
use and the days left before records not yet synced start to be dropped (at the rate the clip
has been writing, or a typical day's), records not yet synced, the posture and the minutes
sat in this bout, snooze, the clock's offset from this computer, paired computers and the last
sync into the local store. ``--json`` keys: docs/settings.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from unsit.clip_status import last_sync, status_dict
from unsit.durations import local_minute
from unsit.links.client import require_version
from unsit.links.clip import add_clip_arguments, open_clip
from unsit.store import default_path

STATUS_FIGURES_SINCE = 2   # protocol version whose STATUS has them (docs/protocol.md)
NAME = "status"
HELP = "Show the clip's battery, firmware, log use, posture, snooze, clock and pairing."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_clip_arguments(parser)
    parser.add_argument("--db", metavar="PATH",
                        help=f"the store that tells the last sync (default: {default_path()})")
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def _ago(seconds: int) -> str:
    if abs(seconds) < 2:
        return "in step with this computer"
    return f"{abs(seconds)} s {'ahead of' if seconds > 0 else 'behind'} this computer"


def print_status(s: dict[str, Any]) -> None:
    print(f"{s['name']} (id {s['device_id']}) over {s['via']}")
    battery = "unknown"
    if s["battery_mv"] is not None:
        battery = f"{s['battery_percent']} % ({s['battery_mv'] / 1000:.2f} V)"
    print(f"  battery    {battery}{', charging' if s['charging'] else ''}")
    print(f"  firmware   {s['firmware']} (protocol {s['protocol']}), {s['runtime']}, "
          f"board {s['board']}")
    print(f"  log        {s['log_records']} records ({s['log_used_bytes'] / 1024:.1f} KiB), "
          f"{s['log_used_percent']} % of what it keeps; {s['unsynced']} not yet synced")
    print(f"             about {s['days_left']} days before unsynced records are dropped, at "
          f"{s['records_per_day']} records a day ({s['rate_from']})")
    state = s["state"] or "unknown"
    doing = f"{state}, {s['sitting_min']} min sat in this bout" if s["sitting_min"] else state
    print(f"  now        {doing}")
    notes = []
    if s["reminders"] == "off":
        notes.append("reminders are off")
    if s["quiet_hours_now"]:
        notes.append("quiet hours")
    if s["day_off_now"]:
        notes.append("not a reminder day")
    if s["snoozed_until_utc"] is not None:
        notes.append(f"snoozed until {local_minute(s['snoozed_until_utc'], 'never')}")
    print(f"  reminders  {'; '.join(notes) if notes else 'on'}")
    clock = "never set (run 'unsit sync')" if s["clock_utc"] is None else \
        _ago(s["clock_offset_s"])
    print(f"  clock      {clock}")
    paired = "no Bluetooth" if s["paired_hosts"] is None else \
        f"{s['paired_hosts']} computer(s) paired"
    print(f"  pairing    {paired}")
    print(f"  last sync  {local_minute(s['last_sync_utc'], 'never')} (into this computer's store)")


async def run_async(args: argparse.Namespace) -> int:
    db = Path(args.db) if args.db else default_path()
    async with open_clip(args.name, args.port) as clip:
        require_version(clip.info, "battery, log and pairing figures in STATUS",
                        STATUS_FIGURES_SINCE)
        raw = await clip.client.status()
    result = status_dict(clip.info, raw, clip.via, last_sync(db, clip.info.device_id))
    if args.json:
        json.dump(result, sys.stdout)
        sys.stdout.write("\n")
    else:
        print_status(result)
    return 0


def run(args: argparse.Namespace) -> int:
    return asyncio.run(run_async(args))
