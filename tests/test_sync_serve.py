"""``unsit simulate TRACE --serve``: the real firmware (main.py on the simulated board, under
MicroPython) serves its log on a pty, and ``unsit sync --port PATH`` syncs it like a board."""

from __future__ import annotations

import asyncio
import json
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from unsit.lab.tracegen import generate
from unsit.sync import sync_serial

SCRIPT = """
mount front
sit 20m
walk 2m cadence 1.9
stand 3m
sit 10m
"""


@pytest.fixture(scope="module")
def trace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("serve") / "day.txt"
    generate(SCRIPT).write_text(path)
    return path


@pytest.mark.slow
def test_simulate_serve_is_synced_like_a_board(trace: Path, tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "unsit", "simulate", str(trace), "--rate", "25",
         "--start", "2026-03-02T08:00+01:00", "--json"],
        capture_output=True, text=True, timeout=120, check=True)
    plain = json.loads(done.stdout)
    totals = plain["totals_s"]
    server = subprocess.Popen(
        [sys.executable, "-m", "unsit", "simulate", str(trace), "--rate", "25",
         "--start", "2026-03-02T08:00+01:00", "--serve"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = server.stdout.readline()  # type: ignore[union-attr]
        assert first.startswith("serving the simulated clip on /dev/"), first
        path = first.split()[-1]
        db = tmp_path / "unsit.db"
        # The trace plays as fast as the interpreter goes; a sync during it would set the
        # clock to now in the middle of the day, so sync once it has been played.
        said = []
        for line in server.stderr:  # type: ignore[union-attr]
            said.append(line)
            if "trace has been played" in line:
                break
        else:
            pytest.fail(f"the server ended (exit {server.wait()}): {''.join(said)}")
        report = asyncio.run(sync_serial(path, db))
        assert report.unplaced == 0 and report.corrupt == 0
        with sqlite3.connect(db) as conn:
            minutes = conn.execute("SELECT COUNT(*) FROM minutes").fetchone()[0]
            idle = conn.execute("SELECT COALESCE(SUM(minutes), 0) FROM idle").fetchone()[0]
        assert 35 <= minutes + idle <= 36
        again = asyncio.run(sync_serial(path, db))
        assert again.minutes == 0
        with sqlite3.connect(db) as conn:
            synced = conn.execute(
                "SELECT SUM(not_worn_s), SUM(sitting_s), SUM(standing_s), SUM(walking_s),"
                " SUM(lying_s), SUM(steps), MIN(t_utc) FROM minutes").fetchone()
            synced_idle = conn.execute("SELECT COALESCE(SUM(minutes), 0) FROM idle").fetchone()
        # What arrived over the pty is what the firmware logged: the same as the simulator
        # reads straight from the simulated flash in a plain run of the same trace.
        assert synced[:6] == (totals["not_worn"] - 60 * synced_idle[0], totals["sitting"],
                              totals["standing"], totals["walking"], totals["lying"],
                              plain["steps"])
        assert 1772434800 <= synced[6] < 1772434800 + 60  # the trace began 07:00Z
        assert server.poll() is None, "the clip stopped serving after the trace"
    finally:
        server.send_signal(signal.SIGINT)
        out, err = server.communicate(timeout=30)
    assert server.returncode == 0, err
    assert "Traceback" not in err


def test_speed_belongs_to_serve(trace: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "unsit", "simulate", str(trace), "--rate", "25", "--speed", "5"],
        capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert done.stderr.endswith("unsit simulate: error: --speed applies to --serve only\n")
    assert "Traceback" not in done.stderr
