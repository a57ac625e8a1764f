"""Local minute of day, weekday, quiet hours and the weekday mask from device seconds (UTC
since 2016-01-01) and an offset."""

from logic.localtime import (CLOCK_SET_AFTER, clock_is_set, day_allowed, device_seconds,
                             in_window, is_quiet, local_minute_of_day, local_weekday)

DEVICE_EPOCH = 1451606400      # 2016-01-01T00:00:00Z, a Friday
UTC_2020 = 1577836800          # 2020-01-01T00:00:00Z: the earliest time a set clock shows

# datetime is CPython's; the known values above are checked on both interpreters
MICROPYTHON_CPYTHON_ONLY = ("test_agrees_with_datetime_across_years_and_offsets",)

# (UTC epoch seconds, offset minutes, local minute of day, local weekday 0=Monday), from
# datetime; the functions are handed the device seconds of each
KNOWN = (
    (1795476600, 60, 30, 1),        # Mon 2026-11-23 23:30Z in UTC+1: Tue 00:30
    (1795393800, -60, 1410, 6),     # Mon 2026-11-23 00:30Z in UTC-1: Sun 23:30
    (1795424400, 0, 540, 0),        # Mon 2026-11-23 09:00Z
    (1709208000, 840, 120, 4),      # Thu 2024-02-29 12:00Z in UTC+14: Fri 02:00
    (1709294340, -720, 1439, 3),    # Fri 2024-03-01 11:59Z in UTC-12: Thu 23:59
    (1577836800, 0, 0, 2),          # Wed 2020-01-01 00:00Z: the earliest set clock
    (1582934400, 0, 0, 5),          # Sat 2020-02-29 00:00Z
    (2147483640, 0, 194, 1),        # Tue 2038-01-19 03:14Z (past the 32-bit signed limit soon)
    (2525212799, 0, 1439, 4),       # Fri 2050-01-07 23:59:59Z, a small int on 32-bit
    (4102444799, -60, 1379, 3),     # Thu 2099-12-31 23:59:59Z (a long int there) in UTC-1
)

QUIET_START = 22 * 60
QUIET_END = 7 * 60


def test_known_local_times():
    for utc, offset, minute, weekday in KNOWN:
        t_s = device_seconds(utc)
        assert local_minute_of_day(t_s, offset) == minute, (utc, offset)
        assert local_weekday(t_s, offset) == weekday, (utc, offset)


def test_the_device_epoch_was_a_friday_at_midnight():
    assert device_seconds(1795424400) + DEVICE_EPOCH == 1795424400
    assert local_weekday(0, 0) == 4
    assert local_weekday(86400 * 3, 0) == 0
    assert local_minute_of_day(0, 0) == 0


def test_device_seconds_are_small_ints_until_2050_and_none_for_an_unset_clock():
    assert device_seconds(None) is None
    assert device_seconds(UTC_2020 - 1) is None
    assert device_seconds(UTC_2020) == CLOCK_SET_AFTER == 126230400
    assert device_seconds(1795424400) == 343818000
    assert device_seconds(2525212799) == 1073606399 < (1 << 30)   # 2050-01-07


def test_a_window_across_midnight():
    for minute, inside in ((21 * 60 + 59, False), (22 * 60, True), (23 * 60, True), (0, True),
                           (6 * 60 + 59, True), (7 * 60, False), (12 * 60, False)):
        assert in_window(minute, QUIET_START, QUIET_END) == inside, minute


def test_a_window_within_a_day_and_an_empty_one():
    assert in_window(13 * 60, 12 * 60, 14 * 60)
    assert not in_window(14 * 60, 12 * 60, 14 * 60)
    assert not in_window(11 * 60, 12 * 60, 14 * 60)
    for minute in range(0, 1440, 7):
        assert not in_window(minute, 600, 600)


def test_quiet_hours_in_local_time_with_offsets():
    monday_2130z = device_seconds(1795469400)
    assert not is_quiet(monday_2130z, 0, QUIET_START, QUIET_END)
    assert is_quiet(monday_2130z, 60, QUIET_START, QUIET_END)       # 22:30 in UTC+1
    assert not is_quiet(monday_2130z, -300, QUIET_START, QUIET_END)  # 16:30 in UTC-5
    assert is_quiet(monday_2130z, 30, QUIET_START, QUIET_END)        # 22:00 exactly
    assert not is_quiet(monday_2130z, 29, QUIET_START, QUIET_END)    # 21:59
    assert not is_quiet(monday_2130z, 840, QUIET_START, QUIET_END)   # Tue 11:30 in UTC+14
    tuesday_1145z = device_seconds(1795516800 + 3900)
    assert is_quiet(tuesday_1145z, -300, QUIET_START, QUIET_END)     # 06:45 in UTC-5
    assert not is_quiet(tuesday_1145z, -240, QUIET_START, QUIET_END)  # 07:45 in UTC-4


def test_weekday_mask_in_local_time():
    friday_2330z = device_seconds(1795822200)
    workdays = 0b0011111
    assert not day_allowed(friday_2330z, 60, workdays)   # Saturday 00:30 in UTC+1
    assert day_allowed(friday_2330z, 0, workdays)
    assert day_allowed(friday_2330z, 60, 1 << 5)        # Saturday only
    assert not day_allowed(friday_2330z, 0, 0)


def test_an_unset_clock_has_no_quiet_hours_and_no_day_off():
    uptime = 23 * 3600
    assert not clock_is_set(uptime)
    assert clock_is_set(CLOCK_SET_AFTER)
    assert not is_quiet(uptime, 0, QUIET_START, QUIET_END)
    assert day_allowed(uptime, 0, 0)


def test_agrees_with_datetime_across_years_and_offsets():
    import datetime

    t_s = CLOCK_SET_AFTER
    offsets = (-720, -570, -300, -1, 0, 1, 330, 345, 600, 840)
    checked = 0
    while t_s < CLOCK_SET_AFTER + 20 * 365 * 86400:
        for offset in offsets:
            local = (datetime.datetime.fromtimestamp(t_s + DEVICE_EPOCH, datetime.timezone.utc)
                     + datetime.timedelta(minutes=offset))
            assert local_minute_of_day(t_s, offset) == local.hour * 60 + local.minute
            assert local_weekday(t_s, offset) == local.weekday()
            checked += 1
        t_s += 86400 * 3 + 3607  # walks through every hour and weekday over the years
    assert checked > 20000
