"""ST LIS3DH / LIS2DH12 accelerometer over I2C: FIFO with watermark, double-click, milli-g.

Follows the LIS3DH datasheet (DocID17530): the register map and descriptions of CTRL_REG1
(ODR, LPen), CTRL_REG3 (INT1 sources), CTRL_REG4 (FS, HR), CTRL_REG5 (FIFO_EN),
FIFO_CTRL_REG, FIFO_SRC_REG and CLICK_*; the sensitivity per mode and range (mechanical
characteristics table); and application note AN3308 (its FIFO and click sections).
The LIS2DH12 (DocID025056) has the same WHO_AM_I (0x33), registers and sensitivities.

Output is left-justified two's complement: 8 bits in low-power mode, 10 in normal mode, 12 in
high-resolution mode. Reading with the sub-address MSB set auto-increments, and with the FIFO
on the address rolls from OUT_Z_H back to OUT_X_L (AN3308, FIFO section), so one burst
read fetches several samples. The FIFO runs in stream mode; INT1 goes high when it holds more
than FTH samples (FTH = watermark - 1) and on a double click.
"""

from logic.compat import const

from hw.i2c_regs import Registers, read_id

# The register map (section 7), each register followed by the bits (1 << n: bit n) used in it.
_WHO_AM_I = const(0x0F)
_CHIP_ID = const(0x33)
_CTRL_REG1 = const(0x20)
_LPEN = const(1 << 3)               # low-power mode
_XYZ_EN = const(0x07)               # the three axes on
_CTRL_REG3 = const(0x22)
_I1_CLICK = const(1 << 7)           # INT1 on a click ...
_I1_WTM = const(1 << 2)             # ... and on the FIFO watermark
_CTRL_REG4 = const(0x23)
_BDU = const(1 << 7)                # block data update
_HR = const(1 << 3)                 # high resolution
_CTRL_REG5 = const(0x24)
_FIFO_EN = const(1 << 6)
_OUT_X_L = const(0x28)
_FIFO_CTRL = const(0x2E)
_STREAM_MODE = const(2 << 6)        # FM = 10
_FIFO_SRC = const(0x2F)
_OVRN = const(1 << 6)
_CLICK_CFG = const(0x38)
_DOUBLE_XYZ = const(0x2A)           # ZD, YD, XD
_CLICK_SRC = const(0x39)
_CLICK_IA = const(1 << 6)
_DCLICK = const(1 << 5)
_CLICK_THS = const(0x3A)
_LIR_CLICK = const(1 << 7)          # the click latched until CLICK_SRC is read
_TIME_LIMIT = const(0x3B)
_TIME_LATENCY = const(0x3C)
_TIME_WINDOW = const(0x3D)
_AUTO_INCREMENT = const(0x80)       # sub-address MSB: read several registers in one burst
_FIFO_DEPTH = const(32)

ADDRESSES = (0x18, 0x19)
# CTRL_REG1 ODR codes for the rates used in normal/low-power mode.
RATES = {1: 1, 10: 2, 25: 3, 50: 4, 100: 5, 200: 6, 400: 7}
RANGES = {2: 0, 4: 1, 8: 2, 16: 3}
# mg per digit (mechanical characteristics table), indexed by FS code, and the right shift
# that aligns the digit.
_SENSITIVITY = {
    "low_power": ((16, 32, 64, 192), 8),
    "normal": ((4, 8, 16, 48), 6),
    "high_res": ((1, 2, 4, 12), 4),
}


def probe(i2c, address):
    """True if a LIS3DH/LIS2DH12 answers at ``address`` (False on no answer or another chip)."""
    return read_id(i2c, address, _WHO_AM_I) == _CHIP_ID


class LIS3DH(Registers):
    """The chip configured for ``rate_hz`` and ``range_g``, FIFO watermark ``watermark``.

    ``mode`` is ``"low_power"`` (8 bit, least current), ``"normal"`` (10 bit) or
    ``"high_res"`` (12 bit). Raises ``OSError`` if another chip answers, ``ValueError`` for a
    rate, range, mode or watermark the chip does not have.
    """

    name = "LIS3DH"

    def __init__(self, i2c, address=0x18, rate_hz=25, range_g=2, watermark=25,
                 mode="normal", tap=True):
        if rate_hz not in RATES:
            raise ValueError("LIS3DH rate must be one of " + str(sorted(RATES)))
        if range_g not in RANGES:
            raise ValueError("LIS3DH range must be 2, 4, 8 or 16 g")
        if mode not in _SENSITIVITY:
            raise ValueError("LIS3DH mode must be low_power, normal or high_res")
        if not 1 <= watermark < _FIFO_DEPTH:
            raise ValueError("LIS3DH watermark must be 1..31 samples")
        Registers.__init__(self, i2c, address)
        chip = i2c.readfrom_mem(address, _WHO_AM_I, 1)[0]
        if chip != _CHIP_ID:
            raise OSError("no LIS3DH at 0x%02x (WHO_AM_I 0x%02x)" % (address, chip))
        self.rate_hz = rate_hz
        self.range_g = range_g
        self.mode = mode
        self.watermark = watermark
        self.overruns = 0
        self.tap_engine = bool(tap)
        self.watermark_irq = True
        sensitivities, self._shift = _SENSITIVITY[mode]
        fs = RANGES[range_g]
        self._mg_per_digit = sensitivities[fs]
        self._fifo_buffers(6, watermark)
        self._configure(RATES[rate_hz], fs, tap)

    def _configure(self, odr, fs, tap):
        self._write(_CTRL_REG1, 0)  # power down while configuring
        self._write(_CTRL_REG4, _BDU | (fs << 4) | (_HR if self.mode == "high_res" else 0))
        self._write(_FIFO_CTRL, 0)  # bypass mode empties the FIFO (AN3308, FIFO modes)
        self._write(_CTRL_REG5, _FIFO_EN)
        self._write(_FIFO_CTRL, _STREAM_MODE | (self.watermark - 1))
        if tap:
            # Double click on any axis (AN3308, click section): threshold ~1.5 g whatever the range,
            # limits in ODR periods: at 25 Hz a click under 80 ms, a second within 400 ms.
            self._write(_CLICK_THS, _LIR_CLICK | min(127, 1500 // (16 << fs)))
            self._write(_TIME_LIMIT, 2)
            self._write(_TIME_LATENCY, 3)
            self._write(_TIME_WINDOW, 10)
            self._write(_CLICK_CFG, _DOUBLE_XYZ)
        else:
            self._write(_CLICK_CFG, 0)
        self._write(_CTRL_REG3, _I1_WTM | (_I1_CLICK if tap else 0))
        lpen = _LPEN if self.mode == "low_power" else 0
        self._write(_CTRL_REG1, (odr << 4) | lpen | _XYZ_EN)

    def available(self):
        """Samples waiting in the FIFO (32 when it has overrun)."""
        src = self._read(_FIFO_SRC)
        if src & _OVRN:
            return _FIFO_DEPTH
        return src & 0x1F

    def read_into(self, buf):
        """Move up to ``len(buf) // 3`` samples into ``buf`` (x, y, z milli-g); the count."""
        src = self._read(_FIFO_SRC)
        if src & _OVRN:
            self.overruns += 1
            waiting = _FIFO_DEPTH
        else:
            waiting = src & 0x1F
        return self._drain(_OUT_X_L | _AUTO_INCREMENT, min(waiting, len(buf) // 3), buf)

    def _convert(self, raw, count, buf, at):
        shift = self._shift
        scale = self._mg_per_digit
        for i in range(count * 3):
            value = raw[2 * i] | (raw[2 * i + 1] << 8)
            if value & 0x8000:
                value -= 0x10000
            buf[at + i] = (value >> shift) * scale
        return at + 3 * count

    def taps(self):
        """Double clicks latched since the last call (0 or 1: the chip latches one)."""
        src = self._read(_CLICK_SRC)  # reading clears the latch
        return 1 if (src & _CLICK_IA) and (src & _DCLICK) else 0

    def power_down(self):
        """Stop sampling (CTRL_REG1 ODR = 0): about 0.5 uA."""
        self._write(_CTRL_REG1, 0)
