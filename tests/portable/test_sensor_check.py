"""A stuck or implausible accelerometer is told from a still body (logic/sensor_check.py)."""

from array import array

from chipmodels.bus import Bus
from chipmodels.lis3dh import LIS3DHModel
from hw.imu import LateImu
from logic.sensor_check import IMPLAUSIBLE, ODD_S, OK, STUCK, STUCK_S, SensorCheck
from portable import heap_locked

N = 25


def fill(buf, seed, x, y, z, noise):
    """One second of samples around (x, y, z) milli-g with +-noise of pseudo-random noise."""
    for i in range(N):
        seed = (seed * 1103515245 + 12345) & 0x7FFFFFFF
        d = (seed >> 16) % (2 * noise + 1) - noise if noise else 0
        buf[3 * i] = x + d
        buf[3 * i + 1] = y - d
        buf[3 * i + 2] = z + (d >> 1)
    return seed


def test_a_still_desk_with_sensor_noise_is_never_a_fault():
    check = SensorCheck()
    buf = array("h", [0] * 3 * N)
    seed = 1
    for _ in range(STUCK_S + 60):
        seed = fill(buf, seed, 15, -20, 1002, 1)    # 1 LSB of noise, as a 10-bit LIS3DH on a desk
        assert check.batch(buf, N) == OK


def test_the_same_sample_for_half_an_hour_is_stuck_and_ends_when_it_moves():
    check = SensorCheck()
    buf = array("h", [0] * 3 * N)
    fill(buf, 0, 12, -40, 990, 0)
    faults = [check.batch(buf, N) for _ in range(STUCK_S + 5)]
    assert faults.index(STUCK) == STUCK_S
    fill(buf, 3, 12, -40, 990, 2)
    assert check.batch(buf, N) == OK


def test_a_mean_far_from_one_g_for_two_minutes_is_implausible():
    check = SensorCheck()
    buf = array("h", [0] * 3 * N)
    seed = 5
    for second in range(ODD_S + 3):
        seed = fill(buf, seed, 150, 60, 90, 3)      # ~0.19 g: a dead axis, a wrong range
        fault = check.batch(buf, N)
        assert fault == (IMPLAUSIBLE if second >= ODD_S - 1 else OK), second
    for _ in range(3):
        seed = fill(buf, seed, 1900, 300, 200, 3)   # ~1.9 g
        assert check.batch(buf, N) == IMPLAUSIBLE
    seed = fill(buf, seed, 0, 700, 700, 3)          # ~1 g again
    assert check.batch(buf, N) == OK


def test_checking_a_second_allocates_nothing():
    check = SensorCheck()
    buf = array("h", [0] * 3 * N)
    fill(buf, 9, -300, 800, 500, 2)
    with heap_locked():
        for _ in range(10):
            check.batch(buf, N)


def test_reading_through_late_imu_allocates_nothing():
    chip = LIS3DHModel(0x19)
    imu = LateImu(Bus(chip), rate_hz=25, watermark=25)
    buf = array("h", [0] * 3 * 32)
    for i in range(25):
        chip.sample(i, -i, 1000)
    with heap_locked():
        n = imu.read_into(buf)
    assert n == 25 and buf[3 * 24 + 2] >= 990
