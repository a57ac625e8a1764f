"""``unsit demo``: an office worker's day on a simulated clip, for people without a board.

Generates the day's accelerometer trace (``unsit.lab.tracegen``), runs the real
``firmware/main.py`` on it under the MicroPython interpreter on the simulated board, and
shows the day: what the wearer did, when the clip reminded them, how each reminder was
answered, and the totals. Then it syncs the simulated clip over a pty with the same code as
``unsit sync`` (into a throw-away store, never the user's) and prints ``unsit summary`` of the
synced day. Needs nothing but the installed package.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

from typing import TYPE_CHECKING

from unsit import cli, clip_settings, console
from unsit.clip_settings import parse_assignments
from unsit.commands.simulate import add_set_argument, duration
from unsit.log.reminders import HEEDED, SNOOZED
from unsit.lab.simulation import SimulationResult, simulate

if TYPE_CHECKING:
    from unsit.lab import tracegen

NAME = "demo"
HELP = "Run the real firmware on a simulated clip through an office day and show the reminders."

START = datetime(2026, 3, 2, 8, 0, tzinfo=timezone.utc)  # a Monday morning
_DOING = {"sit": "sits", "stand": "stands", "walk": "walks", "lie": "lies down",
          "desk": "leaves the clip on the desk"}


def _seed(text: str) -> int:
    try:
        seed = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if not 0 <= seed < 2**32:
        raise argparse.ArgumentTypeError(f"must be from 0 to {2**32 - 1}, not {seed}")
    return seed


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--seed", type=_seed, default=1,
                        help="varies the generated day's details (default 1)")
    parser.add_argument("--json", action="store_true", help="print the result as one JSON object")
    add_set_argument(parser)


def run(args: argparse.Namespace) -> int:
    import json

    from unsit.lab import tracegen  # numpy: loaded only when a command needs it

    settings = {"utc_offset_min": 0, **parse_assignments(args.assignments)}
    script = tracegen.parse_script(tracegen.office_day(args.seed))
    console.say("generating an office worker's day ...")
    trace = tracegen.generate(script)
    with tempfile.TemporaryDirectory(prefix="unsit-demo-") as scratch:
        clip = Path(scratch) / "clip"
        result = simulate(trace.board_samples(), int(START.timestamp()), workdir=clip,
                          settings=settings,
                          progress=console.say)
        if args.json:
            json.dump(result.to_json(), sys.stdout)
            sys.stdout.write("\n")
            return 0
        show_day(script, result, settings)
        if os.name == "posix":
            sys.stdout.flush()
            sync_and_summarise(clip, Path(scratch) / "demo-store.db")
    return 0


def sync_and_summarise(clip: Path, db: Path) -> None:
    """Sync the simulated clip's log over a pty, as ``unsit sync`` does with a board, into a
    throw-away store, and print the day's summary from the synced data."""
    import asyncio

    from unsit.lab.serve import start_served_clip
    from unsit.sync import sync_serial

    print()
    print("Syncing the clip over its serial port, as 'unsit sync' does with a board ...")
    with start_served_clip(b"", workdir=clip) as served:
        report = asyncio.run(sync_serial(served.path, db))
    print(f"{report.fetched} log records synced. 'unsit summary' of the synced day:")
    print()
    sys.stdout.flush()
    cli.main(["summary", "--db", str(db), "--days", "1", "--tz", "UTC"])


def answer(result: SimulationResult, index: int) -> str:
    reminder = result.reminders[index]
    if reminder.outcome == HEEDED and reminder.seconds_to_get_up is not None:
        up = reminder.seconds_to_get_up
        return f"heeded: up and moving {up // 60} min {up % 60:02d} s later"
    if reminder.outcome == SNOOZED:
        return f"snoozed with a double tap for {reminder.snooze_min} min"
    return "ignored: kept sitting"


def postures(script: tracegen.DayScript) -> list[tuple[float, str, float]]:
    """(start second, posture, seconds), a posture that a tap split in the script joined."""
    from unsit.lab import tracegen

    out: list[tuple[float, str, float]] = []
    for t, seg in tracegen.segments_table(script):
        if seg.kind == "tap":
            continue
        if out and out[-1][1] == seg.kind:
            out[-1] = (out[-1][0], seg.kind, out[-1][2] + seg.seconds)
        else:
            out.append((t, seg.kind, seg.seconds))
    return out


def show_day(script: tracegen.DayScript, result: SimulationResult,
             settings: dict[str, int] | None = None) -> None:
    from unsit.lab import tracegen

    def at(t_s: float) -> str:
        return (START + timedelta(seconds=int(t_s))).strftime("%H:%M")

    lines: list[tuple[float, int, str]] = []
    for t, kind, seconds in postures(script):
        lines.append((t, 0, f"{at(t)}  the wearer {_DOING[kind]} ({duration(seconds)})"))
    for t, seg in tracegen.segments_table(script):
        if seg.kind == "tap":
            lines.append((t, 0, f"{at(t)}    the wearer taps the clip twice"))
    for i, reminder in enumerate(result.reminders):
        label = "reminder" if reminder.repeat == 0 else f"reminder (repeat {reminder.repeat})"
        lines.append((reminder.t_s, 1, f"{at(reminder.t_s)}    >> the clip buzzes: {label} "
                                       f"after {reminder.minutes_sat} min sitting; "
                                       f"{answer(result, i)}"))
    for held in result.suppressed:
        lines.append((held.t_s, 1, f"{at(held.t_s)}    .. reminder held back ({held.reason}) "
                                   f"after {held.minutes_sat} min sitting"))
    for t_s in result.not_worn_recognised:
        if t_s > 5:  # the clip starts on a table before it is clipped on
            lines.append((t_s, 1, f"{at(t_s)}    .. the clip notices it is not worn"))
    print(f"unsit demo: an office worker's day ({START:%A %d %B}), on a simulated clip running "
          "the real firmware under MicroPython")
    defaults = clip_settings.defaults()
    changed = clip_settings.changed_keys(defaults, {**defaults, **(settings or {})})
    changed.pop("utc_offset_min", None)
    if changed:
        print("with settings " + ", ".join(f"{key}={new} (default {old})"
                                           for key, (old, new) in changed.items()))
    print()
    for _, _, text in sorted(lines):
        print(text)
    print()
    heeded = sum(1 for r in result.reminders if r.heeded)
    print(f"Reminders felt: {len(result.reminders)}, heeded {heeded}, "
          f"snoozes {len(result.snoozes)}, held back {len(result.suppressed)}.")
    totals = ", ".join(f"{name.replace('_', ' ')} {duration(seconds)}"
                       for name, seconds in result.totals_s.items() if seconds >= 30)
    print(f"The clip's log: {totals}; {result.steps} steps.")
    print(f"({duration(result.trace_s)} of samples ran through the firmware in "
          f"{result.run_s:.0f} s.)")
