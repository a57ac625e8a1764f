"""Test firmware: the real protocol service over BLE (app.ble_service) on a prefilled log.

Environment as ble_echo_main.py, plus ``UNSIT_MINUTES`` (minute records appended before
serving, the pattern below, mirrored by the host test), ``UNSIT_STORAGE`` (the flash
folder; the key store is ``keys.bin`` in it) and optionally ``UNSIT_SERIAL_FD`` (an inherited
pty: the same service also runs there, as over USB, where the PAIR command works). The log is the firmware's ``FlashLog`` on the
unix port's filesystem; the clock starts at ``UNSIT_START`` UTC. Reports back-pressure
(``@@ENOMEM n``, mpy/back_pressure.py).
"""

import os

import asyncio
import back_pressure
import bluetooth

from app.ble_service import BleService
from app.service import Service
from hw.board_io import RadioSwitch
from logic import events
from logic.flashlog import FlashLog
from logic.settings import Settings
from logic.states import SITTING


def pattern(i):
    sitting = (i * 7) % 61
    walking = (60 - sitting) // 3
    return [0, sitting, 60 - sitting - walking, walking, 0], (i * 13) % 1000


class Clock:
    def __init__(self, start):
        self.ms = 0
        self.utc0_ms = start * 1000

    def ticks_ms(self):
        return self.ms

    def time(self):
        return (self.utc0_ms + self.ms) // 1000

    def set_time(self, utc_s):
        self.utc0_ms = utc_s * 1000 - self.ms


class Board:
    name = "BLE log test board"

    def __init__(self, device_id, storage):
        self.device_id = device_id
        self.storage_dir = storage
        self.ble = bluetooth.BLE()
        self.radio = RadioSwitch()  # a bench board: the controller stays on

    def battery_mv(self):
        return 3900

    def charging(self):
        return False


class Device:
    firmware_version = (0, 1, 0)

    def __init__(self, board, log, clock):
        self.board = board
        self.log = log
        self.clock = clock
        self.settings = Settings()

    def status(self):
        return SITTING, 12, 0

    def feel(self, pattern):
        pass  # no motor on this test board


async def main():
    storage = os.getenv("UNSIT_STORAGE")
    clock = Clock(int(os.getenv("UNSIT_START")))
    log = FlashLog(storage, clock, 1 << 20)
    log.append_event(events.BOOT, events.RESET_POWER_ON, 1)
    for i in range(int(os.getenv("UNSIT_MINUTES"))):
        clock.ms += 60000
        counts, steps = pattern(i)
        log.append_minute(counts, steps)
    log.flush()
    device = Device(Board(os.getenv("UNSIT_DEVICE_ID"), storage), log, clock)
    service = BleService(device)
    device.ble = service
    serial_fd = os.getenv("UNSIT_SERIAL_FD")
    if serial_fd:
        asyncio.create_task(Service(device, open(int(serial_fd), "r+b")).run())
    if int(os.getenv("UNSIT_WINDOW_MS") or "0"):
        service.open_pairing_window()
    asyncio.create_task(back_pressure.report(service.peripheral))
    print("@@READY")
    await service.run()


asyncio.run(main())
