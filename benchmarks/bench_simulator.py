"""Where the time of a simulated day goes, under the MicroPython interpreter.

Runs the demo's office day through the real ``firmware/main.py`` on the simulated board (as
``unsit demo`` does) and, on one hour of the same samples, each stage alone: reading the
simulated FIFO, the posture detector, the tap detector and the coach. Prints seconds of CPU
per hour of samples and the whole day's figures. Usage: ``.venv/bin/python
benchmarks/bench_simulator.py``.
"""

from __future__ import annotations

import resource
import tempfile
import time
from pathlib import Path

from unsit.firmware import firmware_dir
from unsit.lab import tracegen
from unsit.lab.micropython_runner import run_micropython
from unsit.lab.simulation import read_board, run_firmware

STAGES = r"""
import sys, time
from array import array
from logic.detector import Detector
from logic.taps import TapDetector
from logic.coach import Coach
from logic.settings import Settings
from logic.localtime import device_seconds

PATH = sys.argv[1]
N = 90000  # one hour at 25 Hz
buf = array("h", bytes(6 * 25))

def timed(name, body):
    f = open(PATH, "rb")
    t0 = time.ticks_us()
    n = 0
    while n < N:
        f.readinto(buf)
        body()
        n += 25
    dt = time.ticks_diff(time.ticks_us(), t0) / 1e6
    f.close()
    print(name, dt)

def nothing():
    pass

det = Detector(25)
def detect():
    i = 0
    while i < 75:
        det.feed(buf[i], buf[i + 1], buf[i + 2])
        i += 3

taps = TapDetector()
def tap():
    taps.feed_buffer(buf, 25)

coach = Coach(Settings(), lambda kind, a=0, b=0: None)
t = [device_seconds(1772442000)]
def coach_second():
    t[0] += 1
    coach.second(t[0], 1, -1, False)

timed("fifo_read", nothing)
timed("detector", detect)
timed("taps", tap)
timed("coach", coach_second)
"""


def cpu_of_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    trace = tracegen.generate(tracegen.office_day())
    samples = trace.board_samples()
    hours = trace.seconds / 3600
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        began_cpu, began = cpu_of_children(), time.perf_counter()
        run_firmware(samples, work / "day", 1772442000)
        cpu, wall = cpu_of_children() - began_cpu, time.perf_counter() - began
        board, _ = read_board(work / "day")
        print(f"office day: {hours:.2f} h of samples ({len(trace.samples)} samples)")
        print(f"  whole firmware under MicroPython: {cpu:.1f} s CPU, {wall:.1f} s wall, "
              f"{cpu / hours:.2f} s CPU per hour of samples")
        print(f"  board: {board}")
        (work / "hour.bin").write_bytes(samples[:90000 * 6])
        script = work / "stages.py"
        script.write_text(STAGES)
        done = run_micropython([str(script), str(work / "hour.bin")], path=[firmware_dir()])
        print("one hour of samples, each stage alone (s CPU-ish, wall clock in the VM):")
        parts = {}
        for line in done.stdout.decode().split("\n"):
            if line.strip():
                name, seconds = line.split()
                parts[name] = float(seconds)
                print(f"  {name:10s} {float(seconds):.3f} s/h")
        if done.returncode:
            print(done.stderr.decode())
        rest = cpu / hours - sum(parts.values())
        print(f"  app and simulated board (the rest): {rest:.3f} s/h")
        print(f"  a 10 h day would take about {10 * cpu / hours:.0f} s of CPU")


if __name__ == "__main__":
    main()
