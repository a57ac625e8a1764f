"""The device's time base, and the wearer's local clock from it: quiet hours and weekdays.

The device keeps UTC (the host sets it); the wearer's local time is UTC plus the
``utc_offset_min`` setting, which the host refreshes on every sync (so daylight saving is the
host's business). Integer maths only, no ``time`` module: MicroPython ports disagree about the
epoch and about local time, so the logic computes everything from the seconds it is handed.

Everything per second on the device counts *device seconds*: UTC seconds since
2016-01-01 (``_DEVICE_EPOCH``, a midnight, so minutes and days fall as in UTC). They stay small
ints on a 32-bit port (31 bits) until 2050, where UTC epoch seconds are long ints that
allocate on every sum (docs/architecture.md, "Memory on a board"). ``device_seconds(utc)``
converts; the protocol and the log speak UTC. Until the host sets the clock the device only
knows its uptime: times below ``CLOCK_SET_AFTER`` (2020-01-01 in device seconds) are taken to
be uptime seconds, and the local time of day is then unknown (``clock_is_set`` is False).
"""

from .compat import const

# UTC epoch seconds (long ints on 32-bit ports) of 2016-01-01 and of CLOCK_SET_AFTER; private
# consts, so the compiler folds them in and no name is added to the board's qstr pool.
_DEVICE_EPOCH = const(1451606400)
_UTC_SET_AFTER = const(1577836800)
# 2020-01-01T00:00:00Z in device seconds. An uptime is never this long (4 years); a clock set
# by the host always is (SET_TIME refuses earlier times, protocol.EARLIEST_UTC).
CLOCK_SET_AFTER = const(126230400)

_MINUTES_PER_DAY = const(1440)
_SECONDS_PER_DAY = const(86400)
_EPOCH_WEEKDAY = const(4)  # 2016-01-01 was a Friday; Monday = 0


def device_seconds(utc_s):
    """Device seconds at UTC epoch second ``utc_s``; None for None or a time before 2020 (a
    clock that was never set)."""
    if utc_s is None or utc_s < _UTC_SET_AFTER:
        return None
    return int(utc_s) - _DEVICE_EPOCH


def clock_is_set(t_s):
    """True if ``t_s`` is a time set by the host (device seconds), False if it is uptime."""
    return t_s >= CLOCK_SET_AFTER


def local_minute_of_day(t_s, utc_offset_min):
    """Minutes since local midnight (0..1439) at device second ``t_s``."""
    return (t_s // 60 + utc_offset_min) % _MINUTES_PER_DAY


def local_weekday(t_s, utc_offset_min):
    """Local day of the week at device second ``t_s``: 0 = Monday ... 6 = Sunday."""
    return ((t_s + utc_offset_min * 60) // _SECONDS_PER_DAY + _EPOCH_WEEKDAY) % 7


def in_window(minute, start_min, end_min):
    """True if local ``minute`` lies in ``[start_min, end_min)``; the window may wrap midnight.

    ``start_min == end_min`` is an empty window (no quiet hours), not a whole day.
    """
    if start_min <= end_min:
        return start_min <= minute < end_min
    return minute >= start_min or minute < end_min


def is_quiet(t_s, utc_offset_min, start_min, end_min):
    """True during quiet hours; False whenever the clock was never set (the time is unknown)."""
    if t_s < CLOCK_SET_AFTER:
        return False
    return in_window(local_minute_of_day(t_s, utc_offset_min), start_min, end_min)


def day_allowed(t_s, utc_offset_min, weekday_mask):
    """True if the local weekday's bit (bit 0 = Monday) is set in ``weekday_mask``.

    True whenever the clock was never set: an unknown day does not silence the coach.
    """
    if t_s < CLOCK_SET_AFTER:
        return True
    return (weekday_mask >> local_weekday(t_s, utc_offset_min)) & 1 == 1
