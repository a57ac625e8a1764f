"""The whole clip on the board-grade 32-bit MicroPython: every firmware module compiled with
its ``mpy-cross`` and imported as .mpy (comms included), an office day on the simulated board
in a heap of 128 KiB (an ESP32-C3's), and what the app allocates per second there.

``tests/board_app/heap_day.py`` runs inside the interpreter; docs/architecture.md ("Memory on
a board") gives the figures these tests print.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from board import board_interpreter, board_mpy_cross

from unsit.lab import tracegen
from unsit.lab.micropython_runner import micropython_env
from unsit.lab.simulation import board_env, read_log, simboard_dir
from unsit_firmware.logic import events, records

pytestmark = pytest.mark.board

ROOT = Path(__file__).resolve().parent.parent
FIRMWARE = ROOT / "firmware"
DRIVER = ROOT / "tests" / "board_app" / "heap_day.py"
START_UTC = 1_772_438_400    # Monday 2026-03-02 08:00 UTC, as the demo
HEAP = "128K"


def compile_all(out: Path) -> int:
    """Every firmware module and the simulated board as .mpy in ``out``; their total size."""
    cross = board_mpy_cross()
    sources = [(path, path.relative_to(FIRMWARE)) for path in FIRMWARE.rglob("*.py")]
    sources.append((simboard_dir() / "simboard.py", Path("simboard.py")))
    total = 0
    for source, relative in sources:
        target = (out / relative).with_suffix(".mpy")
        target.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([str(cross), "-o", str(target), "-s", relative.as_posix(), str(source)],
                       check=True)
        total += target.stat().st_size
    return total


@pytest.fixture(scope="module")
def day() -> Iterator[tuple[Path, Path]]:
    """The compiled firmware and an office day's trace, in a folder with a short path.

    A board's paths are short (``/lib/logic/coach.mpy``); every import builds its path as a
    string in the heap, so a test folder as deep as pytest's (``/tmp/pytest-of-root/pytest-7/
    popen-gw1/board-app0/mpy/...``) leaves the heap more fragmented than a board's would be.
    """
    work = Path(tempfile.mkdtemp(prefix="ub"))
    try:
        mpy = work / "m"
        compile_all(mpy)
        trace = tracegen.generate(tracegen.office_day(1))
        (work / "trace.bin").write_bytes(trace.board_samples())
        yield mpy, work
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run_day(mpy: Path, work: Path, heapsize: str, *extra: str) -> dict[str, list[int]]:
    run = work / ("r" + "".join([heapsize, *extra])[:6])
    run.mkdir()
    (run / "trace.bin").write_bytes((work / "trace.bin").read_bytes())
    env = board_env(run, START_UTC, {"utc_offset_min": 0})
    env["MICROPYPATH"] = micropython_env([mpy])["MICROPYPATH"]
    done = subprocess.run(
        [str(board_interpreter()), "-X", f"heapsize={heapsize}", str(DRIVER), str(mpy), *extra],
        env=env, cwd=run, capture_output=True, timeout=600, check=False)
    out = done.stdout.decode(errors="replace")
    assert done.returncode == 0, out[-2000:] + done.stderr.decode(errors="replace")[-2000:]
    figures = {}
    qstrs = re.search(r"n_pool=(\d+), n_qstr=(\d+)", out)
    if qstrs:
        figures["QSTR"] = [int(qstrs[1]), int(qstrs[2])]
    for line in out.splitlines():
        name, _, values = line.partition(" ")
        if name.isupper() and values:
            figures[name] = [int(v) for v in values.split()]
    (run / "storage").rename(work / f"storage-{heapsize}-{len(extra)}")
    return figures


def test_the_whole_app_as_mpy_runs_an_office_day_in_128_kib(day: tuple[Path, Path]) -> None:
    mpy, work = day
    figures = run_day(mpy, work, HEAP)
    imported, peak = figures["IMPORTED"][0], figures["PEAK"][0]
    pools, qstrs = figures["QSTR"]
    print(f"\nas .mpy on the 32-bit build: {imported} B live after importing every module, "
          f"peak live heap {peak} B of {HEAP}; {qstrs} qstrs in {pools} pools")
    assert imported < peak < 128 * 1024
    log = read_log(work / f"storage-{HEAP}-0")
    minutes = [r for r in log if r[1] in (records.MINUTE, records.IDLE)]
    kinds = [r[1] for r in log]
    assert len(minutes) > 100 and events.REMINDER in kinds
    assert events.FAULT not in kinds and events.SENSOR_FAULT not in kinds


def test_the_app_allocates_at_most_8_bytes_a_second_on_32_bit(day: tuple[Path, Path]) -> None:
    mpy, work = day
    total, clock, seconds = run_day(mpy, work, "1M", "measure")["SECOND"]
    own = (total - clock) / seconds
    print(f"\nper detector second on the 32-bit build: {total / seconds:.1f} B allocated, "
          f"{clock / seconds:.1f} B of it reading the simulated board's clock, "
          f"{own:.1f} B the app's own (over {seconds} s)")
    assert seconds > 8 * 3600
    assert total / seconds <= 8
