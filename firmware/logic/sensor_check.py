"""Tells a broken accelerometer from a still body, one FIFO batch (a second) at a time.

A chip whose one-second mean stays below 0.5 g or above 1.5 g for ``ODD_S`` seconds is broken
(a dead axis, a wrong range, garbage on the bus): worn or on a desk, the mean is gravity, 1 g.
A chip that returns the very same sample, every axis, for ``STUCK_S`` seconds is stuck. That
needs long: the LIS2DH12's noise is 0.78 mg rms per axis at 25 Hz (datasheet DocID025056,
Table 3, as ``unsit.lab.tracegen`` models it) while its 10-bit steps are 4 mg, so on a desk one
code can repeat for minutes; the 16-bit chips' steps (0.06 mg) are far below their noise.
Either is a fault to report, not "not worn". Integer maths in milli-g; nothing allocated.
"""

from .compat import const

OK = const(0)
STUCK = const(2)            # the same sample for STUCK_S seconds
IMPLAUSIBLE = const(3)      # the one-second mean far from 1 g for ODD_S seconds

STUCK_S = const(1800)
ODD_S = const(120)
_LOW2 = const(500 * 500)        # (0.5 g)^2 in milli-g^2
_HIGH2 = const(1500 * 1500)     # (1.5 g)^2


class SensorCheck:
    def __init__(self, stuck_s=STUCK_S, odd_s=ODD_S):
        self._stuck_s = stuck_s
        self._odd_s = odd_s
        self._x = 0
        self._y = 0
        self._z = 0
        self._seen = False
        self._same_s = 0        # seconds in a row in which the sample never changed
        self._odd_run = 0       # seconds in a row with the mean far from 1 g
        self.fault = OK

    def batch(self, buf, n):
        """Check ``n`` samples (x, y, z interleaved, milli-g) of one second; returns
        ``fault``: OK, STUCK or IMPLAUSIBLE (STUCK wins when both hold)."""
        if n <= 0:
            return self.fault
        x = self._x
        y = self._y
        z = self._z
        same = self._seen
        sx = 0
        sy = 0
        sz = 0
        i = 0
        end = 3 * n
        while i < end:
            a = buf[i]
            b = buf[i + 1]
            c = buf[i + 2]
            if a != x or b != y or c != z:
                same = False
                x = a
                y = b
                z = c
            sx += a
            sy += b
            sz += c
            i += 3
        self._x = x
        self._y = y
        self._z = z
        self._seen = True
        self._same_s = self._same_s + 1 if same else 0
        sx //= n
        sy //= n
        sz //= n
        mag2 = sx * sx + sy * sy + sz * sz
        self._odd_run = self._odd_run + 1 if mag2 < _LOW2 or mag2 > _HIGH2 else 0
        if self._same_s >= self._stuck_s:
            self.fault = STUCK
        elif self._odd_run >= self._odd_s:
            self.fault = IMPLAUSIBLE
        else:
            self.fault = OK
        return self.fault
