"""Placing log records in UTC: pure functions over records, links and what follows them.

A record stamped with uptime (the clock was never set in its boot) is placed by a clock link
of its boot (:func:`link_offsets`), or, when its boot ended before it got one, by estimate
from the next boot's BOOT event (:func:`judge`, :func:`estimate`), or is reported as never
placeable, and why (:func:`count_unplaced`). The store asks these functions and writes what
they decide; docs/sync.md ("Placing records in time") has the reasoning.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from unsit_firmware.logic import events

from unsit.log.records import BOOT, ClockLink, StoredRecord, covered_s

#: Reset causes (``events.RESET_*``, a BOOT event's ``a``) after which the board ran again at
#: once, with power all along: the watchdog (both MicroPython ports), ``machine.reset()`` and
#: a crash (RP2040: WDT_RESET; ESP32: HARD_RESET), a soft reset, the reset pin. Power-on
#: (ESP32: also a brownout) and deep sleep say nothing of how long the board was off.
#: docs/sync.md, "Placing records in time", has the reasoning per cause.
IMMEDIATE_RESETS = frozenset({events.RESET_WATCHDOG, events.RESET_SOFT, events.RESET_HARD})
#: Seconds from the end of a boot to the start (uptime 0) of the next, for an immediate reset:
#: the reset itself and the bootloader, under a second on the ESP32 and the RP2040.
RESET_GAP_S = 1

# Why records cannot be placed in time, ever (keys of Unplaced.unplaceable).
POWER_LOST = "power_lost"
DEEP_SLEEP = "deep_sleep"
LINK_MISSING = "link_missing"
UNPLACEABLE_WHY = {
    POWER_LOST: "written before a power loss, before the clock was set: their time is unknown",
    DEEP_SLEEP: "written before a deep sleep of unknown length, before the clock was set: "
                "their time is unknown",
    LINK_MISSING: "written before the clock was set, in a boot whose link to a later time is "
                  "missing from the log: their time is unknown",
}
# What :func:`judge` can say besides a reason of UNPLACEABLE_WHY.
AWAITING = "awaiting"    # a link may still come
ESTIMATE = "estimate"    # placed by estimate, with the verdict's offset
CHAIN = "chain"          # an immediate restart into a boot not placed yet: as it goes, so this


@dataclass(frozen=True)
class Timed:
    """A stored record and the UTC time it has: ``t_utc`` None (none yet), or an estimate
    hung on the BOOT event ``anchor`` (None: not an estimate)."""

    record: StoredRecord
    t_utc: int | None = None
    anchor: int | None = None


@dataclass
class Run:
    """Records of one boot without a time from a link, in sequence order, with no other
    stored record between them."""

    boot: int
    rows: list[Timed] = field(default_factory=list)

    @property
    def first_seq(self) -> int:
        return self.rows[0].record.seq

    @property
    def last_seq(self) -> int:
        return self.rows[-1].record.seq

    @property
    def end_s(self) -> int:
        """The uptime at which the last thing these records cover ended: a minute's end, an
        unworn run's end, an event's time."""
        return max(row.record.t_device + covered_s(row.record.kind, row.record.values)
                   for row in self.rows)


class Verdict(NamedTuple):
    """What can be said of a run's time: ``what`` is :data:`ESTIMATE` (with ``offset``),
    :data:`CHAIN`, :data:`AWAITING` or a key of :data:`UNPLACEABLE_WHY`; ``anchor`` is the
    record after the run that decided it (None when awaiting)."""

    what: str
    offset: int | None = None
    anchor: int | None = None


@dataclass(frozen=True)
class Unplaced:
    """The records of one device that have no UTC time.

    ``awaiting``: a later clock link may still place them (the device's current boot, or a boot
    that will be placed by estimate once the next one is placed); the next sync does.
    ``unplaceable``: records that nothing can ever place, by reason (keys of
    :data:`UNPLACEABLE_WHY`, which gives the sentence for each).
    """

    awaiting: int
    unplaceable: dict[str, int]

    @property
    def never(self) -> int:
        """How many can never be placed, whatever the reason."""
        return sum(self.unplaceable.values())


#: ``stored_between(lo, hi)``: whether a record is stored with ``lo < seq < hi``.
StoredBetween = Callable[[int, int], bool]


def link_offsets(candidates: Iterable[StoredRecord], links: Iterable[ClockLink],
                 marks: Iterable[tuple[int, int, int]]) -> dict[int, int]:
    """The offset (UTC - uptime) of each candidate record a link places, by sequence number.

    A record is placed by the first link of its boot number learnt after it was written,
    provided no record in between shows another boot: a BOOT event, or uptime stamped in
    another boot (boot numbers are 8 bits and come round again). ``marks`` are ``(seq, kind,
    boot)`` of the stored records that may show one: every BOOT event and every record
    stamped with uptime from the first candidate to the last link.
    """
    by_boot: dict[int, list[ClockLink]] = {}
    for link in links:
        by_boot.setdefault(link.boot & 0xFF, []).append(link)
    for boot_links in by_boot.values():
        boot_links.sort(key=lambda link: link.link_seq)
    link_seqs = {boot: [link.link_seq for link in boot_links]
                 for boot, boot_links in by_boot.items()}
    found: dict[int, int] = {}
    # From the end backwards: the nearest BOOT event and, per boot, the nearest uptime record.
    items = sorted([(seq, 1, kind, boot, None) for seq, kind, boot in marks]
                   + [(r.seq, 0, r.kind, r.boot & 0xFF, r) for r in candidates],
                   key=lambda item: (-item[0], item[1]))
    next_boot_event: float = float("inf")
    nearest: dict[int, int] = {}
    for seq, is_mark, kind, boot, record in items:
        if not is_mark and record is not None:
            seqs = link_seqs.get(boot, [])
            at = bisect.bisect_right(seqs, seq)
            if at == len(seqs):
                continue
            link = by_boot[boot][at]
            barrier = min([next_boot_event, *(s for b, s in nearest.items() if b != boot)])
            if barrier >= link.link_seq:
                found[seq] = link.offset_s
            continue
        if kind == BOOT:
            next_boot_event = seq
        else:
            nearest[boot] = seq
    return found


def split_runs(rows: Iterable[Timed], stored_between: StoredBetween) -> list[Run]:
    """Records without a link's time (``rows``, in sequence order) in runs of one boot each:
    records of one boot number with no other stored record between them; a BOOT event begins
    a new run (boot numbers come round again after 256 boots)."""
    runs: list[Run] = []
    for row in rows:
        record = row.record
        last = runs[-1] if runs else None
        if (last is None or record.kind == BOOT or record.boot != last.boot
                or stored_between(last.last_seq, record.seq)):
            runs.append(Run(record.boot, [row]))
        else:
            last.rows.append(row)
    return runs


def run_before(rows_down: Iterable[Timed], seq: int, stored_between: StoredBetween
               ) -> Run | None:
    """The run (as :func:`split_runs` makes them) that ends just before record ``seq``, from
    the records without a link's time below ``seq`` in descending order; None if the record
    stored before ``seq`` is not in one."""
    rows: list[Timed] = []
    after = seq
    for row in rows_down:
        record = row.record
        if (rows and record.boot != rows[-1].record.boot) or stored_between(record.seq, after):
            break
        rows.append(row)
        after = record.seq
        if record.kind == BOOT:
            break
    return Run(rows[-1].record.boot, rows[::-1]) if rows else None


def judge(run: Run, following: Timed | None, new_log_between: bool, later_boot: bool
          ) -> Verdict:
    """What can be said of ``run``'s time, from the record stored next after it
    (``following``; None: nothing yet). ``new_log_between``: another log of the device starts
    between the two; ``later_boot``: a BOOT event is stored somewhere after the run."""
    if following is None:
        return Verdict(AWAITING)
    record, t_utc = following.record, following.t_utc
    if new_log_between:
        return Verdict(LINK_MISSING, None, record.seq)   # nothing links two logs
    if record.kind != BOOT:
        # A record of another boot (its BOOT event is missing), or of this boot after
        # the clock was set (its CLOCK_LINK is missing): only a hello in this same boot
        # could still place it, and only while no later boot has begun.
        if not record.clock_set and record.boot != run.boot:
            return Verdict(LINK_MISSING, None, record.seq)
        return Verdict(LINK_MISSING, None, record.seq) if later_boot else Verdict(AWAITING)
    cause = record.values[0]
    if cause not in IMMEDIATE_RESETS:
        why = {events.RESET_POWER_ON: POWER_LOST, events.RESET_DEEPSLEEP: DEEP_SLEEP}
        return Verdict(why.get(cause, LINK_MISSING), None, record.seq)
    if t_utc is None:
        return Verdict(CHAIN, None, record.seq)
    end_s = run.end_s
    if record.clock_set:
        return Verdict(ESTIMATE, t_utc - RESET_GAP_S - end_s, record.seq)
    if record.t_device >= end_s:
        return Verdict(ESTIMATE, t_utc - record.t_device, record.seq)   # the tick counter ran on
    return Verdict(ESTIMATE, t_utc - record.t_device - RESET_GAP_S - end_s, record.seq)


def estimate(run: Run, verdict: Verdict) -> list[tuple[StoredRecord, int]]:
    """The records of ``run`` whose estimated time ``verdict`` sets or moves, each with its new
    time (none unless the verdict is an estimate)."""
    if verdict.what != ESTIMATE or verdict.offset is None:
        return []
    moved = []
    for row in run.rows:
        t_new = row.record.t_device + verdict.offset
        if t_new != row.t_utc or row.anchor != verdict.anchor:
            moved.append((row.record, t_new))
    return moved


def count_unplaced(judged: Sequence[tuple[Run, Verdict]]) -> Unplaced:
    """How many records of the runs (in sequence order, each with its verdict) have no time
    that a later link may still give, and how many can never have one, and why."""
    verdicts: dict[int, str] = {}
    awaiting = 0
    never: dict[str, int] = {}
    for run, verdict in reversed(judged):
        what = verdict.what
        if what == CHAIN:
            what = verdicts.get(verdict.anchor, AWAITING) if verdict.anchor is not None \
                else AWAITING
        verdicts[run.first_seq] = what
        count = sum(1 for row in run.rows if row.t_utc is None)
        if not count:
            continue
        if what in (AWAITING, ESTIMATE, CHAIN):   # an estimate not made yet: the next batch
            awaiting += count
        else:
            never[what] = never.get(what, 0) + count
    return Unplaced(awaiting, never)
