"""The SQLite store: schema and migrations, idempotent inserts, cursors, placing records in time,
and atomic batches (a process killed mid-batch keeps nothing of that batch)."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from unsit.errors import UnsitError
from unsit.store import (
    IDLE,
    MIGRATIONS,
    MINUTE,
    ClockLink,
    SCHEMA_VERSION,
    Store,
    StoredRecord,
    default_path,
    open_store,
)

DEV = "0a1b2c3d"
T0 = 1_790_000_000  # a UTC time in 2026


def minute(seq: int, t: int, sitting: int = 60, clock_set: bool = True, boot: int = 1,
           steps: int = 0) -> StoredRecord:
    return StoredRecord(seq, MINUTE, boot, t, clock_set, (0, sitting, 60 - sitting, 0, 0, steps),
                        bytes([seq & 0xFF]) * 16)


def event(seq: int, t: int, kind: int, a: int = 0, b: int = 0, clock_set: bool = True,
          boot: int = 1) -> StoredRecord:
    return StoredRecord(seq, kind, boot, t, clock_set, (a, b), bytes([seq & 0xFF]) * 16)


@pytest.fixture
def store() -> Store:
    s = open_store(":memory:")
    s.upsert_device(DEV, name="unsit-2c3d", firmware="0.1.0", protocol=1)
    return s


def count(store: Store, table: str) -> int:
    return store.conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]


def test_new_store_has_the_tables_the_review_commands_read(store: Store) -> None:
    assert store.schema_version() == SCHEMA_VERSION
    columns = {
        table: [row[1] for row in store.conn.execute(f"PRAGMA table_info({table})")]
        for table in ("devices", "minutes", "events", "estimated_times")
    }
    assert columns["devices"][:2] == ["device_id", "name"]
    assert columns["minutes"] == ["device_id", "seq", "t_utc", "not_worn_s", "sitting_s",
                                  "standing_s", "walking_s", "lying_s", "steps"]
    assert columns["events"] == ["device_id", "seq", "t_utc", "kind", "a", "b"]
    # marks the rows of minutes, events and idle whose t_utc is an estimate
    assert columns["estimated_times"] == ["device_id", "seq", "anchor_seq"]


def test_reopening_applies_nothing_twice(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "unsit.db"
    path.parent.mkdir()  # a folder that is not there is refused, not made (tests/security)
    with open_store(path) as first:
        first.upsert_device(DEV)
        first.set_cursor(DEV, 42)
    with open_store(path) as second:
        assert second.migrate() == []
        assert second.cursor(DEV) == 42
        rows = second.conn.execute("SELECT version FROM schema_migrations").fetchall()
        assert [r[0] for r in rows] == [m[0] for m in MIGRATIONS]


def test_a_later_migration_upgrades_an_existing_store(tmp_path: Path) -> None:
    path = tmp_path / "unsit.db"
    with open_store(path) as old:
        old.upsert_device(DEV, name="kept")
    extra = (*MIGRATIONS, (SCHEMA_VERSION + 1, "device colour",
                           "ALTER TABLE devices ADD COLUMN colour TEXT DEFAULT 'grey'"))
    with open_store(path) as store:
        assert store.migrate(extra) == [SCHEMA_VERSION + 1]
        assert store.conn.execute("SELECT name, colour FROM devices").fetchone() == ("kept", "grey")
        assert store.schema_version() == SCHEMA_VERSION + 1


def test_version_4_keeps_each_record_once_and_loses_none(tmp_path: Path) -> None:
    """A version 3 store (records kept as fields and bytes) is upgraded in place: every record,
    its time and its fields stay, the bytes go, and placing records still works after."""
    path = tmp_path / "unsit.db"
    with sqlite3.connect(path, isolation_level=None) as conn:
        old = Store(conn)
        assert old.migrate(MIGRATIONS[:3]) == [1, 2, 3]
        old.upsert_device(DEV)
        conn.execute("INSERT INTO records VALUES (?, 0, 0, 1, ?, 1, ?, '0,60,0,0,0,12', ?, ?)",
                     (DEV, T0, T0, b"m" * 16, T0))
        conn.execute("INSERT INTO records VALUES (?, 1, 0, 1, 60, 0, NULL, '0,60,0,0,0,3', ?, ?)",
                     (DEV, b"u" * 16, T0))
        conn.execute("INSERT INTO minutes VALUES (?, 0, ?, 0, 60, 0, 0, 0, 12)", (DEV, T0))
    conn.close()
    with open_store(path) as store:
        assert store.schema_version() == SCHEMA_VERSION == 4
        columns = [row[1] for row in store.conn.execute("PRAGMA table_info(records)")]
        assert columns == ["device_id", "seq", "kind", "boot", "t_device", "clock_set", "t_utc",
                           "fields", "received_utc"]
        assert store.conn.execute("SELECT seq, t_utc, fields FROM records ORDER BY seq"
                                  ).fetchall() == [(0, T0, "0,60,0,0,0,12"),
                                                   (1, None, "0,60,0,0,0,3")]
        indexes = {row[0] for row in store.conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'records'"
            " AND sql IS NOT NULL")}
        assert indexes == {"records_unplaced", "records_boot_events", "records_unplaced_seq"}
        assert store.unplaced_count(DEV) == 1
        # the record on uptime is placed by a link learnt after the upgrade, fields and all
        assert store.store_batch(DEV, [], links=[ClockLink(1, 2, T0, "hello")]).placed == 1
        assert store.conn.execute("SELECT t_utc, steps FROM minutes WHERE seq = 1"
                                  ).fetchone() == (T0 + 60, 3)


def test_a_failing_migration_leaves_the_store_as_it_was(tmp_path: Path) -> None:
    path = tmp_path / "unsit.db"
    open_store(path).close()
    broken = (*MIGRATIONS, (SCHEMA_VERSION + 1, "broken",
                            "CREATE TABLE extra(x); INSERT INTO nowhere VALUES (1)"))
    with open_store(path) as store:
        with pytest.raises(Exception):
            store.migrate(broken)
        assert store.schema_version() == SCHEMA_VERSION
        assert not store.conn.execute(
            "SELECT 1 FROM sqlite_master WHERE name = 'extra'").fetchone()


def test_a_store_from_a_newer_unsit_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "unsit.db"
    with open_store(path) as store:
        store.conn.execute("INSERT INTO schema_migrations VALUES (999, 'future', 0)")
    with pytest.raises(UnsitError, match="newer"):
        open_store(path)


def test_a_file_that_is_not_a_database_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_bytes(b"these are my notes, not a database" * 100)
    with pytest.raises(UnsitError, match="as the unsit store: file is not a database"):
        open_store(path)


def test_default_path_is_in_the_user_data_dir(monkeypatch: pytest.MonkeyPatch,
                                              tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    if sys.platform.startswith("linux"):
        assert default_path() == tmp_path / "unsit" / "unsit.db"
    with open_store() as store:
        assert store.schema_version() == SCHEMA_VERSION
    assert default_path().is_file()


def test_storing_the_same_batch_twice_counts_once(store: Store) -> None:
    batch = [minute(0, T0), minute(1, T0 + 60, sitting=30), event(2, T0 + 90, kind=1, a=0, b=60)]
    first = store.store_batch(DEV, batch, next_seq=3)
    second = store.store_batch(DEV, batch, next_seq=3)
    assert (first.new, second.new) == (3, 0)
    assert count(store, "records") == 3
    assert count(store, "minutes") == 2
    assert count(store, "events") == 1
    assert store.conn.execute("SELECT SUM(sitting_s) FROM minutes").fetchone()[0] == 90
    assert store.conn.execute("SELECT t_utc, kind, a, b FROM events").fetchone() == (
        T0 + 90, 1, 0, 60)
    # each record is kept once, decoded (its bytes are not kept beside it)
    assert store.conn.execute("SELECT fields FROM records WHERE seq = 2").fetchone() == ("0,60",)
    assert "body" not in [row[1] for row in store.conn.execute("PRAGMA table_info(records)")]


def test_the_cursor_moves_with_the_batch(store: Store) -> None:
    assert store.cursor(DEV) == 0
    store.store_batch(DEV, [minute(5, T0)], next_seq=6)
    assert store.cursor(DEV) == 6
    assert store.cursor("ffffffff") == 0


def test_a_failed_batch_stores_nothing_and_keeps_the_cursor(store: Store) -> None:
    store.store_batch(DEV, [minute(0, T0)], next_seq=1)

    def bad_records():
        yield minute(1, T0 + 60)
        raise RuntimeError("link lost while decoding")

    with pytest.raises(RuntimeError):
        store.store_batch(DEV, bad_records(), next_seq=2)
    assert count(store, "records") == 1
    assert store.cursor(DEV) == 1


def test_records_before_the_clock_was_set_are_placed_by_a_later_link(store: Store) -> None:
    # Boot 3 ran 120 s on uptime before the host set the clock (UTC = uptime + T0).
    early = [minute(10, 0, clock_set=False, boot=3), minute(11, 60, clock_set=False, boot=3)]
    result = store.store_batch(DEV, early, next_seq=12)
    assert result.new == 2 and result.placed == 0
    assert store.unplaced_count(DEV) == 2
    assert count(store, "minutes") == 0

    result = store.store_batch(DEV, [event(12, T0 + 120, kind=12, a=120, b=3 << 8)],
                               next_seq=13, links=[ClockLink(3, 12, T0, "clock_link")])
    assert result.placed == 2
    assert store.unplaced_count(DEV) == 0
    times = [r[0] for r in store.conn.execute("SELECT t_utc FROM minutes ORDER BY seq")]
    assert times == [T0, T0 + 60]
    assert store.conn.execute("SELECT t_utc FROM records WHERE seq = 10").fetchone() == (T0,)


def test_records_of_another_boot_are_not_placed_by_a_link(store: Store) -> None:
    store.store_batch(DEV, [minute(0, 30, clock_set=False, boot=1)],
                      links=[ClockLink(2, 5, T0, "hello")])
    assert store.unplaced_count(DEV) == 1


def test_a_link_places_only_records_written_before_it(store: Store) -> None:
    # Boot number 4 came round again 256 boots later: its link must not place the old boot.
    old = minute(1, 10, clock_set=False, boot=4)
    new = minute(900, 20, clock_set=False, boot=4)
    boots_between = event(500, 0, kind=4, a=1, clock_set=False, boot=200)
    store.store_batch(DEV, [old, boots_between, new],
                      links=[ClockLink(4, 1000, T0, "clock_link")])
    assert store.conn.execute("SELECT seq, t_utc FROM minutes").fetchall() == [(900, T0 + 20)]
    assert store.unplaced_count(DEV) == 2
    # A link learnt earlier in that old boot places it; the nearest following link wins.
    store.store_batch(DEV, [], links=[ClockLink(4, 2, T0 - 10**6, "clock_link")])
    assert store.conn.execute("SELECT t_utc FROM minutes WHERE seq = 1").fetchone() == (
        T0 - 10**6 + 10,)


def test_idle_runs_and_events_go_to_their_tables(store: Store) -> None:
    idle = StoredRecord(3, IDLE, 1, T0, True, (45,), b"i" * 16)
    store.store_batch(DEV, [idle, event(4, T0 + 2700, kind=4, a=1, b=7)])
    assert store.conn.execute("SELECT seq, t_utc, minutes FROM idle").fetchall() == [
        (3, T0, 45)]
    assert store.conn.execute("SELECT seq, kind, a, b FROM events").fetchall() == [
        (4, 4, 1, 7)]
    assert count(store, "minutes") == 0


def test_a_process_killed_mid_batch_keeps_only_committed_batches(tmp_path: Path) -> None:
    path = tmp_path / "unsit.db"
    script = textwrap.dedent(f"""
        import os
        from unsit.store import open_store, StoredRecord, MINUTE
        s = open_store({str(path)!r})
        s.upsert_device({DEV!r})
        rec = lambda seq: StoredRecord(seq, MINUTE, 1, {T0} + 60 * seq, True, (0, 60, 0, 0, 0, 0),
                                       b"x" * 16)
        s.store_batch({DEV!r}, [rec(0), rec(1)], next_seq=2)
        def dying():
            yield rec(2)
            yield rec(3)
            os._exit(9)   # killed in the middle of the second batch
        s.store_batch({DEV!r}, dying(), next_seq=4)
    """)
    done = subprocess.run([sys.executable, "-c", script], timeout=60)
    assert done.returncode == 9
    with open_store(path) as store:
        assert store.cursor(DEV) == 2
        assert [r[0] for r in store.conn.execute("SELECT seq FROM minutes ORDER BY seq")] == [0, 1]


def test_sync_bookkeeping(store: Store) -> None:
    store.note_sync(DEV, dropped_total=7, now_utc=T0)
    store.note_sync(DEV, dropped_total=None, now_utc=T0 + 5)
    assert store.conn.execute(
        "SELECT last_sync_utc, dropped FROM devices WHERE device_id = ?", (DEV,)
    ).fetchone() == (T0 + 5, 7)
    store.upsert_device(DEV, firmware="0.2.0")
    assert store.conn.execute("SELECT name, firmware FROM devices").fetchone() == (
        "unsit-2c3d", "0.2.0")
    assert store.devices() == [DEV]


def test_logs_of_one_device_get_bases_that_keep_them_apart(store: Store) -> None:
    assert store.add_log(DEV, "aaaaaaaa", adopt=True) == 0      # the first log: seq as is
    store.store_batch(DEV, [minute(seq, T0 + 60 * seq) for seq in range(1, 31)], next_seq=31)
    assert store.log_base(DEV, "aaaaaaaa") == 0 and store.latest_log(DEV) == "aaaaaaaa"
    base = store.add_log(DEV, "bbbbbbbb", adopt=True)           # a second log is never adopted
    assert base == 31 and store.cursor(DEV) == 31 and store.latest_log(DEV) == "bbbbbbbb"
    assert store.log_base(DEV, "cccccccc") is None
