"""A week of records synced over BLE with the firmware's own protocol service and flash log,
and a sync cut by a dropped link that resumes with no loss and no duplicates."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from ble_world import DEVICE_ID, BleWorld
from unsit import sync_choice
from unsit.links import ble
from unsit.links.transport import TransportError
from unsit.pairing import ble as ble_pairing
from unsit.pairing.keys import KeyRing
from unsit.store import open_store
from unsit.sync import sync_device

T_START = 1_790_000_000
WEEK = 7 * 24 * 60


def pattern(i: int) -> tuple[int, int, int, int]:
    """Minute i of the prefilled log: mirrors ``pattern`` in mpy/ble_log_main.py."""
    sitting = (i * 7) % 61
    walking = (60 - sitting) // 3
    return sitting, 60 - sitting - walking, walking, (i * 13) % 1000


def stored(db: Path) -> list[tuple[int, int, int, int, int]]:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT seq, sitting_s, standing_s, walking_s, steps FROM minutes"
                            " ORDER BY seq").fetchall()


def expected(count: int) -> list[tuple[int, ...]]:
    return [(i + 2, *pattern(i)) for i in range(count)]  # seq 1 is the BOOT event


async def start_log_device(world: BleWorld, tmp: Path, minutes: int, **options: object):
    flash = tmp / "flash"
    flash.mkdir()
    return await world.start_firmware(
        window_ms=60_000, script="ble_log_main.py", extra_env={
            "UNSIT_STORAGE": str(flash), "UNSIT_MINUTES": str(minutes),
            "UNSIT_START": str(T_START)}, **options)


@pytest.mark.slow
async def test_sync_a_week_over_ble(ble_world: BleWorld, tmp_path: Path) -> None:
    await start_log_device(ble_world, tmp_path, WEEK)
    keyring = KeyRing()
    await ble_pairing.pair("unsit-" + DEVICE_ID[-4:], keyring, timeout=5)
    db = tmp_path / "unsit.db"
    report = await sync_choice.sync_ble(None, db, timeout=5.0)
    assert report.minutes == WEEK and report.missing == 0 and report.corrupt == 0
    assert stored(db) == expected(WEEK)


async def test_sync_resumes_after_the_link_drops(ble_world: BleWorld, tmp_path: Path) -> None:
    minutes = 1500
    bridge = await start_log_device(ble_world, tmp_path, minutes)
    keyring = KeyRing()
    await ble_pairing.pair("unsit-" + DEVICE_ID[-4:], keyring, timeout=5)
    db = tmp_path / "unsit.db"
    store = open_store(db)
    try:
        async with await ble.connect(None, keyring, timeout=5) as link:
            syncing = asyncio.create_task(sync_device(link, store, timeout=5.0))
            while bridge.notifications_sent < 40 and not syncing.done():
                await asyncio.sleep(0.001)
            await bridge.drop_link()
            with pytest.raises(TransportError):
                await syncing
        partial = stored(db)
        assert 0 < len(partial) < minutes and partial == expected(len(partial))
        await asyncio.wait_for(bridge.advertising.wait(), 5)
        async with await ble.connect(None, keyring, timeout=5) as link:
            report = await sync_device(link, store, timeout=5.0)
    finally:
        store.close()
    assert report.from_seq > 2  # resumed, not restarted
    assert stored(db) == expected(minutes)


async def test_sync_ble_finds_the_clip_again_after_a_drop_and_resumes(
        ble_world: BleWorld, tmp_path: Path) -> None:
    minutes = 1500
    bridge = await start_log_device(ble_world, tmp_path, minutes)
    await ble_pairing.pair("unsit-" + DEVICE_ID[-4:], KeyRing(), timeout=5)
    db = tmp_path / "unsit.db"
    said: list[str] = []
    syncing = asyncio.create_task(sync_choice.sync_ble(None, db, say=said.append, timeout=5.0))
    while bridge.notifications_sent < 40:
        assert not syncing.done()
        await asyncio.sleep(0.001)
    await bridge.drop_link()                    # walked out of range, and back
    report = await asyncio.wait_for(syncing, 20)
    assert said and "looking for it for up to 10 s" in said[0]
    assert "the link was lost and the sync resumed" in report.notes
    assert report.minutes == minutes and stored(db) == expected(minutes)
