"""``unsit export``: minutes, bouts and events as CSV or JSON, read back and checked."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from review_log import Log, mark_estimated, utc
from test_review_metrics import office_day

from unsit.cli import main
from unsit.review.export import ACTIVPAL_FIELDS, FIELDS, GADGETBRIDGE_FIELDS
from unsit.store import MINUTE, StoredRecord, open_store
from unsit_firmware.logic import events


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
    assert {r["estimated"] for r in rows} == {"0"}           # every time came from the clock


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


def test_estimated_times_are_flagged(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with open_store(db) as store:
        idle = Log()
        idle.idle("2026-03-02 20:00", 3)
        idle.save(store, first_seq=1000)
        # Hand-built rows, as the store writes for a boot placed by estimate: the minutes from
        # 08:05 to 08:10, the 09:10 reminder and the idle run.
        assert mark_estimated(store, "a1b2c3d4", utc("2026-03-02 08:05"),
                              utc("2026-03-02 08:10")) == 5
        assert mark_estimated(store, "a1b2c3d4", utc("2026-03-02 09:10"),
                              utc("2026-03-02 09:11")) == 2      # the minute and the event
        assert mark_estimated(store, "a1b2c3d4", utc("2026-03-02 20:00"),
                              utc("2026-03-02 20:01")) == 1
    rows = list(csv.DictReader(io.StringIO(export(capsys, db, "--format", "csv"))))
    flagged = [r["local_time"][11:16] for r in rows if r["estimated"] == "1"]
    assert flagged == ["08:05", "08:06", "08:07", "08:08", "08:09", "09:10",
                       "20:00", "20:01", "20:02"]      # each minute of the idle run
    assert {r["estimated"] for r in rows} == {"0", "1"}
    found = json.loads(export(capsys, db, "--format", "json", "--what", "events"))
    assert [(e["local_time"][11:16], e["kind"], e["estimated"]) for e in found] == [
        ("09:10", "reminder", 1), ("09:20", "reminder", 0), ("09:40", "heeded", 0),
        ("11:50", "reminder", 0)]


def test_a_boot_placed_by_estimate_is_flagged_end_to_end(tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]
                                                          ) -> None:
    """Boot 1 never had its clock set and ended in a watchdog reset; boot 2 began at 10:00
    (UTC known). The store places boot 1 by estimate (docs/sync.md); export and summary say so."""
    start = utc("2026-03-04 10:00")
    sitting = (0, 60, 0, 0, 0, 0)
    boot1 = [StoredRecord(0, events.BOOT, 1, 2, False, (events.RESET_POWER_ON, 1), b""),
             *(StoredRecord(seq, MINUTE, 1, 60 * seq, False, sitting, b"")
               for seq in range(1, 4)),                  # uptime 60-240 s
             StoredRecord(4, events.REMINDER, 1, 200, False, (0, 60), b""),
             StoredRecord(5, events.SNOOZE, 1, 210, False, (20, 0), b"")]
    boot2 = [StoredRecord(6, events.BOOT, 2, start, True, (events.RESET_WATCHDOG, 1), b""),
             StoredRecord(7, MINUTE, 2, start + 60, True, sitting, b"")]
    db = tmp_path / "unsit.db"
    with open_store(db) as store:
        store.upsert_device("a1b2c3d4", name="clip")
        assert store.store_batch("a1b2c3d4", [*boot1, *boot2], next_seq=8).estimated == 6
    minutes = json.loads(export(capsys, db, "--format", "json"))
    # Boot 1 ended (its last minute, at uptime 180-240) RESET_GAP_S before boot 2 began.
    offset = start - 1 - 240
    assert [(m["t_utc"], m["estimated"]) for m in minutes] == [
        (offset + 60, 1), (offset + 120, 1), (offset + 180, 1), (start + 60, 0)]
    found = json.loads(export(capsys, db, "--format", "json", "--what", "events"))
    assert [(e["kind"], e["estimated"]) for e in found] == [
        ("boot", 1), ("reminder", 1), ("snooze", 1), ("boot", 0)]
    assert main(["summary", "--db", str(db), "--tz", "Europe/Berlin", "--days", "1",
                 "--json"]) == 0
    (day,) = json.loads(capsys.readouterr().out)
    assert (day["estimated_min"], day["sitting_min"], day["reminders"], day["snoozed"]) == (
        3, 4.0, 1, 1)


def test_activpal_events_of_the_office_day(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = list(csv.reader(io.StringIO(export(capsys, db, "--format", "activpal"))))
    assert tuple(rows[0]) == ACTIVPAL_FIELDS
    # The first six columns, as activPAL-processing readers take them, worked out by hand from
    # office_day: events are runs of one class; sitting then lying is one sedentary event; the
    # unworn half hour and the hole in the log after 12:31 get no row.
    monday = 46083                      # 2026-03-02 as a spreadsheet serial date
    expected = [  # start, seconds, code, cumulative steps / 2, MET.h
        ("08:00", 600, 2, 500, 3.5 * 600 / 3600),
        ("08:10", 5400, 0, 500, 1.33 * 1.5),
        ("09:40", 300, 1, 500, 1.59 * 300 / 3600),
        ("09:45", 1800, 0, 500, 1.33 * 0.5),
        ("10:15", 300, 2, 625, 3.5 * 300 / 3600),
        ("10:20", 1740, 0, 625, 1.33 * 1740 / 3600),
        ("10:49", 60, 1, 625, 1.59 / 60),          # a tie of sitting and standing is upright
        ("10:50", 4200, 0, 625, 1.33 * 4200 / 3600),
        ("12:30", 60, 0, 625, 1.33 / 60),
        ("13:00", 21600, 1, 625, 1.59 * 6),
    ]
    assert len(rows) == 1 + len(expected)
    for row, (at, seconds, code, strides, met_h) in zip(rows[1:], expected, strict=True):
        hours, minutes = map(int, at.split(":"))
        assert float(row[0]) == pytest.approx(monday + (hours * 60 + minutes) / 1440, abs=1e-9)
        assert int(row[1]) == ((hours - 8) * 3600 + minutes * 60) * 20     # 20 samples a second
        assert (int(row[2]), int(row[3]), int(row[4])) == (seconds, code, strides)
        assert float(row[5]) == pytest.approx(met_h, abs=1e-6)
        assert row[8] == f"2026-03-02T{at}:00+01:00"
    extra = dict(zip(ACTIVPAL_FIELDS, rows[8], strict=True))
    assert (extra["class"], extra["lying_s"], extra["steps"]) == ("sedentary", "600", "0")
    assert [r[9] for r in rows[1:4]] == ["stepping", "sedentary", "standing"]


def test_gadgetbridge_minutes(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = list(csv.DictReader(io.StringIO(export(capsys, db, "--format", "gadgetbridge"))))
    assert tuple(rows[0]) == GADGETBRIDGE_FIELDS
    assert len(rows) == 10 + 90 + 5 + 30 + 5 + 29 + 1 + 60 + 10 + 30 + 1 + 360
    by_time = {int(r["TIMESTAMP"]): r for r in rows}

    def at(local: str) -> tuple[str, ...]:
        r = by_time[utc(f"2026-03-02 {local}")]
        return r["RAW_KIND"], r["STEPS"], r["RAW_INTENSITY"], r["HEART_RATE"]

    assert at("08:00") == ("32", "100", "255", "-1")     # walking
    assert at("08:10") == ("1", "0", "0", "-1")          # sitting: worn, awake
    assert at("10:49") == ("1", "0", "0", "-1")          # the tie: standing
    assert at("11:50") == ("0", "0", "0", "-1")          # lying: rest or sleep, unknown
    assert at("12:00") == ("8", "0", "0", "-1")          # not worn
    assert {r["DEVICE_ID"] for r in rows} == {"a1b2c3d4"} and {r["USER_ID"] for r in rows} == {
        "1"}


def test_tool_layouts_refuse_what_and_activpal_wants_one_device(
        db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", "--db", str(db), "--format", "activpal", "--what", "bouts"]) == 2
    assert capsys.readouterr().err == (
        "unsit export: error: --what goes with --format csv or json; --format activpal has its"
        " own rows\n")
    with open_store(db) as store:
        other = Log("ffee0011")
        other.minutes("2026-03-02 09:00", 45, "sitting")
        other.save(store)
    assert main(["export", "--db", str(db), "--format", "activpal"]) == 2
    assert "choose one with --device ID" in capsys.readouterr().err
    assert main(["export", "--db", str(db), "--format", "activpal", "--device", "ffee"]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert [(r[2], r[3], r[6]) for r in rows[1:]] == [("2700", "0", "ffee0011")]
