"""The CLI's manners: -q/-v, human durations, nothing new said plainly, Ctrl-C at any moment."""

from __future__ import annotations

import os
import pty
import re
import signal
import subprocess
import sys
import time
from dataclasses import fields
from pathlib import Path

import pytest

from unsit.cli import main
from unsit.commands.sync import print_report
from unsit.durations import human_duration
from unsit.links.client import DeviceInfo
from unsit.sync import SyncReport


@pytest.mark.parametrize("seconds, text", [
    (0, "0 s"), (-40, "40 s"), (89, "89 s"), (90, "2 min"), (3599, "60 min"),
    (90 * 60, "1 h 30 min"), (3 * 3600 + 5 * 60, "3 h 05 min"), (2 * 3600, "2 h"),
    (52 * 3600, "2 days 4 h"), (3 * 86400, "3 days"), (23851501, "276 days"),
])
def test_human_durations(seconds: float, text: str) -> None:
    assert human_duration(seconds) == text


def _device() -> DeviceInfo:
    values: dict[str, object] = {f.name: 0 for f in fields(DeviceInfo)}
    values.update(device_id="0a1b2c3d", firmware="0.1.0", raw={}, battery_mv=None,
                  charging=False, clock=None)
    return DeviceInfo(**values)  # type: ignore[arg-type]


def test_sync_report_says_clock_drift_in_days_and_nothing_new_since(
        capsys: pytest.CaptureFixture[str]) -> None:
    report = SyncReport(device=_device(), new=2, events=2, clock_events=2,
                        clock_before=1_700_000_000 - 23851501, clock_set_to=1_700_000_000,
                        previous_sync_utc=1_699_990_000)
    print_report(report)
    out = capsys.readouterr().out
    assert "The clip's clock was 276 days behind; corrected." in out
    assert "  Nothing new since 2023-11-1" in out and "new records" not in out
    report.events = 3  # a reminder besides the sync's own clock events
    print_report(report)
    assert "  2 new records: 0 minutes, 3 events" in capsys.readouterr().out


def _trace(tmp_path: Path, minutes: int) -> Path:
    path = tmp_path / "t.csv"
    with open(path, "w") as out:
        out.write("time,x,y,z\n")
        for i in range(minutes * 60 * 50):
            out.write(f"{1_772_000_000 + i / 50:.2f},0.01,-1.0,0.05\n")
    return path


def test_quiet_and_verbose_before_or_after_the_command(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _trace(tmp_path, 1)
    for argv in (["-v", "analyze", str(path)], ["analyze", str(path), "-v"]):
        assert main(argv) == 0
        err = capsys.readouterr().err
        assert f"reading {path}: 50 Hz (inferred from the time column)" in err
    for argv in (["-q", "analyze", str(path)], ["analyze", "-q", str(path)]):
        assert main(argv) == 0
        captured = capsys.readouterr()
        assert captured.err == "" and captured.out.startswith("second,state,steps\n")


def test_quiet_simulate_says_only_its_result(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    path = _trace(tmp_path, 2)
    assert main(["simulate", str(path)]) == 0
    assert "running the firmware under MicroPython" in capsys.readouterr().err
    assert main(["simulate", "-q", str(path)]) == 0
    captured = capsys.readouterr()
    assert captured.err == "" and "Simulated 2 min on the real firmware" in captured.out


# As the installed ``unsit`` script starts it, with a marker once Python is up and has
# imported unsit.cli (which imports only what Python loads at start): a Ctrl-C while the
# interpreter itself starts is Python's to report.
_STARTED = ("import sys; from unsit.cli import main; sys.stderr.write('started\\n'); "
            "sys.stderr.flush(); sys.exit(main())")


@pytest.mark.parametrize("after_s", [0.0, 0.002, 0.01, 0.03, 0.1, 0.3, 1.0])
def test_ctrl_c_at_any_moment_is_one_line_and_exit_130(tmp_path: Path, after_s: float) -> None:
    path = tmp_path / "long.txt"
    path.write_text("x y z\n" + "0.01 -1.0 0.05\n" * 400_000)
    with subprocess.Popen([sys.executable, "-c", _STARTED, "analyze", str(path), "--rate", "50"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          text=True) as process:
        assert process.stderr is not None
        assert process.stderr.readline() == "started\n"
        time.sleep(after_s)
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert err == "unsit analyze: interrupted\n"


def _stderr_on_a_terminal(args: list[str]) -> tuple[int, str]:
    """Run ``unsit ARGS`` with its stderr on a pty (a real terminal); what it drew there."""
    master, slave = pty.openpty()
    with subprocess.Popen([sys.executable, "-m", "unsit", *args], stdout=subprocess.DEVNULL,
                          stderr=slave) as process:
        os.close(slave)
        drawn = bytearray()
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:  # EIO: the other side is closed
                break
            if not chunk:
                break
            drawn += chunk
        process.wait(timeout=120)
    os.close(master)
    return process.returncode, drawn.decode()


@pytest.mark.skipif(os.name != "posix", reason="needs a pseudo-terminal")
def test_a_progress_bar_on_a_terminal_and_not_with_quiet(tmp_path: Path) -> None:
    path = tmp_path / "long.txt"
    path.write_text("x y z\n" + "0.01 -1.0 0.05\n" * 300_000)
    code, drawn = _stderr_on_a_terminal(["analyze", str(path), "--rate", "50"])
    assert code == 0
    bars = re.findall(r"\rreading \S+ \[([#.]{24})\] +(\d+) %", drawn)
    assert len(bars) >= 2 and bars[-1] == ("#" * 24, "100"), drawn[-300:]
    assert drawn.endswith("\r\x1b[K")  # the bar is gone when the work is done
    code, drawn = _stderr_on_a_terminal(["analyze", "-q", str(path), "--rate", "50"])
    assert code == 0 and drawn == ""
