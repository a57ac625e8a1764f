"""Detector and coach together on long sits built by chaining real HAPT sitting bouts.

HAPT's sitting bouts last 12-32 s, so an hour of sitting has to be built: for each of the 42
recordings (``../shared/data/hapt``, a waist-worn phone, raw axes, 50 Hz, every other sample
kept for 25 Hz) the script plays the subject's first standing bout and two walks (the
detector learns the upright posture), the stand-to-sit transition, then the subject's first
sitting bout repeated back to back for 65 minutes, then a stand-up and a walk. It prints,
per recording and in total, when the coach's first reminder came, counted from the start of
the chained sitting (the aim is 60 min +/- 30 s), or that none came (the detector did not
read the chain as sitting). CPython; about half a minute.

    .venv/bin/python benchmarks/bench_coach_hapt.py
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from unsit.firmware import firmware_dir

sys.path.insert(0, str(firmware_dir()))

from logic import events  # noqa: E402  (firmware logic, imported as on the board)
from logic.coach import Coach  # noqa: E402
from logic.detector import Detector  # noqa: E402
from logic.settings import Settings  # noqa: E402

SITTING, STANDING, WALKING = 4, 5, 1
STAND_TO_SIT, SIT_TO_STAND = 7, 8
SIT_S = 65 * 60


def rows_of(path: Path) -> list[tuple[int, int, int]]:
    out = []
    for line in path.read_text().split("\n"):
        if line.strip():
            x, y, z = (int(round(float(v) * 1000)) for v in line.split())
            out.append((x, y, z))
    return out


def chained_day(rows, bouts) -> tuple[list[tuple[int, int, int]], float]:
    def bout(activity: int, index: int = 0):
        found = [(s, e) for a, s, e in bouts if a == activity]
        start, end = found[index % len(found)]
        return rows[start - 1:end]

    day = bout(STANDING) + bout(WALKING) + bout(WALKING, 1) + bout(STAND_TO_SIT)
    sit_start_s = len(day) / 50
    sitting = bout(SITTING)
    sat = 0
    while sat < SIT_S * 50:
        day += sitting
        sat += len(sitting)
    day += bout(SIT_TO_STAND) + bout(WALKING, 2)
    return day[::2], sit_start_s


def first_reminder_s(samples) -> int | None:
    detector = Detector(rate_hz=25)
    reminders: list[int] = []

    def emit(kind: int, a: int = 0, b: int = 0) -> None:
        if kind == events.REMINDER:
            reminders.append(detector.second)

    coach = Coach(Settings(), emit)
    for x, y, z in samples:
        if detector.feed(x, y, z):
            still = detector.still_since if detector.still_since >= 0 else -1
            coach.second(detector.second, detector.state, still)
    return reminders[0] if reminders else None


def main() -> int:
    root = Path(os.environ.get("UNSIT_SHARED_DATA", Path(__file__).resolve().parents[2]
                               / "shared" / "data")) / "hapt"
    if not (root / "labels.txt").is_file():
        print(f"HAPT not found at {root}: nothing to measure")
        return 0
    bouts: dict[tuple[int, int], list[tuple[int, int, int]]] = {}
    for line in (root / "labels.txt").read_text().split("\n"):
        if line.strip():
            exp, user, activity, start, end = (int(v) for v in line.split())
            bouts.setdefault((exp, user), []).append((activity, start, end))
    on_time = late = missing = 0
    for (exp, user), labelled in sorted(bouts.items()):
        rows = rows_of(root / f"acc_exp{exp:02d}_user{user:02d}.txt")
        samples, sit_start_s = chained_day(rows, labelled)
        at = first_reminder_s(samples)
        if at is None:
            missing += 1
            print(f"exp {exp:2d} user {user:2d}: no reminder (the chain was not read as sitting)")
            continue
        after = at - sit_start_s
        if abs(after - 3600) <= 30:
            on_time += 1
        else:
            late += 1
        print(f"exp {exp:2d} user {user:2d}: first reminder {after / 60:.2f} min after sitting down")
    print(f"{len(bouts)} chained 65-minute sits: {on_time} reminded at 60 min +/- 30 s, "
          f"{late} reminded outside that, {missing} not reminded")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
