"""The clip's settings changes in the synced log: a SETTING_CHANGED event (the new value),
with the SETTING_WAS written just before it (the old value and the link), so the report can
mark the day and say ``sit_limit_min 60 min -> 45 min``. A clip of protocol 1 wrote no
SETTING_WAS: the old value is then unknown (None)."""

from __future__ import annotations

import sqlite3
from typing import NamedTuple

from unsit.clip_settings import describe
from unsit.log.records import signed16
from unsit_firmware.logic import events
from unsit_firmware.logic.settings import entry_by_id


class SettingChange(NamedTuple):
    t_utc: int
    label: str              # the setting as the wearer names it
    old: str | None         # None: not logged (older firmware)
    new: str
    via: str | None         # "USB", "Bluetooth" or None when not logged


_VIA = {events.CHANGED_USB: "USB", events.CHANGED_BLE: "Bluetooth"}


def setting_changes(conn: sqlite3.Connection, device: str, lo: int, hi: int
                    ) -> list[SettingChange]:
    """Changes logged in ``[lo, hi)`` UTC, oldest first."""
    rows = conn.execute(
        "SELECT seq, t_utc, kind, a, b FROM events WHERE device_id = ? AND kind IN (?, ?)"
        " AND t_utc >= ? AND t_utc < ? ORDER BY seq",
        (device, events.SETTING_WAS, events.SETTING_CHANGED, lo, hi)).fetchall()
    out = []
    was: dict[int, tuple[int, int, int]] = {}     # id -> (seq, old, how)
    for seq, t_utc, kind, a, b in rows:
        if kind == events.SETTING_WAS:
            was[a & 0xFF] = (seq, signed16(b), a >> 8)
            continue
        try:
            name = entry_by_id(a)[1]
        except KeyError:
            continue
        before = was.pop(a, None)
        label, new = describe(name, signed16(b))
        if before is not None and before[0] == seq - 1:
            out.append(SettingChange(t_utc, label, describe(name, before[1])[1], new,
                                     _VIA.get(before[2])))
        else:
            out.append(SettingChange(t_utc, label, None, new, None))
    return out
