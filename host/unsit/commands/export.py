"""``unsit export``: the stored minutes, the sitting bouts or the events as CSV or JSON, or
the posture events and minutes in the layouts of other tools (activPAL, Gadgetbridge).

For analysis elsewhere (a spreadsheet, pandas, R, activPAL pipelines). Everything stored is
exported unless ``--days``, ``--from``/``--to`` or ``--since`` narrow it to local days.
Columns: docs/metrics.md.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, TextIO

from unsit.errors import InputError, UnsitError
from unsit.review.export import (
    FIELDS, LAYOUTS, WHAT, activpal_events, export_rows, gadgetbridge_minutes,
)
from unsit.review.options import Selection, add_day_options, add_store_options
from unsit.review.tables import write_csv, write_json

NAME = "export"
HELP = ("Export the stored minutes, sitting bouts or events as CSV or JSON, or as activPAL-style"
        " events or Gadgetbridge-style minutes.")

FORMATS = ("csv", "json", "activpal", "gadgetbridge")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", required=True, choices=FORMATS,
                        help="csv or json (the rows --what chooses); activpal: one CSV row per"
                             " posture event, as an activPAL events file; gadgetbridge: one CSV"
                             " row per minute, as Gadgetbridge's activity samples")
    parser.add_argument("--what", choices=WHAT,
                        help="which rows for csv or json (default: minutes)")
    parser.add_argument("-o", "--output", metavar="FILE", help="write here instead of stdout")
    add_day_options(parser, None)
    add_store_options(parser)


def run(args: argparse.Namespace) -> int:
    layout = args.format in LAYOUTS
    if layout and args.what:
        raise InputError(f"--what goes with --format csv or json; --format {args.format}"
                         " has its own rows")
    what = args.what or "minutes"
    chosen = Selection(args, only_one=args.format == "activpal")
    try:
        rows: Iterable[dict[str, Any]]
        if args.format == "activpal":
            rows = activpal_events(chosen.conn, chosen.devices[0], chosen.zone,
                                   chosen.span_utc())
        elif args.format == "gadgetbridge":
            rows = gadgetbridge_minutes(chosen.conn, chosen.devices, chosen.zone,
                                        chosen.span_utc())
        else:
            rows = export_rows(chosen.conn, what, chosen.devices, chosen.zone,
                               chosen.span_utc())
        fields = LAYOUTS[args.format] if layout else FIELDS[what]
        if args.output:
            try:
                with Path(args.output).open("w", encoding="utf-8", newline="") as out:
                    _write(out, args.format, fields, rows)
            except OSError as error:
                raise UnsitError(f"cannot write {args.output}: {error.strerror}") from None
        else:
            _write(sys.stdout, args.format, fields, rows)
    finally:
        chosen.close()
    return 0


def _write(out: TextIO, fmt: str, fields: Sequence[str], rows: Iterable[dict[str, Any]]) -> None:
    if fmt == "json":
        write_json(out, rows)
    else:
        write_csv(out, fields, rows)
