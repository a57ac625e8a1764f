"""A device for the sync tests: the firmware's protocol service on a pty, over a prefilled log.

Runs under the ``micropython`` interpreter (MICROPYPATH = firmware/ + this folder +
tests/portable/ for the shared stand-ins of app_parts.py + .frozen):

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

import asyncio

from app.service import PolledStream
from app_parts import Board, Clock, Parts
from logic import events
from logic.states import SITTING


def pattern(i):
    """Seconds per state and steps of the i-th prefilled minute (the tests mirror this)."""
    sitting = (i * 7) % 61
    walking = (60 - sitting) // 3
    standing = 60 - sitting - walking
    return [0, sitting, standing, walking, 0], (i * 13) % 1000


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
    board = Board(opts.get("id", "0a1b2c3d"), "serve_log test board", battery_mv=3900)
    kwargs["budget_bytes"] = int(opts.get("budget", 1 << 20))
    parts = Parts(storage, clock, board, (SITTING, 12, 0), **kwargs)
    log = parts.log
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
    clock.follow_real()
    service = parts.service(PolledStream(open(fd, "r+b")))
    sys.stderr.write("READY %d %d\n" % (log.first_seq, log.next_seq))
    asyncio.run(service.run())


main()
