"""Integer helpers of the detector, under CPython and MicroPython."""

from logic.fixedmath import UNIT, chord2, isqrt
from portable import heap_locked


def test_isqrt_is_the_floor_square_root_from_any_guess():
    for n in (0, 1, 2, 3, 4, 15, 16, 17, 999999, 1000000, 1000001, 768000000, 1073741823):
        for guess in (1, 7, 1000, 40000):
            r = isqrt(n, guess)
            assert r * r <= n < (r + 1) * (r + 1), (n, guess, r)
    k = 1
    while k < 32768:
        assert isqrt(k * k) == k and isqrt(k * k - 1) == k - 1
        k = k * 3 + 1


def test_chord2_grows_with_the_angle():
    assert chord2(0, 0, UNIT, 0, 0, UNIT) == 0
    assert chord2(UNIT, 0, 0, 0, UNIT, 0) == 2 * UNIT * UNIT        # 90 degrees
    assert chord2(0, 0, UNIT, 0, 0, -UNIT) == 4 * UNIT * UNIT       # 180 degrees
    assert chord2(0, 0, UNIT, 0, 286, 4086) < chord2(0, 0, UNIT, 0, 571, 4056)  # 4 < 8 degrees


def test_the_helpers_allocate_nothing():
    # on the 32-bit build too: every argument and result stays below 2**30
    guesses = (1, 7, 1000, 40000)
    with heap_locked():
        for n in (0, 3, 999999, 768000000, 1073741823):
            for guess in guesses:
                isqrt(n, guess)
        chord2(0, 0, UNIT, 0, 571, 4056)
        chord2(UNIT, 0, 0, 0, -UNIT, 0)
