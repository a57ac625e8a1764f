"""The store and the key file are the wearer's: unsit writes only its own store, where it was
told, and only the wearer can read what it writes; a failure never leaves a stray store and
always says what happened."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from clip import Clip
from fault_relay import raw_pty
from unsit import cli, store
from unsit.pairing.keys import KeyRing, PairedDevice


def unsit(*args: str, **options: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "unsit", *args], capture_output=True,
                          text=True, timeout=120, **options)  # type: ignore[call-overload]


@pytest.fixture
def clip(tmp_path: Path) -> object:
    master, slave, path = raw_pty()
    flash = tmp_path / "flash"
    flash.mkdir()
    running = Clip(flash, master, minutes=3000, start=1_790_000_000)
    running.path = path  # type: ignore[attr-defined]
    yield running
    running.stop()
    os.close(slave)


def tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as conn:
        return {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}


def test_another_programs_database_is_refused_by_every_command(tmp_path: Path) -> None:
    other = tmp_path / "other-program.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE contacts (name TEXT)")
    for command in (["sync", "--port", str(tmp_path / "no-such-port")],
                    ["summary"], ["export", "--format", "csv"]):
        done = unsit(*command, "--db", str(other))
        assert done.returncode == 2, (command, done.stderr)
        assert "not an unsit store" in done.stderr
    assert tables(other) == {"contacts"}   # nothing of unsit's was written into it


def test_a_store_in_a_missing_folder_is_refused_not_made(tmp_path: Path) -> None:
    target = tmp_path / "no-such-folder" / "x.db"
    done = unsit("sync", "--port", str(tmp_path / "no-such-port"), "--db", str(target))
    assert done.returncode == 2 and "does not exist" in done.stderr
    assert not target.parent.exists()


def test_a_failed_first_sync_leaves_no_store(tmp_path: Path) -> None:
    target = tmp_path / "unsit.db"
    done = unsit("sync", "--port", str(tmp_path / "no-such-port"), "--db", str(target))
    assert done.returncode != 0
    assert sorted(p.name for p in tmp_path.iterdir()) == []
    # so the review does not find an empty store either
    assert "no store" in unsit("summary", "--db", str(target)).stderr


def test_a_locked_store_says_so(tmp_path: Path, clip: Clip,
                                monkeypatch: pytest.MonkeyPatch,
                                capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "unsit.db"
    assert cli.main(["sync", "--port", clip.path, "--db", str(db)]) == 0  # type: ignore[attr-defined]
    capsys.readouterr()
    monkeypatch.setattr(store, "BUSY_TIMEOUT_S", 0.2, raising=False)
    holder = sqlite3.connect(db, isolation_level=None)
    try:
        holder.execute("BEGIN EXCLUSIVE")   # another program writing the store
        code = cli.main(["sync", "--port", clip.path, "--db", str(db)])  # type: ignore[attr-defined]
    finally:
        holder.close()
    error = capsys.readouterr().err
    assert code != 0 and "in use by another program" in error and "damaged" not in error


def test_a_full_disk_says_so(tmp_path: Path, clip: Clip, monkeypatch: pytest.MonkeyPatch,
                             capsys: pytest.CaptureFixture[str]) -> None:
    # The disk is the one boundary faked here: SQLite's page limit makes the store's writes
    # fail with SQLITE_FULL ("database or disk is full"), as a full disk does.
    connect = sqlite3.connect

    def small_disk(*args: object, **kwargs: object) -> sqlite3.Connection:
        conn = connect(*args, **kwargs)  # type: ignore[arg-type]
        conn.execute("PRAGMA max_page_count = 40")
        return conn

    monkeypatch.setattr(store.sqlite3, "connect", small_disk)
    code = cli.main(["sync", "--port", clip.path, "--db", str(tmp_path / "unsit.db")])  # type: ignore[attr-defined]
    error = capsys.readouterr().err
    assert code != 0
    assert "is full" in error and "damaged" not in error, error


def test_the_store_is_created_private_and_no_link_is_followed(tmp_path: Path) -> None:
    made = tmp_path / "unsit.db"
    store.open_store(made).close()
    assert stat.S_IMODE(made.stat().st_mode) == 0o600
    victim = tmp_path / "victim.db"
    victim.write_bytes(b"")
    link = tmp_path / "link.db"
    link.symlink_to(victim)
    done = unsit("sync", "--port", str(tmp_path / "no-such-port"), "--db", str(link))
    assert done.returncode == 2 and "symbolic link" in done.stderr
    assert victim.read_bytes() == b""


def test_the_key_file_is_private_and_no_link_is_followed(tmp_path: Path) -> None:
    keys = tmp_path / "keys.json"
    stale = tmp_path / "keys.json.tmp"          # left by a crash, readable by everyone
    stale.write_text("")
    stale.chmod(0o644)
    ring = KeyRing(keys)
    ring.add(PairedDevice("0a1b2c3d", "unsit-2c3d", bytes(32)))
    assert stat.S_IMODE(keys.stat().st_mode) == 0o600
    victim = tmp_path / "victim.txt"
    victim.write_text("the wearer's notes")
    stale.unlink()
    stale.symlink_to(victim)                    # planted where the temporary file goes
    ring.add(PairedDevice("0a1b2c3e", "unsit-2c3e", bytes(32)))
    assert victim.read_text() == "the wearer's notes"
    assert stat.S_IMODE(keys.stat().st_mode) == 0o600
    assert KeyRing(keys).get("0a1b2c3e") is not None
