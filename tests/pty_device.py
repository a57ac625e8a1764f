"""A protocol endpoint for tests: the real service and flash log under MicroPython on a pty.

Usage: ``micropython pty_device.py FD STORAGE MINUTES`` (MICROPYPATH: firmware/ and
tests/portable/, for the shared stand-ins of app_parts.py). Logs a boot and MINUTES minute
records (clock not set), prints ``READY``, then serves the protocol on the inherited file
descriptor FD (one end of a pty) until killed.
"""

import sys

import asyncio
from app.service import PolledStream
from app_parts import Board, Clock, Parts
from logic import events


def main():
    fd, storage, count = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    board = Board("0badcafe", "pty test board", battery_mv=4012)
    parts = Parts(storage, Clock(), board, state=(2, 0, 5))
    parts.log.append_event(events.BOOT, events.RESET_POWER_ON, 1)
    for i in range(count):
        parts.clock.ms += 60000
        parts.log.append_minute((0, 40, 10, 10, 0), i % 100)
    parts.log.flush()
    parts.clock.follow_real()
    print("READY")
    asyncio.run(parts.service(PolledStream(open(fd, "r+b"))).run())


main()
