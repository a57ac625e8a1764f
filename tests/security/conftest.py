"""Fixtures of the security tests: the clip's radio (clip_radio.py: the real firmware on
NimBLE under the board-grade build when it is built, else on the unix port's stand-in), the
bumble link and bleak on the host, and the paths to the shared test helpers."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
for folder in (HERE.parent / "ble", HERE.parent):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

from ble_world import world_in_use  # noqa: E402
from clip_radio import ClipRadio  # noqa: E402
from nimble_world import board_interpreter  # noqa: E402


@pytest.fixture
async def clip_radio(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                     ) -> AsyncIterator[ClipRadio]:
    """The real stack where the board-grade build is present; the stand-in only without it."""
    async with world_in_use(lambda: ClipRadio(tmp_path, board_interpreter()[0]), tmp_path,
                            monkeypatch) as radio:
        yield radio
