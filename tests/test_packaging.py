"""A wheel built from pyproject.toml carries the firmware tree the board runs."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from unsit.firmware import firmware_files

ROOT = Path(__file__).resolve().parents[1]


def test_wheel_contains_host_package_and_every_firmware_file(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "--quiet", "-w", str(tmp_path), str(ROOT)],
        capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    (wheel,) = tmp_path.glob("unsit-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "unsit/cli.py" in names
    for rel in firmware_files():
        assert f"unsit_firmware/{rel.as_posix()}" in names, rel
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "unsit = unsit.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()
