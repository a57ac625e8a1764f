"""The review commands on the command line: help, --db, --device, --tz, and one-line mistakes."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from review_log import Log, mark_estimated, synthetic_days, utc
from test_review_metrics import office_day, snooze_day

from unsit.cli import main
from unsit.review.metrics import FIELDS
from unsit.store import open_store

REVIEW = ("summary", "report", "export")


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "unsit.db"
    with open_store(path) as store:
        office_day().save(store)
    return path


@pytest.fixture
def two_devices(db: Path) -> Path:
    with open_store(db) as store:
        other = Log("ffee0011")
        other.minutes("2026-03-02 09:00", 45, "sitting")
        other.minutes("2026-03-02 09:45", 1, "walking")
        other.save(store)
    return db


def unsit(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "unsit", *args], capture_output=True,
                          text=True, timeout=120)


@pytest.mark.parametrize("command", REVIEW)
def test_help_names_the_shared_options(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        main([command, "--help"])
    assert stop.value.code == 0
    text = capsys.readouterr().out
    for option in ("--db PATH", "--device ID", "--tz ZONE", "--days N", "--from DATE"):
        assert option in text, (command, option)


def test_summary_json_is_every_metric(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["summary", "--db", str(db), "--tz", "Europe/Berlin", "--days", "2",
                 "--keep-empty", "--json"]) == 0
    days = json.loads(capsys.readouterr().out)
    assert [d["date"] for d in days] == ["2026-03-01", "2026-03-02"]
    assert tuple(days[1]) == FIELDS
    assert (days[1]["sitting_min"], days[1]["breaks"], days[1]["low_wear"]) == (210.0, 3, False)
    assert days[0]["low_wear"] is True


def test_summary_csv_and_table(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["summary", "--db", str(db), "--tz", "Europe/Berlin", "--from", "2026-03-02",
                 "--to", "2026-03-03", "--csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [(r["date"], r["low_wear"], r["longest_bout_min"]) for r in rows] == [
        ("2026-03-02", "0", "90"), ("2026-03-03", "1", "0")]
    assert main(["summary", "--db", str(db), "--tz", "Europe/Berlin", "--from", "2026-03-02",
                 "--to", "2026-03-03", "--wide"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:4] == ["date", "day", "wear", "h"]
    day = lines[1].split()
    assert day[:4] == ["2026-03-02", "Mon", "10.0", "3.5"]
    # standing 5 + 0.5 + 360 min, walking 15 min, lying 10 min (office_day)
    assert day[4:7] == ["6.1", "0.2", "0.2"]
    assert day[12:14] == ["3/180", "2/150"]      # bouts >= 30 (90, 30, 60) and >= 60 (90, 60)
    assert lines[2].startswith("2026-03-03 *")
    assert lines[-1].startswith("* less than 10 h of wear")


def test_summary_shows_snoozes_and_marks_estimated_days(db: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    with open_store(db) as store:
        snooze_day().save(store, first_seq=1000)             # Tuesday the 3rd
        mark_estimated(store, "a1b2c3d4", utc("2026-03-02 08:00"), utc("2026-03-02 08:07"))
    args = ["summary", "--db", str(db), "--tz", "Europe/Berlin", "--from", "2026-03-02",
            "--to", "2026-03-04"]
    assert main([*args, "--csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [(r["date"], r["estimated_min"], r["reminders"], r["snoozed"], r["heeded_pct"])
            for r in rows] == [("2026-03-02", "7", "3", "0", "33.3"),
                               ("2026-03-03", "0", "5", "2", "20.0"),
                               ("2026-03-04", "0", "0", "0", "")]
    assert main([*args, "--wide"]) == 0
    lines = capsys.readouterr().out.splitlines()
    head = lines[0].split()
    assert head[-7:] == ["remind", "snooze", "heeded", "%", "get", "up", "min"]
    assert lines[1].startswith("2026-03-02 ~ ")               # enough wear, some estimates
    assert lines[2].startswith("2026-03-03 * ")               # little wear, no estimates
    assert lines[3].startswith("2026-03-04 * ")
    # remind, snooze, heeded %, minutes to get up: the last columns of each day
    assert lines[1].split()[-4:] == ["3", "0", "33.3", "20.0"]
    assert lines[2].split()[-4:] == ["5", "2", "20.0", "4.0"]
    assert lines[-2].startswith("* less than 10 h of wear")
    assert lines[-1].startswith("~ some minutes' times are estimates")
    # Without estimated days there is no ~ footnote.
    assert main(["summary", "--db", str(db), "--tz", "Europe/Berlin", "--from", "2026-03-03",
                 "--to", "2026-03-03"]) == 0
    text = capsys.readouterr().out
    assert "~" not in text and text.splitlines()[1].startswith("2026-03-03 * ")


def test_the_time_zone_moves_the_day_boundary(db: Path, capsys: pytest.CaptureFixture[str]
                                              ) -> None:
    args = ["summary", "--db", str(db), "--from", "2026-03-02", "--to", "2026-03-02", "--json"]
    assert main([*args, "--tz", "Europe/Berlin"]) == 0
    (berlin,) = json.loads(capsys.readouterr().out)
    assert main([*args, "--tz", "America/New_York"]) == 0
    (new_york,) = json.loads(capsys.readouterr().out)
    # 08:00-19:00 Berlin is 02:00-13:00 in New York: the same day there, just as long.
    assert berlin["wear_min"] == new_york["wear_min"] == 600.5
    assert main([*args, "--tz", "Pacific/Kiritimati"]) == 0        # UTC+14: 21:00-08:00
    (kiritimati,) = json.loads(capsys.readouterr().out)
    assert kiritimati["wear_min"] == 3 * 60 + 0.0  # 21:00-24:00 of the 2nd there: 07:00-10:00 UTC


def test_several_devices(two_devices: Path, tmp_path: Path,
                         capsys: pytest.CaptureFixture[str]) -> None:
    db = str(two_devices)
    assert main(["summary", "--db", db, "--tz", "Europe/Berlin", "--days", "1", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["device"], r["sitting_min"]) for r in rows] == [
        ("a1b2c3d4", 210.0), ("ffee0011", 45.0)]
    assert main(["summary", "--db", db, "--tz", "Europe/Berlin", "--days", "1"]) == 0
    text = capsys.readouterr().out
    assert "device a1b2c3d4" in text and "device ffee0011" in text
    # A report is of one wearer: with two devices it asks which.
    out = tmp_path / "r.html"
    assert main(["report", "--db", db, "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.strip() == ("unsit report: error: the store holds several devices "
                           "(a1b2c3d4, ffee0011): choose one with --device ID")
    assert not out.exists()
    assert main(["report", "--db", db, "--device", "clip ffee0011", "-o", str(out),
                 "--tz", "Europe/Berlin"]) == 0
    page = out.read_text(encoding="utf-8")
    assert "clip ffee0011 (ffee0011)" in page and "2026-03-02 to 2026-03-02" in page


@pytest.mark.parametrize(("args", "message"), [
    (["summary", "--from", "2026-02-30", "--to", "2026-03-02"],
     "--from '2026-02-30' is not a date: use YYYY-MM-DD"),
    (["summary", "--to", "2026-03-02"], "--to needs --from (or use --days N)"),
    (["summary", "--since", "2026-03-02", "--from", "2026-03-01"],
     "give either --since or --from, not both"),
    (["summary", "--from", "2026-03-02", "--to", "2026-03-01"],
     "--to 2026-03-01 is before --from 2026-03-02"),
    (["summary", "--days", "0"], "--days must be from 1 to 3660, not 0"),
    (["summary", "--days", "99999999"], "--days must be from 1 to 3660, not 99999999"),
    (["export", "--format", "json", "--from", "0001-01-01", "--to", "2026-01-01"],
     "--from 0001-01-01 is out of range (years 1971 to 2999)"),
    (["summary", "--from", "2001-01-01", "--to", "2026-01-01"],
     "a range of more than ten years: narrow --from/--to"),
    (["summary", "--days", "3", "--from", "2026-03-01", "--to", "2026-03-02"],
     "give either --days or --from/--to, not both"),
    (["summary", "--tz", "Mars/Olympus"],
     "unknown time zone 'Mars/Olympus' (use an IANA name such as Europe/Berlin or UTC)"),
    (["export", "--format", "csv", "--device", "zz"],
     "no device 'zz' in the store (known: a1b2c3d4)"),
    (["report", "--to", "2026-3-1", "--from", "2026-03-01"],
     "--to '2026-3-1' is not a date: use YYYY-MM-DD"),
])
def test_mistakes_are_one_line(db: Path, args: list[str], message: str,
                               capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*args, "--db", str(db)]) == 2
    err = capsys.readouterr().err
    assert err == f"unsit {args[0]}: error: {message}\n"


def test_a_missing_store_is_not_created(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "unsit.db"
    done = unsit("summary", "--db", str(missing))
    assert done.returncode == 2
    assert done.stderr == (f"unsit summary: error: no store at {missing}: run 'unsit sync' "
                           "first or pass --db PATH\n")
    assert not missing.parent.exists()


def test_an_empty_store_says_to_sync(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "empty.db"
    open_store(path).close()
    assert main(["report", "--db", str(path)]) == 1
    assert capsys.readouterr().err == (
        "unsit report: error: the store holds no data yet: run 'unsit sync' first\n")


def test_png_without_a_browser_is_one_line(db: Path, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("UNSIT_CHROMIUM", str(tmp_path / "no-such-browser"))
    out = tmp_path / "r.html"
    assert main(["report", "--db", str(db), "--png", "-o", str(out)]) == 1
    assert capsys.readouterr().err.startswith("unsit report: error: --png needs Chromium")
    assert not out.exists()


def test_report_writes_one_file(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "week.html"
    done = unsit("report", "--db", str(db), "--days", "7", "--tz", "Europe/Berlin",
                 "--keep-empty", "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert done.stderr == f"wrote {out} (2026-02-24 to 2026-03-02)\n"
    assert out.read_text(encoding="utf-8").count('<svg class="strip"') == 7
    # By default the days without data before the office day are left out.
    done = unsit("report", "--db", str(db), "--tz", "Europe/Berlin", "-o", str(out))
    assert done.stderr == f"wrote {out} (2026-03-02 to 2026-03-02)\n"
    assert out.read_text(encoding="utf-8").count('<svg class="strip"') == 1


def test_another_programs_database_is_refused_and_left_untouched(tmp_path: Path) -> None:
    import sqlite3

    foreign = tmp_path / "notes.sqlite"
    conn = sqlite3.connect(foreign)
    conn.execute("CREATE TABLE notes (body TEXT)")
    conn.commit()
    conn.close()
    before = foreign.read_bytes()
    for command in REVIEW:
        extra = ("--format", "csv") if command == "export" else ()
        done = unsit(command, "--db", str(foreign), *extra)
        assert done.returncode == 2, (command, done.stderr)
        assert "is not an unsit store" in done.stderr and "Traceback" not in done.stderr
        assert len(done.stderr.strip().splitlines()) == 1
    assert foreign.read_bytes() == before


def test_a_store_damaged_past_its_first_page_is_one_clear_line(db: Path) -> None:
    data = bytearray(db.read_bytes())
    page = int.from_bytes(data[16:18], "big")
    assert len(data) > 2 * page, "the office day must fill more than one page"
    data[page:] = bytes((i * 37 + 11) & 0xFF for i in range(len(data) - page))
    db.write_bytes(bytes(data))
    for command in ("summary", "export"):
        extra = ("--format", "json") if command == "export" else ()
        done = unsit(command, "--db", str(db), "--days", "3", *extra)
        assert done.returncode != 0, (command, done.stdout)
        assert "Traceback" not in done.stderr
        assert "damaged" in done.stderr or "cannot read" in done.stderr, done.stderr
        assert len(done.stderr.strip().splitlines()) == 1, done.stderr


@pytest.fixture
def nine_days(tmp_path: Path) -> Path:
    """1 to 9 March 2026 of a desk worker; on the 9th the clip lay on the desk (not worn)."""
    path = tmp_path / "nine.db"
    with open_store(path) as store:
        log = Log()
        log.add(synthetic_days(date(2026, 3, 1), 9))
        log.save(store)
    return path


def summary_dates(*args: str, capsys: pytest.CaptureFixture[str]) -> list[str]:
    assert main(["summary", "--tz", "Europe/Berlin", "--json", *args]) == 0
    return [row["date"] for row in json.loads(capsys.readouterr().out)]


def test_summary_lists_no_empty_days_outside_the_data_unless_asked(
        nine_days: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = ("--db", str(nine_days))
    march = [f"2026-03-{d:02d}" for d in range(1, 10)]
    assert summary_dates(*db, "--days", "30", capsys=capsys) == march
    assert summary_dates(*db, capsys=capsys) == march[2:]                 # default 7 days
    kept = summary_dates(*db, "--days", "30", "--keep-empty", capsys=capsys)
    assert kept[0] == "2026-02-08" and kept[-1] == "2026-03-09" and len(kept) == 30
    # --from alone and --since run until today; days after the data are left out ...
    assert summary_dates(*db, "--from", "2026-03-07", capsys=capsys) == march[6:]
    assert summary_dates(*db, "--since", "2026-02-20", capsys=capsys) == march
    # ... unless asked for, with --keep-empty or an explicit --to.
    today = datetime.now(ZoneInfo("Europe/Berlin")).date()
    kept = summary_dates(*db, "--since", "2026-03-07", "--keep-empty", capsys=capsys)
    assert kept[0] == "2026-03-07" and kept[-1] == today.isoformat()
    assert summary_dates(*db, "--from", "2026-03-08", "--to", "2026-03-11",
                         capsys=capsys) == ["2026-03-08", "2026-03-09", "2026-03-10",
                                            "2026-03-11"]
    assert main(["summary", *db, "--since", "2026-01-01", "--to", "2026-01-02"]) == 0
    capsys.readouterr()
    # A range holding no data at all says where the data is.
    assert main(["summary", *db, "--since", "2026-03-20", "--tz", "Europe/Berlin"]) == 1
    assert capsys.readouterr().err == (
        f"unsit summary: error: no data from 2026-03-20 to {today} (the data runs from"
        " 2026-03-01 to 2026-03-09); add --keep-empty to list the days anyway\n")
    assert main(["summary", *db, "--since", "2999-01-01"]) == 2
    assert "--from 2999-01-01 is after today" in capsys.readouterr().err


def test_summary_table_has_weekdays_and_mean_rows_and_fits_100_columns(
        db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with open_store(db) as store:
        snooze_day().save(store, first_seq=1000)             # Tuesday the 3rd, little wear
    args = ["summary", "--db", str(db), "--tz", "Europe/Berlin", "--days", "30"]
    assert main(args) == 0
    lines = capsys.readouterr().out.splitlines()
    assert max(len(line) for line in lines) <= 100
    head = lines[0].split()
    assert head[:2] == ["date", "day"] and head[-2:] == ["heeded", "%"]
    assert lines[1].split()[:2] == ["2026-03-02", "Mon"]
    assert lines[2].split()[:3] == ["2026-03-03", "*", "Tue"]
    # The mean of both days: sitting (210 + 184) / 2 min, reminders (3 + 5) / 2, heeded
    # pooled (1 + 1) / 8; of the valid day alone: the day itself.
    mean_all, mean_valid = lines[3].split(), lines[4].split()
    assert mean_all[:3] == ["mean", "2", "days"] and mean_valid[:3] == ["mean", "1", "valid"]
    columns = [c for c in head if c not in ("h", "%")]
    values = dict(zip(columns[1:], mean_all[2:], strict=True))
    assert (values["sit"], values["remind"], values["heeded"]) == ("3.3", "4.0", "25.0")
    values = dict(zip(columns[1:], mean_valid[2:], strict=True))
    assert (values["sit"], values["remind"], values["heeded"]) == ("3.5", "3.0", "33.3")
    assert "valid: days with at least 10 h of wear" in lines
    # --wide has every column, wider than 100.
    assert main([*args, "--wide"]) == 0
    wide = capsys.readouterr().out.splitlines()
    assert len(wide[0]) > 100
    for heading in ("stand h", "walk h", "lie h", "br/sit h", "mean bout", ">=30 n/min",
                    "get up min"):
        assert heading in wide[0]
    assert wide[3].startswith("mean 2 days")


def test_summary_by_week_and_month(nine_days: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["summary", "--db", str(nine_days), "--tz", "Europe/Berlin", "--days", "30"]
    assert main([*args, "--by", "week"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert max(len(line) for line in lines) <= 100
    # Sunday 1 March closes the week of 23 February; 2 to 8 March is a week; the 9th (the
    # clip on the desk all day) opens the next one, which has no valid day.
    assert [line.split()[:4] for line in lines[:4]] == [
        ["week", "days", "wear", "h"], ["wk", "23", "Feb", "1/1"], ["wk", "2", "Mar", "7/7"],
        ["wk", "9", "Mar", "*"]]
    assert lines[3].split()[4] == "0/1"
    assert "each week: the mean day of its valid days; days: valid/all" in lines
    assert "* less than 10 h of wear: no valid day in the week: the mean of all its days" in lines
    assert main([*args, "--by", "week", "--json"]) == 0
    weeks = json.loads(capsys.readouterr().out)
    days = json.loads(summary_json(nine_days, "--from", "2026-03-02", "--to", "2026-03-08",
                                   capsys=capsys))
    assert [(w["date"], w["days"], w["valid_days"]) for w in weeks] == [
        ("2026-02-23", 1, 1), ("2026-03-02", 7, 7), ("2026-03-09", 1, 0)]
    assert weeks[1]["sitting_min"] == round(sum(d["sitting_min"] for d in days) / 7, 1)
    assert weeks[1]["heeded_pct"] == round(
        100 * sum(d["heeded"] for d in days) / sum(d["reminders"] for d in days), 1)
    assert main([*args, "--by", "month", "--csv"]) == 0
    months = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [(m["period"], m["date"], m["days"], m["valid_days"]) for m in months] == [
        ("month", "2026-03-01", "9", "8")]


def summary_json(db: Path, *args: str, capsys: pytest.CaptureFixture[str]) -> str:
    assert main(["summary", "--db", str(db), "--tz", "Europe/Berlin", "--json", *args]) == 0
    return capsys.readouterr().out
