"""Breaks in the trace generator's office week, as the clip counts them.

Each day is ``tracegen.office_day(seed)`` (seeds 1-5, a working week) worn in one of the
mountings the generator offers (front, side, back; as designed, upside down, turned 15 or 30
degrees), run through the firmware's detector and coach (the pure logic, on CPython, as the
laptop runs it). A break is a bout the coach ended with ``bouts.END_BREAK``; the script puts
in ``SCRIPT_BREAKS`` a day. Prints breaks per day and reminders per mounting. Usage:
``.venv/bin/python benchmarks/bench_office_week.py [--days N] [--jobs N]``.
"""

from __future__ import annotations

import argparse
import re
from array import array
from concurrent.futures import ProcessPoolExecutor

from unsit.lab import tracegen
from unsit_firmware.logic import bouts, events
from unsit_firmware.logic.coach import Coach
from unsit_firmware.logic.detector import Detector
from unsit_firmware.logic.localtime import device_seconds
from unsit_firmware.logic.settings import Settings

# sit 47 | walk, sit 63 | stand, sit 61+24 | walk, sit 30 | walk, sit 95 | stand,
# sit 40 | stand, sit 35 | walk: seven sits each ended by a minute or more upright.
SCRIPT_BREAKS = 7
MOUNTINGS = ("front", "front upside-down", "front turned 15", "side", "side turned 30",
             "back", "back upside-down turned 15")
START_UTC = 1_780_000_000 - 1_780_000_000 % 86400 + 6 * 3600   # 06:00 UTC, 08:00 in Berlin


def one_day(job: tuple[str, int]) -> tuple[str, int, int, int]:
    mounting, seed = job
    script = re.sub(r"^mount .*$", f"mount {mounting}", tracegen.office_day(seed),
                    flags=re.MULTILINE)
    samples = array("h")
    samples.frombytes(tracegen.generate(script).board_samples())
    logged: list[tuple[int, int, int]] = []

    def emit(kind: int, a: int = 0, b: int = 0) -> None:
        logged.append((kind, a, b))

    settings = Settings()
    settings.set("utc_offset_min", 120)
    coach = Coach(settings, emit)
    detector = Detector(25)
    start = device_seconds(START_UTC)     # the coach counts device seconds, as on the clip
    t = start
    for i in range(0, len(samples) - 2, 3):
        if detector.feed(samples[i], samples[i + 1], samples[i + 2]):
            coach.second(t, detector.state, start + detector.still_since
                         if detector.still_since >= 0 else -1)
            t += 1
    breaks = sum(1 for kind, _, how in logged if kind == events.BOUT_END
                 and how == bouts.END_BREAK)
    reminders = sum(1 for kind, _, _ in logged if kind == events.REMINDER)
    return mounting, seed, breaks, reminders


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=5)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    jobs = [(m, seed) for m in MOUNTINGS for seed in range(1, args.days + 1)]
    with ProcessPoolExecutor(args.jobs) as pool:
        results = list(pool.map(one_day, jobs))
    print(f"office week: breaks per day (script: {SCRIPT_BREAKS}), reminders per day")
    worst = 0
    for mounting in MOUNTINGS:
        rows = [r for r in results if r[0] == mounting]
        worst = max([worst] + [abs(r[2] - SCRIPT_BREAKS) for r in rows])
        print(f"{mounting:<28} breaks {' '.join(str(r[2]) for r in rows)}"
              f"   reminders {' '.join(str(r[3]) for r in rows)}")
    print(f"largest difference from the script: {worst} break(s) a day")


if __name__ == "__main__":
    main()
