"""Cost of the posture detector under the MicroPython interpreter: time per hour of data and
the heap it holds.

Runs ``logic.detector`` under the ``micropython`` command (the unix port: a 64-bit build on
this PC, so times and bytes are relative figures, not a board's) on a real recording (the first
HAPT experiment, turned and resampled as a board would deliver it) when ../shared/data is
present, else on a synthetic walk-and-sit trace, repeated to make one hour.

    .venv/bin/python benchmarks/bench_detector.py
"""

from __future__ import annotations

import math
import os
import sys
import tempfile
import time
from array import array
from pathlib import Path

from unsit.firmware import firmware_dir
from unsit.lab.micropython_runner import run_micropython

SCRIPT = """
import gc, sys, time
from array import array
from logic.detector import Detector
with open(sys.argv[1], "rb") as f:
    samples = array("h", f.read())
repeat = int(sys.argv[2])
gc.collect()
before = gc.mem_alloc()
d = Detector(rate_hz=25)
gc.collect()
held = gc.mem_alloc() - before
n = len(samples)
feed = d.feed
start = time.ticks_us()
for r in range(repeat):
    i = 0
    while i < n:
        feed(samples[i], samples[i + 1], samples[i + 2])
        i += 3
took = time.ticks_diff(time.ticks_us(), start)
gc.collect()
print(n // 3 * repeat, took, held, gc.mem_alloc() - before)
"""


def samples() -> tuple[array, str]:
    shared = Path(os.environ.get("UNSIT_SHARED_DATA", Path(__file__).resolve().parents[2]
                                 / "shared" / "data")) / "hapt"
    if (shared / "labels.txt").is_file():
        from unsit import evaluate
        from unsit.lab import hapt
        from unsit.lab.trace import to_board_samples

        experiment = hapt.find_experiments(shared)[0]
        rows = evaluate.rotate(experiment.read_rows(), evaluate.experiment_rotation(0, 1))
        return to_board_samples(rows, hapt.RATE_HZ), f"HAPT {experiment.path.name}"
    out = array("h")
    for k in range(25 * 600):
        bounce = 350 * math.sin(2 * math.pi * 2 * k / 25) if (k // 1500) % 2 else 0
        out.extend((int(8 * math.sin(k / 40)), 0, int(1000 + bounce)))
    return out, "synthetic walk/stand trace"


def main() -> int:
    data, name = samples()
    seconds = len(data) // 3 / 25
    repeat = max(1, round(3600 / seconds))
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "bench.py").write_text(SCRIPT)
        (Path(tmp) / "samples.bin").write_bytes(data.tobytes())
        wall = time.perf_counter()
        done = run_micropython(["bench.py", str(Path(tmp) / "samples.bin"), str(repeat)],
                               path=[firmware_dir()], cwd=tmp, heapsize="8M")
        wall = time.perf_counter() - wall
    if done.returncode:
        print(done.stdout.decode(), done.stderr.decode(), file=sys.stderr)
        return 1
    n, took_us, held, after = (int(v) for v in done.stdout.split())
    hours = n / 25 / 3600
    print(f"data: {name}, repeated {repeat}x = {hours:.2f} h at 25 Hz ({n} samples)")
    print(f"MicroPython (unix port, this PC): {took_us / 1e6 / hours:.2f} s per hour of data, "
          f"{took_us / n:.1f} us per sample")
    print(f"heap held by one Detector: {held} bytes (64-bit build); heap in use after the "
          f"hour, the benchmark's own variables included: {after} bytes")
    print(f"wall time of the run: {wall:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
