"""The board clock's device seconds (``hw.clock.RtcClock.seconds``): the port's clock read once
a minute, ticks between, SET_TIME at once, nothing allocated between reads on the 32-bit
build. Needs MicroPython's ``time.ticks_diff``."""

from hw.bm8563 import days_from_civil
from hw.clock import RtcClock
from logic.localtime import device_seconds
from portable import MICROPYTHON, heap_locked, skip

T_2026 = 1772442000          # 2026-03-02 09:00:00 UTC
DEVICE_EPOCH = 1451606400    # 2016-01-01T00:00:00Z (logic.localtime)


class Mcu:
    """``machine.RTC`` and the port's ``time.time``/``time.ticks_ms`` on a 1970-epoch port
    (rp2, unix), driven by the test: ``run(ms)`` passes time; ``reads`` counts ``time.time``
    calls; ``rate`` is the RTC's speed against ticks (1000 = the same)."""

    def __init__(self, utc=None, rate=1000):
        self.ms = 5000
        # the RTC as seconds from DEVICE_EPOCH and ms: small ints, so that run() allocates
        # nothing on 32-bit (the never-set RTC starts at 1970)
        self.rtc_s = -DEVICE_EPOCH if utc is None else device_seconds(utc)
        self.rtc_ms = 0
        self.rate = rate
        self.reads = 0

    def run(self, ms):
        self.ms += ms
        rtc_ms = self.rtc_ms + ms * self.rate // 1000
        self.rtc_s += rtc_ms // 1000
        self.rtc_ms = rtc_ms % 1000

    def ticks(self):
        return self.ms

    def seconds(self):
        self.reads += 1
        return self.rtc_s + DEVICE_EPOCH

    def datetime(self, dt):
        y, m, d, _, hh, mm, ss, _ = dt
        utc = ((days_from_civil(y, m, d) * 24 + hh) * 60 + mm) * 60 + ss
        self.rtc_s = utc - DEVICE_EPOCH
        self.rtc_ms = 0


def clock_on(mcu):
    if not MICROPYTHON:
        skip("MicroPython's time.ticks_diff")
    return RtcClock(mcu, seconds=mcu.seconds, ticks_ms=mcu.ticks)


def test_device_seconds_follow_ticks_and_the_port_clock_is_read_once_a_minute():
    mcu = Mcu(T_2026)
    clock = clock_on(mcu)
    start = device_seconds(T_2026)
    seen = []
    for _ in range(180):
        seen.append(clock.seconds())
        mcu.run(1000)
    assert seen == [start + i for i in range(180)]
    assert mcu.reads == 3


def test_set_time_takes_effect_at_once_and_may_go_back():
    mcu = Mcu(T_2026)
    clock = clock_on(mcu)
    clock.seconds()
    mcu.run(20500)
    clock.set_time(T_2026 - 3600)            # the host corrects the clock an hour back
    assert clock.seconds() == device_seconds(T_2026 - 3600)
    mcu.run(59900)
    assert clock.seconds() == device_seconds(T_2026 - 3600) + 59
    mcu.run(100)                             # a minute on: read again, from the set RTC
    assert clock.seconds() == device_seconds(T_2026 - 3600) + 60
    assert clock.time() == T_2026 - 3600 + 60


def test_a_clock_never_set_is_none_and_then_set_by_the_host():
    mcu = Mcu()
    clock = clock_on(mcu)
    for _ in range(120):
        assert clock.seconds() is None
        mcu.run(1000)
    assert mcu.reads == 2                    # once a minute while unset too
    clock.set_time(T_2026)
    assert clock.seconds() == device_seconds(T_2026)


def test_seconds_never_go_back_when_ticks_run_ahead_of_the_rtc():
    mcu = Mcu(T_2026, rate=990)             # the RTC loses 1 % against the ticks
    clock = clock_on(mcu)
    previous = clock.seconds()
    for _ in range(600):
        mcu.run(1000)
        now = clock.seconds()
        assert previous <= now <= previous + 1
        previous = now
    assert previous == mcu.rtc_s


def test_seconds_between_reads_allocate_nothing():
    mcu = Mcu(T_2026)
    clock = clock_on(mcu)
    previous = clock.seconds()
    steps = 0
    with heap_locked():
        for _ in range(59):
            mcu.run(1000)
            now = clock.seconds()
            if now == previous + 1:
                steps += 1
            previous = now
    assert steps == 59 and mcu.reads == 1


def test_an_hour_of_seconds_allocates_under_2_bytes_a_second():
    # On the 32-bit build each read of a 1970-epoch port's clock makes long ints (about 100 B
    # with the conversion): once a minute that is under 2 B a second; 0 on 64-bit.
    import gc

    mcu = Mcu(T_2026)
    clock = clock_on(mcu)
    clock.seconds()
    gc.collect()
    gc.disable()
    try:
        before = gc.mem_alloc()
        for _ in range(3600):
            mcu.run(1000)
            clock.seconds()
        allocated = gc.mem_alloc() - before
    finally:
        gc.enable()
    assert mcu.reads == 61 and allocated < 2 * 3600, allocated
