"""The host's SQLite store of everything synced from the devices.

One file in the user's data directory (``--db PATH`` overrides). Tables:

- ``devices``: one row per device seen (id, name, firmware, protocol, last sync, drops).
- ``records``: every log record exactly as the device sent it, keyed by ``(device_id, seq)``,
  with its device-side time and, once known, its UTC time.
- ``minutes``, ``events`` and ``idle`` (runs of whole unworn minutes, one row per run): the
  decoded records that are placed in time (``t_utc`` known), the tables the review commands
  read (see docs/architecture.md, "Host store"). A minute inside an idle run has no row in
  ``minutes``.
- ``clock_links``: for a boot of a device whose records carry uptime rather than UTC, the
  offset ``utc - uptime`` learnt from a CLOCK_LINK record or a hello; it places the records
  written in that boot before the link.
- ``sync_cursors``: the next sequence number to ask each device for.
- ``schema_migrations``: which schema versions have been applied.

Every insert is insert-or-ignore on ``(device_id, seq)``, so syncing twice never counts twice;
a batch of records and the cursor that follows it are written in one transaction, so a host
killed mid-sync keeps exactly what it had committed, and the device (which frees space only
after an acknowledgement sent after that commit) still holds the rest.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import platformdirs
from unsit_firmware.logic import events
from unsit_firmware.logic import records as records_format

from unsit.errors import UnsitError

APP_NAME = "unsit"
DB_NAME = "unsit.db"

# Each migration is applied once, in order, inside one transaction with its version row.
MIGRATIONS: tuple[tuple[int, str, str], ...] = (
    (
        1,
        "devices, records, minutes, events, clock links, sync cursors",
        """
        CREATE TABLE devices (
            device_id TEXT PRIMARY KEY,
            name TEXT,
            firmware TEXT,
            protocol INTEGER,
            first_seen_utc INTEGER,
            last_sync_utc INTEGER,
            dropped INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE sync_cursors (
            device_id TEXT PRIMARY KEY REFERENCES devices(device_id),
            next_seq INTEGER NOT NULL,
            updated_utc INTEGER NOT NULL
        );
        CREATE TABLE records (
            device_id TEXT NOT NULL REFERENCES devices(device_id),
            seq INTEGER NOT NULL,
            kind INTEGER NOT NULL,
            boot INTEGER NOT NULL,
            t_device INTEGER NOT NULL,
            clock_set INTEGER NOT NULL,
            t_utc INTEGER,
            fields TEXT NOT NULL,
            body BLOB NOT NULL,
            received_utc INTEGER NOT NULL,
            PRIMARY KEY (device_id, seq)
        );
        CREATE INDEX records_unplaced ON records(device_id, boot) WHERE t_utc IS NULL;
        CREATE TABLE clock_links (
            device_id TEXT NOT NULL REFERENCES devices(device_id),
            boot INTEGER NOT NULL,
            link_seq INTEGER NOT NULL,
            offset_s INTEGER NOT NULL,
            source TEXT NOT NULL,
            PRIMARY KEY (device_id, boot, link_seq)
        );
        CREATE TABLE idle (
            device_id TEXT NOT NULL REFERENCES devices(device_id),
            seq INTEGER NOT NULL,
            t_utc INTEGER NOT NULL,
            minutes INTEGER NOT NULL,
            PRIMARY KEY (device_id, seq)
        );
        CREATE TABLE minutes (
            device_id TEXT NOT NULL REFERENCES devices(device_id),
            seq INTEGER NOT NULL,
            t_utc INTEGER NOT NULL,
            not_worn_s INTEGER NOT NULL,
            sitting_s INTEGER NOT NULL,
            standing_s INTEGER NOT NULL,
            walking_s INTEGER NOT NULL,
            lying_s INTEGER NOT NULL,
            steps INTEGER NOT NULL,
            PRIMARY KEY (device_id, seq)
        );
        CREATE INDEX minutes_time ON minutes(device_id, t_utc);
        CREATE TABLE events (
            device_id TEXT NOT NULL REFERENCES devices(device_id),
            seq INTEGER NOT NULL,
            t_utc INTEGER NOT NULL,
            kind INTEGER NOT NULL,
            a INTEGER NOT NULL,
            b INTEGER NOT NULL,
            PRIMARY KEY (device_id, seq)
        );
        CREATE INDEX events_time ON events(device_id, t_utc);
        """,
    ),
)

SCHEMA_VERSION = MIGRATIONS[-1][0]

# Record kinds, as in the log format (firmware/logic/records.py): a minute, a run of unworn
# minutes, or else an event kind from firmware/logic/events.py.
MINUTE = records_format.MINUTE
IDLE = records_format.IDLE
BOOT = events.BOOT


@dataclass(frozen=True)
class StoredRecord:
    """One log record as the store keeps it, decoded far enough to be placed in time.

    ``kind`` is :data:`MINUTE`, :data:`IDLE` or an event kind. ``t_device`` is UTC seconds
    when ``clock_set``, else seconds of uptime in boot number ``boot`` (its low 8 bits, as the
    log keeps them). ``values`` are the decoded fields: for a minute the five state seconds
    then steps, for an idle run its minutes, for an event ``(a, b)``. ``body`` is the record's
    bytes as read from the device.
    """

    seq: int
    kind: int
    boot: int
    t_device: int
    clock_set: bool
    values: tuple[int, ...]
    body: bytes


@dataclass(frozen=True)
class ClockLink:
    """In boot ``boot`` (low 8 bits) UTC = uptime + ``offset_s``, learnt at record ``link_seq``
    (it places that boot's uptime-stamped records with lower sequence numbers)."""

    boot: int
    link_seq: int
    offset_s: int
    source: str


@dataclass(frozen=True)
class BatchResult:
    """What one :meth:`Store.store_batch` changed."""

    new: int          # records not seen before
    placed: int       # records (new or older) that were given a UTC time by a clock link


def default_path() -> Path:
    """The store in the user's data directory (created when first opened)."""
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)) / DB_NAME


def open_store(path: Path | str | None = None) -> Store:
    """Open (creating and migrating as needed) the store at ``path``, or the default one.

    ``":memory:"`` gives a private in-memory store (tests).
    """
    target = default_path() if path is None else path
    if target != ":memory:":
        target = Path(target).expanduser()
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise UnsitError(f"cannot create the folder for the store {target}: {error}") from None
    try:
        conn = sqlite3.connect(str(target), isolation_level=None, timeout=10)
        conn.execute("PRAGMA foreign_keys = ON")
        if target != ":memory:":
            conn.execute("PRAGMA journal_mode = WAL")
            # WAL with synchronous=NORMAL may lose the last commits on power loss, not on a
            # killed process; FULL makes each acknowledged batch durable before the ack.
            conn.execute("PRAGMA synchronous = FULL")
    except sqlite3.DatabaseError as error:
        raise UnsitError(f"cannot use {target} as the unsit store: {error}") from None
    store = Store(conn)
    try:
        store.migrate()
    except sqlite3.DatabaseError as error:
        conn.close()
        raise UnsitError(f"cannot use {target} as the unsit store: {error}") from None
    return store


class Store:
    """Access to one open store. ``conn`` is the sqlite3 connection (autocommit mode)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction: everything inside is committed together or not at all."""
        if self.conn.in_transaction:
            yield self.conn
            return
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    # -- schema -----------------------------------------------------------------------------

    def schema_version(self) -> int:
        exists = self.conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"
        ).fetchone()
        if not exists:
            return 0
        row = self.conn.execute("SELECT MAX(version) FROM schema_migrations").fetchone()
        return int(row[0] or 0)

    def migrate(self, migrations: Sequence[tuple[int, str, str]] = MIGRATIONS) -> list[int]:
        """Apply the migrations not applied yet; return their versions."""
        with self.transaction() as conn:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_utc INTEGER NOT NULL)"
            )
            current = self.schema_version()
            newest = migrations[-1][0] if migrations else 0
            if current > newest:
                raise UnsitError(
                    f"the store has schema version {current}, newer than this unsit "
                    f"understands ({newest}); upgrade unsit"
                )
            applied = []
            for version, name, sql in migrations:
                if version <= current:
                    continue
                for statement in _statements(sql):
                    conn.execute(statement)
                conn.execute(
                    "INSERT INTO schema_migrations(version, name, applied_utc) VALUES (?, ?, ?)",
                    (version, name, int(time.time())),
                )
                applied.append(version)
        return applied

    # -- devices and cursors ----------------------------------------------------------------

    def upsert_device(
        self,
        device_id: str,
        name: str | None = None,
        firmware: str | None = None,
        protocol: int | None = None,
        now_utc: int | None = None,
    ) -> None:
        """Record a device; known fields given as None are left as they were."""
        now = int(time.time()) if now_utc is None else now_utc
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO devices(device_id, name, firmware, protocol, first_seen_utc)"
                " VALUES (?, ?, ?, ?, ?)"
                " ON CONFLICT(device_id) DO UPDATE SET"
                "  name = COALESCE(excluded.name, name),"
                "  firmware = COALESCE(excluded.firmware, firmware),"
                "  protocol = COALESCE(excluded.protocol, protocol)",
                (device_id, name, firmware, protocol, now),
            )

    def devices(self) -> list[str]:
        return [row[0] for row in self.conn.execute("SELECT device_id FROM devices ORDER BY 1")]

    def cursor(self, device_id: str) -> int:
        """The next sequence number to fetch from ``device_id`` (0 for a new device)."""
        row = self.conn.execute(
            "SELECT next_seq FROM sync_cursors WHERE device_id = ?", (device_id,)
        ).fetchone()
        return int(row[0]) if row else 0

    def set_cursor(self, device_id: str, next_seq: int, now_utc: int | None = None) -> None:
        now = int(time.time()) if now_utc is None else now_utc
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO sync_cursors(device_id, next_seq, updated_utc) VALUES (?, ?, ?)"
                " ON CONFLICT(device_id) DO UPDATE SET"
                "  next_seq = excluded.next_seq, updated_utc = excluded.updated_utc",
                (device_id, next_seq, now),
            )

    def note_sync(self, device_id: str, dropped_total: int | None, now_utc: int | None = None
                  ) -> None:
        """Remember when ``device_id`` was last synced and how many records it has dropped."""
        now = int(time.time()) if now_utc is None else now_utc
        with self.transaction() as conn:
            conn.execute(
                "UPDATE devices SET last_sync_utc = ?, dropped = MAX(dropped, COALESCE(?, 0))"
                " WHERE device_id = ?",
                (now, dropped_total, device_id),
            )

    # -- records ----------------------------------------------------------------------------

    def store_batch(
        self,
        device_id: str,
        records: Iterable[StoredRecord],
        next_seq: int | None = None,
        links: Iterable[ClockLink] = (),
        now_utc: int | None = None,
    ) -> BatchResult:
        """Insert ``records`` (ignoring ones already stored), learn clock ``links``, place
        what can now be placed, and move the cursor to ``next_seq`` if given: all in one
        transaction."""
        now = int(time.time()) if now_utc is None else now_utc
        new = 0
        with self.transaction() as conn:
            for link in links:
                conn.execute(
                    "INSERT OR IGNORE INTO clock_links(device_id, boot, link_seq, offset_s, source)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (device_id, link.boot & 0xFF, link.link_seq, link.offset_s, link.source),
                )
            for record in records:
                t_utc = record.t_device if record.clock_set else None
                cur = conn.execute(
                    "INSERT OR IGNORE INTO records(device_id, seq, kind, boot, t_device,"
                    " clock_set, t_utc, fields, body, received_utc)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (device_id, record.seq, record.kind, record.boot & 0xFF, record.t_device,
                     int(record.clock_set), t_utc, _join(record.values), bytes(record.body),
                     now),
                )
                if cur.rowcount != 1:
                    continue
                new += 1
                if t_utc is not None:
                    self._insert_placed(device_id, record, t_utc)
            placed = self._place_pending(device_id)
            if next_seq is not None:
                self.set_cursor(device_id, next_seq, now)
        return BatchResult(new=new, placed=placed)

    def _place_pending(self, device_id: str) -> int:
        """Give a UTC time to the unplaced records that a clock link now covers: the first
        link of the same boot number learnt after the record was written, provided no record
        in between shows another boot (a BOOT event, or uptime stamped in another boot: boot
        numbers are 8 bits and come round again)."""
        rows = self.conn.execute(
            "SELECT seq, kind, boot, t_device, fields, body, ("
            "  SELECT l.offset_s FROM clock_links l"
            "  WHERE l.device_id = r.device_id AND l.boot = r.boot AND l.link_seq > r.seq"
            "  AND NOT EXISTS (SELECT 1 FROM records o WHERE o.device_id = r.device_id"
            "   AND o.seq > r.seq AND o.seq < l.link_seq"
            "   AND (o.kind = ? OR (o.clock_set = 0 AND o.boot != r.boot)))"
            "  ORDER BY l.link_seq LIMIT 1)"
            " FROM records r WHERE r.device_id = ? AND r.t_utc IS NULL",
            (BOOT, device_id),
        ).fetchall()
        placed = 0
        for seq, kind, boot, t_device, fields, body, offset in rows:
            if offset is None:
                continue
            record = StoredRecord(seq, kind, boot, t_device, False, _split(fields), bytes(body))
            t_utc = t_device + offset
            self.conn.execute(
                "UPDATE records SET t_utc = ? WHERE device_id = ? AND seq = ?",
                (t_utc, device_id, seq),
            )
            self._insert_placed(device_id, record, t_utc)
            placed += 1
        return placed

    def _insert_placed(self, device_id: str, record: StoredRecord, t_utc: int) -> None:
        if record.kind == MINUTE:
            self.conn.execute(
                "INSERT OR IGNORE INTO minutes(device_id, seq, t_utc, not_worn_s, sitting_s,"
                " standing_s, walking_s, lying_s, steps) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (device_id, record.seq, t_utc, *record.values[:6]),
            )
        elif record.kind == IDLE:
            self.conn.execute(
                "INSERT OR IGNORE INTO idle(device_id, seq, t_utc, minutes) VALUES (?, ?, ?, ?)",
                (device_id, record.seq, t_utc, record.values[0]),
            )
        else:
            self.conn.execute(
                "INSERT OR IGNORE INTO events(device_id, seq, t_utc, kind, a, b)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (device_id, record.seq, t_utc, record.kind, *record.values[:2]),
            )

    def unplaced_count(self, device_id: str) -> int:
        row = self.conn.execute(
            "SELECT COUNT(*) FROM records WHERE device_id = ? AND t_utc IS NULL", (device_id,)
        ).fetchone()
        return int(row[0])

    def record_count(self, device_id: str) -> int:
        row = self.conn.execute(
            "SELECT COUNT(*) FROM records WHERE device_id = ?", (device_id,)
        ).fetchone()
        return int(row[0])


def _join(values: Sequence[int]) -> str:
    return ",".join(str(int(v)) for v in values)


def _split(text: str) -> tuple[int, ...]:
    return tuple(int(v) for v in text.split(",")) if text else ()


def _statements(sql: str) -> list[str]:
    """Split a migration script into statements (``executescript`` would commit early)."""
    return [part.strip() for part in sql.split(";") if part.strip()]
