"""Double-tap detection in 25 Hz accelerometer samples, for chips without a tap engine.

A finger tap on a belt clip is a short knock: seen at 25 Hz (one sample every 40 ms, after
the chip's anti-alias filter) it is one or two samples that jump a few hundred milli-g away
from the recent average and come straight back. A double tap is two such knocks 120-520 ms
apart, each with stillness around it. Walking also has sharp peaks (heel strikes) about
500 ms apart, but the body keeps moving between them, so the stillness tests reject it.

Per sample the detector measures how far the sample lies from a slow per-axis baseline (an
exponential average over about 16 samples, 640 ms), as the sum of absolute differences
(no square root). Samples under ``QUIET_MG`` are quiet. A *knock* is a run of at most
``_MAX_KNOCK`` non-quiet samples that reaches ``TAP_MG``. The detector reports a double tap
when it sees: ``_QUIET_BEFORE`` quiet samples (200 ms), a knock, ``_GAP_MIN``..``_GAP_MAX``
quiet samples, a knock, then ``_CONFIRM`` quiet samples (200 ms; a third knock cancels it).
The baseline holds still during a knock so the knock does not drag it along, and follows any
longer movement (a change of posture) as usual.

Integer maths only and nothing allocated per sample: identical results on CPython and
MicroPython.
"""

from .compat import const

TAP_MG = const(200)         # a knock reaches at least this far from the baseline
QUIET_MG = const(120)       # below this a sample is still

_SHIFT = const(4)           # baseline: exponential average with weight 1/16
_MAX_KNOCK = const(3)       # samples a knock may last (including its rebound)
_QUIET_BEFORE = const(5)    # still samples before the first knock
_GAP_MIN = const(2)         # still samples between the knocks: 2..11 (120-520 ms apart)
_GAP_MAX = const(11)
_CONFIRM = const(5)         # still samples after the second knock
_QUIET_CAP = const(1000)

_IDLE = const(0)
_ONE = const(1)             # one knock seen, waiting for the second
_TWO = const(2)             # two knocks seen, waiting for stillness to confirm


class TapDetector:
    """Feed samples in milli-g; ``feed`` returns True on the sample that confirms a double tap."""

    def __init__(self):
        self._bx = 0            # baselines, scaled by 2**_SHIFT
        self._by = 0
        self._bz = 0
        self._primed = False
        self._quiet = 0         # still samples in a row
        self._run = 0           # length of the current non-quiet run
        self._peak = False      # the current run reached TAP_MG
        self._before = 0        # still samples before the current run
        self._phase = _IDLE
        self.count = 0          # double taps detected since creation

    def feed(self, x, y, z):
        """Take one sample (milli-g); True if it completes a double tap."""
        if not self._primed:
            self._bx = x << _SHIFT
            self._by = y << _SHIFT
            self._bz = z << _SHIFT
            self._primed = True
            return False
        dx = x - (self._bx >> _SHIFT)
        dy = y - (self._by >> _SHIFT)
        dz = z - (self._bz >> _SHIFT)
        deviation = abs(dx) + abs(dy) + abs(dz)
        if deviation >= QUIET_MG:
            if self._run == 0:
                self._before = self._quiet
                self._peak = False
            self._run += 1
            self._quiet = 0
            if deviation >= TAP_MG:
                self._peak = True
            if self._run > _MAX_KNOCK:
                # real movement: forget any taps and let the baseline follow
                self._phase = _IDLE
                self._bx += dx
                self._by += dy
                self._bz += dz
            return False

        self._bx += dx
        self._by += dy
        self._bz += dz
        if self._run:
            self._run_ended()
            self._run = 0
        if self._quiet < _QUIET_CAP:
            self._quiet += 1
        phase = self._phase
        if phase == _ONE:
            if self._quiet > _GAP_MAX:
                self._phase = _IDLE
        elif phase == _TWO and self._quiet >= _CONFIRM:
            self._phase = _IDLE
            self.count += 1
            return True
        return False

    def feed_buffer(self, buf, samples):
        """Feed ``samples`` interleaved x, y, z samples from ``buf``; return double taps seen."""
        found = 0
        i = 0
        end = samples * 3
        while i < end:
            if self.feed(buf[i], buf[i + 1], buf[i + 2]):
                found += 1
            i += 3
        return found

    def _run_ended(self):
        if not self._peak or self._run > _MAX_KNOCK:
            self._phase = _IDLE
            return
        before = self._before
        phase = self._phase
        if phase == _ONE and _GAP_MIN <= before <= _GAP_MAX:
            self._phase = _TWO
        elif phase != _TWO and before >= _QUIET_BEFORE:
            self._phase = _ONE
        else:
            self._phase = _IDLE
