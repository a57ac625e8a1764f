"""Test firmware: the real device app (``app.device.run``) on a board with Bluetooth LE.

Everything above the board is the firmware as on a clip: the app's tasks, the protocol
service and ``app.ble_service.BleService`` with its pairing gesture. The board follows the
board contract (docs/architecture.md, "The board") in real time: the accelerometer is a clip
lying still (a FIFO of 25 samples a second), the motor logs its pulses, the button is
``button_pin.FilePin``. Environment as ble_echo_main.py, plus ``UNSIT_STORAGE`` (the flash
folder), ``UNSIT_RESET`` (the reset cause reported, an ``events.RESET_*`` code) and
``UNSIT_BUTTON`` (the button's level file; absent = a board without a button) and
``UNSIT_MOTOR_LOG`` (a file the motor's pulses are written to).
"""

import os
import time

import asyncio
import bluetooth

from app import device
from button_pin import FilePin
from hw.board_io import RadioSwitch


class StillImu:
    name = "still"
    watermark = 25
    tap_engine = True
    watermark_irq = False

    def read_into(self, buf):
        n = min(len(buf) // 3, self.watermark)
        for i in range(n):
            buf[3 * i] = 0
            buf[3 * i + 1] = 0
            buf[3 * i + 2] = 1000
        return n

    def taps(self):
        return 0


class Motor:
    """Writes each pulse's start (``on PERCENT``) to ``UNSIT_MOTOR_LOG`` when it is set."""

    def __init__(self, path):
        self._path = path

    def on(self, percent):
        if self._path:
            with open(self._path, "a") as f:
                f.write("on %d\n" % percent)

    def off(self):
        pass


class Clock:
    def __init__(self):
        self._utc0_ms = None

    def ticks_ms(self):
        return time.ticks_ms()

    def time(self):
        return None if self._utc0_ms is None else (self._utc0_ms + time.ticks_ms()) // 1000

    def set_time(self, utc_s):
        self._utc0_ms = utc_s * 1000 - time.ticks_ms()


class Board:
    name = "BLE test board"
    serial = None

    def __init__(self):
        self.device_id = os.getenv("UNSIT_DEVICE_ID")
        self.storage_dir = os.getenv("UNSIT_STORAGE")
        self.imu = StillImu()
        self.motor = Motor(os.getenv("UNSIT_MOTOR_LOG"))
        self.clock = Clock()
        self.ble = bluetooth.BLE()
        self.radio = RadioSwitch()  # a bench board: the controller stays on
        button = os.getenv("UNSIT_BUTTON")
        self.button = FilePin(button) if button else None
        self._reset_cause = int(os.getenv("UNSIT_RESET"))

    async def wait_samples(self):
        await asyncio.sleep_ms(1000)

    async def sleep_ms(self, ms):
        await asyncio.sleep_ms(ms)

    def battery_mv(self):
        return 3900

    def charging(self):
        return False

    def watchdog_feed(self):
        pass

    def reset_cause(self):
        return self._reset_cause


asyncio.run(device.run(Board()))
