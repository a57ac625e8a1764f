"""One sync: handshake, set the clock, fetch what is new since the stored cursor, store it,
acknowledge it.

The order makes a sync safe to interrupt anywhere: each batch of records is committed to the
store together with the cursor that follows it *before* the device is told (ACK) that it may
free them, so a host killed mid-sync loses nothing and the next sync resumes at the cursor;
records read twice are ignored by the store's ``(device, seq)`` key, so nothing counts twice.

:func:`sync_device` works over any :class:`~unsit.links.transport.Transport` (USB serial now, BLE
later); :func:`sync_serial` opens a serial port (found on USB when not given) and syncs.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from unsit_firmware.logic import events, protocol
from unsit_firmware.logic import records as records_format

from unsit.links.client import DeviceClient, DeviceInfo, ReadResult
from unsit.errors import UnsitError
from unsit.log.records import (
    IDLE, MINUTE, ClockLink, StoredRecord, clock_link, covered_s, decode_many, hello_link, signed16)
from unsit.links.ports import resolve_port
from unsit.store import Store, default_path, open_store
from unsit.links.transport import LinkLost, SerialTransport, Transport, TransportError

#: ``progress(done, total)``: records fetched so far and the number expected.
Progress = Callable[[int, int], None]

ACK_EVERY = 64   # batches between acknowledgements (and one at the end)
RECONNECT_S = 10.0       # how long a lost serial link is waited for
RECONNECT_PAUSE_S = 0.5


@dataclass
class SyncReport:
    """What a sync brought and what it found."""

    device: DeviceInfo
    from_seq: int = 0
    to_seq: int = 0                 # the cursor after the sync
    fetched: int = 0                # records received (including ones already stored)
    new: int = 0                    # records not stored before
    minutes: int = 0                # new minute records among them
    events: int = 0                 # new event records among them
    idle_minutes: int = 0           # unworn minutes, in runs, among them
    missing: int = 0                # records the device no longer had when asked for
    corrupt: int = 0                # records that failed their CRC (never stored)
    dropped_new: int = 0            # records the device reports dropping since the last sync
    unplaced: int = 0               # stored records a later link may still place in time
    unplaceable: int = 0            # stored records that can never be placed in time
    # unplaceable records by reason; unsit.log.placement.UNPLACEABLE_WHY[reason] says it in words
    unplaceable_why: dict[str, int] = field(default_factory=dict)
    estimated: int = 0              # records that arrived with an estimated time (docs/sync.md)
    first_utc: int | None = None    # start of the first minute that arrived (placed ones)
    last_utc: int | None = None     # end of the last one
    clock_before: int | None = None  # the device's clock before it was set (None: never set)
    clock_set_to: int = 0
    acked: int = 0
    seconds: float = 0.0
    bytes_in: int = 0
    retries: int = 0
    notes: list[str] = field(default_factory=list)
    clock_events: int = 0           # new TIME_SET/CLOCK_LINK events: every sync's own trace
    previous_sync_utc: int | None = None  # when this store last synced the device
    # faults the clip logged among the new records (``fault_episodes``)
    faults: list[FaultEpisode] = field(default_factory=list)

    new_log: bool = False           # the clip serves a log this store had not seen of it
    # Pairing keys stored or removed on the clip since the last sync, from its log: (what,
    # host id hex or "" for every key, how or keys left); what is "paired" or "forgotten".
    key_changes: list[tuple[str, str, int]] = field(default_factory=list)
    # Settings changed on the clip since the last sync, from its log: (setting id, value).
    setting_changes: list[tuple[int, int]] = field(default_factory=list)


@dataclass
class FaultEpisode:
    """A fault the clip could not mend itself: ``kind`` is ``events.SENSOR_FAULT`` (``cause``
    one of ``events.SENSOR_*``) or ``events.STORAGE_FULL``; ``minutes`` is how long it lasted
    (None: not over by the last record synced)."""

    kind: int
    cause: int
    start_utc: int | None
    minutes: int | None


def fault_episodes(rows: list[tuple[int | None, int, int, int]]) -> list[FaultEpisode]:
    """Episodes from event rows ``(t_utc, kind, a, b)`` in log order."""
    out: list[FaultEpisode] = []
    open_sensor: FaultEpisode | None = None
    for t_utc, kind, a, b in rows:
        if kind == events.SENSOR_FAULT:
            open_sensor = FaultEpisode(kind, a, t_utc, None)
            out.append(open_sensor)
        elif kind == events.SENSOR_OK and open_sensor is not None and open_sensor.cause == a:
            open_sensor.minutes = b
            open_sensor = None
        elif kind == events.STORAGE_FULL:
            out.append(FaultEpisode(kind, 0, t_utc, None))
    return out


def local_utc_offset_min(now: float | None = None) -> int:
    """This computer's offset from UTC in minutes at ``now``."""
    stamp = time.time() if now is None else now
    offset = time.localtime(stamp).tm_gmtoff
    return int(offset // 60)


async def sync_device(
    transport: Transport,
    store: Store,
    clock: Callable[[], float] = time.time,
    utc_offset_min: int | None = None,
    progress: Progress | None = None,
    batch: int = protocol.MAX_READ,
    handshake_s: float = 5.0,
    timeout: float = 1.0,
    retries: int = 3,
    earlier: SyncReport | None = None,
) -> SyncReport:
    """Sync the device on ``transport`` into ``store``; return what happened.

    ``earlier``: the report of a sync of the same device that this one continues after its
    link was lost (its figures are added in). When the link fails mid-transfer, the
    :class:`~unsit.links.transport.TransportError` raised carries the report so far as
    ``partial``.
    """
    started = time.monotonic()
    client = DeviceClient(transport, timeout=timeout, retries=retries)
    info = await client.handshake(within_s=handshake_s)
    check_info(info)
    device = info.device_id
    store.upsert_device(device, name=info.name, firmware=info.firmware, protocol=info.protocol)

    now = int(clock())
    offset = local_utc_offset_min(now) if utc_offset_min is None else utc_offset_min
    if not protocol.time_acceptable(now, offset):
        raise UnsitError(f"this computer's clock ({now} s, UTC offset {offset} min) is not a "
                         "plausible time: set it right, then sync")
    clock_before = await client.set_time(now, offset)
    info = await client.hello()  # the clock is set now: it links this boot's uptime to UTC
    check_info(info)
    if info.device_id != device:
        raise UnsitError("another device answered during the sync: sync again")
    report = SyncReport(device=info, clock_before=clock_before, clock_set_to=now)

    base, new_log = _log_base(store, info)
    if new_log:
        report.new_log = True
        report.notes.append(
            f"a new log was found on the clip (log {info.log_id}): it was erased, reinstalled "
            "or replaced; the records of the old log stay in the store and the new one is "
            "stored beside them")
    known_dropped, report.previous_sync_utc = store.synced(device)
    if new_log:
        known_dropped = 0
    report.dropped_new = max(0, info.dropped - known_dropped)

    cursor = store.cursor(device) - base
    if cursor > info.next_seq or cursor < 0:
        raise UnsitError(
            f"device {device} has records only up to {info.next_seq - 1} of log "
            f"{info.log_id} but this store already holds up to {cursor - 1} of it: the clip "
            "rewrote a log it said was the same; refused (nothing was stored)")
    report.from_seq = cursor + base
    if earlier is not None and earlier.device.device_id == device:
        report.from_seq = min(cursor + base, earlier.from_seq)
        report.clock_before = earlier.clock_before
        report.previous_sync_utc = earlier.previous_sync_utc
        report.new_log = report.new_log or earlier.new_log
        for name in ("fetched", "new", "missing", "corrupt", "retries", "bytes_in"):
            setattr(report, name, getattr(earlier, name))
        report.notes = [*earlier.notes, "the link was lost and the sync resumed"]
        started -= earlier.seconds
    try:
        await _fetch(client, store, report, info, cursor, base, batch, progress)
    except TransportError as error:
        _finish(store, report, client, transport, started)
        error.partial = report  # type: ignore[attr-defined]
        raise
    _finish(store, report, client, transport, started)
    return report


#: More records than any clip's flash holds (1 MiB keeps 65,536): a HELLO claiming a longer
#: log is not believed.
MAX_LOG_RECORDS = 1 << 24


def check_info(info: DeviceInfo) -> None:
    """Refuse a device that cannot be synced safely: an old protocol without log identities,
    or a log range that cannot be true."""
    if info.protocol < 2 or info.log_id is None:
        raise UnsitError(
            f"the clip {info.device_id} runs firmware {info.firmware} (protocol "
            f"{info.protocol}), too old to be synced safely: update the firmware "
            "(unsit device install) and sync again")
    if info.max_read < 1 or info.next_seq < info.first_seq \
            or info.next_seq - info.first_seq > MAX_LOG_RECORDS or info.first_seq < 0:
        raise UnsitError(
            f"the clip {info.device_id} describes an impossible log (records "
            f"{info.first_seq} to {info.next_seq}): it may be faulty; nothing was stored")


def _log_base(store: Store, info: DeviceInfo) -> tuple[int, bool]:
    """The store's base for the device's current log, and whether the log is new to a device
    the store knew."""
    device, log_id = info.device_id, str(info.log_id)
    base = store.log_base(device, log_id)
    latest = store.latest_log(device)
    if base is not None:
        if latest != log_id:
            raise UnsitError(
                f"the clip {device} serves its log {log_id}, which this store synced before "
                f"a newer one ({latest}): a clip never goes back to an old log; refused")
        return base, False
    cursor = store.cursor(device)
    # A store synced by an older unsit holds the log without its identity: the first log
    # seen takes it over when it can be the same one.
    adopt = latest is None and cursor <= info.next_seq
    return store.add_log(device, log_id, adopt), latest is not None or not adopt


async def _fetch(client: DeviceClient, store: Store, report: SyncReport, info: DeviceInfo,
                 cursor: int, base: int, batch: int, progress: Progress | None) -> None:
    """Read from ``cursor`` to the end of the device's log as HELLO gave it, storing and
    acknowledging.

    Every answer is checked against what was asked and what HELLO said: records outside the
    answer's ``[start, next)`` or with a sequence number below the cursor are refused, the
    cursor only moves forward and never past HELLO's ``next_seq``, and the number of READs
    is bounded by the records HELLO announced. ``base`` maps the log's sequence numbers to
    the store's.
    """
    device = info.device_id
    end = info.next_seq
    links: list[ClockLink] = []
    first_link = hello_link(info.raw)
    if first_link is not None:
        links.append(_shift_link(first_link, base))
    span = max(0, end - max(cursor, info.first_seq))
    total = report.fetched + span
    reads_left = -(-span // max(1, min(batch, info.max_read))) + READ_SLACK
    batches = 0
    acked_to = info.acked
    while cursor < end:
        if reads_left <= 0:
            raise UnsitError(f"the clip answered {batches} reads without reaching the end of "
                             f"its log ({end}): it may be faulty; what arrived is stored")
        reads_left -= 1
        result = await client.read(cursor, batch)
        _check_read(result, cursor, end, batch)
        if cursor and result.start > cursor:
            report.missing += result.start - cursor
        decoded, corrupt = decode_many(result.records)
        stop = min(result.next_seq, end)
        # Records this sync's HELLO did not announce (logged since) wait for the next sync.
        decoded = [record for record in decoded if record.seq < stop]
        # Slots the device skipped (a record corrupt on its flash) and ones that failed here.
        report.corrupt += corrupt + max(0, stop - result.start - len(decoded))
        report.fetched += len(decoded)
        links.extend(_shift_link(link, base)
                     for link in map(clock_link, decoded) if link is not None)
        stored = store.store_batch(device, [_shift(record, base) for record in decoded],
                                   next_seq=stop + base, links=links)
        links = []
        report.new += stored.new
        cursor = stop
        batches += 1
        if progress is not None:
            progress(report.fetched, max(total, report.fetched))
        if batches % ACK_EVERY == 0 and cursor - 1 > acked_to:
            acked_to = await client.ack(cursor - 1)
    if links:
        store.store_batch(device, [], next_seq=cursor + base, links=links)
    if cursor - 1 > acked_to:
        acked_to = await client.ack(cursor - 1)
    report.acked = acked_to
    store.note_sync(device, info.dropped)


#: READs allowed beyond one per full batch of what HELLO announced (records logged since,
#: a segment dropped meanwhile).
READ_SLACK = 4


def _check_read(result: ReadResult, cursor: int, end: int, batch: int) -> None:
    """Refuse a READ answer that is not one to the READ sent (``UnsitError``)."""
    problem = None
    if result.count > batch:
        problem = f"{result.count} records where at most {batch} were asked for"
    elif not cursor <= result.start <= end:
        problem = f"records from {result.start} where {cursor} to {end} were asked for"
    elif result.next_seq < result.start + result.count or result.next_seq <= cursor:
        problem = f"a continuation ({result.next_seq}) that does not move forward"
    else:
        seqs = [int.from_bytes(result.records[i:i + 4], "little")
                for i in range(0, len(result.records), records_format.SIZE)]
        if any(not result.start <= seq < result.next_seq for seq in seqs) \
                or any(b <= a for a, b in zip(seqs, seqs[1:], strict=False)):
            problem = (f"records numbered outside {result.start} to {result.next_seq} "
                       "or out of order")
    if problem is not None:
        raise UnsitError(f"the clip answered a read from {cursor} with {problem}: it may be "
                         "faulty or not an unsit clip; what arrived before is stored")


def _shift(record: StoredRecord, base: int) -> StoredRecord:
    return record if not base else replace(record, seq=record.seq + base)


def _shift_link(link: ClockLink, base: int) -> ClockLink:
    return link if not base else replace(link, link_seq=link.link_seq + base)


def _finish(store: Store, report: SyncReport, client: DeviceClient, transport: Transport,
            started: float) -> None:
    report.to_seq = store.cursor(report.device.device_id)
    _summarise(store, report)
    report.seconds = time.monotonic() - started
    report.retries += client.retried
    report.bytes_in += transport.bytes_in


#: Events that mark a fault episode (``fault_episodes``), and the clock's own trace.
_FAULT_KINDS = (events.SENSOR_FAULT, events.SENSOR_OK, events.STORAGE_FULL)
_CLOCK_KINDS = (events.TIME_SET, events.CLOCK_LINK)
#: Events that say a key or a setting changed (``_changes``).
_CHANGE_KINDS = (events.PAIRED, events.FORGOTTEN, events.HOST_ID_HIGH, events.HOST_ID_LOW,
                 events.SETTING_CHANGED)


def _summarise(store: Store, report: SyncReport) -> None:
    device = report.device.device_id
    lo, hi = report.from_seq, report.to_seq
    starts: list[int] = []
    ends: list[int] = []
    faults: list[tuple[int | None, int, int, int]] = []
    changes: list[StoredRecord] = []
    report.minutes = report.events = report.clock_events = report.idle_minutes = 0
    report.estimated = 0
    for timed in store.records(device, lo, hi):
        record, t_utc = timed.record, timed.t_utc
        if record.kind in _CHANGE_KINDS:
            changes.append(record)
        report.estimated += timed.anchor is not None
        if t_utc is None:
            continue            # the figures below count what was placed in time
        if record.kind == MINUTE:
            report.minutes += 1
        elif record.kind == IDLE:
            report.idle_minutes += record.values[0]
        else:
            report.events += 1
            report.clock_events += record.kind in _CLOCK_KINDS
            if record.kind in _FAULT_KINDS:
                faults.append((t_utc, record.kind, record.values[0], record.values[1]))
        # The span of the activity that arrived (minutes and unworn runs), not of the events:
        # every sync adds a TIME_SET event stamped now.
        if record.kind in (MINUTE, IDLE):
            starts.append(t_utc)
            ends.append(t_utc + covered_s(record.kind, record.values))
    report.first_utc = min(starts, default=None)
    report.last_utc = max(ends, default=None)
    unplaced = store.unplaced(device)
    report.unplaced = unplaced.awaiting
    report.unplaceable = unplaced.never
    report.unplaceable_why = dict(unplaced.unplaceable)
    report.faults = fault_episodes(faults)
    report.key_changes, report.setting_changes = _changes(changes)


def _changes(found: list[StoredRecord]
             ) -> tuple[list[tuple[str, str, int]], list[tuple[int, int]]]:
    """Key and setting changes among the event records ``found`` (of ``_CHANGE_KINDS``), in
    log order."""
    keys: list[tuple[str, str, int]] = []
    settings: list[tuple[int, int]] = []
    by_seq = {record.seq: (record.kind, list(record.values)) for record in found}
    for seq, (kind, values) in sorted(by_seq.items()):
        if kind == events.SETTING_CHANGED and len(values) >= 2:
            settings.append((values[0], signed16(values[1])))
        elif kind in (events.PAIRED, events.FORGOTTEN) and len(values) >= 2:
            host = "" if kind == events.FORGOTTEN and values[0] == 0 else f"{values[0]:04x}"
            high, low = by_seq.get(seq + 1), by_seq.get(seq + 2)
            if host and high and low and high[0] == events.HOST_ID_HIGH \
                    and low[0] == events.HOST_ID_LOW:
                host = "".join(f"{v:04x}" for v in (*high[1][:2], *low[1][:2]))
            keys.append(("paired" if kind == events.PAIRED else "forgotten", host, values[1]))
    return keys, settings


async def sync_resuming(
    open_link: Callable[[], Awaitable[Transport]],
    db: Path | str | None,
    unreachable: tuple[type[Exception], ...],
    waiting: Callable[[Exception], str],
    progress: Progress | None = None,
    reconnect_s: float = RECONNECT_S,
    pause_s: float = RECONNECT_PAUSE_S,
    say: Callable[[str], None] | None = None,
    **options: object,
) -> SyncReport:
    """One sync into the store ``db`` over the link ``open_link()`` gives, resumed when lost.

    When the link is lost mid-sync, it is opened again for up to ``reconnect_s`` seconds
    (``pause_s`` apart) and the sync resumes at the stored cursor; ``say`` hears
    ``waiting(error)`` once. ``unreachable`` are the errors of ``open_link`` that mean "not
    there (yet)": raised at once before any loss, retried after one.
    """
    target = None if db == ":memory:" else Path(db or default_path()).expanduser()
    fresh = target is not None and not target.exists()
    store = open_store(db)
    earlier: SyncReport | None = None
    lost_at: float | None = None
    kept = False
    try:
        while True:
            try:
                link = await open_link()
            except unreachable:
                if lost_at is None or time.monotonic() - lost_at >= reconnect_s:
                    raise
                await asyncio.sleep(pause_s)  # not back yet
                continue
            try:
                async with link:
                    report = await sync_device(link, store, progress=progress,
                                               earlier=earlier,
                                               **options)  # type: ignore[arg-type]
                    kept = True
                    return report
            except TransportError as error:
                if lost_at is None and not isinstance(error, LinkLost):
                    raise
                if isinstance(error, LinkLost):
                    earlier = getattr(error, "partial", None) or earlier
                    if lost_at is None:
                        lost_at = time.monotonic()
                        if say is not None:
                            say(waiting(error))
                if time.monotonic() - lost_at >= reconnect_s:  # type: ignore[operator]
                    raise
                await asyncio.sleep(pause_s)
    finally:
        try:
            empty = not kept and not store.has_records()
        except sqlite3.Error:
            empty = False
        store.close()
        if fresh and empty and target is not None:
            # A first sync that failed leaves no store behind: the next one starts clean and
            # the review commands do not find an empty store.
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{target}{suffix}").unlink(missing_ok=True)


async def sync_serial(
    port: str | None,
    db: Path | str | None,
    progress: Progress | None = None,
    reconnect_s: float = RECONNECT_S,
    say: Callable[[str], None] | None = None,
    **options: object,
) -> SyncReport:
    """Sync the device on serial ``port`` (found on USB when None) into the store ``db``.

    When the link is lost mid-sync (the clip was reset, or its USB port re-enumerated), the
    port is opened again for up to ``reconnect_s`` seconds and the sync resumes at the
    stored cursor; ``say`` hears about it.
    """
    async def open_link() -> Transport:
        return SerialTransport(resolve_port(port))

    return await sync_resuming(
        open_link, db, (UnsitError,),
        lambda error: f"{error} Waiting up to {reconnect_s:g} s for it to come back.",
        progress=progress, reconnect_s=reconnect_s, say=say,
        **options)  # type: ignore[arg-type]
