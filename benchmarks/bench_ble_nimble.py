"""A week's BLE sync over the real stack: the firmware on the board-grade 32-bit build with
MicroPython's ``bluetooth`` over NimBLE, HCI to a bumble controller on a pty; the host is
``unsit.ble`` on bleak over bumble (tests/ble/nimble_world.py).

Reports, per run, the sync time, the notifications NimBLE handed the controller and their rate
and how often ``gatts_notify`` raised ``OSError(ENOMEM)`` (each retried by the firmware). Then
one ``--burst`` bytes answer of the echo service, which does meet back-pressure. Bumble's
controller has no radio timing: these are CPU-bound figures of this software stack on this
machine, not air time (docs/ble.md gives the radio estimate).

    .venv/bin/python benchmarks/bench_ble_nimble.py [--runs 3] [--burst 16000]
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
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from ble_world import use_bumble_for_bleak  # noqa: E402
from bleak_bumble import use_central  # noqa: E402
from nimble_world import DEVICE_ID, NimbleWorld, board_interpreter  # noqa: E402

from unsit import sync_choice  # noqa: E402

from unsit.links import ble  # noqa: E402

from unsit.pairing import ble as ble_pairing  # noqa: E402
from unsit.pairing.keys import KeyRing  # noqa: E402

WEEK = 7 * 24 * 60
NAME = "unsit-" + DEVICE_ID[-4:]


async def week(world: NimbleWorld, tmp: Path) -> None:
    flash = tmp / "flash"
    flash.mkdir()
    controller = await world.start_firmware("ble_log_main.py", extra_env={
        "UNSIT_STORAGE": str(flash), "UNSIT_MINUTES": str(WEEK), "UNSIT_START": "1790000000",
        "UNSIT_WINDOW_MS": "60000"})
    os.environ["UNSIT_KEYS"] = str(tmp / "host-keys.json")
    await ble_pairing.pair(NAME, KeyRing(), timeout=5)
    before_n, before_b = controller.notifications, controller.notified_bytes
    started = time.perf_counter()
    report = await sync_choice.sync_ble(None, tmp / "unsit.db", timeout=10.0)
    seconds = time.perf_counter() - started
    n = controller.notifications - before_n
    times = controller.notified_at[before_n:]
    span = times[-1] - times[0]
    print(f"week: {report.minutes} minutes in {seconds:.2f} s (find, connect, authenticate, "
          f"sync); {n} notifications, {controller.notified_bytes - before_b} bytes, "
          f"{(n - 1) / span:.0f} notifications/s from the first to the last; "
          f"ENOMEM from gatts_notify: {await world.enomem_count()}", flush=True)


async def burst(world: NimbleWorld, tmp: Path, size: int) -> None:
    controller = await world.start_firmware("ble_echo_main.py", extra_env={
        "UNSIT_KEYSTORE": str(tmp / "burst-keys.bin"), "UNSIT_WINDOW_MS": "60000"})
    os.environ["UNSIT_KEYS"] = str(tmp / "burst-host-keys.json")
    keyring = KeyRing()
    await ble_pairing.pair(NAME, keyring, timeout=5)
    async with await ble.connect(None, keyring, timeout=5) as link:
        before = controller.notifications
        started = time.perf_counter()
        answer = await link.request(b"N" + size.to_bytes(2, "little"), timeout=60)
        seconds = time.perf_counter() - started
        n = controller.notifications - before
    assert len(answer) == size
    print(f"burst: one {size}-byte answer in {seconds:.2f} s; {n} notifications "
          f"({n / seconds:.0f}/s); ENOMEM from gatts_notify: {await world.enomem_count()}",
          flush=True)


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--burst", type=int, default=16_000)
    args = parser.parse_args()
    interpreter, why = board_interpreter()
    if interpreter is None:
        print(why, file=sys.stderr)
        return 1
    use_bumble_for_bleak()
    for run in range(args.runs + 1):
        with tempfile.TemporaryDirectory() as scratch:
            tmp = Path(scratch)
            world = NimbleWorld(tmp, interpreter)
            await world.central.power_on()
            use_central(world.central)
            try:
                if run < args.runs:
                    await week(world, tmp)
                elif args.burst:
                    await burst(world, tmp, args.burst)
            finally:
                # Teardown of a software controller under a live link logs cancelled futures.
                logging.getLogger("asyncio").setLevel(logging.CRITICAL)
                await world.stop_firmware()
                await world.central.power_off()
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
