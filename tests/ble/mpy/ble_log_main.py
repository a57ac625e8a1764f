"""Test firmware: the real protocol service over BLE (app.ble_service) on a prefilled log.

Environment as ble_echo_main.py, plus ``UNSIT_MINUTES`` (minute records appended before
serving, the pattern below, mirrored by the host test), ``UNSIT_STORAGE`` (the flash
folder; the key store is ``keys.bin`` in it) and optionally ``UNSIT_SERIAL_FD`` (an inherited
pty: the same service also runs there, as over USB, where the PAIR command works). The log is
the firmware's ``FlashLog`` on the unix port's filesystem, the rest the shared stand-ins of
tests/portable/app_parts.py; the clock starts at ``UNSIT_START`` UTC. Reports back-pressure
(``@@ENOMEM n``, mpy/back_pressure.py).
"""

import os

import asyncio
import back_pressure
import bluetooth

from app.service import PolledStream
from app_parts import Board, Clock, Parts
from hw.board_io import RadioSwitch
from logic import events
from logic.states import SITTING


def pattern(i):
    sitting = (i * 7) % 61
    walking = (60 - sitting) // 3
    return [0, sitting, 60 - sitting - walking, walking, 0], (i * 13) % 1000


async def main():
    storage = os.getenv("UNSIT_STORAGE")
    board = Board(os.getenv("UNSIT_DEVICE_ID"), "BLE log test board", battery_mv=3900,
                  charging=False, storage_dir=storage, ble=bluetooth.BLE(),
                  radio=RadioSwitch())  # a bench board: the controller stays on
    parts = Parts(storage, Clock(start=int(os.getenv("UNSIT_START"))), board,
                  (SITTING, 12, 0), budget_bytes=1 << 20)
    log = parts.log
    log.append_event(events.BOOT, events.RESET_POWER_ON, 1)
    for i in range(int(os.getenv("UNSIT_MINUTES"))):
        parts.clock.ms += 60000
        counts, steps = pattern(i)
        log.append_minute(counts, steps)
    log.flush()
    service = parts.ble_service()
    serial_fd = os.getenv("UNSIT_SERIAL_FD")
    if serial_fd:
        asyncio.create_task(parts.service(PolledStream(open(int(serial_fd), "r+b"))).run())
    if int(os.getenv("UNSIT_WINDOW_MS") or "0"):
        service.open_pairing_window()
    asyncio.create_task(back_pressure.report(service.peripheral))
    print("@@READY")
    await service.run(parts.service().handle)


asyncio.run(main())
