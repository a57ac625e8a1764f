"""Model of the BM8563 real-time clock (BM8563 datasheet; same register map as NXP's PCF8563).

Followed: registers 0x00-0x0F with the address auto-incrementing and wrapping from 0x0F to
0x00; power-on reset values Control_Status_1 = 0x08 (TESTC) and VL = 1 in VL_seconds (the
time is not valid until written); STOP (Control_Status_1 bit 5) holds the clock; the seven
BCD time registers 0x02-0x08 count seconds, minutes, hours (24 h), days, weekdays (0-6),
months (with the century bit 7 of 0x07 toggling when the years roll over from 99 to 00) and
years, with the Gregorian month lengths and leap years; VL (bit 7 of 0x02) is written with
the seconds (the only way to clear it) and set when the supply drops below the clock's
minimum (``brown_out``). A burst read sees the registers as they were at its start (the
chip freezes them): here time moves only between transfers (``tick``).
"""

from .register_chip import RegisterChip

_MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _bcd(value):
    return ((value // 10) << 4) | (value % 10)


def _unbcd(byte):
    return (byte >> 4) * 10 + (byte & 0x0F)


def _leap(year):
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


class BM8563Model(RegisterChip):
    def __init__(self, address=0x51):
        super().__init__(address, 1, 1)

    def reset(self):
        super().reset()
        self.regs[0x00] = 0x08   # TESTC set at power-on
        self.regs[0x02] = 0x80   # VL: not valid
        self.regs[0x05] = 0x01   # day 1
        self.regs[0x07] = 0x01   # January

    def next_address(self, reg, first):
        return (reg + 1) & 0x0F

    def brown_out(self):
        """The backup supply fell below the clock's minimum: the time is not to be trusted."""
        self.regs[0x02] |= 0x80

    def tick(self, seconds=1):
        """``seconds`` pass (nothing counts while STOP is set)."""
        if self.regs[0x00] & 0x20:
            return
        r = self.regs
        s = _unbcd(r[0x02] & 0x7F)
        mi = _unbcd(r[0x03] & 0x7F)
        h = _unbcd(r[0x04] & 0x3F)
        d = _unbcd(r[0x05] & 0x3F)
        wd = r[0x06] & 0x07
        mo = _unbcd(r[0x07] & 0x1F)
        century = r[0x07] & 0x80
        y = _unbcd(r[0x08])
        for _ in range(seconds // 86400):       # whole days first, then the rest
            d, wd, mo, y, century = self._next_day(d, wd, mo, y, century)
        s += seconds % 86400
        while s >= 60:
            s -= 60
            mi += 1
            if mi == 60:
                mi = 0
                h += 1
                if h == 24:
                    h = 0
                    d, wd, mo, y, century = self._next_day(d, wd, mo, y, century)
        r[0x02] = (r[0x02] & 0x80) | _bcd(s)
        r[0x03] = _bcd(mi)
        r[0x04] = _bcd(h)
        r[0x05] = _bcd(d)
        r[0x06] = wd
        r[0x07] = century | _bcd(mo)
        r[0x08] = _bcd(y)

    @staticmethod
    def _next_day(d, wd, mo, y, century):
        length = _MONTH_DAYS[mo - 1]
        if mo == 2 and _leap(2000 + y):
            length = 29
        wd = (wd + 1) % 7
        d += 1
        if d > length:
            d = 1
            mo += 1
            if mo == 13:
                mo = 1
                y += 1
                if y == 100:
                    y = 0
                    century ^= 0x80
        return d, wd, mo, y, century
