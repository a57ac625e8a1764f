"""``unsit demo``: a whole office day through the real firmware under MicroPython."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest


@pytest.mark.slow
def test_demo_shows_an_office_day_with_its_reminders_and_answers() -> None:
    done = subprocess.run([sys.executable, "-m", "unsit", "demo"], capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    # the day's script and what the clip did, in time order
    assert out.startswith("unsit demo: an office worker's day")
    times = re.findall(r"^(\d\d:\d\d) ", out, flags=re.M)
    assert times == sorted(times) and times[0] == "08:00"
    buzzes = re.findall(r">> the clip buzzes: .*after (\d+) min sitting; (\w+)", out)
    answers = {answer for _, answer in buzzes}
    # the script has one heeded reminder, one snoozed and one ignored bout with repeats
    assert {"heeded", "snoozed", "ignored"} <= answers
    assert all(int(minutes) >= 60 for minutes, _ in buzzes)
    summary = re.search(r"Reminders felt: (\d+), heeded (\d+), snoozes (\d+)", out)
    assert summary and int(summary[1]) == len(buzzes) and int(summary[3]) == 1
    assert int(summary[2]) == sum(1 for _, a in buzzes if a == "heeded")
    assert "the clip notices it is not worn" in out
    assert re.search(r"The clip's log: not worn \d+ min, sitting \d h", out)
    assert "running the firmware under MicroPython" in done.stderr
    # then synced over a pty like a board, and summarised from the synced store
    synced = re.search(r"^(\d+) log records synced", out, flags=re.M)
    assert synced and int(synced[1]) > 400          # ~9 h of minute records and the events
    row = re.search(r"^2026-03-02\b.*$", out, flags=re.M)
    assert row, out
    # the last columns: remind, snooze, heeded %; the same counts as the clip's
    assert row[0].split()[-3:-1] == [summary[1], summary[3]]
