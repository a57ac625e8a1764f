"""Finds which accelerometer is on an I2C bus, so one firmware serves every build.

API: MicroPython ``machine.I2C`` (``scan``, ``readfrom_mem``); each chip's register map and
WHO_AM_I value are cited in its driver (``hw.lis3dh``, ``hw.mpu6886``, ``hw.lsm6ds``).
Each supported family is tried at its own addresses among those that answer ``scan()``; the
first chip whose WHO_AM_I matches is configured and returned. Nothing happens at import.

Power: every chip is left in its lowest-current mode that still gives the detector milli-g
gravity at 25 Hz (docs/power.md): the LIS3DH/LIS2DH12 in normal mode (10 bit, 6 uA at 25 Hz;
its 8-bit low-power mode saves 2 uA but quantises to 16 mg), the LSM6DS family with high
performance off (its driver's default), the MPU6886 in its accelerometer low-power (duty
cycled, ``CYCLE``) mode with the gyroscope in standby (MPU-6886 datasheet, power modes; the
MPU6050 has no such mode with a FIFO at 25 Hz and runs normally).
"""

import sys

from hw import unload

# (driver module in package ``hw``, its class) in the order they are tried; a driver is
# imported only to be tried, and only the one of the chip found stays in RAM
FAMILIES = (
    ("lis3dh", "LIS3DH"),
    ("mpu6886", "MPU6886"),
    ("lsm6ds", "LSM6DS"),
)


def _driver(name):
    __import__("hw." + name)
    return sys.modules["hw." + name]


def _configure(name, driver, i2c, address, rate_hz, range_g, watermark):
    if name == "mpu6886":
        try:
            return driver(i2c, address=address, rate_hz=rate_hz, range_g=range_g,
                          watermark=watermark, low_power=True)
        except ValueError:
            pass  # an MPU6050 (no low-power mode with a FIFO), or a bad argument: asked again
    return driver(i2c, address=address, rate_hz=rate_hz, range_g=range_g, watermark=watermark)


def find_imu(i2c, rate_hz=25, watermark=25, range_g=2):
    """The configured driver of the first supported accelerometer found on ``i2c``.

    Raises ``OSError`` naming the addresses seen when none is found.
    """
    present = i2c.scan()
    chip = None
    for name, driver in FAMILIES:
        if chip is None:
            module = _driver(name)
            for address in module.ADDRESSES:
                if address in present and module.probe(i2c, address):
                    chip = _configure(name, getattr(module, driver), i2c, address, rate_hz,
                                      range_g, watermark)
                    break
            if chip is not None:
                continue
        unload(name)
    if chip is None:
        raise OSError("no supported accelerometer on I2C (answering: "
                      + ", ".join("0x%02x" % a for a in present) + ")")
    return chip


class LateImu:
    """The accelerometer as the app uses it, found again whenever it stops answering.

    At boot, and after any failed transfer, the next ``available``/``read_into`` scans the bus
    and configures the chip again (``find_imu``: a chip that lost power has lost its set-up
    too). While none answers they raise ``OSError``, which the app retries with a back-off:
    a missing or failing chip never leaves the clip stuck at the REPL.
    """

    def __init__(self, i2c, rate_hz=25, watermark=25, range_g=2):
        self._i2c = i2c
        self.rate_hz = rate_hz
        self.watermark = watermark
        self._range_g = range_g
        self.chip = None
        try:
            self._found()
        except OSError:
            pass
        # as the chip found at boot has them; one found later is read on a timer, taps from
        # the samples
        self.watermark_irq = self.chip is not None and self.chip.watermark_irq
        self.tap_engine = self.chip is not None and self.chip.tap_engine

    @property
    def name(self):
        return self.chip.name if self.chip is not None else "no accelerometer"

    def _found(self):
        if self.chip is None:
            self.chip = find_imu(self._i2c, rate_hz=self.rate_hz, watermark=self.watermark,
                                 range_g=self._range_g)
        return self.chip

    def available(self):
        try:
            return self._found().available()
        except OSError:
            self.chip = None
            raise

    def read_into(self, buf):
        try:
            return self._found().read_into(buf)
        except OSError:
            self.chip = None
            raise

    def taps(self):
        chip = self.chip
        if chip is None or not self.tap_engine:
            return 0
        try:
            return chip.taps()
        except OSError:
            self.chip = None
            raise
