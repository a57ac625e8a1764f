"""Flash log and sync figures: bytes per day, days per MiB, flash writes per day, append and
recovery cost under MicroPython, and records per second of a sync over a pty.

Run: ``.venv/bin/python benchmarks/bench_log.py`` (about 20 s). The day modelled is the
issue's typical day: worn 16 h (07:00-23:00, 960 minute records), unworn 8 h, 100 events,
the app flushing every 10 minutes; plus a worst case worn 24 h.
"""

from __future__ import annotations

import os
import pty
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "firmware"))

from logic import events, records  # noqa: E402
from logic.flashlog import FlashLog  # noqa: E402

from unsit.lab.micropython_runner import micropython_command, micropython_env  # noqa: E402
from unsit_firmware.logic import frame, protocol  # noqa: E402

MIB = 1 << 20
FLUSH_EVERY_MIN = 5     # app/device.py SAVE_EVERY_S


class Clock:
    def __init__(self) -> None:
        self.s = 0

    def ticks_ms(self) -> int:
        return (self.s * 1000) & 0x3FFFFFFF

    def time(self) -> int:
        return 1767225600 + self.s


class CountingLog(FlashLog):
    writes = 0

    def flush(self) -> None:
        before = self.stored_seq
        super().flush()
        if self.stored_seq != before:
            CountingLog.writes += 1


def one_day(log: FlashLog, clock: Clock, worn_from: int, worn_to: int, n_events: int) -> None:
    event_every = max(1, (worn_to - worn_from) // max(1, n_events))
    for minute in range(24 * 60):
        clock.s += 60
        if worn_from <= minute < worn_to:
            k = minute % 7
            log.append_minute((0, 40 - k, 10 + k, 10, 0), 3 * k)
            if (minute - worn_from) % event_every == 0:
                log.append_event(events.REMINDER, 0, 60)
        else:
            log.append_minute((60, 0, 0, 0, 0), 0)
        if minute % FLUSH_EVERY_MIN == 0:
            log.flush()
    log.flush()


def day_figures(name: str, worn_from: int, worn_to: int, n_events: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        clock = Clock()
        CountingLog.writes = 0
        log = CountingLog(tmp, clock)
        days = 3
        for _ in range(days):
            one_day(log, clock, worn_from, worn_to, n_events)
        per_day = (log.next_seq - 1) / days
        bytes_day = per_day * records.SIZE
        seg_bytes = 512 * records.SIZE
        kept = (MIB // seg_bytes - 1) * seg_bytes      # one segment slack when dropping
        print(f"{name}: {per_day:.0f} records/day = {bytes_day / 1000:.1f} KB/day; "
              f"1 MiB holds {MIB / bytes_day:.1f} days ({kept / bytes_day:.1f} guaranteed "
              f"after segment drops); {CountingLog.writes / days:.0f} flash appends/day")


def micropython_costs() -> None:
    code = r"""
import time, os
from logic.flashlog import FlashLog
class C:
    s = 0
    def ticks_ms(self): return self.s * 1000
    def time(self): return 1767225600 + self.s
d = '/tmp/unsit-bench-log-%d' % time.ticks_ms()
os.mkdir(d)
c = C()
log = FlashLog(d, c)
n = 5000
t0 = time.ticks_us()
for i in range(n):
    c.s += 60
    log.append_minute((0, 40, 10, 10, 0), i & 255)
log.flush()
t1 = time.ticks_us()
print('append_us', time.ticks_diff(t1, t0) / n)
t0 = time.ticks_us()
log2 = FlashLog(d, c)
print('open_ms', time.ticks_diff(time.ticks_us(), t0) / 1000)
buf = bytearray(32 * 16)
seq = 1
t0 = time.ticks_us()
while True:
    s, k, seq = log2.read_into(seq, buf)
    if not k: break
print('read_us', time.ticks_diff(time.ticks_us(), t0) / n)
for name in os.listdir(d): os.remove(d + '/' + name)
os.rmdir(d)
"""
    done = subprocess.run(micropython_command(["-c", code]),
                          env=micropython_env([ROOT / "firmware"]), capture_output=True,
                          timeout=300, check=True)
    figures = dict(line.split() for line in done.stdout.decode().split("\n") if line)
    print(f"MicroPython (unix port, x64): append {float(figures['append_us']):.0f} us/record, "
          f"open/recovery {float(figures['open_ms']):.1f} ms (newest 8 KiB segment scanned), "
          f"read {float(figures['read_us']):.0f} us/record")


def pty_sync(minutes: int) -> None:
    master, slave = pty.openpty()
    with tempfile.TemporaryDirectory() as tmp:
        proc = subprocess.Popen(
            micropython_command([str(ROOT / "tests" / "pty_device.py"), str(master),
                                 tmp + "/log", str(minutes)]),
            env=micropython_env([ROOT / "firmware"]), pass_fds=(master,),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        os.close(master)
        try:
            assert proc.stdout is not None
            assert proc.stdout.readline().strip() == b"READY"
            import serial

            with serial.Serial(os.ttyname(slave), timeout=0.05) as port:
                decoder = frame.Decoder()
                wire = 0

                def ask(request: bytes) -> bytes:
                    nonlocal wire
                    port.write(frame.encode(request))
                    while True:
                        data = port.read(port.in_waiting or 1)
                        wire += len(data)
                        for payload in decoder.feed(data):
                            return payload

                ask(protocol.hello_request(1))
                seq, got = 1, 0
                started = time.perf_counter()
                wire = 0
                while True:
                    _, _, _, body = protocol.unpack_response(ask(protocol.read_request(2, seq)))
                    _, count, seq, _ = protocol.unpack_read(body)
                    got += count
                    if not count:
                        break
                elapsed = time.perf_counter() - started
        finally:
            proc.kill()
            proc.communicate()
            os.close(slave)
    print(f"sync over a pty (MicroPython service, pyserial host): {got} records in "
          f"{elapsed:.2f} s = {got / elapsed:.0f} records/s; {wire / got:.1f} wire bytes/record "
          f"(16 data; a pty ignores baud rate, so this is CPU-bound, not a USB figure)")


def main() -> None:
    day_figures("typical day (worn 16 h, 100 events)", 7 * 60, 23 * 60, 100)
    day_figures("worst day (worn 24 h, 100 events)", 0, 24 * 60, 100)
    micropython_costs()
    pty_sync(20000)


if __name__ == "__main__":
    main()
