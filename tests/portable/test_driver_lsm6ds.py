"""The LSM6DS3 / LSM6DS3TR-C / LSM6DSO driver against the datasheet models (both interpreters)."""

from array import array

from chipmodels.bus import Bus
from chipmodels.lsm6ds import LSM6DS3_ID, LSM6DS3TRC_ID, LSM6DSO_ID, LSM6DSModel
from hw.lsm6ds import LSM6DS, probe
from portable import heap_locked, raises

VARIANTS = ((LSM6DS3_ID, "LSM6DS3"), (LSM6DS3TRC_ID, "LSM6DS3TR-C"), (LSM6DSO_ID, "LSM6DSO"))


def make(who_am_i=LSM6DS3TRC_ID, **options):
    chip = LSM6DSModel(0x6B, who_am_i)
    return chip, LSM6DS(Bus(chip), address=0x6B, **options)


def test_each_variant_is_named_and_batches_the_accelerometer_only():
    for who, name in VARIANTS:
        chip, imu = make(who)
        assert imu.name == name
        assert chip.odr_code() == 2  # 26 Hz
        assert chip.regs[0x11] == 0  # gyroscope off
        assert chip.fifo_mode() == 6
        assert chip.threshold_words() == (25 if who == LSM6DSO_ID else 75)
        assert chip.regs[0x15] & 0x10  # high performance off: low-power mode


def test_wrong_chip_or_no_chip_is_an_oserror():
    with raises(OSError):
        make(0x33)
    with raises(OSError):
        LSM6DS(Bus(), address=0x6A)
    assert probe(Bus(LSM6DSModel(0x6A, LSM6DSO_ID)), 0x6A)
    assert not probe(Bus(LSM6DSModel(0x6A, 0x33)), 0x6A)


def test_bad_rate_range_or_watermark_is_a_valueerror():
    for options in ({"rate_hz": 30}, {"range_g": 3}, {"watermark": 0}, {"watermark": 500}):
        with raises(ValueError):
            make(**options)


def test_scaling_for_every_range_on_every_variant():
    buf = array("h", [0] * 6)
    for who, _ in VARIANTS:
        for range_g, per_lsb_x1000 in ((2, 61), (4, 122), (8, 244), (16, 488)):
            chip, imu = make(who, range_g=range_g, rate_hz=26, watermark=2)
            chip.sample(1000, -500, 333)
            chip.sample(range_g * 1000 + 800, -range_g * 1000 - 800, 0)
            assert imu.read_into(buf) == 2
            step = (per_lsb_x1000 + 999) // 1000 + 1  # within one LSB after rounding
            for got, want in zip(buf[:3], (1000, -500, 333)):
                assert abs(got - want) <= step, (who, range_g, list(buf))
            assert buf[3] == (32767 * per_lsb_x1000 + 500) // 1000
            assert buf[4] == (-32768 * per_lsb_x1000 + 500) // 1000


def test_threshold_raises_int1_and_reads_come_in_order():
    for who, _ in VARIANTS:
        chip, imu = make(who, rate_hz=26, watermark=20)
        for i in range(19):
            chip.sample(i * 10, 0, 1000)
        assert not chip.int1()
        chip.sample(190, 0, 1000)
        assert chip.int1()
        buf = array("h", [0] * 3 * 32)
        assert imu.read_into(buf) == 20
        assert [buf[3 * i] for i in range(20)] == [i * 10 for i in range(20)], who
        assert not chip.int1()


def test_25_hz_drops_one_sample_in_26():
    chip, imu = make(LSM6DSO_ID, rate_hz=25, watermark=26)
    buf = array("h", [0] * 3 * 60)
    total = 0
    for second in range(4):
        for i in range(26):
            chip.sample(second * 100 + i, 0, 0)
        total += imu.read_into(buf)
    assert total == 4 * 25


def test_overrun_keeps_the_newest_and_is_counted():
    chip, imu = make(LSM6DSO_ID, rate_hz=26, watermark=25)
    for i in range(chip.depth + 5):
        chip.sample(i % 1000, 0, 0)
    assert imu.available() == chip.depth
    assert imu.overruns == 1


def test_read_into_allocates_nothing():
    for who, _ in VARIANTS:
        chip, imu = make(who, watermark=25)
        buf = array("h", [0] * 3 * 40)
        for i in range(33):
            chip.sample(i, -i, 1000)
        with heap_locked():
            n = imu.read_into(buf)
            taps = imu.taps()
        assert n == 32 and taps == 0  # 33 chip samples at 26 Hz -> 32 at 25 Hz


def test_double_tap_is_reported_once():
    for who, _ in VARIANTS:
        chip, imu = make(who)
        chip.double_tap()
        assert chip.int1()
        assert imu.taps() == 1
        assert imu.taps() == 0


def test_power_down_stops_sampling():
    chip, imu = make(LSM6DS3_ID, low_power=False)
    assert chip.regs[0x15] & 0x10 == 0
    imu.power_down()
    chip.sample(0, 0, 1000)
    assert imu.available() == 0
