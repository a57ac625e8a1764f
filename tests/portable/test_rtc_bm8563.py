"""The BM8563 driver against the register-level model, and UTC across a power cut (both
interpreters)."""

from chipmodels.bm8563 import BM8563Model
from chipmodels.bus import Bus
from hw.bm8563 import Bm8563, civil_from_days, days_from_civil
from hw.clock import RtcClock
from portable import raises

T_2026 = 1772442000          # 2026-03-02 09:00:00 UTC
LEAP_EVE = 4107455999        # 2100-02-28 23:59:59 UTC is past the chip's range...
END_OF_2099 = 4102444799     # ...2099-12-31 23:59:59 UTC is its last second


def test_calendar_conversions_match_known_dates():
    assert days_from_civil(1970, 1, 1) == 0
    assert days_from_civil(2000, 3, 1) == 11017
    assert days_from_civil(2024, 2, 29) == 19782
    for z in (0, 10956, 11016, 11017, 19782, 47482):
        y, m, d = civil_from_days(z)
        assert days_from_civil(y, m, d) == z


def test_a_fresh_chip_reads_as_not_set_until_written():
    chip = BM8563Model()
    rtc = Bm8563(Bus(chip))
    assert chip.regs[0x00] == 0              # TESTC cleared: the clock runs
    assert rtc.time() is None                # VL set at power-on
    rtc.set_time(T_2026)
    assert chip.regs[0x02] & 0x80 == 0       # writing the seconds cleared VL
    assert rtc.time() == T_2026
    assert chip.regs[0x04] == 0x09 and chip.regs[0x07] == 0x03 and chip.regs[0x08] == 0x26
    assert chip.regs[0x06] == 1              # 2026-03-02 is a Monday (0 = Sunday)


def test_time_runs_across_month_year_and_leap_days():
    chip = BM8563Model()
    rtc = Bm8563(Bus(chip))
    for start, step in ((days_from_civil(2024, 2, 28) * 86400 + 86399, 1),   # into Feb 29
                        (days_from_civil(2023, 12, 31) * 86400 + 86390, 15),  # new year
                        (T_2026, 400 * 86400 + 3723),                        # 400 days on
                        (END_OF_2099 - 5, 3)):
        rtc.set_time(start)
        chip.tick(step)
        assert rtc.time() == start + step, (start, step)


def test_utc_survives_a_power_cut_of_the_mcu_but_not_a_brown_out_of_the_chip():
    chip = BM8563Model()
    bus = Bus(chip)

    class McuRtc:
        """``machine.RTC`` of an MCU that just lost power: time starts at its epoch."""

        def __init__(self):
            self.now = 0
            self.set = None

        def datetime(self, dt):
            self.set = dt

        def seconds(self):
            return self.now

        def ticks(self):
            return 0

    first = McuRtc()
    clock = RtcClock(first, Bm8563(bus), seconds=first.seconds, ticks_ms=first.ticks)
    assert clock.time() is None and not clock.restored    # neither clock was ever set
    clock.set_time(T_2026)                                # the host sets it at a sync
    assert first.set[:3] == (2026, 3, 2)
    chip.tick(7200)                                       # 2 h later the battery is swapped
    after = McuRtc()
    clock = RtcClock(after, Bm8563(bus), seconds=after.seconds)
    assert clock.restored and after.set[:7] == (2026, 3, 2, 0, 11, 0, 0)   # 11:00 UTC, Monday
    chip.brown_out()
    again = McuRtc()
    clock = RtcClock(again, Bm8563(bus), seconds=again.seconds)
    assert not clock.restored and again.set is None       # VL: not trusted, not used


def test_absent_chip_and_out_of_range_times_are_refused():
    with raises(OSError):
        Bm8563(Bus())
    rtc = Bm8563(Bus(BM8563Model()))
    with raises(ValueError):
        rtc.set_time(LEAP_EVE)
    with raises(ValueError):
        rtc.set_time(T_2026 - 30 * 365 * 86400)           # 1996
