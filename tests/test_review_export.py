"""``unsit export``: minutes, bouts and events as CSV or JSON, read back and checked."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from review_log import Log
from test_review_metrics import office_day

from unsit.cli import main
from unsit.review.export import FIELDS
from unsit.store import open_store


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "unsit.db"
    with open_store(path) as store:
        office_day().save(store)
    return path


def export(capsys: pytest.CaptureFixture[str], db: Path, *args: str) -> str:
    assert main(["export", "--db", str(db), "--tz", "Europe/Berlin", *args]) == 0
    return capsys.readouterr().out


def test_minutes_as_csv(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = list(csv.DictReader(io.StringIO(export(capsys, db, "--format", "csv"))))
    assert tuple(rows[0]) == FIELDS["minutes"]
    assert len(rows) == 10 + 90 + 5 + 30 + 5 + 29 + 1 + 60 + 10 + 30 + 1 + 360
    assert rows[0]["local_time"] == "2026-03-02T08:00:00+01:00"
    assert (rows[0]["state"], rows[0]["steps"], rows[0]["walking_s"]) == ("walking", "100", "60")
    tie = next(r for r in rows if r["local_time"] == "2026-03-02T10:49:00+01:00")
    assert (tie["sitting_s"], tie["standing_s"], tie["state"]) == ("30", "30", "standing")
    assert sum(int(r["sitting_s"]) for r in rows) == 12601
    assert [int(r["t_utc"]) for r in rows] == sorted(int(r["t_utc"]) for r in rows)


def test_bouts_as_json(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bouts = json.loads(export(capsys, db, "--format", "json", "--what", "bouts"))
    assert [(b["start_local"][11:16], b["end_local"][11:16], b["minutes"], b["ended_by"])
            for b in bouts] == [
        ("08:10", "09:40", 90, "break"), ("09:45", "10:15", 30, "break"),
        ("10:20", "10:49", 29, "break"), ("10:50", "11:50", 60, "lying"),
        ("12:30", "12:31", 1, "gap")]
    assert set(bouts[0]) == set(FIELDS["bouts"])


def test_events_as_csv_to_a_file(db: Path, tmp_path: Path,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "events.csv"
    assert export(capsys, db, "--format", "csv", "--what", "events", "-o", str(out)) == ""
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert [(r["local_time"][11:16], r["kind"], r["a"], r["b"]) for r in rows] == [
        ("09:10", "reminder", "0", "60"), ("09:20", "reminder", "1", "70"),
        ("09:40", "heeded", "1200", "1"), ("11:50", "reminder", "0", "60")]


def test_idle_runs_become_not_worn_minutes(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "idle.db"
    with open_store(path) as store:
        log = Log()
        log.minutes("2026-03-02 08:00", 1, "sitting")
        log.idle("2026-03-02 08:01", 3)
        log.minutes("2026-03-02 08:04", 1, "walking")
        log.save(store)
    rows = json.loads(export(capsys, path, "--format", "json"))
    assert [(r["local_time"][11:16], r["state"], r["not_worn_s"], r["seq"]) for r in rows] == [
        ("08:00", "sitting", 0, 0), ("08:01", "not_worn", 60, 1), ("08:02", "not_worn", 60, 1),
        ("08:03", "not_worn", 60, 1), ("08:04", "walking", 0, 2)]


def test_days_and_devices_narrow_the_export(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with open_store(db) as store:
        other = Log("ffee0011")
        other.minutes("2026-03-01 09:00", 3, "sitting")
        other.minutes("2026-03-02 09:00", 2, "standing")
        other.save(store)
    both = list(csv.DictReader(io.StringIO(export(capsys, db, "--format", "csv"))))
    assert {r["device"] for r in both} == {"a1b2c3d4", "ffee0011"}
    assert len(both) == 631 + 5
    one = list(csv.DictReader(io.StringIO(
        export(capsys, db, "--format", "csv", "--device", "ffee", "--days", "1"))))
    assert [(r["device"], r["state"]) for r in one] == [("ffee0011", "standing")] * 2
    span = list(csv.DictReader(io.StringIO(export(
        capsys, db, "--format", "csv", "--device", "ffee0011",
        "--from", "2026-03-01", "--to", "2026-03-01"))))
    assert len(span) == 3 and span[0]["local_time"] == "2026-03-01T09:00:00+01:00"


def test_format_is_required(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["export", "--db", str(db)])
    assert stop.value.code == 2
    assert "--format" in capsys.readouterr().err
