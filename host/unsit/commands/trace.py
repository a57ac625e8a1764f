"""``unsit trace``: write an accelerometer trace from a day script (docs/tracegen.md).

The script says what the wearer does, one line each; the trace generator turns it into what a
belt clip's accelerometer would record (x y z in g), in the text format ``unsit analyze`` and
``unsit simulate`` read. A mistake in the script is one line naming the script's line and what
was expected there.
"""

from __future__ import annotations

import argparse
import gzip
import sys
from pathlib import Path
from typing import TextIO

from unsit import console
from unsit.durations import human_duration
from unsit.errors import InputError
from unsit.lab.trace import BOARD_RATE_HZ, check_rate

NAME = "trace"
HELP = "Write an accelerometer trace of a day script (what the wearer does, line by line)."

EXAMPLE = """\
example script (docs/tracegen.md has every option):

  seed 7                      # the random details of this day
  mount front turned 15       # front|side|back, [upside-down], [turned DEG]
  walk 12m cadence 1.85       # a posture and how long: 90s, 45m, 8h, 1h30m
  stand 3m
  sit 61m
  tap                         # a double tap on the clip
  sit 24m
  desk 40m face up            # the clip left on a desk
  lie 30m side back

  unsit trace my-day.script -o my-day.txt.gz && unsit simulate my-day.txt.gz --rate 25
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = EXAMPLE
    parser.add_argument("script", nargs="?",
                        help="the day script, a text file ('-' for standard input)")
    parser.add_argument("-o", "--output", metavar="FILE",
                        help="where to write the trace (default: standard output; a name "
                        "ending in .gz is compressed)")
    parser.add_argument("--rate", type=float, default=float(BOARD_RATE_HZ), metavar="HZ",
                        help="samples per second, 10 to 200 (default %(default)g, the clip's rate)")
    parser.add_argument("--seed", type=int, metavar="N",
                        help="the random details of the day (overrides the script's seed)")
    parser.add_argument("--example", action="store_true",
                        help="print the demo's office day as a script to start from")


def read_script(path: str) -> str:
    if path == "-":
        return sys.stdin.read()
    try:
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a folder, not a day script") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: not a text file") from None


def run(args: argparse.Namespace) -> int:
    from unsit.lab import tracegen  # numpy: loaded only when a command needs it
    from unsit.lab.trace import write_trace

    if args.example:
        print(tracegen.office_day(args.seed if args.seed is not None else 1))
        return 0
    if args.script is None:
        raise InputError("give a day script (a file, or '-' for standard input); "
                         "'unsit trace --example' prints one to start from")
    check_rate(args.rate)
    name = "<stdin>" if args.script == "-" else args.script
    script = tracegen.parse_script(read_script(args.script), name)
    if not script.segments or script.seconds <= 0:
        raise InputError(f"{name}: the script has no postures (e.g. 'sit 30m')")
    if args.seed is not None:
        if not 0 <= args.seed < 2**32:
            raise InputError(f"--seed must be from 0 to {2**32 - 1}, not {args.seed}")
        script.seed = args.seed
    trace = tracegen.generate(script, args.rate)
    comment = f"unsit trace of {name}, {args.rate:g} Hz, seed {script.seed}"
    out: TextIO
    try:
        if args.output is None:
            out = sys.stdout
        elif args.output.endswith(".gz"):
            out = gzip.open(args.output, "wt", encoding="utf-8", compresslevel=6)
        else:
            out = open(args.output, "w", encoding="utf-8")
    except OSError as error:
        raise InputError(f"cannot write {args.output}: {error.strerror or error}") from None
    try:
        write_trace(trace.samples.tolist(), out, comment)
    finally:
        if out is not sys.stdout:
            out.close()
    if args.output is not None:
        console.say(f"wrote {len(trace.samples)} samples ({human_duration(trace.seconds)} at "
                    f"{args.rate:g} Hz) to {args.output}")
    return 0
