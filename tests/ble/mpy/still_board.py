"""The bench clip the test firmware runs on (tests/ble/mpy/ble_app_main.py,
tests/security/mpy/clip_app_main.py): the board contract (docs/architecture.md, "The board")
in real time, with a clip lying still (a FIFO of 25 samples a second), a motor that writes
each pulse's start (``on PERCENT``) to ``UNSIT_MOTOR_LOG`` when it is set, a clock the host
sets, the reset cause from ``UNSIT_RESET``, the id ``UNSIT_DEVICE_ID`` and the flash folder
``UNSIT_STORAGE``, its Bluetooth controller always on. No button and no USB port unless a
script adds them.
"""

import os
import time

import asyncio
import bluetooth

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

    def seconds(self):
        from logic.localtime import device_seconds

        return device_seconds(self.time())

    def set_time(self, utc_s):
        self._utc0_ms = utc_s * 1000 - time.ticks_ms()


class StillBoard:
    name = "test board"
    serial = None
    button = None

    def __init__(self):
        self.device_id = os.getenv("UNSIT_DEVICE_ID")
        self.storage_dir = os.getenv("UNSIT_STORAGE")
        self.imu = StillImu()
        self.motor = Motor(os.getenv("UNSIT_MOTOR_LOG"))
        self.clock = Clock()
        self.ble = bluetooth.BLE()
        self.radio = RadioSwitch()  # a bench board: the controller stays on
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
