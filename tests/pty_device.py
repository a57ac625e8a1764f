"""A protocol endpoint for tests: the real service and flash log under MicroPython on a pty.

Usage: ``micropython pty_device.py FD STORAGE MINUTES`` (MICROPYPATH: firmware/). Logs a boot
and MINUTES minute records (clock not set), prints ``READY``, then serves the protocol on the
inherited file descriptor FD (one end of a pty) until killed.
"""

import sys
import time

import asyncio
from app.service import serve
from logic import events
from logic.flashlog import FlashLog
from logic.settings import Settings


class Clock:
    def __init__(self):
        self.offset = None
        self.virtual_ms = 0

    def ticks_ms(self):
        return time.ticks_ms() + self.virtual_ms

    def time(self):
        return None if self.offset is None else int(time.time()) + self.offset

    def set_time(self, utc):
        self.offset = utc - int(time.time())


class Board:
    device_id = "0badcafe"
    name = "pty test board"

    def battery_mv(self):
        return 4012

    def charging(self):
        return True


class Device:
    def __init__(self, storage):
        self.clock = Clock()
        self.board = Board()
        self.settings = Settings()
        self.log = FlashLog(storage, self.clock)

    def status(self):
        return 2, 0, 5

    def feel(self, pattern):
        pass  # no motor on this test board


def main():
    fd, storage, count = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    device = Device(storage)
    device.log.append_event(events.BOOT, events.RESET_POWER_ON, 1)
    for i in range(count):
        device.clock.virtual_ms += 60000
        device.log.append_minute((0, 40, 10, 10, 0), i % 100)
    device.log.flush()
    print("READY")
    asyncio.run(serve(device, open(fd, "r+b")))


main()
