"""The MPU6886/MPU6050 driver against the datasheet model of the chips (both interpreters)."""

from array import array

from chipmodels.bus import Bus
from chipmodels.mpu6886 import MPU6050_ID, MPU6886_ID, MPU6886Model
from hw.mpu6886 import MPU6886, probe
from portable import heap_locked, raises


def make(who_am_i=MPU6886_ID, **options):
    chip = MPU6886Model(0x68, who_am_i)
    return chip, MPU6886(Bus(chip), **options)


def test_wakes_the_accelerometer_only_at_25_hz_with_the_fifo_on():
    chip, imu = make()
    assert imu.name == "MPU6886"
    assert chip.regs[0x6B] & 0x40 == 0  # awake
    assert chip.regs[0x6C] == 0x07  # gyro standby, accelerometer on
    assert 1000 // (1 + chip.regs[0x19]) == 25
    assert chip.regs[0x6A] & 0x40 and chip.regs[0x23] & 0x08
    assert chip.watermark_bytes() == 25 * 8


def test_wrong_chip_or_no_chip_is_an_oserror():
    with raises(OSError):
        make(who_am_i=0x70)
    with raises(OSError):
        MPU6886(Bus(), address=0x68)
    assert probe(Bus(MPU6886Model(0x68, MPU6050_ID)), 0x68)
    assert not probe(Bus(MPU6886Model(0x68, 0x12)), 0x68)


def test_bad_rate_range_or_watermark_is_a_valueerror():
    for options in ({"rate_hz": 26}, {"rate_hz": 2000}, {"range_g": 6}, {"watermark": 0},
                    {"watermark": 100}):
        with raises(ValueError):
            make(**options)
    with raises(ValueError):
        make(who_am_i=MPU6050_ID, low_power=True)


def test_scaling_for_every_range_on_both_chips():
    buf = array("h", [0] * 9)
    for who in (MPU6886_ID, MPU6050_ID):
        for range_g, lsb_per_g in ((2, 16384), (4, 8192), (8, 4096), (16, 2048)):
            chip, imu = make(who, range_g=range_g, watermark=3)
            chip.sample(1000, -250, 123, temp_raw=0x1234)
            chip.sample(range_g * 1000 + 500, -range_g * 1000 - 500, 0)
            assert imu.read_into(buf) == 2
            assert buf[0] == 1000 and buf[1] == -250, (who, range_g, list(buf))
            assert abs(buf[2] - 123) * lsb_per_g <= 1000, (who, range_g, buf[2])
            assert buf[3] == (32767 * 1000 + lsb_per_g // 2) // lsb_per_g
            assert buf[4] == -range_g * 1000


def test_watermark_flag_and_reading_in_order():
    chip, imu = make(watermark=25)
    for i in range(24):
        chip.sample(i * 10, 0, 1000)
    assert not chip.int_pin()
    chip.sample(240, 0, 1000)
    assert chip.int_pin()
    assert imu.available() == 25
    buf = array("h", [0] * 3 * 40)
    assert imu.read_into(buf) == 25
    assert [buf[3 * i] for i in range(25)] == [i * 10 for i in range(25)]
    assert not chip.int_pin()
    assert imu.read_into(buf) == 0


def test_mpu6050_reads_six_byte_samples_and_signals_data_ready():
    chip, imu = make(MPU6050_ID, watermark=5)
    assert imu.name == "MPU6050" and not imu.watermark_irq
    chip.sample(0, 500, -1000)
    assert chip.int_pin()  # data ready
    chip.sample(8, 16, 32)
    buf = array("h", [0] * 3 * 8)
    assert imu.read_into(buf) == 2
    assert list(buf[:6]) == [0, 500, -1000, 8, 16, 32]


def test_overflow_is_counted_and_the_fifo_restarts():
    chip, imu = make(watermark=25)
    for i in range(130):  # 128 samples fill the 1 KB FIFO
        chip.sample(i, 0, 0)
    buf = array("h", [0] * 3 * 40)
    assert imu.read_into(buf) == 0
    assert imu.overruns == 1
    chip.sample(7, 8, 9)
    assert imu.read_into(buf) == 1 and list(buf[:3]) == [7, 8, 9]


def test_read_into_allocates_nothing():
    chip, imu = make(watermark=25)
    buf = array("h", [0] * 3 * 40)
    for i in range(33):
        chip.sample(i, -i, 1000)
    with heap_locked():
        n = imu.read_into(buf)
        taps = imu.taps()
    assert n == 33 and taps == 0


def test_low_power_mode_and_power_down():
    chip, imu = make(low_power=True)
    assert chip.regs[0x6B] & 0x20  # CYCLE
    imu.power_down()
    chip.sample(0, 0, 1000)
    assert imu.available() == 0
