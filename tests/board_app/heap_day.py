"""Runs the clip's ``main`` (imported as .mpy) on the simulated board and reports its heap.

Usage: ``micropython heap_day.py FOLDER [measure]``. Every module in FOLDER's ``logic``,
``app`` and ``hw`` packages is imported first (the comms too: protocol, USB and BLE services,
pairing, sessions), so they are all held in the heap as on a board; ``hw.boards``, which
builds a real board, is left to ``simboard``, which builds this one. Without ``measure``: the
live heap (after a
collection) is sampled at every minute the log is given, and ``PEAK <bytes>`` printed at the
end. With ``measure``: the collector is off between minutes, so the heap's growth from one
minute to the next is what that minute allocated; prints ``ALLOC <bytes> <minutes>`` (the
minutes after the first ten: the steady path).
"""

import gc
import os
import sys

from logic import flashlog

MEASURE = len(sys.argv) > 2 and sys.argv[2] == "measure"
for package in ("logic", "app", "hw"):
    for name in sorted(os.listdir(sys.argv[1] + "/" + package)):
        # hw.boards builds a real board; here simboard is the board (and a real board has
        # no simboard): one of the two is held, as on a clip
        if name.endswith(".mpy") and name != "__init__.mpy" and name != "boards.mpy":
            __import__(package + "." + name[:-4])
gc.collect()
print("IMPORTED %d" % gc.mem_alloc())
_original = flashlog.FlashLog.append_minute
_seen = [0, 0, 0, -1]       # peak live heap, bytes allocated, minutes measured, last mem_alloc


def _append_minute(self, counts, steps, ago_s=0):
    if MEASURE:
        now = gc.mem_alloc()
        if _seen[3] >= 0 and _minutes[0] >= 10:
            _seen[1] += now - _seen[3]
            _seen[2] += 1
        _minutes[0] += 1
    result = _original(self, counts, steps, ago_s)
    gc.collect()
    used = gc.mem_alloc()
    if used > _seen[0]:
        _seen[0] = used
    _seen[3] = used
    return result


_minutes = [0]
flashlog.FlashLog.append_minute = _append_minute
if MEASURE:
    gc.disable()

import main  # noqa: E402  (after the hook: main's imports use it)

main.main()
gc.collect()
print("PEAK %d" % _seen[0])
if MEASURE:
    print("ALLOC %d %d" % (_seen[1], _seen[2]))
