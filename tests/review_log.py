"""Hand-built device logs for the review tests, written through the real store API.

A test describes a day minute by minute in the wearer's local time; :class:`Log` turns that
into the minute and event records a device would send and stores them with
``Store.store_batch``, so the review reads exactly the schema ``unsit sync`` fills.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from unsit.store import IDLE, MINUTE, Store, StoredRecord
from unsit_firmware.logic import events

BERLIN = ZoneInfo("Europe/Berlin")
_STATES = ("not_worn", "sitting", "standing", "walking", "lying")


def utc(local: str, zone: ZoneInfo = BERLIN) -> int:
    """UTC seconds of a local wall time such as ``"2026-03-02 09:00"`` (first one on a fold)."""
    return int(datetime.fromisoformat(local).replace(tzinfo=zone).timestamp())


class Log:
    """Minutes and events of one device, kept in time order and stored on :meth:`save`."""

    def __init__(self, device: str = "a1b2c3d4", zone: ZoneInfo = BERLIN) -> None:
        self.device = device
        self.zone = zone
        self._records: list[tuple[int, int, int, tuple[int, ...]]] = []   # t, order, kind, values

    def minutes(self, start: str | int, count: int, state: str = "", steps: int = 0,
                **seconds: int) -> int:
        """``count`` minutes from ``start`` (local text or UTC seconds), all in ``state`` or
        with the given seconds per state; returns the UTC time after the last one."""
        t = utc(start, self.zone) if isinstance(start, str) else start
        if state:
            seconds = {state: 60}
        values = tuple(seconds.get(name, 0) for name in _STATES) + (steps,)
        for i in range(count):
            self._records.append((t + 60 * i, 0, MINUTE, values))
        return t + 60 * count

    def idle(self, start: str | int, count: int) -> int:
        """A run of ``count`` whole unworn minutes, logged as one IDLE record."""
        t = utc(start, self.zone) if isinstance(start, str) else start
        self._records.append((t, 0, IDLE, (count,)))
        return t + 60 * count

    def add(self, records: Iterator[tuple[int, int, tuple[int, ...]]]) -> None:
        """Records ``(t_utc, kind, values)`` as from :func:`synthetic_days`."""
        for t, kind, values in records:
            self._records.append((t, 0 if kind in (MINUTE, IDLE) else 1, kind, values))

    def event(self, at: str | int, kind: int, a: int = 0, b: int = 0) -> None:
        t = utc(at, self.zone) if isinstance(at, str) else at
        self._records.append((t, 1, kind, (a, b)))

    def save(self, store: Store, first_seq: int = 0) -> None:
        """Store the records as one synced batch numbered from ``first_seq``."""
        store.upsert_device(self.device, name=f"clip {self.device}")
        ordered = sorted(self._records)
        records = [
            StoredRecord(seq, kind, 1, t, True, values, b"")
            for seq, (t, _, kind, values) in enumerate(ordered, first_seq)
        ]
        store.store_batch(self.device, records, next_seq=first_seq + len(records))


def mark_estimated(store: Store, device: str, lo: int, hi: int, anchor_seq: int = 0) -> int:
    """Hand-built ``estimated_times`` rows, as the store writes them for a boot placed by
    estimate (docs/sync.md), for every minute, event and idle row of ``device`` starting in
    ``[lo, hi)`` UTC; returns how many were marked."""
    with store.transaction() as conn:
        return conn.execute(
            "INSERT INTO estimated_times(device_id, seq, anchor_seq)"
            " SELECT device_id, seq, ? FROM (SELECT device_id, seq, t_utc FROM minutes"
            " UNION ALL SELECT device_id, seq, t_utc FROM events"
            " UNION ALL SELECT device_id, seq, t_utc FROM idle)"
            " WHERE device_id = ? AND t_utc >= ? AND t_utc < ?",
            (anchor_seq, device, lo, hi),
        ).rowcount


def synthetic_days(first: date, days: int, zone: ZoneInfo = BERLIN, seed: int = 7
                   ) -> Iterator[tuple[int, int, tuple[int, ...]]]:
    """Plausible days of a desk worker, as ``(t_utc, record kind, values)`` in time order:
    sleep (lying), a commute, desk work in bouts of 5-95 min with short breaks, the evening on
    a sofa, the clip off at night (one IDLE run); every ninth day the clip stays on the desk
    (one IDLE run of the whole day).
    The coach's reminders come at 60 min of sitting, repeated every 10 min, and are heeded
    when the bout ends before the next repeat; in one bout in three the wearer snoozes the
    first reminder with a double tap (20 min: the next one comes 20 min later)."""
    rng = random.Random(seed)
    for n in range(days):
        day = first + timedelta(days=n)
        start = int(datetime.combine(day, datetime.min.time(), zone).timestamp())
        end = int(datetime.combine(day + timedelta(days=1), datetime.min.time(),
                                   zone).timestamp())
        plan: list[tuple[str, int]] = []
        if n % 9 == 8:
            plan.append(("not_worn", 0))
        else:
            plan += [("lying", 7 * 60), ("walking", 20 + rng.randrange(15))]
            for _ in range(2):
                for _ in range(4):
                    plan += [("sitting", 5 + rng.randrange(91)),
                             (rng.choice(("standing", "walking")), 1 + rng.randrange(6))]
                plan.append(("walking", 20 + rng.randrange(30)))
            plan += [("sitting", 60 + rng.randrange(120)), ("standing", 30)]
        t = start
        for state, minutes in plan:
            minutes = min(minutes, (end - t) // 60)
            values = tuple(60 if name == state else 0 for name in _STATES)
            steps = 95 if state == "walking" else 0
            for i in range(minutes):
                yield t + 60 * i, MINUTE, values + (steps,)
            if state == "sitting":
                yield from _coach(t, minutes)
            t += 60 * minutes
        if t < end:
            yield t, IDLE, ((end - t) // 60,)


def _coach(start: int, minutes: int) -> Iterator[tuple[int, int, tuple[int, ...]]]:
    repeat = 0
    at = 60
    while at < minutes:
        yield start + 60 * at, events.REMINDER, (repeat, at)
        wait = 10
        if repeat == 0 and start // 60 % 3 == 0:
            yield start + 60 * at + 15, events.SNOOZE, (20, 0)
            wait = 20
        if minutes < at + wait:
            yield start + 60 * minutes, events.HEEDED, (60 * (minutes - at), repeat)
        repeat += 1
        at += wait
