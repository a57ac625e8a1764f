"""One firmware for all builds: the accelerometer is found by scanning the bus (both interpreters)."""

import sys
from array import array

from chipmodels.bus import Bus
from chipmodels.lis3dh import LIS3DHModel
from chipmodels.lsm6ds import LSM6DSO_ID, LSM6DSModel
from chipmodels.mpu6886 import MPU6050_ID, MPU6886Model
from hw.imu import find_imu
from portable import raises


class OtherChip:
    """A device that answers on the bus but is no accelerometer (e.g. a PMIC or RTC)."""

    def __init__(self, address):
        self.address = address

    def read(self, memaddr, buf):
        for i in range(len(buf)):
            buf[i] = 0xA5

    def write(self, memaddr, data):
        pass


def test_finds_each_chip_among_other_devices():
    cases = (
        (LIS3DHModel(0x19), "LIS3DH"),
        (MPU6886Model(0x68), "MPU6886"),
        (MPU6886Model(0x69, MPU6050_ID), "MPU6050"),
        (LSM6DSModel(0x6A, LSM6DSO_ID), "LSM6DSO"),
        (LSM6DSModel(0x6B), "LSM6DS3TR-C"),
    )
    for chip, name in cases:
        bus = Bus(OtherChip(0x51), OtherChip(0x34), chip)
        imu = find_imu(bus, rate_hz=25, watermark=20)
        assert imu.name == name
        assert imu.watermark == 20
        chip.sample(0, 0, 1000)
        buf = array("h", [0] * 30)
        assert imu.read_into(buf) == 1
        assert abs(buf[2] - 1000) <= 2, (name, list(buf[:3]))


def test_only_the_found_chips_driver_stays_loaded():
    # On a board an imported module's code stays in RAM: the drivers tried and not chosen go.
    for chip, kept in ((LSM6DSModel(0x6A), "lsm6ds"), (LIS3DHModel(0x18), "lis3dh")):
        find_imu(Bus(chip))
        loaded = [name for name in ("lis3dh", "mpu6886", "lsm6ds") if "hw." + name in sys.modules]
        assert loaded == [kept]
    with raises(OSError):
        find_imu(Bus(OtherChip(0x51)))
    assert not [name for name in ("lis3dh", "mpu6886", "lsm6ds") if "hw." + name in sys.modules]


def test_a_wrong_chip_at_an_accelerometer_address_is_skipped():
    # 0x68 is also the address of RTCs such as the DS3231: it must not be taken for an MPU.
    bus = Bus(OtherChip(0x68), LIS3DHModel(0x18))
    assert find_imu(bus).name == "LIS3DH"


def test_no_accelerometer_is_an_oserror_naming_what_answered():
    with raises(OSError) as error:
        find_imu(Bus(OtherChip(0x68), OtherChip(0x51)))
    assert "0x68" in str(error.value) and "0x51" in str(error.value)
