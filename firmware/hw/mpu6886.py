"""InvenSense/TDK MPU6886 (M5StickC Plus2) and MPU6050 accelerometer over I2C, FIFO, milli-g.

Follows the MPU-6886 datasheet (TDK InvenSense, rev 1.1): register map (SMPLRT_DIV 0x19, CONFIG
0x1A with FIFO_MODE, ACCEL_CONFIG 0x1C, ACCEL_CONFIG2 0x1D, FIFO_EN 0x23, INT_PIN_CFG 0x37,
INT_ENABLE 0x38, FIFO_WM_INT_STATUS 0x39, INT_STATUS 0x3A, FIFO_WM_TH 0x60-0x61, USER_CTRL
0x6A, PWR_MGMT_1/2 0x6B-0x6C, FIFO_COUNT 0x72-0x73, FIFO_R_W 0x74, WHO_AM_I 0x75 = 0x19),
accelerometer sensitivity (16384/8192/4096/2048 LSB/g) and the accelerometer
low-power mode (CYCLE bit); and the MPU-6000/6050 register map (RM-MPU-6000A rev 4.2:
WHO_AM_I 0x75 = 0x68, same FIFO and sensitivity registers, no watermark, no accel-only
low-power mode at 25 Hz). The MPU6886 stores accelerometer and temperature together (8 bytes a
sample, big-endian) when ACCEL_FIFO_EN is set; the MPU6050 stores the accelerometer alone (6).
Neither chip has a tap engine: ``taps()`` returns 0 and the app detects taps in the samples.

The gyroscope stays in standby. The sample rate is 1 kHz / (1 + SMPLRT_DIV) with the digital
low-pass filters on (accelerometer bandwidth ~10 Hz for 25 Hz output). INT is active high and
latched until read; on the MPU6886 it signals the FIFO watermark, on the MPU6050 data ready.
"""

from logic.compat import const

from hw.i2c_regs import Registers, read_id

# The register map, each register followed by the bits (1 << n: bit n) used in it.
_SMPLRT_DIV = const(0x19)
_CONFIG = const(0x1A)
_ACCEL_CONFIG = const(0x1C)
_ACCEL_CONFIG2 = const(0x1D)
_FIFO_EN = const(0x23)
_ACCEL_FIFO = const(1 << 3)         # the accelerometer into the FIFO
_INT_PIN_CFG = const(0x37)
_LATCH_UNTIL_READ = const(1 << 5 | 1 << 4)
_INT_ENABLE = const(0x38)           # (and INT_STATUS, the same bits)
_FIFO_OFLOW = const(1 << 4)
_DATA_RDY = const(1 << 0)
_INT_STATUS = const(0x3A)
_FIFO_WM_TH1 = const(0x60)
_USER_CTRL = const(0x6A)
_FIFO_ENABLE = const(1 << 6)
_FIFO_RESET = const(1 << 2)
_PWR_MGMT_1 = const(0x6B)
_CYCLE = const(1 << 5)
_CLOCK_AUTO = const(1)              # CLKSEL = 1
_PWR_MGMT_2 = const(0x6C)
_GYRO_STANDBY = const(0x07)         # the three gyro axes in standby
_FIFO_COUNTH = const(0x72)
_FIFO_R_W = const(0x74)
_WHO_AM_I = const(0x75)

_ID_MPU6886 = const(0x19)
_ID_MPU6050 = const(0x68)
_FIFO_BYTES = const(1024)

ADDRESSES = (0x68, 0x69)
CHIPS = {_ID_MPU6886: "MPU6886", _ID_MPU6050: "MPU6050"}
RANGES = {2: 0, 4: 1, 8: 2, 16: 3}


def probe(i2c, address):
    """True if an MPU6886 or MPU6050 answers at ``address``."""
    return read_id(i2c, address, _WHO_AM_I) in CHIPS


class MPU6886(Registers):
    """Either chip, told apart by WHO_AM_I, configured for ``rate_hz`` and ``range_g``.

    ``rate_hz`` must divide 1000 (4..1000 Hz). ``low_power`` selects the MPU6886's
    accelerometer low-power (duty-cycled) mode; the MPU6050 has none at these rates.
    """

    def __init__(self, i2c, address=0x68, rate_hz=25, range_g=2, watermark=25,
                 low_power=False):
        if rate_hz < 4 or rate_hz > 1000 or 1000 % rate_hz:
            raise ValueError("MPU6886 rate must divide 1000 Hz (4..1000)")
        if range_g not in RANGES:
            raise ValueError("MPU6886 range must be 2, 4, 8 or 16 g")
        Registers.__init__(self, i2c, address)
        self._count = bytearray(2)
        chip = i2c.readfrom_mem(address, _WHO_AM_I, 1)[0]
        if chip not in CHIPS:
            raise OSError("no MPU6886/MPU6050 at 0x%02x (WHO_AM_I 0x%02x)" % (address, chip))
        self.name = CHIPS[chip]
        self._frame = 8 if chip == _ID_MPU6886 else 6
        if not 1 <= watermark <= _FIFO_BYTES // self._frame // 2:
            raise ValueError("MPU6886 watermark must be 1..%d samples"
                             % (_FIFO_BYTES // self._frame // 2))
        if low_power and chip != _ID_MPU6886:
            raise ValueError("the MPU6050 has no accelerometer low-power mode with a FIFO")
        self.watermark_irq = chip == _ID_MPU6886
        self.tap_engine = False
        self.rate_hz = rate_hz
        self.range_g = range_g
        self.watermark = watermark
        self.low_power = low_power
        self.overruns = 0
        fs = RANGES[range_g]
        self._shift = 14 - fs  # 16384 >> fs LSB per g
        self._fifo_buffers(self._frame, watermark)
        self._configure(fs, chip)

    def _configure(self, fs, chip):
        self._write(_PWR_MGMT_1, _CLOCK_AUTO)  # wake from sleep
        self._write(_PWR_MGMT_2, _GYRO_STANDBY)
        self._write(_SMPLRT_DIV, 1000 // self.rate_hz - 1)
        self._write(_ACCEL_CONFIG, fs << 3)
        if chip == _ID_MPU6886:
            # FIFO_MODE=1: a full FIFO keeps its (aligned) samples; gyro DLPF on so the
            # 1 kHz internal rate and SMPLRT_DIV apply; accel DLPF 5 (~10 Hz), 4-sample average.
            self._write(_CONFIG, 0x40 | 1)
            self._write(_ACCEL_CONFIG2, 0x05)
            threshold = self.watermark * self._frame
            self._i2c.writeto_mem(self._address, _FIFO_WM_TH1,
                                  bytes((threshold >> 8, threshold & 0xFF)))
            self._write(_INT_ENABLE, _FIFO_OFLOW)
        else:
            self._write(_CONFIG, 5)  # DLPF ~10 Hz, 1 kHz internal rate
            self._write(_INT_ENABLE, _FIFO_OFLOW | _DATA_RDY)
        self._write(_INT_PIN_CFG, _LATCH_UNTIL_READ)
        self._write(_FIFO_EN, _ACCEL_FIFO)
        self._write(_USER_CTRL, _FIFO_RESET)
        self._write(_USER_CTRL, _FIFO_ENABLE)
        if self.low_power:
            self._write(_PWR_MGMT_1, _CYCLE | _CLOCK_AUTO)

    def available(self):
        """Whole samples waiting in the FIFO."""
        self._i2c.readfrom_mem_into(self._address, _FIFO_COUNTH, self._count)
        return (((self._count[0] & 0x1F) << 8) | self._count[1]) // self._frame

    def read_into(self, buf):
        """Move up to ``len(buf) // 3`` samples into ``buf`` (x, y, z milli-g); the count.

        After an overflow the FIFO is reset (the MPU6050 would be misaligned) and counted in
        ``overruns``; the samples it held are lost.
        """
        if self._read(_INT_STATUS) & _FIFO_OFLOW:
            self.overruns += 1
            self._write(_USER_CTRL, _FIFO_ENABLE | _FIFO_RESET)
            return 0
        return self._drain(_FIFO_R_W, min(self.available(), len(buf) // 3), buf)

    def _convert(self, raw, count, buf, at):
        shift = self._shift
        half = 1 << (shift - 1)
        frame = self._frame
        for n in range(count):
            for axis in range(3):
                i = n * frame + 2 * axis
                value = (raw[i] << 8) | raw[i + 1]
                if value & 0x8000:
                    value -= 0x10000
                buf[at + 3 * n + axis] = (value * 1000 + half) >> shift
        return at + 3 * count

    def taps(self):
        """No tap engine on these chips."""
        return 0

    def power_down(self):
        """Sleep (PWR_MGMT_1 SLEEP): a few uA."""
        self._write(_PWR_MGMT_1, 0x40)
