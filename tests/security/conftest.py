"""Fixtures of the security tests: the BLE world of tests/ble (real firmware under
MicroPython, bumble link, bleak on the host) and the paths to the shared test helpers."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
for folder in (HERE.parent / "ble", HERE.parent):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

from ble_world import BleWorld, world_in_use  # noqa: E402


@pytest.fixture
async def ble_world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[BleWorld]:
    async with world_in_use(lambda: BleWorld(tmp_path), tmp_path, monkeypatch) as world:
        yield world
