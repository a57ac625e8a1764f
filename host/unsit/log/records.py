"""Log records as the host sees them: the firmware's own decoder, and the clock links.

A record is decoded with ``unsit_firmware.logic.records`` (the code the device runs) into a
:class:`StoredRecord`. Records written while the device's clock had never been set carry
``boot << 24 | uptime_s``; a CLOCK_LINK event (stamped in UTC, giving the uptime of the same
moment) or a hello answered with the clock set gives a :class:`ClockLink` that places them
(:mod:`unsit.log.placement`; docs/sync.md).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from unsit_firmware.logic import events, records

SIZE = records.SIZE

# Record kinds, as in the log format (firmware/logic/records.py): a minute, a run of unworn
# minutes, or else an event kind from firmware/logic/events.py.
MINUTE = records.MINUTE
IDLE = records.IDLE
BOOT = events.BOOT


@dataclass(frozen=True)
class StoredRecord:
    """One log record, decoded far enough to be placed in time.

    ``kind`` is :data:`MINUTE`, :data:`IDLE` or an event kind. ``t_device`` is UTC seconds
    when ``clock_set``, else seconds of uptime in boot number ``boot`` (its low 8 bits, as the
    log keeps them). ``values`` are the decoded fields: for a minute the five state seconds
    then steps, for an idle run its minutes, for an event ``(a, b)``. ``body`` is the record's
    bytes as read from the device (empty for a record read back from the store, which keeps
    the decoded record only).
    """

    seq: int
    kind: int
    boot: int
    t_device: int
    clock_set: bool
    values: tuple[int, ...]
    body: bytes = b""


@dataclass(frozen=True)
class ClockLink:
    """In boot ``boot`` (low 8 bits) UTC = uptime + ``offset_s``, learnt at record ``link_seq``
    (it places that boot's uptime-stamped records with lower sequence numbers)."""

    boot: int
    link_seq: int
    offset_s: int
    source: str


def covered_s(kind: int, values: Sequence[int]) -> int:
    """How long after its time stamp the thing a record covers ends: a minute's 60 s, an
    unworn run's minutes, nothing for an event."""
    if kind == MINUTE:
        return 60
    if kind == IDLE:
        return 60 * values[0]
    return 0


def signed16(value: int) -> int:
    """An event's 16-bit field read as two's complement (a setting's value may be negative)."""
    return value - 0x10000 if value & 0x8000 else value


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
