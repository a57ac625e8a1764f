"""BM8563 real-time clock (the M5StickC Plus2's, I2C address 0x51): UTC across power cuts.

Registers per the BM8563 datasheet (register-compatible with NXP's PCF8563, whose datasheet
section 8 describes the same map): Control_Status_1 0x00 (bit 5 STOP stops the clock, bit 3
TESTC; both 0 to run), Control_Status_2 0x01, then seven BCD time registers read and written
in one burst from 0x02 (the chip freezes them during a burst, so the seven bytes agree):
VL_seconds 0x02 (bit 7 VL: the supply dropped below the clock's minimum, the time is not
to be trusted; cleared only by writing the seconds), minutes 0x03 (bits 6-0), hours 0x04
(bits 5-0, 24 h), days 0x05 (bits 5-0), weekdays 0x06 (bits 2-0, 0-6), century_months 0x07
(bit 7 century, bits 4-0 month), years 0x08 (00-99). The clock here always holds UTC of
2000-2099 with the century bit 0; a read that is out of range is taken as not set.

``Bm8563(i2c, address=0x51)`` raises ``OSError`` when nothing answers; ``time()`` is UTC
epoch seconds or ``None`` (never set, VL set, or nonsense); ``set_time(utc_s)``.
"""

from hw.i2c_regs import Registers

from logic.compat import const

ADDRESS = const(0x51)
_CONTROL_1 = const(0x00)
_CONTROL_2 = const(0x01)
_SECONDS = const(0x02)
_VL = const(0x80)


def _bcd(value):
    return ((value // 10) << 4) | (value % 10)


def _unbcd(byte):
    return (byte >> 4) * 10 + (byte & 0x0F)


def days_from_civil(y, m, d):
    """Days from 1970-01-01 to the proleptic Gregorian date ``y-m-d``."""
    if m <= 2:
        y -= 1
    era = y // 400
    yoe = y - era * 400
    mp = m + 9 if m <= 2 else m - 3
    doy = (153 * mp + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def civil_from_days(z):
    """``(year, month, day)`` of the day ``z`` days after 1970-01-01."""
    z += 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + 3 if mp < 10 else mp - 9
    y = yoe + era * 400 + (1 if m <= 2 else 0)
    return y, m, d


_MONTH_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


class Bm8563(Registers):
    def __init__(self, i2c, address=ADDRESS):
        super().__init__(i2c, address)
        self._time = bytearray(7)
        self._read(_CONTROL_2)               # OSError here: no chip at this address
        if self._read(_CONTROL_1) != 0:
            self._write(_CONTROL_1, 0)       # STOP and TESTC off: the clock runs

    def time(self):
        """UTC epoch seconds, or ``None`` when the clock was never set or lost power."""
        t = self._time
        self._i2c.readfrom_mem_into(self._address, _SECONDS, t)
        if t[0] & _VL:
            return None
        s = _unbcd(t[0] & 0x7F)
        mi = _unbcd(t[1] & 0x7F)
        h = _unbcd(t[2] & 0x3F)
        d = _unbcd(t[3] & 0x3F)
        mo = _unbcd(t[5] & 0x1F)
        y = 2000 + _unbcd(t[6])
        if not (s < 60 and mi < 60 and h < 24 and 1 <= mo <= 12 and 1 <= d <= _MONTH_DAYS[mo - 1]):
            return None
        return ((days_from_civil(y, mo, d) * 24 + h) * 60 + mi) * 60 + s

    def set_time(self, utc_s):
        """Set the clock to ``utc_s`` (2000-2099); clears VL."""
        days = utc_s // 86400
        rest = utc_s - days * 86400
        y, mo, d = civil_from_days(days)
        if not 2000 <= y <= 2099:
            raise ValueError("the BM8563 holds 2000-2099")
        t = self._time
        t[0] = _bcd(rest % 60)               # VL = 0
        t[1] = _bcd(rest // 60 % 60)
        t[2] = _bcd(rest // 3600)
        t[3] = _bcd(d)
        t[4] = (days + 4) % 7                # 1970-01-01 was a Thursday: 0 = Sunday
        t[5] = _bcd(mo)                      # century bit 0: 20xx
        t[6] = _bcd(y - 2000)
        self._i2c.writeto_mem(self._address, _SECONDS, t)
