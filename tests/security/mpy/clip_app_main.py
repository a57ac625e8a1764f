"""Test firmware: the real device app (``app.device.run``) with Bluetooth LE and a USB port.

As tests/ble/mpy/ble_app_main.py (a clip lying still, the motor's pulses written to
``UNSIT_MOTOR_LOG`` as ``on PERCENT``, the reset cause from ``UNSIT_RESET``), plus the USB
port: ``UNSIT_SERIAL_FD`` is an inherited pty the app's protocol service answers on, where
PAIR and FORGET_ALL (the cable's commands) work.
"""

import os
import time

import asyncio
import bluetooth

from app import device
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
    def __init__(self, path):
        self._path = path

    def on(self, percent):
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
    name = "security test board"
    button = None

    def __init__(self):
        self.device_id = os.getenv("UNSIT_DEVICE_ID")
        self.storage_dir = os.getenv("UNSIT_STORAGE")
        self.imu = StillImu()
        self.motor = Motor(os.getenv("UNSIT_MOTOR_LOG"))
        self.clock = Clock()
        self.ble = bluetooth.BLE()
        self.radio = RadioSwitch()  # a bench board: the controller stays on
        fd = os.getenv("UNSIT_SERIAL_FD")
        self.serial = open(int(fd), "r+b") if fd else None
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
