"""``unsit eval hapt DIR [--seed N]``: score the posture detector and the baselines on HAPT data.

Each experiment is worn in a random orientation drawn from the seed; the table shows, per
subject and overall, the balanced accuracy of sitting vs upright and lying recall, and the
confusion matrices, for unsit, ActiGraph counts, the inclinometer calibrated on walking and
a fixed-angle inclinometer. Then the long bouts (``unsit.longbouts``): an hour of each
experiment's own sitting bouts, of its standing bouts, and a clip left on a desk between two
sits, run through the real firmware under MicroPython.
"""

from __future__ import annotations

import argparse
import sys

from unsit import console

NAME = "eval"
HELP = "Score the posture detector and the baselines on a labelled data set (HAPT)."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("dataset", choices=["hapt"], help="the data set's format")
    parser.add_argument("folder", metavar="DIR",
                        help="the HAPT RawData folder (acc_*.txt, labels.txt)")
    parser.add_argument("--seed", type=int, default=0,
                        help="seed of the random mounting of each experiment (default 0)")
    parser.add_argument("--no-baselines", action="store_true",
                        help="score only the detector (faster)")
    parser.add_argument("--no-long", action="store_true",
                        help="skip the long bouts run through the firmware (minutes of CPU)")
    parser.add_argument("--jobs", type=int, default=2, metavar="N",
                        help="processes for the long bouts (default 2)")


def run(args: argparse.Namespace) -> int:
    from unsit import evaluate
    from unsit.errors import UnsitError

    if not args.no_baselines:
        try:
            import agcounts  # noqa: F401
        except ImportError:
            raise UnsitError("the ActiGraph baseline needs the 'agcounts' package "
                             "(pip install 'unsit[eval]'), or use --no-baselines") from None

    def progress(message: str) -> None:
        if console.progress_shown():
            print(f"\r{message:<60}", end="", file=sys.stderr, flush=True)

    if args.jobs < 1:
        raise UnsitError("--jobs must be at least 1", exit_code=2)
    result = evaluate.evaluate(args.folder, seed=args.seed, progress=progress,
                               baselines=not args.no_baselines)
    if console.progress_shown():
        print("\r" + " " * 60 + "\r", end="", file=sys.stderr)
    print(evaluate.format_result(result))
    if not args.no_long:
        from unsit import longbouts

        outcomes = longbouts.evaluate_long(args.folder, seed=args.seed, jobs=args.jobs,
                                           progress=progress)
        if sys.stderr.isatty():
            print("\r" + " " * 60 + "\r", end="", file=sys.stderr)
        print()
        print(longbouts.format_long(outcomes, args.seed))
    return 0
