"""The LIS3DH driver against the datasheet model of the chip (CPython and MicroPython)."""

from array import array

from chipmodels.bus import Bus
from chipmodels.lis3dh import LIS3DHModel
from hw.lis3dh import LIS3DH, probe
from portable import heap_locked, raises


def make(**options):
    chip = LIS3DHModel(0x19)
    imu = LIS3DH(Bus(chip), address=0x19, **options)
    return chip, imu


def test_configures_rate_fifo_stream_mode_and_watermark_interrupt():
    chip, imu = make(rate_hz=25, watermark=25)
    assert chip.odr_code() == 3  # 25 Hz
    assert chip.fifo_mode() == 2  # stream
    assert chip.fth() == 24
    assert imu.watermark == 25
    assert chip.regs[0x22] & 0x04  # I1_WTM on INT1


def test_wrong_chip_or_no_chip_is_an_oserror():
    impostor = LIS3DHModel(0x18, who_am_i=0x6A)
    with raises(OSError):
        LIS3DH(Bus(impostor), address=0x18)
    with raises(OSError):
        LIS3DH(Bus(), address=0x18)
    assert not probe(Bus(impostor), 0x18)
    assert probe(Bus(LIS3DHModel(0x18)), 0x18)


def test_bad_rate_range_mode_or_watermark_is_a_valueerror():
    for options in ({"rate_hz": 26}, {"range_g": 3}, {"mode": "turbo"}, {"watermark": 32},
                    {"watermark": 0}):
        with raises(ValueError):
            make(**options)


def test_scaling_for_every_range_and_mode():
    # (mode, range) -> mg per digit, from the datasheet's mechanical characteristics
    expected = {("normal", 2): 4, ("normal", 4): 8, ("normal", 8): 16, ("normal", 16): 48,
                ("high_res", 2): 1, ("high_res", 4): 2, ("high_res", 8): 4,
                ("high_res", 16): 12, ("low_power", 2): 16, ("low_power", 4): 32,
                ("low_power", 8): 64, ("low_power", 16): 192}
    buf = array("h", [0] * 6)
    for (mode, range_g), step in expected.items():
        chip, imu = make(mode=mode, range_g=range_g, watermark=2)
        odd = 1000 + step // 2 - 1  # not a whole number of digits: rounds to the nearest
        chip.sample(step * 10, -step * 25, odd)
        chip.sample(3 * range_g * 1000, -3 * range_g * 1000, 0)  # beyond full scale
        assert imu.read_into(buf) == 2
        assert buf[0] == step * 10 and buf[1] == -step * 25, (mode, range_g, list(buf))
        assert abs(buf[2] - odd) <= step // 2, (mode, range_g, buf[2])
        # saturates at the converter's last code: (2^(bits-1) - 1) digits up, 2^(bits-1) down
        half_codes = 1 << ({"low_power": 8, "normal": 10, "high_res": 12}[mode] - 1)
        assert buf[3] == (half_codes - 1) * step, (mode, range_g, buf[3])
        assert buf[4] == -half_codes * step, (mode, range_g, buf[4])


def test_watermark_raises_int1_and_a_read_drains_in_order():
    chip, imu = make(watermark=25)
    for i in range(24):
        chip.sample(i * 4, 0, 1000)
    assert not chip.int1()
    chip.sample(24 * 4, 0, 1000)
    assert chip.int1()
    assert imu.available() == 25
    buf = array("h", [0] * 3 * 32)
    assert imu.read_into(buf) == 25
    assert [buf[3 * i] for i in range(25)] == [i * 4 for i in range(25)]
    assert buf[5] == 1000
    assert not chip.int1()
    assert imu.read_into(buf) == 0


def test_short_buffer_takes_only_what_fits_and_leaves_the_rest():
    chip, imu = make(watermark=10)
    for i in range(12):
        chip.sample(i * 8, 0, 0)
    small = array("h", [0] * 3 * 4)
    assert imu.read_into(small) == 4
    assert small[9] == 24
    assert imu.available() == 8
    rest = array("h", [0] * 3 * 32)
    assert imu.read_into(rest) == 8
    assert rest[0] == 32


def test_overrun_keeps_the_newest_32_and_is_counted():
    chip, imu = make(watermark=25)
    for i in range(40):
        chip.sample(i * 4, 0, 0)
    buf = array("h", [0] * 3 * 32)
    assert imu.read_into(buf) == 32
    assert buf[0] == 8 * 4 and buf[3 * 31] == 39 * 4
    assert imu.overruns == 1


def test_read_into_allocates_nothing():
    chip, imu = make(watermark=25)
    buf = array("h", [0] * 3 * 32)
    for i in range(31):
        chip.sample(i, -i, 1000)
    with heap_locked():
        first = imu.read_into(buf)
        taps = imu.taps()
    assert first == 31 and taps == 0


def test_double_click_is_reported_once():
    chip, imu = make()
    assert imu.taps() == 0
    chip.double_click()
    assert chip.int1()
    assert imu.taps() == 1
    assert imu.taps() == 0
    chip, imu = make(tap=False)
    chip.double_click()
    assert imu.taps() == 0


def test_low_power_mode_and_power_down():
    chip, imu = make(mode="low_power")
    assert chip.resolution_bits() == 8
    imu.power_down()
    chip.sample(0, 0, 1000)
    assert imu.available() == 0
