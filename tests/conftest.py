"""Test-wide set-up: where the firmware and the shared real data are.

Real data lives beside the project in ``../shared/data``; tests that need it take the
``shared_data`` fixture and are skipped with a reason where it is absent.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from hypothesis import settings

# Property tests share two cores with the MicroPython subprocesses of other tests: a slow
# example is load, not a failure.
settings.register_profile("unsit", deadline=None)
settings.load_profile("unsit")

ROOT = Path(__file__).resolve().parent.parent
FIRMWARE = ROOT / "firmware"
PORTABLE = ROOT / "tests" / "portable"
SHARED_DATA = Path(os.environ.get("UNSIT_SHARED_DATA", ROOT.parent / "shared" / "data"))

os.environ.setdefault("UNSIT_SHARED_DATA", str(SHARED_DATA))
# Portable tests import firmware logic by its on-board name (``logic.detector``).
for path in (FIRMWARE, PORTABLE):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))


@pytest.fixture
def shared_data() -> Path:
    """``../shared/data``; skips the test where a fresh clone has none."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real data not found at {SHARED_DATA} (a fresh clone has no ../shared)")
    return SHARED_DATA


@pytest.fixture
def hapt_dir(shared_data: Path) -> Path:
    path = shared_data / "hapt"
    if not (path / "labels.txt").is_file():
        pytest.skip(f"HAPT data not found at {path}")
    return path
