"""A whole HAPT experiment through the detector under MicroPython and CPython: the per-second
output must be identical (the board and the laptop run the same integer logic)."""

from __future__ import annotations

from pathlib import Path

import pytest

from unsit import evaluate
from unsit.firmware import firmware_dir
from unsit.lab import hapt
from unsit.lab.micropython_runner import run_micropython
from unsit.lab.trace import to_board_samples
from unsit_firmware.logic.detector import Detector

SCRIPT = """
import sys
from array import array
from logic.detector import Detector
samples = array("h")
with open(sys.argv[1], "rb") as f:
    samples = array("h", f.read())
d = Detector(rate_hz=25)
out = []
for i in range(0, len(samples) - 2, 3):
    if d.feed(samples[i], samples[i + 1], samples[i + 2]):
        out.append("%d,%d,%d,%d" % (d.second, d.state, d.steps, d.still_since))
print("\\n".join(out))
"""


def cpython_lines(samples) -> list[str]:
    d = Detector(rate_hz=25)
    out = []
    for i in range(0, len(samples) - 2, 3):
        if d.feed(samples[i], samples[i + 1], samples[i + 2]):
            out.append(f"{d.second},{d.state},{d.steps},{d.still_since}")
    return out


@pytest.mark.parametrize("seed", [0])
def test_whole_experiment_identical_on_both_interpreters(hapt_dir: Path, tmp_path: Path,
                                                         seed: int) -> None:
    experiment = hapt.find_experiments(hapt_dir)[0]
    rows = evaluate.rotate(experiment.read_rows(),
                           evaluate.experiment_rotation(seed, experiment.experiment))
    samples = to_board_samples(rows, hapt.RATE_HZ)
    (tmp_path / "samples.bin").write_bytes(samples.tobytes())
    (tmp_path / "run_detector.py").write_text(SCRIPT)
    done = run_micropython(["run_detector.py", str(tmp_path / "samples.bin")],
                           path=[firmware_dir()], cwd=tmp_path, heapsize="4M", timeout=300)
    assert done.returncode == 0, done.stdout.decode() + done.stderr.decode()
    micropython = done.stdout.decode().split()
    cpython = cpython_lines(samples)
    assert len(cpython) == len(rows) // hapt.RATE_HZ
    assert micropython == cpython
    # The experiment has every posture: the comparison covers all the code paths.
    assert {int(line.split(",")[1]) for line in cpython} >= {1, 2, 3, 4}


HEAP_LOCKED = """
import sys, micropython
from array import array
from logic.detector import Detector
with open(sys.argv[1], "rb") as f:
    samples = array("h", f.read())
d = Detector(rate_hz=25)
n = len(samples) - 2
seconds = 0
micropython.heap_lock()
i = 0
while i < n:
    if d.feed(samples[i], samples[i + 1], samples[i + 2]):
        seconds += 1
    i += 3
micropython.heap_unlock()
print(seconds, d.state)
"""


def test_an_hour_of_real_sitting_bouts_allocates_nothing_on_either_build(
        hapt_dir: Path, tmp_path: Path) -> None:
    # Every per-second path of the evidence rule (walk, sit-down, changes of how one sits)
    # under heap_lock, on the 64-bit unix port and on the board-grade 32-bit build (31-bit
    # small ints), when that build is there.
    import subprocess

    from unsit import longbouts

    experiment = [e for e in hapt.find_experiments(hapt_dir) if e.experiment == 12][0]
    sit = longbouts.scenarios(experiment.read_rows(), hapt.read_bouts(hapt_dir)[12],
                              evaluate.experiment_rotation(0, 12))[0]
    samples = to_board_samples(sit.rows[:50 * 900], hapt.RATE_HZ)
    (tmp_path / "samples.bin").write_bytes(samples.tobytes())
    (tmp_path / "locked.py").write_text(HEAP_LOCKED)
    done = run_micropython(["locked.py", str(tmp_path / "samples.bin")],
                           path=[firmware_dir()], cwd=tmp_path, heapsize="4M", timeout=300)
    assert done.returncode == 0, done.stdout.decode() + done.stderr.decode()
    assert done.stdout.decode().split() == ["900", "1"]   # 15 min, sitting
    board = Path(__file__).resolve().parents[1] / ".board-mpy" / "bin" / "micropython32"
    if board.exists():
        env = {"MICROPYPATH": f"{firmware_dir()}:.frozen"}
        done = subprocess.run([str(board), "locked.py", str(tmp_path / "samples.bin")],
                              cwd=tmp_path, env=env, capture_output=True, timeout=300)
        assert done.returncode == 0, done.stdout.decode() + done.stderr.decode()
        assert done.stdout.decode().split() == ["900", "1"]
