"""ST LSM6DS3 / LSM6DS3TR-C / LSM6DSO accelerometer over I2C (gyroscope off), FIFO, milli-g.

Follows the datasheets LSM6DS3 and LSM6DS3TR-C (ST datasheets):
register map (FIFO_CTRL1-5 0x06-0x0A, INT1_CTRL 0x0D, WHO_AM_I 0x0F = 0x69 / 0x6A,
CTRL1_XL 0x10, CTRL2_G 0x11, CTRL3_C 0x12, CTRL6_C 0x15, TAP_SRC 0x1C, FIFO_STATUS1-2
0x3A-0x3B, FIFO_DATA_OUT 0x3E-0x3F, TAP_CFG 0x58, TAP_THS_6D 0x59, INT_DUR2 0x5A, WAKE_UP_THS
0x5B, MD1_CFG 0x5E), untagged FIFO counted in 16-bit words with the threshold in words;
and the LSM6DSO datasheet: WHO_AM_I 0x6C, FIFO_CTRL1-4 0x07-0x0A with BDR_XL, tagged FIFO of
7-byte words read at 0x78-0x7E (tag 0x02 = accelerometer), TAP_CFG0-2 0x56-0x58. Sensitivity
(table 3 of each): 0.061/0.122/0.244/0.488 mg/LSB at +-2/4/8/16 g, FS_XL codes 00/10/11/01.
With IF_INC a burst read of the FIFO output registers rolls back to their first address, so
several samples come in one transfer (as ST's and Linux's drivers read them).

The accelerometer has no 25 Hz rate: asked for 25 Hz the chip runs at 26 Hz and the driver
drops one sample in 26, so the app sees 25 samples a second. ``low_power`` clears high
performance (CTRL6_C.XL_HM_MODE = 1): normal/low-power mode, about 25 uA at 26 Hz instead of
~150 uA. INT1 signals the FIFO threshold and double taps. The tap engine is configured, but ST
specifies it for high output rates; at 26 Hz it catches firm taps only.
"""

from logic.compat import const

from hw.i2c_regs import Registers, read_id

_INT1_CTRL = const(0x0D)
_WHO_AM_I = const(0x0F)
_CTRL1_XL = const(0x10)
_CTRL2_G = const(0x11)
_CTRL3_C = const(0x12)
_CTRL6_C = const(0x15)
_TAP_SRC = const(0x1C)
_FIFO_STATUS1 = const(0x3A)
_DS3_FIFO_CTRL1 = const(0x06)
_DS3_FIFO_CTRL3 = const(0x08)
_DS3_FIFO_CTRL5 = const(0x0A)
_DS3_FIFO_OUT = const(0x3E)
_DS3_TAP_CFG = const(0x58)
_DSO_FIFO_CTRL1 = const(0x07)
_DSO_FIFO_CTRL3 = const(0x09)
_DSO_FIFO_CTRL4 = const(0x0A)
_DSO_FIFO_TAG = const(0x78)
_DSO_TAP_CFG0 = const(0x56)
_TAP_THS_6D = const(0x59)
_INT_DUR2 = const(0x5A)
_WAKE_UP_THS = const(0x5B)
_MD1_CFG = const(0x5E)

_ID_DS3 = const(0x69)
_ID_DS3TRC = const(0x6A)
_ID_DSO = const(0x6C)
# Bits (1 << n: bit n) and field values, under the register that holds them.
# CTRL3_C: block data update, address auto-increment; CTRL6_C: high-performance off
_BDU_IF_INC = const(1 << 6 | 1 << 2)
_XL_HM_MODE = const(1 << 4)
# INT1_CTRL: INT1 on the FIFO threshold; MD1_CFG: INT1 on a double tap
_INT1_FIFO_TH = const(1 << 3)
_INT1_DOUBLE_TAP = const(1 << 3)
# WAKE_UP_THS: single and double tap; FIFO mode (FIFO_CTRL5 / FIFO_CTRL4): continuous
_DOUBLE_TAP_ON = const(1 << 7)
_CONTINUOUS = const(6)
# FIFO_STATUS2: overrun; TAP_SRC: a tap event, a double one; the DSO FIFO's accelerometer tag
_OVERRUN = const(1 << 6)
_TAP_IA = const(1 << 6)
_DOUBLE_TAP = const(1 << 4)
_TAG_ACCEL = const(0x02)

ADDRESSES = (0x6A, 0x6B)
CHIPS = {_ID_DS3: "LSM6DS3", _ID_DS3TRC: "LSM6DS3TR-C", _ID_DSO: "LSM6DSO"}
# output rate -> (ODR code, drop one sample in 26)
RATES = {25: (2, True), 26: (2, False), 52: (3, False), 104: (4, False), 208: (5, False),
         416: (6, False)}
RANGES = {2: (0, 61), 4: (2, 122), 8: (3, 244), 16: (1, 488)}  # FS_XL code, mg/LSB x 1000


def probe(i2c, address):
    """True if one of the supported LSM6DS chips answers at ``address``."""
    return read_id(i2c, address, _WHO_AM_I) in CHIPS


class LSM6DS(Registers):
    """Any of the three chips, told apart by WHO_AM_I; ``watermark`` in samples (1..100)."""

    def __init__(self, i2c, address=0x6A, rate_hz=25, range_g=2, watermark=25,
                 low_power=True, tap=True):
        if rate_hz not in RATES:
            raise ValueError("LSM6DS rate must be one of " + str(sorted(RATES)))
        if range_g not in RANGES:
            raise ValueError("LSM6DS range must be 2, 4, 8 or 16 g")
        if not 1 <= watermark <= 100:
            raise ValueError("LSM6DS watermark must be 1..100 samples")
        Registers.__init__(self, i2c, address)
        self._status = bytearray(2)
        chip = i2c.readfrom_mem(address, _WHO_AM_I, 1)[0]
        if chip not in CHIPS:
            raise OSError("no LSM6DS at 0x%02x (WHO_AM_I 0x%02x)" % (address, chip))
        self.name = CHIPS[chip]
        self._tagged = chip == _ID_DSO
        self._frame = 7 if self._tagged else 6
        self._out = _DSO_FIFO_TAG if self._tagged else _DS3_FIFO_OUT
        self.rate_hz = rate_hz
        self.range_g = range_g
        self.watermark = watermark
        self.low_power = low_power
        self.watermark_irq = True
        self.tap_engine = bool(tap)
        self.overruns = 0
        odr, self._drop = RATES[rate_hz]
        fs, self._mg_x1000 = RANGES[range_g]
        self._phase = 0
        self._fifo_buffers(self._frame, watermark)
        self._configure(chip, odr, fs, tap)

    def _configure(self, chip, odr, fs, tap):
        self._write(_CTRL1_XL, 0)
        self._write(_CTRL2_G, 0)  # gyroscope powered down
        self._write(_CTRL3_C, _BDU_IF_INC)
        self._write(_CTRL6_C, _XL_HM_MODE if self.low_power else 0)
        if self._tagged:
            self._write(_DSO_FIFO_CTRL4, 0)  # bypass empties the FIFO
            self._write(_DSO_FIFO_CTRL1, self.watermark & 0xFF)
            self._write(_DSO_FIFO_CTRL1 + 1, self.watermark >> 8)
            self._write(_DSO_FIFO_CTRL3, odr)  # batch the accelerometer at its rate
            self._write(_DSO_FIFO_CTRL4, _CONTINUOUS)
        else:
            words = 3 * self.watermark
            self._write(_DS3_FIFO_CTRL5, 0)
            self._write(_DS3_FIFO_CTRL1, words & 0xFF)
            self._write(_DS3_FIFO_CTRL1 + 1, words >> 8)
            self._write(_DS3_FIFO_CTRL3, 0x01)  # accelerometer, no decimation; no gyro
            self._write(_DS3_FIFO_CTRL5, (odr << 3) | _CONTINUOUS)
        if tap:
            # threshold ~1.25 g: 5 bits of FS/32 each
            threshold = min(31, 40 // self.range_g)
            if self._tagged:
                self._write(_DSO_TAP_CFG0, 0x0F)  # X, Y, Z taps, latched
                self._write(_DSO_TAP_CFG0 + 1, threshold)
                self._write(_DSO_TAP_CFG0 + 2, 0x80 | threshold)  # INTERRUPTS_ENABLE
                self._write(_TAP_THS_6D, threshold)
            else:
                # bit 7 is INTERRUPTS_ENABLE on the TR-C, TIMER_EN on the LSM6DS3
                self._write(_DS3_TAP_CFG, (0x80 if chip == _ID_DS3TRC else 0) | 0x0F)
                self._write(_TAP_THS_6D, threshold)
            self._write(_INT_DUR2, 0x21)  # gap 2, quiet 0, shock 1 (in ODR periods)
            self._write(_WAKE_UP_THS, _DOUBLE_TAP_ON)
            self._write(_MD1_CFG, _INT1_DOUBLE_TAP)
        self._write(_INT1_CTRL, _INT1_FIFO_TH)
        self._write(_CTRL1_XL, (odr << 4) | (fs << 2))

    def _words(self):
        self._i2c.readfrom_mem_into(self._address, _FIFO_STATUS1, self._status)
        if self._status[1] & _OVERRUN:
            self.overruns += 1
        high = self._status[1] & (0x03 if self._tagged else 0x0F)
        return (high << 8) | self._status[0]

    def available(self):
        """Chip samples waiting in the FIFO (before dropping to 25 Hz)."""
        words = self._words()
        return words if self._tagged else words // 3

    def read_into(self, buf):
        """Move up to ``len(buf) // 3`` samples into ``buf`` (x, y, z milli-g); the count."""
        return self._drain(self._out, min(self.available(), len(buf) // 3), buf)

    def _convert(self, raw, count, buf, at):
        scale = self._mg_x1000
        frame = self._frame
        skip = 1 if self._tagged else 0
        for n in range(count):
            start = n * frame
            if skip and (raw[start] >> 3) != _TAG_ACCEL:
                continue
            if self._drop:
                self._phase += 1
                if self._phase == 26:
                    self._phase = 0
                    continue
            for axis in range(3):
                i = start + skip + 2 * axis
                value = raw[i] | (raw[i + 1] << 8)
                if value & 0x8000:
                    value -= 0x10000
                buf[at] = (value * scale + 500) // 1000
                at += 1
        return at

    def taps(self):
        """Double taps latched since the last call (0 or 1)."""
        src = self._read(_TAP_SRC)
        return 1 if (src & _TAP_IA) and (src & _DOUBLE_TAP) else 0

    def power_down(self):
        """Accelerometer power-down (CTRL1_XL ODR = 0): a few uA."""
        self._write(_CTRL1_XL, 0)
