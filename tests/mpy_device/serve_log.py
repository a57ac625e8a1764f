"""A device for the sync tests: the firmware's protocol service on a pty, over a prefilled log.

Runs under the ``micropython`` interpreter (MICROPYPATH = firmware/ + this folder + .frozen):

    micropython serve_log.py FD STORAGE [key=value ...]

``FD`` is an inherited pty master (the host opens the slave with pyserial). Keys:

``minutes=N``    append N minute records (a fixed pattern, see ``pattern``) before serving
``start=UTC``    the clock is set to UTC when the log starts (default: never set)
``budget=B``     the log's storage budget in bytes (default 1 MiB)
``segment=R``    records per segment file (default the firmware's)
``id=HEX``       device id (default 0a1b2c3d)
``cause=N``      the reset cause its BOOT event gives (an ``events.RESET_*``; default power-on)
``faults=1``     the accelerometer stops answering after minute 10 (``SENSOR_FAULT``) and is
                 back 15 minutes later (``SENSOR_OK``), as ``app.device`` logs it

The virtual clock advances 60 s per appended minute, then follows the wall clock while
serving. The log is real (``logic.flashlog`` on the unix port's filesystem); the service is
the firmware's own (``app.service``). Prints ``READY`` on stderr when it serves.
"""

import sys
import time

import asyncio

from app.service import Service
from logic import events
from logic.flashlog import FlashLog
from logic.settings import Settings
from logic.states import SITTING


def pattern(i):
    """Seconds per state and steps of the i-th prefilled minute (the tests mirror this)."""
    sitting = (i * 7) % 61
    walking = (60 - sitting) // 3
    standing = 60 - sitting - walking
    return [0, sitting, standing, walking, 0], (i * 13) % 1000


class Clock:
    def __init__(self):
        self.ms = 0
        self.real_from = None
        self.utc0_ms = None

    def ticks_ms(self):
        if self.real_from is None:
            return self.ms
        return self.ms + time.ticks_diff(time.ticks_ms(), self.real_from)

    def time(self):
        if self.utc0_ms is None:
            return None
        return (self.utc0_ms + self.ticks_ms()) // 1000

    def set_time(self, utc_s):
        self.utc0_ms = utc_s * 1000 - self.ticks_ms()


class Board:
    name = "serve_log test board"

    def __init__(self, device_id):
        self.device_id = device_id

    def battery_mv(self):
        return 3900

    def charging(self):
        return True


class Device:
    firmware_version = (0, 1, 0)

    def __init__(self, log, clock, device_id):
        self.log = log
        self.clock = clock
        self.settings = Settings()
        self.board = Board(device_id)

    def status(self):
        return SITTING, 12, 0

    def feel(self, pattern):
        pass  # no motor on this test board


def options(args):
    found = {}
    for arg in args:
        key, _, value = arg.partition("=")
        found[key] = value
    return found


def main():
    fd = int(sys.argv[1])
    storage = sys.argv[2]
    opts = options(sys.argv[3:])
    clock = Clock()
    if "start" in opts:
        clock.set_time(int(opts["start"]))
    kwargs = {}
    if "segment" in opts:
        kwargs["segment_records"] = int(opts["segment"])
    log = FlashLog(storage, clock, int(opts.get("budget", 1 << 20)), **kwargs)
    log.append_event(events.BOOT, int(opts.get("cause", events.RESET_POWER_ON)), 1)
    faults = opts.get("faults") == "1"
    for i in range(int(opts.get("minutes", 0))):
        if faults and i == 10:
            log.append_event(events.SENSOR_FAULT, events.SENSOR_NO_ANSWER, 0)
        if faults and i == 25:
            log.append_event(events.SENSOR_OK, events.SENSOR_NO_ANSWER, 15)
        clock.ms += 60000
        counts, steps = pattern(i)
        log.append_minute(counts, steps)
    log.flush()
    clock.real_from = time.ticks_ms()
    device = Device(log, clock, opts.get("id", "0a1b2c3d"))
    port = open(fd, "r+b")
    service = Service(device, port)
    sys.stderr.write("READY %d %d\n" % (log.first_seq, log.next_seq))
    asyncio.run(service.run())


main()
