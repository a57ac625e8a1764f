"""``unsit eval hapt DIR [--seed N]``: score the posture detector and the baselines on HAPT data.

Each experiment is worn in a random orientation drawn from the seed; the table shows, per
subject and overall, the balanced accuracy of sitting vs upright and lying recall, and the
confusion matrices, for unsit, ActiGraph counts and a fixed-angle inclinometer.
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

    result = evaluate.evaluate(args.folder, seed=args.seed, progress=progress,
                               baselines=not args.no_baselines)
    if console.progress_shown():
        print("\r" + " " * 60 + "\r", end="", file=sys.stderr)
    print(evaluate.format_result(result))
    return 0
