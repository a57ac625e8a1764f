"""Time and bytes over the software BLE stack: the real firmware (MicroPython, hw/ble_peripheral,
secure session) and the real host code (unsit.ble on bleak) on one bumble LocalLink.

1. ``--kb`` KB of protocol payload device -> host, in 1000-byte encrypted responses.
2. A week of log (10,080 minute records) synced with the firmware's protocol service.

Bumble has no radio timing: these are CPU-bound figures of the software stack (including a
JSON-over-TCP hop per GATT operation to the MicroPython process), not air time; docs/ble.md
derives the expected figure on real radios from the bytes counted here.

    .venv/bin/python benchmarks/bench_ble.py [--kb 100] [--no-week]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "ble"))

from ble_world import BleWorld, use_bumble_for_bleak  # noqa: E402
from bleak_bumble import use_central  # noqa: E402

from unsit.links import ble  # noqa: E402

from unsit.pairing import ble as ble_pairing  # noqa: E402
from unsit.pairing.keys import KeyRing  # noqa: E402
from unsit.store import open_store  # noqa: E402
from unsit.sync import sync_device  # noqa: E402

WEEK = 7 * 24 * 60


async def transfer(world: BleWorld, keyring: KeyRing, kb: int) -> None:
    bridge = await world.start_firmware(window_ms=60_000)
    await ble_pairing.pair(None, keyring, timeout=0.3)
    async with await ble.connect(None, keyring, timeout=0.3) as link:
        before_n, before_b = bridge.notifications_sent, bridge.notified_bytes
        request = b"N" + (1000).to_bytes(2, "little")
        started = time.perf_counter()
        for _ in range(kb):
            assert len(await link.request(request, timeout=10)) == 1000
        seconds = time.perf_counter() - started
    notified = bridge.notified_bytes - before_b
    print(f"transfer: {kb} KB payload in {seconds:.2f} s ({kb / seconds:.0f} KB/s); "
          f"{notified} bytes notified in {bridge.notifications_sent - before_n} notifications "
          f"(overhead {100 * (notified - kb * 1000) / (kb * 1000):.1f} %)")


async def week(world: BleWorld, keyring: KeyRing, tmp: Path) -> None:
    flash = tmp / "flash"
    flash.mkdir()
    started = time.perf_counter()
    bridge = await world.start_firmware(
        window_ms=60_000, script="ble_log_main.py", extra_env={
            "UNSIT_STORAGE": str(flash), "UNSIT_MINUTES": str(WEEK),
            "UNSIT_START": "1790000000"})
    print(f"week: device prefilled {WEEK} minute records in "
          f"{time.perf_counter() - started:.1f} s")
    await ble_pairing.pair(None, keyring, timeout=0.3)
    store = open_store(tmp / "unsit.db")
    try:
        before_n, before_b = bridge.notifications_sent, bridge.notified_bytes
        before_w = bridge.written_bytes
        started = time.perf_counter()
        async with await ble.connect(None, keyring, timeout=0.3) as link:
            report = await sync_device(link, store, timeout=10.0)
        seconds = time.perf_counter() - started
    finally:
        store.close()
    print(f"week: {report.minutes} minutes synced in {seconds:.2f} s (connect, authenticate, "
          f"sync); {bridge.notified_bytes - before_b} bytes notified in "
          f"{bridge.notifications_sent - before_n} notifications, "
          f"{bridge.written_bytes - before_w} bytes written")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kb", type=int, default=100)
    parser.add_argument("--no-week", action="store_true")
    args = parser.parse_args()
    use_bumble_for_bleak()
    with tempfile.TemporaryDirectory() as scratch:
        tmp = Path(scratch)
        os.environ["UNSIT_KEYS"] = str(tmp / "keys.json")
        world = BleWorld(tmp)
        await world.central.power_on()
        use_central(world.central)
        try:
            await transfer(world, KeyRing(), args.kb)
            await world.stop_firmware()
            world.keystore.unlink(missing_ok=True)
            if not args.no_week:
                await week(world, KeyRing(), tmp)
        finally:
            # Powering the software controller off under a link bumble still serves logs
            # callbacks that find their futures cancelled: teardown noise, not results.
            logging.getLogger("asyncio").setLevel(logging.CRITICAL)
            await world.stop_firmware()
            await world.central.power_off()


if __name__ == "__main__":
    asyncio.run(main())
