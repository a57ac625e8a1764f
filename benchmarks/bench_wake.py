"""The CPU work of one wake, counted in instructions on the board-grade 32-bit MicroPython.

One wake is what the clip does between two light sleeps: ``hw.boards.Board``'s sleep
decision (``awake_reason``), then the app's sampling turn (``app.device.Device.sampling``):
25 samples through the detector (and the tap detector where the chip has no tap engine),
the coach and the per-minute log once per second, flash log appends. The real app code runs
on a stand-in board whose FIFO is a recorded office day (``unsit.lab.tracegen``) and whose clock
moves one second per batch. ``valgrind --tool=callgrind`` counts the instructions of a run
with N wakes and of one with none; the difference over N is the work of a wake, independent
of this machine's load.

Scaled to each chip at MicroPython's default 160 MHz (ESP32 port ``machine.freq``) with
cycles = instructions x a factor calibrated on published timings: a MicroPython benchmark
timed on a board at a stated clock, over the instructions the same benchmark code takes here
(``PUBLISHED``, ``BENCH_INSTRUCTIONS``). Writes ``benchmarks/wake_cost.json``, which
``bench_power.py`` reads. Usage: ``.venv/bin/python benchmarks/bench_wake.py`` (needs
valgrind and the board-grade build, ``python3 tools/board_micropython.py``; a few minutes).
``--pystone PATH`` and ``--rate PATH`` recount the benchmarks' instructions instead, PATH
being micropython-lib's ``pystone_lowmem/pystone_lowmem.py`` or micropython-async's
``v3/as_demos/rate.py`` (neither is kept in this repository).
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
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
CHIPS = ("esp32c3", "esp32s3", "esp32")
# Instructions of one unit of each benchmark on the board-grade 32-bit MicroPython here,
# callgrind's count of a long run minus that of a short one, over the units between them:
# - one pass of pystone_lowmem (micropython-lib, Pystone 1.2): 5000 passes minus 0
#   (``--pystone``; a run by hand with another driver script counted 54,814, 0.4 % less);
# - one coroutine step of rate.py (Peter Hinch's asyncio benchmark, micropython-async
#   v3/as_demos/rate.py) with 100 coroutines: ``await asyncio.sleep_ms(0)`` and a global
#   increment through the asyncio scheduler; runs of 6 s and 2 s under valgrind (``--rate``).
#   Repeated runs vary by up to 8 % (how much work the scheduler's heap does depends on how
#   many tasks fall in the same millisecond): 17,604 to 20,609 in six runs (three as
#   published, three stopped at a count of steps instead of a time), 20,366 the median.
BENCH_INSTRUCTIONS = {"pystone_lowmem pass": 55_042, "rate.py step, 100 coros": 20_366}
# Published timings of that same code: chip, units a second, clock, where. The cycles per
# instruction of a run = clock / units a second / instructions of a unit here.
PUBLISHED: tuple[tuple[str, str, float, int, str], ...] = (
    ("esp32c3", "rate.py step, 100 coros", 4567, 160_000_000,
     "peterhinch/micropython-async#79 (fivdi, 2022-02-07): ESP32-C3, MicroPython v1.18, "
     "'Coros 100 Iterations/sec 4567'; the clock is not stated: the port's default, 160 MHz "
     "(machine.freq() on a C3 with v1.18: radarwitch.com/846b)"),
    ("esp32", "rate.py step, 100 coros", 3104, 160_000_000,
     "peterhinch/micropython-async#79 (fivdi, 2022-02-07): ESP32, MicroPython v1.18, "
     "'at standard clock rate' (the port's default, 160 MHz), 'Coros 100 Iterations/sec "
     "3104'; rate.py's own comment quotes the same 322 us"),
    ("esp32", "pystone_lowmem pass", 1661, 240_000_000,
     "micropython/micropython#5673: ESP32 module, MicroPython v1.12 (2019-12-20), "
     "machine.freq(240 MHz), 1661 pystones/s"),
    ("esp32", "pystone_lowmem pass", 1602, 240_000_000,
     "micropython/micropython#6565: ESP32 module, MicroPython v1.12 (2019-12-20), 240 MHz, "
     "500 passes in 312 ms"),
    ("esp32", "pystone_lowmem pass", 1014, 240_000_000,
     "micropython/micropython#6565: ESP32 module, MicroPython v1.13-126 (2020-10-22, the build "
     "with the ESP32 speed regression), 240 MHz, 500 passes in 493 ms"),
)
# No published timing of either benchmark on an ESP32-S3 at a stated clock was found: the S3
# (Xtensa LX7) takes the ESP32's (LX6) runs. A published run of a third, floating-point
# benchmark on many boards (scruss.com, tag "benchmark", "Parallel MicroPython Benchmarking",
# MicroPython 1.24-1.25: ESP32-C3 at 160 MHz 13.2 s, ESP32-S3 at 240 MHz 8.9 s, ESP32 at
# 160 MHz 15.4 s) has the C3 and the S3 needing 14 % and 13 % fewer cycles than the ESP32,
# so the ESP32's runs are on the slow side for the S3.


def run_factor(bench: str, per_s: float, hz: int) -> float:
    return hz / per_s / BENCH_INSTRUCTIONS[bench]


def cycles_per_instruction(chip: str) -> tuple[float, float, float]:
    """(lowest, typical, highest) cycles per instruction counted here for ``chip``: typical
    is the median of the published runs on that chip (the ESP32's where it has none), the
    range the lowest and highest of all the published runs."""
    every = sorted(run_factor(b, n, hz) for _, b, n, hz, _ in PUBLISHED)
    own = [run_factor(b, n, hz) for c, b, n, hz, _ in PUBLISHED if c == chip] or \
        [run_factor(b, n, hz) for c, b, n, hz, _ in PUBLISHED if c == "esp32"]
    return (round(every[0], 2), round(statistics.median(own), 2), round(every[-1], 2))


SCRIPT = r"""
import sys, time
from array import array
import asyncio
from app.device import Device
from logic.localtime import device_seconds

PATH, STORE, WAKES, ENGINE = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4] == "1"

class Clock:
    def __init__(self):
        self.ms = 0
    def ticks_ms(self):
        return self.ms
    def time(self):
        return 1772442000 + self.ms // 1000
    def seconds(self):
        return device_seconds(self.time())

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


def rate_step_instructions(mpy: str, rate: Path) -> int:
    """Callgrind's instructions for one coroutine step of the given rate.py with 100
    coroutines on ``mpy``: the file as published, run for 2 s and 6 s with only its first
    (100-coroutine) round."""
    text = rate.read_text()
    for old, new in (("num_coros = (100, 200, 500, 1000)", "num_coros = (100,)"),
                     ("duration = 2 ", "duration = int(__import__('sys').argv[1]) ")):
        if old not in text:
            raise SystemExit(f"rate.py has changed: no {old!r}")
        text = text.replace(old, new)
    steps, counts = [], []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / "rate.py").write_text(text)
        env = {"MICROPYPATH": f"{work}:.frozen", "PATH": "/usr/bin:/bin"}
        for seconds in (2, 6):
            done = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
                                   mpy, str(work / "rate.py"), str(seconds)],
                                  capture_output=True, text=True, env=env, timeout=600)
            per_s = re.search(r"Coros\s+100\s+Iterations/sec\s+(\d+)", done.stdout)
            match = re.search(r"Collected\s*:\s*(\d+)", done.stderr)
            if done.returncode or not per_s or not match:
                raise SystemExit(f"valgrind run failed: {done.stderr[-2000:]}")
            steps.append(int(per_s.group(1)) * seconds)
            counts.append(int(match.group(1)))
    return (counts[1] - counts[0]) // (steps[1] - steps[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pystone", type=Path, metavar="PYSTONE_LOWMEM_PY",
                        help="only count one pystone pass (BENCH_INSTRUCTIONS)")
    parser.add_argument("--rate", type=Path, metavar="RATE_PY",
                        help="only count one rate.py coroutine step (BENCH_INSTRUCTIONS)")
    args = parser.parse_args()
    mpy = subprocess.run([sys.executable, str(ROOT / "tools" / "board_micropython.py")],
                         capture_output=True, text=True, check=True).stdout.strip().split()[-1]
    if not shutil.which("valgrind"):
        raise SystemExit("needs valgrind")
    if args.pystone:
        print("instructions per pystone pass:", pystone_pass_instructions(mpy, args.pystone))
    if args.rate:
        print("instructions per rate.py step:", rate_step_instructions(mpy, args.rate))
    if args.pystone or args.rate:
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
        result[f"wake_{name}_ms_160mhz"] = {
            chip: [round(total * k / CPU_HZ * 1000, 2) for k in cycles_per_instruction(chip)]
            for chip in CHIPS}
    result["cycles_per_instruction"] = {chip: list(cycles_per_instruction(chip))
                                        for chip in CHIPS}
    result["calibration"] = {
        "instructions_here": BENCH_INSTRUCTIONS,
        "published": [{"chip": chip, "benchmark": bench, "per_s": per_s, "cpu_hz": hz,
                       "source": source,
                       "cycles_per_instruction": round(run_factor(bench, per_s, hz), 2)}
                      for chip, bench, per_s, hz, source in PUBLISHED]}
    OUT.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
