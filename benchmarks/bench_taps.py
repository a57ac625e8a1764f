"""Double-tap detector: cost per sample under CPython and MicroPython, and how it does on every
HAPT recording (``../shared/data/hapt``, when present): double taps reported where nobody
tapped (all 42 recordings, walking and stairs included), and the share of knock pairs found
when added to the still bouts (sitting, standing, lying) or to the walks.

HAPT is a waist-worn phone at 50 Hz; every other sample is kept for 25 Hz. The knocks are
synthetic (HAPT has no taps): one sample +300 mg on z, the next -150 mg, a second pair 240 ms
later. The unix port is a 64-bit build on this PC: times are relative figures, not a board's.

    .venv/bin/python benchmarks/bench_taps.py
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

sys.path.insert(0, str(firmware_dir()))

from logic.taps import TapDetector  # noqa: E402  (firmware logic, imported as on the board)

SCRIPT = """
import gc, sys, time
from array import array
from logic.taps import TapDetector
with open(sys.argv[1], "rb") as f:
    buf = array("h", f.read())
gc.collect()
before = gc.mem_alloc()
d = TapDetector()
gc.collect()
held = gc.mem_alloc() - before
n = len(buf) // 3
start = time.ticks_us()
found = d.feed_buffer(buf, n)
print(n, time.ticks_diff(time.ticks_us(), start), held, found)
"""


def synthetic(seconds: int = 600) -> array:
    """Alternating minutes of sitting still and walking, interleaved x, y, z milli-g."""
    out = array("h")
    for i in range(seconds * 25):
        t = i / 25
        if (i // 1500) % 2:
            phase = 2 * math.pi * 1.9 * t
            out.extend((int(160 * math.sin(phase / 2)), int(120 * math.sin(phase)),
                        int(1000 + 330 * math.sin(phase) + 110 * math.sin(2 * phase))))
        else:
            out.extend((-180 + int(20 * math.sin(2 * math.pi * 0.25 * t)), 60, 980))
    return out


def hapt_report(root: Path) -> None:
    bouts: dict[tuple[int, int], list[tuple[int, int, int]]] = {}
    for line in (root / "labels.txt").read_text().split("\n"):
        if line.strip():
            exp, user, activity, start, end = (int(v) for v in line.split())
            bouts.setdefault((exp, user), []).append((activity, (start - 1) // 2, end // 2))
    false_found = 0
    samples = 0
    found_still = tried_still = found_walk = tried_walk = 0
    for (exp, user), labelled in sorted(bouts.items()):
        rows = (root / f"acc_exp{exp:02d}_user{user:02d}.txt").read_text().split("\n")[::2]
        buf = array("h")
        for row in rows:
            if row.strip():
                buf.extend(int(round(float(v) * 1000)) for v in row.split())
        n = len(buf) // 3
        samples += n
        false_found += TapDetector().feed_buffer(buf, n)
        for activity, start, end in labelled:
            still = activity in (4, 5, 6) and end - start > 100
            walk = activity in (1, 2, 3)
            if not (still or walk):
                continue
            for tenths in (3, 4, 5, 6, 7):
                at = start + (end - start) * tenths // 10
                bout = buf[3 * start:3 * end]
                for k in (at - start, at - start + 6):
                    bout[3 * k + 2] += 300
                    bout[3 * k + 5] -= 150
                hit = TapDetector().feed_buffer(bout, end - start) > 0
                if still:
                    tried_still += 1
                    found_still += hit
                else:
                    tried_walk += 1
                    found_walk += hit
    hours = samples / 25 / 3600
    print(f"HAPT, {len(bouts)} recordings, {hours:.1f} h at 25 Hz: {false_found} double taps "
          f"reported where nobody tapped")
    print(f"knock pairs found in still bouts: {found_still}/{tried_still} "
          f"({100 * found_still / tried_still:.1f}%); in walks: {found_walk}/{tried_walk} "
          f"(rejected by design)")


def main() -> int:
    buf = synthetic()
    n = len(buf) // 3
    start = time.perf_counter()
    TapDetector().feed_buffer(buf, n)
    cpython_us = (time.perf_counter() - start) * 1e6
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "bench.py").write_text(SCRIPT)
        (Path(tmp) / "samples.bin").write_bytes(buf.tobytes())
        done = run_micropython(["bench.py", str(Path(tmp) / "samples.bin")],
                               path=[firmware_dir()], cwd=tmp, heapsize="1M")
    if done.returncode:
        print(done.stdout.decode(), done.stderr.decode(), file=sys.stderr)
        return 1
    mp_n, mp_us, held, _ = (int(v) for v in done.stdout.split())
    print(f"synthetic 10 min (still and walking), {n} samples at 25 Hz")
    print(f"CPython {sys.version.split()[0]}: {cpython_us / n:.2f} us per sample, "
          f"{cpython_us / 1e6 * 6:.3f} s per hour of data")
    print(f"MicroPython (unix port, this PC): {mp_us / mp_n:.2f} us per sample, "
          f"{mp_us / 1e6 * 6:.2f} s per hour of data")
    print(f"heap held by one TapDetector: {held} bytes (64-bit build)")
    shared = Path(os.environ.get("UNSIT_SHARED_DATA", Path(__file__).resolve().parents[2]
                                 / "shared" / "data")) / "hapt"
    if (shared / "labels.txt").is_file():
        hapt_report(shared)
    else:
        print(f"HAPT not found at {shared}: the real-data figures are skipped")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
