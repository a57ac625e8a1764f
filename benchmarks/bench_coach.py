"""Cost of the sitting coach: time per call of ``Coach.second`` over a scripted 8-hour office day
(28,800 calls), under CPython and under the MicroPython interpreter, and the heap one coach
holds.

The unix port is a 64-bit build on this PC: times and bytes are relative figures, not a board's.

    .venv/bin/python benchmarks/bench_coach.py
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from unsit.firmware import firmware_dir
from unsit.lab.micropython_runner import run_micropython

# One office day as (state, seconds); 8 hours in all. Runs unchanged on both interpreters.
SCRIPT = """
import gc, sys
try:
    from time import ticks_us, ticks_diff
except ImportError:
    from time import perf_counter
    def ticks_us():
        return int(perf_counter() * 1e6)
    def ticks_diff(a, b):
        return a - b
from logic.coach import Coach
from logic.localtime import device_seconds
from logic.settings import Settings

DAY = ((1, 3720), (3, 300), (1, 3000), (2, 120), (1, 4500), (3, 1800), (1, 4800),
       (0, 2400), (1, 3600), (2, 1200), (4, 1200), (1, 1260), (3, 300), (1, 600))


def emit(kind, a=0, b=0):
    pass


def main():
    settings = Settings()
    gc.collect()
    before = gc.mem_alloc() if hasattr(gc, "mem_alloc") else 0
    coach = Coach(settings, emit)
    gc.collect()
    held = (gc.mem_alloc() - before) if hasattr(gc, "mem_alloc") else 0
    t = device_seconds(1795424400)
    calls = 0
    start = ticks_us()
    for state, seconds in DAY:
        end = t + seconds
        while t < end:
            coach.second(t, state, -1, False)
            t += 1
        calls += seconds
    took = ticks_diff(ticks_us(), start)
    print(calls, took, held)


main()
"""


def run_cpython() -> tuple[int, int]:
    sys.path.insert(0, str(firmware_dir()))
    namespace: dict[str, object] = {"__name__": "bench"}
    out: list[str] = []
    namespace["print"] = lambda *values: out.append(" ".join(str(v) for v in values))
    exec(compile(SCRIPT, "bench_coach_script", "exec"), namespace)
    calls, took_us, _ = (int(v) for v in out[0].split())
    return calls, took_us


def main() -> int:
    calls, took_cpython = run_cpython()
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "bench.py").write_text(SCRIPT)
        done = run_micropython(["bench.py"], path=[firmware_dir()], cwd=tmp, heapsize="256K")
    if done.returncode:
        print(done.stdout.decode(), done.stderr.decode(), file=sys.stderr)
        return 1
    mp_calls, took_mp, held = (int(v) for v in done.stdout.split())
    assert mp_calls == calls == 28800
    print(f"an 8-hour day: {calls} calls of Coach.second")
    print(f"CPython {sys.version.split()[0]}: {took_cpython / 1e3:.1f} ms for the day, "
          f"{took_cpython / calls:.2f} us per call")
    print(f"MicroPython (unix port, this PC): {took_mp / 1e3:.1f} ms for the day, "
          f"{took_mp / calls:.2f} us per call")
    print(f"heap held by one Coach: {held} bytes (64-bit build; 512 of them are the "
          f"still-desk ring)")
    return 0


if __name__ == "__main__":
    started = time.perf_counter()
    code = main()
    print(f"wall time: {time.perf_counter() - started:.1f} s")
    raise SystemExit(code)
