"""Peak memory and time of ``unsit analyze`` on a long recording, read as a stream.

Writes a CSV of ``--hours`` at ``--rate`` Hz (half-hours of standing, sitting and walking,
x,y,z in g) into a temporary folder, then runs ``unsit analyze`` on it in a child process and
reports the child's own peak resident memory (``wait4``) and its wall time.

    .venv/bin/python benchmarks/bench_analyze.py [--hours 24] [--rate 50]
"""

from __future__ import annotations

import argparse
import math
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def write_day(path: Path, hours: float, rate: float) -> None:
    rng = random.Random(1)
    with open(path, "w") as out:
        out.write("x,y,z\n")
        for i in range(int(hours * 3600 * rate)):
            t = i / rate
            block = int(t // 1800) % 3   # standing, sitting, walking by the half hour
            sway = 0.01 * math.sin(2 * math.pi * 0.3 * t) + 0.004 * rng.random()
            if block == 2:
                g = 0.3 * math.sin(2 * math.pi * 1.8 * t)
                out.write(f"{sway:.4f},{-1.0 - g:.4f},{0.05 + g / 3:.4f}\n")
            elif block == 1:
                out.write(f"{0.34 + sway:.4f},-0.9400,{0.05 + sway:.4f}\n")
            else:
                out.write(f"{sway:.4f},{-1.0 + sway / 4:.4f},{0.05 + sway:.4f}\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, default=24.0)
    parser.add_argument("--rate", type=float, default=50.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="unsit-bench-") as scratch:
        path = Path(scratch) / "day.csv"
        write_day(path, args.hours, args.rate)
        size_mb = path.stat().st_size / 1e6
        began = time.perf_counter()
        child = subprocess.Popen([sys.executable, "-m", "unsit", "analyze", str(path),
                                  "--rate", f"{args.rate:g}"], stdout=subprocess.DEVNULL)
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.perf_counter() - began
    peak_mb = usage.ru_maxrss / 1024 / (1024 if sys.platform == "darwin" else 1)
    print(f"unsit analyze, {args.hours:g} h at {args.rate:g} Hz ({size_mb:.0f} MB CSV): "
          f"exit {child.returncode}, peak {peak_mb:.0f} MB, {seconds:.0f} s")


if __name__ == "__main__":
    main()
