"""One sync: handshake, set the clock, fetch what is new since the stored cursor, store it,
acknowledge it.

The order makes a sync safe to interrupt anywhere: each batch of records is committed to the
store together with the cursor that follows it *before* the device is told (ACK) that it may
free them, so a host killed mid-sync loses nothing and the next sync resumes at the cursor;
records read twice are ignored by the store's ``(device, seq)`` key, so nothing counts twice.

:func:`sync_device` works over any :class:`~unsit.transport.Transport` (USB serial now, BLE
later); :func:`sync_serial` opens a serial port (found on USB when not given) and syncs.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

from unsit_firmware.logic import events as event_kinds
from unsit_firmware.logic import protocol

from unsit.client import DeviceClient, DeviceInfo
from unsit.errors import UnsitError
from unsit.logrecords import clock_link, decode_many, hello_link
from unsit.ports import find_device_port
from unsit.store import IDLE, MINUTE, ClockLink, Store, open_store
from unsit.transport import LinkLost, SerialTransport, Transport, TransportError

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
    # unplaceable records by reason; unsit.store.UNPLACEABLE_WHY[reason] says it in words
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
        if kind == event_kinds.SENSOR_FAULT:
            open_sensor = FaultEpisode(kind, a, t_utc, None)
            out.append(open_sensor)
        elif kind == event_kinds.SENSOR_OK and open_sensor is not None and open_sensor.cause == a:
            open_sensor.minutes = b
            open_sensor = None
        elif kind == event_kinds.STORAGE_FULL:
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
    :class:`~unsit.transport.TransportError` raised carries the report so far as
    ``partial``.
    """
    started = time.monotonic()
    client = DeviceClient(transport, timeout=timeout, retries=retries)
    info = await client.handshake(within_s=handshake_s)
    if info.protocol < 1:
        raise UnsitError(f"the device speaks protocol version {info.protocol}, "
                         "which this unsit does not support")
    device = info.device_id
    store.upsert_device(device, name=info.name, firmware=info.firmware, protocol=info.protocol)

    now = int(clock())
    offset = local_utc_offset_min(now) if utc_offset_min is None else utc_offset_min
    clock_before = await client.set_time(now, offset)
    info = await client.hello()  # the clock is set now: it links this boot's uptime to UTC
    report = SyncReport(device=info, clock_before=clock_before, clock_set_to=now)

    known_dropped, report.previous_sync_utc = store.conn.execute(
        "SELECT dropped, last_sync_utc FROM devices WHERE device_id = ?", (device,)).fetchone()
    report.dropped_new = max(0, info.dropped - known_dropped)

    cursor = store.cursor(device)
    if cursor > info.next_seq:
        raise UnsitError(
            f"device {device} has records only up to {info.next_seq - 1} but this store "
            f"already holds up to {cursor - 1}: its log was erased or this is another log; "
            "sync it into a new store (--db PATH)"
        )
    report.from_seq = cursor
    if earlier is not None and earlier.device.device_id == device:
        report.from_seq = min(cursor, earlier.from_seq)
        report.clock_before = earlier.clock_before
        report.previous_sync_utc = earlier.previous_sync_utc
        for name in ("fetched", "new", "missing", "corrupt", "retries", "bytes_in"):
            setattr(report, name, getattr(earlier, name))
        report.notes = [*earlier.notes, "the link was lost and the sync resumed"]
        started -= earlier.seconds
    try:
        await _fetch(client, store, report, info, cursor, batch, progress)
    except TransportError as error:
        _finish(store, report, client, transport, started)
        error.partial = report  # type: ignore[attr-defined]
        raise
    _finish(store, report, client, transport, started)
    return report


async def _fetch(client: DeviceClient, store: Store, report: SyncReport, info: DeviceInfo,
                 cursor: int, batch: int, progress: Progress | None) -> None:
    """Read from ``cursor`` to the end of the device's log, storing and acknowledging."""
    device = info.device_id
    links: list[ClockLink] = []
    first_link = hello_link(info.raw)
    if first_link is not None:
        links.append(first_link)
    total = report.fetched + max(0, info.next_seq - max(cursor, info.first_seq))
    batches = 0
    acked_to = info.acked
    while True:
        result = await client.read(cursor, batch)
        if cursor and result.start > cursor:
            report.missing += result.start - cursor
        decoded, corrupt = decode_many(result.records)
        # Slots the device skipped (a record corrupt on its flash) and ones that failed here.
        report.corrupt += corrupt + max(0, result.next_seq - result.start - result.count)
        report.fetched += len(decoded)
        links.extend(link for link in map(clock_link, decoded) if link is not None)
        if result.next_seq < cursor or (result.next_seq == cursor and result.count):
            raise UnsitError(f"the device answered a read from {cursor} with records that "
                             f"do not advance (next {result.next_seq}): it may be faulty")
        done = result.next_seq == cursor
        stored = store.store_batch(device, decoded, next_seq=result.next_seq, links=links)
        links = []
        report.new += stored.new
        cursor = result.next_seq
        batches += 1
        if progress is not None:
            progress(report.fetched, max(total, report.fetched))
        if done:
            break
        if batches % ACK_EVERY == 0 and cursor - 1 > acked_to:
            acked_to = await client.ack(cursor - 1)
    if cursor - 1 > acked_to:
        acked_to = await client.ack(cursor - 1)
    report.acked = acked_to
    store.note_sync(device, info.dropped)


def _finish(store: Store, report: SyncReport, client: DeviceClient, transport: Transport,
            started: float) -> None:
    report.to_seq = store.cursor(report.device.device_id)
    _summarise(store, report)
    report.seconds = time.monotonic() - started
    report.retries += client.retried
    report.bytes_in += getattr(transport, "bytes_in", 0)


def _summarise(store: Store, report: SyncReport) -> None:
    device = report.device.device_id
    lo, hi = report.from_seq, report.to_seq
    conn = store.conn
    report.minutes = conn.execute(
        "SELECT COUNT(*) FROM minutes WHERE device_id = ? AND seq >= ? AND seq < ?",
        (device, lo, hi)).fetchone()[0]
    report.events = conn.execute(
        "SELECT COUNT(*) FROM events WHERE device_id = ? AND seq >= ? AND seq < ?",
        (device, lo, hi)).fetchone()[0]
    report.clock_events = conn.execute(
        "SELECT COUNT(*) FROM events WHERE device_id = ? AND seq >= ? AND seq < ?"
        " AND kind IN (?, ?)", (device, lo, hi, event_kinds.TIME_SET, event_kinds.CLOCK_LINK)).fetchone()[0]
    report.idle_minutes = conn.execute(
        "SELECT COALESCE(SUM(minutes), 0) FROM idle WHERE device_id = ? AND seq >= ? AND seq < ?",
        (device, lo, hi)).fetchone()[0]
    # The span of the activity that arrived (minutes and unworn runs), not of the events:
    # every sync adds a TIME_SET event stamped now.
    first, last = conn.execute(
        "SELECT MIN(t_utc), MAX(t_utc + CASE kind WHEN ? THEN 60 * CAST(fields AS INTEGER)"
        " ELSE 60 END) FROM records WHERE device_id = ? AND seq >= ? AND seq < ?"
        " AND t_utc IS NOT NULL AND kind IN (?, ?)",
        (IDLE, device, lo, hi, MINUTE, IDLE)).fetchone()
    report.first_utc, report.last_utc = first, last
    unplaced = store.unplaced(device)
    report.unplaced = unplaced.awaiting
    report.unplaceable = unplaced.never
    report.unplaceable_why = dict(unplaced.unplaceable)
    report.estimated = store.estimated_count(device, lo, hi)
    report.faults = fault_episodes(conn.execute(
        "SELECT t_utc, kind, a, b FROM events WHERE device_id = ? AND seq >= ? AND seq < ?"
        " AND kind IN (?, ?, ?) ORDER BY seq",
        (device, lo, hi, event_kinds.SENSOR_FAULT, event_kinds.SENSOR_OK, event_kinds.STORAGE_FULL)).fetchall())


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
    store = open_store(db)
    earlier: SyncReport | None = None
    lost_at: float | None = None
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
                    return await sync_device(link, store, progress=progress, earlier=earlier,
                                             **options)  # type: ignore[arg-type]
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
        store.close()


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
        return SerialTransport(find_device_port() if port is None else port)

    return await sync_resuming(
        open_link, db, (UnsitError,),
        lambda error: f"{error} Waiting up to {reconnect_s:g} s for it to come back.",
        progress=progress, reconnect_s=reconnect_s, say=say,
        **options)  # type: ignore[arg-type]
