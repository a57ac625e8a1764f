"""The posture detector across a reset: ``save()`` and ``Detector.restore()``, under CPython
and MicroPython.

A restored detector must answer every second exactly as the detector that was saved would
have, from the sample after the save on, wherever the save fell (mid-second included); and
data that is not a saved detector must give a fresh one, never an exception.
"""

import struct

from portable import heap_locked
from logic.detector import SAVE_SIZE, Detector
from logic.states import NOT_WORN, SITTING, STANDING
from test_detector import ODD, RATE, UPSIDE_DOWN_SIDEWAYS, Trace, _UPRIGHT, day, tilted

try:
    from binascii import crc32
except ImportError:
    from zlib import crc32

MICROPYTHON_HEAPSIZE = "1M"


def answer(d):
    return (d.second, d.state, d.steps, d.still_since, d.recalibrated)


def run_from(d, samples, first=0):
    """Feed ``samples`` from sample ``first`` on; the per-second answers."""
    out = []
    for i in range(3 * first, len(samples), 3):
        if d.feed(samples[i], samples[i + 1], samples[i + 2]):
            out.append(answer(d))
    return out


def taken_off_and_moved():
    """Worn, sitting, put on a desk (not worn), picked up and clipped on the other way round."""
    t = Trace(seed=5)
    sit = tilted(25, (-1.0, 0.0, 0.0))
    t.hold(12, _UPRIGHT)
    t.walk(15)
    t.move(3, _UPRIGHT, sit)
    t.hold(30, sit)
    t.move(2, sit, (0.0, 1.0, 0.0))
    t.desk(45, (0.0, 1.0, 0.0))       # not worn from here
    moved = Trace(UPSIDE_DOWN_SIDEWAYS, seed=9)
    moved.n = t.n
    moved.walk(20)                    # the clip was moved: learned again from walking
    moved.hold(10, _UPRIGHT)
    moved.move(3, _UPRIGHT, sit)
    moved.hold(20, sit)
    t.samples.extend(moved.samples)
    return t.samples


def check_restored_everywhere(samples, rate, every):
    """Save and restore every ``every`` samples; every answer must match an unbroken run."""
    whole = Detector(rate)
    carried = Detector(rate)
    restores = 0
    seconds = 0
    for k in range(len(samples) // 3):
        if k and k % every == 0:
            data = carried.save()
            assert len(data) == SAVE_SIZE
            carried = Detector.restore(rate, data)
            assert carried.save() == whole.save(), k
            restores += 1
        x, y, z = samples[3 * k], samples[3 * k + 1], samples[3 * k + 2]
        done = whole.feed(x, y, z)
        assert carried.feed(x, y, z) == done
        if done:
            seconds += 1
            assert answer(carried) == answer(whole), (k, answer(carried), answer(whole))
    return restores, seconds


def test_restored_anywhere_it_answers_every_second_as_the_unbroken_detector():
    # 173 samples: restores fall at every position within a second, in every posture
    for samples in (day(), day(ODD, sit_tilt=12), taken_off_and_moved()):
        restores, seconds = check_restored_everywhere(samples, RATE, 173)
        assert restores > 20 and seconds > 150


def test_the_rate_is_part_of_the_state():
    samples = day(UPSIDE_DOWN_SIDEWAYS)
    restores, seconds = check_restored_everywhere(samples, 50, 311)
    assert restores > 10 and seconds > 80
    saved = Detector(50)
    run_from(saved, samples[:3 * 2000])
    # saved at 50 Hz, restored at 25 Hz: nothing learned at another rate is trusted
    other = Detector.restore(RATE, saved.save())
    assert other.rate_hz == RATE and other.save() == Detector(RATE).save()


def test_a_reset_mid_sitting_carries_on_sitting_where_a_fresh_detector_would_not():
    t = Trace(seed=3)
    sit = tilted(25, (-1.0, 0.0, 0.0))
    t.hold(15, _UPRIGHT)
    t.walk(20)
    t.move(3, _UPRIGHT, sit)
    t.hold(120, sit)                  # 38..158 sitting; the reset comes at 90 s
    samples = t.samples
    cut = 90 * RATE + 11
    before = Detector(RATE)
    answers = run_from(before, samples[:3 * cut])
    assert answers[-1][1] == SITTING
    restored = run_from(Detector.restore(RATE, before.save()), samples, cut)
    assert [a[1] for a in restored] == [SITTING] * len(restored)
    assert restored[0][0] == answers[-1][0] + 1       # the seconds keep counting
    # What a reset did before save/restore: not worn at first, then the sitting posture is
    # taken for upright and the rest of the sit counts as standing.
    fresh = [a[1] for a in run_from(Detector(RATE), samples, cut)]
    assert fresh[0] == NOT_WORN and fresh[-1] == STANDING


def good_state():
    d = Detector(RATE)
    run_from(d, day()[:3 * (70 * RATE + 7)])   # sitting, mid-second
    return d, d.save()


def with_crc(body):
    return body + struct.pack("<I", crc32(body) & 0xFFFFFFFF)


def test_the_saved_state_is_a_fixed_little_endian_layout_with_a_crc():
    d, data = good_state()
    assert len(data) == SAVE_SIZE == 133
    assert data[0] == 2 and data[1] == RATE and data[2] == d.state == SITTING
    assert data[3] == d.steps
    assert struct.unpack_from("<ii", data, 33) == (d.second, d.still_since)
    assert with_crc(data[:-4]) == data
    assert Detector.restore(RATE, bytearray(data)).save() == data


def test_data_that_is_not_a_saved_detector_gives_a_fresh_one():
    _, data = good_state()
    flipped = bytearray(data)
    flipped[60] ^= 0x10
    bad_state = bytearray(data[:-4])
    bad_state[2] = 9                              # no such posture, with a valid CRC
    bad_fill = bytearray(data[:-4])
    bad_fill[6] = RATE                            # a second can never be full here
    cases = (
        b"", None, data[:1], data[:-1], data + b"\x00", bytes(SAVE_SIZE),
        with_crc(bytes([1]) + data[1:-4]),        # another version, valid CRC
        bytes(flipped), with_crc(bytes(bad_state)), with_crc(bytes(bad_fill)),
    )
    fresh = Detector(RATE)
    probe = day()[:3 * 40 * RATE]
    expected = run_from(Detector(RATE), probe)
    for bad in cases:
        d = Detector.restore(RATE, bad)
        assert d.save() == fresh.save(), bad
        assert run_from(d, probe) == expected
    assert expected[0][1] == NOT_WORN


def test_a_restored_detector_feeds_without_allocating():
    _, data = good_state()
    d = Detector.restore(RATE, data)
    samples = day()[3 * (70 * RATE + 7):3 * (74 * RATE)]
    n = len(samples)
    seconds = 0
    with heap_locked():
        i = 0
        while i < n:
            if d.feed(samples[i], samples[i + 1], samples[i + 2]):
                seconds += 1
            i += 3
    assert seconds == 4 and d.state == SITTING
