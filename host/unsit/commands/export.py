"""``unsit export``: the stored minutes, the sitting bouts or the events as CSV or JSON.

For analysis elsewhere (a spreadsheet, pandas, R). Everything stored is exported unless
``--days`` or ``--from``/``--to`` narrow it to local days.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TextIO

from unsit.errors import UnsitError
from unsit.review.export import FIELDS, WHAT, export_rows
from unsit.review.options import Selection, add_day_options, add_store_options
from unsit.review.tables import write_csv, write_json

NAME = "export"
HELP = "Export the stored minutes, sitting bouts or events as CSV or JSON for analysis elsewhere."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", required=True, choices=("csv", "json"), help="output format")
    parser.add_argument("--what", choices=WHAT, default="minutes",
                        help="which rows (default: minutes)")
    parser.add_argument("-o", "--output", metavar="FILE", help="write here instead of stdout")
    add_day_options(parser, None)
    add_store_options(parser)


def run(args: argparse.Namespace) -> int:
    chosen = Selection(args)
    try:
        rows = export_rows(chosen.conn, args.what, chosen.devices, chosen.zone, chosen.span_utc())
        if args.output:
            try:
                with Path(args.output).open("w", encoding="utf-8", newline="") as out:
                    _write(out, args.format, args.what, rows)
            except OSError as error:
                raise UnsitError(f"cannot write {args.output}: {error.strerror}") from None
        else:
            _write(sys.stdout, args.format, args.what, rows)
    finally:
        chosen.close()
    return 0


def _write(out: TextIO, fmt: str, what: str, rows: Iterable[dict[str, Any]]) -> None:
    if fmt == "csv":
        write_csv(out, FIELDS[what], rows)
    else:
        write_json(out, rows)
