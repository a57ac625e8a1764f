"""How long the review takes on a year of per-minute data (target: the summary under 1 s).

    .venv/bin/python benchmarks/bench_review.py

Builds a store (the real schema, via ``open_store``) holding 365 days of plausible desk-worker
minutes, one row for every minute of the year (525,600 rows: unworn nights are stored as
minute rows here, the worst case), with the coach's reminders (a third of the bouts' first
ones snoozed) and one day a month whose minutes have estimated times (``estimated_times``: far
more than a clip that is synced now and then would have); then times the daily summary,
the HTML report of the year (by month, the default for a year, by week and by day) and
of its last 30 days, and the CSV export of the bouts. Prints
the best of three runs of each.
"""

from __future__ import annotations

import io
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from review_log import synthetic_days  # noqa: E402  (the tests' generator of plausible days)

from unsit.review.export import FIELDS, export_rows  # noqa: E402
from unsit.review.metrics import summarise  # noqa: E402
from unsit.review.periods import auto_period  # noqa: E402
from unsit.review.report import build_report  # noqa: E402
from unsit.review.tables import write_csv  # noqa: E402
from unsit.store import IDLE, MINUTE, open_store  # noqa: E402

ZONE = ZoneInfo("Europe/Berlin")
FIRST = date(2025, 1, 1)
DAYS = 365
DEVICE = "a1b2c3d4"


ESTIMATED_DAYS = range(14, DAYS, 30)     # one day a month placed by estimate


def fill(path: Path) -> tuple[int, int, int]:
    """Write the year straight into the review's tables; return (minutes, events, estimated)
    rows."""
    minutes, events = [], []
    for t, kind, values in synthetic_days(FIRST, DAYS, ZONE):
        if kind == MINUTE:
            minutes.append((DEVICE, len(minutes) + len(events), t, *values))
        elif kind == IDLE:
            for i in range(values[0]):
                minutes.append((DEVICE, len(minutes) + len(events), t + 60 * i,
                                60, 0, 0, 0, 0, 0))
        else:
            events.append((DEVICE, len(minutes) + len(events), t, kind, *values))
    with open_store(path) as store, store.transaction() as conn:
        store.upsert_device(DEVICE, name="bench clip")
        conn.executemany("INSERT INTO minutes VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", minutes)
        conn.executemany("INSERT INTO events VALUES (?, ?, ?, ?, ?, ?)", events)
        estimated = 0
        for n in ESTIMATED_DAYS:
            lo = int(datetime.combine(FIRST + timedelta(days=n), datetime.min.time(),
                                      ZONE).timestamp())
            estimated += conn.execute(
                "INSERT INTO estimated_times(device_id, seq, anchor_seq) SELECT device_id,"
                " seq, 0 FROM minutes WHERE device_id = ? AND t_utc >= ? AND t_utc < ?",
                (DEVICE, lo, lo + 86400)).rowcount
    return len(minutes), len(events), estimated


def best_of(runs: int, work: Callable[[], object]) -> tuple[str, object]:
    """The best wall time of ``runs`` runs with that run's CPU time (on a shared machine the
    wall time includes waiting for a core), as text, and the result."""
    best, cpu, result = float("inf"), 0.0, None
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        result = work()
        wall = time.perf_counter() - start
        if wall < best:
            best, cpu = wall, time.process_time() - start_cpu
    return f"{best:.3f} s ({cpu:.3f} s CPU, best of {runs})", result


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "year.db"
        start = time.perf_counter()
        n_minutes, n_events, n_estimated = fill(path)
        print(f"store: {n_minutes} minute rows ({n_estimated} estimated), {n_events} events, "
              f"{path.stat().st_size / 1e6:.1f} MB, filled in {time.perf_counter() - start:.1f} s")
        last = FIRST + timedelta(days=DAYS - 1)
        with open_store(path) as store:
            conn = store.conn
            seconds, days = best_of(3, lambda: summarise(conn, [DEVICE], FIRST, last, ZONE))
            assert isinstance(days, list) and len(days) == DAYS
            assert sum(day.estimated_min for day in days) == n_estimated
            assert sum(day.snoozed for day in days) > 0
            print(f"summary of {DAYS} days: {seconds} (target < 1 s)")
            for period in ("month", "week", "day"):
                seconds, page = best_of(3, lambda: build_report(conn, DEVICE, FIRST, last, ZONE,
                                                                period=period))
                assert isinstance(page, str)
                default = " (the default)" if period == auto_period(FIRST, last) else ""
                print(f"report of {DAYS} days by {period}{default}: {seconds},"
                      f" {len(page.encode()) / 1e6:.2f} MB of HTML")
            month = last - timedelta(days=29)
            seconds, page = best_of(3, lambda: build_report(conn, DEVICE, month, last, ZONE))
            assert isinstance(page, str)
            print(f"report of 30 days: {seconds}, {len(page.encode()) / 1e3:.0f} kB of HTML")

            def bouts_csv() -> int:
                out = io.StringIO()
                write_csv(out, FIELDS["bouts"], export_rows(conn, "bouts", [DEVICE], ZONE))
                return len(out.getvalue())

            seconds, size = best_of(3, bouts_csv)
            assert isinstance(size, int)
            print(f"export of the year's bouts as CSV: {seconds}, {size / 1e3:.0f} kB")


def calibrate() -> None:
    """How fast this machine runs plain Python, to compare figures across machines."""
    start = time.process_time()
    total = 0
    for i in range(10_000_000):
        total += i
    print(f"calibration: a pure-Python loop of 1e7 additions takes "
          f"{time.process_time() - start:.2f} s CPU here")


if __name__ == "__main__":
    calibrate()
    main()
