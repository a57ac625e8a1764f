"""Fixtures for end-to-end Bluetooth LE tests without a radio.

``ble_world`` builds one in-process bumble ``LocalLink`` with a central (behind bleak, via
``bleak_bumble``) and a peripheral bridge, and starts firmware under the real ``micropython``
interpreter whose ``bluetooth`` module (tests/ble/mpy/standin) drives that peripheral.
``nimble_world`` runs the firmware on the board-grade build instead, whose ``bluetooth`` is
the real module over NimBLE, talking HCI to a bumble controller on the same link
(nimble_world.py). The host code under test (``unsit.links.ble``) calls ``BleakScanner``/
``BleakClient`` as in production.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from ble_world import DEVICE_ID, BleWorld, world_in_use
from nimble_world import NimbleWorld, board_interpreter

__all__ = ["DEVICE_ID", "BleWorld", "NimbleWorld"]


@pytest.fixture
async def ble_world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[BleWorld]:
    async with world_in_use(lambda: BleWorld(tmp_path), tmp_path, monkeypatch) as world:
        yield world


@pytest.fixture
async def nimble_world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                       ) -> AsyncIterator[NimbleWorld]:
    """As ``ble_world``, with the firmware on the board-grade build's real ``bluetooth``."""
    interpreter, why = board_interpreter()
    if interpreter is None:
        pytest.skip(why)
    async with world_in_use(lambda: NimbleWorld(tmp_path, interpreter), tmp_path,
                            monkeypatch) as world:
        yield world
