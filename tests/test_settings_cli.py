"""``unsit settings``, ``unsit status`` and ``unsit buzz`` over USB: the real firmware on the
simulated clip (``unsit simulate TRACE --rate 50 --serve``, MicroPython) on a pty; the host
commands run as the user runs them. Also the keys' parsing, and an older clip (protocol 1)."""

from __future__ import annotations

import json
import os
import pty
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from unsit import clip_settings
from unsit.errors import UnsitError
from unsit.firmware import firmware_dir
from unsit.lab.micropython_runner import micropython_command, micropython_env
from unsit.lab.serve import start_served_clip
from unsit.lab.tracegen import generate
from unsit_firmware.logic import events, patterns

HERE = Path(__file__).resolve().parent

SCRIPT = """
mount front
sit 20m
walk 2m cadence 1.9
stand 3m
sit 10m
"""


def unsit(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "unsit", *args], capture_output=True,
                          text=True, timeout=timeout)


def write_50hz(script: str, path: Path) -> Path:
    """The script's trace at 50 Hz (``--rate 50``)."""
    generate(script, rate_hz=50).write_text(path)
    return path


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``unsit simulate TRACE --rate 50 --serve``, once the trace has been played: its port."""
    trace = write_50hz(SCRIPT, tmp_path_factory.mktemp("settings") / "day.txt")
    server = subprocess.Popen(
        [sys.executable, "-m", "unsit", "simulate", str(trace), "--rate", "50", "--serve"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None and server.stderr is not None
        first = server.stdout.readline()
        assert first.startswith("serving the simulated clip on /dev/"), first
        for line in server.stderr:
            if "trace has been played" in line:
                break
        else:
            pytest.fail(f"the server ended (exit {server.wait()})")
        yield first.split()[-1]
    finally:
        server.send_signal(signal.SIGINT)
        server.communicate(timeout=30)


# -- the keys, without a clip -----------------------------------------------------------------

def test_keys_map_onto_the_firmware_settings() -> None:
    got = clip_settings.parse_assignments([
        "sit_limit_min=45", "quiet_hours=off", "days=mon-fri", "reminders=off",
        "motor_strength=50", "break_s=90", "repeat_min=5", "max_repeats=0", "snooze_min=30"])
    assert got == {"sit_limit_min": 45, "quiet_start_min": 0, "quiet_end_min": 0,
                   "weekday_mask": 0b0011111, "enabled": 0, "motor_percent": 50,
                   "break_s": 90, "repeat_min": 5, "max_repeats": 0, "snooze_min": 30}
    assert clip_settings.parse_assignments(["quiet_hours=21:30-06:45"]) == {
        "quiet_start_min": 21 * 60 + 30, "quiet_end_min": 6 * 60 + 45}
    assert clip_settings.parse_assignments(["days=fri-mon"]) == {"weekday_mask": 0b1110001}
    assert clip_settings.parse_assignments(["days=Monday,wed,FRI"]) == {
        "weekday_mask": 0b0010101}
    shown = clip_settings.by_key({**clip_settings.defaults(), **got})
    assert (shown["quiet_hours"], shown["days"], shown["reminders"]) == ("off", "mon-fri", "off")
    assert clip_settings.by_key(clip_settings.defaults())["quiet_hours"] == "22:00-07:00"
    for mask, text in ((0x7F, "all"), (0, "none"), (0b1100000, "sat,sun"),
                       (0b0010101, "mon,wed,fri")):
        assert clip_settings.format_days({"weekday_mask": mask}) == text
        assert clip_settings.parse_days(text) == {"weekday_mask": mask}


@pytest.mark.parametrize("text, message", [
    ("sit_limit_min=0", "sit_limit_min must be from 10 to 240 min, not 0"),
    ("sit_limit_min=241", "from 10 to 240"),
    ("sit_limit_min=4.5", "not a whole number"),
    ("bogus=1", "unknown setting 'bogus'"),
    ("quiet_hours=22:00", "not START-END"),
    ("quiet_hours=24:00-07:00", "not a time of day"),
    ("quiet_hours=07:00-07:00", "say off for none"),
    ("days=mon-xyz", "not a day"),
    ("reminders=maybe", "neither on nor off"),
    ("motor_strength=10", "from 20 to 100 %"),
    ("utc_offset_min=60", "set from this computer's clock"),
    ("sit_limit_min", "not KEY=VALUE"),
    ("sit_limit_min=", "no value given"),
])
def test_bad_keys_and_values_are_one_line_with_exit_2(text: str, message: str) -> None:
    with pytest.raises(UnsitError) as caught:
        clip_settings.parse_assignments(["break_s=90", text])
    assert message in str(caught.value) and caught.value.exit_code == 2
    assert "\n" not in str(caught.value)


def test_a_clip_name_comes_first_then_the_settings() -> None:
    from unsit.commands.settings import split_items

    assert split_items(["unsit-a1e0", "sit_limit_min=45", "days=all"]) == (
        "unsit-a1e0", ["sit_limit_min=45", "days=all"])
    assert split_items(["sit_limit_min=45"]) == (None, ["sit_limit_min=45"])
    for items in (["sit_limit_min", "45"], ["unsit-a1e0", "sit_limit_min", "45"]):
        with pytest.raises(UnsitError, match=r"'sit_limit_min' is not KEY=VALUE "
                                             r"\(e.g. sit_limit_min=...\)"):
            split_items(items)


# -- over USB: the real firmware on a pty -------------------------------------------------------

@pytest.mark.slow
def test_settings_status_buzz_on_a_served_clip(served: str, tmp_path: Path) -> None:
    port = served
    shown = unsit("settings", "--port", port, "--json")
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["settings"]["sit_limit_min"] == 60

    done = unsit("settings", "--port", port, "sit_limit_min=45", "quiet_hours=off")
    assert done.returncode == 0, done.stderr
    assert "changed sit_limit_min: 60 -> 45" in done.stdout
    assert "changed quiet_hours: 22:00-07:00 -> off" in done.stdout
    table = re.search(r"^sit_limit_min\s+45\s+min\s+60\s+10\.\.240$", done.stdout, re.M)
    assert table, done.stdout

    shown = unsit("settings", "--port", port, "--json")
    assert shown.returncode == 0, shown.stderr
    assert '"sit_limit_min": 45' in shown.stdout
    values = json.loads(shown.stdout)
    assert values["settings"]["quiet_hours"] == "off" and values["changed"] == {}
    assert values["device_id"] == "5157a1e0"

    for bad, message in (("sit_limit_min=0", "sit_limit_min must be from 10 to 240"),
                         ("bogus=1", "unknown setting 'bogus'")):
        refused = unsit("settings", "--port", port, bad)
        assert refused.returncode == 2
        assert refused.stdout == ""
        lines = refused.stderr.splitlines()
        assert len(lines) == 1 and message in lines[0], refused.stderr
    assert '"sit_limit_min": 45' in unsit("settings", "--port", port, "--json").stdout

    status = unsit("status", "--port", port, "--json", "--db", str(tmp_path / "none.db"))
    assert status.returncode == 0, status.stderr
    s = json.loads(status.stdout)
    assert (s["battery_mv"], s["battery_percent"], s["charging"]) == (3900, 57, False)
    assert s["firmware"] == "0.1.0" and s["protocol"] == 2
    assert s["runtime"].startswith("micropython 1.") and s["board"] == "simulator"
    assert 35 <= s["log_records"] <= 45 and s["log_capacity"] == 127 * 512
    assert s["unsynced"] == s["log_records"] and s["last_sync_utc"] is None
    assert s["state"] == "sitting" and 8 <= s["sitting_min"] <= 10
    assert s["reminders"] == "on" and s["snoozed_until_utc"] is None
    assert s["clock_utc"] is None and s["paired_hosts"] is None
    assert s["days_left"] == round((127 * 512 - s["unsynced"]) / 1075, 1)
    text = unsit("status", "--port", port)
    assert text.returncode == 0, text.stderr
    assert "battery    57 % (3.90 V)" in text.stdout
    assert "now        sitting," in text.stdout

    buzz = unsit("buzz", "--port", port, "--pattern", "repeat")
    assert buzz.returncode == 0, buzz.stderr
    assert buzz.stdout == (f"unsit-a1e0 plays the repeat pattern "
                           f"({patterns.duration_ms(patterns.REMINDER_4)} ms) at motor "
                           "strength 70 %.\n")

    # a sync brings the changes (old -> new) to the store; the report marks the day
    db = tmp_path / "unsit.db"
    synced = unsit("sync", "--port", port, "--db", str(db))
    assert synced.returncode == 0, synced.stderr
    with sqlite3.connect(db) as conn:
        changes = conn.execute(
            "SELECT kind, a, b FROM events WHERE kind IN (?, ?) ORDER BY seq",
            (events.SETTING_WAS, events.SETTING_CHANGED)).fetchall()
    usb = events.CHANGED_USB << 8
    assert changes == [(events.SETTING_WAS, 1 | usb, 60), (events.SETTING_CHANGED, 1, 45),
                       (events.SETTING_WAS, 6 | usb, 22 * 60), (events.SETTING_CHANGED, 6, 0),
                       (events.SETTING_WAS, 7 | usb, 7 * 60), (events.SETTING_CHANGED, 7, 0)]
    report = tmp_path / "report.html"
    made = unsit("report", "--db", str(db), "-o", str(report), "--tz", "UTC")
    assert made.returncode == 0, made.stderr
    html = report.read_text()
    assert "<h2>Settings changed</h2>" in html
    assert "<td>sit_limit_min</td><td>60 min \u2192 45 min</td><td>USB</td>" in html
    assert "<td>quiet hours start</td><td>22:00 \u2192 00:00</td>" in html
    assert re.search(r"<td>\d{4}-\d\d-\d\d [^<]*\u2699</td>", html), "the day is marked"

    after = json.loads(unsit("status", "--port", port, "--json", "--db", str(db)).stdout)
    assert after["last_sync_utc"] is not None and abs(after["clock_offset_s"]) <= 2
    assert after["unsynced"] <= 3     # what was written since the sync's acknowledgement


@pytest.mark.slow
def test_buzz_is_felt_on_the_motor(tmp_path: Path) -> None:
    """The pattern reaches the simulated motor at the wearer's strength, while the trace plays
    in real time (the simulated motor records only then)."""
    trace = generate("mount front\nsit 5m\n").board_samples()
    with start_served_clip(trace, speed=1, workdir=tmp_path / "clip",
                           settings={"motor_percent": 40}) as clip:
        time.sleep(1.0)
        done = unsit("buzz", "--port", clip.path, "--pattern", "pairing")
        assert done.returncode == 0, done.stderr
        assert "at motor strength 40 %" in done.stdout
        motor = tmp_path / "clip" / "motor.txt"
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and motor.read_text().count("\n") < 6:
            time.sleep(0.2)
        lines = [tuple(int(v) for v in line.split()) for line in motor.read_text().splitlines()]
    drive = patterns.drive_percent(patterns.steps(patterns.PAIRING_OPEN)[0][2], 40)
    assert [percent for _, percent in lines] == [drive, 0] * 3
    # 60 ms ticks, on the simulated clock's 40 ms steps (one sample at 25 Hz)
    assert [lines[i + 1][0] - lines[i][0] for i in range(0, 6, 2)] == [80, 80, 80]


# -- simulate --set ---------------------------------------------------------------------------

@pytest.mark.slow
def test_simulate_with_a_shorter_sitting_limit(tmp_path: Path) -> None:
    trace = write_50hz("mount front\nwalk 2m cadence 1.9\nsit 50m\n", tmp_path / "sit.txt")
    done = unsit("simulate", str(trace), "--rate", "50", "--set", "sit_limit_min=45",
                 "--set", "quiet_hours=off", "--json", timeout=300)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    first = result["reminders"][0]
    assert first["repeat"] == 0 and first["minutes_sat"] == 45
    # sitting began after the 2 minutes of walking: the reminder comes 45 min later
    assert 47 * 60 <= first["t_s"] <= 47 * 60 + 30
    plain = unsit("simulate", str(trace), "--rate", "50", "--json", timeout=300)
    assert json.loads(plain.stdout)["reminders"] == []      # 50 min is under the default 60


def test_simulate_set_refuses_a_bad_value_before_running(tmp_path: Path) -> None:
    trace = write_50hz("mount front\nsit 1m\n", tmp_path / "short.txt")
    done = unsit("simulate", str(trace), "--rate", "50", "--set", "sit_limit_min=5")
    assert done.returncode == 2
    assert done.stderr.splitlines()[-1] == (
        "unsit simulate: error: sit_limit_min must be from 10 to 240 min, not 5")
    assert "reading" not in done.stderr        # refused before the trace was read


@pytest.mark.slow
def test_demo_with_a_shorter_sitting_limit() -> None:
    done = unsit("demo", "--set", "sit_limit_min=30", "--json", timeout=300)
    assert done.returncode == 0, done.stderr
    reminders = json.loads(done.stdout)["reminders"]
    firsts = [r["minutes_sat"] for r in reminders if r["repeat"] == 0]
    assert len(firsts) >= 4 and set(firsts) == {30}
    refused = unsit("demo", "--set", "reminders=sometimes")
    assert refused.returncode == 2
    assert refused.stderr.splitlines() == [
        "unsit demo: error: reminders: 'sometimes' is neither on nor off"]


# -- an older clip ----------------------------------------------------------------------------

def test_an_older_clip_is_told_to_update_its_firmware(tmp_path: Path) -> None:
    """A clip whose firmware speaks protocol 1 (the firmware here, with its version set back):
    status and buzz say to update the firmware; settings work as they did then."""
    old = tmp_path / "firmware-v1"
    shutil.copytree(firmware_dir(), old)
    codec = old / "logic" / "protocol.py"
    text = codec.read_text()
    assert "VERSION = const(2)" in text
    codec.write_text(text.replace("VERSION = const(2)", "VERSION = const(1)"))
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        micropython_command([str(HERE / "pty_device.py"), str(master), str(tmp_path / "log"),
                             "5"]),
        env=micropython_env([old, HERE / "portable"]), pass_fds=(master,), stdout=subprocess.PIPE,
        stderr=subprocess.PIPE)
    os.close(master)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == b"READY"
        port = os.ttyname(slave)
        for command in (["status"], ["buzz"]):
            done = unsit(*command, "--port", port)
            assert done.returncode == 1, done.stderr
            lines = done.stderr.splitlines()
            assert len(lines) == 1 and "(protocol 1)" in lines[0], done.stderr
            assert lines[0].endswith("update the firmware with 'unsit device install'")
        done = unsit("settings", "--port", port, "sit_limit_min=30")
        assert done.returncode == 0, done.stderr
        assert "changed sit_limit_min: 60 -> 30" in done.stdout
    finally:
        proc.kill()
        proc.communicate()
        os.close(slave)
