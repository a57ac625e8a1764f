"""The host's SQLite store of everything synced from the devices.

One file in the user's data directory (``--db PATH`` overrides). Tables:

- ``devices``: one row per device seen (id, name, firmware, protocol, last sync, drops).
- ``records``: every log record the device sent, once, keyed by ``(device_id, seq)``: decoded
  (kind, boot, device-side time, fields; its bytes were checked by their CRC and are not
  kept), with its UTC time once known.
- ``minutes``, ``events`` and ``idle`` (runs of whole unworn minutes, one row per run): the
  decoded records that are placed in time (``t_utc`` known), the tables the review commands
  read (see docs/architecture.md, "Host store"). A minute inside an idle run has no row in
  ``minutes``.
- ``clock_links``: for a boot of a device whose records carry uptime rather than UTC, the
  offset ``utc - uptime`` learnt from a CLOCK_LINK record or a hello; it places the records
  written in that boot before the link.
- ``estimated_times``: the records whose ``t_utc`` is an estimate, not a link: those of a boot
  that ended before its clock was ever set, placed on the assumption that it ended when the
  next boot began, where that boot's BOOT event shows an immediate restart (see
  :mod:`unsit.log.placement` and docs/sync.md). A row here marks the record's row in
  ``records``, ``minutes``, ``events`` or ``idle`` (same ``device_id, seq``) as estimated.
- ``sync_cursors``: the next sequence number to ask each device for.
- ``logs``: each log a device has served, by its identity (HELLO's ``log_id``), and the
  ``base`` added to that log's sequence numbers to give the store's ``seq``. A device's first
  log has base 0; a new log (the clip was erased or reinstalled) starts after everything
  stored of the device, so the old log's records stay and the new one is stored beside them.
- ``schema_migrations``: which schema versions have been applied.

What is placed where, and why, is decided by :mod:`unsit.log.placement` (pure functions over
records); the store reads what they need and writes what they decide.

Every insert is insert-or-ignore on ``(device_id, seq)``, so syncing twice never counts twice;
a time learnt from a clock link always replaces an estimate, never the other way round;
a batch of records and the cursor that follows it are written in one transaction, so a host
killed mid-sync keeps exactly what it had committed, and the device (which frees space only
after an acknowledgement sent after that commit) still holds the rest.
"""

from __future__ import annotations

import heapq
import shutil
import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import platformdirs

from unsit.errors import UnsitError
from unsit.log import placement
from unsit.log.records import BOOT, IDLE, MINUTE, ClockLink, StoredRecord
from unsit.private_files import create_private

APP_NAME = "unsit"
DB_NAME = "unsit.db"
BUSY_TIMEOUT_S = 10.0   # how long a store locked by another program is waited for

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
    # A migration is history: its text stays as applied. ``kind = 4`` is ``events.BOOT``
    # (``unsit.log.records.BOOT``).
    (
        2,
        "estimated times for boots that ended before the clock was set",
        """
        CREATE TABLE estimated_times (
            device_id TEXT NOT NULL REFERENCES devices(device_id),
            seq INTEGER NOT NULL,
            anchor_seq INTEGER NOT NULL,
            PRIMARY KEY (device_id, seq)
        );
        CREATE INDEX records_boot_events ON records(device_id, seq) WHERE kind = 4;
        CREATE INDEX records_unplaced_seq ON records(device_id, seq) WHERE t_utc IS NULL;
        """,
    ),
    (
        3,
        "log identities: a new log of a known device is stored beside the old one",
        """
        CREATE TABLE logs (
            device_id TEXT NOT NULL REFERENCES devices(device_id),
            log_id TEXT NOT NULL,
            base INTEGER NOT NULL,
            first_seen_utc INTEGER NOT NULL,
            PRIMARY KEY (device_id, log_id)
        );
        """,
    ),
    (
        4,
        "each record kept once: its decoded fields, not also its bytes",
        # The table is made anew rather than altered (DROP COLUMN needs SQLite 3.35).
        """
        CREATE TABLE records_once (
            device_id TEXT NOT NULL REFERENCES devices(device_id),
            seq INTEGER NOT NULL,
            kind INTEGER NOT NULL,
            boot INTEGER NOT NULL,
            t_device INTEGER NOT NULL,
            clock_set INTEGER NOT NULL,
            t_utc INTEGER,
            fields TEXT NOT NULL,
            received_utc INTEGER NOT NULL,
            PRIMARY KEY (device_id, seq)
        );
        INSERT INTO records_once SELECT device_id, seq, kind, boot, t_device, clock_set, t_utc,
            fields, received_utc FROM records;
        DROP TABLE records;
        ALTER TABLE records_once RENAME TO records;
        CREATE INDEX records_unplaced ON records(device_id, boot) WHERE t_utc IS NULL;
        CREATE INDEX records_boot_events ON records(device_id, seq) WHERE kind = 4;
        CREATE INDEX records_unplaced_seq ON records(device_id, seq) WHERE t_utc IS NULL;
        """,
    ),
)

SCHEMA_VERSION = MIGRATIONS[-1][0]


# The columns a record is read back from (``_record``), bare and of ``records r``.
_COLUMNS = "seq, kind, boot, t_device, clock_set, fields"
_COLUMNS_R = "r.seq, r.kind, r.boot, r.t_device, r.clock_set, r.fields"


@dataclass(frozen=True)
class BatchResult:
    """What one :meth:`Store.store_batch` changed."""

    new: int          # records not seen before
    placed: int       # records (new or older) that were given a UTC time by a clock link
    estimated: int = 0  # records given (or moved to) an estimated time (log.placement.estimate)


def default_path() -> Path:
    """The store in the user's data directory (created when first opened)."""
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)) / DB_NAME


def open_store(path: Path | str | None = None) -> Store:
    """Open (creating and migrating as needed) the store at ``path``, or the default one.

    ``":memory:"`` gives a private in-memory store (tests). A new file is created mode 0600;
    a symbolic link, a missing folder other than the default one, and a database of another
    program are refused (``UnsitError``), so nothing but an unsit store is ever written.
    """
    target = default_path() if path is None else path
    if target != ":memory:":
        target = Path(target).expanduser()
        if path is None:
            try:
                target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            except OSError as error:
                raise UnsitError(f"cannot create the folder for the store {target}: "
                                 f"{error}") from None
        elif not target.parent.is_dir():
            raise UnsitError(f"the folder {target.parent} does not exist: create it, or "
                             "choose another --db", 2)
        try:
            create_private(target)
        except OSError as error:
            raise UnsitError(f"cannot create the store {target}: {error}") from None
    try:
        conn = sqlite3.connect(str(target), isolation_level=None, timeout=BUSY_TIMEOUT_S)
        if target != ":memory:":
            _refuse_foreign(conn, target)
        conn.execute("PRAGMA foreign_keys = ON")
        if target != ":memory:":
            conn.execute("PRAGMA journal_mode = WAL")
            # WAL with synchronous=NORMAL may lose the last commits on power loss, not on a
            # killed process; FULL makes each acknowledged batch durable before the ack.
            conn.execute("PRAGMA synchronous = FULL")
    except sqlite3.DatabaseError as error:
        raise store_error(target, error) from None
    store = Store(conn)
    try:
        store.migrate()
    except sqlite3.DatabaseError as error:
        conn.close()
        raise store_error(target, error) from None
    return store


def _refuse_foreign(conn: sqlite3.Connection, target: Path | str) -> None:
    """``UnsitError`` when the file holds tables but not unsit's: another program's data."""
    tables = {row[0] for row in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table'")}
    if tables and "schema_migrations" not in tables:
        conn.close()
        raise UnsitError(f"{target} is not an unsit store (it holds another program's "
                         "tables): nothing was written to it; choose another --db", 2)


def _nearly_full(target: Path | str) -> bool:
    """Whether the disk holding ``target`` has less than 1 MiB left (a write error there is
    a full disk, whatever errno SQLite saw)."""
    try:
        return shutil.disk_usage(Path(target).expanduser().parent).free < 1 << 20
    except OSError:
        return False


def store_error(target: Path | str, error: sqlite3.Error) -> UnsitError:
    """The one-line message for a store that cannot be used, by what went wrong."""
    text = str(error).lower()
    code = getattr(error, "sqlite_errorcode", None)
    if "locked" in text or "busy" in text or code in (5, 6):
        return UnsitError(f"the store {target} is in use by another program (another "
                          "'unsit sync'?): try again when it has finished")
    if "full" in text or code == 13 or ("disk i/o" in text and _nearly_full(target)):
        return UnsitError(f"the disk holding the store {target} is full: free some space "
                          "and try again (what was stored before is kept)")
    if "readonly" in text or "read-only" in text or code == 8:
        return UnsitError(f"the store {target} cannot be written (read-only file or "
                          "folder)")
    if "malformed" in text or code == 11:
        return UnsitError(f"the store {target} is damaged ({error}); keep "
                          "a copy, then 'sqlite3 FILE .recover' or sync into a new --db")
    return UnsitError(f"cannot use {target} as the unsit store: {error}")


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
            if self.conn.in_transaction:  # SQLite already rolled back after e.g. SQLITE_FULL
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
            if applied and self.schema_version() >= 2:
                # Records stored before this version may now be placed by estimate.
                for device_id in self.devices():
                    self._place_pending(device_id)
                    self._place_estimates(device_id, None)
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

    def synced(self, device_id: str) -> tuple[int, int | None]:
        """How many records ``device_id`` had dropped by its last sync, and when that was
        (``(0, None)``: never synced)."""
        row = self.conn.execute("SELECT dropped, last_sync_utc FROM devices WHERE device_id = ?",
                                (device_id,)).fetchone()
        return (0, None) if row is None else (int(row[0]), row[1])

    # -- logs -------------------------------------------------------------------------------

    def log_base(self, device_id: str, log_id: str) -> int | None:
        """What to add to the sequence numbers of log ``log_id`` of ``device_id`` to give the
        store's (None: a log not seen before)."""
        row = self.conn.execute("SELECT base FROM logs WHERE device_id = ? AND log_id = ?",
                                (device_id, log_id)).fetchone()
        return None if row is None else int(row[0])

    def latest_log(self, device_id: str) -> str | None:
        """The identity of the newest log of ``device_id`` stored here."""
        row = self.conn.execute("SELECT log_id FROM logs WHERE device_id = ?"
                                " ORDER BY base DESC, rowid DESC LIMIT 1", (device_id,)).fetchone()
        return None if row is None else str(row[0])

    def add_log(self, device_id: str, log_id: str, adopt: bool, now_utc: int | None = None
                ) -> int:
        """Record a log not seen before; returns its base.

        ``adopt``: it is the log whose records this store already holds without an identity
        (synced by an older unsit), which keeps base 0. Otherwise the log starts after
        everything stored of the device (its first record, sequence number 1, lands one past
        the end, so no record of it ever follows an old one directly).
        """
        now = int(time.time()) if now_utc is None else now_utc
        with self.transaction() as conn:
            end = conn.execute(
                "SELECT MAX(COALESCE((SELECT MAX(seq) + 1 FROM records WHERE device_id = ?), 0),"
                " COALESCE((SELECT next_seq FROM sync_cursors WHERE device_id = ?), 0))",
                (device_id, device_id)).fetchone()[0]
            known = conn.execute("SELECT 1 FROM logs WHERE device_id = ?",
                                 (device_id,)).fetchone()
            base = 0 if (adopt and known is None) or not end else int(end)
            conn.execute("INSERT INTO logs(device_id, log_id, base, first_seen_utc)"
                         " VALUES (?, ?, ?, ?)", (device_id, log_id, base, now))
            if base:
                self.set_cursor(device_id, base, now)
                # the new log counts its drops from 0
                conn.execute("UPDATE devices SET dropped = 0 WHERE device_id = ?", (device_id,))
        return base

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
        new = new_links = 0
        link_boots: set[int] = set()
        new_unplaced: list[int] = []
        new_boots: list[int] = []    # BOOT events stored with a UTC time
        with self.transaction() as conn:
            for link in links:
                if conn.execute(
                    "INSERT OR IGNORE INTO clock_links(device_id, boot, link_seq, offset_s, source)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (device_id, link.boot & 0xFF, link.link_seq, link.offset_s, link.source),
                ).rowcount:
                    new_links += 1
                    link_boots.add(link.boot & 0xFF)
            for record in records:
                t_utc = record.t_device if record.clock_set else None
                cur = conn.execute(
                    "INSERT OR IGNORE INTO records(device_id, seq, kind, boot, t_device,"
                    " clock_set, t_utc, fields, received_utc)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (device_id, record.seq, record.kind, record.boot & 0xFF, record.t_device,
                     int(record.clock_set), t_utc, _join(record.values), now),
                )
                if cur.rowcount != 1:
                    continue
                new += 1
                if t_utc is not None:
                    self._insert_placed(device_id, record, t_utc)
                    if record.kind == BOOT:
                        new_boots.append(record.seq)
                else:
                    new_unplaced.append(record.seq)
            # Only a new link or a new record on uptime can place something by a link, and
            # only a BOOT event that got a time can change an estimate: a batch of records
            # stamped in UTC (nearly every batch) skips both passes.
            placed = 0
            placed_boots: list[int] = []
            if new_links or new_unplaced:
                placed, placed_boots = self._place_pending(
                    device_id, link_boots=link_boots, new_seqs=new_unplaced)
            anchors = new_boots + placed_boots
            fresh = set(new_unplaced)
            for seq in fresh:
                if seq + 1 in fresh:
                    continue
                # Records stored after what follows them (not in a sync, which reads in
                # order): before a BOOT event with a time, or before an estimated run.
                following = conn.execute(
                    "SELECT r.seq, r.kind, r.t_utc, e.anchor_seq FROM records r"
                    " LEFT JOIN estimated_times e ON e.device_id = r.device_id AND e.seq = r.seq"
                    " WHERE r.device_id = ? AND r.seq > ? ORDER BY r.seq LIMIT 1",
                    (device_id, seq)).fetchone()
                if following is not None and following[1] == BOOT and following[2] is not None:
                    anchors.append(following[0])
                elif following is not None and following[3] is not None:
                    anchors.append(following[3])
            estimated = self._place_estimates(device_id, anchors) if anchors else 0
            if next_seq is not None:
                self.set_cursor(device_id, next_seq, now)
        return BatchResult(new=new, placed=placed, estimated=estimated)

    def has_records(self) -> bool:
        """Whether any record of any device is stored."""
        return self.conn.execute("SELECT 1 FROM records LIMIT 1").fetchone() is not None

    def records(self, device_id: str, lo: int = 0, hi: int | None = None,
                kinds: Iterable[int] | None = None) -> Iterator[placement.Timed]:
        """The stored records of ``device_id`` with ``lo <= seq < hi`` (of ``kinds`` only,
        when given), in sequence order, each with its UTC time (None: not placed) and, for an
        estimate, the BOOT event it hangs on."""
        sql = (f"SELECT {_COLUMNS_R}, r.t_utc, e.anchor_seq FROM records r"
               " LEFT JOIN estimated_times e ON e.device_id = r.device_id AND e.seq = r.seq"
               " WHERE r.device_id = ? AND r.seq >= ? AND (? IS NULL OR r.seq < ?)")
        args: list[object] = [device_id, lo, hi, hi]
        if kinds is not None:
            wanted = sorted(set(kinds))
            sql += f" AND r.kind IN ({', '.join('?' * len(wanted))})"
            args += wanted
        for row in self.conn.execute(f"{sql} ORDER BY r.seq", args):
            yield _timed(row)

    # -- placing records in time (decided by unsit.log.placement) ---------------------------

    def _place_pending(self, device_id: str, link_boots: Iterable[int] | None = None,
                       new_seqs: Sequence[int] = ()) -> tuple[int, list[int]]:
        """Give a UTC time to the unplaced (or only estimated) records that a clock link now
        covers (:func:`unsit.log.placement.link_offsets`); a link's time replaces an
        estimate. Only records of ``link_boots`` (boots with a new link) and ``new_seqs`` (new
        records) are looked at, or every record when neither is given. Returns how many were
        placed and the sequence numbers of the BOOT events among them."""
        unplaced = f"SELECT {_COLUMNS}, 0 FROM records WHERE device_id = ? AND t_utc IS NULL"
        estimated = (f"SELECT {_COLUMNS_R}, 1 FROM estimated_times e JOIN records r"
                     " ON r.device_id = e.device_id AND r.seq = e.seq WHERE e.device_id = ?")
        queries: list[tuple[str, tuple[object, ...]]] = []
        if link_boots is None and not new_seqs:
            queries = [(unplaced, (device_id,)), (estimated, (device_id,))]
        else:
            boots = sorted(set(link_boots or ()))
            if boots:
                marks = ", ".join("?" * len(boots))
                queries += [(f"{unplaced} AND boot IN ({marks})", (device_id, *boots)),
                            (f"{estimated} AND r.boot IN ({marks})", (device_id, *boots))]
            if new_seqs:
                queries.append((f"{unplaced} AND seq BETWEEN ? AND ?",
                                (device_id, min(new_seqs), max(new_seqs))))
        rows = {row[0]: row for sql, args in queries
                for row in self.conn.execute(sql, args).fetchall()}
        if not rows:
            return 0, []
        candidates = {seq: (_record(row[:6]), bool(row[6])) for seq, row in rows.items()}
        links = self.clock_links(device_id, {r.boot for r, _ in candidates.values()})
        if not links:
            return 0, []
        offsets = placement.link_offsets(
            (record for record, _ in candidates.values()), links,
            self._boot_marks(device_id, min(candidates), max(link.link_seq for link in links)))
        placed = 0
        boots_placed = []
        for seq in sorted(offsets):
            record, was_estimated = candidates[seq]
            t_utc = record.t_device + offsets[seq]
            self.conn.execute(
                "UPDATE records SET t_utc = ? WHERE device_id = ? AND seq = ?",
                (t_utc, device_id, seq),
            )
            if was_estimated:
                self.conn.execute("DELETE FROM estimated_times WHERE device_id = ? AND seq = ?",
                                  (device_id, seq))
            self._insert_placed(device_id, record, t_utc)
            placed += 1
            if record.kind == BOOT:
                boots_placed.append(seq)
        return placed, boots_placed

    def clock_links(self, device_id: str, boots: Iterable[int] | None = None) -> list[ClockLink]:
        """The clock links learnt of ``device_id`` (of ``boots`` only, when given)."""
        sql = "SELECT boot, link_seq, offset_s, source FROM clock_links WHERE device_id = ?"
        args: list[object] = [device_id]
        if boots is not None:
            wanted = sorted(set(boots))
            sql += f" AND boot IN ({', '.join('?' * len(wanted))})"
            args += wanted
        return [ClockLink(*row) for row in self.conn.execute(sql, args)]

    def _boot_marks(self, device_id: str, lo: int, hi: int) -> list[tuple[int, int, int]]:
        """``(seq, kind, boot)`` of the BOOT events and the records stamped with uptime with
        ``lo <= seq <= hi``: the records that may show a boot other than their neighbours'."""
        return self.conn.execute(
            "SELECT seq, kind, boot FROM records WHERE device_id = ? AND seq BETWEEN ? AND ?"
            " AND (kind = ? OR clock_set = 0)", (device_id, lo, hi, BOOT)).fetchall()

    def _place_estimates(self, device_id: str, anchors: Iterable[int] | None = None) -> int:
        """Place by estimate the boots that ended before their clock was ever set
        (:func:`unsit.log.placement.judge`); return how many records were given (or moved
        to) an estimated time. A time from a link is never replaced here
        (:meth:`_place_pending` runs first and takes estimated records back).

        ``anchors``: the BOOT events that just got a time; the boot before each is looked at,
        and the boot before that whenever a BOOT event's time moved, so a chain of such boots
        is placed backwards from the one a link placed. ``None``: every boot (an upgrade)."""
        if anchors is None:
            runs = reversed(self._orphan_runs(device_id, with_estimated=True))
            return sum(self._estimate_run(device_id, run) for run in runs)
        todo = sorted(set(anchors))
        changed = 0
        while todo:
            run = self._run_before(device_id, todo.pop())
            if run is None:
                continue
            moved = self._estimate_run(device_id, run)
            changed += moved
            first = run.rows[0].record
            if moved and first.kind == BOOT and first.seq not in todo:
                todo.append(first.seq)
                todo.sort()
        return changed

    def _estimate_run(self, device_id: str, run: placement.Run) -> int:
        """Give ``run`` its estimated times if it can have them; return the records moved."""
        verdict = self._judge(device_id, run)
        moved = placement.estimate(run, verdict)
        for record, t_new in moved:
            self.conn.execute("UPDATE records SET t_utc = ? WHERE device_id = ? AND seq = ?",
                              (t_new, device_id, record.seq))
            self.conn.execute(
                "INSERT INTO estimated_times(device_id, seq, anchor_seq) VALUES (?, ?, ?)"
                " ON CONFLICT(device_id, seq) DO UPDATE SET anchor_seq = excluded.anchor_seq",
                (device_id, record.seq, verdict.anchor))
            self._insert_placed(device_id, record, t_new)
        return len(moved)

    _UNPLACED_ROWS = (f"SELECT {_COLUMNS}, t_utc, NULL FROM records"
                      " WHERE device_id = ? AND t_utc IS NULL")
    _ESTIMATED_ROWS = (f"SELECT {_COLUMNS_R}, r.t_utc, e.anchor_seq FROM estimated_times e"
                       " JOIN records r ON r.device_id = e.device_id AND r.seq = e.seq"
                       " WHERE e.device_id = ?")

    def _orphan_runs(self, device_id: str, with_estimated: bool) -> list[placement.Run]:
        """The records without a time (and, ``with_estimated``, those with an estimated one),
        in runs of one boot each (:func:`unsit.log.placement.split_runs`)."""
        sql, args = self._UNPLACED_ROWS, [device_id]
        if with_estimated:
            sql, args = f"{sql} UNION ALL {self._ESTIMATED_ROWS}", [device_id, device_id]
        rows = self.conn.execute(f"{sql} ORDER BY 1", args).fetchall()
        return placement.split_runs(map(_timed, rows),
                                    lambda lo, hi: self._stored_between(device_id, lo, hi))

    def _run_before(self, device_id: str, seq: int) -> placement.Run | None:
        """The run (estimated records included) that ends just before the record ``seq``
        (:func:`unsit.log.placement.run_before`)."""
        unplaced = self.conn.execute(
            f"{self._UNPLACED_ROWS} AND seq < ? ORDER BY seq DESC", (device_id, seq))
        estimated = self.conn.execute(
            f"{self._ESTIMATED_ROWS} AND e.seq < ? ORDER BY e.seq DESC", (device_id, seq))
        try:
            return placement.run_before(
                map(_timed, heapq.merge(unplaced, estimated, key=lambda row: -row[0])), seq,
                lambda lo, hi: self._stored_between(device_id, lo, hi))
        finally:
            unplaced.close()
            estimated.close()

    def _stored_between(self, device_id: str, lo: int, hi: int) -> bool:
        """Whether a record is stored with ``lo < seq < hi``."""
        if hi - lo <= 1:
            return False
        return self.conn.execute(
            "SELECT 1 FROM records WHERE device_id = ? AND seq > ? AND seq < ? LIMIT 1",
            (device_id, lo, hi)).fetchone() is not None

    def _judge(self, device_id: str, run: placement.Run) -> placement.Verdict:
        """:func:`unsit.log.placement.judge` of ``run``, with what the store knows of the
        records after it."""
        row = self.conn.execute(
            f"SELECT {_COLUMNS}, t_utc, NULL FROM records WHERE device_id = ? AND seq > ?"
            " ORDER BY seq LIMIT 1", (device_id, run.last_seq)).fetchone()
        following = None if row is None else _timed(row)
        if following is None:
            return placement.judge(run, None, False, False)
        new_log = self.conn.execute(
            "SELECT 1 FROM logs WHERE device_id = ? AND base >= ? AND base < ?",
            (device_id, run.last_seq, following.record.seq)).fetchone() is not None
        later_boot = self.conn.execute(
            "SELECT 1 FROM records WHERE device_id = ? AND kind = ? AND seq > ? LIMIT 1",
            (device_id, BOOT, run.last_seq)).fetchone() is not None
        return placement.judge(run, following, new_log, later_boot)

    def _insert_placed(self, device_id: str, record: StoredRecord, t_utc: int) -> None:
        """Write the placed record's row (or move it to ``t_utc`` if it has one)."""
        if record.kind == MINUTE:
            self.conn.execute(
                "INSERT INTO minutes(device_id, seq, t_utc, not_worn_s, sitting_s,"
                " standing_s, walking_s, lying_s, steps) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT(device_id, seq) DO UPDATE SET t_utc = excluded.t_utc",
                (device_id, record.seq, t_utc, *record.values[:6]),
            )
        elif record.kind == IDLE:
            self.conn.execute(
                "INSERT INTO idle(device_id, seq, t_utc, minutes) VALUES (?, ?, ?, ?)"
                " ON CONFLICT(device_id, seq) DO UPDATE SET t_utc = excluded.t_utc",
                (device_id, record.seq, t_utc, record.values[0]),
            )
        else:
            self.conn.execute(
                "INSERT INTO events(device_id, seq, t_utc, kind, a, b)"
                " VALUES (?, ?, ?, ?, ?, ?)"
                " ON CONFLICT(device_id, seq) DO UPDATE SET t_utc = excluded.t_utc",
                (device_id, record.seq, t_utc, record.kind, *record.values[:2]),
            )

    def unplaced(self, device_id: str) -> placement.Unplaced:
        """The records of ``device_id`` without a UTC time: how many a later link may still
        place, and how many can never be placed, and why
        (:func:`unsit.log.placement.count_unplaced`)."""
        return placement.count_unplaced(
            [(run, self._judge(device_id, run))
             for run in self._orphan_runs(device_id, with_estimated=False)])

    def unplaced_count(self, device_id: str) -> int:
        row = self.conn.execute(
            "SELECT COUNT(*) FROM records WHERE device_id = ? AND t_utc IS NULL", (device_id,)
        ).fetchone()
        return int(row[0])


def _join(values: Sequence[int]) -> str:
    return ",".join(str(int(v)) for v in values)


def _split(text: str) -> tuple[int, ...]:
    return tuple(int(v) for v in text.split(",")) if text else ()


def _record(row: Sequence[Any]) -> StoredRecord:
    """The record of a row of :data:`_COLUMNS`."""
    seq, kind, boot, t_device, clock_set, fields = row
    return StoredRecord(seq, kind, boot, t_device, bool(clock_set), _split(fields))


def _timed(row: Sequence[Any]) -> placement.Timed:
    """The record of a row of :data:`_COLUMNS`, ``t_utc``, ``anchor_seq``."""
    return placement.Timed(_record(row[:6]), row[6], row[7])


def _statements(sql: str) -> list[str]:
    """Split a migration script into statements (``executescript`` would commit early)."""
    return [part.strip() for part in sql.split(";") if part.strip()]
