"""Integer helpers for the firmware logic: identical answers on CPython and MicroPython.

Everything here takes and returns small integers (below 2**30, so a 32-bit board never
allocates a long integer) and allocates nothing.
"""

from .compat import const

UNIT = const(4096)  # length of a unit vector in fixed point (2**12)


def isqrt(n, guess=1024):
    """The integer square root of ``n >= 0`` (floor), by Newton's method from ``guess``.

    A good guess (say the last magnitude) makes it converge in two or three steps.
    """
    if n <= 0:
        return 0
    x = guess if guess > 0 else 1
    # One integer Newton step from any positive x lands at or above the root; from there
    # the steps fall monotonically until they stop at it. (a + b) >> 1 is taken as
    # (a >> 1) + (b >> 1) + (a & b & 1): the sum itself may pass 2**30 (a long int on 32-bit).
    q = n // x
    x = (x >> 1) + (q >> 1) + (x & q & 1)
    while True:
        q = n // x
        y = (x >> 1) + (q >> 1) + (x & q & 1)
        if y >= x:
            return x
        x = y


def chord2(ax, ay, az, bx, by, bz):
    """Squared distance between two unit vectors of length :data:`UNIT`.

    It grows with the angle between them: ``UNIT**2 * 2 * (1 - cos(angle))``.
    """
    dx = ax - bx
    dy = ay - by
    dz = az - bz
    return dx * dx + dy * dy + dz * dz

