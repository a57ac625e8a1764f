"""Log records as the host sees them: the firmware's own decoder, plus placing them in time.

A record is decoded with ``unsit_firmware.logic.records`` (the code the device runs) into a
:class:`~unsit.store.StoredRecord`. Records written while the device's clock had never been
set carry ``boot << 24 | uptime_s``; a CLOCK_LINK event (stamped in UTC, giving the uptime of
the same moment) or a hello answered with the clock set gives a :class:`~unsit.store.ClockLink`
that places them. A boot that ended before it got one is placed (by estimate, from the next
boot's BOOT event) or reported as unplaceable by the store (docs/sync.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from unsit_firmware.logic import events, records

from unsit.store import ClockLink, StoredRecord

SIZE = records.SIZE


def decode(body: bytes) -> StoredRecord:
    """One 16-byte record; ``ValueError`` if it is short or corrupt."""
    seq, kind, t, uptime, values = records.unpack(body)
    boot = 0
    if uptime:
        boot, t = records.split_uptime(t)
    return StoredRecord(seq, kind, boot, t, not uptime, tuple(values), bytes(body[:SIZE]))


def decode_many(data: bytes) -> tuple[list[StoredRecord], int]:
    """The valid records in ``data`` (a multiple of 16 bytes) and how many were corrupt."""
    good: list[StoredRecord] = []
    bad = 0
    for offset in range(0, len(data) - SIZE + 1, SIZE):
        try:
            good.append(decode(data[offset:offset + SIZE]))
        except ValueError:
            bad += 1
    return good, bad


def clock_link(record: StoredRecord) -> ClockLink | None:
    """The link a CLOCK_LINK event gives (UTC of the record minus the uptime it carries)."""
    if record.kind != events.CLOCK_LINK or not record.clock_set:
        return None
    boot, uptime = records.split_clock_link(record.values[0], record.values[1])
    return ClockLink(boot=boot, link_seq=record.seq, offset_s=record.t_device - uptime,
                     source="clock_link")


def hello_link(info: Mapping[str, Any]) -> ClockLink | None:
    """The link a hello gives when the device's clock is set: it covers the current boot's
    records up to the device's ``next_seq``."""
    if info.get("clock") is None:
        return None
    return ClockLink(boot=info["boot"] & 0xFF, link_seq=info["next_seq"],
                     offset_s=int(info["clock"]) - int(info["uptime_s"]), source="hello")
