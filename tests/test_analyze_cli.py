"""``unsit analyze``: CSV per second from a trace file; clear errors for bad input."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path


def run_unsit(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "unsit", *args],
                          capture_output=True, text=True, timeout=300)


def write_still_upright(path: Path, seconds: float, rate: float) -> None:
    """A body standing still: gravity on -y with a little sway (micro-motion)."""
    lines = ["x,y,z"]
    for i in range(int(seconds * rate)):
        t = i / rate
        sway = 0.02 * math.sin(2 * math.pi * 0.3 * t) + 0.01 * math.sin(2 * math.pi * 1.7 * t)
        lines.append(f"{sway:.4f},{-1.0 + sway / 4:.4f},{0.05 + sway:.4f}")
    path.write_text("\n".join(lines) + "\n")


def test_one_row_per_whole_second_from_zero(tmp_path: Path) -> None:
    trace = tmp_path / "t.csv"
    write_still_upright(trace, 12.5, 50)
    done = run_unsit("analyze", str(trace), "--rate", "50")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "second,state,steps"
    rows = [line.split(",") for line in lines[1:]]
    assert [int(r[0]) for r in rows] == list(range(12))
    states = {r[1] for r in rows}
    assert states <= {"not_worn", "sitting", "standing", "walking", "lying"}
    assert all(int(r[2]) >= 0 for r in rows)


def test_malformed_line_exits_2_naming_the_line(tmp_path: Path) -> None:
    trace = tmp_path / "bad.txt"
    trace.write_text("0 0 1\n0 0 1\n0 0 x1\n")
    done = run_unsit("analyze", str(trace), "--rate", "25")
    assert done.returncode == 2
    assert "line 3" in done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout == ""


def test_rate_too_low_and_missing_file(tmp_path: Path) -> None:
    trace = tmp_path / "t.txt"
    trace.write_text("0 0 1\n")
    low = run_unsit("analyze", str(trace), "--rate", "5")
    assert low.returncode == 2 and "from 10 to 200 Hz, not 5" in low.stderr
    missing = run_unsit("analyze", str(tmp_path / "nope.txt"), "--rate", "25")
    assert missing.returncode == 2 and "no such file" in missing.stderr


def test_a_file_without_samples_is_an_error(tmp_path: Path) -> None:
    trace = tmp_path / "empty.csv"
    trace.write_text("x,y,z\n# the recorder stopped at once\n")
    done = run_unsit("analyze", str(trace), "--rate", "25")
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.strip() == f"unsit analyze: error: {trace}: no samples"
