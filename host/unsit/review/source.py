"""Where the review reads from: the store, the chosen devices, the wearer's time zone and days.

Times in the store are UTC epoch seconds; the review groups them into the wearer's local days
with :class:`LocalClock`, which knows the zone's UTC offsets over the range read so that both
Python and SQL can map a time to its local day in one step (DST days last 23 or 25 hours).
"""

from __future__ import annotations

import bisect
import os
import sqlite3
from datetime import date, datetime, time, timedelta, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from unsit.errors import InputError, UnsitError
from unsit.store import default_path, open_store

DAY_S = 86400
EPOCH = date(1970, 1, 1)


def open_review_db(path: str | Path | None) -> sqlite3.Connection:
    """The store's connection, for reading. A missing file is a user mistake, not a new store."""
    target = default_path() if path is None else Path(path).expanduser()
    if not target.is_file():
        raise UnsitError(f"no store at {target}: run 'unsit sync' first or pass --db PATH", 2)
    try:
        probe = sqlite3.connect(f"{target.resolve().as_uri()}?mode=ro", uri=True)
        try:
            version = _schema_version(probe)
        finally:
            probe.close()
    except sqlite3.DatabaseError as error:
        raise UnsitError(f"cannot read {target} as the unsit store: {error}", 2) from None
    if version is None:
        # Reviewing writes nothing, so another program's database is refused, not converted.
        raise UnsitError(f"{target} is not an unsit store (no unsit tables in it)", 2)
    return open_store(target).conn  # a store of an older unsit is brought up to date here


def _schema_version(conn: sqlite3.Connection) -> int | None:
    """The store's schema version, or None when the file holds no unsit schema."""
    has_table = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"
    ).fetchone()
    if not has_table:
        return None
    row = conn.execute("SELECT MAX(version) FROM schema_migrations").fetchone()
    return int(row[0] or 0)


def select_devices(conn: sqlite3.Connection, wanted: str | None, only_one: bool = False
                   ) -> list[str]:
    """Device ids to review: ``wanted`` (an id, a unique id prefix or a name), else all.

    With ``only_one`` several devices and no ``wanted`` is an error naming them.
    """
    rows = conn.execute(
        "SELECT d.device_id, COALESCE(d.name, '') FROM devices d"
        " WHERE EXISTS (SELECT 1 FROM minutes m WHERE m.device_id = d.device_id)"
        " OR EXISTS (SELECT 1 FROM events e WHERE e.device_id = d.device_id)"
        " OR EXISTS (SELECT 1 FROM idle i WHERE i.device_id = d.device_id)"
        " ORDER BY d.device_id"
    ).fetchall()
    if not rows:
        raise UnsitError("the store holds no data yet: run 'unsit sync' first")
    ids = [row[0] for row in rows]
    if wanted is None:
        if only_one and len(ids) > 1:
            raise UnsitError(f"the store holds several devices ({', '.join(ids)}): "
                             "choose one with --device ID", 2)
        return ids
    matches = [i for i, n in rows if i == wanted or n == wanted]
    if not matches:
        matches = [i for i, _ in rows if i.lower().startswith(wanted.lower())]
    if len(matches) == 1:
        return matches
    if not matches:
        raise UnsitError(f"no device '{wanted}' in the store (known: {', '.join(ids)})", 2)
    raise UnsitError(f"'{wanted}' matches several devices ({', '.join(matches)}): be precise", 2)


def resolve_zone(name: str | None) -> tzinfo:
    """The zone ``name`` (IANA, e.g. Europe/Berlin), else the computer's own zone."""
    if name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise InputError(f"unknown time zone '{name}' (use an IANA name such as "
                             "Europe/Berlin or UTC)") from None
    return _system_zone()


def _system_zone() -> tzinfo:
    env = os.environ.get("TZ", "").lstrip(":")
    if env:
        try:
            return ZoneInfo(env)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    localtime = Path("/etc/localtime")
    try:
        target = str(localtime.resolve())
        if "zoneinfo/" in target:
            return ZoneInfo(target.split("zoneinfo/", 1)[1])
        with localtime.open("rb") as handle:
            return ZoneInfo.from_file(handle, key="localtime")
    except (OSError, ValueError, ZoneInfoNotFoundError):
        pass
    # Last resort (e.g. Windows without tzdata): today's fixed offset, without DST rules.
    return datetime.now().astimezone().tzinfo or ZoneInfo("UTC")


MAX_DAYS = 3660     # ten years: more is a typo, and would strain the report


def parse_date(text: str, option: str) -> date:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise InputError(f"{option} '{text}' is not a date: use YYYY-MM-DD") from None
    if not 1971 <= day.year <= 2999:
        raise InputError(f"{option} {text} is out of range (years 1971 to 2999)")
    return day


def day_start_utc(day: date, zone: tzinfo) -> int:
    """UTC epoch seconds of local midnight at the start of ``day``."""
    return int(datetime.combine(day, time(0), zone).timestamp())


class LocalClock:
    """UTC seconds to local days and hours in ``zone`` between ``lo`` and ``hi`` (UTC seconds).

    The zone's offset is looked up once per transition: ``starts[i]`` is the first UTC second
    at which ``offsets[i]`` applies.
    """

    def __init__(self, zone: tzinfo, lo: int, hi: int) -> None:
        self.zone = zone
        self.starts = [lo]
        self.offsets = [self._offset(lo)]
        t = lo
        while t < hi:
            nxt = min(t + DAY_S, hi)
            if self._offset(nxt) != self.offsets[-1]:
                change = self._find_change(t, nxt)
                self.starts.append(change)
                self.offsets.append(self._offset(change))
            t = nxt

    def _offset(self, t: int) -> int:
        delta = datetime.fromtimestamp(t, self.zone).utcoffset()
        return int(delta.total_seconds()) if delta is not None else 0

    def _find_change(self, lo: int, hi: int) -> int:
        """The first second in (lo, hi] whose offset differs from lo's (one change a day)."""
        before = self._offset(lo)
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if self._offset(mid) == before:
                lo = mid
            else:
                hi = mid
        return hi

    def offset_at(self, t: int) -> int:
        return self.offsets[max(0, bisect.bisect_right(self.starts, t) - 1)]

    def local_seconds(self, t: int) -> int:
        """Seconds since 1970-01-01 00:00 on the local wall clock."""
        return t + self.offset_at(t)

    def day_number(self, t: int) -> int:
        return self.local_seconds(t) // DAY_S

    def day_of(self, t: int) -> date:
        return EPOCH + timedelta(days=self.day_number(t))

    def sql_local(self, column: str = "t_utc") -> str:
        """An SQL expression for :meth:`local_seconds` of ``column`` (integers only)."""
        if len(self.offsets) == 1:
            return f"({column} + {self.offsets[0]})"
        cases = " ".join(
            f"WHEN {column} < {start} THEN {column} + {offset}"
            for start, offset in zip(self.starts[1:], self.offsets[:-1], strict=True)
        )
        return f"(CASE {cases} ELSE {column} + {self.offsets[-1]} END)"


def day_number(day: date) -> int:
    return (day - EPOCH).days


def days_between(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def data_days(conn: sqlite3.Connection, devices: list[str], zone: tzinfo
              ) -> tuple[date, date] | None:
    """The first and last local day holding posture data (minutes or idle runs) of
    ``devices``, or the days of their events when there is none; None for no data at all.
    A TIME_SET event logged by today's sync does not move the end while posture data exists."""
    marks = ",".join("?" for _ in devices)
    for tables in (("minutes", "idle"), ("events",)):
        lo = hi = None
        for table in tables:
            row = conn.execute(f"SELECT MIN(t_utc), MAX(t_utc) FROM {table}"
                               f" WHERE device_id IN ({marks})", devices).fetchone()
            if row[0] is not None:
                lo = row[0] if lo is None else min(lo, row[0])
                hi = row[1] if hi is None else max(hi, row[1])
        if lo is not None and hi is not None:
            return (datetime.fromtimestamp(int(lo), zone).date(),
                    datetime.fromtimestamp(int(hi), zone).date())
    return None


def choose_days(conn: sqlite3.Connection, devices: list[str], zone: tzinfo,
                days: int | None, first: date | None, last: date | None,
                default_days: int, keep_empty: bool = False, today: date | None = None
                ) -> tuple[date, date]:
    """The local days to review.

    ``--from/--to`` give them exactly. ``--from`` alone runs until ``today`` (the local date by
    default). Otherwise the last ``days`` (or ``default_days``) days up to the latest day with
    posture data (not today: a wearer who synced last week still sees their last week). Except
    for an explicit ``--from/--to``, days without data before the first or after the last day
    with data are left out unless ``keep_empty``."""
    if last is not None and first is None:
        raise InputError("--to needs --from (or use --days N)")
    if first is not None and days is not None:
        raise InputError("give either --days or --from/--to, not both")
    if last is not None and first is not None:
        if last < first:
            raise InputError(f"--to {last} is before --from {first}")
        if (last - first).days >= MAX_DAYS:
            raise InputError("a range of more than ten years: narrow --from/--to")
        return first, last
    extent = data_days(conn, devices, zone)
    if extent is None:
        raise UnsitError("no minutes or events for the chosen device: run 'unsit sync' first")
    if first is not None:
        end = today or datetime.now(zone).date()
        if end < first:
            raise InputError(f"--from {first} is after today ({end})")
        if (end - first).days >= MAX_DAYS:
            raise InputError("a range of more than ten years: narrow --from")
        start = first
    else:
        count = default_days if days is None else days
        if not 1 <= count <= MAX_DAYS:
            raise InputError(f"--days must be from 1 to {MAX_DAYS}, not {count}")
        end = extent[1]
        start = end - timedelta(days=count - 1)
    if keep_empty:
        return start, end
    clipped = max(start, extent[0]), min(end, extent[1])
    if clipped[0] > clipped[1]:
        raise UnsitError(f"no data from {start} to {end} (the data runs from {extent[0]} to"
                         f" {extent[1]}); add --keep-empty to list the days anyway")
    return clipped
