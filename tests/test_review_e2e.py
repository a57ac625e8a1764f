"""From the device to the summary: minutes logged by the firmware under the real
``micropython`` interpreter, synced over a pty by ``unsit sync``, reviewed by ``unsit summary``
and ``unsit export``."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sync_device import DEVICE_ID, DirectLine, MpyDevice, pattern

from unsit.cli import main

T_START = 1_790_000_000          # 2026-09-21 14:13:20 UTC
MINUTES = 300


def test_synced_minutes_add_up_in_the_summary(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    line = DirectLine()
    device = MpyDevice(tmp_path / "flash", line.device_fd(), minutes=MINUTES, start=T_START)
    try:
        db = tmp_path / "unsit.db"
        assert main(["sync", "--port", line.path, "--db", str(db)]) == 0
    finally:
        device.stop()
        line.close()
    capsys.readouterr()

    assert main(["summary", "--db", str(db), "--tz", "UTC", "--days", "1", "--json"]) == 0
    (day,) = json.loads(capsys.readouterr().out)
    logged = [pattern(i) for i in range(MINUTES)]
    assert day["device"] == DEVICE_ID
    assert day["date"] == datetime.fromtimestamp(T_START, timezone.utc).date().isoformat()
    assert day["wear_min"] == MINUTES
    assert day["sitting_min"] == round(sum(c[1] for c, _ in logged) / 60, 1)
    assert day["standing_min"] == round(sum(c[2] for c, _ in logged) / 60, 1)
    assert day["walking_min"] == round(sum(c[3] for c, _ in logged) / 60, 1)
    assert day["steps"] == sum(steps for _, steps in logged)
    assert day["low_wear"] is True

    # The bouts the summary counted are the ones the export lists, minute by minute.
    assert main(["export", "--db", str(db), "--tz", "UTC", "--format", "csv"]) == 0
    minutes = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [int(m["t_utc"]) for m in minutes] == [T_START + 60 * i for i in range(MINUTES)]
    assert main(["export", "--db", str(db), "--tz", "UTC", "--format", "json",
                 "--what", "bouts"]) == 0
    bouts = json.loads(capsys.readouterr().out)
    assert len(bouts) == day["bouts"] and max(b["minutes"] for b in bouts) == day["longest_bout_min"]
    assert sum(b["ended_by"] == "break" for b in bouts) == day["breaks"]
    sitting_minutes = sum(m["state"] == "sitting" for m in minutes)
    assert sum(b["minutes"] for b in bouts) == sitting_minutes > 0
