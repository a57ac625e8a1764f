"""The board's clock: monotonic ``ticks_ms``, UTC from the MCU's RTC, and device seconds.

API: MicroPython ``time.ticks_ms``, ``time.ticks_diff``, ``time.time``, ``time.gmtime`` and
``machine.RTC().datetime((y, m, d, weekday, h, m, s, subseconds))``. Ports differ in epoch
(1970 or 2000: ``gmtime(0)`` tells), so UTC is computed from the epoch found. The RTC keeps
running through soft resets and (ESP32) deep sleep but not through power loss: a clock that
reads before 2024 is taken as never set. Where the board has a battery-backed clock chip
(the M5StickC Plus2's BM8563, ``hw.bm8563``), UTC survives power cuts through it.

Light sleep (``hw.boards`` sleeps between FIFO reads) needs no correction here: on the ESP32
port ``time.ticks_ms`` is ``esp_timer_get_time() / 1000`` (ports/esp32/mphalport.c) and
ESP-IDF's ESP Timer "maintains correct time after light sleep" (ESP-IDF API reference, ESP
Timer), while ``time.time`` reads the RTC, which runs through light sleep; the rp2 port keeps
its system timer counting in ``machine.lightsleep`` and re-syncs the time of day on waking.
``tests/portable/test_board_sleep.py`` checks that ticks and the samples read stay in step.

``seconds()``, which the app reads every second, gives device seconds (``logic.localtime``)
without allocating: UTC epoch seconds are long ints on a 32-bit port, so the port's clock is
read only once a minute (and the moment the host sets it); the seconds between follow
``ticks_ms``, never going back. Read at least once every 6 days (``ticks_diff``'s range).
"""

import time

from logic.compat import const
from logic.localtime import device_seconds

_Y2000 = 946684800  # seconds from 1970 to 2000
_VALID_FROM = 1704067200  # 2024-01-01: anything earlier was never set
_ANCHOR_MS = const(60000)  # the port's clock is read again this often


class RtcClock:
    """``rtc``: ``machine.RTC()``. ``backup``: a battery-backed clock chip (``hw.bm8563``)
    that keeps UTC across power cuts, or ``None``: at start an unset MCU clock is set from
    it, and ``set_time`` sets both. ``seconds`` and ``ticks_ms``: the port's ``time.time`` and
    ``time.ticks_ms`` (injected in tests; None: ``time.ticks_ms``).
    """

    def __init__(self, rtc, backup=None, seconds=time.time, ticks_ms=None):
        self._rtc = rtc
        self._backup = backup
        self._seconds = seconds
        self._tick = ticks_ms
        self._epoch = _Y2000 if time.gmtime(0)[0] == 2000 else 0
        # (names the board's qstr pool already holds: docs/architecture.md, "Memory on a board")
        self._last_ticks = -1        # ticks_ms of the last read of the port's clock (-1: none)
        self._anchor = None          # device seconds read then (None: never set)
        self._t = -1                 # device seconds last returned
        self.restored = False        # the time came from the backup clock at start
        if backup is not None and self.time() is None:
            utc = backup.time()
            if utc is not None and utc >= _VALID_FROM:
                self._set_mcu(utc)
                self.restored = True

    def ticks_ms(self):
        if self._tick is None:
            return time.ticks_ms()
        return self._tick()

    def time(self):
        utc = self._seconds() + self._epoch
        return utc if utc >= _VALID_FROM else None

    def seconds(self):
        """Device seconds, or None while never set; allocates nothing between anchors."""
        now = self.ticks_ms()
        since = time.ticks_diff(now, self._last_ticks)
        if self._last_ticks < 0 or since < 0 or since >= _ANCHOR_MS:
            self._last_ticks = now
            self._anchor = device_seconds(self.time())
            since = 0
        if self._anchor is None:
            return None
        t = self._anchor + since // 1000
        if t < self._t:
            t = self._t              # ticks ran ahead of the port's clock: wait for it
        self._t = t
        return t

    def set_time(self, utc_s):
        self._set_mcu(utc_s)
        # the MCU's clock now starts this second: anchor here, and let time go back if set so
        self._last_ticks = self.ticks_ms()
        self._anchor = device_seconds(utc_s)
        self._t = -1
        if self._backup is not None:
            self._backup.set_time(utc_s)

    def _set_mcu(self, utc_s):
        t = time.gmtime(utc_s - self._epoch)
        self._rtc.datetime((t[0], t[1], t[2], t[6], t[3], t[4], t[5], 0))
