"""Command-line options shared by the review commands (``summary``, ``report``, ``export``)."""

from __future__ import annotations

import argparse
import sqlite3
from datetime import date, timedelta, tzinfo

from unsit.errors import InputError
from unsit.review.source import (
    choose_days, day_start_utc, open_review_db, parse_date, resolve_zone, select_devices,
)


def add_store_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", metavar="PATH",
                        help="the store that 'unsit sync' fills (default: in the user data folder)")
    parser.add_argument("--device", metavar="ID",
                        help="a device id, a unique start of one, or its name (default: all)")
    parser.add_argument("--tz", metavar="ZONE",
                        help="time zone of the days, e.g. Europe/Berlin (default: this computer's)")


def add_day_options(parser: argparse.ArgumentParser, default_days: int | None) -> None:
    """--days, --from/--to, --since and --keep-empty; ``default_days`` None means all data."""
    default = f"default {default_days}" if default_days else "default: all"
    parser.add_argument("--days", type=int, metavar="N",
                        help=f"the last N days up to the latest day with data ({default})")
    parser.add_argument("--from", dest="first", metavar="DATE",
                        help="first day, YYYY-MM-DD (alone: until today)")
    parser.add_argument("--to", dest="last", metavar="DATE",
                        help="last day, YYYY-MM-DD (with --from: exactly these days)")
    parser.add_argument("--since", metavar="DATE", help="the days from DATE until today")
    parser.add_argument("--keep-empty", action="store_true",
                        help="also list days without data before or after the data")


class Selection:
    """What the options chose: the open store, devices, zone and days.

    Without ``default_days`` the days stay None (everything) unless the options narrow them.
    """

    def __init__(self, args: argparse.Namespace, only_one: bool = False,
                 default_days: int | None = None) -> None:
        self.zone: tzinfo = resolve_zone(args.tz)
        first = parse_date(args.first, "--from") if getattr(args, "first", None) else None
        since = getattr(args, "since", None)
        if since:
            if first is not None:
                raise InputError("give either --since or --from, not both")
            first = parse_date(since, "--since")
        last = parse_date(args.last, "--to") if getattr(args, "last", None) else None
        self.conn: sqlite3.Connection = open_review_db(args.db)
        self.devices: list[str] = select_devices(self.conn, args.device, only_one)
        self.first: date | None = None
        self.last: date | None = None
        days = getattr(args, "days", None)
        if default_days is not None or days is not None or first or last:
            self.first, self.last = choose_days(
                self.conn, self.devices, self.zone, days, first, last, default_days or 1,
                keep_empty=getattr(args, "keep_empty", False))

    def span_utc(self) -> tuple[int, int] | None:
        """The chosen days as UTC seconds ``[lo, hi)``, or None for everything."""
        if self.first is None or self.last is None:
            return None
        return (day_start_utc(self.first, self.zone),
                day_start_utc(self.last + timedelta(days=1), self.zone))

    def close(self) -> None:
        self.conn.close()
