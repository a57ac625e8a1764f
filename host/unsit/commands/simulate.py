"""``unsit simulate``: run the real firmware on a simulated clip fed from a trace file.

The trace (the ``unsit analyze`` formats, read as a stream) is turned into what a board delivers
(25 Hz, integer milli-g) and played to ``firmware/main.py`` under the MicroPython interpreter
on the simulated board; the command prints what the wearer would have felt: each reminder
(seconds from the start, minutes sat, heeded or not), snoozes, and the day's totals.
"""

from __future__ import annotations

import argparse
import json
import struct
import sys
from datetime import datetime, timedelta, timezone

from unsit import console
from unsit.clip_settings import parse_assignments
from unsit.commands.analyze import RATE_HELP, TRACE_HELP, open_trace
from unsit.errors import InputError
from unsit.lab.simulation import SimulationResult, simulate
from unsit.lab.trace import board_stream

NAME = "simulate"
HELP = "Run the real firmware on a simulated clip over a trace and show the reminders it gives."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("trace", help=TRACE_HELP)
    parser.add_argument("--rate", type=float, metavar="HZ", help=RATE_HELP)
    parser.add_argument("--start", metavar="ISO-8601",
                        help="when the trace began, e.g. 2026-03-02T08:00+01:00 (sets the "
                        "clip's clock and UTC offset; without it the clock was never set)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--serve", action="store_true",
                        help="serve the simulated clip's sync protocol on a pty (prints its "
                        "path) until stopped, for 'unsit sync --port PATH'")
    add_set_argument(parser)
    parser.add_argument("--speed", type=int, default=0, metavar="X",
                        help="with --serve: play the trace X times faster than real time "
                        "(default: as fast as possible)")


def add_set_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        dest="assignments",
                        help="run the firmware with this setting, as 'unsit settings' sets "
                        "it on a clip (repeatable), e.g. --set sit_limit_min=45 --set "
                        "quiet_hours=off")


def parse_start(text: str | None) -> datetime | None:
    """The trace's start; a time without a zone is taken as UTC."""
    if text is None:
        return None
    try:
        start = datetime.fromisoformat(text)
    except ValueError:
        raise InputError(f"--start: not an ISO-8601 time: {text!r} "
                         "(e.g. 2026-03-02T08:00+01:00)") from None
    if start.tzinfo is None:
        start = start.replace(tzinfo=timezone.utc)
    if not 2000 <= start.astimezone(timezone.utc).year < 2106:
        # the clip keeps UTC in an unsigned 32-bit count of seconds since 1970
        raise InputError(f"--start: {text!r} is outside the clip's clock (years 2000 to 2105)")
    return start


def start_settings(start: datetime | None, assignments: list[str] | None = None
                   ) -> dict[str, int]:
    """Settings a sync would have given the clip (its UTC offset, for quiet hours) and those
    of ``--set KEY=VALUE`` (checked as the clip checks them; a mistake exits 2)."""
    chosen = parse_assignments(assignments or [])
    if start is None:
        return chosen
    offset = start.utcoffset() or timedelta(0)
    return {"utc_offset_min": int(offset.total_seconds() // 60), **chosen}


def board_bytes_of(path: str, rate: float | None) -> bytes:
    """The whole trace as the board's sample file (6 bytes a sample at 25 Hz: 13 MB a day),
    read as a stream with a progress bar on a terminal."""
    pack = struct.Struct("<hhh").pack
    out = bytearray()
    with console.ProgressBar(f"reading {path}") as bar, open_trace(path, rate, bar) as reader:
        for x, y, z in board_stream(reader, reader.rate_hz):
            out += pack(x, y, z)
    if not out:
        raise InputError(f"{path}: too short for one sample at 25 Hz")
    return bytes(out)


def run(args: argparse.Namespace) -> int:
    if args.speed and not args.serve:
        raise InputError("--speed applies to --serve only")
    start = parse_start(args.start)
    settings = start_settings(start, args.assignments)
    samples = board_bytes_of(args.trace, args.rate)
    if args.serve:
        return serve(samples, start, args.speed, settings)
    result = run_simulation(samples, start, settings)
    if args.json:
        json.dump(result.to_json(), sys.stdout)
        sys.stdout.write("\n")
    else:
        print_result(result, start)
        if args.assignments:
            print("With settings " + ", ".join(args.assignments) + ".")
    return 0


def serve(samples: bytes, start: datetime | None, speed: int,
          settings: dict[str, int] | None = None) -> int:
    """Serve the protocol of the simulated clip on a pty until stopped."""
    from unsit.lab.serve import print_ready, serve_until_stopped, start_served_clip

    if speed < 0:
        raise InputError("--speed must be a positive whole number")
    clip = start_served_clip(samples, int(start.timestamp()) if start else None,
                             settings=start_settings(start) if settings is None else settings,
                             speed=speed)
    print_ready(clip)
    return serve_until_stopped(clip, console.say)


def run_simulation(samples: bytes, start: datetime | None,
                   settings: dict[str, int] | None = None) -> SimulationResult:
    with console.Elapsed("running the firmware"):
        return simulate(samples, int(start.timestamp()) if start else None,
                        settings=start_settings(start) if settings is None else settings,
                        progress=console.say)


def clock(t_s: float, start: datetime | None) -> str:
    """``+hh:mm:ss`` from the start, and the wall-clock time when the start is known."""
    seconds = int(t_s)
    text = f"+{seconds // 3600:d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
    if start is not None:
        text += (start + timedelta(seconds=seconds)).strftime(" (%H:%M)")
    return text


def duration(seconds: float) -> str:
    minutes = int(round(seconds / 60))
    return f"{minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"{minutes} min"


def print_result(result: SimulationResult, start: datetime | None) -> None:
    print(f"Simulated {duration(result.trace_s)} on the real firmware "
          f"(MicroPython, {result.run_s:.1f} s).")
    print()
    lines: list[tuple[float, str]] = []
    for r in result.reminders:
        which = "reminder" if r.repeat == 0 else f"repeat {r.repeat}"
        answer = (f"heeded: up after {r.seconds_to_get_up} s" if r.heeded
                  else "not heeded within 5 min")
        lines.append((r.t_s, f"  {clock(r.t_s, start):<18} {which:<9} after {r.minutes_sat} "
                             f"min sitting   {answer}"))
    for s in result.snoozes:
        lines.append((s.t_s, f"  {clock(s.t_s, start):<18} snoozed for {s.minutes} min "
                             "(double tap)"))
    for q in result.suppressed:
        lines.append((q.t_s, f"  {clock(q.t_s, start):<18} held back ({q.reason}) after "
                             f"{q.minutes_sat} min sitting"))
    print(f"Reminders ({len(result.reminders)}):" if result.reminders else "Reminders: none")
    for _, text in sorted(lines):
        print(text)
    print()
    heeded = sum(1 for r in result.reminders if r.heeded)
    if result.reminders:
        print(f"Heeded {heeded} of {len(result.reminders)} reminders.")
    totals = ", ".join(f"{name.replace('_', ' ')} {duration(seconds)}"
                       for name, seconds in result.totals_s.items() if seconds >= 30)
    print(f"Totals: {totals or 'under a minute of any posture'}; {result.steps} steps.")
    if result.faults:
        print(f"Faults recorded by the firmware: {result.faults}")
