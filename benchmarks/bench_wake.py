"""The CPU work of one wake, counted in instructions on the board-grade 32-bit MicroPython.

One wake is what the clip does between two light sleeps: ``hw.boards.Board``'s sleep
decision (``awake_reason``), then the app's sampling turn (``app.device.Device.sampling``):
25 samples through the detector (and the tap detector where the chip has no tap engine),
the coach and the per-minute log once per second, flash log appends. The real app code runs
on a stand-in board whose FIFO is a recorded office day (``unsit.lab.tracegen``) and whose clock
moves one second per batch. ``valgrind --tool=callgrind`` counts the instructions of a run
with N wakes and of one with none; the difference over N is the work of a wake, independent
of this machine's load.

Scaled to the ESP32 (MicroPython's default 160 MHz, ESP32 port ``machine.freq``) with
cycles = instructions x a factor calibrated on published timings: pystone_lowmem (the
micropython-lib benchmark) timed on ESP32 boards at a stated clock, divided by the
instructions the same benchmark takes here (``PUBLISHED_PYSTONE``). Writes
``benchmarks/wake_cost.json``, which ``bench_power.py`` reads. Usage:
``.venv/bin/python benchmarks/bench_wake.py`` (needs valgrind and the board-grade build,
``python3 tools/board_micropython.py``; a few minutes). ``--calibrate PATH`` recounts the
instructions of one pystone pass, PATH being micropython-lib's
``pystone_lowmem/pystone_lowmem.py`` (not kept in this repository).
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from unsit.firmware import firmware_dir
from unsit.lab import tracegen

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "wake_cost.json"
WAKES = 1800          # half an hour of the office day's samples
SKIP_S = 3 * 3600     # start 3 h into the day: the detector has learned the wearer
CPU_HZ = 160_000_000  # MicroPython's default ESP32, ESP32-S3 and ESP32-C3 clock
# One pass of pystone_lowmem (micropython-lib, Pystone 1.2) on the board-grade 32-bit
# MicroPython here: callgrind's count for 5000 passes minus that for 0, over 5000
# (``--calibrate``; a run by hand with another driver script counted 54,814, 0.4 % less).
PYSTONE_INSTRUCTIONS_PER_PASS = 55_042
# Published runs of that same benchmark on ESP32 boards: pystones a second (passes a
# second), the clock set with machine.freq, and where. No published pystone_lowmem or
# perf_bench misc_pystone timing of an ESP32-C3 or -S3 at a stated clock was found; a
# published run of another (floating-point) benchmark on many boards (scruss.com, tag
# "benchmark", "Parallel MicroPython Benchmarking", MicroPython 1.24-1.25) gives an ESP32-C3
# at 160 MHz 13.2 s, an ESP32-S3 at 240 MHz 8.9 s and an ESP32 at 160 MHz 15.4 s: the C3 and
# the S3 need 14 % and 13 % fewer cycles than the ESP32, so the ESP32's factor is on the safe
# (slow) side for build B.
PUBLISHED_PYSTONE: tuple[tuple[float, int, str], ...] = (
    (1661, 240_000_000, "micropython/micropython#5673: MicroPython v1.12 (2019-12-20), "
                        "'ESP32 module with ESP32', machine.freq(240 MHz), 500 passes"),
    (1602, 240_000_000, "micropython/micropython#6565: MicroPython v1.12 (2019-12-20), "
                        "'ESP32 module with ESP32', 240 MHz, 500 passes in 312 ms"),
    (1014, 240_000_000, "micropython/micropython#6565: MicroPython v1.13-126 (2020-10-22, "
                        "the build with the ESP32 speed regression), 240 MHz, 500 passes in "
                        "493 ms"),
)


def cycles_per_instruction() -> tuple[float, float, float]:
    """(lowest, median, highest) ESP32 cycles per instruction counted here, over the
    published runs: cycles of one pass there (clock / pystones a second) over the
    instructions of one pass here."""
    factors = sorted(hz / stones / PYSTONE_INSTRUCTIONS_PER_PASS
                     for stones, hz, _ in PUBLISHED_PYSTONE)
    return (round(factors[0], 2), round(factors[len(factors) // 2], 2), round(factors[-1], 2))


CYCLES_PER_INSTRUCTION = cycles_per_instruction()

SCRIPT = r"""
import sys, time
from array import array
import asyncio
from app.device import Device

PATH, STORE, WAKES, ENGINE = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4] == "1"

class Clock:
    def __init__(self):
        self.ms = 0
    def ticks_ms(self):
        return self.ms
    def time(self):
        return 1772442000 + self.ms // 1000

class Imu:
    watermark = 25
    rate_hz = 25
    def __init__(self, clock):
        self.f = open(PATH, "rb")
        self.clock = clock
        self.tap_engine = ENGINE
    def read_into(self, buf):
        self.f.readinto(buf)
        self.clock.ms += 1000
        return 25
    def taps(self):
        return 0

class Board:
    serial = None
    ble = None
    button = None
    def __init__(self):
        self.clock = Clock()
        self.imu = Imu(self.clock)
        self.storage_dir = STORE
        self.left = WAKES
    async def wait_samples(self):
        if self.left <= 0:
            raise SystemExit
        self.left -= 1
    def charging(self):
        return False

board = Board()
dev = Device(board)
try:
    asyncio.run(dev.sampling())
except SystemExit:
    pass
print("wakes", WAKES - board.left)
"""

DECISION = r"""
import sys
from hw.boards import Board

N = int(sys.argv[1])

class Imu:
    watermark = 25
    rate_hz = 25
    def available(self):
        return 3

board = Board("bench", "0badc0de", Imu(), None, None, None, "/tmp", sleeper=object(),
              boot_awake_ms=0)
i = 0
while i < N:
    board.awake_reason()
    board._until_watermark_ms()
    i += 1
"""


def _instructions(cmd: list[str], env: dict[str, str]) -> int:
    done = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
                           *cmd], capture_output=True, text=True, env=env, timeout=3600)
    match = re.search(r"Collected\s*:\s*(\d+)", done.stderr)
    if done.returncode or not match:
        raise SystemExit(f"valgrind run failed: {done.stderr[-2000:]}\n{done.stdout[-2000:]}")
    return int(match.group(1))


def pystone_pass_instructions(mpy: str, pystone: Path) -> int:
    """Callgrind's instructions for one pass of the given pystone_lowmem.py on ``mpy``."""
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        shutil.copy(pystone, work / "pystone_lowmem.py")
        (work / "run.py").write_text("import sys\nimport pystone_lowmem\n"
                                     "pystone_lowmem.pystones(int(sys.argv[1]))\n")
        env = {"MICROPYPATH": str(work), "PATH": "/usr/bin:/bin"}
        counts = [_instructions([mpy, str(work / "run.py"), str(n)], env) for n in (0, 5000)]
    return (counts[1] - counts[0]) // 5000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calibrate", type=Path, metavar="PYSTONE_LOWMEM_PY",
                        help="only count one pystone pass (PYSTONE_INSTRUCTIONS_PER_PASS)")
    args = parser.parse_args()
    mpy = subprocess.run([sys.executable, str(ROOT / "tools" / "board_micropython.py")],
                         capture_output=True, text=True, check=True).stdout.strip().split()[-1]
    if not shutil.which("valgrind"):
        raise SystemExit("needs valgrind")
    if args.calibrate:
        print("instructions per pystone pass:", pystone_pass_instructions(mpy, args.calibrate))
        return
    trace = tracegen.generate(tracegen.office_day())
    samples = trace.board_samples()[SKIP_S * 25 * 6:(SKIP_S + WAKES) * 25 * 6]
    env = {"MICROPYPATH": f"{firmware_dir()}:.frozen", "PATH": "/usr/bin:/bin"}
    result: dict[str, object] = {"interpreter": "board-grade 32-bit unix MicroPython "
                                 "(tools/board_micropython.py)", "wakes": WAKES}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / "trace.bin").write_bytes(samples)
        (work / "wake.py").write_text(SCRIPT)
        (work / "decide.py").write_text(DECISION)
        for name, engine in (("chip_taps", "1"), ("software_taps", "0")):
            counts = []
            for n in (0, WAKES):
                store = work / f"store-{name}-{n}"
                store.mkdir()
                counts.append(_instructions(
                    [mpy, "-X", "heapsize=256K", str(work / "wake.py"), str(work / "trace.bin"),
                     str(store), str(n), engine], env))
            result[f"app_{name}_instructions"] = (counts[1] - counts[0]) // WAKES
        base = _instructions([mpy, str(work / "decide.py"), "0"], env)
        many = _instructions([mpy, str(work / "decide.py"), "10000"], env)
        result["board_decision_instructions"] = (many - base) // 10000
    for name in ("chip_taps", "software_taps"):
        total = int(result[f"app_{name}_instructions"]) + int(result["board_decision_instructions"])
        result[f"wake_{name}_instructions"] = total
        result[f"wake_{name}_ms_160mhz"] = [round(total * k / CPU_HZ * 1000, 2)
                                            for k in CYCLES_PER_INSTRUCTION]
    result["cycles_per_instruction"] = list(CYCLES_PER_INSTRUCTION)
    result["calibration"] = {
        "benchmark": "pystone_lowmem (micropython-lib), instructions of one pass here",
        "instructions_per_pass": PYSTONE_INSTRUCTIONS_PER_PASS,
        "published": [{"pystones_per_s": stones, "cpu_hz": hz, "source": source,
                       "cycles_per_instruction": round(hz / stones / PYSTONE_INSTRUCTIONS_PER_PASS,
                                                       2)}
                      for stones, hz, source in PUBLISHED_PYSTONE]}
    OUT.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
