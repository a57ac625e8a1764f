"""``unsit report``: write the review as one self-contained HTML file, optionally with PNGs.

The page needs no network to open. ``--png`` also writes each chart as an image beside it,
rendered by a headless Chromium (see :mod:`unsit.review.png`).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from unsit.errors import UnsitError
from unsit.review.options import Selection, add_day_options, add_store_options
from unsit.review.periods import DAILY_MAX, PERIODS, WEEKLY_MAX
from unsit.review.report import build_report

NAME = "report"
HELP = ("Write an HTML report (timeline per day, hourly heatmap, trends, tables by day, week or"
        " month) that opens offline.")

DEFAULT_DAYS = 30


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-o", "--output", metavar="FILE", default="report.html",
                        help="where to write the HTML (default: report.html)")
    add_day_options(parser, DEFAULT_DAYS)
    parser.add_argument("--by", choices=PERIODS,
                        help="one row per day, week or month in the trends, heatmap and table"
                             f" (default: by day up to {DAILY_MAX} days, by week up to"
                             f" {WEEKLY_MAX}, else by month)")
    parser.add_argument("--png", action="store_true",
                        help="also write each chart as FILE-<chart>.png (needs Chromium)")
    add_store_options(parser)


def run(args: argparse.Namespace) -> int:
    target = Path(args.output)
    if args.png:
        from unsit.review.png import require_browser
        require_browser()          # fail before the work, not after it
    chosen = Selection(args, only_one=True, default_days=DEFAULT_DAYS)
    try:
        assert chosen.first is not None and chosen.last is not None
        html = build_report(chosen.conn, chosen.devices[0], chosen.first, chosen.last,
                            chosen.zone, period=args.by)
    finally:
        chosen.close()
    try:
        target.write_text(html, encoding="utf-8")
    except OSError as error:
        raise UnsitError(f"cannot write {target}: {error.strerror}") from None
    print(f"wrote {target} ({chosen.first} to {chosen.last})", file=sys.stderr)
    if args.png:
        from unsit.review.png import render_charts
        render_charts(html, target.parent, target.stem,
                      progress=lambda path: print(f"writing {path}", file=sys.stderr))
    return 0
