"""USB sync figures: records per second over a pty through the whole host stack, bytes per
day of log for the demo's day, and days per MiB.

Run: ``.venv/bin/python benchmarks/bench_sync.py [RECORDS]`` (about 30 s).

- Throughput: the firmware's protocol service and flash log under the ``micropython``
  interpreter (tests/mpy_device/serve_log.py) with RECORDS minute records (default 10000),
  synced by ``unsit.sync`` (pyserial, client, SQLite with a durable commit per batch). A pty
  ignores the baud rate, so this measures the software on both ends, not a USB link.
- Log size: the demo's office day (``tracegen.office_day``) run through the real firmware
  on the simulated board; the records it wrote, plus the unworn rest of the 24 h (runs of up
  to 60 unworn minutes are one IDLE record each).
"""

from __future__ import annotations

import asyncio
import math
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from sync_device import DirectLine, MpyDevice  # noqa: E402

from unsit.lab.simulation import board_bytes, read_log, run_firmware  # noqa: E402
from unsit.lab.trace import to_board_samples  # noqa: E402
from unsit.lab.tracegen import generate, office_day  # noqa: E402
from unsit.sync import sync_serial  # noqa: E402
from unsit_firmware.logic import flashlog, records  # noqa: E402

MIB = 1 << 20
START = 1_790_000_000


def throughput(count: int) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        line = DirectLine()
        began = time.perf_counter()
        device = MpyDevice(Path(scratch) / "flash", line.device_fd(), minutes=count,
                           start=START)
        filled = time.perf_counter() - began
        try:
            report = asyncio.run(sync_serial(line.path, Path(scratch) / "unsit.db"))
            again = asyncio.run(sync_serial(line.path, Path(scratch) / "unsit.db"))
        finally:
            device.stop()
            line.close()
    rate = report.fetched / report.seconds
    print(f"sync over a pty: {report.fetched} records in {report.seconds:.2f} s = "
          f"{rate:,.0f} records/s ({report.bytes_in / report.fetched:.1f} wire bytes/record, "
          f"{report.bytes_in / report.seconds / 1024:,.0f} KiB/s)")
    print(f"  (device prefill of {count} records under MicroPython: {filled:.2f} s; "
          f"a sync with nothing new: {again.seconds * 1000:.0f} ms)")
    return rate


def demo_day_bytes() -> tuple[int, int, float]:
    trace = generate(office_day())
    samples = board_bytes(to_board_samples(trace.samples, trace.rate_hz))
    with tempfile.TemporaryDirectory() as scratch:
        began = time.perf_counter()
        run_firmware(samples, Path(scratch), START)
        run_s = time.perf_counter() - began
        log = read_log(Path(scratch) / "storage")
    worn_min = trace.seconds / 60
    rest_min = 24 * 60 - worn_min
    rest_records = math.ceil(rest_min / flashlog.IDLE_MAX_MIN)
    kinds: dict[str, int] = {}
    for _seq, kind, _t, _up, _values in log:
        name = "minute" if kind == records.MINUTE else "idle" if kind == records.IDLE else "event"
        kinds[name] = kinds.get(name, 0) + 1
    print(f"demo's day: {trace.seconds / 3600:.1f} h trace -> {len(log)} records "
          f"({', '.join(f'{n} {k}' for k, n in sorted(kinds.items()))}) in {run_s:.1f} s of "
          "firmware under MicroPython")
    return len(log), rest_records, rest_min


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    rate = throughput(count)
    n, rest_records, rest_min = demo_day_bytes()
    per_day = (n + rest_records) * records.SIZE
    print(f"  + {rest_min / 60:.1f} h unworn for the rest of the day: {rest_records} IDLE records")
    print(f"bytes per day of log (demo's day): {per_day} B "
          f"({n + rest_records} records x {records.SIZE} B)")
    days = MIB / per_day
    print(f"days per MiB: {days:.0f}")
    print(f"a full 1 MiB log ({MIB // records.SIZE} records) syncs in "
          f"{MIB / records.SIZE / rate:.0f} s at the rate above; a day's log in "
          f"{(n + rest_records) / rate:.2f} s")


if __name__ == "__main__":
    main()
