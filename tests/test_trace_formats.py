"""Trace input: CSV with a time column (ISO or epoch, rate inferred), gzip, stdin, implausible
values refused in one line; read as a stream (same result as in memory, memory flat)."""

from __future__ import annotations

import gzip
import math
import os
import random
import resource
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from unsit.cli import main
from unsit.errors import InputError
from unsit.lab.trace import TraceReader, resample, resample_stream

START = datetime(2026, 3, 2, 8, 0, tzinfo=timezone.utc)


def still_rows(seconds: float, rate: float) -> list[tuple[float, float, float]]:
    """A body standing still: gravity on -y with a little sway (micro-motion)."""
    rows = []
    for i in range(int(seconds * rate)):
        t = i / rate
        sway = 0.02 * math.sin(2 * math.pi * 0.3 * t) + 0.01 * math.sin(2 * math.pi * 1.7 * t)
        rows.append((round(sway, 4), round(-1.0 + sway / 4, 4), round(0.05 + sway, 4)))
    return rows


def write(path: Path, header: str, lines: list[str]) -> Path:
    text = "\n".join([header, *lines]) + "\n" if header else "\n".join(lines) + "\n"
    if path.suffix == ".gz":
        path.write_bytes(gzip.compress(text.encode()))
    else:
        path.write_text(text)
    return path


def analyze(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["analyze", *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def plain(tmp_path: Path) -> tuple[Path, list[tuple[float, float, float]]]:
    rows = still_rows(30, 50)
    return write(tmp_path / "plain.txt", "x y z", [f"{x} {y} {z}" for x, y, z in rows]), rows


def test_iso_and_epoch_time_columns_give_the_rate(tmp_path: Path, plain, capsys) -> None:
    path, rows = plain
    code, expected, _ = analyze(capsys, str(path), "--rate", "50")
    assert code == 0 and len(expected.splitlines()) == 31
    iso = write(tmp_path / "iso.csv", "time,x,y,z", [
        f"{(START + timedelta(seconds=i / 50)).isoformat()},{x},{y},{z}"
        for i, (x, y, z) in enumerate(rows)])
    epoch = write(tmp_path / "epoch.csv", "timestamp,x,y,z", [
        f"{START.timestamp() + i / 50:.3f},{x},{y},{z}" for i, (x, y, z) in enumerate(rows)])
    bare = write(tmp_path / "bare.csv", "", [
        f"{START.timestamp() + i / 50:.3f},{x},{y},{z}" for i, (x, y, z) in enumerate(rows)])
    for file in (iso, epoch, bare):
        assert analyze(capsys, str(file)) == (0, expected, "")
        with TraceReader(file) as reader:
            assert reader.rate_hz == 50 and reader.has_time


def test_gzip_by_content_and_from_stdin(tmp_path: Path, plain, capsys) -> None:
    path, _ = plain
    _, expected, _ = analyze(capsys, str(path), "--rate", "50")
    packed = tmp_path / "trace.dat"   # the name says nothing: the content does
    packed.write_bytes(gzip.compress(path.read_bytes()))
    assert analyze(capsys, str(packed), "--rate", "50") == (0, expected, "")
    done = subprocess.run([sys.executable, "-m", "unsit", "analyze", "-", "--rate", "50"],
                          input=packed.read_bytes(), capture_output=True, timeout=120)
    assert done.returncode == 0 and done.stdout.decode() == expected


@pytest.mark.parametrize("header, lines, args, message", [
    ("a,b,c", ["0,0,1"], ["--rate", "25"],
     "line 1: a header must be x,y,z or time,x,y,z, not 'a,b,c'"),
    ("x,y,z", ["0,0,50"] * 40, ["--rate", "25"],
     "line 2: |a| stays above 16 g for over a second (50.0 g): values must be in g"),
    ("x,y,z", ["0,-9.81,0.5"] * 10 + ["0,-9.81,16.5"] * 30, ["--rate", "25"],
     "line 12: |a| stays above 16 g"),
    ("x,y,z", ["0,0,1"] * 40, ["--rate", "1e9"], "rate must be from 10 to 200 Hz, not 1e+09"),
    ("x,y,z", ["0,0,1"] * 40, ["--rate", "nan"], "rate must be from 10 to 200 Hz, not nan"),
    ("x,y,z", ["0,0,1"] * 40, [], "give --rate HZ (the file has no time column"),
    ("time,x,y,z", [f"{i / 1000},0,0,1" for i in range(40)], [],
     "rate must be from 10 to 200 Hz, not 1000"),
    ("time,x,y,z", ["0,0,0,1", "0.04,0,0,1", "0.02,0,0,1"], [], "line 4: the time does not"),
    ("time,x,y,z", ["2026-03-02T08:00,0,0,1", "yesterday,0,0,1"], [],
     "line 3: expected a time (ISO 8601 or epoch seconds) and three numbers x y z in g"),
    ("x,y,z", [], ["--rate", "25"], "no samples"),
])
def test_implausible_input_is_one_line(tmp_path: Path, capsys, header: str, lines: list[str],
                                       args: list[str], message: str) -> None:
    path = write(tmp_path / "t.csv", header, lines)
    code, out, err = analyze(capsys, str(path), *args)
    # streamed: what came before a bad stretch in the middle of a file may have been written
    assert code == 2 and (out == "" or "16 g" in message)
    assert err.count("\n") == 1 and message in err, err


def test_a_short_spike_above_16_g_is_a_knock_not_an_error(tmp_path: Path, capsys) -> None:
    lines = ["0,-1,0.05"] * 100 + ["0,-1,30"] * 5 + ["0,-1,0.05"] * 100
    code, out, _ = analyze(capsys, str(write(tmp_path / "t.csv", "x,y,z", lines)),
                           "--rate", "25")
    assert code == 0 and len(out.splitlines()) == 1 + 8


@pytest.mark.parametrize("rate", [10, 12.5, 20, 24, 26, 30, 37.5, 50, 100, 128, 200])
def test_streamed_resampling_is_the_in_memory_one(rate: float) -> None:
    rng = random.Random(rate)
    for n in (0, 1, 2, 7, 49, 50, 51, 333, 1001):
        rows = [(rng.random(), rng.random(), rng.random()) for _ in range(n)]
        if n:
            assert list(resample_stream(iter(rows), rate)) == resample(rows, rate)


def _peak_rss_kb(args: list[str]) -> int:
    """Peak resident memory of ``unsit ARGS`` (its own process only)."""
    process = subprocess.Popen([sys.executable, "-m", "unsit", *args],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    assert process.returncode == 0, process.stderr.read() if process.stderr else ""
    if process.stderr:
        process.stderr.close()
    return usage.ru_maxrss if sys.platform != "darwin" else usage.ru_maxrss // 1024


@pytest.mark.slow
def test_memory_stays_flat_in_the_length_of_the_file(tmp_path: Path) -> None:
    """Nine times the samples, about the same memory: the trace is never held whole (held
    whole, 270 000 rows take over 30 MB more)."""
    rows = still_rows(60, 25)
    for minutes in (20, 180):
        with open(tmp_path / f"{minutes}.txt", "w") as out:
            out.write("x y z\n")
            for _ in range(minutes):
                out.writelines(f"{x} {y} {z}\n" for x, y, z in rows)
    short = _peak_rss_kb(["analyze", str(tmp_path / "20.txt"), "--rate", "25"])
    long = _peak_rss_kb(["analyze", str(tmp_path / "180.txt"), "--rate", "25"])
    assert long - short < 6 * 1024, (short, long)
    assert resource.RUSAGE_CHILDREN  # measured per child (wait4), not over all children


def test_reader_errors_are_input_errors(tmp_path: Path) -> None:
    bad = tmp_path / "cut.gz"
    rng = random.Random(1)
    text = "x y z\n" + "".join(f"{rng.random():.4f} 0 1\n" for _ in range(5000))
    packed = gzip.compress(text.encode())
    bad.write_bytes(packed[:len(packed) // 2])
    with pytest.raises(InputError, match="damaged or cut-off gzip"):
        with TraceReader(bad, 25) as reader:
            list(reader)
