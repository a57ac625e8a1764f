"""``unsit analyze``: run the firmware's posture detector over a recorded trace.

Reads a text trace (x y z in g at ``--rate`` Hz), turns it into what a board would deliver
(25 Hz, integer milli-g) and writes one CSV row per whole second: ``second,state,steps``.
"""

from __future__ import annotations

import argparse
import csv
import sys

from unsit.errors import InputError
from unsit.trace import check_rate, read_trace, to_board_samples

NAME = "analyze"
HELP = "Run the firmware's posture detector on a trace file and print states per second (CSV)."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("trace",
                        help="text file of x y z in g, one sample per line ('-' for stdin)")
    parser.add_argument("--rate", type=float, required=True, metavar="HZ",
                        help="sampling rate of the file in Hz (at least 10)")


def run(args: argparse.Namespace) -> int:
    check_rate(args.rate)
    rows = read_trace(args.trace)
    if len(rows) == 0:
        raise InputError(f"{args.trace}: no samples")
    samples = to_board_samples(rows, args.rate)
    from unsit.analysis import detect_seconds  # the firmware detector, imported only when used

    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(("second", "state", "steps"))
    for second in detect_seconds(samples):
        out.writerow((second.second, second.state, second.steps))
    return 0
