"""What ``unsit status`` shows: the clip's HELLO and STATUS answers and the local store's last
sync, as one dict whose keys are stable (documented in docs/settings.md, "unsit status")."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

from unsit.links.client import DeviceInfo
from unsit_firmware.logic import protocol
from unsit_firmware.logic.records import SIZE
from unsit_firmware.logic.states import NAMES

# A typical day's records (docs/protocol.md, "Storage budget": benchmarks/bench_log.py), the
# rate assumed until the clip has run for RATE_AFTER_S since it started serving.
TYPICAL_RECORDS_PER_DAY = 1075
RATE_AFTER_S = 3600
# A single LiPo cell: full at 4.2 V, little left below 3.5 V (hardware.md, "Battery");
# the percentage is a straight line between them, a rough guide only.
EMPTY_MV = 3500
FULL_MV = 4200


def battery_percent(mv: int | None) -> int | None:
    if mv is None:
        return None
    return max(0, min(100, round(100 * (mv - EMPTY_MV) / (FULL_MV - EMPTY_MV))))


def last_sync(db: Path | None, device_id: str) -> int | None:
    """When the store at ``db`` last synced this clip (UTC seconds), None if never or no store."""
    if db is None or not db.exists():
        return None
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
            row = conn.execute("SELECT last_sync_utc FROM devices WHERE device_id = ?",
                               (device_id,)).fetchone()
    except sqlite3.Error:
        return None
    return None if row is None or row[0] is None else int(row[0])


def status_dict(info: DeviceInfo, status: dict[str, Any], via: str, last_sync_utc: int | None,
                now: float | None = None) -> dict[str, Any]:
    """The JSON of ``unsit status`` from a version 2 clip's answers."""
    now_s = int(time.time() if now is None else now)
    flags = status["flags"]
    battery_mv = status["battery_mv"] if status["battery_mv"] is not None else info.battery_mv
    over_s, appended = status["over_s"], status["appended"]
    if over_s >= RATE_AFTER_S and appended:
        per_day = appended * 86400 / over_s
        rate_from = "measured"
    else:
        per_day = float(TYPICAL_RECORDS_PER_DAY)
        rate_from = "typical day"
    room = max(0, status["log_capacity"] - status["unsynced"])
    left = status["snooze_min_left"]
    clock = info.clock
    return {
        "device_id": info.device_id, "name": info.name, "via": via,
        "firmware": info.firmware, "protocol": info.protocol, "runtime": status["runtime"],
        "board": status["board"],
        "battery_mv": battery_mv, "battery_percent": battery_percent(battery_mv),
        "charging": bool(flags & protocol.STATUS_CHARGING),
        "state": NAMES[status["state"]] if status["state"] < len(NAMES) else None,
        "sitting_min": status["minutes_sat"],
        "reminders": "off" if flags & protocol.STATUS_REMINDERS_OFF else "on",
        "quiet_hours_now": bool(flags & protocol.STATUS_QUIET),
        "day_off_now": bool(flags & protocol.STATUS_DAY_OFF),
        "snooze_min_left": left,
        "snoozed_until_utc": now_s + 60 * left if left else None,
        "log_records": status["log_records"], "log_capacity": status["log_capacity"],
        "log_used_bytes": status["log_records"] * SIZE,
        "log_free_bytes": max(0, status["log_capacity"] - status["log_records"]) * SIZE,
        "log_used_percent": round(100 * status["log_records"] / status["log_capacity"], 1)
        if status["log_capacity"] else None,
        "unsynced": status["unsynced"],
        "records_per_day": round(per_day), "rate_from": rate_from,
        "days_left": round(room / per_day, 1) if per_day else None,
        "clock_utc": clock,
        "clock_offset_s": None if clock is None else clock - now_s,
        "utc_offset_min": info.utc_offset_min,
        "uptime_s": info.uptime_s, "boot": info.boot,
        "paired_hosts": status["paired"],
        "last_sync_utc": last_sync_utc,
    }
