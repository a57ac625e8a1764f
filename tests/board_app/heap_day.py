"""Runs the clip's ``main`` (imported as .mpy) on the simulated board and reports its heap.

Usage: ``micropython heap_day.py FOLDER [measure]``. Every module in FOLDER's ``logic``,
``app`` and ``hw`` packages that a board holds is imported first (the comms too: protocol,
USB and BLE services, pairing, sessions), so they are all held in the heap as on a board;
the real board's modules (``hw.boards`` with its parts ``hw.board_io`` and ``hw.power``) are
left to ``simboard``, which builds this one (and holds more), and what a real board lets go
once built is not held: ``hw.profiles``, and the accelerometer drivers but one
(``hw.imu.find_imu`` keeps the found chip's; the largest is held here). Prints
``IMPORTED <bytes>`` (live heap after the imports) and at the end ``PEAK <bytes>``: the live
heap after a collection, sampled whenever the log is given a minute, and the qstr pools
(``micropython.qstr_info()``: docs/architecture.md, "Memory on a board").

With ``measure`` (no ``PEAK`` then) the collector is off and each detector second the app handles
(``Device._second``: coach, minute log, events) is measured from the heap's growth, after the
first ten minutes: ``SECOND <bytes> <clock bytes> <seconds>``, where clock bytes are the part
spent reading the board's clock (``Device.now_s``).
"""

import gc
import os
import sys

from app import device
from logic import flashlog

MEASURE = len(sys.argv) > 2 and sys.argv[2] == "measure"
NOT_HELD = ("__init__.mpy", "boards.mpy", "board_io.mpy", "power.mpy", "profiles.mpy",
            "lsm6ds.mpy", "mpu6886.mpy")
for package in ("logic", "app", "hw"):
    for name in sorted(os.listdir(sys.argv[1] + "/" + package)):
        if name.endswith(".mpy") and name not in NOT_HELD:
            __import__(package + "." + name[:-4])
gc.collect()
print("IMPORTED %d" % gc.mem_alloc())

_peak = [0]
_second = [0, 0, 0]         # bytes in _second, of which reading the clock, seconds measured
_append_minute = flashlog.FlashLog.append_minute
_device_second = device.Device._second
_now_s = device.Device.now_s


def append_minute(self, counts, steps, ago_s=0):
    result = _append_minute(self, counts, steps, ago_s)
    gc.collect()
    used = gc.mem_alloc()
    if used > _peak[0]:
        _peak[0] = used
    return result


def measured_second(self):
    before = gc.mem_alloc()
    clock = _second[1]
    _device_second(self)
    if self.detector.second > 600:
        _second[0] += gc.mem_alloc() - before
        _second[2] += 1
    else:
        _second[1] = clock
    if gc.mem_free() < 64 * 1024:
        gc.collect()        # between seconds, never inside one


def measured_now_s(self):
    before = gc.mem_alloc()
    t = _now_s(self)
    _second[1] += gc.mem_alloc() - before
    return t


if MEASURE:
    device.Device._second = measured_second
    device.Device.now_s = measured_now_s
    gc.disable()
else:
    flashlog.FlashLog.append_minute = append_minute

import main  # noqa: E402  (after the hooks)

main.main()
gc.collect()
if MEASURE:
    print("SECOND %d %d %d" % tuple(_second))
else:
    print("PEAK %d" % _peak[0])
    import micropython

    micropython.qstr_info()     # "qstr pool: n_pool=6, n_qstr=1260, ...": names in the heap
