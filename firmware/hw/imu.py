"""Finds which accelerometer is on an I2C bus, so one firmware serves every build.

Each supported family is tried at its own addresses among those that answer ``scan()``; the
first chip whose WHO_AM_I matches is configured and returned. Nothing happens at import.
"""

from hw import lis3dh, lsm6ds, mpu6886

# (module, driver class) in the order they are tried
FAMILIES = (
    (lis3dh, lis3dh.LIS3DH),
    (mpu6886, mpu6886.MPU6886),
    (lsm6ds, lsm6ds.LSM6DS),
)


def find_imu(i2c, rate_hz=25, watermark=25, range_g=2):
    """The configured driver of the first supported accelerometer found on ``i2c``.

    Raises ``OSError`` naming the addresses seen when none is found.
    """
    present = i2c.scan()
    for module, driver in FAMILIES:
        for address in module.ADDRESSES:
            if address in present and module.probe(i2c, address):
                return driver(i2c, address=address, rate_hz=rate_hz, range_g=range_g,
                              watermark=watermark)
    raise OSError("no supported accelerometer on I2C (answering: "
                  + ", ".join("0x%02x" % a for a in present) + ")")
