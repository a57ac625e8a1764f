"""Facts the board and the host share, defined here once.

``RATE_HZ``: the accelerometer's sampling rate on every board, the rate the detector's
thresholds are tuned at, and the rate the host resamples recordings to before it runs the
firmware on them (the host reads it as ``unsit_firmware.logic.limits``).
"""

from .compat import const

RATE_HZ = const(25)
