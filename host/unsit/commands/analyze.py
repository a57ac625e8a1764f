"""``unsit analyze``: run the firmware's posture detector over a recorded trace.

Reads a trace (x y z in g, or time,x,y,z; text or CSV, gzip or not; see :mod:`unsit.lab.trace`)
as a stream, turns it into what a board would deliver (25 Hz, integer milli-g) and writes one
CSV row per whole second: ``second,state,steps``. Memory stays flat however long the file.
"""

from __future__ import annotations

import argparse
import csv
import sys

from unsit import console
from unsit.lab.trace import TraceReader, board_stream

NAME = "analyze"
HELP = "Run the firmware's posture detector on a trace file and print states per second (CSV)."

TRACE_HELP = ("trace file ('-' for stdin): x y z in g, one sample per line, or CSV with a "
              "header x,y,z or time,x,y,z (time ISO 8601 or epoch seconds); may be gzipped")
RATE_HELP = ("sampling rate of the file in Hz, 10 to 200 (default: inferred from the time "
             "column)")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("trace", help=TRACE_HELP)
    parser.add_argument("--rate", type=float, metavar="HZ", help=RATE_HELP)


def open_trace(path: str, rate: float | None, bar: console.ProgressBar) -> TraceReader:
    """The trace as a stream, saying (``-v``) what was found."""
    reader = TraceReader(path, rate, progress=bar)
    how = "inferred from the time column" if rate is None else "as given"
    console.detail(f"reading {reader.name}{' (gzip)' if reader.gzip else ''}: "
                   f"{reader.rate_hz:g} Hz ({how})")
    return reader


def run(args: argparse.Namespace) -> int:
    from unsit.lab.analysis import detect_stream  # the firmware detector, imported only when used

    with console.ProgressBar(f"reading {args.trace}") as bar, \
            open_trace(args.trace, args.rate, bar) as reader:
        out = csv.writer(sys.stdout, lineterminator="\n")
        header: tuple[str, ...] = ("second", "state", "steps")
        for second in detect_stream(board_stream(reader, reader.rate_hz)):
            if header:  # written with the first second: a bad line 3 leaves no output
                out.writerow(header)
                header = ()
            out.writerow((second.second, second.state, second.steps))
        if header:
            out.writerow(header)
        console.detail(f"{reader.rows_read} samples, {reader.rows_read / reader.rate_hz:.0f} s")
    return 0
